// Runs one program with an argument list (no shell) as its own process group, streaming its output lines to callbacks.
// Used for tools such as docker/podman, whose arguments must not be re-parsed by a shell and whose passwords go on stdin.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createLineSplitter } from './line-splitter.js';
import { killProcessGroup } from './kill-process-group.js';
import { registerProcessGroup, unregisterProcessGroup } from './process-registry.js';

export interface ProgramSpec {
  /** Executable name (looked up on PATH) or path. */
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Text written to the program's stdin, then closed (e.g. a registry password for `login --password-stdin`). */
  input?: string;
  /** `inherit` hands the program this process's stdout/stderr (a container run's own output); `lines` reads them. */
  output?: 'lines' | 'inherit';
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Keep the whole stdout as text in the result (for short, machine-readable answers such as `images --format`). */
  captureStdout?: boolean;
}

export interface ProgramExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started (e.g. ENOENT: not installed). */
  startError?: NodeJS.ErrnoException;
  stdout: string;
}

export interface RunningProgram {
  readonly pid?: number;
  readonly exited: Promise<ProgramExit>;
  /** Sends a signal to the program itself (not its group), so a `docker run` can relay it into its container. */
  signal(signal: NodeJS.Signals): void;
}

/** After the program exits, wait this long at most for the rest of its output (a process outside its group may hold the pipe). */
const OUTPUT_DRAIN_MS = 1000;

export function runProgram(spec: ProgramSpec): RunningProgram {
  const inherit = spec.output === 'inherit';
  let child: ChildProcess;
  try {
    // detached: a group of its own, so ending handoff ends the program and everything it started (process-registry).
    child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: [spec.input === undefined ? 'ignore' : 'pipe', inherit ? 'inherit' : 'pipe', inherit ? 'inherit' : 'pipe'],
      detached: true,
    });
  } catch (error) {
    const exited = Promise.resolve<ProgramExit>({ exitCode: null, signal: null, startError: error as NodeJS.ErrnoException, stdout: '' });
    return { exited, signal: () => undefined };
  }
  const pid = child.pid;
  if (pid !== undefined) registerProcessGroup(pid);

  let stdout = '';
  const streamsDone: Promise<void>[] = [];
  if (child.stdout) {
    streamsDone.push(
      readLines(child.stdout, (line) => {
        if (spec.captureStdout) stdout += `${line}\n`;
        spec.onStdoutLine?.(line);
      }),
    );
  }
  if (child.stderr) streamsDone.push(readLines(child.stderr, (line) => spec.onStderrLine?.(line)));
  if (child.stdin) {
    // A program that exits before reading its input must not crash handoff with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(spec.input);
  }

  const exited = new Promise<ProgramExit>((resolve) => {
    let startError: NodeJS.ErrnoException | undefined;
    child.once('error', (error) => {
      startError = error as NodeJS.ErrnoException;
      // 'close' may never come when the spawn itself failed.
      if (pid === undefined) resolve({ exitCode: null, signal: null, startError, stdout });
    });
    child.once('exit', (exitCode, signal) => {
      if (pid !== undefined) {
        // The program is gone; anything it left behind in its group goes too (and with it, its hold on our pipes).
        killProcessGroup(pid, 'SIGKILL');
        unregisterProcessGroup(pid);
      }
      const drain = new Promise<void>((r) => setTimeout(r, OUTPUT_DRAIN_MS).unref());
      void Promise.race([Promise.all(streamsDone), drain]).then(() => resolve({ exitCode, signal, startError, stdout }));
    });
  });

  return {
    pid,
    exited,
    signal(sig) {
      if (pid === undefined) return;
      try {
        process.kill(pid, sig);
      } catch {
        // Already gone.
      }
    },
  };
}

function readLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const splitter = createLineSplitter(onLine);
  stream.on('data', (chunk: Buffer) => splitter.push(chunk));
  return new Promise((resolve) => {
    stream.once('close', () => {
      splitter.end();
      resolve();
    });
  });
}
