// Reads part of a run's log file by byte offsets, on line boundaries, so the page can tail it without gaps or repeats.
import fs from 'node:fs';

export interface LogSlice {
  start: number;
  end: number;
  size: number;
  text: string;
}

export interface LogRead {
  /** Read from this byte offset (default 0). */
  offset?: number;
  /** Instead of `offset`: the last `tail` bytes, starting at the first whole line in them. */
  tail?: number;
  /** At most this many bytes per answer; the caller asks again from `end`. */
  maxBytes: number;
  /** Stop before a last line that has no newline yet (it is still being written). */
  wholeLinesOnly?: boolean;
}

const NEWLINE = 0x0a;

/** A missing file reads as empty: a run's log appears only once it writes its first line. */
export function readLogChunk(file: string, read: LogRead): LogSlice {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { start: 0, end: 0, size: 0, text: '' };
  }
  try {
    const size = fs.fstatSync(fd).size;
    let start = read.tail !== undefined ? Math.max(0, size - read.tail) : Math.min(Math.max(0, read.offset ?? 0), size);
    const length = Math.min(size - start, read.maxBytes);
    const buffer = Buffer.alloc(length);
    const got = length > 0 ? fs.readSync(fd, buffer, 0, length, start) : 0;
    let bytes = buffer.subarray(0, got);
    if (read.tail !== undefined && start > 0) {
      // Drop the partial first line: the reader starts at a line, and never mid-way through a UTF-8 character.
      const firstNewline = bytes.indexOf(NEWLINE);
      const skip = firstNewline < 0 ? bytes.length : firstNewline + 1;
      bytes = bytes.subarray(skip);
      start += skip;
    }
    const cutAtLine = read.wholeLinesOnly || start + bytes.length < size;
    if (cutAtLine && bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE) {
      const lastNewline = bytes.lastIndexOf(NEWLINE);
      // One line longer than maxBytes is passed on in pieces rather than never.
      if (lastNewline >= 0) bytes = bytes.subarray(0, lastNewline + 1);
      else if (read.wholeLinesOnly && start + bytes.length >= size) bytes = bytes.subarray(0, 0);
    }
    return { start, end: start + bytes.length, size, text: bytes.toString('utf8') };
  } finally {
    fs.closeSync(fd);
  }
}
