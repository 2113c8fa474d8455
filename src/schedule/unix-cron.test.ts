// Tests of the unix-cron forms of schedules: in their own zone, and moved to UTC for services that run crons in UTC only.
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../project/types.js';
import { toUnixCron, toUtcUnixCron } from './unix-cron.js';

const schedule = (cron: string, timezone?: string): Schedule => ({ target_id: '1', cron, envs: [], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]', ...(timezone ? { timezone } : {}) });
const now = new Date('2026-01-15T00:00:00Z');
const utc = (cron: string, timezone?: string): string => toUtcUnixCron(schedule(cron, timezone), 'Container Apps', now);

describe('toUnixCron', () => {
  it('writes AWS cron as unix-cron: lists, whole ranges as *, weekdays from 0 = Sunday', () => {
    expect(toUnixCron(schedule('0 6 * * ? *'), 'X')).toBe('0 6 * * *');
    expect(toUnixCron(schedule('0/15 9-17 ? * MON-FRI *'), 'X')).toBe('0,15,30,45 9,10,11,12,13,14,15,16,17 * * 1,2,3,4,5');
    expect(toUnixCron(schedule('30 2 1,15 JAN,JUL ? *'), 'X')).toBe('30 2 1,15 1,7 *');
    expect(toUnixCron(schedule('0 0 ? * SUN *'), 'X')).toBe('0 0 * * 0');
    expect(toUnixCron(schedule('@daily'), 'X')).toBe('0 0 * * *');
  });

  it('writes rates that divide an hour or a day as the cron with the same fires', () => {
    expect(toUnixCron(schedule('rate(1 minute)'), 'X')).toBe('* * * * *');
    expect(toUnixCron(schedule('rate(1 hour)'), 'X')).toBe('0 * * * *');
    expect(toUnixCron(schedule('rate(1 day)'), 'X')).toBe('0 0 * * *');
  });

  it('refuses what unix-cron cannot say, naming the service', () => {
    expect(() => toUnixCron(schedule('0 6 ? * 6#3 *'), 'Cloud Scheduler')).toThrow(/cannot run on Cloud Scheduler: L and #/);
  });

  it('writes AWS cron, presets and rates as unix cron (weekdays from 0 = Sunday)', () => {
    expect(toUnixCron(schedule('0 6 ? * MON-FRI *'), 'X')).toBe('0 6 * * 1,2,3,4,5');
    expect(toUnixCron(schedule('@monthly'), 'X')).toBe('0 0 1 * *');
    expect(toUnixCron(schedule('rate(15 minutes)'), 'X')).toBe('*/15 * * * *');
    expect(toUnixCron(schedule('rate(6 hours)'), 'X')).toBe('0 */6 * * *');
    expect(() => toUnixCron(schedule('rate(7 minutes)'), 'X')).toThrow(/does not divide an hour or a day/);
    expect(() => toUnixCron(schedule('0 6 L * ? *'), 'X')).toThrow(/L and W/);
    expect(() => toUnixCron(schedule('0 6 * * ? 2027'), 'X')).toThrow(/no year field/);
  });
});

describe('toUtcUnixCron', () => {
  it('keeps UTC schedules as they are', () => {
    expect(utc('0 6 * * ? *')).toBe('0 6 * * *');
    expect(utc('30 2 1 1 ? *', 'UTC')).toBe('30 2 1 1 *');
  });

  it('shifts a zone without daylight saving, into the previous day of the week when the whole day moves', () => {
    expect(utc('0 6 * * ? *', 'Asia/Tokyo')).toBe('0 21 * * *');
    expect(utc('0 6 ? * MON *', 'Asia/Tokyo')).toBe('0 21 * * 0');
    expect(utc('0 9,21 * * ? *', 'Asia/Kolkata')).toBe('30 3,15 * * *');
  });

  it('refuses a zone with daylight saving, saying why and what to write instead', () => {
    let error: unknown;
    try {
      utc('0 6 * * ? *', 'Europe/Paris');
    } catch (e) {
      error = e;
    }
    expect(String(error)).toContain('Container Apps runs schedules in UTC, and Europe/Paris moves between UTC+1 and UTC+2 (daylight saving)');
    expect((error as { fix: string }).fix).toContain('timezone: UTC');
  });

  it('refuses a shift the fields cannot hold', () => {
    // 23:00 and 01:00 in Tokyo fall on different UTC days; with a weekday that cannot be one cron.
    expect(() => utc('0 1,23 ? * MON *', 'Asia/Tokyo')).toThrow(/previous or next day/);
    expect(() => utc('0 3 1 * ? *', 'Asia/Tokyo')).toThrow(/another day of the month/);
  });
});
