import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads a number and one unit of s, m, h or d', () => {
    expect([parseDuration('90s'), parseDuration('30m'), parseDuration('12h'), parseDuration('7d'), parseDuration(' 2 h ')]).toEqual([90_000, 1_800_000, 43_200_000, 604_800_000, 7_200_000]);
  });

  it('gives undefined for anything else', () => {
    expect([parseDuration('5 minutes'), parseDuration('1.5h'), parseDuration('10'), parseDuration('-1d'), parseDuration('')]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
