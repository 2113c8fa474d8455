// randomHex: suffixes of the asked length, in hex, different on every call.
import { describe, expect, it } from 'vitest';
import { randomHex } from './random-suffix.js';

describe('randomHex', () => {
  it('gives exactly the length asked for, in lowercase hex', () => {
    for (const length of [1, 4, 8, 12, 17]) expect(randomHex(length)).toMatch(new RegExp(`^[0-9a-f]{${length}}$`));
  });
  it('differs from call to call', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => randomHex(12)));
    expect(seen.size).toBe(1000);
  });
});
