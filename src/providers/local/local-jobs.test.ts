// How a local job finds its run record: by the job id the run records, not by "the next run in its workspace".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLocalJob, type LocalJob } from './local-jobs.js';

/** A pid no process has (above the kernel's pid_max). */
const DEAD_PID = 2 ** 22 + 1;

function setup(): { workspace: string; job(id: string, startedAt: string, log: string): LocalJob; run(runId: string, startedAt: string, extra?: Record<string, unknown>): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-jobs-'));
  const workspace = path.join(root, 'workspaces', 'dev-rg', 'task');
  fs.mkdirSync(path.join(workspace, 'runs'), { recursive: true });
  fs.mkdirSync(path.join(root, 'jobs', 'logs'), { recursive: true });
  return {
    workspace,
    job(id, startedAt, log) {
      const logFile = path.join(root, 'jobs', 'logs', `${id}.log`);
      fs.writeFileSync(logFile, log);
      return { id, taskKey: 'dev-rg/task', pid: DEAD_PID, trigger: 'schedule', startedAt, workspace, logFile };
    },
    run(runId, startedAt, extra = {}) {
      const record = { schema: 1, runId, project: { name: 'task', dir: '/p' }, stage: 'dev', trigger: 'schedule', status: 'succeeded', exitCode: 0, startedAt, tasks: [], records: {}, logs: { console: `runs/${runId}/console.log`, stderr: {} }, ...extra };
      fs.writeFileSync(path.join(workspace, 'runs', `${runId}.json`), JSON.stringify(record));
    },
  };
}

describe('describeLocalJob', () => {
  it('keeps a job that failed before its run failed, though the next job of the workspace succeeded', () => {
    const s = setup();
    const failed = s.job('20261206T032324.151Z-dfa8', '2026-12-06T03:23:24.151Z', 'starting\nerror: envs[0] "API_TOKEN" has no value\n');
    const next = s.job('20261206T032332.155Z-7e16', '2026-12-06T03:23:32.155Z', 'ok\n');
    s.run('20261206T032333.111Z-abba', '2026-12-06T03:23:33.111Z', { jobId: next.id });
    expect(describeLocalJob(failed)).toMatchObject({ status: 'failed', reason: expect.stringContaining('envs[0] "API_TOKEN" has no value (before its run started') });
    expect(describeLocalJob(failed).runId).toBeUndefined();
    expect(describeLocalJob(next)).toMatchObject({ status: 'succeeded', exitCode: 0, runId: '20261206T032333.111Z-abba' });
  });

  it('says when a job ended: its run\'s end, so a stopped job has a duration', () => {
    const s = setup();
    const job = s.job('20261206T060434.086Z-cccc', '2026-12-06T06:04:34.086Z', '');
    s.run('20261206T060434.500Z-dddd', '2026-12-06T06:04:34.500Z', { jobId: job.id, status: 'interrupted', exitCode: 143, endedAt: '2026-12-06T06:04:42.300Z', reason: 'interrupted by SIGTERM' });
    expect(describeLocalJob(job)).toMatchObject({ status: 'interrupted', stoppedAt: '2026-12-06T06:04:42.300Z' });
  });

  it('still finds the run of a record written by an older handoff (no job id) as the one that started after the job', () => {
    const s = setup();
    const job = s.job('20261206T010000.000Z-aaaa', '2026-12-06T01:00:00.000Z', '');
    s.run('20261206T010001.000Z-bbbb', '2026-12-06T01:00:01.000Z');
    expect(describeLocalJob(job)).toMatchObject({ status: 'succeeded', runId: '20261206T010001.000Z-bbbb' });
  });
});
