// Unit tests of reading logs by byte offset: whole lines while a run writes, tails that start at a line, long lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLogChunk } from './read-log-chunk.js';

function logFile(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-log-')), 'console.log');
  fs.writeFileSync(file, text);
  return file;
}

describe('readLogChunk', () => {
  it('reads everything from an offset, and a missing file as empty', () => {
    const file = logFile('one\ntwo\nthree\n');
    expect(readLogChunk(file, { offset: 0, maxBytes: 1000 })).toEqual({ start: 0, end: 14, size: 14, text: 'one\ntwo\nthree\n' });
    expect(readLogChunk(file, { offset: 4, maxBytes: 1000 })).toMatchObject({ start: 4, end: 14, text: 'two\nthree\n' });
    expect(readLogChunk(file, { offset: 99, maxBytes: 1000 })).toMatchObject({ start: 14, end: 14, text: '' });
    expect(readLogChunk(`${file}.missing`, { offset: 0, maxBytes: 1000 })).toEqual({ start: 0, end: 0, size: 0, text: '' });
  });

  it('holds back a last line without its newline while the run writes, and gives it when asked for everything', () => {
    const file = logFile('done\nhalf a li');
    expect(readLogChunk(file, { offset: 0, maxBytes: 1000, wholeLinesOnly: true })).toMatchObject({ end: 5, text: 'done\n' });
    expect(readLogChunk(file, { offset: 5, maxBytes: 1000, wholeLinesOnly: true })).toMatchObject({ start: 5, end: 5, text: '' });
    expect(readLogChunk(file, { offset: 0, maxBytes: 1000 })).toMatchObject({ end: 14, text: 'done\nhalf a li' });
  });

  it('cuts at a line end when maxBytes stops it early, so the next read starts at a line', () => {
    const file = logFile('aaaa\nbbbb\ncccc\n');
    const first = readLogChunk(file, { offset: 0, maxBytes: 12 });
    expect(first).toMatchObject({ start: 0, end: 10, text: 'aaaa\nbbbb\n' });
    expect(readLogChunk(file, { offset: first.end, maxBytes: 12 })).toMatchObject({ start: 10, end: 15, text: 'cccc\n' });
  });

  it('passes a line longer than maxBytes on in pieces rather than never', () => {
    const file = logFile(`${'x'.repeat(30)}\n`);
    expect(readLogChunk(file, { offset: 0, maxBytes: 10, wholeLinesOnly: true })).toMatchObject({ end: 10, text: 'x'.repeat(10) });
  });

  it('tails from the first whole line, never inside a UTF-8 character', () => {
    const file = logFile('first line\nzweite Zeile ü\ndritte ü\n');
    const size = fs.statSync(file).size;
    const tail = readLogChunk(file, { tail: 14, maxBytes: 1000 });
    expect(tail.text).toBe('dritte ü\n');
    expect(tail.end).toBe(size);
    expect(tail.start).toBe(size - Buffer.byteLength('dritte ü\n'));
  });

  it('never starts or ends a slice inside a value to keep whole, whatever offset or size is asked for', () => {
    const secret = 'Rotated-Passw0rd-99';
    const text = `db: postgres://app:${secret}@db/app\nnext line\n`;
    const file = logFile(text);
    const at = text.indexOf(secret);
    // An offset one byte into the secret starts at the secret instead.
    expect(readLogChunk(file, { offset: at + 1, maxBytes: 1000, keepWhole: [secret] })).toMatchObject({ start: at, text: text.slice(at) });
    // A piece of a long line that would end inside it ends after it.
    const cut = readLogChunk(file, { offset: 0, maxBytes: at + 5, keepWhole: [secret] });
    expect(cut.text.endsWith(secret)).toBe(true);
    // Multi-byte text around it: offsets are bytes.
    const wide = logFile(`é ${secret} ü\n`);
    expect(readLogChunk(wide, { offset: 5, maxBytes: 1000, keepWhole: [secret] }).text).toBe(`${secret} ü\n`);
    // Nothing to keep whole, or no cut: the slice as asked.
    expect(readLogChunk(file, { offset: at + 1, maxBytes: 1000 })).toMatchObject({ start: at + 1 });
    expect(readLogChunk(file, { offset: 0, maxBytes: 1000, keepWhole: [secret] })).toMatchObject({ start: 0, text });
  });
});
