// A schedule of project.yml (AWS cron, rate, preset) as a 5-field unix cron, in its own time zone or moved to UTC.
import { UserError } from '../errors.js';
import type { Schedule } from '../project/types.js';
import { getOffsetMs } from './local-time.js';
import { parseAwsCron } from './parse-aws-cron.js';
import { parseSchedule } from './parse-schedule.js';

/** The five fields as value lists; `undefined` for a whole range (written `*`). */
interface UnixFields {
  minutes: number[];
  hours: number[];
  daysOfMonth?: number[];
  months?: number[];
  /** 0-6 from Sunday. */
  daysOfWeek?: number[];
}

function refuse(schedule: Schedule, service: string, why: string, fix: string): UserError {
  return new UserError(`schedule ${schedule.target_id} (${schedule.cron}${schedule.timezone ? `, ${schedule.timezone}` : ''}) cannot run on ${service}: ${why}`, {
    fix,
    diagnostics: [{ severity: 'error', message: why, path: `${schedule.path}.cron`, hint: fix }],
  });
}

const isWhole = (values: readonly number[], min: number, max: number): boolean => values.length === max - min + 1;

function writeField(values: readonly number[] | undefined): string {
  return values === undefined ? '*' : [...new Set(values)].sort((a, b) => a - b).join(',');
}

function writeFields(f: UnixFields): string {
  return [writeField(isWhole(f.minutes, 0, 59) ? undefined : f.minutes), writeField(isWhole(f.hours, 0, 23) ? undefined : f.hours), writeField(f.daysOfMonth), writeField(f.months), writeField(f.daysOfWeek)].join(' ');
}

/**
 * A rate becomes the cron with the same fires when its interval divides an hour or a day (unix cron has no
 * "every 7 minutes from now"); it does not depend on a time zone.
 */
function rateToUnixCron(schedule: Schedule, service: string, intervalMs: number): string {
  const minutes = intervalMs / 60_000;
  if (minutes < 60 && 60 % minutes === 0) return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
  if (minutes % 60 === 0 && minutes < 1440 && 24 % (minutes / 60) === 0) return `0 ${minutes === 60 ? '*' : `*/${minutes / 60}`} * * *`;
  if (minutes === 1440) return '0 0 * * *';
  throw refuse(schedule, service, `${schedule.cron} does not divide an hour or a day, so no unix cron fires at the same times`, 'use a rate that divides 60 minutes or 24 hours, or a cron such as "0 6 */2 * ? *"');
}

/** The fields of a cron schedule; AWS cron's year field, `L`, `W` and `#` have no unix-cron form. */
function toUnixFields(schedule: Schedule, service: string, awsExpression: string): UnixFields {
  const cron = parseAwsCron(/^cron\((.*)\)$/.exec(awsExpression)![1]!);
  if (!isWhole(cron.years, 1970, 2199)) throw refuse(schedule, service, `${service} has no year field`, 'use * as the year (and delete the schedule when it is no longer wanted)');
  const fields: UnixFields = { minutes: cron.minutes, hours: cron.hours };
  if (cron.dayOfMonth.kind === 'days') {
    if (!isWhole(cron.dayOfMonth.days, 1, 31)) fields.daysOfMonth = cron.dayOfMonth.days;
  } else if (cron.dayOfMonth.kind !== 'unspecified') {
    throw refuse(schedule, service, 'L and W (last day, nearest weekday) have no unix-cron form', 'list the days instead, e.g. 28-31 with a check in the task');
  }
  if (!isWhole(cron.months, 1, 12)) fields.months = cron.months;
  // AWS numbers weekdays 1-7 from Sunday; unix cron 0-6 from Sunday.
  if (cron.dayOfWeek.kind === 'weekdays') {
    if (!isWhole(cron.dayOfWeek.weekdays, 1, 7)) fields.daysOfWeek = cron.dayOfWeek.weekdays.map((d) => d - 1);
  } else if (cron.dayOfWeek.kind !== 'unspecified') {
    throw refuse(schedule, service, 'L and # (last or nth weekday of the month) have no unix-cron form', 'use a weekday list, e.g. MON-FRI');
  }
  return fields;
}

/**
 * The unix cron (minute hour day-of-month month day-of-week, days of the week 0-6 from Sunday) of a schedule, read in
 * the schedule's own time zone: for services that take a time zone with the cron (Cloud Scheduler).
 */
export function toUnixCron(schedule: Schedule, service: string): string {
  const parsed = parseSchedule(schedule.cron, schedule.timezone);
  if (parsed.kind === 'rate') return rateToUnixCron(schedule, service, parsed.intervalMs ?? 0);
  return writeFields(toUnixFields(schedule, service, parsed.awsExpression));
}

/** The zone's offsets from UTC (ms) over the coming year, one per day: one value means no daylight saving. */
function listOffsets(timeZone: string, now: Date): Set<number> {
  const offsets = new Set<number>();
  for (let day = 0; day <= 366; day++) offsets.add(getOffsetMs(now.getTime() + day * 86_400_000, timeZone));
  return offsets;
}

/** Whether the zone's offset from UTC changes in the coming year (daylight saving): then no UTC cron keeps its times. */
export function observesDaylightSaving(timeZone: string, now = new Date()): boolean {
  return listOffsets(timeZone, now).size > 1;
}

/**
 * The unix cron in UTC of a schedule, for services whose crons run in UTC only (Container Apps jobs). A time zone
 * whose offset never changes (UTC, Asia/Tokyo, Asia/Kolkata) is a fixed shift of the minutes and hours, carried into
 * the days of the week when every fire moves to the same day; a zone with daylight saving has no single UTC cron (06:00
 * in Paris is 05:00 UTC in winter and 04:00 UTC in summer) and is refused, as is a shift the fields cannot express.
 */
export function toUtcUnixCron(schedule: Schedule, service: string, now = new Date()): string {
  const parsed = parseSchedule(schedule.cron, schedule.timezone);
  if (parsed.kind === 'rate') return rateToUnixCron(schedule, service, parsed.intervalMs ?? 0);
  const local = toUnixFields(schedule, service, parsed.awsExpression);
  const offsets = listOffsets(parsed.timezone, now);
  if (offsets.size > 1) {
    const hours = [...offsets].sort((a, b) => a - b).map((o) => `UTC${o >= 0 ? '+' : '-'}${Math.abs(o) / 3_600_000}`);
    throw refuse(
      schedule,
      service,
      `${service} runs schedules in UTC, and ${parsed.timezone} moves between ${hours.join(' and ')} (daylight saving), so no single UTC cron fires at the same local times all year`,
      'write the schedule in UTC (timezone: UTC, e.g. "0 5 * * ? *" for 06:00 in Paris in winter, 07:00 in summer), or use a time zone without daylight saving',
    );
  }
  const offsetMinutes = [...offsets][0]! / 60_000;
  if (offsetMinutes === 0) return writeFields(local);

  // Every (hour, minute) a day fires at, moved to UTC, with the day it lands on (-1, 0 or +1).
  const fires = local.hours.flatMap((h) => local.minutes.map((m) => h * 60 + m - offsetMinutes));
  const dayShifts = new Set(fires.map((t) => Math.floor(t / 1440)));
  const times = fires.map((t) => ((t % 1440) + 1440) % 1440);
  const minutes = [...new Set(times.map((t) => t % 60))].sort((a, b) => a - b);
  const hours = [...new Set(times.map((t) => Math.floor(t / 60)))].sort((a, b) => a - b);
  const cannot = (why: string): UserError =>
    refuse(schedule, service, `${service} runs schedules in UTC, and moved from ${parsed.timezone} (UTC${offsetMinutes >= 0 ? '+' : '-'}${Math.abs(offsetMinutes) / 60}) ${why}`, 'write the schedule in UTC (timezone: UTC) with the fire times you want');
  // Moved times must still be every minute of every hour listed, or the cron would fire at times never asked for.
  if (minutes.length * hours.length !== new Set(times).size) throw cannot('its fire times are no longer the same minutes in every hour');
  if (dayShifts.size > 1) {
    if (local.daysOfMonth || local.months || local.daysOfWeek) throw cannot('some of its fire times land on the previous or next day, others do not');
  }
  const shift = [...dayShifts][0]!;
  const moved: UnixFields = { minutes, hours };
  if (shift !== 0 && dayShifts.size === 1) {
    if (local.daysOfMonth || local.months) throw cannot('its fire times land on another day of the month');
    if (local.daysOfWeek) moved.daysOfWeek = local.daysOfWeek.map((d) => (((d + shift) % 7) + 7) % 7);
  } else {
    Object.assign(moved, { ...(local.daysOfMonth ? { daysOfMonth: local.daysOfMonth } : {}), ...(local.months ? { months: local.months } : {}), ...(local.daysOfWeek ? { daysOfWeek: local.daysOfWeek } : {}) });
  }
  return writeFields(moved);
}

/** A unix cron back in the 6-field form the shared parser reads (days of the week renumbered 1-7): what a cloud fires on. */
export function fromUnixCron(unixCron: string): string {
  const parts = unixCron.trim().split(/\s+/);
  if (parts.length !== 5) return unixCron;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = parts as [string, string, string, string, string];
  const weekdays = dayOfWeek === '*' ? '?' : dayOfWeek.replace(/\d+/g, (d) => String((Number(d) % 7) + 1));
  return [minute, hour, dayOfWeek === '*' ? dayOfMonth : '?', month, weekdays, '*'].join(' ');
}
