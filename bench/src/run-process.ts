// Runs one process to its end and times it with the monotonic clock; the same harness runs handoff and the baselines.
import { spawn } from 'node:child_process';

export interface ProcessRun {
  wallMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number | undefined;
}

export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Collect stdout (otherwise it goes to /dev/null, so a chatty process costs the harness nothing). */
  captureStdout?: boolean;
  /** Collect stderr (otherwise /dev/null). */
  captureStderr?: boolean;
  timeoutMs?: number;
}

/**
 * A CA bundle named by NODE_EXTRA_CA_CERTS is read and parsed by every Node.js process as it starts, before any of
 * its code runs: with a system bundle of 144 certificates, `node -e 0` takes 112 ms instead of 70 and 40.4 MB of peak
 * RSS instead of 38.6 here. Some machines set it for a proxy of their own; no benchmark makes a TLS connection, so
 * measured processes run without it, handoff and `node -e 0` alike, and the start-up benchmark shows its cost.
 */
export const EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS || undefined;

/**
 * Everything runs in the C locale so tools print numbers the same way (dd's "copied, 1.5 s"), and without
 * NODE_EXTRA_CA_CERTS (see EXTRA_CA_CERTS).
 */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', ...extra };
  if (!('NODE_EXTRA_CA_CERTS' in extra)) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export function runProcess(file: string, args: string[], options: RunProcessOptions = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? benchEnv(),
      stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', options.captureStderr ? 'pipe' : 'ignore'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      resolve({ wallMs, code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), pid: child.pid });
    });
  });
}

/** Runs a process and insists it succeeded: a benchmark of a failing run would measure nothing. */
export async function runProcessOk(what: string, file: string, args: string[], options: RunProcessOptions = {}): Promise<ProcessRun> {
  const result = await runProcess(file, args, { captureStderr: true, ...options });
  if (result.code !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${what} failed (exit ${result.code ?? result.signal}):\n${tail}`);
  }
  return result;
}
