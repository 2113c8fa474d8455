import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('is what toISOString returns, for any instant of the years 0 to 9999 and beyond, as a number or a Date', () => {
    // Date.UTC would read year 0 as 1900: parse the ends instead.
    const yearZero = Date.parse('0000-01-01T00:00:00.000Z');
    const yearEnd = Date.parse('9999-12-31T23:59:59.999Z');
    const first = yearZero - 1000 * 86_400_000;
    const last = yearEnd + 1000 * 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (ms) => {
        const expected = new Date(ms).toISOString();
        expect(isoTime(ms)).toBe(expected);
        expect(isoTime(new Date(ms))).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
    for (const ms of [0, -1, Date.UTC(2024, 1, 29, 23, 59, 59, 999), yearZero, yearZero - 1, yearEnd, yearEnd + 1]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('is now by default, and refuses an invalid date as toISOString does', () => {
    const before = Date.now();
    const now = Date.parse(isoTime());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
