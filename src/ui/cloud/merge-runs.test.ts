import { describe, expect, it } from 'vitest';
import type { CloudJob } from '../../providers/provider.js';
import { mergeRunEntries, timeOfRunId } from './merge-runs.js';

const job = (id: string, fields: Partial<CloudJob> = {}): CloudJob => ({ id, status: 'succeeded', details: {}, ...fields });

describe('merging workspace runs, stored records and cloud jobs', () => {
  it('reads the start time out of a run id', () => {
    expect(timeOfRunId('20260308T070012.345Z-ab12')).toBe(Date.parse('2026-03-08T07:00:12.345Z'));
    expect(timeOfRunId('not-an-id')).toBeUndefined();
  });

  it('joins a job to the record it names, else to the first record within its time; a workspace record wins over its stored copy', () => {
    const entries = mergeRunEntries({
      workspaceIds: ['20260301T100000.000Z-aaaa'],
      storeIds: ['20260301T100000.000Z-aaaa', '20260302T100005.000Z-bbbb', '20260303T100020.000Z-cccc'],
      jobs: [
        job('local-job', { startedAt: '2026-03-02T10:00:00.000Z', details: { run_id: '20260302T100005.000Z-bbbb' } }),
        job('ecs-task', { startedAt: '2026-03-03T10:00:00.000Z', stoppedAt: '2026-03-03T10:05:00.000Z' }),
      ],
      now: Date.parse('2026-03-04T00:00:00Z'),
    });
    expect(entries.map((e) => [e.kind, e.kind === 'job' ? e.job.id : e.runId, e.kind === 'store' ? e.job?.id : undefined])).toEqual([
      ['store', '20260303T100020.000Z-cccc', 'ecs-task'],
      ['store', '20260302T100005.000Z-bbbb', 'local-job'],
      ['workspace', '20260301T100000.000Z-aaaa', undefined],
    ]);
  });

  it('keeps a running job as its own row (the record of the run before it is not its own), a pending one on top', () => {
    const entries = mergeRunEntries({
      workspaceIds: [],
      storeIds: ['20260305T095959.000Z-prev'],
      jobs: [job('running', { status: 'running', startedAt: '2026-03-05T10:00:00.000Z' }), job('pending', { status: 'pending' })],
      now: Date.parse('2026-03-05T10:01:00Z'),
    });
    expect(entries.map((e) => (e.kind === 'job' ? `job ${e.job.id}` : `${e.kind} ${e.runId} ${e.kind === 'store' ? (e.job?.id ?? '-') : ''}`))).toEqual([
      'job running',
      'store 20260305T095959.000Z-prev -',
      'job pending',
    ]);
  });
});
