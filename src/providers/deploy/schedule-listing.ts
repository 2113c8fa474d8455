// Declared schedules against deployed ones, in the statuses every provider shows: scheduled, draft, edited, orphaned.
import type { Schedule } from '../../project/types.js';
import { parseSchedule } from '../../schedule/parse-schedule.js';
import type { ScheduleListing } from '../provider.js';
import { isoTime } from '../../iso-time.js';

/** What `schedule list` shows of a deployed schedule that project.yml no longer declares. */
export interface DeployedScheduleFacts {
  /** In the form the shared parser reads: a 6-field cron, `rate(…)` or a preset. */
  expression: string;
  timezone?: string;
  enabled: boolean;
  /** When a rate's intervals count from (ISO): it fires then and every interval after, not at now + interval. */
  rateStart?: string;
}

/**
 * The next three (or `count`) fire times (ISO) of an enabled schedule; none for a disabled one or an expression that
 * does not parse. A rate with a known start fires at whole intervals from it (EventBridge and the local scheduler alike).
 */
export function listNextFires(expression: string, timezone: string | undefined, enabled: boolean, now: Date, rateStart?: string, count = 3): string[] {
  if (!enabled) return [];
  try {
    const parsed = parseSchedule(expression, timezone);
    const start = rateStart === undefined ? Number.NaN : Date.parse(rateStart);
    if (parsed.kind !== 'rate' || !parsed.intervalMs || Number.isNaN(start)) return parsed.nextFireTimes(now, count).map((d) => isoTime(d));
    // nextFireTimes of a rate counts whole intervals from the time it is given: from the last fire at or before now,
    // or, for a start still ahead, from one interval before it (so the start itself is the first fire).
    const from = start <= now.getTime() ? start + Math.floor((now.getTime() - start) / parsed.intervalMs) * parsed.intervalMs : start - parsed.intervalMs;
    return parsed.nextFireTimes(new Date(from), count).map((d) => isoTime(d));
  } catch {
    return [];
  }
}

/**
 * Each declared schedule is `draft` (not deployed), `scheduled` (deployed as declared) or `edited` (deployed, with the
 * fields that differ); each deployed one no longer declared is `orphaned`. `deployed` is keyed by target id; the
 * provider says how a deployed schedule differs from a declaration and what it holds.
 */
export function compareScheduleLists<D>(input: {
  declared: readonly Schedule[];
  deployed: ReadonlyMap<string, D>;
  differences(schedule: Schedule, deployed: D): string[];
  /** What a deployed schedule holds (for an orphan), and when a deployed rate counts from. */
  describe(deployed: D): DeployedScheduleFacts;
  /**
   * What a declared schedule really fires on once deployed, when the cloud takes another form of it (a rate deployed
   * as a unix cron fires at whole hours or midnight, not at now + n intervals); absent means the declared expression.
   */
  firesOn?(schedule: Schedule): { expression: string; timezone?: string } | undefined;
  now?: Date;
}): ScheduleListing[] {
  const now = input.now ?? new Date();
  const remaining = new Map(input.deployed);
  const out: ScheduleListing[] = [];
  const listDeclaredFires = (schedule: Schedule, rateStart: string | undefined): string[] => {
    let fires: { expression: string; timezone?: string } | undefined;
    try {
      fires = input.firesOn?.(schedule);
    } catch {
      // A schedule the cloud cannot take has no fires (a deploy refuses it with the reason).
      return [];
    }
    return fires ? listNextFires(fires.expression, fires.timezone, schedule.enabled, now) : listNextFires(schedule.cron, schedule.timezone, schedule.enabled, now, rateStart);
  };
  for (const schedule of input.declared) {
    const existing = remaining.get(schedule.target_id);
    remaining.delete(schedule.target_id);
    const base = { target_id: schedule.target_id, expression: schedule.cron, timezone: schedule.timezone ?? 'UTC', enabled: schedule.enabled };
    if (existing === undefined) {
      out.push({ ...base, status: 'draft', next: [] });
      continue;
    }
    const differences = input.differences(schedule, existing);
    // An edited schedule's next fires are the declared ones, from now: a deploy would start it anew.
    const rateStart = differences.length === 0 ? input.describe(existing).rateStart : undefined;
    out.push({
      ...base,
      status: differences.length === 0 ? 'scheduled' : 'edited',
      next: listDeclaredFires(schedule, rateStart),
      ...(differences.length > 0 ? { differences } : {}),
    });
  }
  for (const [targetId, orphan] of remaining) {
    const facts = input.describe(orphan);
    out.push({
      target_id: targetId,
      status: 'orphaned',
      expression: facts.expression,
      timezone: facts.timezone ?? 'UTC',
      enabled: facts.enabled,
      next: listNextFires(facts.expression, facts.timezone, facts.enabled, now, facts.rateStart),
    });
  }
  return out;
}

/** What `cloud plan` says a deploy would do with each schedule. */
export function describeScheduleAction(listing: ScheduleListing): string {
  if (listing.status === 'draft') return 'create';
  if (listing.status === 'edited') return `update (${(listing.differences ?? []).join(', ')})`;
  if (listing.status === 'orphaned') return 'delete';
  return 'unchanged';
}
