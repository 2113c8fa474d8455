// The azure provider's runs: executions of the task's Container Apps jobs, started with the run's envs, listed and stopped; logs from Log Analytics.
import { findOwnershipConflict, readJobStage, readOwner } from './deploy/check-ownership.js';
import { UserError } from '../../errors.js';
import { createRunEnvironment } from '../deploy/run-environment.js';
import { readTimeoutStop, readUserStop, recordTimeoutStop, recordUserStop } from '../store/user-stops.js';
import type { CloudJob, LogLine, RunLifecycle } from '../provider.js';
import { pickJob } from '../pick-job.js';
import type { AzureProvider } from './azure-provider.js';
import { describeExecution, type ExecutionSource, type SystemLogEvent } from './describe-execution.js';
import { mergeRunEnv } from './resources/task-job.js';
import type { ContainerAppsExecution, Job } from './sdk/container-apps.js';
import { requireStore } from '../store/require-store.js';

/** Executions `cloud job status` lists; Azure keeps each job's last 100, older runs are in the store's run records. */
const MAX_JOBS = 20;
/** How far back logs are read when no start time is given. */
const DEFAULT_LOG_DAYS = 7;

/** A KQL string literal. */
export function quoteKql(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The rows of the task's jobs: its own (`<job>`) and its schedules' (`<job>-<hash>`). */
function whereTaskJobs(job: string): string {
  return `| where ContainerJobName_s == ${quoteKql(job)} or ContainerJobName_s startswith ${quoteKql(`${job}-`)}`;
}

/** Console lines of the task's runs (or of one execution), oldest first. */
export function createConsoleQuery(job: string, options: { execution?: string; filter?: string }): string {
  return [
    'ContainerAppConsoleLogs_CL',
    whereTaskJobs(job),
    ...(options.execution ? [`| where ContainerGroupName_s startswith ${quoteKql(`${options.execution}-`)}`] : []),
    ...(options.filter ? [`| where Log_s contains_cs ${quoteKql(options.filter)}`] : []),
    '| project TimeGenerated, ContainerGroupName_s, Log_s',
    '| order by TimeGenerated asc',
  ].join('\n');
}

/** System events (container started, terminated with a code, timed out, image pull failed) of the task's replicas. */
export function createSystemEventsQuery(job: string): string {
  return ['ContainerAppSystemLogs_CL', whereTaskJobs(job), '| project TimeGenerated, ReplicaName_s, Reason_s, Log_s', '| order by TimeGenerated asc'].join('\n');
}

function toMs(value: unknown): number | undefined {
  const t = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

export function createAzureRunLifecycle(getProvider: () => AzureProvider): RunLifecycle {
  const poll = (): number => getProvider().pollMs ?? 5000;
  const notDeployed = (): UserError => {
    const { names } = getProvider();
    return new UserError(`there is no Container Apps job ${names.job} in ${names.azureResourceGroup}: the task is not deployed`, { fix: 'run `handoff cloud task create` (or `handoff cloud deploy`) first' });
  };

  /** The task's jobs: its own, then its schedules' (found by their tags, so no other task's job is ever taken). */
  async function listSources(): Promise<{ sources: ExecutionSource[]; jobs: Map<string, Job> }> {
    const { names } = getProvider();
    const apps = await getProvider().apis.containerApps();
    const jobs = new Map<string, Job>();
    for (const job of await apps.listJobs(names.tags)) if (job.name) jobs.set(job.name, job);
    const sources: ExecutionSource[] = [{ job: names.job }];
    for (const [name, job] of jobs) {
      const targetId = job.tags?.['handoff-target-id'];
      if (name !== names.job && targetId !== undefined) sources.push({ job: name, targetId });
    }
    return { sources, jobs };
  }

  /** The system events of the task's replicas since `since`, for telling how failed executions ended. */
  async function readSystemEvents(since: number): Promise<SystemLogEvent[]> {
    const provider = getProvider();
    const { readLogWorkspace } = await import('./deploy/azure-steps.js');
    const workspace = await readLogWorkspace(provider);
    if (!workspace) return [];
    const rows = await (await provider.apis.logs()).query(workspace.customerId, createSystemEventsQuery(provider.names.job), { startTime: new Date(since - 300_000), endTime: new Date(Date.now() + 60_000) });
    return rows.map((r) => ({ ...(toMs(r.TimeGenerated) !== undefined ? { time: toMs(r.TimeGenerated) } : {}), replica: String(r.ReplicaName_s ?? ''), reason: String(r.Reason_s ?? ''), message: String(r.Log_s ?? '') }));
  }

  /** Describes executions, reading system events once for all the failed ones. */
  async function describeAll(found: { execution: ContainerAppsExecution; source: ExecutionSource }[]): Promise<CloudJob[]> {
    const failed = found.filter((f) => f.execution.status === 'Failed' || f.execution.status === 'Degraded');
    const since = Math.min(...failed.map((f) => f.execution.startTime?.getTime() ?? Date.now() - 86_400_000));
    const events = failed.length > 0 ? await readSystemEvents(since) : [];
    // Azure shows a stop for `cloud run --timeout` as it shows a user's: the store's record tells them apart.
    const stopped = found.filter((f) => f.execution.status === 'Stopped');
    const timedOut = new Map((await Promise.all(stopped.map(async (f) => [f.execution.name, await readTimeoutStop(getProvider(), f.execution.name)] as const))).filter((e): e is readonly [string, string] => e[1] !== undefined));
    return found.map((f) => describeExecution(f.execution, f.source, events, timedOut));
  }

  async function listJobs(): Promise<CloudJob[]> {
    const apps = await getProvider().apis.containerApps();
    const { sources, jobs } = await listSources();
    const found: { execution: ContainerAppsExecution; source: ExecutionSource }[] = [];
    for (const source of sources) {
      // The task's own job may not exist yet (nothing has run).
      if (source.job === getProvider().names.job && !jobs.has(source.job) && !(await apps.getJob(source.job))) continue;
      for (const execution of await apps.listExecutions(source.job)) found.push({ execution, source });
    }
    const time = (e: ContainerAppsExecution): number => e.startTime?.getTime() ?? 0;
    found.sort((a, b) => time(b.execution) - time(a.execution));
    return describeAll(found.slice(0, MAX_JOBS));
  }

  async function getJob(id: string): Promise<CloudJob> {
    const { names } = getProvider();
    const apps = await getProvider().apis.containerApps();
    const { sources } = await listSources();
    // Execution names are `<job>-<suffix>`: the longest job name that starts the id is its job.
    const source = sources.filter((s) => id.startsWith(`${s.job}-`)).sort((a, b) => b.job.length - a.job.length)[0];
    if (source) {
      const execution = await apps.getExecution(source.job, id);
      if (execution) return (await describeAll([{ execution, source }]))[0]!;
    }
    return pickJob(await listJobs(), id, { task: `${names.resourceGroup}/${names.task}`, where: `(Container Apps job ${names.job})` });
  }

  return {
    get logSettleMs() {
      // Log Analytics shows lines tens of seconds after they are written; an emulator at once.
      return getProvider().pollMs !== undefined ? Math.max(2 * poll(), 1000) : 45_000;
    },
    get pollMs() {
      return poll();
    },
    async checkDeployed() {
      if (!(await (await getProvider().apis.containerApps()).getJob(getProvider().names.job))) throw notDeployed();
    },
    async start(request) {
      const { names } = getProvider();
      const environment = createRunEnvironment(names.stage, request.envs);
      // The job's AZURE_CLIENT_ID picks the task's managed identity: replaced, the run could not read its store.
      if ('AZURE_CLIENT_ID' in request.envs) {
        throw new UserError("AZURE_CLIENT_ID names the task's own managed identity on Azure (handoff sets it), so a run may not change it", {
          fix: "drop AZURE_CLIENT_ID from -e and from the schedule's envs; pass another identity's id under another name",
        });
      }
      const apps = await getProvider().apis.containerApps();
      const job = await apps.getJob(names.job);
      const container = job?.template?.containers?.[0];
      if (!job || !container) throw notDeployed();
      // Stage prod + resource group dev-etl names the job of stage dev + etl: it is not this project's to start.
      const conflict = findOwnershipConflict(`Container Apps job ${names.job}`, { resourceGroup: names.resourceGroup, task: names.task, stage: names.stage }, readOwner(job.tags, readJobStage(job)));
      if (conflict) throw conflict;
      // The container fetches the project from the store first: without it, the job could only fail.
      await requireStore(getProvider(), { before: 'run' });
      // The start request's template replaces the job's for this execution: the same container with the run's envs added.
      const execution = await apps.start(names.job, { containers: [{ ...container, env: mergeRunEnv(container.env ?? [], environment) }] });
      return { id: execution, status: 'pending', trigger: 'cloud', details: { container_apps_job: names.job, azure_resource_group: names.azureResourceGroup } };
    },
    list: listJobs,
    get: getJob,
    async stop(id, why = 'user') {
      const job = await getJob(id);
      if (job.status !== 'running' && job.status !== 'pending') return job;
      const provider = getProvider();
      // Azure ends a stopped replica as it ends one past its timeout (SIGTERM): the record, written before the stop, is
      // how the run's handoff tells the failed-runs alert that a user stopped it. `cloud run --timeout` stops are
      // timeouts, recorded apart (no alert reads it), so they are still counted; so is a stop whose record could not be written.
      const recorded = why === 'user' ? await recordUserStop(provider, job.id) : undefined;
      if (why === 'timeout') await recordTimeoutStop(provider, job.id);
      await (await provider.apis.containerApps()).stop(String(job.details.container_apps_job), job.id);
      const stopped = await getJob(job.id);
      return recorded !== undefined ? { ...stopped, details: { ...stopped.details, stop_request: recorded } } : stopped;
    },
    async readStopRequest() {
      // Container Apps names the execution in its replicas' environment.
      const execution = process.env.CONTAINER_APP_JOB_EXECUTION_NAME;
      return execution ? readUserStop(getProvider(), execution, `Execution ${execution}`) : undefined;
    },
    async readTimeoutStop() {
      const execution = process.env.CONTAINER_APP_JOB_EXECUTION_NAME;
      return execution ? readTimeoutStop(getProvider(), execution) : undefined;
    },
    openLogs(query) {
      const seen = new Map<string, number>();
      let from = query.startTime ?? Date.now() - DEFAULT_LOG_DAYS * 86_400_000;
      let workspaceId: string | undefined;
      let execution: string | undefined;
      return {
        async read() {
          const provider = getProvider();
          // `-v id=` may be a unique prefix of the execution's name: its replicas are named after the whole name.
          if (query.jobId !== undefined && execution === undefined) execution = (await getJob(query.jobId)).id;
          if (!workspaceId) {
            const { readLogWorkspace } = await import('./deploy/azure-steps.js');
            workspaceId = (await readLogWorkspace(provider))?.customerId;
            if (!workspaceId) throw new UserError(`there is no Log Analytics workspace for ${provider.names.environment} yet, so there are no logs`, { fix: 'deploy the resources first (handoff cloud resources create or cloud deploy)' });
          }
          const kql = createConsoleQuery(provider.names.job, { ...(execution ? { execution } : {}), ...(query.filterPattern ? { filter: query.filterPattern } : {}) });
          const rows = await (await provider.apis.logs()).query(workspaceId, kql, { startTime: new Date(from), endTime: new Date(query.endTime ?? Date.now() + 60_000) });
          const lines: LogLine[] = [];
          const atFrom = new Map<string, number>();
          for (const row of rows) {
            const time = toMs(row.TimeGenerated) ?? from;
            const group = String(row.ContainerGroupName_s ?? '');
            const message = String(row.Log_s ?? '').replace(/\n$/, '');
            // Rows have no id: the next read starts at the newest time seen, and rows at that time already printed are
            // skipped by counting them (the same line may be written twice in one millisecond).
            const key = `${time}|${group}|${message}`;
            const count = (atFrom.get(key) ?? 0) + 1;
            atFrom.set(key, count);
            if (count <= (seen.get(key) ?? 0)) continue;
            lines.push({ time, jobId: group.replace(/-[^-]+$/, ''), message });
          }
          const newest = Math.max(from, ...lines.map((l) => l.time ?? from));
          if (newest > from) {
            seen.clear();
            from = newest;
          }
          for (const [key, count] of atFrom) if (key.startsWith(`${from}|`)) seen.set(key, Math.max(seen.get(key) ?? 0, count));
          return lines;
        },
      };
    },
  };
}
