// handoff-launch --worker's logs on a rerun (raw `run` requests): replaced, emptied in place only when nothing else is touched.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { findLauncher } from './launcher-path.js';

interface Line {
  out: string;
  err: string;
  /** /bin/sh -c's script. */
  script: string;
}

/**
 * Runs `lines` in turn on one real worker, sent up front as a foreach's are; resolves with the worker's reports.
 * `command` starts the worker some other way (its last words are the launcher's), e.g. in a mount namespace of its own.
 */
function runOnWorker(dir: string, lines: Line[], command = [findLauncher(), '--worker', '--control=3']): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { cwd: dir, stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
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

const made: string[] = [];
function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-launch-logs-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

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
  it('leaves a file bind-mounted over a log alone and tells why it could not be replaced (EBUSY, not EEXIST)', async (ctx) => {
    const dir = freshDir();
    const precious = [path.join(dir, 'precious-out.txt'), path.join(dir, 'precious-err.txt')];
    const out = path.join(dir, 'a_1_stdout.log');
    const err = path.join(dir, 'a_2_stderr.log');
    for (const file of [...precious, out, err]) fs.writeFileSync(file, 'precious\n');
    // In a mount namespace of the worker's own, so no mount outlives it or is seen by anything else.
    const inNamespace = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c'];
    const probe = spawnSync(inNamespace[0], [...inNamespace.slice(1), 'mount --bind "$1" "$2"', 'sh', precious[0], out], { encoding: 'utf8' });
    if (probe.status !== 0) return ctx.skip(`a bind mount is not permitted here: ${(probe.stderr || String(probe.error)).trim()}`);
    const script = 'mount --bind "$1" "$2" && mount --bind "$3" "$4" && exec "$5" --worker --control=3';
    const reports = await runOnWorker(
      dir,
      [
        { out, err: path.join(dir, 'a_1_stderr.log'), script: 'echo new' },
        { out: path.join(dir, 'a_2_stdout.log'), err, script: 'echo new >&2' },
      ],
      [...inNamespace, script, 'sh', precious[0], out, precious[1], err, findLauncher()],
    );
    expect(reports.find((r) => r.startsWith('start-error 1 '))).toMatch(/Device or resource busy/);
    expect(reports).toContain('log-error 2 EBUSY');
    expect(precious.map((file) => fs.readFileSync(file, 'utf8'))).toEqual(['precious\n', 'precious\n']);
  });

  it('gives a new file to a log with an extended attribute (an ACL could let another user read it)', async (ctx) => {
    const dir = freshDir();
    const out = path.join(dir, 'a_1_stdout.log');
    const err = path.join(dir, 'a_1_stderr.log');
    await runOnWorker(dir, [{ out, err, script: 'echo first' }]);
    const set = spawnSync('python3', ['-c', 'import os, sys; os.setxattr(sys.argv[1], "user.handoff-test", b"1")', err], { encoding: 'utf8' });
    if (set.status !== 0) return ctx.skip(`cannot set a user.* extended attribute here: ${(set.stderr || String(set.error)).trim()}`);
    const before = [fs.statSync(out).ino];
    await runOnWorker(dir, [{ out, err, script: 'echo second' }]);
    // The stdout log, without one, is still emptied in place; the stderr log is a new file, without the attribute (its
    // inode number may be the one just freed: ext4 may hand it out again at once).
    expect(fs.statSync(out).ino).toBe(before[0]);
    expect(fs.readFileSync(err, 'utf8')).toBe('');
    const listed = spawnSync('python3', ['-c', 'import os, sys; print(os.listxattr(sys.argv[1]))', err], { encoding: 'utf8' });
    expect(listed.stdout.trim()).toBe('[]');
  });

  it('keeps running while another process keeps opening the logs it empties in place (its lease broken: SIGIO)', async () => {
    const dir = freshDir();
    const out = path.join(dir, 'a_1_stdout.log');
    const err = path.join(dir, 'a_1_stderr.log');
    await runOnWorker(dir, [{ out, err, script: 'true' }]);
    // A reader opening both logs over and over, as `tail -F` or an editor might while a rerun goes on (a missing file,
    // between an unlink and its new file, does not end the loop: `true`, not the special builtin `:`).
    const reader = spawn('sh', ['-c', 'while :; do true <"$1"; true <"$2"; done 2>/dev/null', 'sh', out, err], { stdio: 'ignore', detached: true });
    try {
      const lines = Array.from({ length: 300 }, () => ({ out, err, script: 'true' }));
      const reports = await runOnWorker(dir, lines);
      expect(reports.filter((r) => r.startsWith('done ')).length).toBe(300);
    } finally {
      process.kill(-reader.pid!, 'SIGKILL');
    }
  });
  it('gives a new file to a log on overlayfs, whose lease misses a writer holding it through the upper folder', async (ctx) => {
    const dir = freshDir();
    for (const sub of ['lower', 'upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, sub));
    // Each run mounts the same overlay in a mount namespace of the worker's own (gone with it).
    const inNamespace = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c'];
    const mount = 'mount -t overlay overlay -o "lowerdir=$1/lower,upperdir=$1/upper,workdir=$1/work" "$1/merged"';
    const probe = spawnSync(inNamespace[0], [...inNamespace.slice(1), mount, 'sh', dir], { encoding: 'utf8' });
    if (probe.status !== 0) return ctx.skip(`an overlayfs mount is not permitted here: ${(probe.stderr || String(probe.error)).trim()}`);
    const inOverlay = [...inNamespace, `${mount} && exec "$2" --worker --control=3`, 'sh', dir, findLauncher()];
    const out = path.join(dir, 'merged', 'a_1_stdout.log');
    const line = { out, err: path.join(dir, 'merged', 'a_1_stderr.log'), script: 'echo first' };
    await runOnWorker(dir, [line], inOverlay);
    // A process an earlier, killed run left, writing to the log through the upper folder (another file to the lease).
    const upper = path.join(dir, 'upper', 'a_1_stdout.log');
    const writer = fs.openSync(upper, 'a');
    try {
      await runOnWorker(dir, [{ ...line, script: 'echo second' }], inOverlay);
      fs.writeSync(writer, 'written late by the old holder\n');
      expect(fs.readFileSync(upper, 'utf8')).toBe('second\n');
    } finally {
      fs.closeSync(writer);
    }
  });
});
