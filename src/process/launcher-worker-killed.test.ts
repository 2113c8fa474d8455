// A foreach worker killed by its own command while the end of the command before may still be on its way: how that one ended is known.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LauncherWorker } from './launcher-worker.js';
import type { CommandSpec } from './spawn-command.js';

// The worker runs under strace, which holds each of its poll calls for 100 ms before it runs. A worker that sent its
// reports only when it next waits (a poll) would be killed by a command that kills it at once (kill -9 $PPID) before
// the reports of the command before it are out, every time (without the delay, in a window of a few µs); the worker
// sends them before it starts a command (or a state file must say how that one ended: docs/benchmarks.md). strace only
// slows the real worker down; nothing of handoff's is replaced. Set before the first command: the launcher's path is
// found once per process.
const built = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'handoff-launch');
const wrapperDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-slow-launcher-'));
const wrapper = path.join(wrapperDir, 'handoff-launch');
fs.writeFileSync(wrapper, `#!/bin/sh\nexec strace -o /dev/null -e trace=poll -e inject=poll:delay_enter=100000 ${built} "$@"\n`, { mode: 0o755 });
process.env.HANDOFF_LAUNCHER = wrapper;

afterAll(() => fs.rmSync(wrapperDir, { recursive: true, force: true }));

function specIn(dir: string, commandLine: string): CommandSpec {
  return { name: 'sh', commandLine, cwd: dir, env: process.env, stdin: 'ignore', stdout: 'ignore', graceMs: 1000, onStderrLine: () => undefined };
}

describe('LauncherWorker, a worker killed by its command', () => {
  it('tells how the command before ended, runs the killing one once and never the ones after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-worker-'));
    const worker = new LauncherWorker({ cwd: dir, env: process.env, graceMs: 1000 });
    try {
      // Still running when the worker first waits after starting it (its `pid` goes out then); it ends while the worker
      // sleeps, and the worker starts the next command at once.
      const failed = worker.queue(specIn(dir, 'sleep 0.5; exit 3'), false);
      const killer = worker.queue(specIn(dir, 'echo ran >> killer-ran; kill -9 $PPID'), false);
      const after = worker.queue(specIn(dir, 'touch never'), false);
      const exit = await failed!.take().exited;
      expect(exit).toMatchObject({ exitCode: 3, signal: null });
      expect(exit.pid).toBeGreaterThan(0);
      expect(exit.skipped).toBeUndefined();
      expect(exit.startedAt.getTime()).toBeLessThanOrEqual(exit.endedAt.getTime());
      // It ran (it may have, for all handoff knows): failed as the worker's death, and not to be run again.
      expect(await killer!.take().exited).toMatchObject({ exitCode: null, signal: 'SIGKILL', startError: undefined });
      expect(fs.readFileSync(path.join(dir, 'killer-ran'), 'utf8')).toBe('ran\n');
      expect(await after!.take().exited).toMatchObject({ skipped: true, pid: undefined });
      expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
    } finally {
      worker.close();
    }
  });
});
