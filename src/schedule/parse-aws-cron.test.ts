// Tests of parseAwsCron's parsed value sets and day rules (next fire times are tested in parse-schedule.test.ts).

import { describe, expect, it } from 'vitest';
import { parseAwsCron } from './parse-aws-cron.js';

describe('parseAwsCron', () => {
  it.each([
    { fields: '*/20 * * * ? *', key: 'minutes', expected: [0, 20, 40] },
    { fields: '5/20 * * * ? *', key: 'minutes', expected: [5, 25, 45] },
    { fields: '10-50/10 * * * ? *', key: 'minutes', expected: [10, 20, 30, 40, 50] },
    { fields: '58-2 * * * ? *', key: 'minutes', expected: [0, 1, 2, 58, 59] },
    { fields: '0 20-2 * * ? *', key: 'hours', expected: [0, 1, 2, 20, 21, 22, 23] },
    { fields: '0 20-2/2 * * ? *', key: 'hours', expected: [0, 2, 20, 22] },
    { fields: '0 1,1,3 * * ? *', key: 'hours', expected: [1, 3] },
    { fields: '0 0 1 oct-feb ? *', key: 'months', expected: [1, 2, 10, 11, 12] },
    { fields: '0 0 1 * ? 2198-2199', key: 'years', expected: [2198, 2199] },
  ])('$fields → $key $expected', ({ fields, key, expected }) => {
    expect(parseAwsCron(fields)[key as 'minutes']).toEqual(expected);
  });

  it.each([
    { fields: '0 0 ? * SAT-MON *', expected: { kind: 'weekdays', weekdays: [1, 2, 7] } },
    { fields: '0 0 ? * L *', expected: { kind: 'weekdays', weekdays: [7] } },
    { fields: '0 0 ? * 6L *', expected: { kind: 'last-of-month', weekday: 6 } },
    { fields: '0 0 ? * fri#3 *', expected: { kind: 'nth-of-month', weekday: 6, nth: 3 } },
    { fields: '0 0 ? * */2 *', expected: { kind: 'weekdays', weekdays: [1, 3, 5, 7] } },
  ])('day-of-week $fields', ({ fields, expected }) => {
    const cron = parseAwsCron(fields);
    expect(cron.dayOfWeek).toEqual(expected);
    expect(cron.dayOfMonth).toEqual({ kind: 'unspecified' });
  });

  it.each([
    { fields: '0 0 L * ? *', expected: { kind: 'last-day' } },
    { fields: '0 0 lw * ? *', expected: { kind: 'last-weekday' } },
    { fields: '0 0 15W * ? *', expected: { kind: 'nearest-weekday', day: 15 } },
    { fields: '0 0 1-3,20 * ? *', expected: { kind: 'days', days: [1, 2, 3, 20] } },
  ])('day-of-month $fields', ({ fields, expected }) => {
    expect(parseAwsCron(fields).dayOfMonth).toEqual(expected);
  });

  it.each(['0 0 1,L * ? *', '0 0 WL * ? *', '0 0 W * ? *'])('rejects day-of-month in %s', (fields) => {
    expect(() => parseAwsCron(fields)).toThrow(/day-of-month/);
  });

  it('normalizes the fields AWS gets: single spaces, names upper-case', () => {
    expect(parseAwsCron('  0  6 ? jan,feb mon-fri  * ').fields).toBe('0 6 ? JAN,FEB MON-FRI *');
  });
});
