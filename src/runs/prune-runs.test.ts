// Unit tests of `runs prune --older-than`: runs started since the cutoff are kept by their ids, without being read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTimeSortableId } from '../runner/run-project.js';
import { pruneRuns } from './run-history.js';
import { runRecordPath, writeRunRecord, type RunRecord } from './run-record.js';

function makeRecord(runId: string, patch: Partial<RunRecord> = {}): RunRecord {
  return {
    schema: 1,
    runId,
    project: { name: 'p', dir: '/p' },
    stage: 'dev',
    trigger: 'manual',
    handoffVersion: '0.5.0',
    host: os.hostname(),
    pid: 2 ** 22 + 12345,
    status: 'succeeded',
    startedAt: '2025-01-01T00:00:00.000Z',
    heartbeatAt: '2025-01-01T00:00:01.000Z',
    tasks: [],
    records: {},
    logs: { console: `runs/${runId}/console.log`, stderr: {} },
    ...patch,
  };
}

afterEach(() => vi.restoreAllMocks());

describe('pruneRuns', () => {
  it('with a cutoff, reads the newest kept by --keep and the runs older than the cutoff only; running and unreadable old ones are told apart', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-prune-'));
    const old: string[] = [];
    for (let i = 0; i < 200; i++) old.push(createTimeSortableId(new Date(Date.parse('2025-01-01T00:00:00Z') + i * 3_600_000)));
    const recent: string[] = [];
    for (let i = 0; i < 20; i++) recent.push(createTimeSortableId(new Date(Date.now() - (i + 1) * 3_600_000)));
    for (const id of [...old, ...recent]) {
      writeRunRecord(dir, makeRecord(id));
      fs.mkdirSync(path.join(dir, id));
      fs.writeFileSync(path.join(dir, id, 'console.log'), 'x\n');
    }
    const [broken, running] = [old[50]!, old[60]!];
    fs.writeFileSync(runRecordPath(dir, broken), '{"schema": 1, "ru');
    writeRunRecord(dir, makeRecord(running, { status: 'running' }));
    // An unreadable record among the recent ones is not read, so it is neither named nor removed.
    fs.writeFileSync(runRecordPath(dir, recent[10]!), '{"schema": 1, "ru');

    const read = vi.spyOn(fs, 'readFileSync');
    const result = pruneRuns(dir, 5, Date.now() - 2 * 86_400_000);
    const readIds = new Set(read.mock.calls.map(([f]) => String(f)).filter((f) => f.endsWith('.json')).map((f) => path.basename(f, '.json')));
    expect([...readIds].sort()).toEqual([...old, ...recent.slice(0, 5)].sort());
    expect(result.notRead).toBe(15);
    expect(result.unreadable.map((u) => u.runId)).toEqual([broken]);
    expect(result.keptRunning).toEqual([running]);
    expect(result.removed.sort()).toEqual(old.filter((id) => id !== broken && id !== running).sort());
    const left = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort();
    expect(left).toEqual([broken, running, ...recent].sort());
    expect(fs.existsSync(path.join(dir, old[0]!))).toBe(false);
    expect(fs.existsSync(path.join(dir, recent[19]!, 'console.log'))).toBe(true);
  });

  it('keeps --keep readable runs even when fewer started since the cutoff', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-prune-'));
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(createTimeSortableId(new Date(Date.parse('2025-01-01T00:00:00Z') + i * 3_600_000)));
    for (const id of ids) writeRunRecord(dir, makeRecord(id));
    fs.writeFileSync(runRecordPath(dir, ids[9]!), 'not a record');
    const result = pruneRuns(dir, 3, Date.now() - 86_400_000);
    expect(result.unreadable.map((u) => u.runId)).toEqual([ids[9]]);
    expect(result.removed.sort()).toEqual(ids.slice(0, 6));
  });
});
