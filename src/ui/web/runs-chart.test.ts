// Unit test of the runs chart's axis rounding.
import { describe, expect, it } from 'vitest';
import { niceCeiling } from './runs-chart.js';

describe('niceCeiling', () => {
  it('rounds up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 0.3, 1, 1.2, 2.1, 3, 7, 10, 11, 240, 999, 1001].map(niceCeiling)).toEqual([1, 0.5, 1, 2, 2.5, 5, 10, 10, 20, 250, 1000, 2000]);
  });
});
