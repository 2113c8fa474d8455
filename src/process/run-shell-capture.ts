// Runs one short shell command line and captures its stdout (e.g. expanding `$(date …)` in __VARS at run time).
import { spawn } from 'node:child_process';
import { killProcessGroup } from './kill-process-group.js';
import { registerProcessGroup, unregisterProcessGroup } from './process-registry.js';

export interface ShellCapture {
  /** Exit code, or null when a signal ended it (then `signal` says which). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * `/bin/sh -c <commandLine>` in its own process group, stdin closed. On timeout the whole group gets SIGKILL: this is
 * for quick expansions, not for tasks (those go through spawnCommand with its grace periods).
 */
export function runShellCapture(commandLine: string, options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ShellCapture> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', commandLine], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) registerProcessGroup(pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            if (pid !== undefined) killProcessGroup(pid, 'SIGKILL');
          }, options.timeoutMs)
        : undefined;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (error) => {
      if (timer) clearTimeout(timer);
      if (pid !== undefined) unregisterProcessGroup(pid);
      reject(new Error(`start /bin/sh for: ${commandLine}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (pid !== undefined) {
        // Anything the shell left running in its group goes with it.
        killProcessGroup(pid, 'SIGKILL');
        unregisterProcessGroup(pid);
      }
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}
