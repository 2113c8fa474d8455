// Runs of the local provider (`cloud run`, scheduled fires): detached `handoff run` processes, one job file each.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { killProcessGroup } from '../../process/kill-process-group.js';
import { isHandoffProcess, isProcessAlive } from '../../process/process-alive.js';
import { readProcessStartTicks, readProcessStat } from '../../process/process-identity.js';
import { spawnDetachedHandoff, type DetachedProcess } from '../../process/spawn-detached.js';
import { readRunRecord } from '../../runs/run-record.js';
import { createTimeSortableId } from '../../runner/run-project.js';
import { lastSignOfLife, listRunIds } from '../../runs/run-history.js';
import type { RunRecord } from '../../runs/run-record.js';
import type { CloudJob, DeployTarget, LogLine, RunLifecycle, StoreNames } from '../provider.js';
import { pickJob } from '../pick-job.js';
import { createRunEnvironment, nameOverrides, OVERRIDES_ENV } from '../deploy/run-environment.js';
import { homeWriteError } from './handoff-home.js';
import { writeFileAtomicSync } from './write-file-atomic.js';
import { removeFile } from '../../remove-file.js';
import { isoTime } from '../../iso-time.js';
import { makeFolders } from '../../make-folders.js';
import { readLockHolder, workspaceLockFile } from '../../workspace/workspace-lock.js';

/** A run started in the background against the local store, like an ECS task started by RunTask. */
export interface LocalJob {
  id: string;
  /** `<RG>/<task>` with the stage-prefixed resource group. */
  taskKey: string;
  pid: number;
  /** The process's start time (ticks since boot, /proc/<pid>/stat): tells the job from a later process given its pid. */
  processStart?: string;
  trigger: 'cloud' | 'schedule';
  startedAt: string;
  workspace: string;
  logFile: string;
  /** The schedule that started it, if any. */
  scheduleId?: string;
  /** The fire time it was started for: a restarted scheduler never fires that time again. */
  scheduledAt?: string;
}

export interface LocalJobStatus extends LocalJob {
  status: 'running' | 'succeeded' | 'failed' | 'interrupted' | 'unknown';
  exitCode?: number;
  runId?: string;
  reason?: string;
  /** When its run ended (a record its handoff never finished: its last heartbeat). */
  stoppedAt?: string;
}

export interface StartLocalJobInput {
  home: string;
  entryScript: string;
  resourceGroup: string;
  bareResourceGroup: string;
  task: string;
  stage: string;
  bucket?: string;
  trigger: 'cloud' | 'schedule';
  /** Environment of the run: HO_STAGE, __VARS and the schedule's or -e envs. */
  envs: Record<string, string>;
  scheduleId?: string;
  scheduledAt?: string;
}

function jobsDir(home: string): string {
  return path.join(home, 'jobs');
}

/**
 * The index of jobs that may still run: a copy of each one's job file, removed once it is found ended. Picking a free
 * workspace for a new job (each scheduled fire) reads only these, not every job file ever written, so its cost follows
 * the jobs running, not the history (30,000 job files took 1.3 s per fire).
 */
function runningDir(home: string): string {
  return path.join(jobsDir(home), 'running');
}

/**
 * The jobs (of one task, or all), newest first. With `startedSince`, only the files of jobs started since then are read:
 * their names begin with their start time, so older ones are passed over unread. With `limit`, reading stops once that
 * many jobs of the task are found (`cloud job status` shows 20: a year of hourly jobs took 55 s when all were read).
 */
export function listLocalJobs(home: string, taskKey?: string, startedSince?: number, limit = Infinity): LocalJob[] {
  let names: string[];
  try {
    names = fs.readdirSync(jobsDir(home)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  if (startedSince !== undefined) {
    const first = createTimeSortableId(new Date(startedSince)).slice(0, -5);
    names = names.filter((n) => n >= first);
  }
  return readJobFiles(home, names.sort().reverse(), taskKey, limit);
}

/** The jobs of the task (or all) in these job files, in their order, at most `limit`; a file that cannot be read is passed over. */
function readJobFiles(home: string, names: string[], taskKey: string | undefined, limit = Infinity): LocalJob[] {
  const jobs: LocalJob[] = [];
  for (const name of names) {
    if (jobs.length >= limit) break;
    let job: LocalJob;
    try {
      job = JSON.parse(fs.readFileSync(path.join(jobsDir(home), name), 'utf8')) as LocalJob;
    } catch {
      continue;
    }
    if (taskKey === undefined || job.taskKey === taskKey) jobs.push(job);
  }
  return jobs;
}

/**
 * Whether the job's handoff still runs. Its pid alone does not say: once the job ended, the pid may be given to any
 * later process (after a restart of the machine, soon). The start time recorded with the pid tells them apart.
 */
export function isLocalJobRunning(job: LocalJob): boolean {
  if (!isProcessAlive(job.pid)) return false;
  const stat = readProcessStat(job.pid);
  // Without /proc, or without a recorded start (a job file of an older handoff), the command line is the best guess.
  if (stat === undefined || job.processStart === undefined) return isHandoffProcess(job.pid);
  // A zombie has ended: it only waits to be reaped (by whoever adopted it when its scheduler died).
  return stat.state !== 'Z' && stat.startTicks === job.processStart;
}

/**
 * Jobs that still run (of one task, or all), from the index of running jobs and the job files it does not hold yet;
 * entries of ended jobs are removed.
 */
export function listRunningLocalJobs(home: string, taskKey?: string): LocalJob[] {
  const dir = runningDir(home);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    names = buildRunningIndex(home);
  }
  if (fs.existsSync(dir)) names = [...names, ...indexUnindexedJobs(home, names)];
  const running: LocalJob[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    let job: LocalJob;
    try {
      job = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as LocalJob;
    } catch {
      // Being written right now, or broken by hand: its job file still says it ran.
      continue;
    }
    if (isLocalJobRunning(job)) {
      if (taskKey === undefined || job.taskKey === taskKey) running.push(job);
      continue;
    }
    try {
      // An ended job never runs again: its entry goes (whoever sees that first removes it).
      removeFile(path.join(dir, name));
    } catch {
      // read-only home: it is looked at again next time, no harm
    }
  }
  return running;
}

/**
 * A home whose jobs were started by a handoff without the index (or a new home): the index is made once from every job
 * file, in a folder of its own renamed into place, so no reader ever sees half of it. Returns the names it holds.
 */
function buildRunningIndex(home: string): string[] {
  const now = Date.now();
  const running = listLocalJobs(home).filter(isLocalJobRunning);
  const dir = runningDir(home);
  const temp = `${dir}.${process.pid}.tmp`;
  try {
    fs.rmSync(temp, { recursive: true, force: true });
    makeFolders(temp);
    for (const job of running) fs.writeFileSync(path.join(temp, `${job.id}.json`), JSON.stringify(job, null, 2));
    // Every job file was just read: the next look for jobs the index misses starts from here.
    fs.writeFileSync(path.join(temp, SCANNED_FILE), isoTime(now));
    fs.renameSync(temp, dir);
  } catch {
    // Another process made it first (or the home is read-only): this time, the full read is the answer.
    fs.rmSync(temp, { recursive: true, force: true });
  }
  return running.map((job) => `${job.id}.json`);
}

/** In jobs/running/: the time job files were last looked through for jobs the index misses. */
const SCANNED_FILE = '.scanned';

/** Job files are looked through from a minute before the last look: a job's id is its start, its file comes just after. */
const SCAN_OVERLAP_MS = 60_000;

/**
 * A handoff older than the index (a scheduler still running across an upgrade) writes only jobs/<id>.json: the job
 * files started since the last look (all of them the first time) that are not in the index are read, and those still
 * running are added to it. Returns the names added.
 */
function indexUnindexedJobs(home: string, indexed: string[]): string[] {
  const dir = runningDir(home);
  const scannedFile = path.join(dir, SCANNED_FILE);
  const now = Date.now();
  let names: string[];
  try {
    names = fs.readdirSync(jobsDir(home)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  let since = '';
  try {
    // Job file names begin with their start time (see listLocalJobs).
    since = createTimeSortableId(new Date(Date.parse(fs.readFileSync(scannedFile, 'utf8').trim()) - SCAN_OVERLAP_MS)).slice(0, -5);
  } catch {
    // never looked (an index made before the look existed), or unreadable: every job file, once
  }
  const known = new Set(indexed);
  const added: string[] = [];
  for (const name of names.filter((n) => n >= since && !known.has(n))) {
    let job: LocalJob;
    try {
      job = JSON.parse(fs.readFileSync(path.join(jobsDir(home), name), 'utf8')) as LocalJob;
    } catch {
      continue;
    }
    if (!isLocalJobRunning(job)) continue;
    try {
      writeFileAtomicSync(path.join(dir, `${job.id}.json`), JSON.stringify(job, null, 2));
      added.push(`${job.id}.json`);
    } catch {
      // read-only home: it is found again next time (the last look is not moved on either)
      return added;
    }
  }
  try {
    writeFileAtomicSync(scannedFile, isoTime(now));
  } catch {
    // read-only home, or the index was never made: looked through again next time
  }
  return added;
}

/** Jobs started by schedules that still run, e.g. for a scheduler restarted while they go on. */
export function listRunningScheduledJobs(home: string): LocalJob[] {
  return listRunningLocalJobs(home).filter((j) => j.scheduleId !== undefined);
}

/**
 * The latest fire time each schedule started a job for (from the job files, which outlive a scheduler's state), of the
 * jobs started since `startedSince` if given (a scheduler's state already knows the fires of older ones).
 */
export function readLatestScheduledFires(home: string, startedSince?: number): Record<string, string> {
  const latest: Record<string, string> = {};
  for (const job of listLocalJobs(home, undefined, startedSince)) {
    // A job file edited or broken by hand must not derail its schedule.
    if (typeof job.scheduleId !== 'string' || typeof job.scheduledAt !== 'string' || !Number.isFinite(Date.parse(job.scheduledAt))) continue;
    if (latest[job.scheduleId] === undefined || Date.parse(job.scheduledAt) > Date.parse(latest[job.scheduleId])) latest[job.scheduleId] = job.scheduledAt;
  }
  return latest;
}

/**
 * How much of jobs/ the scheduler keeps: the files of ended jobs that started more than `days` ago, or that are not among
 * the newest `newest` jobs, are removed with their logs; of those, the newest `perTask` of each task stay (what
 * `cloud job status` lists), and a job that still runs always stays.
 */
export interface JobRetention {
  days: number;
  newest: number;
  perTask: number;
}

export const DEFAULT_JOB_RETENTION: JobRetention = { days: 30, newest: 10_000, perTask: 20 };

/**
 * Removes the job files (and logs) that the retention lets go; returns how many jobs went. Only the names of the newer
 * jobs are read (they begin with their start time), so the cost follows what is removed, not the history. A job file
 * that cannot be read is left alone: nothing says it ended.
 */
export function pruneLocalJobs(home: string, now = Date.now(), keep: JobRetention = DEFAULT_JOB_RETENTION): number {
  const dir = jobsDir(home);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return 0;
  }
  const cutoff = createTimeSortableId(new Date(now - keep.days * 86_400_000)).slice(0, -5);
  const candidates = names
    .sort()
    .reverse()
    .filter((name, i) => i >= keep.newest || name < cutoff);
  const keptOfTask = new Map<string, number>();
  let removed = 0;
  for (const name of candidates) {
    let job: LocalJob;
    try {
      job = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as LocalJob;
    } catch {
      continue;
    }
    const kept = keptOfTask.get(job.taskKey) ?? 0;
    if (kept < keep.perTask) {
      keptOfTask.set(job.taskKey, kept + 1);
      continue;
    }
    if (isLocalJobRunning(job)) continue;
    const id = name.slice(0, -'.json'.length);
    // The job file first: a log without its job file is an orphan the next pass removes, never a job without its log.
    removeFile(path.join(dir, name));
    removeFile(path.join(runningDir(home), name));
    removeFile(path.join(dir, 'logs', `${id}.log`));
    removed++;
  }
  // Logs of jobs whose file was never written (a start that failed) or is gone, once they are past the cutoff.
  let logs: string[] = [];
  try {
    logs = fs.readdirSync(path.join(dir, 'logs'));
  } catch {
    // no logs yet
  }
  const jobFiles = new Set(names);
  for (const log of logs) {
    if (log.endsWith('.log') && log < cutoff && !jobFiles.has(`${log.slice(0, -'.log'.length)}.json`)) removeFile(path.join(dir, 'logs', log));
  }
  return removed;
}

/**
 * A job's state: running while its handoff lives, else what the run record in its workspace says. `runIds` is the
 * workspace's listing (listRunIds), for a caller that describes several jobs of one workspace.
 */
export function describeLocalJob(job: LocalJob, runIds?: string[]): LocalJobStatus {
  if (isLocalJobRunning(job)) return { ...job, status: 'running' };
  const record = findJobRunRecord(job, runIds);
  if (!record) {
    // It ended before its run began (the fetch from the store, its secrets, its installs): a failure, never a success,
    // and its log's error says why.
    const error = readLastErrorLine(job.logFile);
    if (error) return { ...job, status: 'failed', reason: `${error} (before its run started; see ${job.logFile})` };
    return { ...job, status: 'unknown', reason: `no run record; see ${job.logFile}` };
  }
  // A record still `running` whose job's handoff is gone was killed (SIGKILL, the machine stopped) before it could end
  // it: it ended when its logs were last written (as `runs list` marks it later), not at its last heartbeat, which is
  // up to 10 s older and, a few seconds into a run, its start.
  const killed = record.status === 'running';
  const endedAt = record.endedAt ?? (killed ? lastSignOfLife(path.join(job.workspace, 'runs'), record) : record.heartbeatAt);
  const reason = killed ? `handoff (pid ${record.pid}) stopped without finishing this run: it was killed (e.g. SIGKILL) or the machine stopped` : record.reason;
  return {
    ...job,
    status: killed ? 'interrupted' : record.status,
    exitCode: record.exitCode,
    runId: record.runId,
    ...(reason ? { reason } : {}),
    // Without it a job page has no duration for a job that ran (a stopped one showed "–").
    ...(endedAt ? { stoppedAt: endedAt } : {}),
  };
}

/**
 * The run record of an ended job. Its run names it ($HANDOFF_JOB_ID), and started after it: run ids begin with their
 * start time, so only the records from the job's start on are read, oldest first (reading every record of the
 * workspace for each job took 20 × 8,760 reads). Jobs of a task take turns in one workspace, so the run of a later
 * job ends the search: this job's run would have come before it (a job that failed before its run has none, and must
 * not get the next job's run and its success). A record of an older handoff names no job: the first one after the job
 * is its run, as that handoff matched them.
 */
function findJobRunRecord(job: LocalJob, runIds?: string[]): RunRecord | undefined {
  const runsDir = path.join(job.workspace, 'runs');
  const from = createTimeSortableId(new Date(job.startedAt)).slice(0, -5);
  const ids = (runIds ?? listRunIds(runsDir)).filter((id) => id >= from).reverse();
  for (const id of ids) {
    const record = readRunRecord(path.join(runsDir, `${id}.json`));
    if (!record) continue;
    if (record.jobId === job.id) return record;
    if (record.jobId === undefined) {
      if (record.startedAt >= job.startedAt) return record;
    } else if (record.jobId > job.id) {
      return undefined;
    }
  }
  return undefined;
}

/** The last `error: …` line of a job's log (its tail is enough: handoff prints its error last). */
function readLastErrorLine(logFile: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(logFile, 'r');
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, 16 * 1024);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    return buffer
      .toString('utf8')
      .split('\n')
      .reverse()
      .find((line) => line.startsWith('error: '))
      ?.slice('error: '.length);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Starts `handoff run -a` against the local store in a workspace no other live job of the task uses. */
export function startLocalJob(input: StartLocalJobInput): { job: LocalJob; process: DetachedProcess } {
  const taskKey = `${input.resourceGroup}/${input.task}`;
  const busy = new Set(listRunningLocalJobs(input.home, taskKey).map((j) => j.workspace));
  const base = path.join(input.home, 'workspaces', input.resourceGroup, input.task);
  // A workspace whose lock a live handoff holds is in use too (its run would refuse to start there), whoever started it.
  const inUse = (workspace: string): boolean => busy.has(workspace) || readLockHolder(workspaceLockFile(workspace)) !== undefined;
  let workspace = base;
  for (let i = 2; inUse(workspace); i++) workspace = `${base}-${i}`;
  const startedAt = new Date();
  const id = createTimeSortableId(startedAt);
  const logFile = path.join(jobsDir(input.home), 'logs', `${id}.log`);
  const file = path.join(jobsDir(input.home), `${id}.json`);
  const args = ['run', '-w', workspace, '-s', input.stage, '-a', '--cloud-provider', 'local', '-e', `resource_group=${input.bareResourceGroup}`, `task=${input.task}`];
  if (input.bucket) args.push(`bucket=${input.bucket}`);
  // The run's envs are named as overrides (a shell's variables handoff passes on are not), as the clouds name them.
  const overrides = nameOverrides(Object.keys(input.envs));
  const env: NodeJS.ProcessEnv = { ...process.env, HANDOFF_HOME: input.home, HANDOFF_TRIGGER: input.trigger, HANDOFF_JOB_ID: id, HO_STAGE: input.stage, ...input.envs, [OVERRIDES_ENV]: overrides };
  let child: DetachedProcess;
  try {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    child = spawnDetachedHandoff(input.entryScript, args, { env, cwd: input.home, outputFile: logFile });
  } catch (error) {
    throw homeWriteError(`cannot start a job of ${taskKey}: cannot open its log ${logFile}`, input.home, error);
  }
  if (child.pid === undefined) throw new UserError(`could not start handoff run for ${taskKey}`, { exitCode: 1, fix: `see ${logFile}` });
  const processStart = readProcessStartTicks(child.pid);
  const job: LocalJob = {
    id,
    taskKey,
    pid: child.pid,
    ...(processStart !== undefined ? { processStart } : {}),
    trigger: input.trigger,
    startedAt: isoTime(startedAt),
    workspace,
    logFile,
    ...(input.scheduleId ? { scheduleId: input.scheduleId } : {}),
    ...(input.scheduledAt ? { scheduledAt: input.scheduledAt } : {}),
  };
  let written: string | undefined;
  try {
    writeFileAtomicSync(file, JSON.stringify(job, null, 2));
    written = file;
    makeFolders(runningDir(input.home));
    writeFileAtomicSync(path.join(runningDir(input.home), `${id}.json`), JSON.stringify(job, null, 2));
  } catch (error) {
    // A run without its job file (or out of the index of running jobs) is one nobody could see, stop, or count for
    // overlap and workspaces: end it before it does anything (it is still starting Node.js), and drop its files.
    killProcessGroup(child.pid, 'SIGKILL');
    for (const leftover of [logFile, written]) {
      try {
        if (leftover) removeFile(leftover);
      } catch {
        // an empty log or a job file of a job that never ran, that cannot be removed, is only clutter
      }
    }
    throw homeWriteError(`cannot record the job of ${taskKey} in ${written ? runningDir(input.home) : file}`, input.home, error);
  }
  return { job, process: child };
}

/**
 * The job a whole id, or a unique start of one, names. A start that several ids share is refused, naming them: taking
 * the newest would stop (or show) a run that was not meant.
 */
function findLocalJob(home: string, taskKey: string, id: string): LocalJob {
  // A job file is named by its id: only the files whose names start with the id are read.
  let names: string[];
  try {
    names = fs.readdirSync(jobsDir(home)).filter((n) => n.endsWith('.json') && n.startsWith(id));
  } catch {
    names = [];
  }
  return pickJob(readJobFiles(home, names.sort().reverse(), taskKey), id, { task: taskKey, noun: 'job' });
}

/** Ends a running job's whole process group (handoff passes SIGTERM on to its commands). */
export function stopLocalJob(home: string, taskKey: string, id: string): LocalJobStatus {
  const job = findLocalJob(home, taskKey, id);
  if (isLocalJobRunning(job)) killProcessGroup(job.pid, 'SIGTERM');
  return describeLocalJob(job);
}

/**
 * One read takes at most this much of a log: a log of millions of lines is read in steps (the reader says `more`), so
 * no read holds the whole file in memory or keeps the process busy for long (the team server reads logs while it
 * answers everyone else). The UI's event stream sends one read's lines as one event, which this keeps small too.
 */
const MAX_READ_BYTES = 256 * 1024;

/**
 * Whole lines of a log file from `offset` on (a partial last line waits for its newline), at most MAX_READ_BYTES of
 * them, the offset after them, and whether more is there already. A line longer than one read is cut into pieces.
 */
function readNewLines(file: string, offset: number): { lines: string[]; offset: number; more: boolean } {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return { lines: [], offset, more: false };
    const buffer = Buffer.alloc(Math.min(size - offset, MAX_READ_BYTES));
    const length = fs.readSync(fd, buffer, 0, buffer.length, offset);
    let end = buffer.subarray(0, length).lastIndexOf(0x0a) + 1;
    if (end === 0) {
      // No newline yet: a line still being written waits, unless it is longer than a read (then its first piece goes,
      // cut before a UTF-8 continuation byte so no character is split).
      if (length < MAX_READ_BYTES) return { lines: [], offset, more: false };
      end = length;
      while (end > 1 && (buffer[end] & 0xc0) === 0x80) end -= 1;
      return { lines: [buffer.subarray(0, end).toString('utf8')], offset: offset + end, more: offset + end < size };
    }
    const text = buffer.subarray(0, end).toString('utf8');
    // A read that reached the file's end leaves at most a partial line: nothing more to read yet.
    return { lines: text.split('\n').slice(0, -1), offset: offset + end, more: length === MAX_READ_BYTES && offset + end < size };
  } catch {
    return { lines: [], offset, more: false };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The time of a handoff console line (`[2026-01-31 06:00:00] …`, UTC), if it has one. */
function readLineTime(line: string): number | undefined {
  const stamp = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\]/.exec(line)?.[1];
  return stamp ? Date.parse(`${stamp.replace(' ', 'T')}Z`) : undefined;
}

function toCloudJob(status: LocalJobStatus): CloudJob {
  return {
    id: status.id,
    status: status.status,
    trigger: status.trigger,
    startedAt: status.startedAt,
    ...(status.stoppedAt ? { stoppedAt: status.stoppedAt } : {}),
    ...(status.exitCode !== undefined ? { exitCode: status.exitCode } : {}),
    // Failed without a run of its own: it never got to start its tasks, as an ECS task that never started.
    // An interrupted run with no exit code never ended on its own signal handling (its handoff was killed): not a stop.
    ...(status.status === 'failed'
      ? { failure: status.runId === undefined ? ('start_failure' as const) : ('exit_code' as const) }
      : status.status === 'interrupted'
        ? { failure: status.exitCode === undefined ? ('unknown' as const) : ('stopped' as const) }
        : {}),
    ...(status.reason ? { reason: status.reason } : {}),
    details: { pid: status.pid, workspace: status.workspace, log: status.logFile, run_id: status.runId, schedule: status.scheduleId },
  };
}

/** The local provider's `runs`: background `handoff run` processes of one task, their job files and log files. */
export function createLocalRunLifecycle(input: {
  home: string;
  entryScript?: string;
  target: DeployTarget;
  names: StoreNames;
  /** Refuses a run the store cannot feed (no bucket, no project.yml) before any process starts. */
  checkStore?: () => Promise<void>;
}): RunLifecycle {
  const { home, target, names } = input;
  const taskKey = `${names.resourceGroup}/${names.task}`;
  const find = (id: string): LocalJob => findLocalJob(home, taskKey, id);
  return {
    logSettleMs: 0,
    pollMs: 200,
    async start(request) {
      if (!input.entryScript) throw new Error('the local provider needs the handoff entry script to start background runs');
      // The clouds' checks (an HO_STAGE of another stage is refused), so a project behaves the same on every provider.
      const envs = Object.fromEntries(createRunEnvironment(target.stage, request.envs).map((e) => [e.name, e.value]));
      await input.checkStore?.();
      const { job } = startLocalJob({
        home,
        entryScript: input.entryScript,
        resourceGroup: names.resourceGroup,
        bareResourceGroup: target.resourceGroup,
        task: names.task,
        stage: target.stage,
        bucket: target.bucket,
        trigger: 'cloud',
        envs,
      });
      return toCloudJob({ ...job, status: 'running' });
    },
    async checkDeployed() {
      // Locally a task is there to run once its project is in the store (or it has run before).
      if (listLocalJobs(home, taskKey, undefined, 1).length === 0) await input.checkStore?.();
    },
    async list() {
      // Jobs of a task share a few workspaces: each one's runs folder is listed once for all of them.
      const runIds = new Map<string, string[]>();
      const listed = (workspace: string): string[] => {
        if (!runIds.has(workspace)) runIds.set(workspace, listRunIds(path.join(workspace, 'runs')));
        return runIds.get(workspace)!;
      };
      return listLocalJobs(home, taskKey, undefined, 20).map((job) => toCloudJob(describeLocalJob(job, listed(job.workspace))));
    },
    async get(id) {
      return toCloudJob(describeLocalJob(find(id)));
    },
    async stop(id) {
      return toCloudJob(stopLocalJob(home, taskKey, find(id).id));
    },
    openLogs(query) {
      const offsets = new Map<string, number>();
      const keep = (line: string): boolean => {
        if (query.filterPattern !== undefined && !line.includes(query.filterPattern)) return false;
        const t = readLineTime(line);
        if (t === undefined) return true;
        return (query.startTime === undefined || t >= query.startTime) && (query.endTime === undefined || t <= query.endTime);
      };
      let more = false;
      return {
        get more() {
          return more;
        },
        async read() {
          // Oldest job first, so lines come out in the order the runs happened; a job whose log is not read to its end
          // yet ends this read, so a later job's lines never come before an earlier one's.
          const jobs = (query.jobId !== undefined ? [find(query.jobId)] : listLocalJobs(home, taskKey)).slice().reverse();
          const out: LogLine[] = [];
          more = false;
          for (const job of jobs) {
            let next: ReturnType<typeof readNewLines>;
            // A read whose lines the filter all drops reads on: an empty read with `more` would look stuck.
            do {
              next = readNewLines(job.logFile, offsets.get(job.id) ?? 0);
              offsets.set(job.id, next.offset);
              for (const line of next.lines) if (keep(line)) out.push({ time: readLineTime(line), jobId: job.id, message: line });
            } while (next.more && out.length === 0);
            if (next.more) {
              more = true;
              break;
            }
          }
          return out;
        },
      };
    },
  };
}
