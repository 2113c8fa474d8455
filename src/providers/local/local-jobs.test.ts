// How a local job finds its run record (by the job id the run records, not by "the next run in its workspace"), and
// how its log is read (in bounded steps).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { killProcessGroup } from '../../process/kill-process-group.js';
import { readProcessStartTicks } from '../../process/process-identity.js';
import type { DeployTarget, StoreNames } from '../provider.js';
import { createLocalRunLifecycle, describeLocalJob, listRunningScheduledJobs, pruneLocalJobs, readLatestScheduledFires, startLocalJob, type LocalJob } from './local-jobs.js';

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

  it('says when a killed job ended (its logs\' last write, not its first heartbeat) and not that a user stopped it', async () => {
    const s = setup();
    const job = s.job('20261207T061516.000Z-eeee', '2026-12-07T06:15:16.000Z', '');
    const runId = '20261207T061516.269Z-8e8f';
    // Its handoff was killed with SIGKILL 6 s in: the record still says running, with the heartbeat of its start.
    s.run(runId, '2026-12-07T06:15:16.269Z', { jobId: job.id, status: 'running', exitCode: undefined, host: os.hostname(), pid: DEAD_PID, heartbeatAt: '2026-12-07T06:15:18.018Z' });
    const consoleLog = path.join(s.workspace, 'runs', runId, 'console.log');
    fs.mkdirSync(path.dirname(consoleLog), { recursive: true });
    fs.writeFileSync(consoleLog, 'Job started\n');
    fs.utimesSync(consoleLog, new Date('2026-12-07T06:15:22.500Z'), new Date('2026-12-07T06:15:22.500Z'));
    const status = describeLocalJob(job);
    expect(status).toMatchObject({ status: 'interrupted', stoppedAt: '2026-12-07T06:15:22.500Z' });
    expect(status.reason).toContain('killed');
    // `cloud job status` (the lifecycle's get): no `failure: stopped`, which is what `cloud job stop` gives.
    const root = path.resolve(s.workspace, '..', '..', '..');
    fs.writeFileSync(path.join(root, 'jobs', `${job.id}.json`), JSON.stringify(job));
    const runs = createLocalRunLifecycle({ home: root, target: { provider: 'local', resourceGroup: 'rg', task: 'task', stage: 'dev' } as DeployTarget, names: { resourceGroup: 'dev-rg', task: 'task' } as StoreNames });
    const shown = await runs.get(job.id);
    expect(shown).toMatchObject({ status: 'interrupted', stoppedAt: '2026-12-07T06:15:22.500Z', failure: 'unknown' });
  });

  it('still finds the run of a record written by an older handoff (no job id) as the one that started after the job', () => {
    const s = setup();
    const job = s.job('20261206T010000.000Z-aaaa', '2026-12-06T01:00:00.000Z', '');
    s.run('20261206T010001.000Z-bbbb', '2026-12-06T01:00:01.000Z');
    expect(describeLocalJob(job)).toMatchObject({ status: 'succeeded', runId: '20261206T010001.000Z-bbbb' });
  });
});

describe('cloud job status of a long history (the local provider\'s runs.list and get)', () => {
  afterEach(() => vi.restoreAllMocks());

  /** A home with `hours` hourly jobs of dev-rg/task (each with its run record) and, between them, jobs of another task. */
  function history(hours: number): { root: string; ids: string[]; runs: ReturnType<typeof createLocalRunLifecycle> } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-jobhistory-'));
    const workspace = path.join(root, 'workspaces', 'dev-rg', 'task');
    fs.mkdirSync(path.join(workspace, 'runs'), { recursive: true });
    fs.mkdirSync(path.join(root, 'jobs', 'logs'), { recursive: true });
    const ids: string[] = [];
    const stamp = (t: number): string => new Date(t).toISOString().replace(/[-:]/g, '');
    for (let i = 0; i < hours; i++) {
      const t = Date.parse('2026-01-01T00:00:00.000Z') + i * 3600_000;
      const id = `${stamp(t)}-${String(i).padStart(4, '0')}`;
      const job: LocalJob = { id, taskKey: 'dev-rg/task', pid: DEAD_PID, trigger: 'schedule', startedAt: new Date(t).toISOString(), workspace, logFile: path.join(root, 'jobs', 'logs', `${id}.log`) };
      fs.writeFileSync(path.join(root, 'jobs', `${id}.json`), JSON.stringify(job));
      const runId = `${stamp(t + 2000)}-${String(i).padStart(4, '0')}`;
      const status = i % 2 === 0 ? 'succeeded' : 'failed';
      fs.writeFileSync(path.join(workspace, 'runs', `${runId}.json`), JSON.stringify({ schema: 1, runId, jobId: id, project: { name: 'task', dir: '/p' }, stage: 'dev', trigger: 'schedule', status, exitCode: i % 2, startedAt: new Date(t + 2000).toISOString(), tasks: [], records: {}, logs: { console: `runs/${runId}/console.log`, stderr: {} } }));
      const otherId = `${stamp(t + 60_000)}-${String(i).padStart(4, '0')}`;
      const other: LocalJob = { ...job, id: otherId, taskKey: 'dev-rg/other', startedAt: new Date(t + 60_000).toISOString(), workspace: path.join(root, 'workspaces', 'dev-rg', 'other') };
      fs.writeFileSync(path.join(root, 'jobs', `${otherId}.json`), JSON.stringify(other));
      ids.push(id);
    }
    const runs = createLocalRunLifecycle({ home: root, target: { provider: 'local', resourceGroup: 'rg', task: 'task', stage: 'dev' } as DeployTarget, names: { resourceGroup: 'dev-rg', task: 'task' } as StoreNames });
    return { root, ids, runs };
  }

  it('lists the newest 20 jobs with their runs, reading only their job files and each one\'s own run record', async () => {
    const { root, ids, runs } = history(120);
    const read = vi.spyOn(fs, 'readFileSync');
    const jobs = await runs.list();
    const files = read.mock.calls.map(([file]) => String(file));
    expect(jobs.map((j) => j.id)).toEqual(ids.slice(-20).reverse());
    expect(jobs.map((j) => j.status)).toEqual(ids.slice(-20).reverse().map((_, i) => ((119 - i) % 2 === 0 ? 'succeeded' : 'failed')));
    expect(jobs.every((j) => String(j.details?.run_id).endsWith(j.id.slice(-4)))).toBe(true);
    // The 20 of the task and the other task's files between them; one run record per job.
    expect(files.filter((f) => path.dirname(f) === path.join(root, 'jobs')).length).toBeLessThanOrEqual(41);
    expect(files.filter((f) => f.includes(`${path.sep}runs${path.sep}`))).toHaveLength(20);
  });

  it('finds a job by its id or a start of it, reading only the job files named so', async () => {
    const { root, ids, runs } = history(50);
    const read = vi.spyOn(fs, 'readFileSync');
    expect(await runs.get(ids[7])).toMatchObject({ id: ids[7], status: 'failed', exitCode: 1 });
    const jobFiles = read.mock.calls.map(([file]) => String(file)).filter((f) => path.dirname(f) === path.join(root, 'jobs'));
    expect(jobFiles.map((f) => path.basename(f))).toEqual([`${ids[7]}.json`]);
    // A start several jobs share is still refused with their ids; one of another task is not this task's.
    await expect(runs.get(ids[7].slice(0, 9))).rejects.toThrow(/matches 24 jobs of dev-rg\/task/);
    await expect(runs.get(ids[7].replace('T0700', 'T0701'))).rejects.toThrow(/no job "20260101T070100.000Z-0007" of dev-rg\/task/);
  });
});

describe('local job logs', () => {
  it('are read in bounded steps (`more` until the end), every line once and whole, a line longer than a read in pieces', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-joblogs-'));
    fs.mkdirSync(path.join(root, 'jobs', 'logs'), { recursive: true });
    const id = '20260105T090000.000Z-0001';
    const logFile = path.join(root, 'jobs', 'logs', `${id}.log`);
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'é'.repeat(20)}`);
    const long = 'ü'.repeat(200_000); // 400,000 bytes: more than one read
    fs.writeFileSync(logFile, `${lines.join('\n')}\n${long}\nlast\npartial`);
    const job: LocalJob = { id, taskKey: 'dev-rg/task', pid: DEAD_PID, trigger: 'cloud', startedAt: '2026-01-05T09:00:00.000Z', workspace: path.join(root, 'ws'), logFile };
    fs.writeFileSync(path.join(root, 'jobs', `${id}.json`), JSON.stringify(job));
    const runs = createLocalRunLifecycle({ home: root, target: { provider: 'local', resourceGroup: 'rg', task: 'task', stage: 'dev' } as DeployTarget, names: { resourceGroup: 'dev-rg', task: 'task' } as StoreNames });
    const reader = runs.openLogs({ jobId: id });
    const seen: string[] = [];
    let reads = 0;
    do {
      const read = await reader.read();
      expect(read.reduce((n, l) => n + Buffer.byteLength(l.message) + 1, 0)).toBeLessThanOrEqual(256 * 1024 + 1);
      seen.push(...read.map((l) => l.message));
      reads += 1;
    } while (reader.more);
    expect(reads).toBeGreaterThan(3);
    expect(seen.slice(0, 20_000)).toEqual(lines);
    // The long line in pieces, no character split; the partial last line waits for its newline.
    expect(seen.slice(20_000, -1).join('')).toBe(long);
    expect(seen.at(-1)).toBe('last');
    expect(await reader.read()).toEqual([]);
    // A filter that drops a whole read's lines reads on, so an empty read never comes with `more`.
    const filtered = runs.openLogs({ jobId: id, filterPattern: 'last' });
    expect((await filtered.read()).map((l) => l.message)).toEqual(['last']);
    expect(filtered.more).toBe(false);
  });
});

describe('the jobs a scheduler reads (startLocalJob, readLatestScheduledFires)', () => {
  const groups: number[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const pid of groups.splice(0)) killProcessGroup(pid, 'SIGKILL');
  });

  /** A home with `old` job files of another task that ended long ago, and a stand-in for handoff that waits. */
  function home(old: number): { root: string; entryScript: string } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-startjob-'));
    fs.mkdirSync(path.join(root, 'jobs'), { recursive: true });
    for (let i = 0; i < old; i++) {
      const id = `20250101T${String(Math.floor(i / 60) % 24).padStart(2, '0')}${String(i % 60).padStart(2, '0')}00.000Z-${String(i).padStart(4, '0')}`;
      const job: LocalJob = { id, taskKey: 'dev-rg/other', pid: DEAD_PID, trigger: 'schedule', startedAt: '2025-01-01T00:00:00.000Z', workspace: path.join(root, 'workspaces', 'dev-rg', 'other'), logFile: path.join(root, 'jobs', 'logs', `${id}.log`), scheduleId: 'dev-rg/other/1', scheduledAt: '2025-01-01T00:00:00.000Z' };
      fs.writeFileSync(path.join(root, 'jobs', `${id}.json`), JSON.stringify(job));
    }
    const entryScript = path.join(root, 'wait.mjs');
    fs.writeFileSync(entryScript, 'setTimeout(() => {}, 60_000);\n');
    return { root, entryScript };
  }

  const input = (root: string, entryScript: string) => ({ home: root, entryScript, resourceGroup: 'dev-rg', bareResourceGroup: 'rg', task: 'task', stage: 'dev', trigger: 'schedule' as const, envs: {} });

  it('picks a free workspace from the jobs that run, without reading every job file ever written', async () => {
    const { root, entryScript } = home(300);
    const first = startLocalJob(input(root, entryScript));
    groups.push(first.job.pid);
    const read = vi.spyOn(fs, 'readFileSync');
    const second = startLocalJob(input(root, entryScript));
    groups.push(second.job.pid);
    const jobFilesRead = read.mock.calls.map(([file]) => String(file)).filter((file) => path.dirname(file) === path.join(root, 'jobs'));
    expect(jobFilesRead).toEqual([]);
    // The running one is still seen: the second job goes to a workspace of its own.
    expect(first.job.workspace).toBe(path.join(root, 'workspaces', 'dev-rg', 'task'));
    expect(second.job.workspace).toBe(path.join(root, 'workspaces', 'dev-rg', 'task-2'));
    // Once the first has ended, its entry goes and its workspace is free again.
    killProcessGroup(first.job.pid, 'SIGKILL');
    await first.process.exited;
    const third = startLocalJob(input(root, entryScript));
    groups.push(third.job.pid);
    expect(third.job.workspace).toBe(path.join(root, 'workspaces', 'dev-rg', 'task'));
    expect(fs.readdirSync(path.join(root, 'jobs', 'running')).filter((n) => n.endsWith('.json')).sort()).toEqual([`${second.job.id}.json`, `${third.job.id}.json`].sort());
  });

  it('reads back the last fires of schedules from the jobs started since a time only, leaving older job files unread', () => {
    const { root } = home(300);
    const id = '20260301T120000.000Z-beef';
    const job: LocalJob = { id, taskKey: 'dev-rg/task', pid: DEAD_PID, trigger: 'schedule', startedAt: '2026-03-01T12:00:00.000Z', workspace: root, logFile: path.join(root, `${id}.log`), scheduleId: 'dev-rg/task/1', scheduledAt: '2026-03-01T12:00:00.000Z' };
    fs.writeFileSync(path.join(root, 'jobs', `${id}.json`), JSON.stringify(job));
    const read = vi.spyOn(fs, 'readFileSync');
    expect(readLatestScheduledFires(root, Date.parse('2026-03-01T11:00:00.000Z'))).toEqual({ 'dev-rg/task/1': '2026-03-01T12:00:00.000Z' });
    expect(read.mock.calls.map(([file]) => path.basename(String(file)))).toEqual([`${id}.json`]);
    read.mockClear();
    // Without a time, every job file says what it fired for.
    expect(readLatestScheduledFires(root)).toEqual({ 'dev-rg/task/1': '2026-03-01T12:00:00.000Z', 'dev-rg/other/1': '2025-01-01T00:00:00.000Z' });
    expect(read.mock.calls).toHaveLength(301);
  });

  it('sees a job still running that a handoff without the index of running jobs started', async () => {
    const { root, entryScript } = home(3);
    const older = spawn(process.execPath, [entryScript], { detached: true, stdio: 'ignore' });
    groups.push(older.pid!);
    const id = '20260101T000000.000Z-olde';
    const job: LocalJob = { id, taskKey: 'dev-rg/task', pid: older.pid!, processStart: readProcessStartTicks(older.pid!), trigger: 'cloud', startedAt: '2026-01-01T00:00:00.000Z', workspace: path.join(root, 'workspaces', 'dev-rg', 'task'), logFile: path.join(root, 'jobs', 'logs', `${id}.log`) };
    fs.writeFileSync(path.join(root, 'jobs', `${id}.json`), JSON.stringify(job));
    const started = startLocalJob(input(root, entryScript));
    groups.push(started.job.pid);
    expect(started.job.workspace).toBe(path.join(root, 'workspaces', 'dev-rg', 'task-2'));
  });

  it('sees a job an older handoff started after the index was made (it writes only its job file), reading its file once', async () => {
    const { root, entryScript } = home(3);
    const first = startLocalJob(input(root, entryScript));
    groups.push(first.job.pid);
    // An older scheduler, still running across the upgrade, starts a job in the next workspace: no entry in the index.
    const older = spawn(process.execPath, [entryScript], { detached: true, stdio: 'ignore' });
    groups.push(older.pid!);
    const id = `${new Date().toISOString().replace(/[-:]/g, '')}-olde`;
    const job: LocalJob = { id, taskKey: 'dev-rg/task', pid: older.pid!, processStart: readProcessStartTicks(older.pid!), trigger: 'schedule', startedAt: new Date().toISOString(), workspace: path.join(root, 'workspaces', 'dev-rg', 'task-2'), logFile: path.join(root, 'jobs', 'logs', `${id}.log`), scheduleId: 'dev-rg/task/1' };
    fs.writeFileSync(path.join(root, 'jobs', `${id}.json`), JSON.stringify(job));
    const second = startLocalJob(input(root, entryScript));
    groups.push(second.job.pid);
    expect(second.job.workspace).toBe(path.join(root, 'workspaces', 'dev-rg', 'task-3'));
    expect(listRunningScheduledJobs(root).map((j) => j.id)).toEqual([id]);
    // Taken into the index: later looks read no job file again.
    const read = vi.spyOn(fs, 'readFileSync');
    const third = startLocalJob(input(root, entryScript));
    groups.push(third.job.pid);
    expect(third.job.workspace).toBe(path.join(root, 'workspaces', 'dev-rg', 'task-4'));
    expect(read.mock.calls.map(([file]) => String(file)).filter((file) => path.dirname(file) === path.join(root, 'jobs'))).toEqual([]);
  });

  it('passes over a workspace whose lock a live handoff holds, though no job file names it', () => {
    const { root, entryScript } = home(0);
    const busy = path.join(root, 'workspaces', 'dev-rg', 'task');
    fs.mkdirSync(busy, { recursive: true });
    fs.writeFileSync(path.join(busy, '.handoff.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'run' }));
    const started = startLocalJob(input(root, entryScript));
    groups.push(started.job.pid);
    expect(started.job.workspace).toBe(path.join(root, 'workspaces', 'dev-rg', 'task-2'));
  });
});

describe('pruneLocalJobs (what the scheduler keeps of jobs/)', () => {
  const groups: number[] = [];
  afterEach(() => {
    for (const pid of groups.splice(0)) killProcessGroup(pid, 'SIGKILL');
  });

  const NOW = Date.parse('2026-03-01T12:00:00.000Z');
  const DAY = 86_400_000;

  /** Writes the job file (and log) of a job of `task` that started `daysAgo` days before NOW, at second `n`. */
  function writeJob(root: string, task: string, daysAgo: number, n: number, over: Partial<LocalJob> = {}): string {
    const startedAt = new Date(NOW - daysAgo * DAY + n * 1000);
    const id = `${startedAt.toISOString().replace(/[-:]/g, '')}-${String(n).padStart(4, '0')}`;
    const logFile = path.join(root, 'jobs', 'logs', `${id}.log`);
    fs.writeFileSync(logFile, `log of ${id}\n`);
    const job: LocalJob = { id, taskKey: `dev-rg/${task}`, pid: DEAD_PID, trigger: 'schedule', startedAt: startedAt.toISOString(), workspace: root, logFile, ...over };
    fs.writeFileSync(path.join(root, 'jobs', `${id}.json`), JSON.stringify(job));
    return id;
  }

  function jobIds(root: string): string[] {
    return fs.readdirSync(path.join(root, 'jobs')).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort();
  }

  it('removes ended jobs older than the retention or beyond the newest, with their logs; keeps the newest of each task and running jobs', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-prune-'));
    fs.mkdirSync(path.join(root, 'jobs', 'logs'), { recursive: true });
    fs.mkdirSync(path.join(root, 'jobs', 'running'), { recursive: true });
    // busy: 30 jobs 40 days ago and 10 recent ones; daily: 5 jobs 60 days ago.
    for (let i = 0; i < 30; i++) writeJob(root, 'busy', 40, i);
    const recentBusy = Array.from({ length: 10 }, (_, i) => writeJob(root, 'busy', 1, i));
    const oldDaily = Array.from({ length: 5 }, (_, i) => writeJob(root, 'daily', 60, i));
    // An old job that still runs (a real process, with its start time), also in the index of running jobs.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { detached: true, stdio: 'ignore' });
    groups.push(child.pid!);
    const running = writeJob(root, 'busy', 50, 0, { pid: child.pid!, processStart: readProcessStartTicks(child.pid!) });
    fs.copyFileSync(path.join(root, 'jobs', `${running}.json`), path.join(root, 'jobs', 'running', `${running}.json`));
    // A log whose job file was never written, old and recent.
    fs.writeFileSync(path.join(root, 'jobs', 'logs', '20260101T000000.000Z-dead.log'), 'orphan');
    fs.writeFileSync(path.join(root, 'jobs', 'logs', '20260301T115959.000Z-new0.log'), 'being started');
    // A broken job file: nothing says it ended.
    fs.writeFileSync(path.join(root, 'jobs', '20250101T000000.000Z-bad0.json'), '{');

    const keep = { days: 30, newest: 8, perTask: 1 };
    const removed = pruneLocalJobs(root, NOW, keep);
    // To go: what is older than 30 days, and the 2 oldest recent busy jobs (beyond the newest 8). Of those, each task's
    // newest stays (so busy keeps its newest 9 and daily its newest), the running job stays, and so does the broken file.
    const kept = new Set([...recentBusy.slice(1), oldDaily[4], running, '20250101T000000.000Z-bad0']);
    expect(jobIds(root)).toEqual([...kept].sort());
    expect(removed).toBe(1 + 30 + 4);
    // Logs go with their jobs; the old orphan goes, the recent one (a job being started) stays.
    const logs = fs.readdirSync(path.join(root, 'jobs', 'logs')).sort();
    expect(logs).toEqual([...[...kept].filter((id) => !id.endsWith('bad0')).map((id) => `${id}.log`), '20260301T115959.000Z-new0.log'].sort());
    expect(fs.readdirSync(path.join(root, 'jobs', 'running'))).toEqual([`${running}.json`]);
    // Again: nothing more to remove.
    expect(pruneLocalJobs(root, NOW, keep)).toBe(0);
  });

  it('keeps 30 days, the newest 10,000 and 20 of each task by default, reading only the files it may remove', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-prune-'));
    fs.mkdirSync(path.join(root, 'jobs', 'logs'), { recursive: true });
    const recent = Array.from({ length: 25 }, (_, i) => writeJob(root, 'busy', 29, i));
    const old = Array.from({ length: 25 }, (_, i) => writeJob(root, 'busy', 31, i));
    const read = vi.spyOn(fs, 'readFileSync');
    expect(pruneLocalJobs(root, NOW)).toBe(5);
    expect(read.mock.calls.map(([file]) => path.basename(String(file))).sort()).toEqual(old.map((id) => `${id}.json`).sort());
    vi.restoreAllMocks();
    expect(jobIds(root)).toEqual([...recent, ...old.slice(5)].sort());
  });
});
