// Tests of formatFireTimes: UTC only for UTC schedules, UTC plus local wall-clock time and offset otherwise.

import { describe, expect, it } from 'vitest';
import { formatFireTimes } from './describe-schedule.js';
import { parseSchedule } from './parse-schedule.js';

describe('formatFireTimes', () => {
  it('shows only ISO UTC for UTC schedules', () => {
    expect(formatFireTimes([new Date('2026-01-03T10:00:00Z'), new Date('2026-01-04T10:00:00Z')], 'UTC')).toEqual([
      '2026-01-03T10:00:00Z',
      '2026-01-04T10:00:00Z',
    ]);
    expect(formatFireTimes([new Date('2026-01-03T10:00:00Z')], 'Etc/UTC')).toEqual(['2026-01-03T10:00:00Z']);
  });

  it('adds the local time, offset and zone otherwise, across a DST change', () => {
    const schedule = parseSchedule('0 2 * * ? *', 'America/New_York');
    const times = schedule.nextFireTimes(new Date('2026-03-06T12:00:00Z'), 2);
    expect(formatFireTimes(times, schedule.timezone)).toEqual([
      '2026-03-07T07:00:00Z (2026-03-07 02:00 -05:00 America/New_York)',
      '2026-03-09T06:00:00Z (2026-03-09 02:00 -04:00 America/New_York)',
    ]);
  });

  it('handles half-hour offsets and dates that differ from the UTC date', () => {
    expect(formatFireTimes([new Date('2026-01-01T18:30:00Z')], 'Asia/Kolkata')).toEqual(['2026-01-01T18:30:00Z (2026-01-02 00:00 +05:30 Asia/Kolkata)']);
  });

  it('formats an empty list as an empty list', () => {
    expect(formatFireTimes([], 'Europe/Berlin')).toEqual([]);
  });
});
