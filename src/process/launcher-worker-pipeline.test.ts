// A pipeline's launchers under the real handoff-launch --worker: one its worker's death caught early, one that gave up.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { findFreezer } from '../../test/helpers/freeze.js';
import { LauncherWorker } from './launcher-worker.js';
import { readProcessStat } from './process-identity.js';
import type { CommandSpec } from './spawn-command.js';

/** A cgroup freezer (v1, or a v2 one that holds against SIGKILL): a real "stuck in the kernel", or why there is none. */
const freezer = findFreezer();

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
      // 10 s: the window a worker's death can fall in, made wide. Nothing of handoff's is replaced. It logs every exec
      // of what it follows, which tells whether a launcher started its command.
      const log = path.join(dir, 'strace.log');
      tracer = spawn('strace', ['-f', '-qq', '-o', log, '-e', 'trace=setpgid,execve', '-e', 'inject=setpgid:delay_enter=10000000', '-p', String(workerPid)], {
        stdio: 'ignore',
      });
      const traced = new Promise((resolve) => tracer?.once('exit', resolve));
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
      // The launchers go on once strace lets them, handoff (this process) lives on: each must have been told to end.
      const gone = await waitFor(() => processesWith(marker).length === 0, 40_000);
      expect(gone, `left running: ${processesWith(marker).join(' ')}`).toBe(true);
      // strace ends once the last process it follows is gone (it may have already).
      tracer.kill('SIGTERM');
      await traced;
      // Told to end before it began, neither launcher started its command (it would only have been ended at once).
      // Failed before the fix: `execve("/usr/bin/sleep", ["sleep", "3071"] …` and `execve("/usr/bin/cat" …` logged.
      const execs = fs.readFileSync(log, 'utf8').split('\n').filter((line) => /execve\(/.test(line) && !/handoff-launch|\/proc\/self\/exe/.test(line));
      expect(execs).toEqual([]);
    } finally {
      tracer?.kill('SIGKILL');
      killAll(processesWith(marker));
      worker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  /**
   * A command that leaves a job frozen by a cgroup freezer: in the kernel, where even SIGKILL waits until it is thawed,
   * as a process stuck in I/O would. Its launcher tries its ladder, then gives up on it. It holds none of the
   * pipeline's pipes (one it held would keep `cat` from its end for good).
   */
  const leavesStuck = (freezeScript: string, n: number): string =>
    `(trap '' TERM INT; exec sleep ${n}) </dev/null >/dev/null 2>&1 & ${freezeScript}; exit 0`;

  it("a process a pipeline's launcher gave up on is not the next command's leftover, and ends once it can", async (ctx) => {
    const { make, skipReason } = await freezer;
    if (!make) return ctx.skip(skipReason);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pipe-'));
    const cgroup = make();
    const { worker, marker, spec } = runWorker(dir);
    try {
      const running = worker.startPipeline([spec(leavesStuck(cgroup.freezeScript, 3081)), spec('cat')], path.join(dir, 'out'));
      expect(running).toBeDefined();
      const exits = await Promise.all(running!.map((command) => command.exited));
      expect(exits[0].exitCode).toBe(0);
      expect(exits[0].leftBehind?.join('\n')).toMatch(/sleep 3081/);
      // The next command (a `commands:` task's) ends as it would alone: what the pipeline left is not named as its own.
      const next = await worker.start(spec('echo next')).exited;
      expect(next.exitCode).toBe(0);
      expect(next.leftBehind).toBeUndefined();
      // Thawed, it leaves the kernel and meets the SIGKILL it was sent: nothing of the run is left (the worker ends too).
      cgroup.thaw();
      worker.close();
      const gone = await waitFor(() => processesWith(marker).length === 0, 15_000);
      expect(gone, `left running: ${processesWith(marker).join(' ')}`).toBe(true);
    } finally {
      cgroup.thaw();
      killAll(processesWith(marker));
      worker.close();
      await cgroup.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("a command started as the worker that gave up is exiting runs in a new worker, and the old one's end does not settle it", async (ctx) => {
    const { make, skipReason } = await freezer;
    if (!make) return ctx.skip(skipReason);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pipe-'));
    const cgroup = make();
    const { worker, marker, spec } = runWorker(dir);
    try {
      const running = worker.startPipeline([spec(leavesStuck(cgroup.freezeScript, 3084)), spec('cat')], path.join(dir, 'out'));
      expect(running).toBeDefined();
      // The worker that said `stopping` exits now. Its control socket is read closed (`destroyed`) some turns before
      // LauncherWorker handles its close: a start in between is what this test makes sure of, by starting the next
      // command from a 'close' listener run before LauncherWorker's own (the socket is private: read, not replaced).
      const old = (worker as unknown as { control: net.Socket }).control;
      await Promise.all(running!.map((command) => command.exited));
      expect((old as net.Socket & { closed: boolean }).closed).toBe(false);
      const next = new Promise<Awaited<ReturnType<typeof worker.start>['exited']>>((resolve) => {
        old.prependOnceListener('close', () => {
          expect(old.destroyed).toBe(true);
          void worker.start(spec('echo next')).exited.then(resolve);
        });
      });
      // Failed before the fix: the old worker's end settled it as the command it had been running (signal SIGKILL).
      const exit = await next;
      expect(exit.signal).toBeNull();
      expect(exit.exitCode).toBe(0);
    } finally {
      cgroup.thaw();
      killAll(processesWith(marker));
      worker.close();
      await cgroup.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('a `run` whose launcher gave up: the next command, sent early or at once, runs in a new worker, not killed unrun', async (ctx) => {
    const { make, skipReason } = await freezer;
    if (!make) return ctx.skip(skipReason);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pipe-'));
    const cgroup = make();
    const { worker, marker, spec } = runWorker(dir);
    try {
      // A plain `run`: the worker itself is its launcher, and gives up on the frozen job.
      const first = await worker.start(spec(leavesStuck(cgroup.freezeScript, 3085))).exited;
      expect(first.leftBehind?.join('\n')).toMatch(/sleep 3085/);
      // Sent the moment the `done` is read, before the worker's exit is seen. Failed before the fix: sent to the worker
      // that stops, never read, and settled as killed by its end (signal SIGKILL) without having run.
      const next = await worker.start(spec('echo next')).exited;
      expect(next.signal).toBeNull();
      expect(next.exitCode).toBe(0);

      // A foreach's next line sent early and taken over: the worker that gives up skips it, and it is sent again, to a
      // new worker. Failed before the fix (with the worker's `stopping` but not the resend through ensureStarted):
      // resent to the worker that stops, and settled as killed.
      const stuck = worker.start(spec(leavesStuck(cgroup.freezeScript, 3086)));
      const early = worker.startEarly(spec('echo early'));
      expect(early).toBeDefined();
      const taken = worker.start(spec('echo early'));
      expect((await stuck.exited).leftBehind?.join('\n')).toMatch(/sleep 3086/);
      const exit = await taken.exited;
      expect(exit.signal).toBeNull();
      expect(exit.exitCode).toBe(0);
    } finally {
      cgroup.thaw();
      killAll(processesWith(marker));
      worker.close();
      await cgroup.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
