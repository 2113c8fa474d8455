// Starts one shell command line as its own process group, reports its stderr by lines and how it ended.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { isProcessGroupAlive, killProcessGroup } from './kill-process-group.js';
import { registerProcessGroup, unregisterProcessGroup } from './process-registry.js';
import { createLineSplitter } from './line-splitter.js';
import { closeFds, createOsPipe } from './os-pipe.js';

/** Where a child's stdin/stdout comes from or goes to: nothing (/dev/null) or a descriptor open in handoff. */
export type StdioEnd = 'ignore' | number;

/** Why handoff ended a process; decides the signal sequence and how the exit is classified. */
export type TerminationReason = 'timeout' | 'pipeline_failed' | 'interrupted';

export interface CommandSpec {
  /** Short name for logs, e.g. `tap-rates`. */
  name: string;
  /** One shell command line, run as `/bin/sh -c <commandLine>`. */
  commandLine: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: StdioEnd;
  stdout: StdioEnd;
  /** Extra descriptors from fd 3 on (used by fork to hand `tee` its outputs). */
  extraFds?: StdioEnd[];
  timeoutMs?: number;
  /** How long to wait after each polite signal before the next, harder one. */
  graceMs: number;
  onStderrLine: (line: string) => void;
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
  startedAt: Date;
  endedAt: Date;
}

/** A started command: its pid, its exit as a promise, and a way to end its whole process group. */
export interface RunningCommand {
  readonly name: string;
  readonly pid?: number;
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  terminate(reason: TerminationReason): void;
}

/** After a process exits, wait this long at most for the rest of its stderr (a grandchild may still hold the pipe). */
const STDERR_DRAIN_MS = 1000;

export function spawnCommand(spec: CommandSpec): RunningCommand {
  const startedAt = new Date();
  // stderr is a real pipe too, so `echo oops > /dev/stderr` works as in a shell; handoff reads its other end.
  const stderrPipe = createOsPipe(true);
  const stdio: StdioOptions = [spec.stdin, spec.stdout, stderrPipe.writeFd, ...(spec.extraFds ?? [])];
  let child: ChildProcess;
  let startError: string | undefined;
  try {
    // detached: the child leads a new process group, so a signal to -pid reaches everything it started.
    child = spawn('/bin/sh', ['-c', spec.commandLine], { cwd: spec.cwd, env: spec.env, stdio, detached: true });
  } catch (error) {
    startError = (error as Error).message;
    child = undefined as unknown as ChildProcess;
  }
  closeFds([stderrPipe.writeFd]);
  const stderrStream = new net.Socket({ fd: stderrPipe.readFd, readable: true, writable: false });

  let terminatedBy: TerminationReason | undefined;
  const timers: NodeJS.Timeout[] = [];
  /** The shell (group leader) has exited. */
  let done = false;
  /** The whole group is gone or killed: no more signals. */
  let groupEnded = false;
  let killSent = false;
  const pid = child?.pid;
  if (pid !== undefined) registerProcessGroup(pid);

  const terminate = (reason: TerminationReason): void => {
    if (done || pid === undefined || terminatedBy) return;
    terminatedBy = reason;
    // A timeout asks politely first (SIGINT, like Ctrl-C), then SIGTERM, then SIGKILL; other reasons start at SIGTERM.
    const steps: NodeJS.Signals[] = reason === 'timeout' ? ['SIGINT', 'SIGTERM', 'SIGKILL'] : ['SIGTERM', 'SIGKILL'];
    const sendStep = (i: number): void => {
      if (groupEnded) return;
      killProcessGroup(pid, steps[i]);
      if (steps[i] === 'SIGKILL') killSent = true;
      if (i + 1 < steps.length) timers.push(setTimeout(() => sendStep(i + 1), spec.graceMs));
    };
    sendStep(0);
  };

  const exited = new Promise<ProcessExit>((resolve) => {
    if (!child || startError) {
      stderrStream.destroy();
      const now = new Date();
      resolve({ name: spec.name, exitCode: null, signal: null, startError, startedAt, endedAt: now });
      return;
    }
    const stderrDone = readStderrLines(stderrStream, spec.onStderrLine);
    let timeoutTimer: NodeJS.Timeout | undefined;
    if (spec.timeoutMs !== undefined) {
      timeoutTimer = setTimeout(() => terminate('timeout'), spec.timeoutMs);
    }
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (done) return;
      done = true;
      if (timeoutTimer) clearTimeout(timeoutTimer);
      if (terminatedBy !== undefined && pid !== undefined) {
        // handoff is ending this command. The shell that ran it dies of the first signal at once, while the program it
        // started may still be cleaning up: the group keeps its remaining grace periods, up to the SIGKILL step.
        const poll = setInterval(() => {
          if (killSent || !isProcessGroupAlive(pid)) {
            clearInterval(poll);
            endGroup(exitCode, signal, error);
          }
        }, 50);
        return;
      }
      endGroup(exitCode, signal, error);
    };
    const endGroup = (exitCode: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (groupEnded) return;
      groupEnded = true;
      for (const t of timers) clearTimeout(t);
      if (pid !== undefined) {
        // The shell is gone; anything it left behind in its group goes too.
        killProcessGroup(pid, 'SIGKILL');
        unregisterProcessGroup(pid);
      }
      const drain = new Promise<void>((r) => setTimeout(r, STDERR_DRAIN_MS).unref());
      void Promise.race([stderrDone, drain]).then(() => {
        stderrStream.destroy();
        resolve({
          name: spec.name,
          pid,
          exitCode,
          signal,
          terminatedBy,
          startError: error ? error.message : undefined,
          startedAt,
          endedAt: new Date(),
        });
      });
    };
    child.once('error', (error) => finish(null, null, error));
    child.once('exit', (code, signal) => finish(code, signal));
  });

  return { name: spec.name, pid, child, exited, terminate };
}

function readStderrLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const splitter = createLineSplitter(onLine);
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  return new Promise((resolve) => {
    stream.once('close', () => {
      splitter.end();
      resolve();
    });
  });
}
