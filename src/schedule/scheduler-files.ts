// Keeps the scheduler's own files (fires.jsonl, scheduler.log) from growing without limit: each is rotated at a size,
// keeping one previous file beside it (`<name>.1`); fires.jsonl's last lines are read from its end.
import fs from 'node:fs';
import { writeFileAtomicSync } from '../providers/local/write-file-atomic.js';

/** fires.jsonl is moved aside at this size (about 5,000 records; `scheduler status` and the UI read the last 500 at most). */
export const FIRES_MAX_BYTES = 1024 * 1024;
/** scheduler.log is moved aside at this size. */
export const LOG_MAX_BYTES = 10 * 1024 * 1024;
/** A file read from its end is read in pieces of this size. */
const CHUNK_BYTES = 64 * 1024;
/** A longer line is no record (a file broken by hand, or not ours): it is passed over, so memory stays bounded. */
const MAX_LINE_BYTES = 64 * 1024;

export function previousFileOf(file: string): string {
  return `${file}.1`;
}

/**
 * Moves `file` to `<file>.1` (replacing the one there) once it holds `maxBytes` or more, for a file written by opening
 * it anew each time (fires.jsonl). A rename: a reader sees the whole old file or the new one, never half of either.
 * A file far larger (a fires.jsonl of a handoff from before rotation, hundreds of MB) keeps only its last `maxBytes`
 * of whole lines as `<file>.1`, written beside it and renamed into place before the file goes: the rotation reads
 * and writes `maxBytes`, whatever the size, and a crash in between leaves the file to be rotated again.
 */
export function rotateFileIfFull(file: string, maxBytes: number): void {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return;
  }
  if (size < maxBytes) return;
  if (size < 2 * maxBytes) {
    fs.renameSync(file, previousFileOf(file));
    return;
  }
  writeFileAtomicSync(previousFileOf(file), readTail(file, maxBytes));
  fs.unlinkSync(file);
}

/** The whole lines within the last `maxBytes` of a file. */
function readTail(file: string, maxBytes: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    const read = fs.readSync(fd, buffer, 0, length, size - length);
    const tail = buffer.subarray(0, read);
    // The first line is cut unless it starts the file; a last line without its newline is cut off too.
    const start = size > length ? tail.indexOf(0x0a) + 1 : 0;
    return tail.subarray(start, tail.lastIndexOf(0x0a) + 1);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The same for a log that a process holds open as `fd` (the background scheduler's stderr, opened for appending): a
 * rename would leave it writing to the old file, so it is copied to `<file>.1` and emptied in place. Only when `fd` is
 * that very file: a foreground scheduler whose stderr the user sent to a file of their own leaves it alone.
 */
export function rotateOpenLogIfFull(fd: number, file: string, maxBytes: number): void {
  const open = fs.fstatSync(fd);
  if (!open.isFile() || open.size < maxBytes) return;
  let named: fs.Stats;
  try {
    named = fs.statSync(file);
  } catch {
    return;
  }
  if (named.dev !== open.dev || named.ino !== open.ino) return;
  fs.copyFileSync(file, previousFileOf(file));
  fs.ftruncateSync(fd, 0);
}

/**
 * The last `limit` lines of `file`, reaching into `<file>.1` when the file itself has fewer (just after a rotation).
 * Read from the end, piece by piece: a fires.jsonl that was never rotated (257 MB after a year of 200 hourly schedules)
 * took 20 s and 0.5 GB read whole, and one of 2 GB could not be read at all.
 */
export function readLastLines(file: string, limit: number): string[] {
  const lines = readLastLinesOf(file, limit);
  if (lines.length >= limit) return lines;
  return [...readLastLinesOf(previousFileOf(file), limit - lines.length), ...lines];
}

function readLastLinesOf(file: string, limit: number): string[] {
  if (limit <= 0) return [];
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const newestFirst: string[] = [];
    let position = fs.fstatSync(fd).size;
    /** The bytes before the last newline seen: the end of a line whose start is further back. */
    let rest = Buffer.alloc(0);
    /** Set while passing over a line longer than MAX_LINE_BYTES. */
    let tooLong = false;
    const take = (line: Buffer): void => {
      if (!tooLong && line.length > 0) newestFirst.push(line.toString('utf8'));
      tooLong = false;
    };
    while (position > 0 && newestFirst.length < limit) {
      const length = Math.min(CHUNK_BYTES, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      fs.readSync(fd, chunk, 0, length, position);
      const text = rest.length > 0 ? Buffer.concat([chunk, rest]) : chunk;
      let end = text.length;
      for (let i = text.lastIndexOf(0x0a, end - 1); i >= 0 && newestFirst.length < limit; i = i > 0 ? text.lastIndexOf(0x0a, i - 1) : -1) {
        take(text.subarray(i + 1, end));
        end = i;
      }
      rest = text.subarray(0, end);
      if (rest.length > MAX_LINE_BYTES) {
        tooLong = true;
        rest = Buffer.alloc(0);
      }
    }
    if (position === 0 && newestFirst.length < limit) take(rest);
    return newestFirst.reverse();
  } finally {
    fs.closeSync(fd);
  }
}
