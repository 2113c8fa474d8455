// Human-readable fire times for `handoff schedule list` and the UI: UTC always, local wall-clock time when not UTC.

import { getOffsetMs, isUtcTimeZone, toLocalTime } from './local-time.js';
import { isoTime } from '../iso-time.js';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2026-03-08T07:00:00Z`: ISO 8601 in UTC, without milliseconds (fire times are whole minutes). */
function formatUtc(time: Date): string {
  return isoTime(time).replace(/\.\d{3}Z$/, 'Z');
}

/** `+01:00` / `-04:00` */
function formatOffset(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/**
 * One line per time: `2026-03-09T06:00:00Z` in UTC, or
 * `2026-03-09T06:00:00Z (2026-03-09 02:00 -04:00 America/New_York)` when the schedule has another time zone, so a
 * reader sees both the exact instant and the wall-clock time the schedule was written for.
 */
export function formatFireTimes(times: Date[], timezone: string): string[] {
  return times.map((time) => {
    const utc = formatUtc(time);
    if (isUtcTimeZone(timezone)) return utc;
    const local = toLocalTime(time.getTime(), timezone);
    const offset = formatOffset(getOffsetMs(time.getTime(), timezone));
    return `${utc} (${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)} ${pad(local.hour)}:${pad(local.minute)} ${offset} ${timezone})`;
  });
}
