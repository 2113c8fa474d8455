// Container Apps through @azure/arm-appcontainers: environments, jobs, their executions (start, list, read, stop).
import { ContainerAppsAPIClient, type Job, type JobExecution, type JobExecutionTemplate, type ManagedEnvironment } from '@azure/arm-appcontainers';
import type { AzureClientConfig } from './azure-client-config.js';
import { toArmClientOptions, toLroOptions } from './azure-client-config.js';
import { callAzure, isNotFound, toAzureError } from './azure-errors.js';

export type { Job, JobExecution, ManagedEnvironment };

/** An execution as handoff reads it (the SDK flattens `properties`). */
export interface ContainerAppsExecution {
  name: string;
  status?: string;
  startTime?: Date;
  endTime?: Date;
  /** The env the execution was started with (the start request's template), when Azure reports it. */
  env: Record<string, string>;
}

export interface ContainerAppsApi {
  getEnvironment(name: string): Promise<ManagedEnvironment | undefined>;
  putEnvironment(name: string, body: ManagedEnvironment): Promise<ManagedEnvironment>;
  deleteEnvironment(name: string): Promise<boolean>;
  getJob(name: string): Promise<Job | undefined>;
  putJob(name: string, body: Job): Promise<Job>;
  deleteJob(name: string): Promise<boolean>;
  /** Jobs of the Azure resource group whose tags hold every one of `tags`. */
  listJobs(tags: Record<string, string>): Promise<Job[]>;
  /**
   * Jobs of the Azure resource group that run in the environment `environmentId`, whatever their tags: another
   * project's job names it through deploy.environment (a name in this Azure resource group, so its jobs are here).
   */
  listEnvironmentJobs(environmentId: string): Promise<Job[]>;
  /** Starts an execution with the job's template changed as given (env of the one container) and returns its name. */
  start(job: string, template: JobExecutionTemplate): Promise<string>;
  /** The job's executions, newest first (Azure keeps the last 100). */
  listExecutions(job: string): Promise<ContainerAppsExecution[]>;
  getExecution(job: string, execution: string): Promise<ContainerAppsExecution | undefined>;
  stop(job: string, execution: string): Promise<void>;
}

function toExecution(execution: JobExecution): ContainerAppsExecution {
  const env: Record<string, string> = {};
  for (const e of execution.template?.containers?.[0]?.env ?? []) if (e.name) env[e.name] = e.value ?? '';
  return {
    name: execution.name ?? '',
    ...(execution.status ? { status: execution.status } : {}),
    ...(execution.startTime ? { startTime: new Date(execution.startTime) } : {}),
    ...(execution.endTime ? { endTime: new Date(execution.endTime) } : {}),
    env,
  };
}

export function createContainerAppsApi(config: AzureClientConfig, azureResourceGroup: string): ContainerAppsApi {
  const client = new ContainerAppsAPIClient(config.credential, config.subscriptionId, toArmClientOptions(config));
  const rg = azureResourceGroup;
  const lro = toLroOptions(config);
  async function readOrUndefined<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toAzureError(error, what);
    }
  }
  return {
    getEnvironment: (name) => readOrUndefined(`read the Container Apps environment ${name}`, () => client.managedEnvironments.get(rg, name)),
    putEnvironment: (name, body) => callAzure(`create or update the Container Apps environment ${name}`, () => client.managedEnvironments.beginCreateOrUpdateAndWait(rg, name, body, lro)),
    async deleteEnvironment(name) {
      if (!(await readOrUndefined(`read the Container Apps environment ${name}`, () => client.managedEnvironments.get(rg, name)))) return false;
      await callAzure(`delete the Container Apps environment ${name}`, () => client.managedEnvironments.beginDeleteAndWait(rg, name, lro));
      return true;
    },
    getJob: (name) => readOrUndefined(`read the Container Apps job ${name}`, () => client.jobs.get(rg, name)),
    putJob: (name, body) => callAzure(`create or update the Container Apps job ${name}`, () => client.jobs.beginCreateOrUpdateAndWait(rg, name, body, lro)),
    async deleteJob(name) {
      if (!(await readOrUndefined(`read the Container Apps job ${name}`, () => client.jobs.get(rg, name)))) return false;
      await callAzure(`delete the Container Apps job ${name}`, () => client.jobs.beginDeleteAndWait(rg, name, lro));
      return true;
    },
    listJobs: (tags) =>
      callAzure(`list the Container Apps jobs of ${rg}`, async () => {
        const jobs: Job[] = [];
        for await (const job of client.jobs.listByResourceGroup(rg)) {
          if (Object.entries(tags).every(([k, v]) => job.tags?.[k] === v)) jobs.push(job);
        }
        return jobs;
      }),
    listEnvironmentJobs: (environmentId) =>
      callAzure(`list the Container Apps jobs of ${rg}`, async () => {
        const jobs: Job[] = [];
        // Resource ids are case-insensitive: Azure may return the environment's id in another case than handoff wrote.
        for await (const job of client.jobs.listByResourceGroup(rg)) if (job.environmentId?.toLowerCase() === environmentId.toLowerCase()) jobs.push(job);
        return jobs;
      }),
    start: (job, template) =>
      callAzure(`start the Container Apps job ${job}`, async () => {
        const started = await client.jobs.beginStartAndWait(rg, job, { template, ...lro });
        if (!started.name) throw new Error(`Azure started ${job} without naming the execution`);
        return started.name;
      }),
    listExecutions: (job) =>
      callAzure(`list the executions of ${job}`, async () => {
        const executions: ContainerAppsExecution[] = [];
        for await (const execution of client.jobsExecutions.list(rg, job)) executions.push(toExecution(execution));
        const time = (e: ContainerAppsExecution): number => e.startTime?.getTime() ?? 0;
        return executions.sort((a, b) => time(b) - time(a));
      }),
    async getExecution(job, execution) {
      const found = await readOrUndefined(`read the execution ${execution} of ${job}`, () => client.jobExecution(rg, job, execution));
      return found && toExecution(found);
    },
    stop: (job, execution) => callAzure(`stop the execution ${execution} of ${job}`, () => client.jobs.beginStopExecutionAndWait(rg, job, execution, lro)),
  };
}
