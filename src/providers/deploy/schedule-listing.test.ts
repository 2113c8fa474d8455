// Tests of the shared schedule statuses: draft, scheduled, edited (with what differs) and orphaned.
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../project/types.js';
import { compareScheduleLists, describeScheduleAction, listNextFires } from './schedule-listing.js';

const schedule = (target_id: string, cron: string, extra: Partial<Schedule> = {}): Schedule => ({ target_id, cron, envs: [], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]', ...extra });

describe('compareScheduleLists', () => {
  it('tells each declared schedule from the deployed ones, and lists deployed ones no longer declared', () => {
    const deployed = new Map([
      ['1', { cron: '0 6 * * ? *', tz: 'Europe/Paris', on: true }],
      ['2', { cron: 'rate(1 hour)', tz: undefined, on: true }],
      ['9', { cron: 'rate(1 day)', tz: undefined, on: false }],
    ]);
    const listing = compareScheduleLists({
      declared: [schedule('1', '0 6 * * ? *', { timezone: 'Europe/Paris' }), schedule('2', 'rate(2 hours)'), schedule('3', '@daily')],
      deployed,
      differences: (s, d) => (s.cron === d.cron ? [] : ['expression']),
      describe: (d) => ({ expression: d.cron, timezone: d.tz, enabled: d.on }),
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(listing.map((l) => [l.target_id, l.status, l.differences])).toEqual([
      ['1', 'scheduled', undefined],
      ['2', 'edited', ['expression']],
      ['3', 'draft', undefined],
      ['9', 'orphaned', undefined],
    ]);
    expect(listing[0]!.next[0]).toBe('2026-01-01T05:00:00.000Z');
    expect(listing[3]!.next).toEqual([]);
    expect(listing.map(describeScheduleAction)).toEqual(['unchanged', 'update (expression)', 'create', 'delete']);
  });

  it('counts a deployed rate from when it started, not from now; an edited one from now, as a deploy would restart it', () => {
    const deployed = new Map([
      ['1', { cron: 'rate(1 hour)', start: '2026-01-01T00:10:00Z' }],
      ['2', { cron: 'rate(1 hour)', start: '2026-01-01T00:10:00Z' }],
      ['9', { cron: 'rate(1 hour)', start: '2026-01-01T00:20:00Z' }],
    ]);
    const listing = compareScheduleLists({
      declared: [schedule('1', 'rate(1 hour)'), schedule('2', 'rate(2 hours)')],
      deployed,
      differences: (s, d) => (s.cron === d.cron ? [] : ['expression']),
      describe: (d) => ({ expression: d.cron, enabled: true, rateStart: d.start }),
      now: new Date('2026-01-01T05:00:00Z'),
    });
    expect(listing.map((l) => [l.target_id, l.next[0]])).toEqual([
      ['1', '2026-01-01T05:10:00.000Z'],
      ['2', '2026-01-01T07:00:00.000Z'],
      ['9', '2026-01-01T05:20:00.000Z'],
    ]);
  });
});

describe('listNextFires', () => {
  const now = new Date('2026-01-01T05:00:00Z');
  it('fires a rate whose start is ahead first at that start', () => {
    expect(listNextFires('rate(1 hour)', undefined, true, now, '2026-01-01T09:30:00Z')).toEqual(['2026-01-01T09:30:00.000Z', '2026-01-01T10:30:00.000Z', '2026-01-01T11:30:00.000Z']);
  });
  it('counts from now without a start, for a cron whatever the start, and lists nothing for a disabled schedule', () => {
    expect(listNextFires('rate(1 hour)', undefined, true, now)[0]).toBe('2026-01-01T06:00:00.000Z');
    expect(listNextFires('0 6 * * ? *', undefined, true, now, '2026-01-01T00:10:00Z')[0]).toBe('2026-01-01T06:00:00.000Z');
    expect(listNextFires('rate(1 hour)', undefined, false, now, '2026-01-01T00:10:00Z')).toEqual([]);
  });
});
