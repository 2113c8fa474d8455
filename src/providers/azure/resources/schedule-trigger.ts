// How a schedule fires on Azure: a Container Apps schedule trigger (UTC cron), or a Logic Apps recurrence in its own time zone.
import { findWindows } from 'windows-iana';
import { UserError } from '../../../errors.js';
import type { Schedule } from '../../../project/types.js';
import { parseSchedule } from '../../../schedule/parse-schedule.js';
import { observesDaylightSaving, toUnixCron, toUtcUnixCron } from '../../../schedule/unix-cron.js';

/** The Logic Apps workflow definition language's recurrence (Schedule and Recurrence triggers, "Recurrence" object). */
export interface Recurrence {
  frequency: 'Day' | 'Week' | 'Month';
  interval: 1;
  /** Local wall time without an offset: a time zone applies only with a start time. */
  startTime: string;
  /** A Windows time zone name (`W. Europe Standard Time`), the only names Logic Apps takes. */
  timeZone: string;
  schedule: { hours: number[]; minutes: number[]; weekDays?: string[]; monthDays?: number[] };
}

export type ScheduleTrigger =
  /** Container Apps fires the schedule's job itself: a zone without daylight saving moves to UTC exactly. */
  | { kind: 'cron'; cronExpression: string }
  /** A Logic App fires it at local times: the job is started by the workflow's identity, in the schedule's own zone. */
  | { kind: 'recurrence'; recurrence: Recurrence };

export const CONTAINER_APPS_SERVICE = 'Container Apps';
const LOGIC_APPS_SERVICE = 'Logic Apps';
/** Any fixed past moment: the recurrence's schedule alone says when it fires, and a constant keeps deploys idempotent. */
const RECURRENCE_START = '2024-01-01T00:00:00';
const WEEK_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

function refuse(schedule: Schedule, field: 'cron' | 'timezone', why: string, fix: string): UserError {
  return new UserError(`schedule ${schedule.target_id} (${schedule.cron}${schedule.timezone ? `, ${schedule.timezone}` : ''}) cannot run on Azure: ${why}`, {
    fix,
    diagnostics: [{ severity: 'error', message: why, path: `${schedule.path}.${field}`, hint: fix }],
  });
}

/**
 * Container Apps runs crons in UTC. A schedule in UTC, or in a zone whose offset never changes, keeps its job's own
 * schedule trigger (nothing else to deploy); one in a zone with daylight saving, where no single UTC cron keeps the
 * local times (06:00 in Paris is 05:00 UTC in winter, 04:00 in summer), is fired by a Logic Apps recurrence, which
 * evaluates the schedule in the zone itself. Throws a located UserError for what neither can express.
 */
export function planScheduleTrigger(schedule: Schedule, now = new Date()): ScheduleTrigger {
  const { kind, timezone } = parseSchedule(schedule.cron, schedule.timezone);
  // A rate is a fixed interval in absolute time, whatever the zone.
  if (kind === 'rate' || !observesDaylightSaving(timezone, now)) return { kind: 'cron', cronExpression: toUtcUnixCron(schedule, CONTAINER_APPS_SERVICE, now) };
  return { kind: 'recurrence', recurrence: toRecurrence(schedule, timezone) };
}

/** `*`, `*\/n` or a list, as unix-cron.ts writes them. */
function readField(field: string, min: number, max: number): number[] | undefined {
  if (field === '*') return undefined;
  const step = /^\*\/(\d+)$/.exec(field);
  if (step) {
    const values: number[] = [];
    for (let v = min; v <= max; v += Number(step[1])) values.push(v);
    return values;
  }
  return field.split(',').map(Number);
}

const everyValue = (min: number, max: number): number[] => Array.from({ length: max - min + 1 }, (_, i) => min + i);

/** The schedule's local fires as a recurrence: every day, on days of the week, or on days of the month. */
export function toRecurrence(schedule: Schedule, timezone: string): Recurrence {
  const [minute, hour, dayOfMonth, month, dayOfWeek] = toUnixCron(schedule, LOGIC_APPS_SERVICE).split(' ') as [string, string, string, string, string];
  const monthDays = readField(dayOfMonth, 1, 31);
  const weekDays = readField(dayOfWeek, 0, 6);
  if (readField(month, 1, 12)) {
    throw refuse(schedule, 'cron', `${timezone} has daylight saving, so a Logic Apps recurrence fires this schedule, and a recurrence cannot limit the months`, 'run on the listed days of every month and skip the other months in the task, or write the schedule in UTC');
  }
  // AWS cron leaves one of the two day fields `?`, so at most one of them lists days.
  const timeZone = toWindowsTimeZone(schedule, timezone);
  const times = { hours: readField(hour, 0, 23) ?? everyValue(0, 23), minutes: readField(minute, 0, 59) ?? everyValue(0, 59) };
  if (weekDays) return { frequency: 'Week', interval: 1, startTime: RECURRENCE_START, timeZone, schedule: { ...times, weekDays: weekDays.map((d) => WEEK_DAYS[d]!) } };
  if (monthDays) return { frequency: 'Month', interval: 1, startTime: RECURRENCE_START, timeZone, schedule: { ...times, monthDays } };
  return { frequency: 'Day', interval: 1, startTime: RECURRENCE_START, timeZone, schedule: times };
}

/** The Windows name of an IANA zone, from the Unicode CLDR mapping (`Europe/Paris` → `Romance Standard Time`). */
function toWindowsTimeZone(schedule: Schedule, timezone: string): string {
  // The CLDR table names each zone by its canonical id; ICU knows the aliases (Europe/Kyiv → Europe/Kiev).
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  const name = findWindows(timezone)[0] ?? findWindows(canonical)[0];
  if (!name) throw refuse(schedule, 'timezone', `Logic Apps knows time zones by their Windows names, and ${timezone} has none`, 'use a neighbouring zone with the same rules (e.g. Europe/Berlin), or write the schedule in UTC');
  return name;
}
