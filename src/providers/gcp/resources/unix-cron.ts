// A schedule of project.yml (AWS cron, rate, preset) as the unix-cron Cloud Scheduler takes, or why it has none.
import { UserError } from '../../../errors.js';
import type { Schedule } from '../../../project/types.js';
import { parseAwsCron, type AwsCron } from '../../../schedule/parse-aws-cron.js';
import { parseSchedule } from '../../../schedule/parse-schedule.js';

/** A field's values as unix-cron writes them: `*` for the whole range, else a comma list. */
function writeField(values: readonly number[], min: number, max: number, map: (v: number) => number = (v) => v): string {
  if (values.length === max - min + 1) return '*';
  return [...new Set(values.map(map))].sort((a, b) => a - b).join(',');
}

function refuse(schedule: Schedule, why: string, fix: string): UserError {
  return new UserError(`schedule ${schedule.target_id} (${schedule.cron}) cannot run on Cloud Scheduler: ${why}`, {
    fix,
    diagnostics: [{ severity: 'error', message: why, path: `${schedule.path}.cron`, hint: fix }],
  });
}

/**
 * Cloud Scheduler takes unix-cron (minute hour day-of-month month day-of-week, days of the week 0-6 from Sunday) in
 * the job's time zone (Cloud Scheduler, "Cron job format and time zone"). AWS cron's year field, `L`, `W` and `#` have
 * no unix-cron form; a rate becomes the cron with the same fires when the interval divides an hour or a day.
 */
export function toUnixCron(schedule: Schedule): string {
  const parsed = parseSchedule(schedule.cron, schedule.timezone);
  if (parsed.kind === 'rate') {
    const minutes = (parsed.intervalMs ?? 0) / 60_000;
    if (minutes < 60 && 60 % minutes === 0) return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
    if (minutes % 60 === 0 && minutes < 1440 && 24 % (minutes / 60) === 0) return `0 ${minutes === 60 ? '*' : `*/${minutes / 60}`} * * *`;
    if (minutes === 1440) return '0 0 * * *';
    throw refuse(schedule, `${schedule.cron} does not divide an hour or a day, so no unix-cron fires at the same times`, 'use a rate that divides 60 minutes or 24 hours, or a cron such as "0 6 */2 * ? *"');
  }
  const cron: AwsCron = parseAwsCron(/^cron\((.*)\)$/.exec(parsed.awsExpression)![1]!);
  if (cron.years.length !== 2199 - 1970 + 1) throw refuse(schedule, 'Cloud Scheduler has no year field', 'use * as the year (and delete the schedule when it is no longer wanted)');
  let dayOfMonth = '*';
  if (cron.dayOfMonth.kind === 'days') dayOfMonth = writeField(cron.dayOfMonth.days, 1, 31);
  else if (cron.dayOfMonth.kind !== 'unspecified') throw refuse(schedule, 'L and W (last day, nearest weekday) have no unix-cron form', 'list the days instead, e.g. 28-31 with a check in the task');
  let dayOfWeek = '*';
  // AWS numbers weekdays 1-7 from Sunday; unix-cron 0-6 from Sunday.
  if (cron.dayOfWeek.kind === 'weekdays') dayOfWeek = writeField(cron.dayOfWeek.weekdays, 1, 7, (d) => d - 1);
  else if (cron.dayOfWeek.kind !== 'unspecified') throw refuse(schedule, 'L and # (last or nth weekday of the month) have no unix-cron form', 'use a weekday list, e.g. MON-FRI');
  return [writeField(cron.minutes, 0, 59), writeField(cron.hours, 0, 23), dayOfMonth, writeField(cron.months, 1, 12), dayOfWeek].join(' ');
}
