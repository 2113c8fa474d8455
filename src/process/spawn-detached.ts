// Starts a program that must outlive handoff (a run started from the web UI, a browser): own process group, not tracked.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export interface DetachedSpec {
  /** Executable path or a name looked up on PATH. */
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended to this file (they must not be pipes to us: the program outlives this process). */
  outputFile?: string;
}

export interface DetachedExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  startError?: string;
}

export interface DetachedProcess {
  readonly pid?: number;
  /** Settles when the program ends, if this process is still there to see it. */
  readonly exited: Promise<DetachedExit>;
}

/**
 * Unlike spawnCommand, the program is deliberately left out of the process registry: handoff ending (Ctrl-C on
 * `handoff ui`) must not end it, and a signal sent to our terminal's process group does not reach its own group.
 */
export function spawnDetached(spec: DetachedSpec): DetachedProcess {
  let outputFd: number | 'ignore' = 'ignore';
  if (spec.outputFile !== undefined) outputFd = fs.openSync(spec.outputFile, 'a', 0o600);
  try {
    const child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', outputFd, outputFd], detached: true });
    const exited = new Promise<DetachedExit>((resolve) => {
      child.once('error', (error) => resolve({ exitCode: null, signal: null, startError: error.message }));
      child.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
    });
    // Our event loop must not wait for it: `handoff ui` stops when asked, whatever runs it started.
    child.unref();
    return { pid: child.pid, exited };
  } catch (error) {
    return { exited: Promise.resolve({ exitCode: null, signal: null, startError: (error as Error).message }) };
  } finally {
    // The child has its own copy of the descriptor.
    if (typeof outputFd === 'number') fs.closeSync(outputFd);
  }
}

/** Runs this handoff again (same Node, same entry script) as a detached program, e.g. `run local` for the web UI. */
export function spawnDetachedHandoff(entryScript: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; outputFile?: string }): DetachedProcess {
  return spawnDetached({ file: process.execPath, args: [entryScript, ...args], ...options });
}
