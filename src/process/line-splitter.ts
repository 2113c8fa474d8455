// Splits a byte stream into text lines with a bounded buffer, so a huge line without a newline cannot exhaust memory.
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';

/** Longest piece of a line (in bytes) kept before it is emitted anyway (a log line this long is cut, not lost). */
export const MAX_LOG_LINE_LENGTH = 64 * 1024;

/**
 * Chooses where a line too long to keep whole is cut. Each piece is masked on its own afterwards, so the masker
 * decides: it never cuts inside a secret, and keeps the last `keep` characters back, since a secret may begin there
 * and end in text not read yet. The splitter asks it about the bytes as latin1 text (one character per byte): a
 * masker over the secrets' UTF-8 bytes (see byteMaskerOf) answers in bytes.
 */
export interface LongLineCutter {
  /** Characters always held back from a cut piece (the longest secret's length, less one). */
  readonly keep: number;
  /** A cut position at most `limit` (or just past a secret that starts at 0) that splits no secret of `text`. */
  cut(text: string, limit: number): number;
}

/**
 * Called with each line or piece: `line` is the text to show (decoded as UTF-8, without its `\n` or the `\r` before
 * it); `raw` its bytes exactly as they came, as latin1 text (one character per byte; `Buffer.from(raw, 'latin1')` gives
 * them back), its `\n` included, so the pieces' `raw` together are the stream, byte for byte. A piece cut from a long
 * line, or the stream's last one, has no `\n` in its `raw`.
 */
export type LineHandler = (line: string, raw: string) => void;

export interface LineSplitter {
  push(chunk: Buffer): void;
  end(): void;
}

export interface LineSplitterOptions {
  maxLineLength?: number;
  cutter?: LongLineCutter;
}

const EMPTY: Buffer = Buffer.alloc(0);

export function createLineSplitter(onLine: LineHandler, options: LineSplitterOptions = {}): LineSplitter {
  const keep = options.cutter?.keep ?? 0;
  // A secret longer than the limit must still fit whole in one piece.
  const max = Math.max(options.maxLineLength ?? MAX_LOG_LINE_LENGTH, keep + 1);
  // A piece cut from a long line may end inside a character: the decoder keeps its first bytes for the next piece's
  // text (the raw bytes are emitted as they are). Lines that follow a newline decode on their own.
  // Made at the first cut piece: most streams (a foreach line's stderr, one splitter per line) never need one, and a
  // StringDecoder allocates a buffer of its own.
  let decoder: StringDecoder | undefined;
  let decoderHolds = false;
  let pending = EMPTY;

  /** The text of `bytes` (a piece of `data`, which `latin1` holds as text), as the console shows it. */
  const textOf = (data: Buffer, latin1: string, ascii: boolean, start: number, end: number, ending: 'newline' | 'cut' | 'end'): string => {
    let text: string;
    if (decoderHolds || ending === 'cut') {
      decoder ??= new StringDecoder('utf8');
      text = decoder.write(data.subarray(start, end)) + (ending === 'end' ? decoder.end() : '');
      decoderHolds = ending === 'cut';
    } else {
      // ASCII (most stderr) reads the same in latin1 and UTF-8: a slice of the chunk's text, no decoding per line.
      text = ascii ? latin1.slice(start, end) : data.toString('utf8', start, end);
    }
    if (ending === 'cut') return text;
    if (ending === 'newline') text = text.slice(0, -1);
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };

  return {
    push(chunk: Buffer) {
      const data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      // One string per chunk, one character per byte: each line's bytes are a slice of it.
      const latin1 = data.toString('latin1');
      const ascii = isAscii(data);
      let start = 0;
      for (;;) {
        const nl = latin1.indexOf('\n', start);
        if (nl === -1) break;
        onLine(textOf(data, latin1, ascii, start, nl + 1, 'newline'), latin1.slice(start, nl + 1));
        start = nl + 1;
      }
      // Copied: a short rest must not keep the whole chunk it came in alive.
      pending = start === 0 ? data : Buffer.from(data.subarray(start));
      let rest = start === 0 ? latin1 : latin1.slice(start);
      while (pending.length >= max + keep) {
        const limit = max;
        const cut = options.cutter && keep > 0 ? options.cutter.cut(rest, limit) : limit;
        // A cutter answer out of range would lose text or loop: fall back to the limit.
        const at = cut > 0 && cut <= pending.length ? cut : limit;
        onLine(textOf(pending, rest, false, 0, at, 'cut'), rest.slice(0, at));
        pending = pending.subarray(at);
        rest = rest.slice(at);
      }
    },
    end() {
      const raw = pending;
      pending = EMPTY;
      if (raw.length > 0) onLine(textOf(raw, '', false, 0, raw.length, 'end'), raw.toString('latin1'));
      else if (decoderHolds) {
        // The stream ended inside a character of a cut piece: its bytes were emitted, the text shows the replacement.
        decoderHolds = false;
        const rest = (decoder as StringDecoder).end();
        if (rest.length > 0) onLine(rest, '');
      }
    },
  };
}
