// Tests of parseSchedule: AWS's documented examples, L/W/# edge cases, years, DST, rates, presets and every error.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseSchedule, ScheduleSyntaxError, SCHEDULE_PRESETS } from './parse-schedule.js';

/** Next fire times as ISO strings without milliseconds, for readable tables. */
function fire(expression: string, after: string, count: number, timezone?: string): string[] {
  return parseSchedule(expression, timezone)
    .nextFireTimes(new Date(after), count)
    .map((d) => d.toISOString().replace('.000Z', 'Z'));
}

/** The ScheduleSyntaxError a call throws (fails the test when it does not throw one). */
function catchError(call: () => unknown): ScheduleSyntaxError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleSyntaxError);
    return error as ScheduleSyntaxError;
  }
  throw new Error('expected a ScheduleSyntaxError');
}

// Calendar used below: 2026-01-01 is a Thursday; 2026-01-02 a Friday; 2026-01-05 a Monday.
describe('AWS documented cron examples', () => {
  const cases: Array<{ expression: string; meaning: string; after: string; expected: string[] }> = [
    {
      expression: '0 10 * * ? *',
      meaning: '10:00 am (UTC) every day',
      after: '2026-01-02T17:52:30Z',
      expected: ['2026-01-03T10:00:00Z', '2026-01-04T10:00:00Z', '2026-01-05T10:00:00Z'],
    },
    {
      expression: '15 12 * * ? *',
      meaning: '12:15 pm (UTC) every day',
      after: '2026-01-02T17:52:30Z',
      expected: ['2026-01-03T12:15:00Z', '2026-01-04T12:15:00Z', '2026-01-05T12:15:00Z'],
    },
    {
      expression: '0 18 ? * MON-FRI *',
      meaning: '6:00 pm (UTC) Monday through Friday',
      after: '2026-01-02T17:52:30Z',
      expected: ['2026-01-02T18:00:00Z', '2026-01-05T18:00:00Z', '2026-01-06T18:00:00Z'],
    },
    {
      expression: '0 8 1 * ? *',
      meaning: '8:00 am (UTC) every first day of the month',
      after: '2026-01-02T17:52:30Z',
      expected: ['2026-02-01T08:00:00Z', '2026-03-01T08:00:00Z', '2026-04-01T08:00:00Z'],
    },
    {
      expression: '0/15 * * * ? *',
      meaning: 'every 15 minutes',
      after: '2026-01-02T17:52:30Z',
      expected: ['2026-01-02T18:00:00Z', '2026-01-02T18:15:00Z', '2026-01-02T18:30:00Z'],
    },
    {
      expression: '0/10 * ? * MON-FRI *',
      meaning: 'every 10 minutes Monday through Friday (skips the weekend)',
      after: '2026-01-02T23:45:00Z',
      expected: ['2026-01-02T23:50:00Z', '2026-01-05T00:00:00Z', '2026-01-05T00:10:00Z'],
    },
    {
      expression: '0/5 8-17 ? * MON-FRI *',
      meaning: 'every 5 minutes Monday through Friday between 8:00 am and 5:55 pm (UTC)',
      after: '2026-01-02T17:52:30Z',
      expected: ['2026-01-02T17:55:00Z', '2026-01-05T08:00:00Z', '2026-01-05T08:05:00Z'],
    },
    {
      expression: '0/30 20-2 ? * MON-FRI *',
      meaning: 'every 30 minutes Monday through Friday, 20:00 to 02:30 (wrap-around hours; also Monday 00:00-02:30)',
      after: '2026-01-02T23:40:00Z',
      expected: [
        '2026-01-05T00:00:00Z',
        '2026-01-05T00:30:00Z',
        '2026-01-05T01:00:00Z',
        '2026-01-05T01:30:00Z',
        '2026-01-05T02:00:00Z',
        '2026-01-05T02:30:00Z',
        '2026-01-05T20:00:00Z',
      ],
    },
    {
      expression: '0 9 ? * 2#1 *',
      meaning: '9:00 am (UTC) on the first Monday of each month',
      after: '2026-01-02T17:52:30Z',
      expected: ['2026-01-05T09:00:00Z', '2026-02-02T09:00:00Z', '2026-03-02T09:00:00Z'],
    },
    // Snippets from AWS's description of the wildcards.
    {
      expression: '1/10 * * * ? *',
      meaning: '1/10 = every tenth minute starting at minute 1 (11, 21, 31, …)',
      after: '2026-01-02T17:52:30Z',
      expected: ['2026-01-02T18:01:00Z', '2026-01-02T18:11:00Z', '2026-01-02T18:21:00Z'],
    },
    {
      expression: '0 12 1-15 JAN,FEB,MAR ? *',
      meaning: '1-15 = days 1 through 15; JAN,FEB,MAR = those months',
      after: '2026-01-14T13:00:00Z',
      expected: ['2026-01-15T12:00:00Z', '2026-02-01T12:00:00Z', '2026-02-02T12:00:00Z'],
    },
    {
      expression: '0 0 3W * ? *',
      meaning: '3W = the weekday closest to the 3rd (Sat 2026-01-03 → Fri the 2nd)',
      after: '2026-01-01T00:00:00Z',
      expected: ['2026-01-02T00:00:00Z', '2026-02-03T00:00:00Z', '2026-03-03T00:00:00Z'],
    },
    {
      expression: '0 0 ? * 3#2 *',
      meaning: '3#2 = the second Tuesday of the month',
      after: '2026-01-01T00:00:00Z',
      expected: ['2026-01-13T00:00:00Z', '2026-02-10T00:00:00Z', '2026-03-10T00:00:00Z'],
    },
    {
      expression: 'cron(0 10 * * ? *)',
      meaning: 'the cron(...) wrapper AWS uses is accepted too',
      after: '2026-01-02T17:52:30Z',
      expected: ['2026-01-03T10:00:00Z'],
    },
  ];

  it.each(cases)('$expression: $meaning', ({ expression, after, expected }) => {
    expect(fire(expression, after, expected.length)).toEqual(expected);
  });
});

describe('fields, ranges, lists and steps', () => {
  const cases: Array<{ expression: string; after: string; expected: string[]; note: string }> = [
    { note: 'a fire exactly at `after` is not included', expression: '0 10 * * ? *', after: '2026-01-03T10:00:00Z', expected: ['2026-01-04T10:00:00Z'] },
    { note: 'one millisecond before counts', expression: '0 10 * * ? *', after: '2026-01-03T09:59:59.999Z', expected: ['2026-01-03T10:00:00Z'] },
    { note: '*/5 minutes', expression: '*/5 * * * ? *', after: '2026-01-01T00:01:00Z', expected: ['2026-01-01T00:05:00Z', '2026-01-01T00:10:00Z'] },
    {
      note: 'range with step 10-50/10',
      expression: '10-50/10 0 * * ? *',
      after: '2026-01-01T00:00:00Z',
      expected: ['2026-01-01T00:10:00Z', '2026-01-01T00:20:00Z', '2026-01-01T00:30:00Z', '2026-01-01T00:40:00Z', '2026-01-01T00:50:00Z', '2026-01-02T00:10:00Z'],
    },
    { note: 'wrap-around weekdays FRI-MON', expression: '0 1 ? * FRI-MON *', after: '2026-01-06T00:00:00Z', expected: ['2026-01-09T01:00:00Z', '2026-01-10T01:00:00Z', '2026-01-11T01:00:00Z', '2026-01-12T01:00:00Z', '2026-01-16T01:00:00Z'] },
    { note: 'wrap-around months NOV-FEB', expression: '0 0 1 NOV-FEB ? *', after: '2026-01-15T00:00:00Z', expected: ['2026-02-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'] },
    { note: 'names are case-insensitive', expression: '0 6 ? jan Mon *', after: '2026-01-01T00:00:00Z', expected: ['2026-01-05T06:00:00Z', '2026-01-12T06:00:00Z'] },
    { note: 'numbers and names mix; 1 = SUN, 7 = SAT', expression: '0 0 ? * 1,SAT *', after: '2026-01-01T00:00:00Z', expected: ['2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z', '2026-01-10T00:00:00Z'] },
    { note: 'day-of-month step 1/10', expression: '0 0 1/10 * ? *', after: '2026-01-01T00:00:00Z', expected: ['2026-01-11T00:00:00Z', '2026-01-21T00:00:00Z', '2026-01-31T00:00:00Z', '2026-02-01T00:00:00Z'] },
    { note: 'day 31 skips shorter months', expression: '0 0 31 * ? *', after: '2026-01-31T00:00:00Z', expected: ['2026-03-31T00:00:00Z', '2026-05-31T00:00:00Z', '2026-07-31T00:00:00Z'] },
    { note: 'extra spaces between fields', expression: '  0   10 *  * ? *  ', after: '2026-01-02T17:52:30Z', expected: ['2026-01-03T10:00:00Z'] },
  ];

  it.each(cases)('$note: $expression', ({ expression, after, expected }) => {
    expect(fire(expression, after, expected.length)).toEqual(expected);
  });
});

// Calendar facts: 2026-05-31 is a Sunday, 2026-08-01 a Saturday, 2026-03-15 a Sunday, 2026-08-15 a Saturday.
describe('L, W and # edge cases', () => {
  const cases: Array<{ note: string; expression: string; after: string; expected: string[] }> = [
    { note: 'LW in a month ending on a Sunday (May 2026) is Friday the 29th', expression: '0 0 LW * ? *', after: '2026-05-01T00:00:00Z', expected: ['2026-05-29T00:00:00Z', '2026-06-30T00:00:00Z', '2026-07-31T00:00:00Z'] },
    { note: 'LW in a month ending on a Saturday (Feb 2026) is Friday the 27th', expression: '0 0 LW * ? *', after: '2026-02-01T00:00:00Z', expected: ['2026-02-27T00:00:00Z'] },
    { note: '1W when the 1st is a Saturday is Monday the 3rd (W never crosses months)', expression: '0 0 1W * ? *', after: '2026-07-15T00:00:00Z', expected: ['2026-08-03T00:00:00Z', '2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z'] },
    { note: '1W when the 1st is a Sunday is Monday the 2nd', expression: '0 0 1W * ? *', after: '2026-01-15T00:00:00Z', expected: ['2026-02-02T00:00:00Z'] },
    { note: '15W on a Sunday moves to Monday, on a Saturday to Friday', expression: '0 0 15W * ? *', after: '2026-03-01T00:00:00Z', expected: ['2026-03-16T00:00:00Z', '2026-04-15T00:00:00Z', '2026-05-15T00:00:00Z', '2026-06-15T00:00:00Z', '2026-07-15T00:00:00Z', '2026-08-14T00:00:00Z'] },
    { note: '31W skips 30-day months (like 31) and moves a Sunday 31st back to Friday', expression: '0 0 31W * ? *', after: '2026-04-01T00:00:00Z', expected: ['2026-05-29T00:00:00Z', '2026-07-31T00:00:00Z', '2026-08-31T00:00:00Z'] },
    { note: 'L in February: 28th in common years, 29th in leap years', expression: '0 0 L 2 ? *', after: '2026-01-01T00:00:00Z', expected: ['2026-02-28T00:00:00Z', '2027-02-28T00:00:00Z', '2028-02-29T00:00:00Z', '2029-02-28T00:00:00Z'] },
    { note: 'L is the last day of each month', expression: '30 23 L * ? *', after: '2026-01-01T00:00:00Z', expected: ['2026-01-31T23:30:00Z', '2026-02-28T23:30:00Z', '2026-03-31T23:30:00Z', '2026-04-30T23:30:00Z'] },
    { note: '6#5 skips months without a fifth Friday', expression: '0 0 ? * 6#5 *', after: '2026-01-01T00:00:00Z', expected: ['2026-01-30T00:00:00Z', '2026-05-29T00:00:00Z', '2026-07-31T00:00:00Z', '2026-10-30T00:00:00Z'] },
    { note: '6L is the last Friday', expression: '0 0 ? * 6L *', after: '2026-01-01T00:00:00Z', expected: ['2026-01-30T00:00:00Z', '2026-02-27T00:00:00Z', '2026-03-27T00:00:00Z'] },
    { note: 'FRIL is the last Friday too', expression: '0 0 ? * FRIL *', after: '2026-01-01T00:00:00Z', expected: ['2026-01-30T00:00:00Z'] },
    { note: 'a bare L in day-of-week is the last day of the week, Saturday', expression: '0 12 ? * L *', after: '2026-01-01T00:00:00Z', expected: ['2026-01-03T12:00:00Z', '2026-01-10T12:00:00Z', '2026-01-17T12:00:00Z'] },
    { note: 'MON#1 with a name', expression: '0 9 ? * MON#1 *', after: '2026-01-01T00:00:00Z', expected: ['2026-01-05T09:00:00Z'] },
  ];

  it.each(cases)('$note', ({ expression, after, expected }) => {
    expect(fire(expression, after, expected.length)).toEqual(expected);
  });
});

describe('leap years and the year field', () => {
  it('0 0 29 2 ? * from 2025 fires next on 2028-02-29', () => {
    expect(fire('0 0 29 2 ? *', '2025-01-01T00:00:00Z', 2)).toEqual(['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']);
  });

  it('finds a rare date quickly: the fifth Monday of February exists only when Feb 29 is a Monday', () => {
    expect(fire('0 0 ? 2 2#5 *', '2026-01-01T00:00:00Z', 2)).toEqual(['2044-02-29T00:00:00Z', '2072-02-29T00:00:00Z']);
  });

  it('* * * * ? 2027 from 2026 starts at the first minute of 2027', () => {
    expect(fire('* * * * ? 2027', '2026-06-15T12:00:00Z', 3)).toEqual(['2027-01-01T00:00:00Z', '2027-01-01T00:01:00Z', '2027-01-01T00:02:00Z']);
  });

  it('a year range ends: fewer times than asked', () => {
    expect(fire('0 0 1 1 ? 2027-2029', '2026-01-01T00:00:00Z', 5)).toEqual(['2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z', '2029-01-01T00:00:00Z']);
  });

  it('a year step 2030/10', () => {
    expect(fire('0 0 1 1 ? 2030/10', '2026-01-01T00:00:00Z', 2)).toEqual(['2030-01-01T00:00:00Z', '2040-01-01T00:00:00Z']);
  });

  it('a schedule whose years are all past parses but has no next fire time', () => {
    expect(fire('0 0 1 1 ? 2020', '2026-01-01T00:00:00Z', 3)).toEqual([]);
  });

  it('the last possible fire time is in 2199', () => {
    expect(fire('59 23 31 12 ? *', '2199-01-01T00:00:00Z', 2)).toEqual(['2199-12-31T23:59:00Z']);
  });
});

// US clocks change at 02:00 local on 2026-03-08 (to EDT, -04:00) and 2026-11-01 (to EST, -05:00).
// EU clocks change at 01:00 UTC on 2026-03-29 (Berlin to CEST, +02:00) and 2026-10-25 (to CET, +01:00).
// EventBridge Scheduler: a local time skipped by spring-forward does not fire; a repeated one fires once.
describe('time zones and DST', () => {
  const cases: Array<{ note: string; expression: string; timezone: string; after: string; expected: string[] }> = [
    {
      note: 'New York spring forward: 02:00 does not exist on 2026-03-08 and is skipped',
      expression: '0 2 * * ? *',
      timezone: 'America/New_York',
      after: '2026-03-06T12:00:00Z',
      expected: ['2026-03-07T07:00:00Z', '2026-03-09T06:00:00Z', '2026-03-10T06:00:00Z'],
    },
    {
      note: 'New York spring forward: 02:30 is skipped too',
      expression: '30 2 * * ? *',
      timezone: 'America/New_York',
      after: '2026-03-07T12:00:00Z',
      expected: ['2026-03-09T06:30:00Z'],
    },
    {
      note: 'New York spring forward: 03:00 exists and fires in EDT',
      expression: '0 3 * * ? *',
      timezone: 'America/New_York',
      after: '2026-03-07T12:00:00Z',
      expected: ['2026-03-08T07:00:00Z', '2026-03-09T07:00:00Z'],
    },
    {
      note: 'New York spring forward: hourly loses local 02:00 but stays hourly in UTC',
      expression: '0 * * * ? *',
      timezone: 'America/New_York',
      after: '2026-03-08T04:30:00Z',
      expected: ['2026-03-08T05:00:00Z', '2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '2026-03-08T08:00:00Z'],
    },
    {
      note: 'New York fall back: 01:30 happens twice on 2026-11-01 and fires once, at the first (EDT)',
      expression: '30 1 * * ? *',
      timezone: 'America/New_York',
      after: '2026-10-31T12:00:00Z',
      expected: ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z'],
    },
    {
      note: 'New York fall back: from inside the repeated hour, the second 01:30 is not a fire time',
      expression: '30 1 * * ? *',
      timezone: 'America/New_York',
      after: '2026-11-01T06:15:00Z',
      expected: ['2026-11-02T06:30:00Z'],
    },
    {
      note: 'New York fall back: hourly fires once in the repeated hour',
      expression: '0 * * * ? *',
      timezone: 'America/New_York',
      after: '2026-11-01T03:30:00Z',
      expected: ['2026-11-01T04:00:00Z', '2026-11-01T05:00:00Z', '2026-11-01T07:00:00Z', '2026-11-01T08:00:00Z'],
    },
    {
      note: 'Berlin spring forward: 02:30 does not exist on 2026-03-29 and is skipped',
      expression: '30 2 * * ? *',
      timezone: 'Europe/Berlin',
      after: '2026-03-27T12:00:00Z',
      expected: ['2026-03-28T01:30:00Z', '2026-03-30T00:30:00Z'],
    },
    {
      note: 'Berlin fall back: 02:30 happens twice on 2026-10-25 and fires once, in CEST',
      expression: '30 2 * * ? *',
      timezone: 'Europe/Berlin',
      after: '2026-10-24T12:00:00Z',
      expected: ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'],
    },
    {
      note: 'Berlin: 09:00 local keeps its wall-clock time across the change',
      expression: '0 9 * * ? *',
      timezone: 'Europe/Berlin',
      after: '2026-03-27T12:00:00Z',
      expected: ['2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z'],
    },
    {
      note: 'day fields are evaluated in the local calendar (Monday 06:00 in Tokyo is Sunday 21:00 UTC)',
      expression: '0 6 ? * MON *',
      timezone: 'Asia/Tokyo',
      after: '2026-01-01T00:00:00Z',
      expected: ['2026-01-04T21:00:00Z', '2026-01-11T21:00:00Z'],
    },
    {
      note: 'a half-hour offset zone (Asia/Kolkata, +05:30)',
      expression: '0 0 * * ? *',
      timezone: 'Asia/Kolkata',
      after: '2026-01-01T00:00:00Z',
      expected: ['2026-01-01T18:30:00Z'],
    },
  ];

  it.each(cases)('$note', ({ expression, timezone, after, expected }) => {
    expect(fire(expression, after, expected.length, timezone)).toEqual(expected);
  });

  it('defaults to UTC and keeps the zone name as given', () => {
    expect(parseSchedule('0 6 * * ? *').timezone).toBe('UTC');
    expect(parseSchedule('0 6 * * ? *', 'Asia/Kolkata').timezone).toBe('Asia/Kolkata');
  });

  it('corrects the spelling of a zone name written in the wrong case', () => {
    expect(parseSchedule('0 6 * * ? *', 'america/new_york').timezone).toBe('America/New_York');
  });

  const badZones: Array<{ timezone: string; message: string; fix?: string }> = [
    { timezone: 'Mars/Olympus', message: 'timezone "Mars/Olympus" is not a known IANA time zone name' },
    { timezone: 'America/NewYork', message: 'timezone "America/NewYork" is not a known IANA time zone name', fix: 'did you mean "America/New_York"?' },
    { timezone: '', message: 'timezone is empty' },
    { timezone: '+01:00', message: '+01:00' },
  ];

  it.each(badZones)('rejects timezone "$timezone"', ({ timezone, message, fix }) => {
    const error = catchError(() => parseSchedule('0 6 * * ? *', timezone));
    expect(error.field).toBe('timezone');
    expect(error.message).toContain(message);
    if (fix) expect(error.fix).toBe(fix);
  });
});

describe('rate expressions', () => {
  it.each([
    { expression: 'rate(5 minutes)', after: '2026-01-01T00:00:30Z', expected: ['2026-01-01T00:05:30Z', '2026-01-01T00:10:30Z', '2026-01-01T00:15:30Z'] },
    { expression: 'rate(1 minute)', after: '2026-01-01T00:00:00Z', expected: ['2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z'] },
    { expression: 'rate(1 hour)', after: '2026-01-01T00:00:00Z', expected: ['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z'] },
    { expression: 'rate(12 hours)', after: '2026-01-01T00:00:00Z', expected: ['2026-01-01T12:00:00Z', '2026-01-02T00:00:00Z'] },
    { expression: 'rate(1 day)', after: '2026-01-01T00:00:00Z', expected: ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'] },
    { expression: 'rate(7 days)', after: '2026-01-01T00:00:00Z', expected: ['2026-01-08T00:00:00Z', '2026-01-15T00:00:00Z'] },
  ])('$expression uses `after` as its anchor', ({ expression, after, expected }) => {
    expect(fire(expression, after, expected.length)).toEqual(expected);
  });

  it('a day is 24 hours, also across a DST change in the schedule time zone', () => {
    expect(fire('rate(1 day)', '2026-03-07T12:00:00Z', 2, 'America/New_York')).toEqual(['2026-03-08T12:00:00Z', '2026-03-09T12:00:00Z']);
  });

  it('reports kind, expression as written and the AWS expression', () => {
    const schedule = parseSchedule('rate(5 minutes)', 'Europe/Berlin');
    expect(schedule).toMatchObject({ kind: 'rate', expression: 'rate(5 minutes)', awsExpression: 'rate(5 minutes)', timezone: 'Europe/Berlin' });
  });

  it('chains: passing the last fire time as `after` continues the series', () => {
    const schedule = parseSchedule('rate(2 hours)');
    const [first] = schedule.nextFireTimes(new Date('2026-01-01T00:00:00Z'), 1);
    expect(schedule.nextFireTimes(first, 1)[0].toISOString()).toBe('2026-01-01T04:00:00.000Z');
  });

  it.each([
    { expression: 'rate(0 minutes)', message: 'value "0" must be a positive integer' },
    { expression: 'rate(-5 minutes)', message: 'value "-5" must be a positive integer' },
    { expression: 'rate(1.5 hours)', message: 'value "1.5" must be a positive integer' },
    { expression: 'rate(1 hours)', message: 'unit "hours" must be singular when the value is 1: rate(1 hour)' },
    { expression: 'rate(5 hour)', message: 'unit "hour" must be plural when the value is greater than 1: rate(5 hours)' },
    { expression: 'rate(2 weeks)', message: 'unit "weeks" is not one of minute(s), hour(s), day(s)' },
    { expression: 'rate(5)', message: 'needs a value and a unit, e.g. rate(5 minutes); got "5"' },
    { expression: 'rate(5 minutes', message: 'is not of the form rate(value unit)' },
  ])('rejects $expression', ({ expression, message }) => {
    const error = catchError(() => parseSchedule(expression));
    expect(error.field).toBe('rate');
    expect(error.message).toBe(`rate "${expression}": ${message}`);
  });
});

describe('presets', () => {
  it.each([
    { preset: '@hourly', aws: 'cron(0 * * * ? *)', after: '2026-01-01T00:30:00Z', expected: ['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z'] },
    { preset: '@daily', aws: 'cron(0 0 * * ? *)', after: '2026-01-01T00:30:00Z', expected: ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'] },
    { preset: '@midnight', aws: 'cron(0 0 * * ? *)', after: '2026-01-01T00:30:00Z', expected: ['2026-01-02T00:00:00Z'] },
    { preset: '@weekly', aws: 'cron(0 0 ? * SUN *)', after: '2026-01-01T00:30:00Z', expected: ['2026-01-04T00:00:00Z', '2026-01-11T00:00:00Z'] },
    { preset: '@monthly', aws: 'cron(0 0 1 * ? *)', after: '2026-01-01T00:30:00Z', expected: ['2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z'] },
    { preset: '@yearly', aws: 'cron(0 0 1 1 ? *)', after: '2026-01-01T00:30:00Z', expected: ['2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z'] },
    { preset: '@annually', aws: 'cron(0 0 1 1 ? *)', after: '2026-01-01T00:30:00Z', expected: ['2027-01-01T00:00:00Z'] },
  ])('$preset is $aws', ({ preset, aws, after, expected }) => {
    const schedule = parseSchedule(preset);
    expect(schedule).toMatchObject({ kind: 'cron', expression: preset, awsExpression: aws });
    expect(fire(preset, after, expected.length)).toEqual(expected);
  });

  it('every preset is listed and maps to a cron that parses', () => {
    expect(Object.keys(SCHEDULE_PRESETS).sort()).toEqual(['@annually', '@daily', '@hourly', '@midnight', '@monthly', '@weekly', '@yearly']);
  });

  it('a preset runs at midnight of its time zone', () => {
    expect(fire('@daily', '2026-01-01T00:00:00Z', 1, 'Europe/Berlin')).toEqual(['2026-01-01T23:00:00Z']);
  });

  it('rejects an unknown preset and lists the known ones', () => {
    const error = catchError(() => parseSchedule('@reboot'));
    expect(error.field).toBe('preset');
    expect(error.message).toBe('schedule "@reboot": unknown preset; allowed: @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually');
  });
});

describe('AWS expression and metadata', () => {
  it.each([
    { expression: '0 6 * * ? *', aws: 'cron(0 6 * * ? *)' },
    { expression: 'cron(0 6 * * ? *)', aws: 'cron(0 6 * * ? *)' },
    { expression: '0  6 ? jan mon-fri  *', aws: 'cron(0 6 ? JAN MON-FRI *)' },
    { expression: '15 10 ? * 6l 2027-2028', aws: 'cron(15 10 ? * 6L 2027-2028)' },
  ])('$expression → $aws', ({ expression, aws }) => {
    const schedule = parseSchedule(expression);
    expect(schedule.kind).toBe('cron');
    expect(schedule.expression).toBe(expression);
    expect(schedule.awsExpression).toBe(aws);
  });

  it('count 0 gives no times; bad arguments are programming errors, not user errors', () => {
    const schedule = parseSchedule('0 6 * * ? *');
    expect(schedule.nextFireTimes(new Date('2026-01-01T00:00:00Z'), 0)).toEqual([]);
    expect(() => schedule.nextFireTimes(new Date('nonsense'), 1)).toThrow(RangeError);
    expect(() => schedule.nextFireTimes(new Date(), -1)).toThrow(RangeError);
  });
});

describe('invalid cron expressions name the field, the value and what is allowed', () => {
  it('both day fields set: the exact message with a suggestion', () => {
    const error = catchError(() => parseSchedule('0 6 * * MON *'));
    expect(error.message).toBe('cron "0 6 * * MON *": day-of-month and day-of-week cannot both be set; use ? in one of them (e.g. "0 6 ? * MON *")');
    expect(error).toBeInstanceOf(UserError);
    expect(error.exitCode).toBe(2);
  });

  it('both day fields *: suggests ? in day-of-week', () => {
    expect(catchError(() => parseSchedule('0 6 * * * *')).message).toContain('(e.g. "0 6 * * ? *")');
  });

  it('both day fields ?: asks to set one', () => {
    expect(catchError(() => parseSchedule('0 6 ? * ? *')).message).toBe(
      'cron "0 6 ? * ? *": day-of-month and day-of-week cannot both be ?; set one of them (e.g. "0 6 * * ? *")',
    );
  });

  const cases: Array<{ expression: string; field: string; value: string; message: string }> = [
    { expression: '? 6 * * ? *', field: 'minutes', value: '?', message: 'is only allowed in day-of-month and day-of-week; allowed: 0-59 with , - * /' },
    { expression: '60 6 * * ? *', field: 'minutes', value: '60', message: 'is out of range; allowed: 0-59 with , - * /' },
    { expression: 'L 6 * * ? *', field: 'minutes', value: 'L', message: 'uses L, W or # which this field does not allow' },
    { expression: '0 24 * * ? *', field: 'hours', value: '24', message: 'is out of range; allowed: 0-23 with , - * /' },
    { expression: '0 6 32 * ? *', field: 'day-of-month', value: '32', message: 'is out of range; allowed: 1-31 with , - * ? / L W' },
    { expression: '0 6 0 * ? *', field: 'day-of-month', value: '0', message: 'is out of range' },
    { expression: '0 6 * 13 ? *', field: 'month', value: '13', message: 'is out of range; allowed: 1-12 or JAN-DEC with , - * /' },
    { expression: '0 6 * JANUARY ? *', field: 'month', value: 'JANUARY', message: 'is not a number or a month name' },
    { expression: '0 6 ? * 8 *', field: 'day-of-week', value: '8', message: 'is out of range; allowed: 1-7 or SUN-SAT (1 = SUN) with , - * ? / L #' },
    { expression: '0 6 ? * 0 *', field: 'day-of-week', value: '0', message: 'is out of range' },
    { expression: '0 6 ? * MONDAY *', field: 'day-of-week', value: 'MONDAY', message: 'is not a number or a weekday name' },
    { expression: '0 6 ? * MON-FOO *', field: 'day-of-week', value: 'MON-FOO', message: 'is not a number or a weekday name' },
    { expression: '0 6 * * ? 1969', field: 'year', value: '1969', message: 'is out of range; allowed: 1970-2199 with , - * /' },
    { expression: '0 6 * * ? 2200', field: 'year', value: '2200', message: 'is out of range' },
    { expression: '0 6 * * ? 2030-2027', field: 'year', value: '2030-2027', message: 'is a range that goes backwards' },
    { expression: '0 6 * * ? ?', field: 'year', value: '?', message: 'is only allowed in day-of-month and day-of-week' },
    { expression: '0/0 6 * * ? *', field: 'minutes', value: '0/0', message: 'has a bad step (the number after / must be 1-59)' },
    { expression: '*/x 6 * * ? *', field: 'minutes', value: '*/x', message: 'has a bad step' },
    { expression: '0/60 6 * * ? *', field: 'minutes', value: '0/60', message: 'has a bad step' },
    { expression: '0 0/24 * * ? *', field: 'hours', value: '0/24', message: 'has a bad step (the number after / must be 1-23)' },
    { expression: '0/5/2 6 * * ? *', field: 'minutes', value: '0/5/2', message: 'has more than one /' },
    { expression: '1-2-3 6 * * ? *', field: 'minutes', value: '1-2-3', message: 'has more than one -' },
    { expression: '1,,2 6 * * ? *', field: 'minutes', value: '1,,2', message: 'has an empty item in its list' },
    { expression: '0 6 ? * 6#6 *', field: 'day-of-week', value: '6#6', message: 'has a bad occurrence after # (must be 1-5' },
    { expression: '0 6 ? * 6#0 *', field: 'day-of-week', value: '6#0', message: 'has a bad occurrence after #' },
    { expression: '0 6 ? * 8#2 *', field: 'day-of-week', value: '8#2', message: 'is out of range' },
    { expression: '0 6 ? * 3#1,6#3 *', field: 'day-of-week', value: '3#1,6#3', message: 'uses # in a list (# can be used only once' },
    { expression: '0 6 ? * 8L *', field: 'day-of-week', value: '8L', message: 'is out of range' },
    { expression: '0 6 ? * 1,6L *', field: 'day-of-week', value: '1,6L', message: 'mixes L into a list or range' },
    { expression: '0 6 L-2 * ? *', field: 'day-of-month', value: 'L-2', message: 'uses an offset from L, which AWS cron does not support' },
    { expression: '0 6 1W,15 * ? *', field: 'day-of-month', value: '1W,15', message: 'mixes L or W into a list' },
    { expression: '0 6 1-5W * ? *', field: 'day-of-month', value: '1-5W', message: 'uses W with a range or step' },
    { expression: '0 6 32W * ? *', field: 'day-of-month', value: '32W', message: 'is out of range' },
    { expression: '0 6 ?,1 * ? *', field: 'day-of-month', value: '?', message: 'must be alone in the field' },
  ];

  it.each(cases)('$expression → $field', ({ expression, field, value, message }) => {
    const error = catchError(() => parseSchedule(expression));
    expect(error.field).toBe(field);
    expect(error.value).toBe(value);
    expect(error.message).toContain(`cron "${expression}": ${field}: "${value}" ${message}`);
    expect(error.fix).toContain('docs.aws.amazon.com');
  });

  it('a 5-field Unix cron says 6 fields are needed and shows the AWS form', () => {
    const error = catchError(() => parseSchedule('0 6 * * *'));
    expect(error.field).toBe('fields');
    expect(error.message).toBe(
      'cron "0 6 * * *": needs 6 fields (minutes hours day-of-month month day-of-week year), got 5; AWS cron adds a year field and uses ? in one day field: write "0 6 * * ? *"',
    );
  });

  it('a 5-field Unix cron with weekdays gets them translated to AWS names', () => {
    expect(catchError(() => parseSchedule('30 7 * * 1-5')).message).toContain('write "30 7 ? * MON-FRI *"');
    expect(catchError(() => parseSchedule('0 0 * * 0')).message).toContain('write "0 0 ? * SUN *"');
  });

  it('a 7-field cron says AWS has no seconds field', () => {
    const error = catchError(() => parseSchedule('0 0 6 * * ? *'));
    expect(error.field).toBe('fields');
    expect(error.message).toBe(
      'cron "0 0 6 * * ? *": needs 6 fields (minutes hours day-of-month month day-of-week year), got 7; AWS cron has no seconds field: write "0 6 * * ? *"',
    );
  });

  it('another field count gives an example', () => {
    expect(catchError(() => parseSchedule('every day')).message).toBe(
      'cron "every day": needs 6 fields (minutes hours day-of-month month day-of-week year), got 2, e.g. "0 6 * * ? *" for 06:00 every day',
    );
  });

  it.each(['0 0 31 2 ? *', '0 0 30 FEB ? *', '0 0 31 4,6,9,11 ? *', '0 0 31W 2 ? *'])('%s never fires and says so', (expression) => {
    const error = catchError(() => parseSchedule(expression));
    expect(error.message).toContain('never fires');
  });

  it('an empty schedule, a one-time at(...) and an unclosed cron( are rejected', () => {
    expect(catchError(() => parseSchedule('  ')).message).toBe('schedule is empty');
    expect(catchError(() => parseSchedule('at(2027-01-01T00:00:00)')).message).toContain('one-time at(...) schedules are not supported');
    expect(catchError(() => parseSchedule('cron(0 6 * * ? *')).message).toContain('missing its closing parenthesis');
  });
});

// An independent oracle: walk the calendar day by day and check explicit value sets, instead of the parser's
// field-skipping search. Expressions are built from the sets as comma lists, so the oracle never reads our parser.
describe('property: next fire times equal a brute-force calendar walk (UTC)', () => {
  const subset = (min: number, max: number, maxLength: number) =>
    fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength }).map((values) => values.sort((a, b) => a - b));

  it('agrees for random minute/hour/day/month/weekday sets', () => {
    fc.assert(
      fc.property(
        subset(0, 59, 3),
        subset(0, 23, 3),
        fc.oneof(fc.record({ days: subset(1, 31, 3) }), fc.record({ weekdays: subset(1, 7, 3) })),
        subset(1, 12, 4),
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true }),
        (minutes, hours, day, months, after) => {
          const dom = 'days' in day ? day.days.join(',') : '?';
          const dow = 'weekdays' in day ? day.weekdays.join(',') : '?';
          const expression = `${minutes.join(',')} ${hours.join(',')} ${dom} ${months.join(',')} ${dow} *`;
          let schedule;
          try {
            schedule = parseSchedule(expression);
          } catch (error) {
            // Only "never fires" (e.g. 31 with 30-day months) may be rejected.
            expect((error as Error).message).toContain('never fires');
            return;
          }
          const expected: number[] = [];
          const date = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate()));
          for (let i = 0; i < 366 * 12 && expected.length < 3; i++, date.setUTCDate(date.getUTCDate() + 1)) {
            const dayMatches = 'days' in day ? day.days.includes(date.getUTCDate()) : day.weekdays.includes(date.getUTCDay() + 1);
            if (!dayMatches || !months.includes(date.getUTCMonth() + 1)) continue;
            for (const hour of hours) {
              for (const minute of minutes) {
                const t = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), hour, minute);
                if (t > after.getTime() && expected.length < 3) expected.push(t);
              }
            }
          }
          expect(schedule.nextFireTimes(after, 3).map((d) => d.getTime())).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
