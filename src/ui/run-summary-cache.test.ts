// Unit tests of the run summary cache: reads a record again only when it changed; shows abandoned runs as interrupted.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { markAbandonedRuns } from '../runs/run-history.js';
import { readRunRecord, runRecordPath, writeRunRecord, type RunRecord } from '../runs/run-record.js';
import { RunSummaryCache } from './run-summary-cache.js';
import { watchRuns } from './watch-runs.js';

function makeRecord(runId: string, patch: Partial<RunRecord> = {}): RunRecord {
  return {
    schema: 1,
    runId,
    project: { name: 'p', dir: '/p' },
    stage: 'dev',
    trigger: 'manual',
    handoffVersion: '0.5.0',
    host: os.hostname(),
    pid: process.pid,
    status: 'succeeded',
    startedAt: '2026-01-01T00:00:00.000Z',
    heartbeatAt: '2026-01-01T00:00:01.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    tasks: [],
    records: { a: 2, b: 3 },
    logs: { console: `runs/${runId}/console.log`, stderr: {} },
    ...patch,
  };
}

function runsDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-runs-'));
}

describe('RunSummaryCache', () => {
  it("writes the last words of a run its handoff left unfinished into the record once the full disk has room", (ctx) => {
    const dir = runsDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      return ctx.skip(); // needs root with CAP_SYS_ADMIN to mount a tmpfs
    }
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const runId = '20260101T000000Z-a';
      const now = new Date().toISOString();
      // Its handoff has ended (a pid that is gone) leaving the record running, as on a full disk.
      const gone = spawnSync('true').pid!;
      writeRunRecord(dir, makeRecord(runId, { status: 'running', pid: gone, startedAt: now, heartbeatAt: now, endedAt: undefined, durationMs: undefined }));
      const filler = path.join(dir, 'filler');
      try {
        fs.writeFileSync(filler, Buffer.alloc(256 * 1024));
      } catch {
        // Filled up to the last byte.
      }
      const cache = new RunSummaryCache(dir);
      cache.setLastWords(runId, 'WARNING - cannot write runs/x.json: ENOSPC: no space left on device');
      // No room for the record: shown from memory meanwhile.
      expect(readRunRecord(runRecordPath(dir, runId))).toMatchObject({ status: 'running' });
      expect(readRunRecord(runRecordPath(dir, runId))?.lastOutput).toBeUndefined();
      expect(cache.get(runId)).toMatchObject({ status: 'interrupted', abandoned: true, reason: expect.stringContaining('ENOSPC') });
      fs.rmSync(filler);
      vi.advanceTimersByTime(5_000);
      // In the record: a UI started later shows them too, and the next command marking the run gives them as its reason.
      expect(readRunRecord(runRecordPath(dir, runId))).toMatchObject({ status: 'running', lastOutput: 'WARNING - cannot write runs/x.json: ENOSPC: no space left on device' });
      expect(new RunSummaryCache(dir).get(runId)).toMatchObject({ status: 'interrupted', abandoned: true, reason: expect.stringContaining('its last output:\nWARNING - cannot write runs/x.json: ENOSPC') });
      markAbandonedRuns(dir);
      const marked = readRunRecord(runRecordPath(dir, runId));
      expect(marked).toMatchObject({
        status: 'interrupted',
        reason: `handoff (pid ${gone}) stopped without finishing this run; its last output:\nWARNING - cannot write runs/x.json: ENOSPC: no space left on device`,
      });
      expect(marked?.lastOutput).toBeUndefined();
    } finally {
      vi.useRealTimers();
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    }
  });

  it('counts records whose METRIC lines named no stream in the total, as runs list does', () => {
    const dir = runsDir();
    writeRunRecord(dir, makeRecord('20260101T000000Z-a', { records: { users: 10 }, untaggedRecords: 500 }));
    writeRunRecord(dir, makeRecord('20260102T000000Z-b', { records: {}, untaggedRecords: 7 }));
    const cache = new RunSummaryCache(dir);
    expect(cache.get('20260101T000000Z-a')).toMatchObject({ records: 510, streams: { users: 10 }, untaggedRecords: 500 });
    expect(cache.get('20260102T000000Z-b')).toMatchObject({ records: 7, streams: {}, untaggedRecords: 7 });
    expect(cache.points(10).map((p) => p.records)).toEqual([510, 7]);
  });

  it('summarizes records newest first with record totals, and pages through them', () => {
    const dir = runsDir();
    for (const id of ['20260101T000000Z-a', '20260102T000000Z-b', '20260103T000000Z-c']) writeRunRecord(dir, makeRecord(id));
    writeRunRecord(dir, makeRecord('20260104T000000Z-d', { records: {} }));
    const cache = new RunSummaryCache(dir);
    const page = cache.page(1, 2);
    expect(page.total).toBe(4);
    expect(page.runs.map((r) => [r.runId, r.records])).toEqual([
      ['20260103T000000Z-c', 5],
      ['20260102T000000Z-b', 5],
    ]);
    expect(cache.get('20260104T000000Z-d')!.records).toBeNull();
    expect(cache.points(10).map((p) => p.runId)).toEqual(['20260101T000000Z-a', '20260102T000000Z-b', '20260103T000000Z-c', '20260104T000000Z-d']);
  });

  it('reads a record again when it is rewritten, and forgets deleted ones', () => {
    const dir = runsDir();
    const id = '20260101T000000Z-a';
    // Another host with a fresh heartbeat: alive, whatever runs this test.
    writeRunRecord(dir, makeRecord(id, { status: 'running', host: 'another-host', heartbeatAt: new Date().toISOString(), endedAt: undefined, durationMs: undefined, records: {} }));
    const cache = new RunSummaryCache(dir);
    expect(cache.get(id)!.status).toBe('running');
    expect(cache.running().map((r) => r.runId)).toEqual([id]);
    writeRunRecord(dir, makeRecord(id, { records: { a: 40 } }));
    // A rewrite within the same clock tick still changes the size.
    expect(cache.get(id)).toMatchObject({ status: 'succeeded', records: 40 });
    expect(cache.running()).toEqual([]);
    fs.rmSync(path.join(dir, `${id}.json`));
    expect(cache.get(id)).toBeUndefined();
    expect(cache.page(0, 10).total).toBe(0);
  });

  it('shows a running record whose handoff is gone as interrupted, without writing to it', () => {
    const dir = runsDir();
    const id = '20260101T000000Z-a';
    // A pid that is not a live handoff: a finished child of ours.
    const record = makeRecord(id, { status: 'running', pid: 2 ** 22 + 12345, endedAt: undefined, durationMs: undefined, heartbeatAt: '2026-01-01T00:00:30.000Z' });
    writeRunRecord(dir, record);
    const before = fs.readFileSync(path.join(dir, `${id}.json`), 'utf8');
    const summary = new RunSummaryCache(dir).get(id)!;
    expect(summary).toMatchObject({ status: 'interrupted', abandoned: true, durationMs: 30_000 });
    expect(summary.reason).toContain('stopped without finishing');
    expect(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8')).toBe(before);
  });

  it('after a rewrite of the running record, looks only at that record and the unreadable ones; totals stay right', async () => {
    const dir = runsDir();
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      ids.push(`2025${String(Math.floor(i / 28) + 1).padStart(2, '0')}${String((i % 28) + 1).padStart(2, '0')}T000000Z-${i}`);
      writeRunRecord(dir, makeRecord(ids[i]!));
    }
    // Records cut short, far back in history.
    const broken = ids.slice(10, 15);
    for (const id of broken) fs.writeFileSync(path.join(dir, `${id}.json`), '{"schema": 1, "ru');
    // A run going on (another host, a fresh heartbeat: alive), rewritten as it goes.
    const live = '20260101T000000Z-live';
    const alive = () => makeRecord(live, { status: 'running', host: 'another-host', heartbeatAt: new Date().toISOString(), endedAt: undefined, durationMs: undefined, records: {} });
    writeRunRecord(dir, alive());
    const cache = new RunSummaryCache(dir);
    await new Promise((r) => setTimeout(r, 60));
    expect(cache.page(0, 50)).toMatchObject({ total: 296, unreadable: { count: 5 } });

    writeRunRecord(dir, { ...alive(), records: { a: 7 } });
    await new Promise((r) => setTimeout(r, 60));
    const stat = vi.spyOn(fs, 'statSync');
    const read = vi.spyOn(fs, 'readFileSync');
    try {
      const page = cache.page(0, 50);
      expect(page).toMatchObject({ total: 296, unreadable: { count: 5 } });
      expect(page.runs[0]).toMatchObject({ runId: live, status: 'running', records: 7 });
      expect(cache.running().map((r) => r.runId)).toEqual([live]);
      const records = (spy: typeof stat | typeof read) => [...new Set(spy.mock.calls.map(([f]) => String(f)).filter((f) => f.endsWith('.json')).map((f) => path.basename(f, '.json')))].sort();
      expect(records(stat)).toEqual([...broken, live].sort());
      expect(records(read)).toEqual([live]);
    } finally {
      stat.mockRestore();
      read.mockRestore();
    }
  });

  it('at start reads the runs in progress and the newest page, counting the rest in the background; totals right once counted', async () => {
    const dir = runsDir();
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      ids.push(`2025${String(Math.floor(i / 28) + 1).padStart(2, '0')}${String((i % 28) + 1).padStart(2, '0')}T000000Z-${i}`);
      writeRunRecord(dir, makeRecord(ids[i]!));
    }
    // Records cut short, far back in history and among the newest.
    const broken = [...ids.slice(10, 15), ids[295]!];
    for (const id of broken) fs.writeFileSync(path.join(dir, `${id}.json`), '{"schema": 1, "ru');
    // A run going on, started long ago (another host, a fresh heartbeat: alive); the index names it.
    const live = '20250101T120000Z-live';
    writeRunRecord(dir, makeRecord(live, { status: 'running', host: 'another-host', heartbeatAt: new Date().toISOString(), endedAt: undefined, durationMs: undefined }));
    // The history was looked through once (by `runs list`): the index of runs in progress may be trusted.
    markAbandonedRuns(dir, { graceMs: 100 });
    await new Promise((r) => setTimeout(r, 60));

    const read = vi.spyOn(fs, 'readFileSync');
    const records = () => [...new Set(read.mock.calls.map(([f]) => String(f)).filter((f) => f.endsWith('.json')).map((f) => path.basename(f, '.json')))];
    const cache = new RunSummaryCache(dir);
    let counted = false;
    let watch: ReturnType<typeof watchRuns> | undefined;
    try {
      cache.countInBackground(() => (counted = true));
      watch = watchRuns({ workspaceDir: path.dirname(dir), cache, onRun: () => undefined, onRemoved: () => undefined, onLog: () => undefined, pollMs: 60_000 });
      const page = cache.page(0, 50);
      // Before any count: the live run, the 50 newest readable records and the one cut short among them.
      expect(records().sort()).toEqual([live, ...ids.slice(249)].sort());
      expect(page.runs.map((r) => r.runId)).toEqual(ids.slice(249).reverse().filter((id) => id !== ids[295]));
      expect(page).toMatchObject({ counting: true, total: 300, unreadable: { count: 1 } });
      expect(cache.running().map((r) => r.runId)).toEqual([live]);
      await vi.waitFor(() => expect(counted).toBe(true));
      expect(records()).toHaveLength(301);
      const whole = cache.page(0, 50);
      expect(whole).toMatchObject({ total: 295, unreadable: { count: 6 } });
      expect(whole.counting).toBeUndefined();
      const shown = [...ids.filter((id) => !broken.includes(id)), live].sort().reverse();
      expect(cache.page(250, 50).runs.map((r) => r.runId)).toEqual(shown.slice(250));
      expect(cache.running().map((r) => r.runId)).toEqual([live]);
    } finally {
      read.mockRestore();
      watch?.close();
      cache.stopCounting();
    }
  });
});
