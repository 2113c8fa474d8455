// fires.jsonl and scheduler.log stay bounded: rotated at a size, one previous file kept, readers reach into it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLastLines, rotateFileIfFull, rotateOpenLogIfFull } from './scheduler-files.js';
import { readFireRecords, schedulerPaths } from './scheduler-service.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-scheduler-files-'));
}

describe('scheduler files', () => {
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
