// Atomic writes: the temp file never stays after a failed write, and the next write cleans temps that killed writers left.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from './write-file-atomic.js';

function makeDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-atomic-'));
}

/** A pid that no process has any more: a child that has exited. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

const alive: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of alive.splice(0)) child.kill('SIGKILL');
});

describe('writeFileAtomic', () => {
  it('writes whole files, sync or not, with the mode asked for', async () => {
    const dir = makeDir();
    await writeFileAtomic(path.join(dir, 'a.txt'), 'async');
    writeFileAtomicSync(path.join(dir, 'sub', 'b.txt'), 'sync', { mode: 0o600 });
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('async');
    expect(fs.readFileSync(path.join(dir, 'sub', 'b.txt'), 'utf8')).toBe('sync');
    expect(fs.statSync(path.join(dir, 'sub', 'b.txt')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.txt', 'sub']);
  });

  it('leaves no temp file when the rename fails, and reports the write error', () => {
    const dir = makeDir();
    // A folder where the file should go: the temp file is written, the rename fails.
    fs.mkdirSync(path.join(dir, 'state.json'));
    expect(() => writeFileAtomicSync(path.join(dir, 'state.json'), '{}')).toThrow(/EISDIR/);
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  it('the next write in a folder removes temp files whose writer is gone, keeps those of a live writer', async () => {
    const dir = makeDir();
    const sleeper = spawn('sleep', ['30']);
    alive.push(sleeper);
    const abandoned = `.x.txt.${deadPid()}-0a1b2c.handoff-tmp`;
    const inProgress = `.y.txt.${sleeper.pid}-0a1b2c.handoff-tmp`;
    // An older handoff's temp name has no pid: removed only once it is a day old.
    const oldStyleRecent = '.z.txt.0a1b2c3d4e5f.handoff-tmp';
    const oldStyleStale = '.w.txt.0f1e2d3c4b5a.handoff-tmp';
    for (const name of [abandoned, inProgress, oldStyleRecent, oldStyleStale]) fs.writeFileSync(path.join(dir, name), 'partial');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
    fs.utimesSync(path.join(dir, oldStyleStale), twoDaysAgo, twoDaysAgo);

    await writeFileAtomic(path.join(dir, 'x.txt'), 'whole');
    expect(fs.readdirSync(dir).sort()).toEqual([inProgress, oldStyleRecent, 'x.txt'].sort());
  });
});
