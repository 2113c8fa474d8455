// The local bucket behaves like S3 for handoff's keys: prefix listing, atomic writes, delete without leftovers, copy.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { UserError } from '../../errors.js';
import { createLocalObjectStore } from './local-object-store.js';
import { tempNameOf } from './write-file-atomic.js';

// Records the folders the store reads, to show which ones a listing enters; reads still go to the real filesystem.
const folderReads = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    readdir: ((dir: string, ...rest: unknown[]) => {
      folderReads.push(String(dir));
      return (real.readdir as (...args: unknown[]) => unknown)(dir, ...rest);
    }) as typeof real.readdir,
  };
});

function makeBucket(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-bucket-')), 'bucket');
  fs.mkdirSync(dir);
  return dir;
}

describe('createLocalObjectStore', () => {
  it('puts, gets and lists by string prefix like S3, in key order', async () => {
    const store = createLocalObjectStore(makeBucket());
    await store.put('t/files/b.txt', Buffer.from('b'));
    await store.put('t/files/a/x.txt', Buffer.from('x'));
    await store.put('t/filesystem.txt', Buffer.from('f'));
    await store.put('u/files/c.txt', Buffer.from('c'));
    expect((await store.list('t/files/')).map((o) => o.key)).toEqual(['t/files/a/x.txt', 't/files/b.txt']);
    expect((await store.list('t/files')).map((o) => o.key)).toEqual(['t/files/a/x.txt', 't/files/b.txt', 't/filesystem.txt']);
    expect((await store.get('t/files/a/x.txt'))?.body.toString()).toBe('x');
    expect(await store.get('t/files/missing')).toBeUndefined();
    expect(await store.list('nothing/')).toEqual([]);
  });

  it('lists a prefix without reading folders that cannot hold its keys (project.yml beside years of archives)', async () => {
    const bucket = makeBucket();
    const store = createLocalObjectStore(bucket);
    for (const key of ['t/project.yml', 't/project.yml.bak/x', 't/projects.txt', 't/files/a.txt', 't/artifacts/archives/2026-01-01/a.txt', 't/artifacts/last/b.txt', 't/runs/r1.json', 'u/project.yml']) {
      await store.put(key, Buffer.from(key));
    }
    folderReads.length = 0;
    expect((await store.list('t/project.yml')).map((o) => o.key)).toEqual(['t/project.yml', 't/project.yml.bak/x']);
    const read = folderReads.map((d) => path.relative(bucket, d).split(path.sep).join('/'));
    expect(read).toEqual(['t', 't/project.yml.bak']);
    // Listings that span folders find what they did before, in key order.
    expect((await store.list('t/')).map((o) => o.key)).toEqual([
      't/artifacts/archives/2026-01-01/a.txt',
      't/artifacts/last/b.txt',
      't/files/a.txt',
      't/project.yml',
      't/project.yml.bak/x',
      't/projects.txt',
      't/runs/r1.json',
    ]);
    expect((await store.list('t/art')).map((o) => o.key)).toEqual(['t/artifacts/archives/2026-01-01/a.txt', 't/artifacts/last/b.txt']);
    expect((await store.list('t/artifacts/archives/2026')).map((o) => o.key)).toEqual(['t/artifacts/archives/2026-01-01/a.txt']);
    expect((await store.list('')).map((o) => o.key)).toHaveLength(8);
  });

  it('keeps whether a file is executable', async () => {
    const store = createLocalObjectStore(makeBucket());
    await store.put('t/files/run.sh', Buffer.from('#!/bin/sh\n'), { executable: true });
    await store.put('t/files/data.txt', Buffer.from('d'));
    expect((await store.get('t/files/run.sh'))?.executable).toBe(true);
    expect((await store.get('t/files/data.txt'))?.executable).toBe(false);
  });

  it('deletes without leaving empty folders, and copies', async () => {
    const bucket = makeBucket();
    const store = createLocalObjectStore(bucket);
    await store.put('t/artifacts/last/deep/s.json', Buffer.from('{}'));
    await store.copy('t/artifacts/last/deep/s.json', 't/artifacts/archives/2024/deep/s.json');
    expect((await store.get('t/artifacts/archives/2024/deep/s.json'))?.body.toString()).toBe('{}');
    await store.delete(['t/artifacts/last/deep/s.json']);
    expect(fs.existsSync(path.join(bucket, 't', 'artifacts', 'last'))).toBe(false);
    expect(fs.existsSync(path.join(bucket, 't', 'artifacts', 'archives', '2024', 'deep', 's.json'))).toBe(true);
  });

  it('skips temporary files of interrupted writes and refuses keys that leave the bucket', async () => {
    const bucket = makeBucket();
    const store = createLocalObjectStore(bucket);
    fs.mkdirSync(path.join(bucket, 't'));
    fs.writeFileSync(path.join(bucket, 't', '.x.abc.handoff-tmp'), 'half');
    expect(await store.list('t/')).toEqual([]);
    await expect(store.put('t/../../escape', Buffer.from('no'))).rejects.toThrow(UserError);
  });

  it('removes the temporary files a killed write left (SIGKILLed `files push`) on the next write to that folder, and only those', async () => {
    const bucket = makeBucket();
    const folder = path.join(bucket, 't', 'files');
    fs.mkdirSync(folder, { recursive: true });
    // A writer that is gone (its pid ended), named as writeFileAtomic names its temporary files.
    const deadPid = spawnSync('true').pid as number;
    const ofDead = path.basename(tempNameOf(path.join(folder, 'big.csv'))).replace(`.${process.pid}-`, `.${deadPid}-`);
    // One an older handoff left two days ago, its name without a pid.
    const old = '.old.csv.handoff-tmp';
    // One of a write still going on (this very process): it stays.
    const ongoing = path.basename(tempNameOf(path.join(folder, 'live.csv')));
    for (const name of [ofDead, old, ongoing]) fs.writeFileSync(path.join(folder, name), 'half');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    fs.utimesSync(path.join(folder, old), twoDaysAgo, twoDaysAgo);

    // The next `files push` writes to the folder.
    const store = createLocalObjectStore(bucket);
    await store.put('t/files/next.txt', Buffer.from('n'));
    expect(fs.readdirSync(folder).sort()).toEqual([ongoing, 'next.txt'].sort());
    expect((await store.list('t/')).map((o) => o.key)).toEqual(['t/files/next.txt']);
  });

  it('lets a push race a delete as S3 does: a key that went during a listing is not listed, a folder emptied during a write is made again', async () => {
    const store = createLocalObjectStore(makeBucket());
    const keys = Array.from({ length: 400 }, (_, i) => `t/artifacts/last/d${i % 4}/f${i}.txt`);
    for (let round = 0; round < 5; round++) {
      await Promise.all(keys.map((k) => store.put(k, Buffer.from(k))));
      const results = await Promise.allSettled([
        store.delete(keys),
        (async () => {
          for (let i = 0; i < 20; i++) await store.list('t/artifacts/last/');
        })(),
        Promise.all(keys.map((k) => store.put(k, Buffer.from('again')))),
      ]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    }
  });

  it('says how to create a missing bucket', async () => {
    const store = createLocalObjectStore(path.join(os.tmpdir(), 'handoff-no-such-bucket-dir', 'b'));
    await expect(store.get('t/project.yml')).rejects.toThrow(/does not exist/);
  });
});
