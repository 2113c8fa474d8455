// Tests for how Azure fires a schedule: UTC cron on the job where the zone allows, a Logic Apps recurrence in the zone otherwise.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../errors.js';
import type { Schedule } from '../../../project/types.js';
import { planScheduleTrigger } from './schedule-trigger.js';

const now = new Date('2026-12-04T00:00:00Z');
const schedule = (cron: string, timezone?: string): Schedule => ({ target_id: 't1', cron, envs: [], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]', ...(timezone ? { timezone } : {}) });
const plan = (cron: string, timezone?: string) => planScheduleTrigger(schedule(cron, timezone), now);

function refusal(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a refusal');
}

describe('planScheduleTrigger', () => {
  it('keeps the job\'s own UTC cron for UTC, fixed-offset zones and rates', () => {
    expect(plan('0 2 * * ? *')).toEqual({ kind: 'cron', cronExpression: '0 2 * * *' });
    expect(plan('0 6 ? * MON *', 'Asia/Tokyo')).toEqual({ kind: 'cron', cronExpression: '0 21 * * 0' });
    expect(plan('rate(15 minutes)', 'Europe/Paris')).toEqual({ kind: 'cron', cronExpression: '*/15 * * * *' });
  });

  it('fires a schedule in a zone with daylight saving by a recurrence at its local times, in the Windows zone', () => {
    expect(plan('0 6 * * ? *', 'Europe/Paris')).toEqual({
      kind: 'recurrence',
      recurrence: { frequency: 'Day', interval: 1, startTime: '2024-01-01T00:00:00', timeZone: 'Romance Standard Time', schedule: { hours: [6], minutes: [0] } },
    });
    expect(plan('30 7,19 ? * MON-FRI *', 'America/New_York')).toMatchObject({
      recurrence: { frequency: 'Week', timeZone: 'Eastern Standard Time', schedule: { hours: [7, 19], minutes: [30], weekDays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] } },
    });
    expect(plan('0 1 1,15 * ? *', 'Europe/Berlin')).toMatchObject({ recurrence: { frequency: 'Month', timeZone: 'W. Europe Standard Time', schedule: { hours: [1], minutes: [0], monthDays: [1, 15] } } });
    // Every hour on the quarter: every hour listed, the minutes as given.
    expect(plan('0/15 * * * ? *', 'Australia/Sydney')).toMatchObject({ recurrence: { frequency: 'Day', timeZone: 'AUS Eastern Standard Time', schedule: { minutes: [0, 15, 30, 45] } } });
    const hours = (plan('0/15 * * * ? *', 'Australia/Sydney') as { recurrence: { schedule: { hours: number[] } } }).recurrence.schedule.hours;
    expect(hours).toEqual(Array.from({ length: 24 }, (_, i) => i));
    // An alias CLDR does not list by that name is found by its canonical id.
    expect(plan('0 6 * * ? *', 'Europe/Kyiv')).toMatchObject({ recurrence: { timeZone: 'FLE Standard Time' } });
  });

  it('refuses, located, what a recurrence cannot say', () => {
    const months = refusal(() => plan('0 6 1 1 ? *', 'Europe/Paris'));
    expect(months.message).toContain('a recurrence cannot limit the months');
    expect(months.diagnostics?.[0]).toMatchObject({ path: 'schedules[0].cron' });
    expect(refusal(() => plan('0 6 L * ? *', 'Europe/Paris')).message).toContain('L and W');
  });
});
