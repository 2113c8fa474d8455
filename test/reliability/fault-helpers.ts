// Shared pieces of the reliability suite: fake Singer scripts, a run's aftermath checks (record, state, processes), limits.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { cliPath, type CliResult, newMarker, processesWithMarker, runCli, sleep, waitFor } from '../helpers/cli.js';

/**
 * A fake Singer tap: `sh files/tap.sh COUNT DELAY` writes SCHEMA, then COUNT RECORDs each followed by a STATE, pausing
 * DELAY seconds between records (0 = as fast as it can). Scripts live in files/, which is rendered as a template, so
 * they avoid the brace sequences of Jinja.
 */
export const TAP_SCRIPT = `#!/bin/sh
count=$1
delay=$2
echo '{"type": "SCHEMA", "stream": "users", "schema": {}, "key_properties": ["id"]}'
i=1
while [ $i -le $count ]; do
  echo "{\\"type\\": \\"RECORD\\", \\"stream\\": \\"users\\", \\"record\\": {\\"id\\": $i}}"
  echo "{\\"type\\": \\"STATE\\", \\"value\\": {\\"bookmarks\\": {\\"users\\": {\\"id\\": $i}}}}"
  [ "$delay" = 0 ] || sleep "$delay"
  i=$((i+1))
done
`;

/** Passes lines through one by one (a middle command that is a real process of its own, not `exec cat`). */
export const RELAY_SCRIPT = `#!/bin/sh
while IFS= read -r line; do printf '%s\\n' "$line"; done
`;

/**
 * A fake Singer target: `sh files/target.sh [CRASH_AFTER]` echoes each STATE value as a bare JSON line, as targets
 * do; with CRASH_AFTER it exits 3 after reading that many lines.
 */
export const TARGET_SCRIPT = `#!/bin/sh
n=0
while IFS= read -r line; do
  n=$((n+1))
  case "$line" in *'"STATE"'*) printf '%s\\n' "$line" | sed 's/.*"value": //; s/}$//' ;; esac
  if [ -n "$1" ] && [ $n -ge "$1" ]; then echo "target crashed after $n lines" >&2; exit 3; fi
done
`;

/** A command that ignores SIGINT and SIGTERM and only SIGKILL ends. */
export const STUBBORN_SCRIPT = `#!/bin/sh
trap '' INT TERM
while true; do sleep 0.1; done
`;

/** A command that cleans up on SIGTERM (0.2 s of work, then a note in artifacts/), as a careful target would. */
export const GRACEFUL_SCRIPT = `#!/bin/sh
trap 'sleep 0.2; echo cleaned up > artifacts/cleanup.txt; exit 0' TERM
while true; do sleep 0.1; done
`;

export const SINGER_FILES = {
  'files/graceful.sh': GRACEFUL_SCRIPT,
  'files/tap.sh': TAP_SCRIPT,
  'files/relay.sh': RELAY_SCRIPT,
  'files/target.sh': TARGET_SCRIPT,
  'files/stubborn.sh': STUBBORN_SCRIPT,
};

/** What artifacts/state.json held before the faulty run: a previous run's bookmark. */
export const PREVIOUS_STATE = '{"bookmarks":{"users":{"id":0}}}\n';

/** Plants a previous run's Singer state in the workspace; the faulty run must leave it byte for byte. */
export function seedState(workspaceDir: string): void {
  fs.mkdirSync(path.join(workspaceDir, 'artifacts'), { recursive: true });
  fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), PREVIOUS_STATE);
}

export function expectStateIntact(workspaceDir: string): void {
  expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), 'utf8')).toBe(PREVIOUS_STATE);
  expect(fs.readdirSync(path.join(workspaceDir, 'artifacts')).filter((f) => f.startsWith('state.json.'))).toEqual([]);
}

export function runRecords(workspaceDir: string): Array<Record<string, any>> {
  const dir = path.join(workspaceDir, 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** The run's record is final: one record, not `running`, with its end, exit code and reason; no temp file beside it. */
export function expectFinalRecord(workspaceDir: string, status: 'failed' | 'interrupted' | 'succeeded'): Record<string, any> {
  const records = runRecords(workspaceDir);
  expect(records).toHaveLength(1);
  const record = records[0];
  expect(record.status).toBe(status);
  expect(record.endedAt).toEqual(expect.any(String));
  expect(record.exitCode).toEqual(expect.any(Number));
  if (status !== 'succeeded') expect(record.reason).toEqual(expect.any(String));
  expect(fs.readdirSync(path.join(workspaceDir, 'runs')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(fs.existsSync(path.join(workspaceDir, '.handoff.lock'))).toBe(false);
  return record;
}

/** No process started by the run is alive. Processes SIGKILLed a moment ago may still be on their way out. */
export async function expectNoProcessesLeft(marker: string): Promise<void> {
  await waitFor(() => processesWithMarker(marker).length === 0, 2000).catch(() => undefined);
  expect(processesWithMarker(marker)).toEqual([]);
}

function argvOf(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Pids of the run's processes whose arguments are exactly `argv` (e.g. `sh files/tap.sh 3000 0.05`). */
export function pidsRunning(marker: string, argv: string[]): number[] {
  const matching = processesWithMarker(marker).filter((pid) => {
    const args = argvOf(pid);
    return args.length >= argv.length && argv.every((a, i) => args[i] === a);
  });
  // A shell script's subshell (a `$(…)`, a pipe) has its parent's command line for a moment: the command is the one
  // whose parent is not also a match (failed in CI: two pids for one `sh files/target.sh`).
  return matching.filter((pid) => !matching.includes(parentOf(pid)));
}

function parentOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** Whether the run has a live process whose command line contains `text`. */
export function hasProcess(marker: string, text: string): boolean {
  return processesWithMarker(marker).some((pid) => argvOf(pid).join(' ').includes(text));
}

export function artifactHasLines(workspaceDir: string, name: string, lines = 1): boolean {
  try {
    return fs.readFileSync(path.join(workspaceDir, 'artifacts', name), 'utf8').split('\n').length > lines;
  } catch {
    return false;
  }
}

export interface RunOptions {
  marker?: string;
  env?: NodeJS.ProcessEnv;
  /** Shell lines run before handoff replaces the shell (`ulimit -n 256`), so the limit applies to handoff itself. */
  limits?: string;
  /** Called once handoff runs; returning a promise lets the test act on the running process (send signals). */
  during?: (child: ChildProcess, marker: string) => Promise<void> | void;
  /** Samples handoff's peak resident memory (VmHWM) while it runs. */
  measureMemory?: boolean;
  timeoutMs?: number;
}

export interface RunOutcome extends CliResult {
  marker: string;
  /** Peak resident memory of the handoff process in KiB, when measured. */
  peakKb: number;
}

/** Runs `handoff <args>` with a marker for the process table, optional resource limits and memory sampling. */
export async function runHandoff(args: string[], options: RunOptions = {}): Promise<RunOutcome> {
  const marker = options.marker ?? newMarker();
  let peakKb = 0;
  let sampler: NodeJS.Timeout | undefined;
  const sample = (pid: number | undefined): void => {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // exited
    }
  };
  let during: Promise<void> | undefined;
  const onSpawn = (child: ChildProcess): void => {
    if (options.measureMemory) sampler = setInterval(() => sample(child.pid), 20);
    if (options.during) during = Promise.resolve(options.during(child, marker));
  };
  const env = { HANDOFF_TEST_MARKER: marker, ...options.env };
  let result: CliResult;
  if (options.limits) {
    result = await runLimited(options.limits, args, env, onSpawn, options.timeoutMs);
  } else {
    result = await runCli(args, { env, onSpawn, timeoutMs: options.timeoutMs });
  }
  if (sampler) clearInterval(sampler);
  await during;
  return { ...result, marker, peakKb };
}

/** Like runCli, but through `sh -c '<limits>; exec node handoff …'`, so the limits bind the handoff process itself. */
function runLimited(limits: string, args: string[], env: NodeJS.ProcessEnv, onSpawn: (child: ChildProcess) => void, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${limits}; exec "$0" "$@"`, process.execPath, cliPath, ...args], {
      env: { ...process.env, HANDOFF_GRACE_SECONDS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    onSpawn(child);
  });
}

/** Every file under `dir`, recursively (paths), skipping nothing. */
export function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else found.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found;
}

/**
 * Mounts a tmpfs of `size` (e.g. `64k`) on `dir` when this machine allows it (root with CAP_SYS_ADMIN); returns the
 * unmount, or undefined when mounting is not possible here.
 */
export function mountTmpfs(dir: string, size: string, readOnly = false): (() => void) | undefined {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return () => {
    // A process that still has a file open there would make a plain umount fail; -l detaches it anyway.
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  };
}

export { sleep, waitFor };
