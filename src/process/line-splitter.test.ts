// The line splitter: lines from any chunking, long lines cut without ever splitting a secret (property-tested).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteMaskerOf, createMasker } from '../secrets/mask.js';
import { createLineSplitter, type LineSplitterOptions } from './line-splitter.js';

/** Feeds `input` to a splitter in the given chunk sizes (cycled) and returns each piece's text and raw bytes. */
function splitRaw(input: Buffer, chunkSizes: number[], options: LineSplitterOptions = {}): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  const splitter = createLineSplitter((line, raw) => out.push([line, Buffer.from(raw, 'latin1')]), options);
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = chunkSizes[i % chunkSizes.length];
    splitter.push(input.subarray(at, at + size));
    at += size;
  }
  splitter.end();
  return out;
}

/** Feeds `input` to a splitter in the given chunk sizes (cycled) and returns every line or piece it emitted. */
function split(input: Buffer, chunkSizes: number[], options: LineSplitterOptions = {}): string[] {
  const out: string[] = [];
  const splitter = createLineSplitter((line) => out.push(line), options);
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = chunkSizes[i % chunkSizes.length];
    splitter.push(input.subarray(at, at + size));
    at += size;
  }
  splitter.end();
  return out;
}

describe('createLineSplitter', () => {
  it('emits lines whatever the chunking, drops a CR before the newline, keeps a character split between chunks', () => {
    const input = Buffer.from('one\r\ntwo\nthré€\nlast');
    for (const sizes of [[1], [2, 3], [100]]) expect(split(input, sizes)).toEqual(['one', 'two', 'thré€', 'last']);
  });

  it('cuts a line longer than the limit into pieces that together are the line', () => {
    const pieces = split(Buffer.from(`${'x'.repeat(25)}\nshort\n`), [7], { maxLineLength: 10 });
    expect(pieces).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5), 'short']);
  });

  it('decodes a character a cut falls inside of with the next piece, and one the stream ends inside of as U+FFFD', () => {
    // Each € is 3 bytes: a limit of 10 cuts inside the fourth; its bytes end one piece and its text shows in the next.
    const pieces = split(Buffer.from(`${'€'.repeat(7)}\nafter\n`), [4], { maxLineLength: 10 });
    expect(pieces.join('')).toBe(`${'€'.repeat(7)}after`);
    expect(pieces[pieces.length - 1]).toBe('after');
    const cutAtEnd = split(Buffer.concat([Buffer.from('x'.repeat(10)), Buffer.from('€').subarray(0, 2)]), [100], { maxLineLength: 11 });
    expect(cutAtEnd.join('')).toBe(`${'x'.repeat(10)}\uFFFD`);
  });

  it('never cuts inside a secret: 65531 bytes, then the secret, on one stderr line', () => {
    const secret = 'sekret-value-4711';
    const masker = createMasker([secret]);
    const pieces = split(Buffer.from(`${'A'.repeat(65531)}${secret}${'z'.repeat(5000)}\n`), [4096], { cutter: masker });
    expect(pieces.length).toBe(2);
    expect(pieces.map((p) => masker.mask(p))).toEqual(['A'.repeat(65531), `***${'z'.repeat(5000)}`]);
  });

  it('property: masking the pieces one by one equals masking the whole line, and no piece shows a secret', () => {
    const secretChars = fc.constantFrom(...'abcxyz0123456789-');
    const secrets = fc.array(fc.string({ unit: secretChars, minLength: 3, maxLength: 40 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        secrets,
        fc.array(fc.oneof(fc.string({ unit: fc.constantFrom(...'abcxyz01 é€'), maxLength: 30 }), fc.nat(3)), { maxLength: 40 }),
        fc.integer({ min: 8, max: 64 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 5 }),
        (values, parts, maxLineLength, chunkSizes) => {
          const masker = createMasker(values);
          // A line of text with secrets planted at random places (a number picks which secret goes there).
          const line = parts.map((p) => (typeof p === 'number' ? values[p % values.length] : p)).join('');
          const pieces = split(Buffer.from(line), chunkSizes, { maxLineLength, cutter: masker });
          const masked = pieces.map((p) => masker.mask(p));
          expect(masked.join('')).toBe(masker.mask(line));
          for (const piece of masked) for (const value of values) expect(piece.includes(value)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives each piece's bytes exactly as they came: CR, invalid UTF-8, a cut long line, no newline at the end", () => {
    const input = Buffer.concat([
      Buffer.from('a\r\nprogress 10%\rprogress 20%\r\n'),
      Buffer.from([0xff, 0xfe, 0x41, 0x0a]),
      Buffer.from(`${'é'.repeat(15)}\n`),
      Buffer.from('no-newline-at-end'),
    ]);
    for (const sizes of [[1], [3, 5], [1000]]) {
      const pieces = splitRaw(input, sizes, { maxLineLength: 10 });
      expect(Buffer.concat(pieces.map(([, raw]) => raw)).equals(input)).toBe(true);
      // The text shown is as before: no CR before a newline, a replacement for each invalid byte, none for a
      // character the cut split.
      expect(pieces.map(([line]) => line).join('')).toBe(`aprogress 10%\rprogress 20%\uFFFD\uFFFDA${'é'.repeat(15)}no-newline-at-end`);
    }
  });

  it('property: the raw pieces are the stream byte for byte; masked as bytes one by one, they are the stream masked whole', () => {
    const secretChars = fc.constantFrom(...'abcxyz0123456789-é€');
    const secrets = fc.array(fc.string({ unit: secretChars, minLength: 3, maxLength: 20 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(
        secrets,
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 30 }), fc.nat(3)), { maxLength: 40 }),
        fc.integer({ min: 8, max: 64 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 5 }),
        (values, parts, maxLineLength, chunkSizes) => {
          const bytes = byteMaskerOf(createMasker(values));
          const input = Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from(values[p % values.length]!) : Buffer.from(p))));
          const pieces = splitRaw(input, chunkSizes, { maxLineLength, cutter: bytes });
          expect(Buffer.concat(pieces.map(([, raw]) => raw)).equals(input)).toBe(true);
          const masked = pieces.map(([, raw]) => bytes.mask(raw.toString('latin1'))).join('');
          expect(masked).toBe(bytes.mask(input.toString('latin1')));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
