// Starts one command line under handoff-launch, reports its stderr by lines and how it ended.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { afterOwnCopyOf } from './group-signal.js';
import { killProcessGroup } from './kill-process-group.js';
import { findLauncher } from './launcher-path.js';
import { readProcessStartTicks } from './process-identity.js';
import { registerProcessGroup, unregisterProcessGroup } from './process-registry.js';
import { createLineSplitter, type LineHandler, type LongLineCutter } from './line-splitter.js';
import { closeFds, createOsPipe } from './os-pipe.js';
import { splitPlainCommand } from './split-plain-command.js';
import { removeFile } from '../remove-file.js';

/** Where a child's stdin/stdout comes from or goes to: nothing (/dev/null) or a descriptor open in handoff. */
export type StdioEnd = 'ignore' | number;

/** A file a command's stdout goes to: made afresh (see openFreshFile), or appended to (a task's later commands). */
export interface OutputFile {
  file: string;
  fresh: boolean;
}

/** Why handoff ended a process; decides the signal sequence and how the exit is classified. */
export type TerminationReason = 'timeout' | 'pipeline_failed' | 'interrupted';

/** The signal a stop starts its ladder with (then SIGTERM if it was SIGINT, then SIGKILL, a grace period apart). */
export type FirstSignal = 'SIGINT' | 'SIGTERM';

/**
 * The launcher's request that starts the ladder: a timeout asks politely first (SIGINT, like Ctrl-C); an interrupt
 * passes on the signal handoff received (`first`: Ctrl-C's SIGINT, as the terminal gave it to the commands of the
 * original handoff); a failed pipeline's other commands get SIGTERM.
 */
export function ladderRequest(reason: TerminationReason, first?: FirstSignal): 'int' | 'term' {
  return (first ?? (reason === 'timeout' ? 'SIGINT' : 'SIGTERM')) === 'SIGINT' ? 'int' : 'term';
}

export interface CommandSpec {
  /** Short name for logs, e.g. `tap-rates`. */
  name: string;
  /** One shell command line, run as `/bin/sh -c <commandLine>`, or without the shell when it needs none. */
  commandLine: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: StdioEnd;
  stdout: StdioEnd | OutputFile;
  /** A log to create empty before the command starts (a `commands:` task's stderr artifact, appended to as lines come). */
  createEmptyFile?: string;
  /** Told when `createEmptyFile` could not be created (with the error's code, e.g. ENOSPC); the command runs anyway. */
  onCreateError?: (file: string, code: string) => void;
  /** Extra descriptors from fd 3 on (used by fork to hand `tee` its outputs). */
  extraFds?: StdioEnd[];
  timeoutMs?: number;
  /** How long to wait after each polite signal before the next, harder one. */
  graceMs: number;
  /** Each stderr line to show, and its bytes exactly as the command wrote them (see LineHandler). */
  onStderrLine: LineHandler;
  /** Where a stderr line too long to keep whole may be cut, in bytes (the byte masker's choice: no secret is ever split). */
  longLineCutter?: LongLineCutter;
  /** Called once the command runs, before any of its stderr lines is reported. */
  onStarted?: (started: StartedCommand) => void;
}

/** Who runs a started command: its shell (the leader of its process group) and the launcher above it. */
export interface StartedCommand {
  pid: number;
  launcherPid: number;
  /** The launcher's start time in clock ticks since boot (/proc/<pid>/stat), to recognise it later despite pid reuse. */
  launcherStartTicks?: string;
}

export interface ProcessExit {
  name: string;
  pid?: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when handoff ended it: on timeout, because another command of its pipeline failed, or on SIGINT/SIGTERM. */
  terminatedBy?: TerminationReason;
  /** Set when the process could not be started at all (spawn error). */
  startError?: string;
  /**
   * The command's stdout was a pipe whose every reader had gone when it ended: its downstream had stopped reading, so
   * a SIGPIPE it died of came from that pipe (and not from some other pipe of its own).
   */
  stdoutReaderGone?: boolean;
  /** Processes (`PID COMMAND`) still running when the command's shell exited; the launcher then ended them. */
  leftBehind?: string[];
  /** The size of its stdout file when it ended, when the launcher that opened the file says (a foreach worker). */
  stdoutBytes?: number;
  /** A command queued in a batch (LauncherWorker.queue) that never ran: skipped after the one before it failed, or its worker went away first. */
  skipped?: boolean;
  startedAt: Date;
  endedAt: Date;
}

/** Starts commands: a launcher each (spawnCommand), or a foreach line's long-lived launcher (launcher-worker.ts). */
export interface CommandLauncher {
  start(spec: CommandSpec): RunningCommand;
  /**
   * Whether the command its next start asks for already runs: a foreach's next line, sent ahead and started as soon as
   * the line before it ended well. That start takes it over even when the run began to stop meanwhile.
   */
  hasStartedEarly?(): boolean;
  /**
   * The command line that the first command of task `taskName` was rendered to when it was sent ahead, so that it is
   * not rendered a second time (a template may render differently twice); asked once, by the line's first command.
   */
  renderedAhead?(taskName: string): string | undefined;
  /**
   * Starts a plain pipeline's commands joined by kernel pipes, the last one's stdout a new `stdoutFile`; undefined when
   * it cannot (then nothing was started, and the caller joins them itself).
   */
  startPipeline?(specs: CommandSpec[], stdoutFile: string): RunningCommand[] | undefined;
}

/** A started command: its pid once known, its exit as a promise, and a way to end everything it started. */
export interface RunningCommand {
  readonly name: string;
  /** The shell's pid (its process group), once the launcher has reported it. */
  readonly pid?: number;
  readonly exited: Promise<ProcessExit>;
  /** Ends it and what it started; `first` is the signal an interrupt passes on (see ladderRequest). */
  terminate(reason: TerminationReason, first?: FirstSignal): void;
}

/** After the launcher is gone, wait this long at most for the rest of the stderr (a process may have escaped it). */
const STDERR_DRAIN_MS = 1000;

export function signalName(n: number): NodeJS.Signals | null {
  return (Object.entries(constants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined) ?? null;
}

/**
 * Opens a new, empty file in place of `file`. Not the old file truncated: a process that still holds it (one a killed
 * run left behind) would go on writing at its old offset into this run's log, NUL bytes before its output.
 */
export function openFreshFile(file: string): number {
  removeFile(file);
  const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
  return fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL, 0o644);
}

/** The launcher's arguments for a command line: its words when it needs no shell (split-plain-command.ts), else /bin/sh -c. */
export function launcherArguments(commandLine: string): string[] {
  const words = splitPlainCommand(commandLine);
  return words ? ['--direct', '--', ...words] : ['--', '/bin/sh', '-c', commandLine];
}

/** Creates `spec.createEmptyFile`, telling `spec.onCreateError` when it cannot. */
function createEmptyFile(spec: CommandSpec): void {
  if (!spec.createEmptyFile) return;
  try {
    fs.closeSync(fs.openSync(spec.createEmptyFile, 'w', 0o644));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    spec.onCreateError?.(spec.createEmptyFile, e.code ?? e.message);
  }
}

/**
 * Starts a command line under handoff-launch (see handoff-launch.c): `/bin/sh -c <commandLine>`, or its words
 * without a shell when it has no shell syntax. The command leads a process group of its own, and the launcher, a child
 * subreaper, ends everything the command started (new sessions included) when asked, when the command exits and
 * leaves processes behind, and when handoff itself goes away.
 */
export function spawnCommand(spec: CommandSpec): RunningCommand {
  const startedAt = new Date();
  const launcher = findLauncher();
  // A stdout file is opened here and handed over like any descriptor.
  const stdoutFd = typeof spec.stdout === 'object' ? (spec.stdout.fresh ? openFreshFile(spec.stdout.file) : fs.openSync(spec.stdout.file, 'a', 0o644)) : spec.stdout;
  createEmptyFile(spec);
  // stderr is a real pipe too, so `echo oops > /dev/stderr` works as in a shell; handoff reads its other end.
  const stderrPipe = createOsPipe(true);
  const extra = spec.extraFds ?? [];
  const controlFd = 3 + extra.length;
  const stdio: StdioOptions = [spec.stdin, stdoutFd, stderrPipe.writeFd, ...extra, 'pipe'];
  const args = [`--control=${controlFd}`, `--grace-ms=${Math.round(spec.graceMs)}`, ...launcherArguments(spec.commandLine)];
  let child: ChildProcess | undefined;
  let startError: string | undefined;
  try {
    // Not detached: the launcher makes a process group of its own in handoff's session as it starts (out of reach of the
    // terminal's Ctrl-C, which handoff relays); a session of its own would cost a pipeline's throughput (handoff-launch.c).
    child = spawn(launcher, args, { cwd: spec.cwd, env: spec.env, stdio });
  } catch (error) {
    startError = launcherStartError(launcher, error as NodeJS.ErrnoException);
  }
  closeFds([stderrPipe.writeFd, ...(typeof spec.stdout === 'object' ? [stdoutFd as number] : [])]);
  const stderrStream = new net.Socket({ fd: stderrPipe.readFd, readable: true, writable: false });
  const control = child?.stdio[controlFd] as net.Socket | undefined;

  let pid: number | undefined;
  let terminatedBy: TerminationReason | undefined;
  let exitCode: number | null = null;
  let signal: NodeJS.Signals | null = null;
  let shellEnded = false;
  let stdoutReaderGone = false;
  const leftBehind: string[] = [];
  const launcherPid = child?.pid;

  const send = (request: 'int' | 'term' | 'kill'): void => {
    if (control && !control.destroyed && control.writable) control.write(`${request}\n`);
  };
  // Asked even once the command's shell has ended: what it left behind may still be ending, and a request that comes
  // after everything ended is judged by the launcher's `done` (below).
  const terminate = (reason: TerminationReason, first?: FirstSignal): void => {
    if (terminatedBy || launcherPid === undefined) return;
    terminatedBy = reason;
    send(ladderRequest(reason, first));
  };
  if (launcherPid !== undefined) {
    registerProcessGroup(launcherPid, (sig) => {
      if (sig === 'SIGKILL') {
        send('kill');
        // Synchronous too: this also runs in the 'exit' hook, after which no write would be flushed.
        if (pid !== undefined) killProcessGroup(pid, 'SIGKILL');
      } else {
        terminate('interrupted');
      }
    });
  }

  // Stderr lines that arrive before the launcher has said the command runs wait, so `onStarted` always comes first.
  let pendingLines: Array<[string, string]> | undefined = [];
  const onStderrLine = (line: string, raw: string): void => {
    if (pendingLines) pendingLines.push([line, raw]);
    else spec.onStderrLine(line, raw);
  };
  const markStarted = (): void => {
    if (!pendingLines) return;
    const lines = pendingLines;
    pendingLines = undefined;
    for (const [line, raw] of lines) spec.onStderrLine(line, raw);
  };

  const onReport = (line: string): void => {
    const [word, a, ...rest] = line.split(' ');
    switch (word) {
      case 'pid':
        pid = Number(a);
        if (launcherPid !== undefined) spec.onStarted?.({ pid, launcherPid, launcherStartTicks: readProcessStartTicks(launcherPid) });
        markStarted();
        break;
      case 'start-error':
        startError = [a, ...rest].join(' ');
        break;
      case 'exit':
        shellEnded = true;
        exitCode = Number(a);
        stdoutReaderGone = rest[0] === '1';
        break;
      case 'signal':
        shellEnded = true;
        signal = signalName(Number(a));
        stdoutReaderGone = rest[0] === '1';
        break;
      case 'left':
        leftBehind.push([a, ...rest].join(' '));
        break;
      case 'done':
        // A stop that reached the launcher after the command and everything it left had ended did not end it.
        if (terminatedBy && a === '0') terminatedBy = undefined;
        // The launcher waits for this end of the socket to close before it exits (see await_control_end).
        control?.end();
        break;
      default:
        break; // a report of a newer launcher
    }
  };

  const exited = new Promise<ProcessExit>((resolve) => {
    const result = (): ProcessExit => ({
      name: spec.name,
      pid,
      exitCode,
      signal,
      terminatedBy,
      startError,
      ...(stdoutReaderGone ? { stdoutReaderGone } : {}),
      ...(leftBehind.length > 0 ? { leftBehind } : {}),
      startedAt,
      endedAt: new Date(),
    });
    if (!child || !control) {
      stderrStream.destroy();
      markStarted();
      resolve(result());
      return;
    }
    const stderrDone = readStderrLines(stderrStream, onStderrLine, spec.longLineCutter);
    const reportsDone = readReports(control, onReport);
    const timeoutTimer = spec.timeoutMs !== undefined ? setTimeout(() => terminate('timeout'), spec.timeoutMs) : undefined;
    let finished = false;
    const finish = (launcherSignal: NodeJS.Signals | null, error?: Error): void => {
      if (finished) return;
      finished = true;
      if (timeoutTimer) clearTimeout(timeoutTimer);
      if (error) startError ??= launcherStartError(launcher, error as NodeJS.ErrnoException);
      void reportsDone.then(() => {
        if (launcherPid !== undefined) unregisterProcessGroup(launcherPid);
        if (!shellEnded && !startError) {
          // The launcher itself was killed (kill -9): end the command's group here, as the launcher no longer can.
          if (pid !== undefined) killProcessGroup(pid, 'SIGKILL');
          signal = launcherSignal ?? 'SIGKILL';
        }
        markStarted();
        const drain = new Promise<void>((r) => setTimeout(r, STDERR_DRAIN_MS).unref());
        void Promise.race([stderrDone, drain]).then(() => {
          stderrStream.destroy();
          resolve(result());
        });
      });
    };
    child.once('error', (error) => finish(null, error));
    // A launcher killed before its `pid` report by a signal to handoff's whole group ends after handoff's own copy.
    child.once('exit', (_code, launcherSignal) => afterOwnCopyOf(pid === undefined ? launcherSignal : null, terminatedBy !== undefined, () => finish(launcherSignal)));
  });

  return {
    name: spec.name,
    get pid() {
      return pid;
    },
    exited,
    terminate,
  };
}

/**
 * Why the launcher of a command could not start. The command line is one of its arguments: one over the kernel's limit
 * (E2BIG) is the command's fault, not the launcher's, and is reported as a `commands:` task's shell reports it, so the
 * same hint follows (describeStartError).
 */
function launcherStartError(launcher: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'E2BIG') return '/bin/sh: Argument list too long';
  return `cannot start handoff's process launcher ${launcher}: ${error.message}`;
}

/** Reads the launcher's report lines until its end of the control socket closes. */
function readReports(control: net.Socket, onReport: (line: string) => void): Promise<void> {
  const splitter = createLineSplitter(onReport);
  control.on('data', (chunk: Buffer) => splitter.push(chunk));
  // A write after the launcher is gone must not crash handoff with EPIPE.
  control.on('error', () => undefined);
  return new Promise((resolve) => {
    control.once('close', () => {
      splitter.end();
      resolve();
    });
  });
}

function readStderrLines(stream: Readable, onLine: LineHandler, cutter?: LongLineCutter): Promise<void> {
  const splitter = createLineSplitter(onLine, { cutter });
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  return new Promise((resolve) => {
    stream.once('close', () => {
      splitter.end();
      resolve();
    });
  });
}
