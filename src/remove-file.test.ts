import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeFile } from './remove-file.js';

describe('removeFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remove-file-'));

  it('removes a file and a link (not what the link points to), and does nothing when the file is not there', () => {
    const file = path.join(dir, 'a.txt');
    const link = path.join(dir, 'link');
    fs.writeFileSync(file, 'x');
    fs.symlinkSync(file, link);
    removeFile(link);
    expect(fs.existsSync(link)).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
    removeFile(file);
    expect(fs.existsSync(file)).toBe(false);
    expect(() => removeFile(file)).not.toThrow();
  });

  it('refuses a folder, as fs.rmSync without recursive does, and leaves it', () => {
    const folder = path.join(dir, 'folder');
    fs.mkdirSync(folder);
    expect(() => removeFile(folder)).toThrow(/EISDIR|EPERM/);
    expect(fs.statSync(folder).isDirectory()).toBe(true);
  });
});
