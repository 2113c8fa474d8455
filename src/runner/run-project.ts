// Executes a run: checks everything that can be checked first, then runs the project's tasks and reports events.
import fs from 'node:fs';
import path from 'node:path';
import { ProblemCollector, UserError } from '../errors.js';
import { LauncherWorker } from '../process/launcher-worker.js';
import { randomHex } from '../random-suffix.js';
import type { Project } from '../project/types.js';
import type { Masker } from '../secrets/mask.js';
import type { Renderer } from '../template/render.js';
import { INTERRUPT_EXIT_CODES, type InterruptSignal, type RunEvent, type RunResult } from './events.js';
import { commandTemplateOf, planRun } from './plan-run.js';
import { ProcessScope, type ScopeInterrupt } from './process-scope.js';
import { taskLogNames } from './artifact-names.js';
import { runNestedTasks } from './run-task.js';
import type { TaskContext } from './task-context.js';
import { isoTime } from '../iso-time.js';
import { describeUnusableVenv } from '../workspace/venv-state.js';
import { runEnvironmentMarker } from '../runs/run-history.js';

/** Default pause between SIGINT/SIGTERM and the next, harder signal when handoff ends a process. */
export const DEFAULT_GRACE_MS = 5000;

/**
 * An id that sorts by start time, to the millisecond (runs started in the same second still list in order), with a
 * random suffix against collisions: `20261123T015345.123Z-3f9a`.
 */
export function createTimeSortableId(now: Date): string {
  return `${isoTime(now).replace(/[-:]/g, '')}-${randomHex(4)}`;
}

export function createRunId(now: Date): string {
  return createTimeSortableId(now);
}

/** Lets the caller (the CLI's signal handlers) interrupt a run in progress. */
export class RunInterrupt {
  signal?: InterruptSignal;
  private scope?: ProcessScope;
  attach(scope: ProcessScope): void {
    this.scope = scope;
    if (this.signal) scope.stop('interrupted', scopeInterruptOf(this.signal));
  }
  interrupt(signal: InterruptSignal): void {
    this.signal ??= signal;
    this.scope?.stop('interrupted', scopeInterruptOf(this.signal));
  }
}

/**
 * The run's exit code for a signal and the one its processes get first: the signal itself (Ctrl-C's SIGINT reaches
 * the commands as the terminal gave it to them in the original handoff). SIGHUP (the terminal closed) stops the run as
 * SIGTERM does: SIGTERM, then SIGKILL.
 */
export function scopeInterruptOf(signal: InterruptSignal): ScopeInterrupt {
  return { exitCode: INTERRUPT_EXIT_CODES[signal], firstSignal: signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM' };
}

export interface RunProjectInput {
  project: Project;
  workspaceDir: string;
  artifactsDir: string;
  runId: string;
  startedAt: Date;
  values: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  renderer: Renderer;
  masker: Masker;
  graceMs: number;
  /** Seconds for the whole run (`--timeout`). */
  timeoutSeconds?: number;
  /** When the `--timeout` clock started (default: startedAt); a run from the store started it before its installs. */
  timeoutFrom?: Date;
  /** The time ran out before the tasks (while venvs were installed): nothing starts, and the run failed as timed out. */
  timedOut?: boolean;
  interrupt: RunInterrupt;
  emit: (event: RunEvent) => void;
  withLine: TaskContext['withLine'];
  toLineSafe: TaskContext['toLineSafe'];
  stderrLogOf: TaskContext['stderrLogOf'];
}

/** Every venv the run's active commands use must exist in the workspace (`workspace install` makes them). */
export function checkVenvsInstalled(project: Project, workspaceDir: string): string[] {
  const venvs = planRun(project).venvs;
  const missing = venvs.filter((venv) => !fs.existsSync(path.join(workspaceDir, venv, 'bin')));
  if (missing.length > 0) {
    throw new UserError(`venv ${missing.map((v) => `"${v}"`).join(', ')} not found in the workspace ${workspaceDir}`, {
      fix: `run \`handoff workspace install -p ${project.dir} -w ${workspaceDir}\` first`,
    });
  }
  // A venv that is there but not usable as it is runs anyway (its commands may not need what is missing), with a
  // warning: its programs may be missing (a failed install) or the global ones (a moved workspace).
  return venvs.flatMap((venv) => {
    const why = describeUnusableVenv(path.join(workspaceDir, venv));
    return why ? [`venv ${venv}: ${why}; run \`handoff workspace install -p ${project.dir} -w ${workspaceDir}\``] : [];
  });
}

/**
 * Renders every command line outside foreach once, and checks the syntax of those inside one (rendered per line), so
 * a template error (or an undefined name under --strict) starts nothing.
 */
export function checkCommandTemplates(input: { project: Project; renderer: Renderer; values: Record<string, unknown> }): void {
  const plan = planRun(input.project);
  // Every command is checked, so one attempt reports all the problems.
  const problems = new ProblemCollector();
  for (const command of plan.staticCommands) problems.check(() => input.renderer.render(commandTemplateOf(command), { ...input.values, _task: '' }, command.path));
  for (const command of plan.foreachCommands) problems.check(() => input.renderer.check(commandTemplateOf(command), command.path));
  problems.throwIfAny();
}

export async function runProject(input: RunProjectInput): Promise<RunResult> {
  const scope = new ProcessScope();
  input.interrupt.attach(scope);
  const startedAt = input.startedAt;
  input.emit({ type: 'run_started', runId: input.runId, project: input.project.dir, stage: String(input.values._stage ?? ''), startedAt: isoTime(startedAt) });
  input.emit({ type: 'log', level: 'info', message: `Job started at ${isoTime(startedAt)}` });

  let runTimedOut = false;
  const timeOut = (): void => {
    runTimedOut = true;
    input.emit({ type: 'log', level: 'error', message: `Run timed out after ${input.timeoutSeconds} s` });
    scope.stop('timeout');
  };
  let timer: NodeJS.Timeout | undefined;
  if (input.timeoutSeconds !== undefined) {
    const left = input.timeoutSeconds * 1000 - (Date.now() - (input.timeoutFrom ?? startedAt).getTime());
    // Stopped before any task starts when the installs used up the time: every task is then recorded as not run.
    if (input.timedOut || left <= 0) timeOut();
    else timer = setTimeout(timeOut, left);
  }

  // The commands of `commands:` tasks start through one long-lived launcher for the whole run, as a foreach line's do:
  // each then costs handoff no spawn of its own (a fork of this process: 5–10 ms of its main thread here, see
  // docs/benchmarks.md) and no FIFO, so a project without pipelines runs with a single fork of handoff's.
  const launcher = new LauncherWorker({
    cwd: input.workspaceDir,
    env: input.env,
    graceMs: input.graceMs,
    environmentMarker: runEnvironmentMarker(input.env),
  });
  const ctx: TaskContext = {
    workspaceDir: input.workspaceDir,
    artifactsDir: input.artifactsDir,
    values: input.values,
    env: input.env,
    renderer: input.renderer,
    masker: input.masker,
    graceMs: input.graceMs,
    emit: input.emit,
    scope,
    withLine: input.withLine,
    toLineSafe: input.toLineSafe,
    stderrLogOf: input.stderrLogOf,
    taskLogNames: taskLogNames(input.project.tasks),
    launcher,
  };
  let outcome: Awaited<ReturnType<typeof runNestedTasks>>;
  try {
    outcome = await runNestedTasks(input.project.tasks, ctx);
  } finally {
    // The launcher exits once its command (none, unless the run failed in handoff itself) is over.
    launcher.close();
  }
  if (timer) clearTimeout(timer);

  const endedAt = new Date();
  const interruptSignal = input.interrupt.signal;
  // A run whose timeout left tasks unrun failed, though no task did (SPEC §5: a timeout counts as a failure).
  const status = interruptSignal ? 'interrupted' : outcome.failure !== undefined || outcome.subtasks.some((t) => t.status === 'failed') ? 'failed' : 'succeeded';
  const exitCode = interruptSignal ? INTERRUPT_EXIT_CODES[interruptSignal] : status === 'failed' ? 1 : 0;
  input.emit({ type: 'log', level: 'info', message: `Job ended at ${isoTime(endedAt)}` });
  const result: RunResult = {
    runId: input.runId,
    status,
    startedAt: isoTime(startedAt),
    endedAt: isoTime(endedAt),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    tasks: outcome.subtasks,
    exitCode,
    interruptSignal,
    message: runTimedOut ? `the run timed out after ${input.timeoutSeconds} s` : undefined,
  };
  input.emit({ type: 'run_finished', result });
  return result;
}
