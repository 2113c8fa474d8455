// Tests for makeFolders: mkdir -p one level at a time, with the error of the level that failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolders } from './make-folders.js';

const temp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-folders-'));

describe('makeFolders', () => {
  it('makes the missing levels and answers the first it made, undefined when the folder was there', () => {
    const root = temp();
    expect(makeFolders(path.join(root, 'a', 'b', 'c'))).toBe(path.join(root, 'a'));
    expect(fs.statSync(path.join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(makeFolders(path.join(root, 'a', 'b', 'c'))).toBeUndefined();
    expect(makeFolders(path.join(root, 'a', 'b', 'd'))).toBe(path.join(root, 'a', 'b', 'd'));
  });

  it('fails with the level that cannot be made: a file in the way, a dangling link, a parent that refuses children', () => {
    const root = temp();
    fs.writeFileSync(path.join(root, 'afile'), '');
    expect(() => makeFolders(path.join(root, 'afile'))).toThrow(expect.objectContaining({ code: 'ENOTDIR', path: path.join(root, 'afile') }));
    expect(() => makeFolders(path.join(root, 'afile', 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'dangling'));
    expect(() => makeFolders(path.join(root, 'dangling', 'q'))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    // Node's recursive mkdir loops forever here: mkdir answers ENOENT under the existing /proc.
    if (fs.existsSync('/proc/self')) expect(() => makeFolders('/proc/handoff-x/y')).toThrow(expect.objectContaining({ code: 'ENOENT', path: '/proc/handoff-x' }));
  });
});
