// Declared schedules against deployed ones, in the statuses every provider shows: scheduled, draft, edited, orphaned.
import type { Schedule } from '../../project/types.js';
import { parseSchedule } from '../../schedule/parse-schedule.js';
import type { ScheduleListing } from '../provider.js';

/** What `schedule list` shows of a deployed schedule that project.yml no longer declares. */
export interface DeployedScheduleFacts {
  /** In the form the shared parser reads: a 6-field cron, `rate(…)` or a preset. */
  expression: string;
  timezone?: string;
  enabled: boolean;
}

/** The next three fire times (ISO) of an enabled schedule; none for a disabled one or an expression that does not parse. */
export function listNextFires(expression: string, timezone: string | undefined, enabled: boolean, now: Date): string[] {
  if (!enabled) return [];
  try {
    return parseSchedule(expression, timezone).nextFireTimes(now, 3).map((d) => d.toISOString());
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
  describe(deployed: D): DeployedScheduleFacts;
  now?: Date;
}): ScheduleListing[] {
  const now = input.now ?? new Date();
  const remaining = new Map(input.deployed);
  const out: ScheduleListing[] = [];
  for (const schedule of input.declared) {
    const existing = remaining.get(schedule.target_id);
    remaining.delete(schedule.target_id);
    const base = { target_id: schedule.target_id, expression: schedule.cron, timezone: schedule.timezone ?? 'UTC', enabled: schedule.enabled };
    if (existing === undefined) {
      out.push({ ...base, status: 'draft', next: [] });
      continue;
    }
    const differences = input.differences(schedule, existing);
    out.push({
      ...base,
      status: differences.length === 0 ? 'scheduled' : 'edited',
      next: listNextFires(schedule.cron, schedule.timezone, schedule.enabled, now),
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
      next: listNextFires(facts.expression, facts.timezone, facts.enabled, now),
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
