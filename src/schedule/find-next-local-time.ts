// Finds the next wall-clock minute an AWS cron matches, skipping whole years, months, days and hours that cannot match.

import type { AwsCron } from './parse-aws-cron.js';
import type { LocalTime } from './local-time.js';

/** Days in a month (month 1-12), leap years included. */
export function getDaysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** AWS weekday number (1 = SUN … 7 = SAT) of a date. */
export function getAwsWeekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWeekend(year: number, month: number, day: number): boolean {
  const weekday = getAwsWeekday(year, month, day);
  return weekday === 1 || weekday === 7;
}

/**
 * The weekday (MON-FRI) nearest to a day, staying inside the month as AWS and Quartz do: a Saturday moves back to
 * Friday (or forward to Monday the 3rd when it is the 1st), a Sunday moves forward to Monday (or back to Friday when
 * it is the last day). Returns null when the month does not have that day (31W in April), like a plain 31 would.
 */
function findNearestWeekday(year: number, month: number, day: number): number | null {
  const last = getDaysInMonth(year, month);
  if (day > last) return null;
  const weekday = getAwsWeekday(year, month, day);
  if (weekday === 7) return day === 1 ? 3 : day - 1;
  if (weekday === 1) return day === last ? day - 2 : day + 1;
  return day;
}

/** The days of a month (sorted) on which the cron's day-of-month or day-of-week rule matches. */
export function listCronDays(cron: AwsCron, year: number, month: number): number[] {
  const last = getDaysInMonth(year, month);
  const dom = cron.dayOfMonth;
  switch (dom.kind) {
    case 'days':
      return dom.days.filter((day) => day <= last);
    case 'last-day':
      return [last];
    case 'last-weekday': {
      let day = last;
      while (isWeekend(year, month, day)) day--;
      return [day];
    }
    case 'nearest-weekday': {
      const day = findNearestWeekday(year, month, dom.day);
      return day === null ? [] : [day];
    }
    case 'unspecified':
      break;
  }
  const dow = cron.dayOfWeek;
  // The weekday of the 1st tells us every other day's weekday.
  const firstWeekday = getAwsWeekday(year, month, 1);
  const firstDayWith = (weekday: number): number => 1 + ((weekday - firstWeekday + 7) % 7);
  switch (dow.kind) {
    case 'weekdays': {
      const days: number[] = [];
      for (let day = 1; day <= last; day++) {
        if (dow.weekdays.includes(((firstWeekday - 1 + day - 1) % 7) + 1)) days.push(day);
      }
      return days;
    }
    case 'last-of-month': {
      let day = firstDayWith(dow.weekday);
      while (day + 7 <= last) day += 7;
      return [day];
    }
    case 'nth-of-month': {
      const day = firstDayWith(dow.weekday) + 7 * (dow.nth - 1);
      return day <= last ? [day] : [];
    }
    case 'unspecified':
      // parseAwsCron guarantees one of the two day fields is set.
      return [];
  }
}

/**
 * The first wall-clock minute at or after `from` that the cron matches, or null when there is none up to the end of
 * the year field's range (2199). The search walks years, then months, then the month's matching days, then hours,
 * then minutes, so an impossible or rare schedule (Feb 29 on a Monday) costs at most a few thousand month checks.
 */
export function findNextLocalTime(cron: AwsCron, from: LocalTime): LocalTime | null {
  for (const year of cron.years) {
    if (year < from.year) continue;
    const sameYear = year === from.year;
    for (const month of cron.months) {
      if (sameYear && month < from.month) continue;
      const sameMonth = sameYear && month === from.month;
      for (const day of listCronDays(cron, year, month)) {
        if (sameMonth && day < from.day) continue;
        const sameDay = sameMonth && day === from.day;
        for (const hour of cron.hours) {
          if (sameDay && hour < from.hour) continue;
          const sameHour = sameDay && hour === from.hour;
          for (const minute of cron.minutes) {
            if (sameHour && minute < from.minute) continue;
            return { year, month, day, hour, minute };
          }
        }
      }
    }
  }
  return null;
}
