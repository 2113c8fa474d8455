// Reads Singer METRIC log lines (singer-python's `INFO METRIC: {...}`) from stderr: record counts and request timers.

export interface SingerTimer {
  count: number;
  totalSeconds: number;
}

/** What one process reported through Singer metrics. */
export interface SingerMetrics {
  /** record_count counters summed per stream (tags.endpoint, tags.stream or tags.tap_stream_id). */
  records: Record<string, number>;
  /** record_count counters that name no stream (pipelinewise taps log `"tags": {}`): a total, not a stream. */
  untaggedRecords: number;
  /** http_request_duration timers per endpoint. */
  httpRequests: Record<string, SingerTimer>;
}

const METRIC = /\bMETRIC: (\{.*\})\s*$/;

interface MetricPoint {
  type?: string;
  metric?: string;
  value?: unknown;
  tags?: Record<string, unknown>;
}

export function createSingerMetrics(): SingerMetrics {
  return { records: {}, untaggedRecords: 0, httpRequests: {} };
}

function streamOf(tags: Record<string, unknown> | undefined): string | undefined {
  const name = tags?.endpoint ?? tags?.stream ?? tags?.tap_stream_id ?? tags?.table;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Adds a stderr line to the metrics if it is a Singer METRIC line; returns whether it was one. */
export function addSingerMetricLine(metrics: SingerMetrics, line: string): boolean {
  const match = METRIC.exec(line);
  if (!match) return false;
  let point: MetricPoint;
  try {
    point = JSON.parse(match[1]) as MetricPoint;
  } catch {
    return false;
  }
  const value = typeof point.value === 'number' && Number.isFinite(point.value) ? point.value : undefined;
  if (value === undefined) return false;
  const stream = streamOf(point.tags);
  if (point.type === 'counter' && point.metric === 'record_count') {
    if (stream === undefined) metrics.untaggedRecords += value;
    else metrics.records[stream] = (metrics.records[stream] ?? 0) + value;
    return true;
  }
  if (point.type === 'timer' && point.metric === 'http_request_duration') {
    const timer = (metrics.httpRequests[stream ?? 'all requests'] ??= { count: 0, totalSeconds: 0 });
    timer.count += 1;
    timer.totalSeconds += value;
    return true;
  }
  return true;
}

/**
 * The records of a task per stream. A tap and a target often both count the same records, so a stream's count is
 * the largest any one process reported, not their sum.
 */
export function combineRecordCounts(perProcess: SingerMetrics[]): Record<string, number> {
  const combined: Record<string, number> = {};
  for (const m of perProcess) {
    for (const [stream, n] of Object.entries(m.records)) combined[stream] = Math.max(combined[stream] ?? 0, n);
  }
  return combined;
}

/** The records of a task that no stream was named for, counted the same way: the largest any one process reported. */
export function combineUntaggedRecords(perProcess: SingerMetrics[]): number {
  return Math.max(0, ...perProcess.map((m) => m.untaggedRecords));
}

/**
 * Singer record counts for people: per stream, then those whose METRIC lines named no stream (pipelinewise taps log
 * `"tags": {}`), which are a count of their own, not a stream: `users 10, 500 without a stream name`.
 */
export function formatRecordCounts(records: Record<string, number> | undefined, untagged: number | undefined): string {
  const parts = Object.entries(records ?? {}).map(([stream, n]) => `${stream} ${n}`);
  if (untagged) parts.push(`${untagged} without a stream name`);
  return parts.join(', ');
}
