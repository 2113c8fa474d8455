// spawnCommand driven against the real handoff-launch: a stop that crosses the command's end loses none of its reports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCommand, type CommandSpec } from './spawn-command.js';

/** Blocks this thread (no event loop turn, so no report of the launcher is read meanwhile) for `ms`. */
function hold(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('spawnCommand', () => {
  it('still reads how a command ended when a stop is written to its launcher after the command ended', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-spawn-'));
    const spec: CommandSpec = { name: 'touch', commandLine: 'touch ended', cwd: dir, env: process.env, stdin: 'ignore', stdout: 'ignore', graceMs: 1000, onStderrLine: () => undefined };
    const running = spawnCommand(spec);
    // While handoff reads nothing, the command ends and its launcher reports it all (pid, exit, done). A launcher that
    // then exited made the stop below an EPIPE, and Node.js dropped the socket with the reports unread: the command
    // was recorded as killed by SIGKILL, with no pid.
    const until = Date.now() + 20_000;
    while (!fs.existsSync(path.join(dir, 'ended')) && Date.now() < until) hold(5);
    hold(300);
    running.terminate('timeout');
    const exit = await running.exited;
    expect(exit.pid).toBeGreaterThan(0);
    expect(exit.signal).toBeNull();
    expect(exit.exitCode).toBe(0);
  });
});
