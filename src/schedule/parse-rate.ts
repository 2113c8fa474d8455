// Parses AWS rate expressions such as `rate(5 minutes)` into a fixed interval.

import { ScheduleSyntaxError } from './schedule-syntax-error.js';

export interface Rate {
  value: number;
  unit: 'minute' | 'minutes' | 'hour' | 'hours' | 'day' | 'days';
  /** The interval in milliseconds. A day is 24 hours, as EventBridge Scheduler counts it across DST changes. */
  intervalMs: number;
  /** As AWS takes it, e.g. `rate(5 minutes)`. */
  awsExpression: string;
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const FIX = 'write rate(1 minute), rate(5 minutes), rate(1 hour), rate(12 hours), rate(1 day) or rate(7 days)';

/** True when the text looks like a rate expression at all (so its errors should talk about rates). */
export function isRateExpression(text: string): boolean {
  return /^rate\s*\(/i.test(text.trim());
}

/**
 * Parses `rate(value unit)`. AWS rules: the value is a positive integer; the unit is minute, hour or day, singular
 * when the value is 1 and plural otherwise (`rate(1 hours)` and `rate(5 hour)` are invalid).
 */
export function parseRate(text: string): Rate {
  const written = text.trim();
  const fail = (message: string, value?: string): ScheduleSyntaxError =>
    new ScheduleSyntaxError(`rate "${written}": ${message}`, { field: 'rate', value: value ?? written, fix: FIX });
  const match = /^rate\s*\((.*)\)$/is.exec(written);
  if (!match) throw fail('is not of the form rate(value unit)');
  const parts = match[1].trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 2) throw fail(`needs a value and a unit, e.g. rate(5 minutes); got "${match[1].trim()}"`, match[1]);
  const [valueText, unitWritten] = parts;
  if (!/^\d+$/.test(valueText) || /^0\d/.test(valueText) || Number(valueText) < 1 || !Number.isSafeInteger(Number(valueText))) {
    throw fail(`value "${valueText}" must be a positive integer`, valueText);
  }
  const value = Number(valueText);
  const unitText = unitWritten.toLowerCase();
  const singular = unitText.endsWith('s') ? unitText.slice(0, -1) : unitText;
  if (!(singular in UNIT_MS)) throw fail(`unit "${unitWritten}" is not one of minute(s), hour(s), day(s)`, unitWritten);
  if (value === 1 && unitText !== singular) throw fail(`unit "${unitWritten}" must be singular when the value is 1: rate(1 ${singular})`, unitWritten);
  if (value > 1 && unitText === singular) throw fail(`unit "${unitWritten}" must be plural when the value is greater than 1: rate(${value} ${singular}s)`, unitWritten);
  return {
    value,
    unit: unitText as Rate['unit'],
    intervalMs: value * UNIT_MS[singular],
    awsExpression: `rate(${value} ${unitText})`,
  };
}
