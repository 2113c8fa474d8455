// Tests of schedules as Cloud Scheduler's unix-cron: AWS cron fields, weekdays renumbered, rates, and what has no form.
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../project/types.js';
import { toUnixCron } from './unix-cron.js';

const schedule = (cron: string): Schedule => ({ target_id: '1', cron, envs: [], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]' });

describe('toUnixCron', () => {
  it('writes AWS cron as unix-cron: lists, whole ranges as *, weekdays from 0 = Sunday', () => {
    expect(toUnixCron(schedule('0 6 * * ? *'))).toBe('0 6 * * *');
    expect(toUnixCron(schedule('0/15 9-17 ? * MON-FRI *'))).toBe('0,15,30,45 9,10,11,12,13,14,15,16,17 * * 1,2,3,4,5');
    expect(toUnixCron(schedule('30 2 1,15 JAN,JUL ? *'))).toBe('30 2 1,15 1,7 *');
    expect(toUnixCron(schedule('0 0 ? * SUN *'))).toBe('0 0 * * 0');
    expect(toUnixCron(schedule('@daily'))).toBe('0 0 * * *');
  });

  it('writes rates that divide an hour or a day as the cron with the same fires', () => {
    expect(toUnixCron(schedule('rate(1 minute)'))).toBe('* * * * *');
    expect(toUnixCron(schedule('rate(15 minutes)'))).toBe('*/15 * * * *');
    expect(toUnixCron(schedule('rate(1 hour)'))).toBe('0 * * * *');
    expect(toUnixCron(schedule('rate(6 hours)'))).toBe('0 */6 * * *');
    expect(toUnixCron(schedule('rate(1 day)'))).toBe('0 0 * * *');
  });

  it('refuses what unix-cron cannot say, at the schedule\'s cron', () => {
    expect(() => toUnixCron(schedule('rate(7 minutes)'))).toThrow('does not divide an hour or a day');
    expect(() => toUnixCron(schedule('0 6 L * ? *'))).toThrow('L and W');
    expect(() => toUnixCron(schedule('0 6 ? * 6#3 *'))).toThrow('L and #');
    expect(() => toUnixCron(schedule('0 9 1 6 ? 2027'))).toThrow('no year field');
  });
});
