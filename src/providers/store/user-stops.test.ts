// Stop records under a task's stops/ are kept only as long as a cloud may still list the run they speak of.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalObjectStore } from '../local/local-object-store.js';
import { readTimeoutStop, recordTimeoutStop, recordUserStop, STOP_RECORD_DAYS } from './user-stops.js';

const DAY_MS = 86_400_000;

function makeStore(): { dir: string; store: Parameters<typeof recordTimeoutStop>[0] } {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-stops-')), 'bucket');
  fs.mkdirSync(dir);
  return { dir, store: { objects: createLocalObjectStore(dir), names: { s3: { taskPrefix: 'job/' } as never } } };
}

/** Writes a stop record as a run of `daysAgo` days ago left it (the store's own modification time). */
async function leaveRecord(dir: string, store: ReturnType<typeof makeStore>['store'], key: string, daysAgo: number): Promise<void> {
  await store.objects.put(key, Buffer.from('{"stopped_by":"handoff cloud run --timeout","timeout_seconds":6}\n'));
  const when = new Date(Date.now() - daysAgo * DAY_MS);
  fs.utimesSync(path.join(dir, key), when, when);
}

describe('stop records', () => {
  it('a new timeout record removes the stop records older than the clouds keep executions, and keeps the others', async () => {
    const { dir, store } = makeStore();
    await leaveRecord(dir, store, 'job/stops/old-run.timeout.json', STOP_RECORD_DAYS + 10);
    await leaveRecord(dir, store, 'job/stops/old-user-stop.json', STOP_RECORD_DAYS + 1);
    await leaveRecord(dir, store, 'job/stops/recent-run.timeout.json', STOP_RECORD_DAYS - 1);
    await store.objects.put('job/runs/old-run.json', Buffer.from('{}'));
    fs.utimesSync(path.join(dir, 'job/runs/old-run.json'), new Date(0), new Date(0));
    await recordTimeoutStop(store, 'new-run', 6);
    expect((await store.objects.list('job/')).map((o) => o.key)).toEqual(['job/runs/old-run.json', 'job/stops/new-run.timeout.json', 'job/stops/recent-run.timeout.json']);
    expect(await readTimeoutStop(store, 'new-run')).toContain('(6 s)');
    expect(await readTimeoutStop(store, 'recent-run')).toContain('(6 s)');
    expect(await readTimeoutStop(store, 'old-run')).toBeUndefined();
  });

  it('a user\'s stop record does the same', async () => {
    const { dir, store } = makeStore();
    await leaveRecord(dir, store, 'job/stops/old-run.timeout.json', STOP_RECORD_DAYS + 1);
    expect(await recordUserStop(store, 'stopped-run')).toContain('job/stops/stopped-run.json');
    expect((await store.objects.list('job/stops/')).map((o) => o.key)).toEqual(['job/stops/stopped-run.json']);
  });
});
