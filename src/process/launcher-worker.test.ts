// LauncherWorker driven against the real handoff-launch --worker: how a stop that comes too late is judged.
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
});
