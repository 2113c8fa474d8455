// How the page writes durations, times, counts and statuses (one place, so every table and chart agrees).

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local time, `2026-03-08 07:00:12`: runs are read by the person at this machine. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatShortDate(iso: string): string {
  const d = new Date(iso);
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `in 3 h 20 min`, `in 2 days`: how far away a fire time is. */
export function formatFromNow(iso: string, now: number): string {
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  if (minutes < 1) return 'in under a minute';
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `in ${Math.round(hours / 24)} days`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return n.toLocaleString('en-US');
}

/** Singer records over all streams and those no stream was named for, as `runs list` counts them; null when none. */
export function sumRecords(streams: Record<string, number> | undefined, untagged: number | undefined): number | null {
  const counts = [...Object.values(streams ?? {}), ...(untagged ? [untagged] : [])];
  return counts.length ? counts.reduce((a, b) => a + b, 0) : null;
}

/** Per-stream counts for a tooltip, one a line, the untagged ones last. */
export function describeRecords(streams: Record<string, number> | undefined, untagged: number | undefined): string {
  const lines = Object.entries(streams ?? {}).map(([s, n]) => `${s}: ${n}`);
  if (untagged) lines.push(`without a stream name: ${untagged}`);
  return lines.join('\n');
}

/** `exit_code` → `exit code`. */
export function formatWords(text: string): string {
  return text.replace(/_/g, ' ');
}
