// `cloud export -o` at a path that cannot be a folder is bad input (exit 2, nothing written), not a bug.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { writeExportFiles } from './export-files.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-export-files-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function refusal(dir: string): Promise<UserError> {
  const error = await writeExportFiles(dir, [['main.tf', 'x'], ['README.md', 'y']]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe('writeExportFiles', () => {
  it('refuses -o naming an existing file (exit 2) and leaves the file as it was', async () => {
    const file = path.join(tempDir(), 'afile');
    fs.writeFileSync(file, 'mine');
    const error = await refusal(file);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`-o ${file} is a file, not a folder; nothing was written`);
    expect(error.fix).toMatch(/a folder/);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  });

  it('refuses -o inside a file (exit 2), naming the file in the way', async () => {
    const file = path.join(tempDir(), 'afile');
    fs.writeFileSync(file, 'mine');
    const error = await refusal(path.join(file, 'infra'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`cannot make the folder ${path.join(file, 'infra')} for -o`);
  });

  it('writes into a new folder with its manifest', async () => {
    const dir = path.join(tempDir(), 'infra', 'handoff');
    expect(await writeExportFiles(dir, [['main.tf', 'x']])).toEqual(['main.tf']);
    expect(fs.readFileSync(path.join(dir, '.handoff-export'), 'utf8')).toBe('main.tf\n');
  });
});
