// Unit tests of the index of runs in progress: finding abandoned runs reads those, not the whole history.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTimeSortableId } from '../runner/run-project.js';
import { markAbandonedRuns } from './run-history.js';
import { readRunRecord, runRecordPath, writeRunRecord, type RunRecord } from './run-record.js';

/** A pid no process has (above the kernel's maximum): the record's handoff is gone. */
const GONE_PID = 2 ** 22 + 12345;

function makeRecord(runId: string, patch: Partial<RunRecord> = {}): RunRecord {
  return {
    schema: 1,
    runId,
    project: { name: 'p', dir: '/p' },
    stage: 'dev',
    trigger: 'manual',
    handoffVersion: '0.5.0',
    host: os.hostname(),
    pid: GONE_PID,
    status: 'succeeded',
    startedAt: '2025-01-01T00:00:00.000Z',
    heartbeatAt: '2025-01-01T00:00:01.000Z',
    endedAt: '2025-01-01T00:00:01.000Z',
    durationMs: 1000,
    tasks: [],
    records: {},
    logs: { console: `runs/${runId}/console.log`, stderr: {} },
    ...patch,
  };
}

const running = { status: 'running', endedAt: undefined, durationMs: undefined } as const;

/** A year-old history of `count` finished runs, an hour apart. */
function history(count: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-running-index-'));
  for (let i = 0; i < count; i++) writeRunRecord(dir, makeRecord(createTimeSortableId(new Date(Date.parse('2025-01-01T00:00:00Z') + i * 3_600_000))));
  return dir;
}

/** The run records (`*.json` in runsDir) read while `action` runs. */
function recordsReadBy(runsDir: string, action: () => void): string[] {
  const spy = vi.spyOn(fs, 'readFileSync');
  try {
    action();
    return [...new Set(spy.mock.calls.map(([file]) => String(file)).filter((f) => path.dirname(f) === runsDir && f.endsWith('.json')).map((f) => path.basename(f, '.json')))];
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('finding abandoned runs', () => {
  it('reads only the runs in progress once the history was looked through, and finds an old one killed', () => {
    const dir = history(300);
    // The first look reads the whole history (written before the index), once.
    expect(recordsReadBy(dir, () => markAbandonedRuns(dir, { graceMs: 100 }))).toHaveLength(300);
    // A run started a year ago whose handoff was killed: only the index says it is going on.
    const id = createTimeSortableId(new Date('2025-01-05T10:30:00Z'));
    writeRunRecord(dir, makeRecord(id, running));
    let marked: ReturnType<typeof markAbandonedRuns> = [];
    expect(recordsReadBy(dir, () => (marked = markAbandonedRuns(dir, { graceMs: 100 })))).toEqual([id]);
    expect(marked.map((m) => m.runId)).toEqual([id]);
    expect(readRunRecord(runRecordPath(dir, id))).toMatchObject({ status: 'interrupted' });
    // Marked: out of the index, and nothing is read any more.
    expect(recordsReadBy(dir, () => markAbandonedRuns(dir, { graceMs: 100 }))).toEqual([]);
  });

  it('finds a running record that no index names: one of the history before it, or one newer than the last look', () => {
    const dir = history(50);
    // Written as a handoff older than the index wrote it: no marker.
    const before = createTimeSortableId(new Date('2025-01-01T12:30:00Z'));
    fs.writeFileSync(runRecordPath(dir, before), JSON.stringify(makeRecord(before, running)));
    expect(markAbandonedRuns(dir, { graceMs: 100 }).map((m) => m.runId)).toEqual([before]);
    const after = createTimeSortableId(new Date());
    fs.writeFileSync(runRecordPath(dir, after), JSON.stringify(makeRecord(after, { ...running, startedAt: new Date().toISOString() })));
    let marked: ReturnType<typeof markAbandonedRuns> = [];
    // Read: only the run newer than the last look (and no year-old record).
    expect(recordsReadBy(dir, () => (marked = markAbandonedRuns(dir, { graceMs: 100 })))).toEqual([after]);
    expect(marked.map((m) => m.runId)).toEqual([after]);
  });

  it('keeps a live run in the index, and drops the entry of a run that ended without leaving it', () => {
    const dir = history(10);
    markAbandonedRuns(dir, { graceMs: 100 });
    // A live run (this process is its handoff, on another host by its heartbeat's age: just now).
    const live = createTimeSortableId(new Date('2025-01-01T03:30:00Z'));
    writeRunRecord(dir, makeRecord(live, { ...running, host: 'another-host', heartbeatAt: new Date().toISOString() }));
    // A run whose handoff was killed between its last record and taking its entry out.
    const ended = createTimeSortableId(new Date('2025-01-01T04:30:00Z'));
    writeRunRecord(dir, makeRecord(ended));
    fs.writeFileSync(path.join(dir, '.running', ended), '');
    expect(recordsReadBy(dir, () => expect(markAbandonedRuns(dir, { graceMs: 100 })).toEqual([])).sort()).toEqual([live, ended].sort());
    expect(fs.readdirSync(path.join(dir, '.running')).filter((n) => !n.startsWith('.'))).toEqual([live]);
    expect(recordsReadBy(dir, () => markAbandonedRuns(dir, { graceMs: 100 }))).toEqual([live]);
  });
});
