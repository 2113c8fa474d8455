// The one schedule parser: AWS cron, rate(...) and @presets, with an IANA time zone, to next fire times and AWS expressions.

import { findNextLocalTime } from './find-next-local-time.js';
import { checkTimeZone, fromLocalTime, localTimeToMs, msToLocalTime, toLocalTime } from './local-time.js';
import { parseAwsCron, type AwsCron } from './parse-aws-cron.js';
import { isRateExpression, parseRate } from './parse-rate.js';
import { ScheduleSyntaxError } from './schedule-syntax-error.js';

export { ScheduleSyntaxError } from './schedule-syntax-error.js';

export interface ParsedSchedule {
  kind: 'cron' | 'rate';
  /** As written in project.yml. */
  expression: string;
  /** IANA time zone the expression is evaluated in (default UTC). */
  timezone: string;
  /** What EventBridge Scheduler takes, e.g. `cron(0 6 * * ? *)` or `rate(5 minutes)`; presets become their cron. */
  awsExpression: string;
  /**
   * The next `count` fire times strictly after `after`, earliest first; fewer when the schedule ends (year field).
   *
   * Cron: evaluated in `timezone`. A local time that a spring-forward DST change skips does not fire that day; a
   * local time that a fall-back change repeats fires once, at its first occurrence. This is what EventBridge
   * Scheduler documents ("your schedule invocation gets skipped… runs only once and doesn't repeat").
   *
   * Rate: `after` is the anchor: the result is after + 1×interval, after + 2×interval, … in absolute time (a day is
   * 24 hours, also across DST changes, as in EventBridge Scheduler). EventBridge starts a rate schedule when it is
   * created (or at its start date) and fires at once; pass the creation time or the last fire time as `after`.
   */
  nextFireTimes(after: Date, count: number): Date[];
  /** Rate schedules: the interval in milliseconds (fire times are anchor + k × interval). */
  intervalMs?: number;
}

/** Presets and the AWS cron each one stands for (midnight in the schedule's time zone; weeks start on Sunday). */
export const SCHEDULE_PRESETS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * ? *',
  '@daily': '0 0 * * ? *',
  '@midnight': '0 0 * * ? *',
  '@weekly': '0 0 ? * SUN *',
  '@monthly': '0 0 1 * ? *',
  '@yearly': '0 0 1 1 ? *',
  '@annually': '0 0 1 1 ? *',
};

const FORMS = 'write an AWS cron such as "0 6 * * ? *", rate(5 minutes), or a preset such as @daily';

/**
 * Parses a schedule from project.yml: an AWS 6-field cron (`0 6 * * ? *`, also accepted as `cron(0 6 * * ? *)`),
 * `rate(N minute(s)|hour(s)|day(s))`, or a preset (@hourly, @daily/@midnight, @weekly, @monthly, @yearly/@annually).
 * Throws ScheduleSyntaxError naming the field and what is allowed, also for a cron that can never fire
 * (`0 0 31 2 ? *`) and for an unknown time zone.
 */
export function parseSchedule(expression: string, timezone?: string): ParsedSchedule {
  const zone = checkTimeZone(timezone ?? 'UTC');
  const written = expression.trim();
  if (written === '') throw new ScheduleSyntaxError('schedule is empty', { field: 'fields', value: expression, fix: FORMS });

  if (written.startsWith('@')) {
    const preset = SCHEDULE_PRESETS[written.toLowerCase()];
    if (!preset) {
      throw new ScheduleSyntaxError(`schedule "${written}": unknown preset; allowed: ${Object.keys(SCHEDULE_PRESETS).join(', ')}`, {
        field: 'preset',
        value: written,
        fix: FORMS,
      });
    }
    return makeCronSchedule(expression, zone, parseAwsCron(preset));
  }

  if (isRateExpression(written)) {
    const rate = parseRate(written);
    return {
      kind: 'rate',
      expression,
      timezone: zone,
      awsExpression: rate.awsExpression,
      intervalMs: rate.intervalMs,
      nextFireTimes(after, count) {
        checkArguments(after, count);
        return Array.from({ length: count }, (_, i) => new Date(after.getTime() + (i + 1) * rate.intervalMs));
      },
    };
  }

  if (/^at\s*\(/i.test(written)) {
    throw new ScheduleSyntaxError(`schedule "${written}": one-time at(...) schedules are not supported`, {
      field: 'fields',
      value: written,
      fix: 'use a cron with a year, e.g. "0 9 1 6 ? 2027" for 09:00 on 1 June 2027',
    });
  }

  let fields = written;
  const wrapped = /^cron\s*\(/i.test(written);
  if (wrapped) {
    const inner = /^cron\s*\((.*)\)$/is.exec(written);
    if (!inner) {
      throw new ScheduleSyntaxError(`cron "${written}": is missing its closing parenthesis`, { field: 'fields', value: written, fix: 'write cron(0 6 * * ? *) or just 0 6 * * ? *' });
    }
    fields = inner[1];
  }
  const cron = parseAwsCron(fields);
  // Catch schedules no calendar date can satisfy (31 February) now, instead of a scheduler that silently never runs.
  if (findNextLocalTime(cron, { year: 1970, month: 1, day: 1, hour: 0, minute: 0 }) === null) {
    throw new ScheduleSyntaxError(`cron "${fields.trim()}": never fires: no date matches its day-of-month, day-of-week, month and year together`, {
      field: 'fields',
      value: written,
      fix: 'check the day against the month (e.g. 31 with a 30-day month, 30 with FEB) and the year field',
    });
  }
  return makeCronSchedule(expression, zone, cron);
}

function makeCronSchedule(expression: string, timezone: string, cron: AwsCron): ParsedSchedule {
  return {
    kind: 'cron',
    expression,
    timezone,
    awsExpression: `cron(${cron.fields})`,
    nextFireTimes(after, count) {
      checkArguments(after, count);
      return listCronFireTimes(cron, timezone, after.getTime(), count);
    },
  };
}

function listCronFireTimes(cron: AwsCron, timezone: string, afterMs: number, count: number): Date[] {
  const times: Date[] = [];
  // Start at the wall-clock minute of `after`; every candidate is then checked to be strictly after it, which also
  // handles an `after` inside the second pass of a repeated (fall-back) hour.
  let from = toLocalTime(afterMs, timezone);
  while (times.length < count) {
    const local = findNextLocalTime(cron, from);
    if (local === null) break;
    const instant = fromLocalTime(local, timezone);
    if (instant !== null && instant > afterMs) times.push(new Date(instant));
    from = msToLocalTime(localTimeToMs(local) + 60_000);
  }
  return times;
}

function checkArguments(after: Date, count: number): void {
  if (!(after instanceof Date) || Number.isNaN(after.getTime())) throw new RangeError('nextFireTimes: after must be a valid Date');
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`nextFireTimes: count must be a non-negative integer, got ${count}`);
}
