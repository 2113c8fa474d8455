// The long-lived launchers of a foreach: one per line in flight, and the next line's first command sent ahead.
import { LauncherWorker } from '../process/launcher-worker.js';
import type { CommandLauncher, CommandSpec, ProcessExit } from '../process/spawn-command.js';
import type { PipelineElement, Task } from '../project/types.js';
import { predictFirstCommand } from './run-task.js';
import type { TaskContext } from './task-context.js';
import { runEnvironmentMarker } from '../runs/run-history.js';

type ForeachElement = Extract<PipelineElement, { kind: 'foreach' }>;

/** A line's template values and the suffix of its sub-tasks' names (`<name>_<_line_safe>`, see lineTaskName). */
export interface LineContext {
  values: Record<string, unknown>;
  suffix: string;
}

export function lineContext(ctx: TaskContext, line: string): LineContext {
  // The name shows in the console and names log files, which are not masked as text: a secret in the line stays out.
  // A line without a secret (nearly every line) has its `_line_safe` as its suffix: worked out once, not twice.
  const values = ctx.withLine(ctx.values, line);
  const masked = ctx.masker.mask(line);
  const suffix = masked === line && typeof values._line_safe === 'string' ? values._line_safe : ctx.toLineSafe(masked);
  return { values, suffix };
}

/** Past this many characters a sub-task's name is cut, as its log names are (artifact-names.ts). */
const MAX_SUBTASK_NAME = 200;

/**
 * A line's sub-task name, `<name>_<_line_safe>`: cut to its first 200 characters plus a short hash of the whole when
 * longer, so a line of 20 KB does not put 20 KB names in every console line and record entry, and lines that differ
 * only past the cut still have names of their own. The log names (its first 200 safe characters) stay as they were.
 */
export function lineTaskName(name: string, suffix: string): string {
  const full = `${name}_${suffix}`;
  if (full.length <= MAX_SUBTASK_NAME) return full;
  return `${full.slice(0, MAX_SUBTASK_NAME)}…${fnv1a32(full)}`;
}

/**
 * FNV-1a (32 bits) of a string's UTF-16 code units, as 8 hex digits: tells apart names cut to the same first characters.
 * Not node:crypto, which would load some 17 internal modules (about 1 MB of peak memory) into every run for this.
 */
function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * How many commands a line runs when every one succeeds: its active sub-tasks' active commands, when all of those
 * sub-tasks are `commands:` tasks (otherwise undefined: what a line runs is not known ahead).
 */
function countLineCommands(tasks: Task[]): number | undefined {
  let count = 0;
  for (const task of tasks) {
    if (!task.active) continue;
    if (task.body.kind !== 'commands') return undefined;
    count += task.body.commands.filter((c) => c.active).length;
  }
  return count;
}

function endedWell(exit: ProcessExit): boolean {
  return exit.exitCode === 0 && !exit.signal && !exit.startError && !exit.terminatedBy;
}

/** The log files a command writes to: its stdout file and the stderr log it makes. */
function logFilesOf(spec: CommandSpec): string[] {
  const files: string[] = [];
  if (typeof spec.stdout === 'object') files.push(spec.stdout.file);
  if (spec.createEmptyFile) files.push(spec.createEmptyFile);
  return files;
}

/** A line's first command sent ahead: the line, the worker it went to, and what it was rendered to. */
interface SentAhead {
  index: number;
  worker: LauncherWorker;
  taskName: string;
  commandLine: string;
}

/**
 * The launchers of one foreach. Each line in flight has a LauncherWorker of its own, reused line after line, so a
 * line's commands cost no spawn of handoff's. With `parallel: 1`, once a line has started its last command with all
 * before it succeeded, the next line's first command (already read, waiting for its turn) is sent ahead: the worker
 * starts it the moment that last command exits 0, as a shell loop would, instead of waiting for handoff to see the
 * line end. The next line's sub-task takes it over (LauncherWorker.start); if the line ended badly, the worker skips
 * it, and if the loop stops meanwhile it is dropped, unless it had started, in which case the line runs all the same
 * and the command is ended with the rest (see settleWaiting).
 */
export class ForeachLaunchers {
  private readonly idle: LauncherWorker[] = [];
  private readonly all: LauncherWorker[] = [];
  private readonly commandsPerLine: number | undefined;
  /** The line read and waiting for its turn. */
  private waiting?: { index: number; context: LineContext };
  /**
   * The line in flight that has started its last command, all before it having succeeded, its worker, and the log
   * files its commands write to.
   */
  private ready?: { index: number; worker: LauncherWorker; logFiles: string[] };
  /** The line whose first command was sent ahead. */
  private sentAhead?: SentAhead;

  constructor(
    private readonly element: ForeachElement,
    private readonly ctx: TaskContext,
  ) {
    this.commandsPerLine = element.parallel === 1 ? countLineCommands(element.tasks) : undefined;
  }

  /** The launcher of line `index`'s commands, and what to call when the line is over. */
  forLine(index: number): { launcher: CommandLauncher; release: () => void } {
    const { worker, sent } = this.takeWorker(index);
    let started = 0;
    let failed = false;
    let rendered = sent;
    const logFiles: string[] = [];
    const launcher: CommandLauncher = {
      start: (spec) => {
        rendered = undefined;
        const running = worker.start(spec);
        started += 1;
        logFiles.push(...logFilesOf(spec));
        void running.exited.then((exit) => {
          if (!endedWell(exit)) failed = true;
        });
        if (started === this.commandsPerLine && !failed) {
          this.ready = { index, worker, logFiles };
          this.sendAhead();
        }
        return running;
      },
      hasStartedEarly: () => worker.hasStartedEarly(),
      renderedAhead: (taskName) => {
        const ahead = rendered;
        rendered = undefined;
        return ahead?.taskName === taskName ? ahead.commandLine : undefined;
      },
    };
    return {
      launcher,
      release: () => {
        if (this.ready?.worker === worker) this.ready = undefined;
        this.idle.push(worker);
      },
    };
  }

  /** The line read next, waiting while earlier lines run (undefined once it is dispatched or dropped). */
  setWaiting(waiting: { index: number; context: LineContext } | undefined): void {
    this.waiting = waiting;
    this.sendAhead();
  }

  /**
   * Called when the loop stops before line `index` runs: whether its first command had started all the same (then the
   * line must still run, to take it over, end it and record it), or never will.
   */
  async settleWaiting(index: number): Promise<boolean> {
    const sent = this.sentAhead;
    if (!sent || sent.index !== index) return false;
    const started = await sent.worker.settleEarly();
    if (!started) this.sentAhead = undefined;
    return started;
  }

  /** Lets every worker exit once its commands are over. */
  close(): void {
    for (const worker of this.all) worker.close();
  }

  /** A worker for line `index`: the one its first command was sent ahead to (with that command), or any idle one. */
  private takeWorker(index: number): { worker: LauncherWorker; sent?: SentAhead } {
    const sent = this.sentAhead;
    if (sent?.index === index) {
      this.sentAhead = undefined;
      const at = this.idle.indexOf(sent.worker);
      if (at !== -1) return { worker: this.idle.splice(at, 1)[0], sent };
    }
    const idle = this.idle.pop();
    if (idle) return { worker: idle };
    const worker = new LauncherWorker({
      cwd: this.ctx.workspaceDir,
      env: this.ctx.env,
      graceMs: this.ctx.graceMs,
      environmentMarker: runEnvironmentMarker(this.ctx.env),
    });
    this.all.push(worker);
    return { worker };
  }

  private sendAhead(): void {
    const { waiting, ready } = this;
    if (!waiting || !ready || waiting.index !== ready.index + 1 || this.sentAhead || this.ctx.scope.stopped) return;
    const first = this.element.tasks.find((t) => t.active);
    if (!first) return;
    const { values, suffix } = waiting.context;
    const taskName = lineTaskName(first.name, suffix);
    const spec = predictFirstCommand(first, { ...this.ctx, values }, taskName);
    // Two lines whose logs have the same name (`a/b` and `a:b` are both `a_b`) take turns: the worker would give the
    // next line its new logs while this line's last stderr lines may still be on their way to the same path.
    if (!spec || logFilesOf(spec).some((file) => ready.logFiles.includes(file))) return;
    const running = ready.worker.startEarly(spec);
    if (!running) return;
    this.sentAhead = { index: waiting.index, worker: ready.worker, taskName, commandLine: spec.commandLine };
    this.ready = undefined;
    // A scope that stops (a timeout, Ctrl-C, a failed pipeline) ends it too, or drops it before it starts.
    this.ctx.scope.track(running);
  }
}
