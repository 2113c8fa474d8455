// The gcp provider's runs: executions of the task's Cloud Run job, started with the run's envs, listed and cancelled; logs from Cloud Logging.
import { UserError } from '../../errors.js';
import { createRunEnvironment } from '../deploy/run-environment.js';
import type { CloudJob, LogLine, RunLifecycle } from '../provider.js';
import { pickJob } from '../pick-job.js';
import { readTimeoutStop, readUserStop, recordTimeoutStop, recordUserStop, type StopRecordStore } from '../store/user-stops.js';
import { findJobConflict } from './deploy/check-ownership.js';
import { describeExecution, toExecutionId } from './describe-execution.js';
import type { GcpNames } from './names.js';
import type { CloudLoggingApi } from './sdk/cloud-logging.js';
import type { CloudRunApi, CloudRunExecution } from './sdk/cloud-run.js';
import { isNotFound } from './sdk/gcp-errors.js';
import { isoTime } from '../../iso-time.js';

/** Executions `cloud job status` lists; older runs are in the bucket's run records. */
const MAX_JOBS = 20;

export interface GcpRunLifecycleInput {
  names: GcpNames;
  openRun: () => Promise<CloudRunApi>;
  openLogging: () => Promise<CloudLoggingApi>;
  pollMs: number;
  /** The store a user's stop is recorded in (the provider's objects). */
  store: () => StopRecordStore;
  /** Refuses a run the store cannot feed (no bucket, no project.yml): require-store.ts. */
  checkStore: () => Promise<void>;
}

/** A text a line must contain, as a Logging query string (quotes and backslashes escaped). */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function createGcpRunLifecycle(input: GcpRunLifecycleInput): RunLifecycle {
  const { names } = input;
  let run: CloudRunApi | undefined;
  const openRun = async (): Promise<CloudRunApi> => (run ??= await input.openRun());

  async function describe(execution: CloudRunExecution): Promise<CloudJob> {
    // Tasks say how a finished run ended (exit code, timeout, start failure); a running or succeeded one needs no look.
    const needsTasks = Boolean(execution.completionTime) && (execution.succeededCount ?? 0) < (execution.taskCount ?? 1);
    const tasks = needsTasks ? await (await openRun()).listTasks(execution.name!) : [];
    // Cloud Run shows a cancel for `cloud run --timeout` as it shows a user's: the store's record tells them apart.
    const cancelled = Boolean(execution.completionTime) && (execution.cancelledCount ?? 0) > 0;
    const timeoutStop = cancelled ? await readTimeoutStop(input.store(), toExecutionId(execution.name ?? '')) : undefined;
    return describeExecution(execution, tasks, names.schedulerServiceAccount, timeoutStop);
  }

  async function listJobs(): Promise<CloudJob[]> {
    const api = await openRun();
    const executions = await api.listExecutions(names.job, MAX_JOBS).catch((error: unknown) => {
      // No job yet: nothing has run.
      if (isNotFound(error) || isNotFound((error as { cause?: unknown }).cause)) return [];
      throw error;
    });
    return Promise.all(executions.map(describe));
  }

  async function getJob(id: string): Promise<CloudJob> {
    const api = await openRun();
    // A whole execution id is read directly, so runs older than the listing stay reachable.
    if (id.startsWith(`${names.jobId}-`)) {
      const execution = await api.getExecution(`${names.job}/executions/${id}`);
      if (execution) return describe(execution);
    }
    // A unique start of the id, or its random end (`71262` of `handoff-dev-etl-rates-71262`), is enough.
    return pickJob(await listJobs(), id, { task: `${names.resourceGroup}/${names.task}`, where: `(Cloud Run job ${names.jobId})` }, (j) => j.id.startsWith(id) || j.id.endsWith(`-${id}`));
  }

  const notDeployed = (): UserError =>
    new UserError(`there is no Cloud Run job ${names.jobId} in ${names.region}: the task is not deployed`, { fix: 'run `handoff cloud task create` (or `handoff cloud deploy`) first' });

  return {
    async checkDeployed() {
      if (!(await (await openRun()).getJob(names.job))) throw notDeployed();
    },
    logSettleMs: Math.max(input.pollMs, 1000),
    pollMs: input.pollMs,
    async start(request) {
      const environment = createRunEnvironment(names.stage, request.envs);
      const api = await openRun();
      const job = await api.getJob(names.job);
      if (!job) throw notDeployed();
      // Stage prod + resource group dev-etl (or `Etl` for `etl`) names another project's job: not this project's to start.
      const conflict = findJobConflict(names, job);
      if (conflict) throw conflict;
      // The container fetches the project from the store first: without it, the job could only fail.
      await input.checkStore();
      const execution = await api.runJob(names.job, names.containerName, environment);
      const started = describeExecution(execution, [], names.schedulerServiceAccount);
      started.details = { cloud_run_job: names.jobId, region: names.region };
      return started;
    },
    list: listJobs,
    get: getJob,
    async stop(id, why = 'user') {
      // Cloud Run has no reason to record with a cancel; `cloud run --wait --timeout` says itself that it timed out.
      const job = await getJob(id);
      if (job.status !== 'running' && job.status !== 'pending') return job;
      // A cancelled execution's container gets SIGTERM as one `cloud run --timeout` stops does: the record, written before
      // the cancel, is how the run's handoff marks its lines for the failed-tasks metric. A timeout's own record (another
      // key, which no alarm reads) is how `cloud job status` and the run's record tell it from a user's.
      const recorded = why === 'user' ? await recordUserStop(input.store(), job.id) : undefined;
      if (why === 'timeout') await recordTimeoutStop(input.store(), job.id);
      await (await openRun()).cancelExecution(`${names.job}/executions/${job.id}`);
      const stopped = await getJob(job.id);
      return recorded !== undefined ? { ...stopped, details: { ...stopped.details, stop_request: recorded } } : stopped;
    },
    async readStopRequest() {
      // Cloud Run names the execution in its tasks' environment.
      const execution = process.env.CLOUD_RUN_EXECUTION;
      return execution ? readUserStop(input.store(), execution, `Execution ${execution}`) : undefined;
    },
    async readTimeoutStop() {
      const execution = process.env.CLOUD_RUN_EXECUTION;
      return execution ? readTimeoutStop(input.store(), execution) : undefined;
    },
    openLogs(query) {
      const seen = new Set<string>();
      let from = query.startTime;
      let logging: CloudLoggingApi | undefined;
      // Log entries name the whole execution id; a shortened one is looked up once.
      let execution = query.jobId && query.jobId.startsWith(`${names.jobId}-`) ? query.jobId : undefined;
      return {
        async read() {
          logging ??= await input.openLogging();
          if (query.jobId && !execution) execution = (await getJob(query.jobId)).id;
          const clauses = [`resource.type="cloud_run_job"`, `resource.labels.job_name="${names.jobId}"`, `resource.labels.location="${names.region}"`];
          if (execution) clauses.push(`labels."run.googleapis.com/execution_name"="${execution}"`);
          if (from !== undefined) clauses.push(`timestamp>="${isoTime(from)}"`);
          if (query.endTime !== undefined) clauses.push(`timestamp<="${isoTime(query.endTime)}"`);
          if (query.filterPattern) clauses.push(`textPayload:${quote(query.filterPattern)}`);
          const lines: LogLine[] = [];
          // Every page: `cloud logs` reads once, and a cap there cut the output silently and, with no run named, kept
          // the oldest lines of the job's history instead of the latest run's.
          for (const entry of await logging.listEntries(clauses.join(' AND '))) {
            if (seen.has(entry.insertId)) continue;
            seen.add(entry.insertId);
            const execution = entry.labels['run.googleapis.com/execution_name'];
            lines.push({ time: entry.time, ...(execution ? { jobId: toExecutionId(execution) } : {}), message: entry.text.replace(/\n$/, '') });
            // The next read starts at the newest time seen; entries at that same time are skipped by insert id.
            if (from === undefined || entry.time > from) from = entry.time;
          }
          return lines;
        },
      };
    },
  };
}
