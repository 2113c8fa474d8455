// Unit tests of watching runs/: events for new, changed and removed runs, and a running run's new log lines in order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeRunRecord, type RunRecord } from '../runs/run-record.js';
import type { LogChunk } from './api-types.js';
import { RunSummaryCache } from './run-summary-cache.js';
import { watchRuns, type RunWatch } from './watch-runs.js';

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

function record(runId: string, status: RunRecord['status']): RunRecord {
  return {
    schema: 1,
    runId,
    project: { name: 'p', dir: '/p' },
    stage: 'dev',
    trigger: 'ui',
    handoffVersion: '0.5.0',
    // Another host with a fresh heartbeat: alive, whatever runs this test.
    host: 'another-host',
    pid: 1,
    status,
    startedAt: '2026-01-01T00:00:00.000Z',
    heartbeatAt: new Date().toISOString(),
    tasks: [],
    records: {},
    logs: { console: `runs/${runId}/console.log`, stderr: {} },
  };
}

let watch: RunWatch | undefined;
afterEach(() => watch?.close());

describe('watchRuns', () => {
  it('reports a new run, its log lines as they are written, its end, and its removal', async () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-ws-'));
    const runsDir = path.join(workspace, 'runs');
    const runs: Array<[string, string]> = [];
    const removed: string[] = [];
    const logs: LogChunk[] = [];
    // No runs/ folder yet: the watcher must notice when the first run creates it.
    watch = watchRuns({ workspaceDir: workspace, cache: new RunSummaryCache(runsDir), onRun: (change, run) => runs.push([change, run.status]), onRemoved: (id) => removed.push(id), onLog: (c) => logs.push(c), pollMs: 200, tailMs: 50 });

    const id = '20260101T000000Z-a';
    const log = path.join(runsDir, id, 'console.log');
    fs.mkdirSync(path.dirname(log), { recursive: true });
    writeRunRecord(runsDir, record(id, 'running'));
    await until(() => runs.length === 1);
    expect(runs[0]).toEqual(['added', 'running']);

    fs.appendFileSync(log, 'first line\nsecond ');
    await until(() => logs.length === 1);
    // A line still being written is held back until its newline comes.
    expect(logs[0]).toMatchObject({ runId: id, stream: 'console', start: 0, text: 'first line\n' });
    fs.appendFileSync(log, 'line\n');
    await until(() => logs.length === 2);
    expect(logs[1]).toMatchObject({ start: logs[0].end, text: 'second line\n' });

    writeRunRecord(runsDir, { ...record(id, 'succeeded'), endedAt: '2026-01-01T00:00:05.000Z', durationMs: 5000 });
    // The last line reaches the file after the final record: it is still streamed.
    fs.appendFileSync(log, 'Job ended\n');
    await until(() => runs.length === 2 && logs.some((c) => c.text.includes('Job ended')));
    expect(runs[1]).toEqual(['updated', 'succeeded']);

    fs.rmSync(path.join(runsDir, `${id}.json`));
    await until(() => removed.length === 1);
    expect(removed).toEqual([id]);
  });

  it('follows each stderr log the running record names, from its start when it appears later', async () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-ws-'));
    const runsDir = path.join(workspace, 'runs');
    const id = '20260101T000000Z-s';
    fs.mkdirSync(path.join(runsDir, id), { recursive: true });
    fs.writeFileSync(path.join(runsDir, id, 'first.sh.stderr.log'), 'before the server\n');
    const running = { ...record(id, 'running'), logs: { console: `runs/${id}/console.log`, stderr: { 'first/sh': `runs/${id}/first.sh.stderr.log` } } };
    writeRunRecord(runsDir, running);
    const logs: LogChunk[] = [];
    watch = watchRuns({ workspaceDir: workspace, cache: new RunSummaryCache(runsDir), onRun: () => undefined, onRemoved: () => undefined, onLog: (c) => logs.push(c), pollMs: 200, tailMs: 50 });
    fs.appendFileSync(path.join(runsDir, id, 'first.sh.stderr.log'), 'err 1\n');
    await until(() => logs.some((c) => c.stream === 'first/sh'));
    expect(logs.find((c) => c.stream === 'first/sh')).toMatchObject({ runId: id, start: 'before the server\n'.length, text: 'err 1\n' });

    // A task that starts later: its log is in the record's next write, with lines already in it.
    fs.writeFileSync(path.join(runsDir, id, 'talk.sh.stderr.log'), 'err a\n');
    writeRunRecord(runsDir, { ...running, heartbeatAt: new Date().toISOString(), logs: { ...running.logs, stderr: { ...running.logs.stderr, 'talk/sh': `runs/${id}/talk.sh.stderr.log` } } });
    await until(() => logs.some((c) => c.stream === 'talk/sh'));
    fs.appendFileSync(path.join(runsDir, id, 'talk.sh.stderr.log'), 'err b\n');
    await until(() => logs.filter((c) => c.stream === 'talk/sh').map((c) => c.text).join('') === 'err a\nerr b\n');
    expect(logs.find((c) => c.stream === 'talk/sh')).toMatchObject({ start: 0 });
  });

  it('does not replay runs that were there before it started, but tails those still running from their end', async () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-ws-'));
    const runsDir = path.join(workspace, 'runs');
    fs.mkdirSync(path.join(runsDir, 'old'), { recursive: true });
    writeRunRecord(runsDir, { ...record('old', 'succeeded'), logs: { console: 'runs/old/console.log', stderr: {} } });
    fs.mkdirSync(path.join(runsDir, 'live'), { recursive: true });
    fs.writeFileSync(path.join(runsDir, 'live', 'console.log'), 'written before\n');
    writeRunRecord(runsDir, { ...record('live', 'running'), logs: { console: 'runs/live/console.log', stderr: {} } });
    const events: string[] = [];
    const logs: LogChunk[] = [];
    watch = watchRuns({ workspaceDir: workspace, cache: new RunSummaryCache(runsDir), onRun: (change, run) => events.push(`${change} ${run.runId}`), onRemoved: () => undefined, onLog: (c) => logs.push(c), pollMs: 200, tailMs: 50 });
    fs.appendFileSync(path.join(runsDir, 'live', 'console.log'), 'written after\n');
    await until(() => logs.length === 1);
    expect(logs[0]).toMatchObject({ runId: 'live', start: 'written before\n'.length, text: 'written after\n' });
    expect(events).toEqual([]);
  });
});
