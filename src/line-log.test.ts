// The batched line log: every line lands in order, nothing is opened for no line, and a failing file is reported once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLineLog } from './line-log.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'line-log-'));
  dirs.push(dir);
  return dir;
}

function readIfThere(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('openLineLog', () => {
  it('appends every line in order, across batches and event loop turns, after what the file held', async () => {
    const file = path.join(tempDir(), 'task_stderr.log');
    fs.writeFileSync(file, 'before\n');
    const log = openLineLog(file, (error) => {
      throw error;
    });
    // More than one batch (64 K characters) in one turn, then more lines in later turns.
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i}`);
    for (const line of lines.slice(0, 20_000)) log.write(line);
    await new Promise((resolve) => setImmediate(resolve));
    for (const line of lines.slice(20_000)) log.write(line);
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.write('');
    log.write('last');
    await log.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(`before\n${lines.join('\n')}\n\nlast\n`);
  });

  it('has the lines of a turn in the file once that turn is over, before it is closed', async () => {
    const file = path.join(tempDir(), 'live.log');
    const log = openLineLog(file, () => undefined);
    log.write('one');
    log.write('two');
    expect(fs.existsSync(file)).toBe(false);
    // The write goes through libuv's thread pool: wait for it (a busy machine may take a while), but never close.
    const deadline = Date.now() + 5000;
    while (readIfThere(file) !== 'one\ntwo\n' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(readIfThere(file)).toBe('one\ntwo\n');
    await log.close();
  });

  it('opens no file when no line was written', async () => {
    const file = path.join(tempDir(), 'never.log');
    await openLineLog(file, () => undefined).close();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('reports a file it cannot write once, drops later lines and still closes', async () => {
    const file = path.join(tempDir(), 'missing-folder', 'x.log');
    const errors: string[] = [];
    const log = openLineLog(file, (error) => errors.push(error.code ?? error.message));
    log.write('a');
    await new Promise((resolve) => setTimeout(resolve, 50));
    log.write('b');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await log.close();
    expect(errors).toEqual(['ENOENT']);
  });
});
