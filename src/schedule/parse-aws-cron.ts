// Parses the six fields of an AWS EventBridge cron expression into sets of allowed values and day rules.
//
// Why our own parser and not croner: AWS cron has a year field, numbers days of the week 1-7 from SUNDAY, requires
// `?` in exactly one day field, and allows wrap-around ranges (AWS's own example `0/30 20-2 ? * MON-FRI *`). croner
// has none of these, so we would have to translate every expression and still could not express the year. A small
// matcher that follows AWS's documented grammar is simpler to get right and lets errors name the exact field.

import { ScheduleSyntaxError, type ScheduleField } from './schedule-syntax-error.js';

/** What the day-of-month field asks for. */
export type DayOfMonthRule =
  /** `?`: the day-of-week field decides. */
  | { kind: 'unspecified' }
  /** Listed days (sorted); a day the month does not have (31 in April) never matches. */
  | { kind: 'days'; days: number[] }
  /** `L`: the last day of the month. */
  | { kind: 'last-day' }
  /** `LW`: the last weekday (MON-FRI) of the month. */
  | { kind: 'last-weekday' }
  /** `15W`: the weekday nearest to that day, never crossing into another month. */
  | { kind: 'nearest-weekday'; day: number };

/** What the day-of-week field asks for. Weekdays are AWS numbers: 1 = SUN … 7 = SAT. */
export type DayOfWeekRule =
  | { kind: 'unspecified' }
  | { kind: 'weekdays'; weekdays: number[] }
  /** `6L`: the last such weekday of the month. */
  | { kind: 'last-of-month'; weekday: number }
  /** `6#3`: the nth (1-5) such weekday of the month. */
  | { kind: 'nth-of-month'; weekday: number; nth: number };

/** A parsed AWS cron expression; value lists are sorted ascending. */
export interface AwsCron {
  minutes: number[];
  hours: number[];
  dayOfMonth: DayOfMonthRule;
  months: number[];
  dayOfWeek: DayOfWeekRule;
  years: number[];
  /** The six fields as AWS takes them: single spaces, names upper-case. */
  fields: string;
}

interface FieldSpec {
  name: ScheduleField;
  min: number;
  max: number;
  /** Upper-case names accepted for values, e.g. JAN → 1. */
  names?: Record<string, number>;
  /** Whether a range may run past the end and start again (`20-2` hours, `FRI-MON`); not for years. */
  wraps: boolean;
  allowed: string;
}

const MONTH_NAMES: Record<string, number> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };
const WEEKDAY_NAMES: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };

const MINUTES: FieldSpec = { name: 'minutes', min: 0, max: 59, wraps: true, allowed: '0-59 with , - * /' };
const HOURS: FieldSpec = { name: 'hours', min: 0, max: 23, wraps: true, allowed: '0-23 with , - * /' };
const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31, wraps: true, allowed: '1-31 with , - * ? / L W' };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, wraps: true, allowed: '1-12 or JAN-DEC with , - * /' };
const DAY_OF_WEEK: FieldSpec = {
  name: 'day-of-week',
  min: 1,
  max: 7,
  names: WEEKDAY_NAMES,
  wraps: true,
  allowed: '1-7 or SUN-SAT (1 = SUN) with , - * ? / L #',
};
const YEAR: FieldSpec = { name: 'year', min: 1970, max: 2199, wraps: false, allowed: '1970-2199 with , - * /' };

export const CRON_FIELD_NAMES = 'minutes hours day-of-month month day-of-week year';

const REFERENCE = 'see AWS cron expressions: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based';

const FIELD_INDEX: Partial<Record<ScheduleField, number>> = { minutes: 0, hours: 1, 'day-of-month': 2, month: 3, 'day-of-week': 4, year: 5 };

/** Builds errors that all start with the expression, so a message read alone still says what it is about. */
class CronErrors {
  /**
   * Fields are parsed upper-cased (names are case-insensitive); `written` is kept so errors quote the user's text.
   * Upper-casing ASCII keeps every character at its place, so a value found in an upper-cased field maps back.
   */
  constructor(
    private readonly text: string,
    private readonly written: string[] = [],
    private readonly upper: string[] = [],
  ) {}

  field(spec: FieldSpec, value: string, problem: string): ScheduleSyntaxError {
    const index = FIELD_INDEX[spec.name];
    const at = index === undefined || this.upper[index] === undefined ? -1 : this.upper[index].indexOf(value);
    const shown = at < 0 || index === undefined ? value : this.written[index].slice(at, at + value.length);
    return new ScheduleSyntaxError(`cron "${this.text}": ${spec.name}: "${shown}" ${problem}; allowed: ${spec.allowed}`, {
      field: spec.name,
      value: shown,
      fix: REFERENCE,
    });
  }

  whole(message: string, fix: string, field: ScheduleField = 'fields', value?: string): ScheduleSyntaxError {
    return new ScheduleSyntaxError(`cron "${this.text}": ${message}`, { field, value: value ?? this.text, fix });
  }
}

function upperCaseAscii(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/**
 * Parses AWS cron fields (`0 6 * * ? *`, without the `cron(...)` wrapper). Throws ScheduleSyntaxError naming the field.
 * Does not check that the expression can ever fire; see `parseSchedule`.
 */
export function parseAwsCron(text: string): AwsCron {
  const trimmed = text.trim();
  const parts = trimmed === '' ? [] : trimmed.split(/\s+/);
  if (parts.length !== 6) throw fieldCountError(parts, new CronErrors(trimmed));
  const upper = parts.map(upperCaseAscii);
  const errors = new CronErrors(trimmed, parts, upper);
  const [minuteText, hourText, domText, monthText, dowText, yearText] = upper;

  const minutes = parseValueList(minuteText, MINUTES, errors);
  const hours = parseValueList(hourText, HOURS, errors);
  const dayOfMonth = parseDayOfMonth(domText, errors);
  const months = parseValueList(monthText, MONTH, errors);
  const dayOfWeek = parseDayOfWeek(dowText, errors);
  const years = parseValueList(yearText, YEAR, errors);

  if (dayOfMonth.kind === 'unspecified' && dayOfWeek.kind === 'unspecified') {
    const example = [parts[0], parts[1], '*', parts[3], '?', parts[5]].join(' ');
    throw errors.whole(
      `day-of-month and day-of-week cannot both be ?; set one of them (e.g. "${example}")`,
      'use ? in exactly one of day-of-month and day-of-week',
      'day-of-month',
      '?',
    );
  }
  if (dayOfMonth.kind !== 'unspecified' && dayOfWeek.kind !== 'unspecified') {
    // Suggest keeping the field that says something specific and blanking the other.
    const example =
      dowText === '*'
        ? [parts[0], parts[1], parts[2], parts[3], '?', parts[5]].join(' ')
        : [parts[0], parts[1], '?', parts[3], parts[4], parts[5]].join(' ');
    throw errors.whole(
      `day-of-month and day-of-week cannot both be set; use ? in one of them (e.g. "${example}")`,
      'use ? in exactly one of day-of-month and day-of-week',
      'day-of-week',
      parts[4],
    );
  }
  return { minutes, hours, dayOfMonth, months, dayOfWeek, years, fields: upper.join(' ') };
}

function fieldCountError(parts: string[], errors: CronErrors): ScheduleSyntaxError {
  const got = `needs 6 fields (${CRON_FIELD_NAMES}), got ${parts.length}`;
  if (parts.length === 5) {
    const suggestion = suggestAwsFormOfUnixCron(parts);
    return errors.whole(
      `${got}; AWS cron adds a year field and uses ? in one day field: write "${suggestion}"`,
      `write the AWS form "${suggestion}" (day-of-week is 1-7 with 1 = SUN, or SUN-SAT)`,
    );
  }
  if (parts.length === 7) {
    const suggestion = parts.slice(1).join(' ');
    return errors.whole(`${got}; AWS cron has no seconds field: write "${suggestion}"`, `drop the seconds field: "${suggestion}"`);
  }
  return errors.whole(`${got}, e.g. "0 6 * * ? *" for 06:00 every day`, 'write an AWS cron such as "0 6 * * ? *", rate(5 minutes) or a preset such as @daily');
}

const UNIX_WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

/** Turns a 5-field Unix cron into the AWS form for a suggestion; Unix weekdays 0-7 (0 and 7 = SUN) become names. */
function suggestAwsFormOfUnixCron([minute, hour, dom, month, dow]: string[]): string {
  if (dow === '*' || dow === '?') return `${minute} ${hour} ${dom === '?' ? '*' : dom} ${month} ? *`;
  const awsDow = dow
    .split(',')
    .map((item) => {
      const [range, step] = item.split('/');
      const named = range.replace(/\d+/g, (n) => UNIX_WEEKDAY_NAMES[Number(n)] ?? n);
      return step === undefined ? named : `${named}/${step}`;
    })
    .join(',');
  if (dom === '*' || dom === '?') return `${minute} ${hour} ? ${month} ${awsDow} *`;
  // Unix cron ORs two set day fields; AWS cannot, so suggest the day-of-month half.
  return `${minute} ${hour} ${dom} ${month} ? *`;
}

/** Parses a number or (for months and weekdays) a name. */
function parseValue(token: string, spec: FieldSpec, item: string, errors: CronErrors): number {
  let value: number;
  if (/^\d+$/.test(token)) {
    value = Number(token);
  } else if (spec.names && token in spec.names) {
    value = spec.names[token];
  } else if (token === '') {
    throw errors.field(spec, item, 'has an empty value');
  } else if (token === '?') {
    throw errors.field(spec, item, spec.name === 'day-of-month' || spec.name === 'day-of-week' ? 'must be alone in the field' : 'is only allowed in day-of-month and day-of-week');
  } else if (/[LW#]/.test(token) && /^[\dLW#]+$/.test(token)) {
    throw errors.field(spec, item, spec.name === 'day-of-month' || spec.name === 'day-of-week' ? 'must be alone in the field (not in a list or range)' : 'uses L, W or # which this field does not allow');
  } else {
    throw errors.field(spec, item, spec.names ? `is not a number or a ${spec.name === 'month' ? 'month' : 'weekday'} name` : 'is not a number');
  }
  if (value < spec.min || value > spec.max) throw errors.field(spec, item, 'is out of range');
  return value;
}

/** Parses `*`, `a`, `a-b`, `*\/s`, `a/s`, `a-b/s` and comma lists of them into a sorted list of values. */
function parseValueList(text: string, spec: FieldSpec, errors: CronErrors): number[] {
  if (text === '?') throw errors.field(spec, text, 'is only allowed in day-of-month and day-of-week');
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw errors.field(spec, text, 'has an empty item in its list');
    const slash = item.split('/');
    if (slash.length > 2) throw errors.field(spec, item, 'has more than one /');
    const [base, stepText] = slash;
    let step = 1;
    if (stepText !== undefined) {
      const span = spec.max - spec.min;
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1 || Number(stepText) > span) {
        throw errors.field(spec, item, `has a bad step (the number after / must be 1-${span})`);
      }
      step = Number(stepText);
    }
    let start: number;
    let end: number;
    if (base === '*') {
      start = spec.min;
      end = spec.max;
    } else {
      const dash = base.split('-');
      if (dash.length > 2) throw errors.field(spec, item, 'has more than one -');
      start = parseValue(dash[0], spec, item, errors);
      if (dash.length === 2) {
        end = parseValue(dash[1], spec, item, errors);
      } else {
        // `a/s` runs from a to the end of the field; a bare `a` is just a.
        end = stepText === undefined ? start : spec.max;
      }
    }
    if (start > end && !spec.wraps) throw errors.field(spec, item, 'is a range that goes backwards (write the smaller value first)');
    for (const value of expandRange(start, end, step, spec)) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

/** Values from start to end by step; a range whose end is before its start wraps past the field's maximum. */
function expandRange(start: number, end: number, step: number, spec: FieldSpec): number[] {
  const size = spec.max - spec.min + 1;
  const span = end >= start ? end - start : end - start + size;
  const out: number[] = [];
  for (let offset = 0; offset <= span; offset += step) out.push(spec.min + ((start - spec.min + offset) % size));
  return out;
}

function parseDayOfMonth(text: string, errors: CronErrors): DayOfMonthRule {
  if (text === '?') return { kind: 'unspecified' };
  if (text === 'L') return { kind: 'last-day' };
  if (text === 'LW') return { kind: 'last-weekday' };
  const nearest = /^(\d+)W$/.exec(text);
  if (nearest) {
    const day = Number(nearest[1]);
    if (day < DAY_OF_MONTH.min || day > DAY_OF_MONTH.max) throw errors.field(DAY_OF_MONTH, text, 'is out of range');
    return { kind: 'nearest-weekday', day };
  }
  if (text === 'W') throw errors.field(DAY_OF_MONTH, text, 'needs a day before it (e.g. 15W) or L (LW)');
  if (/^L-\d+$/.test(text)) throw errors.field(DAY_OF_MONTH, text, 'uses an offset from L, which AWS cron does not support');
  if (/[LW]/.test(text) && text.includes(',')) {
    throw errors.field(DAY_OF_MONTH, text, 'mixes L or W into a list (L, LW and nW must be alone in the field)');
  }
  if (/W/.test(text) && /^[\d\-/W*]+$/.test(text)) {
    throw errors.field(DAY_OF_MONTH, text, 'uses W with a range or step (W takes one day, e.g. 15W, or LW)');
  }
  return { kind: 'days', days: parseValueList(text, DAY_OF_MONTH, errors) };
}

function parseDayOfWeek(text: string, errors: CronErrors): DayOfWeekRule {
  if (text === '?') return { kind: 'unspecified' };
  // A bare L is the last day of the week: Saturday.
  if (text === 'L') return { kind: 'weekdays', weekdays: [WEEKDAY_NAMES.SAT] };
  if (text.includes('#')) {
    if (text.includes(',')) {
      throw errors.field(DAY_OF_WEEK, text, 'uses # in a list (# can be used only once, alone in the field, e.g. 6#3)');
    }
    const nth = /^([^#]+)#([^#]*)$/.exec(text);
    if (!nth) throw errors.field(DAY_OF_WEEK, text, 'is not of the form weekday#n (e.g. 6#3 = third Friday)');
    const weekday = parseValue(nth[1], DAY_OF_WEEK, text, errors);
    if (!/^[1-5]$/.test(nth[2])) throw errors.field(DAY_OF_WEEK, text, 'has a bad occurrence after # (must be 1-5, e.g. 6#3 = third Friday)');
    return { kind: 'nth-of-month', weekday, nth: Number(nth[2]) };
  }
  const last = /^(\d+|[A-Z]{3})L$/.exec(text);
  if (last) return { kind: 'last-of-month', weekday: parseValue(last[1], DAY_OF_WEEK, text, errors) };
  if (text.includes('L') && /^[\dL,\-/]+$/.test(text)) {
    throw errors.field(DAY_OF_WEEK, text, 'mixes L into a list or range (L and nL must be alone in the field, e.g. 6L = last Friday)');
  }
  return { kind: 'weekdays', weekdays: parseValueList(text, DAY_OF_WEEK, errors) };
}
