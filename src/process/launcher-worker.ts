// A long-lived handoff-launch (--worker) that starts a run's or a foreach line's commands: no spawn of handoff's each.
import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { endOrphanedCommandGroups } from './end-abandoned-processes.js';
import { afterOwnCopyOf } from './group-signal.js';
import { killProcessGroup } from './kill-process-group.js';
import { findLauncher } from './launcher-path.js';
import { createLineSplitter, type LineSplitter } from './line-splitter.js';
import { readProcessStartTicks } from './process-identity.js';
import { registerProcessGroup, unregisterProcessGroup } from './process-registry.js';
import {
  ladderRequest,
  signalName,
  spawnCommand,
  type CommandLauncher,
  type FirstSignal,
  type CommandSpec,
  type ProcessExit,
  type RunningCommand,
  type TerminationReason,
} from './spawn-command.js';
import { splitPlainCommand } from './split-plain-command.js';

export interface LauncherWorkerOptions {
  /** The working directory and environment of the worker, and so of every command it starts (plus a command's own additions). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  graceMs: number;
  /**
   * `NAME=value` in the environment of every process of the run (HANDOFF_RUN_ID): finds a command the worker started
   * but died before telling of (see the control socket's close). Without it such a command is not looked for.
   */
  environmentMarker?: string;
}

/** One command sent to the worker: what is known of it so far. */
interface Job {
  id: number;
  /** What was sent: a command sent early is taken over by a start whose request is the same (none for a batch's line). */
  request?: Request;
  /** Its spec: a batch's line (queueLine) has one only once its line takes it over. */
  spec?: CommandSpec;
  /** The spec is the one a task started it with (a command sent early has a predicted one until a task takes it over). */
  adopted: boolean;
  /** Queued behind others as one of a batch (see queue): its times are the worker's, as it is taken over some time after its reports are read. */
  batched: boolean;
  /** A pipeline's command, started at once with the others under a launcher of its own (startPipeline). */
  launched?: boolean;
  /** The control socket of the worker it was sent to: only that worker's end settles it (see onWorkerGone). */
  control: net.Socket;
  startedAt: Date;
  /** When the worker saw it end (a batched job's `done` says). */
  endedAt?: Date;
  pid?: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  ended: boolean;
  stdoutReaderGone: boolean;
  leftBehind: string[];
  startError?: string;
  terminatedBy?: TerminationReason;
  stdoutBytes?: number;
  /** The worker said `done` (or `skipped`, or is gone): nothing more will be reported. */
  over: boolean;
  skipped: boolean;
  /** Stderr read before a task took the command over. */
  heldStderr: Buffer[];
  /** The code of a stderr log the worker could not create before a line took the command over (queueLine). */
  heldLogError?: string;
  stderr?: LineSplitter;
  timer?: NodeJS.Timeout;
  /** Told once it is known whether a command sent early started (true) or was skipped (false). */
  onSettled?: (started: boolean) => void;
  /**
   * Its end once it is over and taken over. The promises are made only when asked for (exitedOf, overOf): a batch's
   * line taken over once it is already over has its end read here, with no promise (up to 128 lines wait in a queue).
   */
  exit?: ProcessExit;
  resolveExit?: (exit: ProcessExit) => void;
  exited?: Promise<ProcessExit>;
  resolveOver?: () => void;
  overPromise?: Promise<void>;
}

/** A batched job's start time until the worker tells its own (its `pid` report): never read before that. */
const NOT_STARTED = new Date(0);

/**
 * The environment a command adds to the worker's: `NAME=VALUE` entries (none when it is the worker's own), or
 * undefined when it also removes a variable, which the worker cannot do.
 */
function environmentAdditions(base: NodeJS.ProcessEnv, env: NodeJS.ProcessEnv): string[] | undefined {
  if (env === base) return [];
  const added: string[] = [];
  for (const [name, value] of Object.entries(env)) if (value !== undefined && base[name] !== value) added.push(`${name}=${value}`);
  for (const name of Object.keys(base)) if (base[name] !== undefined && env[name] === undefined) return undefined;
  return added;
}

/** A command queued in a batch (LauncherWorker.queue): ended on a stop, taken over by its line when its turn comes. */
export interface QueuedCommand {
  terminate(reason: TerminationReason, first?: FirstSignal): void;
  /** Makes it the caller's: what it reported so far is told now (its start, its stderr), the rest as it comes. */
  take(): RunningCommand;
}

/** A foreach line's command queued in a batch (LauncherWorker.queueLine), sent as its request's bytes only. */
export interface QueuedLineCommand {
  terminate(reason: TerminationReason, first?: FirstSignal): void;
  /**
   * Makes it the caller's with `spec` (prepared only now, in the line's turn): what it reported so far is told now, the
   * rest as it comes. Its end itself when it is already over (no promise), else a promise of it.
   */
  take(spec: CommandSpec): ProcessExit | Promise<ProcessExit>;
}

/** What every line of a batch (queueLine) shares: the environment its commands add, worked out once. */
export interface LineRequestBase {
  env: string[];
  envPayload: string;
}

/** A `run` request's content: its flags (with `c` added when it runs only after one that ended well) and NUL-terminated fields. */
interface Request {
  key: string;
  bytes: (id: number, conditional: boolean) => Buffer;
}

/**
 * A `handoff-launch --worker` (see handoff-launch.c) for a run's `commands:` tasks or one foreach worker: it starts
 * each command itself (a single vfork, without a shell when the line needs none), as a child subreaper with the same
 * guarantees as a launcher per command: the command leads its own process group, what it leaves behind is named and
 * ended, a timeout or an interrupt climbs the same signal ladder, and everything ends when handoff goes away. It opens
 * the task's stdout log and creates its stderr log itself and relays the command's stderr, so a command costs handoff
 * no spawn and no file call. Commands it cannot take (a pipe for stdin or stdout, another directory) are started by spawnCommand instead.
 *
 * A foreach may also send its next line's first command early (startEarly): the worker starts it as soon as the
 * command before it ends well, without waiting for handoff, which takes it over (start) when the line's turn comes.
 */
export class LauncherWorker implements CommandLauncher {
  private child?: ChildProcess;
  private control?: net.Socket;
  private pid?: number;
  private startTicks?: string;
  private spawnError?: string;
  /** Every job sent and not yet over, by id. */
  private readonly jobs = new Map<number, Job>();
  /** The job sent early that no task has taken over yet. */
  private early?: Job;
  private nextId = 1;
  private buffered?: Buffer;
  /** The last environment additionsOf worked out (a foreach's lines share one). */
  private lastAdditions?: { env: NodeJS.ProcessEnv; added: string[] | undefined };
  /** Writes to the worker are held until the end of this event loop turn (see corkForTurn). */
  private corked = false;
  /** The worker said `stopping` (it holds processes a launcher gave up on): the next command starts in a new one. */
  private retiring = false;
  /** Control sockets of workers left to end by themselves: their end settles nothing of the new worker's jobs. */
  private readonly retired = new Set<net.Socket>();

  constructor(private readonly options: LauncherWorkerOptions) {}

  /** Starts a command, as spawnCommand does: in the worker when it can, taking over the command sent early if it is this one. */
  start(spec: CommandSpec): RunningCommand {
    const request = this.requestFor(spec);
    const early = this.early;
    if (early) {
      this.early = undefined;
      if (request && early.request?.key === request.key && !early.skipped) return this.adopt(early, spec);
      // Not the command that was expected (a bug if ever): it must not run, or not for long.
      this.send(`${early.pid === undefined ? 'drop' : 'kill'} ${early.id}\n`);
    }
    if (!request || this.jobs.size > 0) return spawnCommand(spec);
    const job = this.send(request, spec, false);
    return job ? this.adopt(job, spec) : spawnCommand(spec);
  }

  /**
   * Sends `spec` (a prediction of the next line's first command) to start as soon as the command running now ends
   * well; returns it, so a scope that stops can end it, or undefined when it cannot be sent early.
   */
  startEarly(spec: CommandSpec): RunningCommand | undefined {
    if (this.early || this.jobs.size !== 1 || !this.control) return undefined;
    const request = this.requestFor(spec);
    const job = request ? this.send(request, spec, true) : undefined;
    if (!job) return undefined;
    this.early = job;
    return this.runningCommandOf(job, this.overOf(job).then(() => this.exitOf(job)));
  }

  /** Whether the command sent early has started: the next start takes it over, even if the run began to stop meanwhile. */
  hasStartedEarly(): boolean {
    const early = this.early;
    return early !== undefined && !early.skipped && (early.pid !== undefined || early.startError !== undefined);
  }

  /** Whether the command sent early started (true) or never will (false): asks the worker to drop it if it has not. */
  settleEarly(): Promise<boolean> {
    const early = this.early;
    if (!early || early.skipped) {
      this.early = undefined;
      return Promise.resolve(false);
    }
    if (this.hasStartedEarly()) return Promise.resolve(true);
    this.send(`drop ${early.id}\n`);
    return new Promise((resolve) => {
      early.onSettled = (started) => {
        if (!started && this.early === early) this.early = undefined;
        resolve(started);
      };
    });
  }

  /**
   * Queues `spec` behind every command sent before it: a foreach's lines sent as a batch (see foreach-batch.ts). The
   * worker runs them in turn without waiting for handoff; with `conditional`, one runs only if the command before it
   * ended well (`c`). Its reports are read as they come, all of a read at once, and held until `take` makes the
   * command the caller's (its start, stderr and end are then told in order, one line after the other). Undefined when
   * the worker cannot run it (see requestFor) or cannot be started; a command that never ran (skipped, or the worker
   * went away first) ends with `skipped` set.
   */
  queue(spec: CommandSpec, conditional: boolean): QueuedCommand | undefined {
    if (this.early) return undefined;
    const request = this.requestFor(spec);
    const job = request ? this.send(request, spec, conditional, true) : undefined;
    if (!job) return undefined;
    return {
      terminate: (reason, first) => this.terminate(job, reason, first),
      take: () => this.adopt(job, spec),
    };
  }

  /**
   * What the lines of a batch whose commands run with environment `env` share (see queueLine); undefined when the
   * worker cannot give that environment (it removes a variable, or holds a NUL).
   */
  lineRequestBase(env: NodeJS.ProcessEnv): LineRequestBase | undefined {
    const added = environmentAdditions(this.options.env, env);
    if (!added || added.some((f) => f.includes('\0'))) return undefined;
    return { env: added, envPayload: added.map((f) => `${f}\0`).join('') };
  }

  /**
   * Queues a foreach line's command as queue does, from the request's parts alone: its command line, a new stdout log
   * and an empty stderr log (both made by the worker), in the batch's environment. Nothing else of the line is made
   * until its turn (take): a line waiting in the queue holds its request's strings and a job, not a prepared command.
   * Undefined when the worker cannot run it (a NUL in a field) or cannot be started.
   */
  queueLine(base: LineRequestBase, commandLine: string, stdoutFile: string, stderrFile: string, conditional: boolean): QueuedLineCommand | undefined {
    if (this.early) return undefined;
    if (commandLine.includes('\0') || stdoutFile.includes('\0') || stderrFile.includes('\0')) return undefined;
    const words = splitPlainCommand(commandLine);
    const argv = words ? words.join('\0') : `/bin/sh\0-c\0${commandLine}`;
    const payload = `${stdoutFile}\0${stderrFile}\0${argv}\0${base.envPayload}`;
    const control = this.ensureStarted();
    if (!control) return undefined;
    const job = this.newJob(undefined, undefined, true, control);
    this.corkForTurn(control);
    control.write(`run ${job.id} ${words ? 'd' : ''}oe${conditional ? 'c' : ''} ${words ? words.length : 3} ${base.env.length} ${Buffer.byteLength(payload)}\n${payload}`);
    return {
      terminate: (reason, first) => this.terminate(job, reason, first),
      take: (spec) => {
        this.adoptJob(job, spec);
        return job.exit ?? this.exitedOf(job);
      },
    };
  }

  /**
   * Starts a plain pipeline's commands at once, each under a launcher of its own that the worker starts (see
   * handoff-launch.c, `launch`): the worker joins them with pipe(2)s and the last writes to a new `stdoutFile`. A
   * pipeline then costs handoff one spawn (this worker) instead of one per command and a FIFO per pipe, and each
   * command keeps what a launcher of its own gives it (its own ladder, what it leaves behind, a closed stdout's reader).
   * Undefined, with nothing sent, when the worker cannot run one of them (see requestFor) or runs something now.
   */
  startPipeline(specs: CommandSpec[], stdoutFile: string): RunningCommand[] | undefined {
    if (this.early || this.jobs.size > 0 || specs.length === 0 || stdoutFile.includes('\0')) return undefined;
    const requests: string[] = [];
    for (const [i, spec] of specs.entries()) {
      if (spec.extraFds?.length || spec.cwd !== this.options.cwd || spec.createEmptyFile) return undefined;
      const env = this.additionsOf(spec.env);
      if (!env) return undefined;
      const words = splitPlainCommand(spec.commandLine);
      const argv = words ?? ['/bin/sh', '-c', spec.commandLine];
      const last = i === specs.length - 1;
      const fields = [...(last ? [stdoutFile] : []), ...argv, ...env];
      if (fields.some((f) => f.includes('\0'))) return undefined;
      // stdin from the pipe the command before made (i) or /dev/null; stdout a new pipe to the next (p) or the log (o).
      const flags = `${words ? 'd' : ''}${i > 0 ? 'i' : ''}${last ? 'o' : 'p'}`;
      const payload = `${fields.join('\0')}\0`;
      requests.push(` ${flags} ${argv.length} ${env.length} ${Buffer.byteLength(payload)}\n${payload}`);
    }
    const control = this.ensureStarted();
    if (!control) return undefined;
    const jobs = specs.map((spec) => this.newJob(undefined, spec, false, control));
    for (const job of jobs) job.launched = true;
    control.write(jobs.map((job, i) => `launch ${job.id}${requests[i]}`).join(''));
    return jobs.map((job, i) => this.adopt(job, specs[i]));
  }

  /** Lets the worker exit once its commands are over; a later start starts a new one. */
  close(): void {
    this.control?.end();
  }

  /**
   * The request that runs `spec` here; undefined when the worker cannot run it (a pipe to hand over, a directory or
   * environment it cannot give, a NUL that would end a field early).
   */
  private requestFor(spec: CommandSpec): Request | undefined {
    if (spec.stdin !== 'ignore' || typeof spec.stdout === 'number' || (spec.extraFds?.length ?? 0) > 0 || spec.cwd !== this.options.cwd) return undefined;
    const env = this.additionsOf(spec.env);
    if (!env) return undefined;
    const words = splitPlainCommand(spec.commandLine);
    const argv = words ?? ['/bin/sh', '-c', spec.commandLine];
    const stdout = typeof spec.stdout === 'object' ? spec.stdout : undefined;
    const fields = [...(stdout ? [stdout.file] : []), ...(spec.createEmptyFile ? [spec.createEmptyFile] : []), ...argv, ...env];
    if (fields.some((f) => f.includes('\0'))) return undefined;
    // stdout: a new file (o), a file appended to, kept open from the command before when it is the same (a), or none (n).
    const flags = `${words ? 'd' : ''}${stdout ? (stdout.fresh ? 'o' : 'a') : 'n'}${spec.createEmptyFile ? 'e' : ''}`;
    const payload = `${fields.join('\0')}\0`;
    const header = ` ${argv.length} ${env.length} ${Buffer.byteLength(payload)}\n`;
    return {
      key: `${flags}${header}${payload}`,
      bytes: (id, conditional) => Buffer.from(`run ${id} ${flags}${conditional ? 'c' : ''}${header}${payload}`),
    };
  }

  /**
   * environmentAdditions of `env`, worked out once per environment object: every line of a foreach in a venv shares
   * one (environmentFor), which would otherwise be compared with the worker's, variable by variable, per line.
   */
  private additionsOf(env: NodeJS.ProcessEnv): string[] | undefined {
    if (env === this.options.env) return [];
    if (this.lastAdditions?.env !== env) this.lastAdditions = { env, added: environmentAdditions(this.options.env, env) };
    return this.lastAdditions.added;
  }

  /** Sends a request as a new job (starting the worker if need be); undefined when the worker cannot be started. */
  private send(request: Request, spec: CommandSpec, conditional: boolean, batched?: boolean): Job | undefined;
  private send(text: string): void;
  private send(request: Request | string, spec?: CommandSpec, conditional = false, batched = false): Job | undefined {
    if (typeof request === 'string') {
      const control = this.control;
      if (control && !control.destroyed && control.writable) control.write(request);
      return undefined;
    }
    const control = this.ensureStarted();
    if (!control) return undefined;
    const job = this.newJob(request, spec, batched, control);
    if (batched) this.corkForTurn(control);
    control.write(request.bytes(job.id, conditional));
    return job;
  }

  private newJob(request: Request | undefined, spec: CommandSpec | undefined, batched: boolean, control: net.Socket): Job {
    const job: Job = {
      id: this.nextId++,
      request,
      spec,
      control,
      adopted: false,
      batched,
      startedAt: batched ? NOT_STARTED : new Date(),
      exitCode: null,
      signal: null,
      ended: false,
      stdoutReaderGone: false,
      leftBehind: [],
      over: false,
      skipped: false,
      heldStderr: [],
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /** The promise of the job's end (made now if need be). */
  private exitedOf(job: Job): Promise<ProcessExit> {
    if (job.exit) return Promise.resolve(job.exit);
    job.exited ??= new Promise((resolve) => {
      job.resolveExit = resolve;
    });
    return job.exited;
  }

  /** Resolves once the job is over, taken over or not. */
  private overOf(job: Job): Promise<void> {
    if (job.over) return Promise.resolve();
    job.overPromise ??= new Promise((resolve) => {
      job.resolveOver = resolve;
    });
    return job.overPromise;
  }

  /** Batched requests sent in one event loop turn go to the worker in one write (one wake-up of it, not one per line). */
  private corkForTurn(control: net.Socket): void {
    if (this.corked) return;
    this.corked = true;
    control.cork();
    setImmediate(() => {
      this.corked = false;
      control.uncork();
    });
  }

  /** Makes `spec` the job's: its callbacks get what was held back, and its end is reported once it is over. */
  private adopt(job: Job, spec: CommandSpec): RunningCommand {
    this.adoptJob(job, spec);
    return this.runningCommandOf(job, this.exitedOf(job));
  }

  private adoptJob(job: Job, spec: CommandSpec): void {
    job.spec = spec;
    job.adopted = true;
    job.stderr = createLineSplitter(spec.onStderrLine, { cutter: spec.longLineCutter });
    if (job.pid !== undefined) this.announce(job);
    // A stderr log the worker could not create is told before its held stderr, which then goes only to the console.
    if (job.heldLogError !== undefined && spec.createEmptyFile) spec.onCreateError?.(spec.createEmptyFile, job.heldLogError);
    job.heldLogError = undefined;
    for (const chunk of job.heldStderr) job.stderr.push(chunk);
    job.heldStderr = [];
    if (spec.timeoutMs !== undefined && !job.over) {
      // A command sent early has run since it started: its timeout counts from then.
      const left = spec.timeoutMs - (job.pid !== undefined ? Date.now() - job.startedAt.getTime() : 0);
      job.timer = setTimeout(() => this.terminate(job, 'timeout'), Math.max(0, left));
    }
    if (job.over) this.finish(job);
  }

  private runningCommandOf(job: Job, exited: Promise<ProcessExit>): RunningCommand {
    return {
      name: (job.spec as CommandSpec).name,
      get pid() {
        return job.pid;
      },
      exited,
      terminate: (reason, first) => this.terminate(job, reason, first),
    };
  }

  /** The control socket of a running worker, started now if need be; undefined when it cannot be started. */
  private ensureStarted(): net.Socket | undefined {
    if (this.control && !this.control.destroyed) {
      if (!this.retiring) return this.control;
      // Its last commands are still being told: nothing may start beside them (the caller runs it without the worker).
      if (this.jobs.size > 0) return undefined;
      this.retired.add(this.control);
      this.control = undefined;
    }
    this.retiring = false;
    let launcher: string;
    try {
      launcher = findLauncher();
      // Not detached: the worker makes a process group of its own in handoff's session as it starts (see spawnCommand).
      // fd 4 is never written: its hang-up tells a pipeline command's launcher that handoff is gone (see `--alive`).
      this.child = spawn(launcher, ['--worker', '--control=3', '--alive=4', `--grace-ms=${Math.round(this.options.graceMs)}`], {
        cwd: this.options.cwd,
        env: this.options.env,
        stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      this.spawnError = `cannot start handoff's process launcher: ${(error as Error).message}`;
      return undefined;
    }
    const child = this.child;
    const control = child.stdio[3] as net.Socket;
    this.control = control;
    this.buffered = undefined;
    this.spawnError = undefined;
    this.pid = child.pid;
    this.startTicks = child.pid !== undefined ? readProcessStartTicks(child.pid) : undefined;
    child.once('error', (error) => {
      this.spawnError = `cannot start handoff's process launcher ${launcher}: ${error.message}`;
    });
    if (child.pid !== undefined) registerProcessGroup(child.pid, (signal) => this.signalAll(signal));
    control.on('data', (chunk: Buffer) => this.onData(chunk));
    // A write after the worker is gone must not crash handoff with EPIPE.
    control.on('error', () => undefined);
    control.once('close', () => {
      // How the worker ended is known once node has reaped it.
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.once('exit', () => this.afterWorkerEnded(child, control));
      else this.afterWorkerEnded(child, control);
    });
    return control;
  }

  /** A worker killed before it ran anything by a signal to handoff's whole group is settled after handoff's own copy (see afterOwnCopyOf). */
  private afterWorkerEnded(child: ChildProcess, control: net.Socket): void {
    const first = this.jobsOf(control)[0];
    afterOwnCopyOf(first && first.pid === undefined ? child.signalCode : null, first?.terminatedBy !== undefined, () => this.onWorkerGone(child, control));
  }

  /** The worker's control socket closed and the worker has ended: settles every job it still had. */
  private onWorkerGone(child: ChildProcess, control: net.Socket): void {
    if (child.pid !== undefined) unregisterProcessGroup(child.pid);
    if (this.retired.delete(control)) return;
    if (this.control === control) this.control = undefined;
    // The worker runs its jobs strictly in order and sends what it holds before it starts one (handoff-launch.c), so
    // the first job without its `done` is the one it may have been running when it died, even with no `pid` report:
    // that one waits for the worker's next wait, and a command can kill it first (kill -9 $PPID). It ran, or may have:
    // it must not run again (at most once), so it fails as the worker's death. Only the jobs after it never started.
    let running = child.pid !== undefined;
    let orphansEnded: number[] | undefined;
    // Its own jobs only: node marks a socket closed some turns before its close is handled, and a start in between
    // (a worker that said `stopping` and exited) sent its job to a new worker, which runs it.
    for (const job of this.jobsOf(control)) {
      // A pipeline's commands were all sent at once: each may have started.
      const mayRun = running || (job.launched === true && child.pid !== undefined);
      running = false;
      // The worker was killed (kill -9) in the middle of a command: end the command's group here, as it no longer can.
      if (job.pid !== undefined && !job.ended) {
        killProcessGroup(job.pid, 'SIGKILL');
        job.ended = true;
        job.signal = 'SIGKILL';
      } else if (mayRun && job.pid === undefined && job.startError === undefined) {
        // Its pid never came: its group, if it lives, is found by the run's marker (a group leader whose launcher is gone).
        orphansEnded ??= this.options.environmentMarker ? endOrphanedCommandGroups(this.options.environmentMarker, child.pid as number) : [];
        const ended = orphansEnded;
        job.ended = true;
        // A worker still starting is in handoff's process group, where a signal to that whole group (Ctrl-C, a
        // container's stop) ends it before its command could start: the job ends by that signal, not as if killed.
        job.signal = ended.length === 0 && child.signalCode ? child.signalCode : 'SIGKILL';
      } else if (job.pid === undefined && job.startError === undefined) {
        job.skipped = true;
        job.startError = this.spawnError ?? "handoff's process launcher ended before starting the command";
      }
      this.over(job);
    }
  }

  /** The jobs sent to the worker of `control` and not yet over, in the order they were sent. */
  private jobsOf(control: net.Socket): Job[] {
    return [...this.jobs.values()].filter((job) => job.control === control);
  }

  /** What the process registry asks of every process group on Ctrl-C, SIGTERM or handoff's exit. */
  private signalAll(signal: NodeJS.Signals): void {
    for (const job of this.jobs.values()) {
      if (signal === 'SIGKILL') {
        this.send(`kill ${job.id}\n`);
        // Synchronous too: this also runs in the 'exit' hook, after which no write would be flushed.
        if (job.pid !== undefined) killProcessGroup(job.pid, 'SIGKILL');
      } else {
        this.terminate(job, 'interrupted');
      }
    }
  }

  private terminate(job: Job, reason: TerminationReason, first?: FirstSignal): void {
    // Asked even once the command itself has ended: what it left behind may still be ending (the worker then counts
    // the request), and a request that comes after everything ended is judged by the worker's `done`.
    if (job.terminatedBy || job.over) return;
    job.terminatedBy = reason;
    // The ladder starts as ladderRequest says. A command sent early that has not started yet never will.
    this.send(`${ladderRequest(reason, first)} ${job.id}\n`);
  }

  /** Reads report lines, and the stderr bytes an `err ID LENGTH` report is followed by. */
  private onData(chunk: Buffer): void {
    const data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const nl = data.indexOf(10, at);
      if (nl === -1) break;
      const line = data.toString('utf8', at, nl);
      if (line.startsWith('err ')) {
        const [, id, length] = line.split(' ');
        const end = nl + 1 + Number(length);
        if (end > data.length) break; // the rest of its bytes are still on the way
        const job = this.jobs.get(Number(id));
        if (job?.stderr) job.stderr.push(data.subarray(nl + 1, end));
        else job?.heldStderr.push(Buffer.from(data.subarray(nl + 1, end)));
        at = end;
        continue;
      }
      this.onReport(line);
      at = nl + 1;
    }
    // Kept as a copy: a slice would hold on to the whole chunk.
    this.buffered = at < data.length ? Buffer.from(data.subarray(at)) : undefined;
  }

  private onReport(line: string): void {
    const [word, idText, a, ...rest] = line.split(' ');
    if (word === 'stopping') {
      this.retiring = true;
      return;
    }
    const job = this.jobs.get(Number(idText));
    if (!job) return;
    switch (word) {
      case 'pid':
        job.pid = Number(a);
        job.startedAt = job.batched && rest[0] ? new Date(Number(rest[0])) : new Date();
        if (job.adopted) this.announce(job);
        job.onSettled?.(true);
        break;
      case 'start-error':
        job.startError = [a, ...rest].join(' ');
        job.onSettled?.(true);
        break;
      case 'exit':
        job.ended = true;
        job.exitCode = Number(a);
        job.stdoutReaderGone = rest[0] === '1';
        break;
      case 'signal':
        job.ended = true;
        job.signal = signalName(Number(a));
        job.stdoutReaderGone = rest[0] === '1';
        break;
      case 'left':
        job.leftBehind.push([a, ...rest].join(' '));
        break;
      case 'log-error':
        if (job.spec?.createEmptyFile) job.spec.onCreateError?.(job.spec.createEmptyFile, a);
        else if (!job.spec) job.heldLogError = a;
        break;
      case 'done':
        if (Number(a) >= 0) job.stdoutBytes = Number(a);
        if (job.batched && rest[1]) job.endedAt = new Date(Number(rest[1]));
        // A timeout (or a stop) that fired as the command was ending of itself reached the worker too late: the command
        // ended as it would have, and the worker judged it so (a foreach's next line sent ahead may already run). Its
        // end must be judged the same way here.
        if (job.terminatedBy && rest[0] === '0') job.terminatedBy = undefined;
        this.over(job);
        break;
      case 'skipped':
        job.skipped = true;
        job.onSettled?.(false);
        this.over(job);
        break;
      default:
        break; // a report of a newer launcher
    }
  }

  /** Tells the task the command runs (its pid, and the worker it runs under). */
  private announce(job: Job): void {
    if (this.pid !== undefined && job.pid !== undefined) job.spec?.onStarted?.({ pid: job.pid, launcherPid: this.pid, launcherStartTicks: this.startTicks });
  }

  /** Nothing more will be reported of the job: its end is told once a task has taken it over. */
  private over(job: Job): void {
    if (job.over) return;
    this.jobs.delete(job.id);
    // A command sent early, taken over before the worker skipped it (the command before it failed, and the loop goes on
    // all the same): sent again, to run now; to a new worker when this one said `stopping` (it would skip it again).
    const control = job.adopted && job.skipped && !job.batched && !job.terminatedBy && this.control ? this.ensureStarted() : undefined;
    if (control) {
      job.skipped = false;
      job.id = this.nextId++;
      job.control = control;
      this.jobs.set(job.id, job);
      control.write((job.request as Request).bytes(job.id, false));
      return;
    }
    job.over = true;
    if (this.early === job && job.skipped) this.early = undefined;
    job.onSettled?.(job.pid !== undefined || (job.startError !== undefined && !job.skipped));
    job.onSettled = undefined;
    job.resolveOver?.();
    if (job.adopted) this.finish(job);
  }

  private exitOf(job: Job): ProcessExit {
    // A command ended before it started (a scope that stopped) simply never ran; any other that did not start failed to.
    const neverRan = job.pid === undefined && job.startError === undefined && !job.ended;
    const startError = neverRan && !job.terminatedBy ? this.spawnError ?? "handoff's process launcher could not start the command" : job.startError;
    const endedAt = job.endedAt ?? new Date();
    return {
      name: (job.spec as CommandSpec).name,
      pid: job.pid,
      exitCode: job.exitCode,
      signal: job.signal,
      terminatedBy: job.terminatedBy,
      startError,
      ...(job.stdoutReaderGone ? { stdoutReaderGone: true } : {}),
      ...(job.leftBehind.length > 0 ? { leftBehind: job.leftBehind } : {}),
      ...(job.stdoutBytes !== undefined ? { stdoutBytes: job.stdoutBytes } : {}),
      ...(job.batched && job.skipped ? { skipped: true } : {}),
      // A batched command queued long before it could start: one that never started has no time of its own but its end.
      startedAt: job.batched && job.pid === undefined ? endedAt : job.startedAt,
      endedAt,
    };
  }

  private finish(job: Job): void {
    if (job.timer) clearTimeout(job.timer);
    job.stderr?.end();
    job.exit = this.exitOf(job);
    job.resolveExit?.(job.exit);
  }
}
