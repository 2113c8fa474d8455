// handoff-launch --worker's logs on a rerun, driven by raw `run` requests: the old logs are replaced (emptied in place
// only when nothing holds them), never appended to, and a file that is not a plain log of this run's owner is left alone.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findLauncher } from './launcher-path.js';

interface Line {
  out: string;
  err: string;
  /** /bin/sh -c's script. */
  script: string;
}

/** Runs `lines` in turn on one real worker, sent up front as a foreach's are; resolves with the worker's reports. */
function runOnWorker(dir: string, lines: Line[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(findLauncher(), ['--worker', '--control=3'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
    const control = child.stdio[3] as Readable & Writable;
    const reports: string[] = [];
    let pending = Buffer.alloc(0);
    let done = 0;
    control.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const nl = pending.indexOf(10);
        if (nl < 0) break;
        const line = pending.subarray(0, nl).toString();
        const [word, , size] = line.split(' ');
        const skip = word === 'err' ? Number(size) : 0;
        if (pending.length < nl + 1 + skip) break;
        reports.push(line);
        pending = pending.subarray(nl + 1 + skip);
        if (word === 'done' && ++done === lines.length) control.end();
      }
    });
    child.once('error', reject);
    child.once('exit', () => resolve(reports));
    control.write(
      Buffer.concat(
        lines.map((l, i) => {
          const payload = Buffer.from([l.out, l.err, '/bin/sh', '-c', l.script].map((f) => `${f}\0`).join(''));
          return Buffer.concat([Buffer.from(`run ${i + 1} oe 3 0 ${payload.length}\n`), payload]);
        }),
      ),
    );
  });
}

function freshDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-launch-logs-'));
}

describe('handoff-launch --worker, a rerun\'s logs', () => {
  it('empties a rerun\'s old logs that nothing holds in place (same file), with the new output only', async () => {
    const dir = freshDir();
    const out = path.join(dir, 'a_1_stdout.log');
    const err = path.join(dir, 'a_1_stderr.log');
    const line = (script: string) => [{ out, err, script }];
    await runOnWorker(dir, line('echo first run, a longer line than the next one'));
    fs.writeFileSync(err, 'stderr of the first run\n');
    const before = [fs.statSync(out).ino, fs.statSync(err).ino];
    // Two lines in turn: the second's logs are prepared while the first runs, as a foreach's next line's are.
    await runOnWorker(dir, [{ out: path.join(dir, 'a_0_stdout.log'), err: path.join(dir, 'a_0_stderr.log'), script: 'sleep 0.2' }, ...line('echo second')]);
    expect(fs.readFileSync(out, 'utf8')).toBe('second\n');
    expect(fs.readFileSync(err, 'utf8')).toBe('');
    // Emptied in place: no file freed and another made (the kernel CPU a foreach rerun paid per log, see handoff-launch.c).
    expect([fs.statSync(out).ino, fs.statSync(err).ino]).toEqual(before);
    expect(fs.statSync(out).mode & 0o7777).toBe(0o644 & ~process.umask());
  });

  it('gives a new file to a log a process still holds open, which keeps writing to the old one only', async () => {
    const dir = freshDir();
    const out = path.join(dir, 'a_1_stdout.log');
    const err = path.join(dir, 'a_1_stderr.log');
    await runOnWorker(dir, [{ out, err, script: 'echo first' }]);
    // As a process left by an earlier, killed run would: the old stdout log open for writing, the stderr log for reading.
    const writer = fs.openSync(out, 'a');
    fs.writeFileSync(err, 'old stderr\n');
    const reader = fs.openSync(err, 'r');
    try {
      const before = [fs.statSync(out).ino, fs.statSync(err).ino];
      await runOnWorker(dir, [{ out, err, script: 'echo second' }]);
      fs.writeSync(writer, 'written late by the old holder\n');
      expect(fs.readFileSync(out, 'utf8')).toBe('second\n');
      expect(fs.readFileSync(err, 'utf8')).toBe('');
      expect(fs.statSync(out).ino).not.toBe(before[0]);
      expect(fs.statSync(err).ino).not.toBe(before[1]);
      // The reader still has what it opened.
      expect(fs.readFileSync(reader, 'utf8')).toBe('old stderr\n');
    } finally {
      fs.closeSync(writer);
      fs.closeSync(reader);
    }
  });

  it('replaces a symlink, a second name of a file and a log of another mode by a new file, leaving the other files alone', async () => {
    const dir = freshDir();
    const target = path.join(dir, 'target.txt');
    const other = path.join(dir, 'other-name.txt');
    fs.writeFileSync(target, 'target\n');
    const out = path.join(dir, 'a_1_stdout.log');
    const err = path.join(dir, 'a_1_stderr.log');
    const err2 = path.join(dir, 'a_2_stderr.log');
    fs.symlinkSync(target, out);
    fs.writeFileSync(err, 'shared\n');
    fs.linkSync(err, other);
    fs.writeFileSync(err2, 'private\n', { mode: 0o600 });
    fs.chmodSync(err2, 0o600);
    await runOnWorker(dir, [
      { out, err, script: 'echo new' },
      { out: path.join(dir, 'a_2_stdout.log'), err: err2, script: 'true' },
    ]);
    expect(fs.lstatSync(out).isFile()).toBe(true);
    expect(fs.readFileSync(out, 'utf8')).toBe('new\n');
    expect(fs.readFileSync(target, 'utf8')).toBe('target\n');
    expect(fs.readFileSync(err, 'utf8')).toBe('');
    expect(fs.readFileSync(other, 'utf8')).toBe('shared\n');
    expect(fs.statSync(err).nlink).toBe(1);
    expect(fs.readFileSync(err2, 'utf8')).toBe('');
    expect(fs.statSync(err2).mode & 0o7777).toBe(0o644 & ~process.umask());
  });

  it('leaves a FIFO at a log\'s path unopened and replaces it by a file', async () => {
    const dir = freshDir();
    const err = path.join(dir, 'a_1_stderr.log');
    const made = spawn('mkfifo', [err], { stdio: 'inherit' });
    await new Promise((resolve) => made.once('exit', resolve));
    expect(fs.lstatSync(err).isFIFO()).toBe(true);
    const reports = await runOnWorker(dir, [{ out: path.join(dir, 'a_1_stdout.log'), err, script: 'echo ok' }]);
    expect(reports.some((r) => r.startsWith('exit 1 0 '))).toBe(true);
    expect(fs.lstatSync(err).isFile()).toBe(true);
  });

  it('gives each command every signal at its default, SIGIO too (which the worker ignores for its lease)', async () => {
    const dir = freshDir();
    const out = path.join(dir, 'a_1_stdout.log');
    await runOnWorker(dir, [{ out, err: path.join(dir, 'a_1_stderr.log'), script: 'exec grep SigIgn /proc/self/status' }]);
    expect(fs.readFileSync(out, 'utf8')).toBe('SigIgn:\t0000000000000000\n');
  });
});
