// fires.jsonl and scheduler.log stay bounded: rotated at a size, one previous file kept, readers reach into it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readLastLines, rotateFileIfFull, rotateOpenLogIfFull } from './scheduler-files.js';
import { readFireRecords, schedulerPaths } from './scheduler-service.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-scheduler-files-'));
}

describe('scheduler files', () => {
  afterEach(() => vi.restoreAllMocks());

  /** A fires.jsonl as a handoff from before rotation left it: `count` records, never rotated. */
  function legacyFires(home: string, count: number): string {
    const { fires, dir } = schedulerPaths(home);
    fs.mkdirSync(dir, { recursive: true });
    const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ scheduleId: `dev-rg/task${i % 200}/1`, scheduledAt: '2026-01-05T10:00:00.000Z', at: '2026-01-05T10:00:00.000Z', outcome: 'fired', n: i }));
    fs.writeFileSync(fires, `${lines.join('\n')}\n`);
    return fires;
  }

  /** The bytes read by fs.readSync and fs.readFileSync while `work` runs. */
  function bytesRead(work: () => void): number {
    let total = 0;
    const readSync = fs.readSync;
    vi.spyOn(fs, 'readSync').mockImplementation(((...args: Parameters<typeof fs.readSync>) => {
      const n = (readSync as (...a: unknown[]) => number)(...args);
      total += n;
      return n;
    }) as typeof fs.readSync);
    const readFileSync = fs.readFileSync;
    vi.spyOn(fs, 'readFileSync').mockImplementation(((...args: Parameters<typeof fs.readFileSync>) => {
      const data = (readFileSync as (...a: unknown[]) => string | Buffer)(...args);
      total += Buffer.byteLength(data);
      return data;
    }) as typeof fs.readFileSync);
    work();
    vi.restoreAllMocks();
    return total;
  }

  it('reads the last records of a large fires.jsonl from its end, not the whole file', () => {
    const home = tempDir();
    const fires = legacyFires(home, 60_000); // about 7 MB
    expect(fs.statSync(fires).size).toBeGreaterThan(6_000_000);
    let last: number[] = [];
    const read = bytesRead(() => {
      last = readFireRecords(home, 500).map((f) => (f as unknown as { n: number }).n);
    });
    expect(last).toEqual(Array.from({ length: 500 }, (_, i) => 59_500 + i));
    expect(read).toBeLessThanOrEqual(192 * 1024);
    // Reaching into the previous file reads only what is missing, from its end too.
    fs.renameSync(fires, `${fires}.1`);
    fs.writeFileSync(fires, `${JSON.stringify({ scheduleId: 'dev-rg/task0/1', scheduledAt: '2026-01-05T11:00:00.000Z', at: '2026-01-05T11:00:00.000Z', outcome: 'fired', n: 60_000 })}\n`);
    const twoFiles = bytesRead(() => {
      last = readFireRecords(home, 3).map((f) => (f as unknown as { n: number }).n);
    });
    expect(last).toEqual([59_998, 59_999, 60_000]);
    expect(twoFiles).toBeLessThanOrEqual(128 * 1024);
  });

  it('passes over a line too long to be a record (a file broken by hand) instead of holding it', () => {
    const dir = tempDir();
    const file = path.join(dir, 'fires.jsonl');
    fs.writeFileSync(file, `{"n":0}\n${'x'.repeat(300_000)}\n{"n":1}\n{"n":2}\n{"n":3}`);
    // The last line, still being written (no newline yet), is read as the file has it: the JSON reader drops it.
    expect(readLastLines(file, 10)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
    expect(readLastLines(file, 2)).toEqual(['{"n":2}', '{"n":3}']);
  });

  it('rotates a huge fires.jsonl left by a handoff from before rotation to its last records only, reading no more than it keeps', () => {
    const home = tempDir();
    const fires = legacyFires(home, 60_000);
    const limit = 256 * 1024;
    const read = bytesRead(() => rotateFileIfFull(fires, limit));
    expect(read).toBeLessThanOrEqual(limit);
    expect(fs.existsSync(fires)).toBe(false);
    const kept = fs.readFileSync(`${fires}.1`, 'utf8');
    expect(kept.length).toBeLessThanOrEqual(limit);
    expect(kept.endsWith('\n')).toBe(true);
    // Whole lines only, the newest ones, in order.
    const ns = kept.trim().split('\n').map((line) => (JSON.parse(line) as { n: number }).n);
    expect(ns.length).toBeGreaterThan(1000);
    expect(ns).toEqual(Array.from({ length: ns.length }, (_, i) => 60_000 - ns.length + i));
    expect(fs.readdirSync(schedulerPaths(home).dir).sort()).toEqual(['fires.jsonl.1']);
    expect(readFireRecords(home, 2).map((f) => (f as unknown as { n: number }).n)).toEqual([59_998, 59_999]);
  });

  it('moves fires.jsonl aside once it reaches its size, keeping one previous file; the last records are read across both', () => {
    const home = tempDir();
    const { fires, dir } = schedulerPaths(home);
    fs.mkdirSync(dir, { recursive: true });
    const record = (i: number): string => JSON.stringify({ scheduleId: 'dev-rg/task/1', scheduledAt: `2026-01-05T10:${String(i % 60).padStart(2, '0')}:00.000Z`, at: '2026-01-05T10:00:00.000Z', outcome: 'fired', n: i });
    // As the scheduler appends: rotate when full, then append. 100 records of ~120 bytes with a 4 KB limit.
    for (let i = 0; i < 100; i++) {
      rotateFileIfFull(fires, 4096);
      fs.appendFileSync(fires, `${record(i)}\n`);
    }
    expect(fs.statSync(fires).size).toBeLessThan(4096 + 200);
    expect(fs.statSync(`${fires}.1`).size).toBeLessThan(4096 + 200);
    expect(fs.readdirSync(dir).sort()).toEqual(['fires.jsonl', 'fires.jsonl.1']);
    // The newest records, in order, whatever file they are in: more than the current file holds.
    const current = fs.readFileSync(fires, 'utf8').trim().split('\n').length;
    const wanted = current + 5;
    expect(readFireRecords(home, wanted).map((f) => (f as unknown as { n: number }).n)).toEqual(Array.from({ length: wanted }, (_, i) => 100 - wanted + i));
    expect(readFireRecords(home, 3).map((f) => (f as unknown as { n: number }).n)).toEqual([97, 98, 99]);
    // Just after a rotation the current file is empty: the records are still there to read.
    fs.renameSync(fires, `${fires}.1`);
    expect(readFireRecords(home, 2).map((f) => (f as unknown as { n: number }).n)).toEqual([98, 99]);
    expect(readLastLines(path.join(dir, 'none'), 10)).toEqual([]);
  });

  it('empties an open log in place once it reaches its size, the old lines kept in <log>.1; appends then start the new file', () => {
    const dir = tempDir();
    const log = path.join(dir, 'scheduler.log');
    const fd = fs.openSync(log, 'a');
    try {
      fs.writeSync(fd, 'old line\n'.repeat(200)); // 1800 bytes
      rotateOpenLogIfFull(fd, log, 4096);
      expect(fs.existsSync(`${log}.1`)).toBe(false);
      fs.writeSync(fd, 'older line\n'.repeat(300));
      rotateOpenLogIfFull(fd, log, 4096);
      fs.writeSync(fd, 'new line\n');
      expect(fs.readFileSync(log, 'utf8')).toBe('new line\n');
      expect(fs.readFileSync(`${log}.1`, 'utf8')).toBe(`${'old line\n'.repeat(200)}${'older line\n'.repeat(300)}`);
      // Another file open as the fd (a foreground scheduler's stderr sent elsewhere) is not touched.
      const other = path.join(dir, 'mine.log');
      const otherFd = fs.openSync(other, 'a');
      fs.writeSync(otherFd, 'x'.repeat(5000));
      rotateOpenLogIfFull(otherFd, log, 4096);
      expect(fs.statSync(other).size).toBe(5000);
      fs.closeSync(otherFd);
    } finally {
      fs.closeSync(fd);
    }
    // A file written by reopening it (the log before a background start) is renamed aside.
    fs.writeFileSync(log, 'y'.repeat(5000));
    rotateFileIfFull(log, 4096);
    expect(fs.existsSync(log)).toBe(false);
    expect(fs.statSync(`${log}.1`).size).toBe(5000);
  });
});
