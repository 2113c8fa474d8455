// Local secrets: one 0600 file per SSM name in 0700 folders, listed one level at a time, with name clashes explained.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalParameterStore } from './local-parameter-store.js';

describe('createLocalParameterStore', () => {
  it('writes files of mode 0600 in folders of mode 0700, whatever the umask', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-params-'));
    const store = createLocalParameterStore(dir);
    const old = process.umask(0o000);
    try {
      await store.put('/handoff/dev-rg/task/token', 'v1', 'Standard');
    } finally {
      process.umask(old);
    }
    const file = path.join(dir, 'handoff', 'dev-rg', 'task', 'token');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    await store.put('/handoff/dev-rg/task/token', 'v2', 'Standard');
    expect(fs.readFileSync(file, 'utf8')).toBe('v2');
  });

  it('lists only the parameters directly under a path, as GetParametersByPath without Recursive', async () => {
    const store = createLocalParameterStore(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-params-')));
    await store.put('/handoff/rg/shared', 's', 'Standard');
    await store.put('/handoff/rg/task/own', 'o', 'Standard');
    await store.put('/handoff/rg/other/theirs', 't', 'Standard');
    expect(await store.listByPath('/handoff/rg')).toEqual([{ name: '/handoff/rg/shared', value: 's' }]);
    expect(await store.listByPath('/handoff/rg/task')).toEqual([{ name: '/handoff/rg/task/own', value: 'o' }]);
    expect(await store.listByPath('/handoff/none')).toEqual([]);
  });

  it('explains a resource-group secret named like a task, which a folder tree cannot hold', async () => {
    const store = createLocalParameterStore(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-params-')));
    await store.put('/handoff/rg/task/own', 'o', 'Standard');
    await expect(store.put('/handoff/rg/task', 'x', 'Standard')).rejects.toThrow(/is a folder of other secrets/);
    await store.put('/handoff/rg/name', 'x', 'Standard');
    await expect(store.put('/handoff/rg/name/key', 'y', 'Standard')).rejects.toThrow(/is a resource-group-level secret/);
  });

  it('deletes, reports the missing ones and removes emptied folders', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-params-'));
    const store = createLocalParameterStore(dir);
    await store.put('/handoff/rg/task/a', '1', 'Standard');
    expect(await store.delete(['/handoff/rg/task/a', '/handoff/rg/task/b'])).toEqual({ deleted: ['/handoff/rg/task/a'], missing: ['/handoff/rg/task/b'] });
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
