// `handoff cloud run|job status|job stop|logs` for the local provider: background runs against the local store.
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import type { Project } from '../../project/types.js';
import { resolveHandoffHome } from '../../providers/local/handoff-home.js';
import { describeLocalJob, listLocalJobs, startLocalJob, stopLocalJob, type LocalJob } from '../../providers/local/local-jobs.js';
import { parseVarTokens } from '../../template/parse-vars.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, withStoreSession, type StoreSession } from './store-session.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function requireLocal(session: StoreSession, what: string): void {
  if (session.provider.name !== 'local') {
    throw new UserError(`${what} on AWS (ECS/Fargate) comes with the AWS deployment support, which this version does not have yet`, {
      fix: 'use deploy.cloud_provider: local (or --cloud-provider local) to run in the background on this machine',
    });
  }
}

function taskKeyOf(session: StoreSession): string {
  return `${session.provider.names.resourceGroup}/${session.provider.names.task}`;
}

/** The envs of a cloud run: a schedule's (`-v target_id=N`), then `-e` values. */
function runEnvs(project: Project | undefined, vars: Record<string, unknown>, extra: Record<string, unknown>): Record<string, string> {
  const envs: Record<string, string> = {};
  if (vars.target_id !== undefined) {
    const schedule = project?.schedules.find((s) => s.target_id === String(vars.target_id));
    if (!schedule) throw new UserError(`no schedule with target_id ${vars.target_id}`, { fix: 'give -p <project> and a target_id from its schedules:' });
    for (const e of schedule.envs) envs[e.key] = e.value;
  }
  for (const [k, v] of Object.entries(extra)) envs[k] = String(v);
  return envs;
}

/** Prints a log file from `offset` on; returns the new offset. */
function printFrom(file: string, offset: number, filter?: (line: string) => boolean): number {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return offset;
    const buffer = Buffer.alloc(size - offset);
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    let text = buffer.toString('utf8');
    // Only whole lines: the rest is printed when its newline arrives.
    const end = text.lastIndexOf('\n');
    if (end === -1) return offset;
    text = text.slice(0, end + 1);
    const lines = text.split('\n').slice(0, -1).filter((l) => !filter || filter(l));
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
    return offset + Buffer.byteLength(text);
  } catch {
    return offset;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Follows a job's log until it ends, then prints what was written last; returns its final status. */
async function followJob(job: LocalJob, filter?: (line: string) => boolean): Promise<ReturnType<typeof describeLocalJob>> {
  let offset = 0;
  for (;;) {
    offset = printFrom(job.logFile, offset, filter);
    const status = describeLocalJob(job);
    if (status.status !== 'running') {
      printFrom(job.logFile, offset, filter);
      return status;
    }
    await sleep(200);
  }
}

export function cloudRunCommand(options: GlobalOptions, flags: { wait?: boolean }): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    requireLocal(session, 'cloud run');
    const home = resolveHandoffHome().dir;
    const vars = parseVarTokens(options.vars, '-v');
    const { job } = startLocalJob({
      home,
      entryScript: process.argv[1],
      resourceGroup: session.provider.names.resourceGroup,
      bareResourceGroup: session.target.resourceGroup,
      task: session.provider.names.task,
      stage: session.target.stage,
      bucket: session.target.bucket,
      trigger: 'cloud',
      envs: runEnvs(session.project, vars, session.extraEnvs),
    });
    session.log.log('info', `Started job ${job.id} (pid ${job.pid}) for ${job.taskKey}; log: ${job.logFile}`);
    if (!flags.wait) {
      printResult(options, { job: job.id, pid: job.pid, workspace: job.workspace, log: job.logFile });
      return 0;
    }
    const status = await followJob(job);
    session.log.log(status.status === 'succeeded' ? 'info' : 'error', `Job ${job.id} ${status.status}${status.exitCode !== undefined ? ` with exit code ${status.exitCode}` : ''}${status.reason ? `: ${status.reason}` : ''}`);
    return status.status === 'succeeded' ? 0 : status.exitCode || 1;
  });
}

export function cloudJobStatusCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    requireLocal(session, 'cloud job status');
    const jobs = listLocalJobs(resolveHandoffHome().dir, taskKeyOf(session)).slice(0, 20).map(describeLocalJob);
    printResult(options, { jobs: jobs.map((j) => ({ id: j.id, status: j.status, trigger: j.trigger, pid: j.pid, started_at: j.startedAt, exit_code: j.exitCode, run_id: j.runId, reason: j.reason, schedule: j.scheduleId })) });
    return 0;
  });
}

export function cloudJobStopCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    requireLocal(session, 'cloud job stop');
    const vars = parseVarTokens(options.vars, '-v');
    if (vars.id === undefined) throw new UserError('which job? cloud job stop needs -v id=<job id>', { fix: 'see the ids with `handoff cloud job status`' });
    const status = stopLocalJob(resolveHandoffHome().dir, taskKeyOf(session), String(vars.id));
    session.log.log('info', `Sent SIGTERM to job ${status.id} (pid ${status.pid})`);
    return 0;
  });
}

/** `-v start_time=… end_time=…` (ISO times), `filter_pattern=text`, `follow=true`: the task's run logs on this machine. */
export function cloudLogsCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    requireLocal(session, 'cloud logs');
    const vars = parseVarTokens(options.vars, '-v');
    const time = (key: string): number | undefined => {
      if (vars[key] === undefined) return undefined;
      const t = Date.parse(String(vars[key]));
      if (Number.isNaN(t)) throw new UserError(`${key}=${vars[key]} is not a time`, { fix: `e.g. ${key}=2026-01-31T06:00:00Z` });
      return t;
    };
    const start = time('start_time');
    const end = time('end_time');
    const pattern = vars.filter_pattern === undefined ? undefined : String(vars.filter_pattern);
    const filter = (line: string): boolean => {
      if (pattern !== undefined && !line.includes(pattern)) return false;
      const stamp = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\]/.exec(line)?.[1];
      if (!stamp || (start === undefined && end === undefined)) return true;
      const t = Date.parse(`${stamp.replace(' ', 'T')}Z`);
      return (start === undefined || t >= start) && (end === undefined || t <= end);
    };
    const jobs = listLocalJobs(resolveHandoffHome().dir, taskKeyOf(session)).reverse();
    if (jobs.length === 0) {
      session.log.log('info', `No runs of ${taskKeyOf(session)} on this machine yet (cloud run or the scheduler start them)`);
      return 0;
    }
    const follow = vars.follow === true;
    for (const job of jobs) {
      if (follow && job === jobs[jobs.length - 1]) await followJob(job, filter);
      else printFrom(job.logFile, 0, filter);
    }
    return 0;
  });
}
