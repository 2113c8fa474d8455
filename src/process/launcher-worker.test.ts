// LauncherWorker driven against the real handoff-launch --worker: how a stop that comes too late is judged, and a batch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LauncherWorker } from './launcher-worker.js';
import type { CommandSpec } from './spawn-command.js';

function specIn(dir: string, commandLine: string): CommandSpec {
  return { name: 'sh', commandLine, cwd: dir, env: process.env, stdin: 'ignore', stdout: 'ignore', graceMs: 1000, onStderrLine: () => undefined };
}

/** Blocks this thread (no event loop turn, so no report of the worker is read meanwhile) until `file` exists. */
function holdUntilExists(file: string): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 20_000;
  while (!fs.existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} never appeared`);
    Atomics.wait(cell, 0, 0, 5);
  }
}

describe('LauncherWorker', () => {
  it('judges a command by its own end when a stop reaches the worker after the command ended well', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-worker-'));
    const worker = new LauncherWorker({ cwd: dir, env: process.env, graceMs: 1000 });
    try {
      const first = worker.start(specIn(dir, 'exit 0'));
      // The next command is sent ahead, as a foreach's next line is: the worker starts it once the first ended well.
      const nextSpec = specIn(dir, 'touch next-started');
      expect(worker.startEarly(nextSpec)).toBeDefined();
      // While handoff reads none of the worker's reports, the first command ends and the worker starts the next one;
      // only then does handoff's timer for the first fire (a timeout that comes as the command exits of itself).
      holdUntilExists(path.join(dir, 'next-started'));
      first.terminate('timeout');
      const exit = await first.exited;
      // Judged as the worker judged it: it ended well (else the line sent ahead would have run after a failed one).
      expect(exit.exitCode).toBe(0);
      expect(exit.terminatedBy).toBeUndefined();
      expect(worker.hasStartedEarly()).toBe(true);
      const next = await worker.start(nextSpec).exited;
      expect(next.exitCode).toBe(0);
    } finally {
      worker.close();
    }
  });

  it('counts a stop that reaches a command while it runs, and then runs nothing sent ahead', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-worker-'));
    const worker = new LauncherWorker({ cwd: dir, env: process.env, graceMs: 1000 });
    try {
      const first = worker.start(specIn(dir, 'touch first-started; exec sleep 30'));
      const nextSpec = specIn(dir, 'touch next-started');
      expect(worker.startEarly(nextSpec)).toBeDefined();
      holdUntilExists(path.join(dir, 'first-started'));
      first.terminate('timeout');
      const exit = await first.exited;
      expect(exit.terminatedBy).toBe('timeout');
      expect(exit.signal).toBe('SIGINT');
      expect(await worker.settleEarly()).toBe(false);
      expect(fs.existsSync(path.join(dir, 'next-started'))).toBe(false);
    } finally {
      worker.close();
    }
  });

  it('runs a queue without waiting for handoff, each command leading its own group, and tells each one in turn once taken', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-worker-'));
    const worker = new LauncherWorker({ cwd: dir, env: process.env, graceMs: 1000 });
    try {
      const lines = 20;
      const told: string[] = [];
      const queued = Array.from({ length: lines }, (_, k) => {
        // Each line writes the shell's pid and its process group (field 5 of /proc/PID/stat) and a line of stderr.
        const spec = specIn(dir, `echo $$ $(cut -d' ' -f5 /proc/$$/stat) > line-${k}; echo err-${k} >&2`);
        spec.onStarted = () => told.push(`start-${k}`);
        spec.onStderrLine = (text) => told.push(text);
        return worker.queue(spec, true);
      });
      const failing = worker.queue(specIn(dir, 'exit 3'), true);
      const after = worker.queue(specIn(dir, 'touch never'), true);
      // Queued requests go out in one write at the end of the turn (setImmediate); from then on no event loop turn (so
      // no report read, no answer from handoff) until the last line has run.
      await new Promise((resolve) => setImmediate(resolve));
      holdUntilExists(path.join(dir, `line-${lines - 1}`));
      // Nothing is told of a line before it is taken.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(told).toEqual([]);
      for (let k = 0; k < lines; k++) {
        const exit = await queued[k]!.take().exited;
        expect(exit).toMatchObject({ exitCode: 0, signal: null });
        expect(exit.skipped).toBeUndefined();
        const [pid, group] = fs.readFileSync(path.join(dir, `line-${k}`), 'utf8').trim().split(' ');
        expect(group).toBe(pid);
        expect(exit.pid).toBe(Number(pid));
        // The worker's own times: each line started after the one before it ended.
        expect(exit.startedAt.getTime()).toBeLessThanOrEqual(exit.endedAt.getTime());
        expect(told.slice(-2)).toEqual([`start-${k}`, `err-${k}`]);
      }
      expect(await failing!.take().exited).toMatchObject({ exitCode: 3 });
      expect(await after!.take().exited).toMatchObject({ skipped: true, pid: undefined });
      expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
    } finally {
      worker.close();
    }
  });

  it("tells a queued command's start while it runs, not only with its end", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-worker-'));
    const worker = new LauncherWorker({ cwd: dir, env: process.env, graceMs: 1000 });
    try {
      const spec = specIn(dir, 'echo $$ > started; exec sleep 30');
      const started = new Promise<number>((resolve) => {
        spec.onStarted = (s) => resolve(s.pid);
      });
      const queued = worker.queue(spec, false);
      // One waiting behind it, as in a foreach's batch.
      const behind = worker.queue(specIn(dir, 'touch behind'), false);
      const running = queued!.take();
      // Told while it still runs (it would run 30 s): a worker that held a queued command's pid for its end (to save handoff
      // a wake-up per line, measured and not kept: docs/benchmarks.md) must still send it while the command runs.
      const pid = await started;
      // The pid is told when the command starts; its shell writes `started` a moment later.
      const startedFile = path.join(dir, 'started');
      for (let i = 0; i < 500 && !fs.readFileSync(startedFile, { flag: 'a+', encoding: 'utf8' }).endsWith('\n'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(pid).toBe(Number(fs.readFileSync(startedFile, 'utf8').trim()));
      expect(running.pid).toBe(pid);
      running.terminate('interrupted');
      behind!.terminate('interrupted');
      expect(await running.exited).toMatchObject({ terminatedBy: 'interrupted', signal: 'SIGTERM', pid });
      expect(await behind!.take().exited).toMatchObject({ skipped: true });
    } finally {
      worker.close();
    }
  });

  it('ends the running command of a queue on a stop, and skips the ones waiting behind it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-worker-'));
    const worker = new LauncherWorker({ cwd: dir, env: process.env, graceMs: 1000 });
    try {
      const first = worker.queue(specIn(dir, 'touch first-started; exec sleep 30'), false);
      const rest = Array.from({ length: 5 }, (_, k) => worker.queue(specIn(dir, `touch rest-${k}`), false));
      await new Promise((resolve) => setImmediate(resolve));
      holdUntilExists(path.join(dir, 'first-started'));
      for (const q of [first, ...rest]) q!.terminate('interrupted');
      expect(await first!.take().exited).toMatchObject({ terminatedBy: 'interrupted', signal: 'SIGTERM' });
      for (const q of rest) expect(await q!.take().exited).toMatchObject({ skipped: true, pid: undefined });
      for (let k = 0; k < 5; k++) expect(fs.existsSync(path.join(dir, `rest-${k}`))).toBe(false);
    } finally {
      worker.close();
    }
  });
});
