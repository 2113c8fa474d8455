// Turns run events into console lines, keeping the original's phrases that cloud metric filters look for.
import type { RunEvent } from '../runner/events.js';
import { DEFAULT_STDERR_LIMITS, HeadTailLimiter, type StderrLimits } from '../runs/stderr-limits.js';
import type { ConsoleLog } from './console-log.js';

/**
 * A renderer for one run. Each process's stderr reaches the console (and so the run's console.log) up to its head
 * limit as it comes, then its tail when the process ends, after a line saying how much was left out and where the
 * whole is kept: a process that writes a gigabyte to stderr does not write it to the console (and to CloudWatch).
 */
export function createRunRenderer(log: ConsoleLog, limits: StderrLimits = DEFAULT_STDERR_LIMITS): (event: RunEvent) => void {
  const fullLogs = new Map<string, string>();
  const limiters = new Map<string, HeadTailLimiter>();
  const show = (task: string, processName: string, lines: string[]): void => {
    for (const line of lines) log.log('info', `[${task}] ${processName}: ${line}`);
  };
  const flush = (matches: (key: string) => boolean): void => {
    for (const [key, limiter] of limiters) {
      if (!matches(key)) continue;
      const [task, processName] = key.split('\u0000');
      show(task, processName, limiter.end());
    }
  };
  return (event) => {
    switch (event.type) {
      case 'process_started':
        if (event.stderrLog) fullLogs.set(`${event.task}\u0000${event.name}`, event.stderrLog);
        break;
      case 'stderr_line': {
        const key = `${event.task}\u0000${event.process}`;
        let limiter = limiters.get(key);
        if (!limiter) {
          // A console line costs its timestamp and level (34 bytes) and the `[task] process: ` prefix beyond its text.
          const overhead = 34 + `[${event.task}] ${event.process}: `.length;
          limiter = new HeadTailLimiter(limits, fullLogs.get(key) ?? `the run's logs (handoff runs show)`, overhead);
          limiters.set(key, limiter);
        }
        show(event.task, event.process, limiter.push(event.line));
        return;
      }
      case 'process_exited':
        // Most processes write no stderr: no limiter to end, no key to make.
        if (limiters.size > 0) flush((key) => key === `${event.task}\u0000${event.process.name}`);
        break;
      case 'task_finished': {
        // Keys of a task end with it, so a long foreach keeps no limiter per line (a Map may lose keys as it is walked).
        const prefix = `${event.task.name}\u0000`;
        if (limiters.size > 0) {
          flush((key) => key.startsWith(prefix));
          for (const key of limiters.keys()) if (key.startsWith(prefix)) limiters.delete(key);
        }
        for (const key of fullLogs.keys()) if (key.startsWith(prefix)) fullLogs.delete(key);
        break;
      }
      case 'run_finished':
        flush(() => true);
        break;
      default:
        break;
    }
    renderRunEvent(event, log);
  };
}

/** The console line(s) of one event, stderr lines aside (see createRunRenderer). */
function renderRunEvent(event: RunEvent, log: ConsoleLog): void {
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
      const how = p.exitCode !== null ? `exited with code ${p.exitCode}` : p.signal ? `was killed by ${p.signal}` : p.startError ? `could not start: ${describeStartError(p.startError)}` : 'could not start';
      const why = p.failure && !(p.failure === 'start_failure' && p.startError) ? ` (${describeFailure(p.failure)})` : p.terminatedBy ? ` (ended by handoff: ${p.terminatedBy.replace('_', ' ')})` : '';
      log.log(p.failure ? 'error' : 'info', `Process ${p.pid ?? '?'} ${p.commandLine} ${how}${why}`);
      break;
    }
    case 'stderr_line':
      break;
    case 'task_finished': {
      const t = event.task;
      if (t.status === 'not_run' || t.status === 'skipped') break;
      const extra = t.message ? ` — ${t.message}` : '';
      // A task ended by the stop whose command still exited 0 (its input cut short): "exit code 0" would read as a
      // success, and the cloud alarms count only "ended with exit code N" lines, where the sibling that failed is.
      if (t.status === 'failed' && t.exitCode === 0) log.log('error', `Task ${t.name} ${t.message ?? 'failed'} (its command exited 0, but its input or work was cut short)`);
      else log.log(t.exitCode === 0 ? 'info' : 'error', `Task ${t.name} ended with exit code ${t.exitCode}${extra}`);
      break;
    }
    case 'run_started':
    case 'run_finished':
      break;
  }
}

/** Why a command could not start, as the launcher reported it (`sh: Argument list too long`), with a hint where one helps. */
export function describeStartError(startError: string): string {
  // E2BIG: the kernel limits one argument to 128 KiB and all of them with the environment to about 2 MiB.
  if (/Argument list too long/.test(startError)) return `${startError} (the kernel limits each argument of a command line to 128 KiB: pass large data through stdin or a file instead)`;
  return startError;
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
