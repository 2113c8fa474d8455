// Runs a pipeline task: commands joined by OS pipes (bytes never pass through handoff), with fork and foreach tails.
import fs from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import type { Command, PipelineElement, Task } from '../project/types.js';
import { closeFds, createOsPipe } from '../process/os-pipe.js';
import { openFreshFile, spawnCommand, type ProcessExit, type RunningCommand, type StdioEnd } from '../process/spawn-command.js';
import { classifyExit, endedCleanly, exitCodeOf, ownEndOf } from './classify-exit.js';
import { prepareCommand, type PreparedCommand, StderrTail } from './command-process.js';
import { stdoutLogPath } from './artifact-names.js';
import type { FailureClass, ProcessResult, TaskResult } from './events.js';
import { runForeach } from './run-foreach.js';
import { ENDED_BY_PIPELINE, toProcessResult, warnLeftBehind, type BodyOutcome } from './run-task.js';
import type { TaskContext } from './task-context.js';
import { byteMaskerOf } from '../secrets/mask.js';
import { isoTime } from '../iso-time.js';

type ForeachElement = Extract<PipelineElement, { kind: 'foreach' }>;
type ForkElement = Extract<PipelineElement, { kind: 'fork' }>;

interface StartedCommand {
  prepared: PreparedCommand;
  running: RunningCommand;
}

interface StartedForkChild {
  task: Task;
  name: string;
  startedAt: Date;
  stdoutLog: string;
  pipeline: StartedPipeline;
  /** The child's own `timeout`, which ends its pipeline (as a task's does). */
  timer?: NodeJS.Timeout;
}

interface StartedPipeline {
  taskName: string;
  ctx: TaskContext;
  chain: StartedCommand[];
  tee?: StartedCommand;
  forkChildren: StartedForkChild[];
  /** Fork children with `active: false`: never started, the copy goes to the others. */
  skippedForkChildren: TaskResult[];
  foreach?: { element: ForeachElement; upstream: Readable };
  /**
   * Whether the pipeline's input was whole: every process upstream of it (a fork's copy and the commands before it)
   * ended cleanly. Absent for a pipeline that reads no input.
   */
  inputComplete?: Promise<boolean>;
}

/** A command that passes its input through, used when a fork child has no active command of its own. */
function passThroughCommand(path: string): Command {
  return { command: 'cat', active: true, path };
}

export async function runPipeline(task: Task, ctx: TaskContext, taskName: string, stdoutLog: string): Promise<BodyOutcome> {
  if (task.body.kind !== 'pipeline') throw new Error('runPipeline needs a pipeline task');
  const plain = startPlainPipeline(task.body.elements, ctx, taskName, stdoutLog);
  if (plain) return waitPipeline(plain);
  const stdoutFd = openFreshFile(stdoutLog);
  let started: StartedPipeline;
  try {
    started = startPipeline(task.body.elements, 'ignore', ctx, taskName, stdoutFd);
  } catch (error) {
    // Something failed while wiring (e.g. a template error): end whatever already started.
    ctx.scope.stop('pipeline_failed');
    throw error;
  } finally {
    // Each child holds its own copy of the descriptor now.
    closeFds([stdoutFd]);
  }
  return waitPipeline(started);
}

/**
 * Starts a pipeline of commands only (no fork or foreach tail) through the run's launcher worker, which makes the
 * pipes itself (LauncherWorker.startPipeline): no FIFO and one spawn of handoff's for the whole run. Undefined, with
 * nothing started, when it cannot: then startPipeline does it as before (a template error is thrown from there, after
 * the stdout log is made, as it always was).
 */
function startPlainPipeline(elements: PipelineElement[], ctx: TaskContext, taskName: string, stdoutLog: string): StartedPipeline | undefined {
  if (!ctx.launcher?.startPipeline || elements.some((e) => e.kind !== 'command')) return undefined;
  const commands = elements.flatMap((e) => (e.kind === 'command' && e.command.active ? [e.command] : []));
  if (commands.length === 0) return undefined;
  let prepared: PreparedCommand[];
  try {
    prepared = commands.map((c) => prepareCommand(c, ctx, { taskName, stdin: 'ignore', stdout: 'ignore' }));
  } catch {
    return undefined;
  }
  const running = ctx.launcher.startPipeline(
    prepared.map((p) => p.spec),
    stdoutLog,
  );
  if (!running) return undefined;
  const started: StartedPipeline = { taskName, ctx, chain: [], forkChildren: [], skippedForkChildren: [] };
  running.forEach((r, i) => {
    ctx.scope.track(r);
    started.chain.push({ prepared: prepared[i], running: r });
  });
  return started;
}

/**
 * Starts every process of a pipeline joined by kernel pipes: each command's stdout descriptor is the next one's stdin,
 * handed over at spawn and closed in handoff at once, so no byte of the data passes through JavaScript and a reader
 * that exits gives its writer SIGPIPE, as in a shell. Only a foreach tail is read by handoff, line by line.
 */
function startPipeline(
  elements: PipelineElement[],
  stdin: StdioEnd,
  ctx: TaskContext,
  taskName: string,
  stdout: StdioEnd,
): StartedPipeline {
  const last = elements[elements.length - 1];
  const tail = last && last.kind !== 'command' ? last : undefined;
  let commands = elements
    .filter((e): e is Extract<PipelineElement, { kind: 'command' }> => e.kind === 'command')
    .map((e) => e.command)
    .filter((c) => c.active);
  // A fork child without an active command passes its input on. A pipeline of the project whose commands are all
  // inactive has no input to pass: its foreach or fork reads an empty stream (the write end is closed below), and no
  // process the user never wrote is started (the loader warns about it).
  if (commands.length === 0 && stdin !== 'ignore') commands = [passThroughCommand(tail?.path ?? taskName)];

  // Render every command line before anything starts, so a template error starts nothing of this pipeline.
  const prepared = commands.map((c) => prepareCommand(c, ctx, { taskName, stdin: 'ignore', stdout: 'ignore' }));

  const started: StartedPipeline = { taskName, ctx, chain: [], forkChildren: [], skippedForkChildren: [] };
  const handedOver: number[] = [];
  try {
    let downstream: StdioEnd = stdout;
    if (tail?.kind === 'fork') {
      const teeInput = createOsPipe();
      handedOver.push(teeInput.readFd, teeInput.writeFd);
      const outputs = startForkChildren(tail, ctx, started, handedOver);
      started.tee = startTee(teeInput.readFd, outputs, ctx, taskName);
      downstream = teeInput.writeFd;
    } else if (tail?.kind === 'foreach') {
      const toHandoff = createOsPipe(true);
      handedOver.push(toHandoff.writeFd);
      started.foreach = { element: tail, upstream: new net.Socket({ fd: toHandoff.readFd, readable: true, writable: false }) };
      downstream = toHandoff.writeFd;
    }

    const links = prepared.slice(1).map(() => createOsPipe());
    for (const link of links) handedOver.push(link.readFd, link.writeFd);
    prepared.forEach((p, i) => {
      p.spec.stdin = i === 0 ? stdin : links[i - 1].readFd;
      p.spec.stdout = i === prepared.length - 1 ? downstream : links[i].writeFd;
      const running = spawnCommand(p.spec);
      ctx.scope.track(running);
      started.chain.push({ prepared: p, running });
    });
  } finally {
    // The children hold their own copies now; handoff keeping a write end open would keep readers from ever seeing EOF.
    closeFds(handedOver);
  }
  return started;
}

/** Starts each fork child as its own pipeline reading from a pipe; returns the write ends for the copy. */
function startForkChildren(tail: ForkElement, ctx: TaskContext, parent: StartedPipeline, handedOver: number[]): number[] {
  const outputs: number[] = [];
  for (const child of tail.tasks) {
    if (child.body.kind !== 'pipeline') continue; // the loader rejects this; kept total for safety
    if (!child.active) {
      ctx.emit({ type: 'task_skipped', task: child.name, reason: 'active: false' });
      parent.skippedForkChildren.push({ name: child.name, path: child.path, status: 'skipped', exitCode: 0, processes: [], subtasks: [] });
      continue;
    }
    if (child.retries > 0) {
      ctx.emit({ type: 'log', level: 'warning', message: `Task ${child.name}: retries is not applied to a fork child, whose input is a stream that cannot be read again` });
    }
    const childCtx: TaskContext = { ...ctx, scope: ctx.scope.createChild(), values: { ...ctx.values, _task: child.name } };
    const stdoutLog = stdoutLogPath(ctx.artifactsDir, child.name);
    const stdoutFd = openFreshFile(stdoutLog);
    handedOver.push(stdoutFd);
    const input = createOsPipe();
    handedOver.push(input.readFd, input.writeFd);
    ctx.emit({ type: 'task_started', task: child.name, path: child.path, attempt: 1 });
    const pipeline = startPipeline(child.body.elements, input.readFd, childCtx, child.name, stdoutFd);
    const started: StartedForkChild = { task: child, name: child.name, startedAt: new Date(), stdoutLog, pipeline };
    if (child.timeout !== undefined) {
      started.timer = setTimeout(() => {
        ctx.emit({ type: 'log', level: 'error', message: `Task ${child.name} timed out after ${child.timeout} s` });
        childCtx.scope.stop('timeout');
      }, child.timeout * 1000);
    }
    parent.forkChildren.push(started);
    outputs.push(input.writeFd);
  }
  return outputs;
}

/**
 * Copies the stream to every fork child with `tee -p`: a kernel-to-kernel copy in C with natural backpressure; with
 * -p a child that exits early is dropped from the outputs without failing the others.
 */
function startTee(input: number, outputs: number[], ctx: TaskContext, taskName: string): StartedCommand {
  const extra = outputs.slice(1);
  const commandLine = ['tee', '-p', ...extra.map((_, i) => `/dev/fd/${i + 3}`)].join(' ');
  // Shown in logs, records and the UI as handoff's own, so nobody takes it for one of the project's commands.
  const shown = `handoff's fork copy (${commandLine})`;
  const tail = new StderrTail();
  const prepared: PreparedCommand = {
    commandLine,
    maskedCommandLine: shown,
    tail,
    spec: {
      name: 'fork',
      commandLine,
      cwd: ctx.workspaceDir,
      env: ctx.env,
      stdin: input,
      stdout: outputs[0] ?? 'ignore',
      extraFds: extra,
      graceMs: ctx.graceMs,
      longLineCutter: byteMaskerOf(ctx.masker),
      onStarted: (s) =>
        ctx.emit({
          type: 'process_started',
          task: taskName,
          name: 'fork',
          pid: s.pid,
          commandLine: shown,
          launcher: { pid: s.launcherPid, startTicks: s.launcherStartTicks },
          stderrLog: ctx.stderrLogOf(taskName, 'fork'),
        }),
      onStderrLine: (line, bytes) => {
        const masked = ctx.masker.mask(line);
        tail.push(masked);
        ctx.emit({ type: 'stderr_line', task: taskName, process: 'fork', line: masked, raw: byteMaskerOf(ctx.masker).mask(bytes) });
      },
    },
  };
  const running = spawnCommand(prepared.spec);
  ctx.scope.track(running);
  return { prepared, running };
}

/** Waits for a started pipeline and applies pipefail: the first real failure ends every other process of it. */
async function waitPipeline(p: StartedPipeline): Promise<BodyOutcome> {
  const { ctx } = p;
  const stopOnFailure = (exit: ProcessExit): ProcessExit => {
    warnLeftBehind(ctx, p.taskName, exit);
    const failure = classifyExit(exit, true);
    if (failure && failure !== 'interrupted') ctx.scope.stop('pipeline_failed');
    return exit;
  };
  const chainExits = p.chain.map((c) => c.running.exited.then(stopOnFailure));
  const teeExit = p.tee?.running.exited.then(stopOnFailure);
  // A fork child's input is whole when this pipeline's was and everything before the children ended cleanly.
  if (p.forkChildren.length > 0) {
    const ownInput = p.inputComplete ?? Promise.resolve(true);
    const upstreamClean = Promise.all([ownInput, ...chainExits, teeExit]).then(([whole, ...ends]) => whole === true && ends.every((e) => !e || endedCleanly(e as ProcessExit)));
    for (const child of p.forkChildren) child.pipeline.inputComplete = upstreamClean;
  }
  const children = p.forkChildren.map((child) =>
    waitForkChild(child).then((result) => {
      if (result.status === 'failed') ctx.scope.stop('pipeline_failed');
      return result;
    }),
  );
  const foreach = p.foreach
    ? runForeach(p.foreach.element, p.foreach.upstream, ctx, p.taskName).then((outcome) => {
        if (outcome.failure) ctx.scope.stop('pipeline_failed');
        return outcome;
      })
    : undefined;
  // A foreach or fork child that throws (a sub-task's template error) ends the rest now; the error itself is
  // rethrown where it is awaited below, and must not count as unhandled (a crash) while the commands are awaited first.
  for (const pending of [foreach, ...children]) pending?.catch(() => ctx.scope.stop('pipeline_failed'));

  const rawExits = await Promise.all(chainExits);
  const rawTee = teeExit ? await teeExit : undefined;
  const childResults = await Promise.all(children);
  const foreachOutcome = foreach ? await foreach : undefined;

  // In a pipeline stopped because another part failed, a clean end is the process's own only when everything upstream
  // of it ended cleanly (see ownEndOf). The input is waited for only then, and only when nothing of this pipeline
  // failed by itself: the stop came from outside, which ends the upstream too (waiting otherwise could wait for an
  // upstream that only this pipeline's failure, once reported, stops).
  const raw = rawTee ? [...rawExits, rawTee] : rawExits;
  const failedItself =
    raw.some((exit) => exit.terminatedBy !== 'pipeline_failed' && classifyExit(exit, true) !== undefined) ||
    childResults.some((r) => r.failure !== undefined) ||
    foreachOutcome?.failure !== undefined;
  const stoppedFromOutside = ctx.scope.stopReason === 'pipeline_failed' && !failedItself;
  let inputWhole = !p.inputComplete || (stoppedFromOutside && raw.some(endedCleanly) && (await p.inputComplete));
  const exits = rawExits.map((exit) => {
    const own = ownEndOf(exit, inputWhole, stoppedFromOutside);
    inputWhole &&= endedCleanly(exit);
    return own;
  });
  const teeResult = rawTee ? ownEndOf(rawTee, inputWhole, stoppedFromOutside) : undefined;

  const processes: ProcessResult[] = [];
  const subtasks: TaskResult[] = [...childResults, ...p.skippedForkChildren, ...(foreachOutcome?.subtasks ?? [])];
  let failure: FailureClass | undefined;
  let exitCode = 0;
  let message: string | undefined;

  // The tail is downstream of every command: the foreach, or the fork's copy and its children.
  let downstreamOk = true;
  if (foreachOutcome?.failure) {
    failure = foreachOutcome.failure;
    exitCode = foreachOutcome.exitCode;
    message = foreachOutcome.message;
    downstreamOk = false;
  }
  // A child ended only because something else failed is not the cause.
  const failedChild = childResults.find((r) => r.failure !== undefined);
  if (failedChild) {
    failure ??= failedChild.failure ?? 'exit_code';
    if (exitCode === 0) exitCode = failedChild.exitCode || 1;
    downstreamOk = false;
  }
  if (p.tee && teeResult) {
    const teeFailure = classifyExit(teeResult, downstreamOk);
    processes.unshift(toProcessResult(p.tee.prepared, teeResult, teeFailure, ctx.masker.mask));
    if (teeFailure) {
      failure ??= teeFailure;
      if (exitCode === 0) exitCode = exitCodeOf(teeResult);
      downstreamOk = false;
    }
  }
  // Like bash's pipefail, the rightmost failing command decides the pipeline's status.
  for (let i = p.chain.length - 1; i >= 0; i--) {
    const processFailure = classifyExit(exits[i], downstreamOk);
    const result = toProcessResult(p.chain[i].prepared, exits[i], processFailure, ctx.masker.mask);
    processes.unshift(result);
    if (processFailure) {
      failure ??= processFailure;
      if (exitCode === 0) exitCode = exitCodeOf(exits[i]);
      downstreamOk = false;
    }
  }
  // Reported in pipeline order once the pipefail verdict of each is known.
  for (const result of processes) ctx.emit({ type: 'process_exited', task: p.taskName, process: result });
  if (processes.some((r) => r.failure === 'interrupted')) failure = 'interrupted';
  if (failure && exitCode === 0) exitCode = 1;
  if (!failure && exitCode === 0) {
    // Ended by handoff because another part of the enclosing pipeline failed (a fork sibling, another foreach line):
    // the exit code is the one its process ended with (143 for SIGTERM), as for a `commands:` task ended so.
    const ended = [...exits].reverse().find((exit) => exit.terminatedBy === 'pipeline_failed');
    if (ended) exitCode = exitCodeOf(ended);
  }
  return { processes, subtasks, failure, exitCode, message, unlistedSubtasks: foreachOutcome?.unlisted };
}

async function waitForkChild(child: StartedForkChild): Promise<TaskResult> {
  const outcome = await waitPipeline(child.pipeline);
  if (child.timer) clearTimeout(child.timer);
  child.pipeline.ctx.scope.dispose();
  const endedAt = new Date();
  const endedByPipeline = !outcome.failure && outcome.processes.some((r) => r.terminatedBy === 'pipeline_failed');
  const failed = outcome.failure !== undefined || endedByPipeline;
  const result: TaskResult = {
    name: child.name,
    path: child.task.path,
    status: outcome.failure === 'interrupted' ? 'interrupted' : failed ? 'failed' : 'succeeded',
    // Ended by the stop, its exit code is its process's own, even 0 (it exited of itself once its input was cut short).
    exitCode: endedByPipeline ? outcome.exitCode : failed ? outcome.exitCode || 1 : 0,
    failure: outcome.failure,
    startedAt: isoTime(child.startedAt),
    endedAt: isoTime(endedAt),
    durationMs: endedAt.getTime() - child.startedAt.getTime(),
    processes: outcome.processes,
    subtasks: outcome.subtasks,
    stdoutLog: child.stdoutLog,
    stdoutBytes: fs.existsSync(child.stdoutLog) ? fs.statSync(child.stdoutLog).size : undefined,
    message: endedByPipeline ? ENDED_BY_PIPELINE : outcome.message,
  };
  child.pipeline.ctx.emit({ type: 'task_finished', task: result });
  return result;
}
