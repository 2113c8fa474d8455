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
  /**
   * Texts a slice never starts or ends inside (the masker's values): a slice that would cut one is widened to hold it
   * whole, so masking the slice masks it, whatever offset was asked for.
   */
  keepWhole?: readonly string[];
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
    const end = start + bytes.length;
    if (read.keepWhole && read.keepWhole.length > 0 && end > start) {
      const widened = widenAroundSecrets(fd, size, start, end, read.keepWhole);
      if (widened.start !== start || widened.end !== end) {
        bytes = Buffer.alloc(widened.end - widened.start);
        fs.readSync(fd, bytes, 0, bytes.length, widened.start);
        return { start: widened.start, end: widened.end, size, text: bytes.toString('utf8') };
      }
    }
    return { start, end, size, text: bytes.toString('utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Moves `start` back and `end` forward past any occurrence of `values` that either cuts, looking at the bytes around
 * each (as many as the longest value), until no occurrence is cut. Bytes, not characters: the file is read by byte
 * offset, and a value's UTF-8 bytes are what the file holds.
 */
function widenAroundSecrets(fd: number, size: number, start: number, end: number, values: readonly string[]): { start: number; end: number } {
  const needles = values.map((v) => Buffer.from(v, 'utf8'));
  const reach = Math.max(...needles.map((n) => n.length));
  /** The extent of every occurrence that has `at` strictly inside it. */
  const spanning = (at: number): { from: number; to: number } | undefined => {
    const from = Math.max(0, at - reach);
    const window = Buffer.alloc(Math.min(size, at + reach) - from);
    fs.readSync(fd, window, 0, window.length, from);
    let found: { from: number; to: number } | undefined;
    for (const needle of needles) {
      for (let i = window.indexOf(needle); i >= 0; i = window.indexOf(needle, i + 1)) {
        const a = from + i;
        const b = a + needle.length;
        if (a < at && b > at) found = { from: Math.min(found?.from ?? a, a), to: Math.max(found?.to ?? b, b) };
      }
    }
    return found;
  };
  for (let cut = spanning(start); cut; cut = spanning(start)) start = cut.from;
  for (let cut = spanning(end); cut; cut = spanning(end)) end = cut.to;
  return { start, end };
}
