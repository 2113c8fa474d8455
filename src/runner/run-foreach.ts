// Runs a foreach: reads the upstream output line by line and runs the sub-tasks per line, with the original's kill rules.
import type { Readable } from 'node:stream';
import type { CommandLauncher } from '../process/spawn-command.js';
import type { PipelineElement, Task } from '../project/types.js';
import type { FailureClass, TaskResult } from './events.js';
import { ForeachLaunchers, lineContext, lineTaskName, type LineContext } from './foreach-launchers.js';
import { notRun, runTask, wasEndedByPipeline } from './run-task.js';
import { batchableTask, ForeachBatch } from './foreach-batch.js';
import type { TaskContext } from './task-context.js';
import { plural } from '../plural.js';
import { toSafeFileName } from './artifact-names.js';

type ForeachElement = Extract<PipelineElement, { kind: 'foreach' }>;

/** A foreach line longer than this fails the task with a clear message instead of growing memory without bound. */
export const MAX_FOREACH_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Succeeded sub-task results kept for the run record; past this many, lines whose sub-tasks all succeeded are only
 * counted, so a foreach over a million lines keeps memory flat. Failures are always kept.
 */
export const MAX_LISTED_SUBTASKS = 1000;

export interface ForeachOutcome {
  subtasks: TaskResult[];
  /** Succeeded sub-tasks run but not listed (past MAX_LISTED_SUBTASKS). */
  unlisted: number;
  failure?: FailureClass;
  exitCode: number;
  message?: string;
}

/**
 * The rules, as the original applied them:
 * - a sub-task failing with both kill_loop_on_fail and kill_downstream_on_fail fails the task at once;
 * - after a failed sub-task, the same line's later sub-tasks are skipped only if kill_downstream_on_fail;
 * - before the next line, the loop stops if a sub-task failed whose kill_loop_on_fail is true;
 * - the foreach fails if any sub-task failed.
 * With `parallel: N`, up to N lines run at once; the rules apply as each line finishes.
 */
export async function runForeach(element: ForeachElement, upstream: Readable, ctx: TaskContext, taskName: string): Promise<ForeachOutcome> {
  const results: TaskResult[][] = [];
  const inFlight = new Set<Promise<void>>();
  let anyFailed = false;
  let stopLoop = false;
  let failAtOnce = false;
  // The failure the foreach reports: the first in line order (with `parallel`, not the first to end), which is the one
  // the run's reason names too (run-recorder.ts: the first failed sub-task in the record's order).
  let firstFailure: { index: number; result: TaskResult } | undefined;
  let message: string | undefined;
  let warnedNul = false;
  let blankLines = 0;
  let lineError: { error: unknown } | undefined;

  // Each line's commands go through a long-lived launcher (no spawn of handoff's per line); see foreach-launchers.ts.
  const launchers = new ForeachLaunchers(element, ctx);
  // The sub-tasks whose lines could be named like a task of the project (`load` next to a task `load_1`): most have none.
  const watched = element.tasks.filter((sub) => [...(ctx.taskLogNames?.keys() ?? [])].some((key) => key.startsWith(`${toSafeFileName(sub.name)}_`)));

  let listed = 0;
  let unlisted = 0;
  const runLine = async (index: number, context: LineContext): Promise<void> => {
    const { launcher, release } = launchers.forLine(index);
    try {
      await runLineWith(index, context, launcher);
    } finally {
      release();
    }
  };
  /** Applies the kill rules to a sub-task's result; true when the line's later sub-tasks are skipped. */
  const applyRules = (index: number, sub: Task, result: TaskResult): boolean => {
    if (wasEndedByPipeline(result)) {
      // Ended by handoff because another line or the upstream failed: not a failure of this loop's own.
      return true;
    }
    if (result.status === 'failed' || result.status === 'interrupted') {
      anyFailed = true;
      if (!firstFailure || index < firstFailure.index) firstFailure = { index, result };
      if (sub.killLoopOnFail) stopLoop = true;
      if (sub.killLoopOnFail && sub.killDownstreamOnFail) {
        failAtOnce = true;
        ctx.scope.stop('pipeline_failed');
      }
      return sub.killDownstreamOnFail;
    }
    return false;
  };
  /** Keeps a line's results for the record (past MAX_LISTED_SUBTASKS, a line that went well is only counted). */
  const keepLine = (index: number, lineResults: TaskResult[]): void => {
    if (listed >= MAX_LISTED_SUBTASKS && lineResults.every((r) => r.status === 'succeeded' || r.status === 'skipped')) {
      unlisted += lineResults.length;
      results[index] = [];
    } else {
      results[index] = lineResults;
      listed += lineResults.length;
    }
  };
  const runLineWith = async (index: number, { values, suffix }: LineContext, launcher: CommandLauncher): Promise<void> => {
    const lineResults: TaskResult[] = [];
    results[index] = lineResults;
    let skipRest = false;
    for (const sub of element.tasks) {
      const name = lineTaskName(sub.name, suffix);
      // A line whose first command already started (sent ahead) runs it whatever happened meanwhile: it is taken over,
      // ended if the loop is stopping, and recorded.
      if ((skipRest || failAtOnce || ctx.scope.stopped) && !launcher.hasStartedEarly?.()) {
        lineResults.push({ ...notRun(sub), name });
        continue;
      }
      const result = await runTask(sub, { ...ctx, values, launcher }, name);
      lineResults.push(result);
      if (applyRules(index, sub, result)) skipRest = true;
    }
    keepLine(index, lineResults);
  };

  const shouldStop = (): boolean => failAtOnce || stopLoop || ctx.scope.stopped;

  // A foreach of one command per line runs its lines as a batch (foreach-batch.ts): one worker's queue, topped up as
  // it runs low, its reports read as they come. Any line that cannot (see ForeachBatch.add) runs the usual way.
  const batchTask = batchableTask(element);
  const batch = batchTask
    ? new ForeachBatch(
        batchTask,
        ctx,
        {
          recordLine: (index, result) => {
            applyRules(index, batchTask, result);
            keepLine(index, [result]);
          },
          runLine: (index, context) => runLineCatching(index, context),
          shouldStop,
        },
        // With kill_loop_on_fail the line after a failed one must not start: the worker runs each only if the one
        // before it ended well, and skips every later one. Without it the loop goes on after a failure: each runs.
        batchTask.killLoopOnFail,
      )
    : undefined;

  // A line that throws (a template error under --strict) stops the loop; its error is handled here at once, so it
  // is never an unhandled rejection while the loop still waits for input, and rethrown once the loop is done.
  const runLineCatching = (index: number, context: LineContext): Promise<void> =>
    runLine(index, context).catch((error: unknown) => {
      lineError ??= { error };
      failAtOnce = true;
      ctx.scope.stop('pipeline_failed');
    });

  let index = 0;
  /** The log names (artifact-names.ts) of the lines in flight, each with how many lines use it. */
  const logNamesInFlight = new Map<string, number>();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Starts or queues a line; false once the loop stops. A line queued in the batch (the usual case) needs no promise. */
  const dispatch = (raw: Buffer): boolean | Promise<boolean> => {
    let text = raw.toString('utf8');
    if (text.includes('\0')) {
      // A NUL cannot be passed in a command line; drop it rather than fail the spawn.
      text = text.replaceAll('\0', '');
      if (!warnedNul) {
        warnedNul = true;
        ctx.emit({ type: 'log', level: 'warning', message: `Task ${taskName}: foreach input contains NUL bytes; they were removed from _line` });
      }
    }
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    // Skipped on purpose (the original ran them with an empty _line): `rm -r out/{{ _line }}` must not get `out/`.
    if (line.trim() === '') {
      blankLines += 1;
      return true;
    }
    const context = lineContext(ctx, line);
    const clash = watched.length > 0 ? logNameClash(watched, context.suffix, ctx) : undefined;
    if (clash) {
      // Refused before it starts: its logs would silently replace another task's (artifacts/ is one folder).
      message = clash;
      ctx.emit({ type: 'log', level: 'error', message: `Task ${taskName}: ${message}` });
      return false;
    }
    let tried: 'busy' | 'unfit' | undefined;
    if (batch && inFlight.size === 0 && batch.hasRoom()) {
      if (shouldStop()) return false;
      const added = batch.add(index, context, line);
      if (added === 'queued') {
        index += 1;
        return true;
      }
      tried = added;
    }
    return dispatchLater(context, line, tried);
  };
  /** dispatch, for a line that must wait (for room in the batch, for lines in flight) or cannot join the batch. */
  const dispatchLater = async (context: LineContext, line: string, tried: 'busy' | 'unfit' | undefined): Promise<boolean> => {
    if (batch) {
      let added: 'queued' | 'busy' | 'unfit' | undefined = tried;
      if (!added) {
        while (inFlight.size > 0) await Promise.race(inFlight);
        await batch.room();
        if (shouldStop()) return false;
        added = batch.add(index, context, line);
      }
      if (added === 'busy') {
        await batch.drain();
        if (shouldStop()) return false;
        added = batch.add(index, context, line);
      }
      if (added === 'queued') {
        index += 1;
        return true;
      }
      // Run the usual way, once the lines before it are over.
      await batch.drain();
    }
    launchers.setWaiting({ index, context });
    // Two lines whose logs have the same names (the same value twice, or `a/b` and `a:b`) take turns, as with
    // `parallel: 1`: run at once, the later one's new stdout log replaces the earlier's and their stderr lines mix.
    const logNames = element.tasks.map((sub) => toSafeFileName(lineTaskName(sub.name, context.suffix)));
    while (inFlight.size >= element.parallel || logNames.some((name) => logNamesInFlight.has(name))) await Promise.race(inFlight);
    launchers.setWaiting(undefined);
    if (shouldStop() && !(await launchers.settleWaiting(index))) return false;
    for (const name of logNames) logNamesInFlight.set(name, (logNamesInFlight.get(name) ?? 0) + 1);
    const job = runLineCatching(index++, context).finally(() => {
      inFlight.delete(job);
      for (const name of logNames) {
        const left = (logNamesInFlight.get(name) ?? 1) - 1;
        if (left > 0) logNamesInFlight.set(name, left);
        else logNamesInFlight.delete(name);
      }
    });
    inFlight.add(job);
    return true;
  };

  let stoppedEarly = false;
  try {
    reading: for await (const chunk of upstream as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl === -1) break;
        const piece = chunk.subarray(start, nl);
        const lineBuf = pendingBytes > 0 ? Buffer.concat([...pending, piece]) : piece;
        pending = [];
        pendingBytes = 0;
        start = nl + 1;
        const dispatched = dispatch(lineBuf);
        if (!(dispatched === true || (dispatched !== false && (await dispatched)))) {
          stoppedEarly = true;
          break reading;
        }
      }
      if (start < chunk.length) {
        const rest = Buffer.from(chunk.subarray(start));
        pending.push(rest);
        pendingBytes += rest.length;
        if (pendingBytes > MAX_FOREACH_LINE_BYTES) {
          message = `foreach input line longer than ${MAX_FOREACH_LINE_BYTES / (1024 * 1024)} MiB without a newline; foreach runs one command per line, so its input must be lines`;
          ctx.emit({ type: 'log', level: 'error', message: `Task ${taskName}: ${message}` });
          stoppedEarly = true;
          break reading;
        }
      }
    }
    if (!stoppedEarly && pendingBytes > 0) await dispatch(Buffer.concat(pending));
  } catch {
    // The upstream pipe closing under us (its process killed) simply ends the input.
  } finally {
    // Stop reading: an upstream still writing gets SIGPIPE, as it would in a shell.
    upstream.destroy();
  }
  await batch?.drain();
  await Promise.all(inFlight);
  batch?.close();
  launchers.close();
  if (blankLines > 0) {
    ctx.emit({ type: 'log', level: 'info', message: `Task ${taskName}: foreach skipped ${plural(blankLines, 'empty or blank line')} of its input (no sub-task runs for them)` });
  }
  if (lineError) throw lineError.error;

  const subtasks = results.flat();
  if (message) return { subtasks, unlisted, failure: 'exit_code', exitCode: 1, message };
  if (anyFailed) {
    const first = firstFailure?.result;
    const failure = first?.status === 'interrupted' ? 'interrupted' : first?.failure ?? 'exit_code';
    return { subtasks, unlisted, failure, exitCode: first?.exitCode || 1 };
  }
  return { subtasks, unlisted, exitCode: 0 };
}

/** What is wrong with a line whose sub-task would be named like another task of the project (`load_1`), if it is. */
function logNameClash(subs: Task[], suffix: string, ctx: TaskContext): string | undefined {
  for (const sub of subs) {
    const name = lineTaskName(sub.name, suffix);
    const other = ctx.taskLogNames?.get(toSafeFileName(name));
    if (!other) continue;
    return `foreach line "${suffix}" would name sub-task ${JSON.stringify(sub.name)} ${name}, as task ${JSON.stringify(other.name)} (${other.path}) is named: its logs would replace that task's artifacts/${toSafeFileName(name)}_stdout.log; nothing of the line was run. Rename the task or the foreach sub-task, so that no task name starts with "${toSafeFileName(sub.name)}_"`;
  }
  return undefined;
}
