// Tests of wall-clock conversions: DST gaps and repeats, offsets, and time zone name checks.

import { describe, expect, it } from 'vitest';
import { checkTimeZone, fromLocalTime, getOffsetMs, isUtcTimeZone, toLocalTime, type LocalTime } from './local-time.js';
import { ScheduleSyntaxError } from './schedule-syntax-error.js';

const at = (year: number, month: number, day: number, hour: number, minute: number): LocalTime => ({ year, month, day, hour, minute });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('fromLocalTime', () => {
  it.each([
    { note: 'plain winter time in New York', local: at(2026, 1, 15, 9, 0), zone: 'America/New_York', expected: '2026-01-15T14:00:00.000Z' },
    { note: 'plain summer time in New York', local: at(2026, 7, 15, 9, 0), zone: 'America/New_York', expected: '2026-07-15T13:00:00.000Z' },
    { note: 'a time inside the spring-forward gap does not exist', local: at(2026, 3, 8, 2, 30), zone: 'America/New_York', expected: null },
    { note: 'the first minute after the gap exists', local: at(2026, 3, 8, 3, 0), zone: 'America/New_York', expected: '2026-03-08T07:00:00.000Z' },
    { note: 'a repeated fall-back time resolves to its first occurrence', local: at(2026, 11, 1, 1, 30), zone: 'America/New_York', expected: '2026-11-01T05:30:00.000Z' },
    { note: 'Berlin gap', local: at(2026, 3, 29, 2, 0), zone: 'Europe/Berlin', expected: null },
    { note: 'Berlin repeated hour', local: at(2026, 10, 25, 2, 59), zone: 'Europe/Berlin', expected: '2026-10-25T00:59:00.000Z' },
    { note: 'UTC is the identity', local: at(2026, 3, 8, 2, 30), zone: 'UTC', expected: '2026-03-08T02:30:00.000Z' },
    { note: 'Lord Howe Island moves its clocks by 30 minutes', local: at(2026, 10, 4, 2, 15), zone: 'Australia/Lord_Howe', expected: null },
  ])('$note', ({ local, zone, expected }) => {
    expect(iso(fromLocalTime(local, zone))).toBe(expected);
  });
});

describe('toLocalTime and getOffsetMs', () => {
  it('reads the wall clock of an instant, dropping seconds', () => {
    expect(toLocalTime(Date.parse('2026-11-01T06:30:45Z'), 'America/New_York')).toEqual(at(2026, 11, 1, 1, 30));
    expect(toLocalTime(Date.parse('2026-11-01T05:30:45Z'), 'America/New_York')).toEqual(at(2026, 11, 1, 1, 30));
    expect(toLocalTime(Date.parse('2026-12-31T23:59:59Z'), 'UTC')).toEqual(at(2026, 12, 31, 23, 59));
  });

  it('gives offsets east-positive, including half hours', () => {
    expect(getOffsetMs(Date.parse('2026-01-15T00:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
    expect(getOffsetMs(Date.parse('2026-07-15T00:00:00Z'), 'Europe/Berlin')).toBe(2 * 3_600_000);
    expect(getOffsetMs(Date.parse('2026-07-15T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });
});

describe('checkTimeZone', () => {
  it.each([
    ['UTC', 'UTC'],
    ['Etc/UTC', 'Etc/UTC'],
    ['utc', 'UTC'],
    ['Europe/Berlin', 'Europe/Berlin'],
    ['europe/berlin', 'Europe/Berlin'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
  ])('accepts %s as %s', (input, expected) => {
    expect(checkTimeZone(input)).toBe(expected);
  });

  it.each(['Nowhere/City', 'Europe/Berln', ' ', '-05:00'])('rejects %j with a timezone error', (input) => {
    let error: unknown;
    try {
      checkTimeZone(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScheduleSyntaxError);
    expect((error as ScheduleSyntaxError).field).toBe('timezone');
    expect((error as ScheduleSyntaxError).fix).toBeTruthy();
  });

  it('knows the names of UTC', () => {
    expect(isUtcTimeZone('Etc/UTC')).toBe(true);
    expect(isUtcTimeZone('Europe/London')).toBe(false);
  });
});
