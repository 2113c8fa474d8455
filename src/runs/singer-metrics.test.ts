import { describe, expect, it } from 'vitest';
import { addSingerMetricLine, combineRecordCounts, combineUntaggedRecords, createSingerMetrics } from './singer-metrics.js';

describe('Singer metrics', () => {
  it('sums record_count counters per stream and times http requests', () => {
    const m = createSingerMetrics();
    expect(addSingerMetricLine(m, 'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 31, "tags": {"endpoint": "rates"}}')).toBe(true);
    addSingerMetricLine(m, 'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 9, "tags": {"endpoint": "rates"}}');
    addSingerMetricLine(m, '2024-01-01 INFO METRIC: {"type":"counter","metric":"record_count","value":2,"tags":{"stream":"users"}}');
    addSingerMetricLine(m, 'INFO METRIC: {"type": "timer", "metric": "http_request_duration", "value": 0.5, "tags": {"endpoint": "rates"}}');
    addSingerMetricLine(m, 'INFO METRIC: {"type": "timer", "metric": "http_request_duration", "value": 1.5, "tags": {"endpoint": "rates"}}');
    expect(m.records).toEqual({ rates: 40, users: 2 });
    expect(m.httpRequests).toEqual({ rates: { count: 2, totalSeconds: 2 } });
  });

  it('ignores lines that are not metrics or are broken', () => {
    const m = createSingerMetrics();
    expect(addSingerMetricLine(m, 'INFO Starting sync')).toBe(false);
    expect(addSingerMetricLine(m, 'INFO METRIC: {not json}')).toBe(false);
    expect(addSingerMetricLine(m, 'INFO METRIC: {"type": "counter", "metric": "record_count", "value": "x"}')).toBe(false);
    expect(m.records).toEqual({});
  });

  it('counts records that name no stream (tags: {}) as a total of their own, never as a stream', () => {
    const m = createSingerMetrics();
    addSingerMetricLine(m, 'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 500, "tags": {}}');
    addSingerMetricLine(m, 'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 7}');
    addSingerMetricLine(m, 'INFO METRIC: {"type": "counter", "metric": "record_count", "value": 2, "tags": {"stream": "users"}}');
    expect(m.records).toEqual({ users: 2 });
    expect(m.untaggedRecords).toBe(507);
    const target = { ...createSingerMetrics(), untaggedRecords: 500 };
    expect(combineUntaggedRecords([m, target])).toBe(507);
  });

  it('counts a stream once when both tap and target report it', () => {
    const tap = createSingerMetrics();
    const target = createSingerMetrics();
    tap.records = { rates: 60, users: 3 };
    target.records = { rates: 60 };
    expect(combineRecordCounts([tap, target])).toEqual({ rates: 60, users: 3 });
  });
});
