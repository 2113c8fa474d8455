// Wall-clock time in an IANA time zone: validate zone names and convert instants to and from local times with Intl.

import { ScheduleSyntaxError } from './schedule-syntax-error.js';

/** A wall-clock minute in some time zone. Months are 1-12. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Names that mean "no offset ever"; for them we skip Intl entirely (fast path, and output shows no local time). */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/UCT', 'UCT', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu', 'GMT', 'Etc/GMT', 'Etc/GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'GMT0', 'Etc/Greenwich', 'Greenwich']);

/** True when the zone is UTC under any of its names. */
export function isUtcTimeZone(timeZone: string): boolean {
  return UTC_NAMES.has(timeZone);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function getFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // en-US with h23 gives plain numeric parts we can read back reliably (no "24" for midnight).
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9+-]/g, '');
}

/**
 * Checks an IANA time zone name and returns it in its proper spelling (e.g. `america/new_york` → `America/New_York`).
 * The name is kept as written otherwise: Intl would canonicalize `Asia/Kolkata` to `Asia/Calcutta`, which is not what
 * the user wrote and not what we want to send to AWS.
 */
export function checkTimeZone(timeZone: string): string {
  const fix = 'use an IANA time zone name such as "UTC", "America/New_York" or "Europe/Berlin" (default: UTC)';
  if (timeZone.trim() === '') {
    throw new ScheduleSyntaxError('timezone is empty', { field: 'timezone', value: timeZone, fix });
  }
  const known = Intl.supportedValuesOf('timeZone');
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    const wanted = squash(timeZone);
    const close = [...known, 'UTC'].find((name) => squash(name) === wanted);
    throw new ScheduleSyntaxError(`timezone "${timeZone}" is not a known IANA time zone name`, {
      field: 'timezone',
      value: timeZone,
      fix: close ? `did you mean "${close}"?` : fix,
    });
  }
  // Offsets such as "+01:00" are accepted by some Intl versions but are not zone names AWS Scheduler understands.
  if (!/^[A-Za-z]/.test(timeZone)) {
    throw new ScheduleSyntaxError(`timezone "${timeZone}" is an offset, not an IANA time zone name`, { field: 'timezone', value: timeZone, fix });
  }
  if (known.includes(timeZone) || isUtcTimeZone(timeZone)) return timeZone;
  const lower = timeZone.toLowerCase();
  const sameName = known.find((name) => name.toLowerCase() === lower) ?? [...UTC_NAMES].find((name) => name.toLowerCase() === lower);
  if (sameName) return sameName;
  if (resolved.toLowerCase() === lower) return resolved;
  return timeZone;
}

/** The wall-clock time (to the minute, seconds dropped) of an instant in a time zone. */
export function toLocalTime(instantMs: number, timeZone: string): LocalTime {
  if (isUtcTimeZone(timeZone)) {
    const d = new Date(instantMs);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
  }
  const parts: Record<string, string> = {};
  for (const part of getFormatter(timeZone).formatToParts(new Date(instantMs))) parts[part.type] = part.value;
  const yearOfEra = Number(parts.year);
  // Years before 1 AD come back as "year 1 BC"; we only need them to compare correctly, not to be pretty.
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - yearOfEra : yearOfEra;
  return { year, month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute) };
}

/** Milliseconds of a wall-clock time read as if it were UTC; used for arithmetic on local times. */
export function localTimeToMs(local: LocalTime): number {
  const d = new Date(0);
  d.setUTCFullYear(local.year, local.month - 1, local.day);
  d.setUTCHours(local.hour, local.minute, 0, 0);
  return d.getTime();
}

/** The inverse of `localTimeToMs`. */
export function msToLocalTime(ms: number): LocalTime {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
}

/** The zone's offset from UTC in milliseconds at an instant (positive east of Greenwich), to the minute. */
export function getOffsetMs(instantMs: number, timeZone: string): number {
  const flooredMs = Math.floor(instantMs / MINUTE_MS) * MINUTE_MS;
  return localTimeToMs(toLocalTime(flooredMs, timeZone)) - flooredMs;
}

function isSameLocalTime(a: LocalTime, b: LocalTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute;
}

/**
 * The instant a wall-clock time happens in a time zone, or null when it does not exist there (skipped by a
 * spring-forward transition). When it happens twice (the repeated hour of a fall-back transition) the earlier
 * instant is returned, so a schedule fires once — EventBridge Scheduler documents the same two rules.
 */
export function fromLocalTime(local: LocalTime, timeZone: string): number | null {
  const asUtc = localTimeToMs(local);
  if (isUtcTimeZone(timeZone)) return asUtc;
  // The true offset is one of the offsets in force around that time; a day either side covers any real transition.
  const offsets = new Set([getOffsetMs(asUtc - DAY_MS, timeZone), getOffsetMs(asUtc, timeZone), getOffsetMs(asUtc + DAY_MS, timeZone)]);
  let earliest: number | null = null;
  for (const offset of offsets) {
    const candidate = asUtc - offset;
    if (isSameLocalTime(toLocalTime(candidate, timeZone), local) && (earliest === null || candidate < earliest)) earliest = candidate;
  }
  return earliest;
}
