// A foreach's lines run as a batch: one worker runs a queue of lines, topped up as it runs low, read as it reports.
import { LauncherWorker, type LineRequestBase, type QueuedLineCommand } from '../process/launcher-worker.js';
import type { FirstSignal, ProcessExit, TerminationReason } from '../process/spawn-command.js';
import type { Command, PipelineElement, Task } from '../project/types.js';
import type { TaskResult } from './events.js';
import { lineContext, lineTaskName, type LineContext } from './foreach-launchers.js';
import { batchedCommandOf, prepareBatchedLine } from './run-task.js';
import { environmentFor, renderCommandLineWith } from './command-process.js';
import { fileIn, toSafeFileName } from './artifact-names.js';
import type { TaskContext } from './task-context.js';
import { runEnvironmentMarker } from '../runs/run-history.js';

type ForeachElement = Extract<PipelineElement, { kind: 'foreach' }>;

/**
 * Lines sent to the worker and not yet recorded: at most HIGH_WATER; once that many are queued, more are sent only when
 * the queue is down to LOW_WATER, all at once (one write, one wake-up of the worker). LOW_WATER lines of the fastest
 * command (/bin/true, about 1 ms each here) are what handoff has to answer in before the worker would wait for it.
 */
const HIGH_WATER = 128;
const LOW_WATER = 32;

/**
 * A line in the batch: sent to the worker, recorded once it is over. It holds only what its request and its record
 * need (up to HIGH_WATER wait here, long enough to outlive V8's young generation): its command is prepared, its
 * template values made again (a rerun), only in its turn.
 */
interface QueuedLine {
  index: number;
  /** The line as read (its values and suffix are made from it again if it must run the usual way). */
  text: string;
  taskName: string;
  commandLine: string;
  stdoutLog: string;
  stderrFile: string;
  queued: QueuedLineCommand;
  started: boolean;
}

/** What the batch asks of the foreach around it. */
export interface BatchHooks {
  /** Records a line's result and applies the foreach's kill rules to it (as a line run the usual way does). */
  recordLine(index: number, result: TaskResult): void;
  /** Runs a line the usual way: one the worker skipped while the loop goes on (its worker went away). */
  runLine(index: number, context: LineContext): Promise<void>;
  shouldStop(): boolean;
}

/**
 * The foreach's only sub-task when its lines can run as a batch: `parallel: 1` and a single active `commands:` task of
 * one active command, without a timeout or retries (which need handoff's clock per line). Otherwise undefined.
 */
export function batchableTask(element: ForeachElement): Task | undefined {
  if (element.parallel !== 1 || element.tasks.length !== 1) return undefined;
  const task = element.tasks[0];
  if (!task.active || task.body.kind !== 'commands' || task.timeout !== undefined || task.retries > 0) return undefined;
  const commands = task.body.commands.filter((c) => c.active);
  if (commands.length !== 1 || commands[0].timeout !== undefined) return undefined;
  return task;
}

/**
 * Runs a foreach's lines through one worker's queue (LauncherWorker.queue): each line's command is rendered and sent
 * as the line is read, up to HIGH_WATER ahead and then again from LOW_WATER, so the worker runs them one after another
 * (each in its own process group with its own logs) without waiting for handoff, as a shell loop runs its lines.
 * Handoff reads the worker's reports as they come, every report of a read at once (no clock: what is already there
 * is the batch), and records the lines in order: a line is taken over (LauncherWorker's `take`) once the line before
 * it is recorded, so its task_started, process_started, stderr lines, process_exited and task_finished follow the
 * line before's, as runTask's do. With kill_loop_on_fail a line runs only if the one before it ended well (the worker
 * skips the rest: the loop stops there, as it does the usual way); a stop (a timeout, Ctrl-C, a failed pipeline) ends
 * the line running and drops the lines queued, which are not recorded, as lines never read are not.
 */
export class ForeachBatch {
  private readonly worker: LauncherWorker;
  private readonly queued: QueuedLine[] = [];
  /** Log files of the lines queued: a line whose logs have the same names waits until those are recorded. */
  private readonly logFiles = new Map<string, number>();
  /** The batch as one command of the scope, which a stop ends (undefined while nothing is queued). */
  private tracked?: { resolve: () => void };
  private recording?: Promise<void>;
  private roomWaiter?: () => void;
  /** Sending waits until the queue is down to LOW_WATER (it reached HIGH_WATER). */
  private refilling = false;
  private rerunning = false;
  /** The task's one command, and what every line's request to the worker shares (undefined: the worker cannot run it). */
  private readonly command: Command | undefined;
  private requestBase?: LineRequestBase | null;

  constructor(
    private readonly task: Task,
    private readonly ctx: TaskContext,
    private readonly hooks: BatchHooks,
    private readonly conditional: boolean,
  ) {
    this.worker = new LauncherWorker({ cwd: ctx.workspaceDir, env: ctx.env, graceMs: ctx.graceMs, environmentMarker: runEnvironmentMarker(ctx.env) });
    this.command = batchedCommandOf(task);
  }

  /**
   * Resolves once another line may be queued: at once below HIGH_WATER; at HIGH_WATER, once the queue is down to
   * LOW_WATER (then lines are sent until it is full again). None while a line the worker skipped runs the usual way.
   */
  async room(): Promise<void> {
    while (!this.hasRoom()) {
      await new Promise<void>((resolve) => {
        this.roomWaiter = resolve;
      });
    }
  }

  /** Whether another line may be queued now (room's test, without a promise: mostly there is room). */
  hasRoom(): boolean {
    if (this.queued.length >= HIGH_WATER) this.refilling = true;
    return !this.refilling && !this.rerunning;
  }

  /**
   * Queues line `index`: `queued`, `busy` (a line with logs of the same names is still queued: add it again after
   * drain) or `unfit` (it cannot run in the batch: its command does not render, or the worker cannot run it; run it
   * the usual way after drain).
   */
  add(index: number, context: LineContext, text: string): 'queued' | 'busy' | 'unfit' {
    const { command, ctx } = this;
    if (!command) return 'unfit';
    const taskName = lineTaskName(this.task.name, context.suffix);
    const safeName = toSafeFileName(taskName);
    const stdoutLog = fileIn(ctx.artifactsDir, `${safeName}_stdout.log`);
    const stderrFile = fileIn(ctx.artifactsDir, `${safeName}_stderr.log`);
    // Two lines whose logs have the same names (`a/b` and `a:b` are both `a_b`, or the same line twice) take turns: the
    // worker would give the later one its new logs while the earlier one's last stderr lines may still be on their way.
    if (this.logFiles.has(stdoutLog) || this.logFiles.has(stderrFile)) return 'busy';
    if (this.requestBase === undefined) this.requestBase = this.worker.lineRequestBase(environmentFor(command, ctx)) ?? null;
    if (!this.requestBase) return 'unfit';
    let commandLine: string;
    try {
      // Rendered once, as runTask would (`_task` is the line's name): it runs, and is recorded, as rendered now.
      commandLine = renderCommandLineWith(command, ctx, { ...context.values, _task: taskName });
    } catch {
      return 'unfit'; // a template error: runTask reports it, the usual way
    }
    const queued = this.worker.queueLine(this.requestBase, commandLine, stdoutLog, stderrFile, this.conditional);
    if (!queued) return 'unfit';
    this.logFiles.set(stdoutLog, (this.logFiles.get(stdoutLog) ?? 0) + 1);
    this.logFiles.set(stderrFile, (this.logFiles.get(stderrFile) ?? 0) + 1);
    this.queued.push({ index, text, taskName, commandLine, stdoutLog, stderrFile, queued, started: false });
    this.track();
    this.recording ??= this.recordAll();
    return 'queued';
  }

  /** Resolves once every line queued is recorded. */
  async drain(): Promise<void> {
    while (this.recording) await this.recording;
  }

  /** Lets the worker exit once its commands are over. */
  close(): void {
    this.worker.close();
  }

  /** The batch's lines end with a stop of the foreach's scope, as a line's command run the usual way does. */
  private track(): void {
    if (this.tracked) return;
    let resolve: () => void = () => undefined;
    const exited = new Promise<ProcessExit>((r) => {
      resolve = () => r({ name: this.task.name, exitCode: 0, signal: null, startedAt: new Date(), endedAt: new Date() });
    });
    this.tracked = { resolve };
    this.ctx.scope.track({ name: this.task.name, exited, terminate: (reason, first) => this.terminateAll(reason, first) });
  }

  private terminateAll(reason: TerminationReason, first?: FirstSignal): void {
    for (const entry of this.queued) entry.queued.terminate(reason, first);
  }

  /**
   * Records the lines in order as each is over, until none is queued. A line already over when its turn comes (most
   * of them: a read of the worker's reports holds several lines' ends) is taken over and recorded in one synchronous
   * pass — its events, console lines and record entry — with no promise; only a line still running is waited for.
   */
  private async recordAll(): Promise<void> {
    const { task, ctx } = this;
    const command = this.command as Command;
    try {
      for (let entry = this.queued[0]; entry; entry = this.queued[0]) {
        const line = prepareBatchedLine(task, command, ctx, entry.taskName, entry);
        const onStarted = line.spec.onStarted;
        const current = entry;
        // Told once the line is taken over (in its turn), before its process_started, as runTask tells it.
        line.spec.onStarted = (started) => {
          current.started = true;
          ctx.emit({ type: 'task_started', task: current.taskName, path: task.path, attempt: 1 });
          onStarted?.(started);
        };
        const taken = entry.queued.take(line.spec);
        const exit = taken instanceof Promise ? await taken : taken;
        if (exit.skipped) {
          // Never ran: after a failed line (kill_loop_on_fail: the loop stops, as it would have before this line) or a
          // stop, it is dropped unrecorded, like a line never read; if the loop goes on (its worker went away), it runs.
          // Its stderr log was never written to: there is nothing to close.
          this.release(entry);
          if (!this.hooks.shouldStop()) {
            this.rerunning = true;
            try {
              await this.hooks.runLine(entry.index, lineContext(ctx, entry.text));
            } finally {
              this.rerunning = false;
              this.wakeRoom();
            }
          }
          continue;
        }
        if (!entry.started) ctx.emit({ type: 'task_started', task: entry.taskName, path: task.path, attempt: 1 });
        const { result, closed } = line.finish(exit);
        if (closed) await closed;
        this.release(entry);
        ctx.emit({ type: 'task_finished', task: result });
        this.hooks.recordLine(entry.index, result);
      }
    } finally {
      this.recording = undefined;
      this.tracked?.resolve();
      this.tracked = undefined;
      this.refilling = false;
      this.wakeRoom();
    }
  }

  private release(entry: QueuedLine): void {
    this.queued.shift();
    for (const file of [entry.stdoutLog, entry.stderrFile]) {
      const left = (this.logFiles.get(file) ?? 1) - 1;
      if (left > 0) this.logFiles.set(file, left);
      else this.logFiles.delete(file);
    }
    if (this.queued.length <= LOW_WATER) {
      this.refilling = false;
      this.wakeRoom();
    }
  }

  private wakeRoom(): void {
    const wake = this.roomWaiter;
    this.roomWaiter = undefined;
    wake?.();
  }
}
