// Short summaries of run records, cached by file mtime and size, so a page of 1,000 runs reads only what changed.
import fs from 'node:fs';
import { isAbandoned, listRunIds } from '../runs/run-history.js';
import { readRunRecord, runRecordPath, type RunRecord } from '../runs/run-record.js';
import type { RunPoint, RunSummary, RunsPage } from './api-types.js';

interface CachedSummary {
  mtimeMs: number;
  size: number;
  summary: RunSummary;
  /** Kept only while the record says running, to tell a live run from an abandoned one. */
  running?: RunRecord;
}

export function summarizeRunRecord(record: RunRecord): RunSummary {
  const streams = record.records ?? {};
  const counts = Object.values(streams);
  return {
    runId: record.runId,
    status: record.status,
    trigger: record.trigger,
    stage: record.stage,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    durationMs: record.durationMs,
    exitCode: record.exitCode,
    records: counts.length ? counts.reduce((a, b) => a + b, 0) : null,
    streams,
    tasks: (record.tasks ?? []).map((t) => ({ name: t.name, status: t.status })),
    reason: record.reason,
  };
}

/** A running record whose handoff is gone is shown as interrupted, as `runs list` would mark it (without writing). */
export function showAbandoned(summary: RunSummary, record: RunRecord): RunSummary {
  return {
    ...summary,
    status: 'interrupted',
    abandoned: true,
    endedAt: record.heartbeatAt,
    durationMs: Date.parse(record.heartbeatAt) - Date.parse(record.startedAt),
    reason: `handoff (pid ${record.pid} on ${record.host}) stopped without finishing this run`,
  };
}

export class RunSummaryCache {
  private readonly entries = new Map<string, CachedSummary>();

  constructor(readonly runsDir: string) {}

  /** Run ids, newest first. */
  listIds(): string[] {
    const ids = listRunIds(this.runsDir);
    if (this.entries.size > ids.length) {
      const present = new Set(ids);
      for (const id of this.entries.keys()) if (!present.has(id)) this.entries.delete(id);
    }
    return ids;
  }

  /** The summary of one run, read again only when its record file changed; undefined when it cannot be read. */
  get(runId: string): RunSummary | undefined {
    const file = runRecordPath(this.runsDir, runId);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      this.entries.delete(runId);
      return undefined;
    }
    let entry = this.entries.get(runId);
    if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) {
      const record = readRunRecord(file);
      if (!record) return undefined;
      entry = { mtimeMs: stat.mtimeMs, size: stat.size, summary: summarizeRunRecord(record), running: record.status === 'running' ? record : undefined };
      this.entries.set(runId, entry);
    }
    if (entry.running && isAbandoned(entry.running)) return showAbandoned(entry.summary, entry.running);
    return entry.summary;
  }

  page(offset: number, limit: number): RunsPage {
    const ids = this.listIds();
    const runs: RunSummary[] = [];
    for (const id of ids.slice(offset, offset + limit)) {
      const summary = this.get(id);
      if (summary) runs.push(summary);
    }
    return { total: ids.length, offset, limit, runs };
  }

  /** The newest `limit` runs as chart points, oldest first. */
  points(limit: number): RunPoint[] {
    const points: RunPoint[] = [];
    for (const id of this.listIds().slice(0, limit)) {
      const s = this.get(id);
      if (s) points.push({ runId: s.runId, status: s.status, startedAt: s.startedAt, durationMs: s.durationMs ?? null, records: s.records });
    }
    return points.reverse();
  }

  /** Runs that are going on now (their handoff is alive). */
  running(): RunSummary[] {
    const live: RunSummary[] = [];
    for (const id of this.listIds()) {
      const s = this.get(id);
      if (s?.status === 'running') live.push(s);
    }
    return live;
  }
}
