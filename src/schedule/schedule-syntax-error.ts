// The error for a schedule expression or time zone that cannot be used: names the field, the bad value and what is allowed.

import { UserError } from '../errors.js';

/** Names of the parts of a schedule that an error can point at. */
export type ScheduleField =
  | 'minutes'
  | 'hours'
  | 'day-of-month'
  | 'month'
  | 'day-of-week'
  | 'year'
  | 'fields'
  | 'rate'
  | 'preset'
  | 'timezone';

export class ScheduleSyntaxError extends UserError {
  /** Which part of the schedule is wrong, e.g. `day-of-week`; absent when the expression as a whole is wrong. */
  readonly field?: ScheduleField;
  /** The offending text as written, e.g. `8#2`. */
  readonly value?: string;

  constructor(message: string, options: { field?: ScheduleField; value?: string; fix?: string } = {}) {
    super(message, { fix: options.fix });
    this.name = 'ScheduleSyntaxError';
    this.field = options.field;
    this.value = options.value;
  }
}
