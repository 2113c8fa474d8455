// Runs one task (commands, a pipeline, or nested tasks) with its timeout and retries, and reports its result.
import fs from 'node:fs';
import type { Command, Task } from '../project/types.js';
import { openFreshFile, spawnCommand, type CommandSpec, type ProcessExit, type TerminationReason } from '../process/spawn-command.js';
import { classifyExit, exitCodeOf, ownEndOf } from './classify-exit.js';
import { prepareCommand, type PreparedCommand } from './command-process.js';
import { relativeTo, stderrLogPath, stdoutLogPath } from './artifact-names.js';
import type { FailureClass, ProcessResult, TaskResult } from './events.js';
import { runPipeline } from './run-pipeline.js';
import type { TaskContext } from './task-context.js';
import { plural } from '../plural.js';
import { openByteLog, type ByteLog } from '../line-log.js';
import { isoTime } from '../iso-time.js';

/** The outcome of a task body before timing and naming are added. */
export interface BodyOutcome {
  processes: ProcessResult[];
  subtasks: TaskResult[];
  failure?: FailureClass;
  exitCode: number;
  message?: string;
  unlistedSubtasks?: number;
  /** The size of the task's stdout log, when its launcher reported it (else it is read from the file). */
  stdoutBytes?: number;
  /** A command was not started because another part of the enclosing pipeline failed (see runTaskOnce). */
  endedByPipeline?: boolean;
}

/** The message of a task handoff ended because another part of its pipeline failed. */
export const ENDED_BY_PIPELINE = 'ended because another part of the pipeline failed';

/**
 * Whether a task failed only because handoff ended it when another part of its pipeline failed (another foreach line,
 * the upstream, a fork sibling): such a task has no failure class of its own, as it is not the cause.
 */
export function wasEndedByPipeline(result: TaskResult): boolean {
  return result.status === 'failed' && result.failure === undefined;
}

/** Runs a task under `displayName` (its name, or `<name>_<_line_safe>` inside foreach). */
export async function runTask(task: Task, ctx: TaskContext, displayName = task.name): Promise<TaskResult> {
  if (!task.active) {
    ctx.emit({ type: 'task_skipped', task: displayName, reason: 'active: false' });
    return { name: displayName, path: task.path, status: 'skipped', exitCode: 0, processes: [], subtasks: [] };
  }
  let attempt = 0;
  for (;;) {
    attempt += 1;
    const result = await runTaskOnce(task, ctx, displayName, attempt);
    const retry = result.status === 'failed' && attempt <= task.retries && !ctx.scope.stopped;
    if (!retry) {
      ctx.emit({ type: 'task_finished', task: result });
      return result;
    }
    ctx.emit({ type: 'log', level: 'warning', message: `Task ${displayName} failed (attempt ${attempt} of ${task.retries + 1}); retrying` });
  }
}

async function runTaskOnce(task: Task, parentCtx: TaskContext, displayName: string, attempt: number): Promise<TaskResult> {
  const startedAt = new Date();
  parentCtx.emit({ type: 'task_started', task: displayName, path: task.path, attempt });
  const scope = parentCtx.scope.createChild();
  const ctx: TaskContext = { ...parentCtx, scope, values: valuesOfTask(parentCtx, displayName) };
  let timedOut = false;
  const timer =
    task.timeout !== undefined
      ? setTimeout(() => {
          timedOut = true;
          ctx.emit({ type: 'log', level: 'error', message: `Task ${displayName} timed out after ${task.timeout} s` });
          scope.stop('timeout');
        }, task.timeout * 1000)
      : undefined;

  let outcome: BodyOutcome;
  let stdoutLog: string | undefined;
  try {
    switch (task.body.kind) {
      case 'commands':
        stdoutLog = stdoutLogPath(ctx.artifactsDir, displayName);
        outcome = await runCommands(task, ctx, displayName, stdoutLog);
        break;
      case 'pipeline':
        stdoutLog = stdoutLogPath(ctx.artifactsDir, displayName);
        outcome = await runPipeline(task, ctx, displayName, stdoutLog);
        break;
      case 'tasks':
        outcome = await runNestedTasks(task.body.tasks, ctx);
        break;
    }
  } catch (error) {
    if (timer) clearTimeout(timer);
    scope.stop('pipeline_failed');
    scope.dispose();
    throw error;
  }
  if (timer) clearTimeout(timer);
  scope.dispose();

  const result = taskResultOf(task, displayName, outcome, { startedAt, endedAt: new Date(), attempt, timedOut, interruptedRun: parentCtx.scope.stopReason === 'interrupted', interruptExitCode: parentCtx.scope.interruptExitCode }, stdoutLog);
  if (timedOut && result.status === 'succeeded') {
    // The timer fired as the last command was ending of itself: the launcher had seen it end well before the request
    // reached it (and may have started a foreach's next line already), so the task counts as it ended.
    ctx.emit({ type: 'log', level: 'warning', message: `Task ${displayName}: its commands had ended well before the timeout took effect; it counts as succeeded` });
  }
  return result;
}

/**
 * A task's result from its body's outcome: runTaskOnce's, and a foreach line run in a batch (foreach-batch.ts), so the
 * two record a line alike. `interruptedRun`: the scope around the task was stopped by SIGINT/SIGTERM.
 */
export function taskResultOf(
  task: Task,
  displayName: string,
  outcome: BodyOutcome,
  run: { startedAt: Date; endedAt: Date; attempt: number; timedOut: boolean; interruptedRun: boolean; interruptExitCode?: number },
  stdoutLog: string | undefined,
): TaskResult {
  const { startedAt, endedAt, timedOut } = run;
  const interrupted = run.interruptedRun || outcome.failure === 'interrupted';
  // Ended by handoff because another part of the enclosing pipeline failed (another foreach line, the upstream): the
  // task did not finish, so it failed, but with no failure class of its own, as it is not the cause (like a fork child).
  const endedByPipeline = outcome.failure === undefined && (outcome.endedByPipeline === true || outcome.processes.some((p) => p.terminatedBy === 'pipeline_failed'));
  const failed = outcome.failure !== undefined || outcome.exitCode !== 0 || endedByPipeline;
  const result: TaskResult = {
    name: displayName,
    path: task.path,
    status: interrupted ? 'interrupted' : failed ? 'failed' : 'succeeded',
    // Ended by the stop, its exit code is its process's own, even 0 (it exited of itself once its input was cut short).
    // Cut short by Ctrl-C/SIGTERM with no code of its own (a command skipped, or one that exited 0 as its leftovers were
    // ended): the run's 130/143, as the console and the record then agree with the run, not 1.
    exitCode: endedByPipeline && !interrupted ? outcome.exitCode : failed || interrupted ? outcome.exitCode || (interrupted ? run.interruptExitCode : undefined) || 1 : 0,
    failure: timedOut && (failed || interrupted) ? 'timeout' : outcome.failure,
    startedAt: isoOf(startedAt),
    endedAt: isoOf(endedAt),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    processes: outcome.processes,
    subtasks: outcome.subtasks,
    attempts: run.attempt,
    message: endedByPipeline ? ENDED_BY_PIPELINE : outcome.message,
    ...(outcome.unlistedSubtasks ? { unlistedSubtasks: outcome.unlistedSubtasks } : {}),
  };
  if (stdoutLog) {
    result.stdoutLog = stdoutLog;
    result.stdoutBytes = outcome.stdoutBytes ?? fileSize(stdoutLog);
  }
  return result;
}

/**
 * isoTime of the last two times asked for, kept: a batched foreach line's task result and its one process's result are
 * made from the same two Dates (its command's start and end), so each is formatted once per line, not twice. Kept by
 * the time's value (a Date can be changed); an invalid Date (NaN) is never kept, and isoTime throws for it as before.
 */
let keptTime = NaN;
let keptText = '';
let keptTimeBefore = NaN;
let keptTextBefore = '';
function isoOf(date: Date): string {
  const time = date.getTime();
  if (time === keptTime) return keptText;
  if (time === keptTimeBefore) return keptTextBefore;
  const text = isoTime(date);
  keptTimeBefore = keptTime;
  keptTextBefore = keptText;
  keptTime = time;
  keptText = text;
  return text;
}

function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/**
 * The rule for a command's background work (docs/reliability.md): the command ends when its shell exits, as in a
 * shell script; whatever it left running is sent SIGTERM, given the grace period, then SIGKILL, and named here.
 */
export function warnLeftBehind(ctx: TaskContext, taskName: string, exit: ProcessExit): void {
  const left = exit.leftBehind ?? [];
  if (left.length === 0) return;
  const what = left.map((p) => ctx.masker.mask(p)).join(', ');
  ctx.emit({
    type: 'log',
    level: 'warning',
    message: `Task ${taskName}: ${exit.name} left ${plural(left.length, 'process', 'processes')} running after its shell exited (${what}); they were sent SIGTERM, then SIGKILL after the grace period (end the command line with \`wait\` to wait for them)`,
  });
}

/** Builds the recorded result of a finished process; `mask` hides secrets in what the process reported. */
export function toProcessResult(prepared: PreparedCommand, exit: ProcessExit, failure: FailureClass | undefined, mask: (text: string) => string): ProcessResult {
  return {
    name: prepared.spec.name,
    commandLine: prepared.maskedCommandLine,
    pid: exit.pid,
    exitCode: exit.exitCode,
    signal: exit.signal,
    startedAt: isoOf(exit.startedAt),
    endedAt: isoOf(exit.endedAt),
    durationMs: exit.endedAt.getTime() - exit.startedAt.getTime(),
    failure,
    terminatedBy: exit.terminatedBy,
    stderrTail: failure ? prepared.tail.get() : undefined,
    ...(exit.leftBehind ? { leftBehind: exit.leftBehind.map(mask) } : {}),
    ...(exit.startError ? { startError: mask(exit.startError) } : {}),
  };
}

/**
 * The task's stderr log, byte for byte as its commands wrote it (masked), appended to as pieces arrive (its first command's launcher creates it empty) and closed with
 * the task. A log that cannot be written (disk full) is reported once through `warn` and dropped: the lines still
 * reach the console and the run's own log, and a full disk must not crash the run.
 */
function openStderrLog(
  file: string,
  warn?: (message: string) => void,
): { write: (bytes: string) => void; fail: (code: string) => void; close: () => Promise<void> | undefined } {
  let failed = false;
  const fail = (code: string): void => {
    if (failed) return;
    failed = true;
    warn?.(`cannot write ${file} (${code}); its lines are still in the console and the run's log`);
  };
  // Made at the first piece of stderr (most commands write none): nothing to close, and no promise, without one.
  let log: ByteLog | undefined;
  return {
    write: (bytes) => {
      if (!failed) (log ??= openByteLog(file, (error) => fail(error.code ?? error.message))).write(bytes);
    },
    fail,
    close: () => log?.close(),
  };
}

/** The template values of a task run under `displayName` (`_task` is its name). */
function valuesOfTask(ctx: TaskContext, displayName: string): Record<string, unknown> {
  return { ...ctx.values, _task: displayName };
}

type StderrLog = ReturnType<typeof openStderrLog>;

/**
 * Prepares a command of a `commands:` task: all its stdout goes to the task's stdout log, its stderr lines to the
 * task's stderr log; the task's first command has both logs made (a new stdout log, an empty stderr log).
 */
function prepareTaskCommand(
  command: Command,
  ctx: TaskContext,
  logs: { taskName: string; stdoutLog: string; stderrFile: string; stderrLog?: StderrLog },
  first: boolean,
  rendered?: string,
): PreparedCommand {
  const { taskName, stderrFile, stderrLog } = logs;
  const prepared = prepareCommand(command, ctx, {
    taskName,
    rendered,
    stdin: 'ignore',
    stdout: { file: logs.stdoutLog, fresh: first },
    stderrArtifact: { path: relativeTo(ctx.workspaceDir, stderrFile), write: (bytes) => stderrLog?.write(bytes) },
  });
  if (first) {
    prepared.spec.createEmptyFile = stderrFile;
    prepared.spec.onCreateError = (_file, code) => stderrLog?.fail(code);
  }
  return prepared;
}

/**
 * What runTask would start first for `task` under `displayName`, given that it starts at all: the spec of its first
 * active command when it is an active `commands:` task (undefined otherwise, or when the command cannot be rendered).
 * A foreach sends it ahead to its worker (see LauncherWorker.startEarly); it is taken over only if runTask then asks
 * for the very same command.
 */
export function predictFirstCommand(task: Task, ctx: TaskContext, displayName: string): CommandSpec | undefined {
  if (!task.active || task.body.kind !== 'commands') return undefined;
  const command = task.body.commands.find((c) => c.active);
  if (!command) return undefined;
  try {
    const logs = { taskName: displayName, stdoutLog: stdoutLogPath(ctx.artifactsDir, displayName), stderrFile: stderrLogPath(ctx.artifactsDir, displayName) };
    return prepareTaskCommand(command, { ...ctx, values: valuesOfTask(ctx, displayName) }, logs, true).spec;
  } catch {
    return undefined; // a template error: runTask reports it when the line's turn comes
  }
}

/** `commands:` run one after another, all stdout to one log; the first failure ends the task. */
async function runCommands(task: Task, ctx: TaskContext, taskName: string, stdoutLog: string): Promise<BodyOutcome> {
  if (task.body.kind !== 'commands') throw new Error('runCommands needs a commands task');
  const launcher = ctx.launcher ?? { start: spawnCommand };
  const stderrFile = stderrLogPath(ctx.artifactsDir, taskName);
  const stderrLog = openStderrLog(stderrFile, (message) => ctx.emit({ type: 'log', level: 'warning', message }));
  const processes: ProcessResult[] = [];
  let failure: FailureClass | undefined;
  let exitCode = 0;
  let stdoutBytes: number | undefined;
  let endedByPipeline = false;
  // The first command's launcher makes both logs (a new stdout log, an empty stderr log); the later ones append.
  let logsMade = false;
  try {
    for (const command of task.body.commands) {
      if (!command.active) continue;
      // A command already started (a foreach's next line sent ahead) is taken over and ended, not left unrecorded.
      if (ctx.scope.stopped && !launcher.hasStartedEarly?.()) {
        const reason = ctx.scope.stopReason;
        if (reason === 'pipeline_failed') endedByPipeline = true;
        else failure = reason === 'interrupted' ? 'interrupted' : 'timeout';
        // Skipped by Ctrl-C/SIGTERM: the run's 130/143, as a command cut by it reports, not a failure's 1.
        exitCode = (reason === 'interrupted' ? ctx.scope.interruptExitCode : undefined) ?? 1;
        break;
      }
      // A foreach line's first command was rendered once already, when it was sent ahead: it runs as rendered then (a
      // template with `random` must not run one command and record another).
      const rendered = logsMade ? undefined : launcher.renderedAhead?.(taskName);
      const prepared = prepareTaskCommand(command, ctx, { taskName, stdoutLog, stderrFile, stderrLog }, !logsMade, rendered);
      logsMade = true;
      const running = launcher.start(prepared.spec);
      ctx.scope.track(running);
      if (ctx.scope.stopReason) running.terminate(ctx.scope.stopReason, ctx.scope.firstSignal);
      // Its input is no pipe (stdin is /dev/null): a clean end is its own even when a stop crossed it (see ownEndOf).
      const exit = ownEndOf(await running.exited, true);
      stdoutBytes = exit.stdoutBytes;
      const ended = commandEnded(ctx, taskName, prepared, exit);
      processes.push(ended.result);
      if (ended.last) {
        failure = ended.failure;
        exitCode = ended.exitCode;
        break;
      }
    }
  } finally {
    if (!logsMade) {
      // No command ran: the task still has its (empty) logs, as it always had.
      fs.closeSync(openFreshFile(stdoutLog));
      try {
        fs.closeSync(fs.openSync(stderrFile, 'w', 0o644));
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        stderrLog.fail(e.code ?? e.message);
      }
    }
    await stderrLog.close();
  }
  return { processes, subtasks: [], failure, exitCode, stdoutBytes, endedByPipeline };
}

/**
 * Records the end of a `commands:` task's command (a warning for what it left behind, its `process_exited`) and says
 * whether the task stops there: when it failed, or was ended because another part of the pipeline failed (then
 * without being the cause: no failure class).
 */
function commandEnded(
  ctx: TaskContext,
  taskName: string,
  prepared: PreparedCommand,
  exit: ProcessExit,
): { result: ProcessResult; last: boolean; failure?: FailureClass; exitCode: number } {
  warnLeftBehind(ctx, taskName, exit);
  const failure = classifyExit(exit, false);
  const result = toProcessResult(prepared, exit, failure, ctx.masker.mask);
  ctx.emit({ type: 'process_exited', task: taskName, process: result });
  const last = failure !== undefined || exit.terminatedBy === 'pipeline_failed';
  return { result, last, failure, exitCode: last ? exitCodeOf(exit) : 0 };
}

/**
 * A foreach line run in a batch (foreach-batch.ts): a `commands:` task of one command, its command line rendered when
 * the line was queued, prepared as runTask would prepare it under `displayName` only once the line's turn comes, and
 * how to record its end as runTask would. Only for a task with no timeout, no retries and one active command.
 */
export interface BatchedLine {
  spec: CommandSpec;
  /**
   * Records its end (`process_exited`; `task_finished` is the caller's) and gives its result at once; `closed` when
   * its stderr log was written to, and resolves once that is closed.
   */
  finish(exit: ProcessExit): { result: TaskResult; closed?: Promise<void> };
}

/** The command a batched foreach line runs: the task's one active command (see batchableTask). */
export function batchedCommandOf(task: Task): Command | undefined {
  return task.body.kind === 'commands' ? task.body.commands.find((c) => c.active) : undefined;
}

/**
 * Prepares line `displayName`'s command, rendered already as `logs.commandLine`, to write to the logs named: its
 * spec (with which the worker's job is taken over) and how to record its end.
 */
export function prepareBatchedLine(
  task: Task,
  command: Command,
  ctx: TaskContext,
  displayName: string,
  logs: { commandLine: string; stdoutLog: string; stderrFile: string },
): BatchedLine {
  const { stdoutLog, stderrFile } = logs;
  const stderrLog = openStderrLog(stderrFile, (message) => ctx.emit({ type: 'log', level: 'warning', message }));
  // ctx's values are not read: the command line is rendered already (with the line's values and `_task`).
  const prepared = prepareTaskCommand(command, ctx, { taskName: displayName, stdoutLog, stderrFile, stderrLog }, true, logs.commandLine);
  return {
    spec: prepared.spec,
    finish: (reported) => {
      // Its input is /dev/null, as in runCommands: a clean end is its own even when a stop crossed it.
      const exit = ownEndOf(reported, true);
      const ended = commandEnded(ctx, displayName, prepared, exit);
      const closed = stderrLog.close();
      const outcome: BodyOutcome = { processes: [ended.result], subtasks: [], failure: ended.failure, exitCode: ended.exitCode, stdoutBytes: exit.stdoutBytes };
      const timing = { startedAt: exit.startedAt, endedAt: exit.endedAt, attempt: 1, timedOut: false, interruptedRun: ctx.scope.stopReason === 'interrupted', interruptExitCode: ctx.scope.interruptExitCode };
      return { result: taskResultOf(task, displayName, outcome, timing, stdoutLog), closed };
    },
  };
}

/** `tasks:` nested tasks run in order; a failed one stops the rest when its kill_downstream_on_fail is true. */
export async function runNestedTasks(tasks: Task[], ctx: TaskContext): Promise<BodyOutcome> {
  const subtasks: TaskResult[] = [];
  let failed: TaskResult | undefined;
  // Why tasks were left unrun, when a timeout, an interrupt or a failure elsewhere stopped the scope between two tasks.
  let stoppedBy: TerminationReason | undefined;
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i];
    if (ctx.scope.stopped) {
      stoppedBy = ctx.scope.stopReason;
      subtasks.push(...tasks.slice(i).map(notRun));
      break;
    }
    const result = await runTask(task, ctx);
    subtasks.push(result);
    if (result.status === 'failed' || result.status === 'interrupted') {
      failed ??= result;
      if (task.killDownstreamOnFail || result.status === 'interrupted') {
        subtasks.push(...tasks.slice(i + 1).map(notRun));
        break;
      }
    }
  }
  if (failed) {
    // A nested task that handoff ended because another part of the pipeline failed ends its parent the same way.
    const endedByPipeline = wasEndedByPipeline(failed);
    return { processes: [], subtasks, failure: failed.failure ?? (endedByPipeline ? undefined : 'exit_code'), exitCode: failed.exitCode || 1, endedByPipeline };
  }
  if (stoppedBy) {
    // Tasks that never ran: the body did not finish, which is a timeout's or an interrupt's failure (SPEC §5), or an
    // end because another part of the pipeline failed.
    const failure = stoppedBy === 'pipeline_failed' ? undefined : stoppedBy;
    const exitCode = (stoppedBy === 'interrupted' ? ctx.scope.interruptExitCode : undefined) ?? 1;
    return { processes: [], subtasks, failure, exitCode, endedByPipeline: stoppedBy === 'pipeline_failed' };
  }
  return { processes: [], subtasks, exitCode: 0 };
}

export function notRun(task: Task): TaskResult {
  return { name: task.name, path: task.path, status: 'not_run', exitCode: 0, processes: [], subtasks: [] };
}
