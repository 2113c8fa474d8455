// Tests of what `schedule list` says an Azure schedule fires on: the deployed UTC cron, or the recurrence as declared.
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../project/types.js';
import { compareScheduleLists } from '../deploy/schedule-listing.js';
import { describeFires } from './azure-schedules.js';
import { planScheduleTrigger } from './resources/schedule-trigger.js';

const schedule = (target_id: string, cron: string, extra: Partial<Schedule> = {}): Schedule => ({ target_id, cron, envs: [], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]', ...extra });

describe('azure schedule list', () => {
  it('lists a rate at the times of the UTC cron Container Apps runs, and a recurrence at its declared times', () => {
    const declared = [schedule('daily', 'rate(1 day)', { timezone: 'Asia/Kolkata' }), schedule('every2h', 'rate(2 hours)'), schedule('paris', '0 6 * * ? *', { timezone: 'Europe/Paris' })];
    const now = new Date('2026-12-06T03:12:00.707Z');
    const listing = compareScheduleLists({
      declared,
      deployed: new Map(declared.map((s) => [s.target_id, s])),
      differences: () => [],
      describe: () => ({ expression: '', enabled: true }),
      firesOn: (s) => describeFires(planScheduleTrigger(s, now)),
      now,
    });
    expect(listing[0]!.next).toEqual(['2026-12-07T00:00:00.000Z', '2026-12-08T00:00:00.000Z', '2026-12-09T00:00:00.000Z']);
    expect(listing[1]!.next).toEqual(['2026-12-06T04:00:00.000Z', '2026-12-06T06:00:00.000Z', '2026-12-06T08:00:00.000Z']);
    expect(listing[2]!.next[0]).toBe('2026-12-06T05:00:00.000Z');
    expect(describeFires(planScheduleTrigger(declared[2]!, now))).toBeUndefined();
  });
});
