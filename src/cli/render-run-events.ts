// Turns run events into console lines, keeping the original's phrases that cloud metric filters look for.
import type { RunEvent } from '../runner/events.js';
import type { ConsoleLog } from './console-log.js';

export function renderRunEvent(event: RunEvent, log: ConsoleLog): void {
  switch (event.type) {
    case 'log':
      log.log(event.level, event.message);
      break;
    case 'task_started':
      log.log('info', `Task ${event.task} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`);
      break;
    case 'task_skipped':
      log.log('info', `Task ${event.task} skipped (${event.reason})`);
      break;
    case 'process_started':
      log.log('debug', `Process ${event.pid ?? '?'} started: ${event.commandLine}`);
      break;
    case 'process_exited': {
      const p = event.process;
      const how = p.exitCode !== null ? `exited with code ${p.exitCode}` : p.signal ? `was killed by ${p.signal}` : 'could not start';
      const why = p.failure ? ` (${describeFailure(p.failure)})` : p.terminatedBy ? ` (ended by handoff: ${p.terminatedBy.replace('_', ' ')})` : '';
      log.log(p.failure ? 'error' : 'info', `Process ${p.pid ?? '?'} ${p.commandLine} ${how}${why}`);
      break;
    }
    case 'stderr_line':
      log.log('info', `[${event.task}] ${event.process}: ${event.line}`);
      break;
    case 'task_finished': {
      const t = event.task;
      if (t.status === 'not_run' || t.status === 'skipped') break;
      const extra = t.message ? ` — ${t.message}` : '';
      log.log(t.exitCode === 0 ? 'info' : 'error', `Task ${t.name} ended with exit code ${t.exitCode}${extra}`);
      break;
    }
    case 'run_started':
    case 'run_finished':
      break;
  }
}

export function describeFailure(failure: string): string {
  switch (failure) {
    case 'command_not_found':
      return 'command not found';
    case 'out_of_memory':
      return 'killed by SIGKILL: out of memory, or kill -9';
    case 'start_failure':
      return 'could not be started';
    case 'exit_code':
      return 'failed';
    default:
      return failure.replace('_', ' ');
  }
}
