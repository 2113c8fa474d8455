// The line splitter: lines from any chunking, long lines cut without ever splitting a secret (property-tested).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMasker } from '../secrets/mask.js';
import { createLineSplitter, type LineSplitterOptions } from './line-splitter.js';

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
});
