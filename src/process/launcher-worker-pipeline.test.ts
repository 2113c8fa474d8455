// A pipeline's launchers under the real handoff-launch --worker: one its worker's death caught early, one that gave up.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LauncherWorker } from './launcher-worker.js';
import { readProcessStat } from './process-identity.js';
import type { CommandSpec } from './spawn-command.js';

const FREEZER = '/sys/fs/cgroup/freezer';

/** Whether this machine lets the test freeze a process (cgroup v1 freezer, writable): a real "stuck in the kernel". */
function canFreeze(): boolean {
  const probe = path.join(FREEZER, `handoff-probe-${process.pid}`);
  try {
    fs.mkdirSync(probe);
    fs.rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

/** Whether strace can attach here (installed, ptrace allowed). */
function canTrace(): boolean {
  return spawnSync('strace', ['-qq', '-o', '/dev/null', 'true']).status === 0;
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Live processes whose environment holds `entry` (the run's marker) as a whole entry. */
function processesWith(entry: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!fs.readFileSync(`/proc/${name}/environ`).toString('utf8').split('\0').includes(entry)) continue;
      if (readProcessStat(Number(name))?.state !== 'Z') found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function tracerOf(pid: number): number {
  try {
    return Number(/^TracerPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** A run's worker: its commands carry the run's marker (HANDOFF_RUN_ID), as a run's do. */
function runWorker(dir: string): { worker: LauncherWorker; marker: string; spec: (line: string) => CommandSpec } {
  const id = randomUUID();
  const env = { ...process.env, HANDOFF_RUN_ID: id };
  const worker = new LauncherWorker({ cwd: dir, env, graceMs: 500, environmentMarker: `HANDOFF_RUN_ID=${id}` });
  const spec = (commandLine: string): CommandSpec => ({
    name: 'sh',
    commandLine,
    cwd: dir,
    env,
    stdin: 'ignore',
    stdout: 'ignore',
    graceMs: 500,
    onStderrLine: () => undefined,
  });
  return { worker, marker: `HANDOFF_RUN_ID=${id}`, spec };
}

describe("a pipeline's launchers in the run's worker", () => {
  it.skipIf(!canTrace())("a launcher the worker's death catches before it leads its own group is ended, not left to run until handoff exits", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pipe-'));
    const { worker, marker, spec } = runWorker(dir);
    let tracer: ChildProcess | undefined;
    try {
      let workerPid = 0;
      const first = spec('true');
      first.onStarted = (started) => (workerPid = started.launcherPid ?? 0);
      expect((await worker.start(first).exited).exitCode).toBe(0);
      expect(workerPid).toBeGreaterThan(0);
      // strace holds each launcher the worker starts from now on at its setpgid (it leaves the worker's group there) for
      // a minute: the window a worker's death can fall in, made wide. Nothing of handoff's is replaced.
      tracer = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=setpgid', '-e', 'inject=setpgid:delay_enter=60000000', '-p', String(workerPid)], {
        stdio: 'ignore',
      });
      expect(await waitFor(() => tracerOf(workerPid) === tracer?.pid, 20_000)).toBe(true);
      const running = worker.startPipeline([spec('sleep 3071'), spec('cat')], path.join(dir, 'out'));
      expect(running).toBeDefined();
      const held = (): boolean => {
        const launchers = childrenOf(workerPid).map((pid) => readProcessStat(pid));
        return launchers.length === 2 && launchers.every((p) => p !== undefined && p.pgrp !== p.pid && p.state === 't');
      };
      expect(await waitFor(held, 20_000)).toBe(true);
      process.kill(workerPid, 'SIGKILL');
      for (const command of running!) await command.exited;
      // The launchers go on (strace lets them), handoff (this process) lives on: each must have been told to end.
      tracer.kill('SIGTERM');
      await new Promise((resolve) => tracer?.once('exit', resolve));
      const gone = await waitFor(() => processesWith(marker).length === 0, 15_000);
      expect(gone, `left running: ${processesWith(marker).join(' ')}`).toBe(true);
    } finally {
      tracer?.kill('SIGKILL');
      killAll(processesWith(marker));
      worker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it.skipIf(!canFreeze())("a process a pipeline's launcher gave up on is not the next command's leftover, and ends once it can", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pipe-'));
    const cgroup = path.join(FREEZER, `handoff-test-${process.pid}-${Date.now()}`);
    fs.mkdirSync(cgroup);
    const { worker, marker, spec } = runWorker(dir);
    try {
      // The command leaves a job frozen by the cgroup freezer: in the kernel (state D), where even SIGKILL waits until it
      // is thawed, as a process stuck in I/O would. Its launcher tries its ladder, then gives up on it. It holds none of
      // the pipeline's pipes (one it held would keep `cat` from its end for good).
      const stuck = spec(
        `(trap '' TERM INT; exec sleep 3081) </dev/null >/dev/null 2>&1 & echo $! > ${cgroup}/cgroup.procs && echo FROZEN > ${cgroup}/freezer.state && ` +
          `until grep -q FROZEN ${cgroup}/freezer.state; do sleep 0.05; done; exit 0`,
      );
      const running = worker.startPipeline([stuck, spec('cat')], path.join(dir, 'out'));
      expect(running).toBeDefined();
      const exits = await Promise.all(running!.map((command) => command.exited));
      expect(exits[0].exitCode).toBe(0);
      expect(exits[0].leftBehind?.join('\n')).toMatch(/sleep 3081/);
      // The next command (a `commands:` task's) ends as it would alone: what the pipeline left is not named as its own.
      const next = await worker.start(spec('echo next')).exited;
      expect(next.exitCode).toBe(0);
      expect(next.leftBehind).toBeUndefined();
      // Thawed, it leaves the kernel and meets the SIGKILL it was sent: nothing of the run is left (the worker ends too).
      fs.writeFileSync(path.join(cgroup, 'freezer.state'), 'THAWED');
      worker.close();
      const gone = await waitFor(() => processesWith(marker).length === 0, 15_000);
      expect(gone, `left running: ${processesWith(marker).join(' ')}`).toBe(true);
    } finally {
      try {
        fs.writeFileSync(path.join(cgroup, 'freezer.state'), 'THAWED');
      } catch {
        // removed already
      }
      killAll(processesWith(marker));
      worker.close();
      await waitFor(() => fs.readFileSync(path.join(cgroup, 'cgroup.procs'), 'utf8').trim() === '', 10_000);
      fs.rmdirSync(cgroup);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
