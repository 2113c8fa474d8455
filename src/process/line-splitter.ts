// Splits a byte stream into text lines with a bounded buffer, so a huge line without a newline cannot exhaust memory.
import { StringDecoder } from 'node:string_decoder';

/** Longest piece of a line (in characters) kept before it is emitted anyway (a log line this long is cut, not lost). */
export const MAX_LOG_LINE_LENGTH = 64 * 1024;

/**
 * Chooses where a line too long to keep whole is cut. Each piece is masked on its own afterwards, so the masker
 * decides: it never cuts inside a secret, and keeps the last `keep` characters back, since a secret may begin there
 * and end in text not read yet.
 */
export interface LongLineCutter {
  /** Characters always held back from a cut piece (the longest secret's length, less one). */
  readonly keep: number;
  /** A cut position at most `limit` (or just past a secret that starts at 0) that splits no secret of `text`. */
  cut(text: string, limit: number): number;
}

export interface LineSplitter {
  push(chunk: Buffer): void;
  end(): void;
}

export interface LineSplitterOptions {
  maxLineLength?: number;
  cutter?: LongLineCutter;
}

export function createLineSplitter(onLine: (line: string) => void, options: LineSplitterOptions = {}): LineSplitter {
  const keep = options.cutter?.keep ?? 0;
  // A secret longer than the limit must still fit whole in one piece.
  const max = Math.max(options.maxLineLength ?? MAX_LOG_LINE_LENGTH, keep + 1);
  // Text is decoded as it comes (a character split between chunks is kept for the next one), then cut into lines.
  const decoder = new StringDecoder('utf8');
  let pending = '';

  const emit = (line: string): void => onLine(line.endsWith('\r') ? line.slice(0, -1) : line);

  return {
    push(chunk: Buffer) {
      const text = pending + decoder.write(chunk);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl === -1) break;
        emit(text.slice(start, nl));
        start = nl + 1;
      }
      pending = start === 0 ? text : text.slice(start);
      while (pending.length >= max + keep) {
        const limit = max;
        const cut = options.cutter ? options.cutter.cut(pending, limit) : limit;
        // A cutter answer out of range would lose text or loop: fall back to the limit.
        const at = cut > 0 && cut <= pending.length ? cut : limit;
        onLine(pending.slice(0, at));
        pending = pending.slice(at);
      }
    },
    end() {
      const rest = pending + decoder.end();
      pending = '';
      if (rest.length > 0) emit(rest);
    },
  };
}
