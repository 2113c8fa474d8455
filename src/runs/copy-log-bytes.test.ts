// copyLogBytes: a log copied in bounded chunks from an offset, of any size, and only a missing log passed over quietly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyLogBytes, LOG_CHUNK_BYTES } from './copy-log-bytes.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-log-bytes-'));
}

describe('copyLogBytes', () => {
  it('copies from the offset to the end in chunks no larger than asked, and goes on from where it stopped', async () => {
    const file = path.join(tempDir(), 'console.log');
    fs.writeFileSync(file, 'line one\nline two\nline three\n');
    const chunks: Buffer[] = [];
    const write = async (chunk: Buffer): Promise<boolean> => (chunks.push(Buffer.from(chunk)), true);
    let offset = await copyLogBytes(file, 0, write, 7);
    expect(offset).toBe(29);
    expect(chunks.map((c) => c.length)).toEqual([7, 7, 7, 7, 1]);
    fs.appendFileSync(file, 'line four\n');
    offset = await copyLogBytes(file, offset, write, 7);
    expect(offset).toBe(39);
    expect(Buffer.concat(chunks).toString()).toBe('line one\nline two\nline three\nline four\n');
  });

  it('stops when nobody reads any more', async () => {
    const file = path.join(tempDir(), 'console.log');
    fs.writeFileSync(file, 'x'.repeat(100));
    let calls = 0;
    expect(await copyLogBytes(file, 0, async () => (++calls, false), 10)).toBe(10);
    expect(calls).toBe(1);
  });

  it('passes over a log not written yet, and throws for any other failure to read it', async () => {
    const dir = tempDir();
    expect(await copyLogBytes(path.join(dir, 'missing.log'), 5, async () => true)).toBe(5);
    await expect(copyLogBytes(dir, 0, async () => true)).rejects.toThrow(/EISDIR/);
  });

  it('copies a log over 2 GiB (a sparse file: nothing is written to disk) in 1 MiB chunks', async () => {
    const file = path.join(tempDir(), 'console.log');
    const size = 2 ** 31 + 12_345;
    fs.writeFileSync(file, '');
    fs.truncateSync(file, size);
    fs.appendFileSync(file, 'the last line\n');
    // From the start: the first chunk is 1 MiB (not the whole 2 GiB, which no buffer can hold)...
    const first: number[] = [];
    expect(await copyLogBytes(file, 0, async (chunk) => (first.push(chunk.length), false))).toBe(LOG_CHUNK_BYTES);
    expect(first).toEqual([LOG_CHUNK_BYTES]);
    // ...and the last 3 MiB, read at positions beyond 2 GiB, end with what was written there.
    const tail: Buffer[] = [];
    const from = size + 14 - 3 * LOG_CHUNK_BYTES;
    expect(await copyLogBytes(file, from, async (chunk) => (tail.push(chunk), true))).toBe(size + 14);
    expect(tail.map((c) => c.length)).toEqual([LOG_CHUNK_BYTES, LOG_CHUNK_BYTES, LOG_CHUNK_BYTES]);
    expect(tail[2].subarray(-14).toString()).toBe('the last line\n');
    fs.rmSync(file);
  });
});
