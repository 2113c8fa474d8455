// Cloud Run (Admin API v2) through @google-cloud/run: the task's job, its executions (runs) and their tasks, and the job's IAM policy.
import type { GoogleAuth } from 'google-auth-library';
import { ExecutionsClient, JobsClient, TasksClient, type protos } from '@google-cloud/run';
import type { IamPolicy } from '../resources/iam-policy.js';
import { toGaxOptions, type GcpClientConfig } from './gcp-client-config.js';
import { callGcp, isNotFound } from './gcp-errors.js';

export type CloudRunJob = protos.google.cloud.run.v2.IJob;
export type CloudRunExecution = protos.google.cloud.run.v2.IExecution;
export type CloudRunTask = protos.google.cloud.run.v2.ITask;

export interface CloudRunApi {
  getJob(name: string): Promise<CloudRunJob | undefined>;
  /** Every job in a location (`projects/P/locations/L`), all pages. */
  listJobs(location: string): Promise<CloudRunJob[]>;
  /**
   * The Cloud Run locations the project sees (`projects/P/locations/L`), all pages: Cloud Run lists jobs one location at
   * a time (v2 takes no `-` wildcard), so finding a project's jobs everywhere means asking each of these.
   */
  listLocations(project: string): Promise<string[]>;
  /** Creates the job and waits for the operation. */
  createJob(location: string, jobId: string, job: CloudRunJob): Promise<void>;
  /** Replaces the job's spec (template, labels) and waits for the operation. */
  updateJob(job: CloudRunJob): Promise<void>;
  /** Deletes the job (and its executions) and waits; false when there was none. */
  deleteJob(name: string): Promise<boolean>;
  /** Starts an execution with these env overrides and returns it at once (the operation ends when the run does). */
  runJob(name: string, container: string, env: { name: string; value: string }[]): Promise<CloudRunExecution>;
  getExecution(name: string): Promise<CloudRunExecution | undefined>;
  /** The job's executions, newest first (at most `limit`). */
  listExecutions(job: string, limit: number): Promise<CloudRunExecution[]>;
  cancelExecution(name: string): Promise<void>;
  listTasks(execution: string): Promise<CloudRunTask[]>;
  getIamPolicy(name: string): Promise<IamPolicy>;
  setIamPolicy(name: string, policy: IamPolicy): Promise<void>;
  close(): Promise<void>;
}

export function createCloudRunApi(config: GcpClientConfig, auth: GoogleAuth): CloudRunApi {
  const options = toGaxOptions(config, auth);
  const jobs = new JobsClient(options);
  const executions = new ExecutionsClient(options);
  const tasks = new TasksClient(options);

  return {
    getJob: (name) =>
      callGcp(`read the Cloud Run job ${name}`, async () => {
        try {
          return (await jobs.getJob({ name }))[0];
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    createJob: (location, jobId, job) =>
      callGcp(`create the Cloud Run job ${jobId}`, async () => {
        const [operation] = await jobs.createJob({ parent: location, jobId, job });
        await operation.promise();
      }),
    updateJob: (job) =>
      callGcp(`update the Cloud Run job ${job.name}`, async () => {
        const [operation] = await jobs.updateJob({ job });
        await operation.promise();
      }),
    deleteJob: (name) =>
      callGcp(`delete the Cloud Run job ${name}`, async () => {
        try {
          const [operation] = await jobs.deleteJob({ name });
          await operation.promise();
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      }),
    runJob: (name, container, env) =>
      callGcp(`start the Cloud Run job ${name}`, async () => {
        const [operation] = await jobs.runJob({ name, overrides: { containerOverrides: [{ name: container, env }] } });
        // The operation's metadata is the execution it started; waiting on the operation would wait for the run.
        const execution = operation.metadata as CloudRunExecution | null;
        if (!execution?.name) throw new Error(`Cloud Run started ${name} without naming the execution (operation ${operation.name})`);
        return execution;
      }),
    getExecution: (name) =>
      callGcp(`read the execution ${name}`, async () => {
        try {
          return (await executions.getExecution({ name }))[0];
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    listJobs: (location) => callGcp(`list the Cloud Run jobs of ${location}`, async () => (await jobs.listJobs({ parent: location }))[0]),
    listLocations: (project) =>
      callGcp(`list the Cloud Run locations of project ${project}`, async () => {
        // google.cloud.location.Locations, which Cloud Run serves as GET /v1/projects/<project>/locations.
        const found: string[] = [];
        // The iterator fetches page after page itself; without autoPaginate: false, gax warns on stderr that it ignores it.
        for await (const location of jobs.listLocationsAsync({ name: `projects/${project}` }, { autoPaginate: false })) if (location.name) found.push(location.name);
        return found;
      }),
    listExecutions: (job, limit) =>
      callGcp(`list the executions of ${job}`, async () => {
        // The API lists newest first; one page of `limit` is what `cloud job status` shows.
        const [found] = await executions.listExecutions({ parent: job, pageSize: limit }, { autoPaginate: false });
        return found.slice(0, limit);
      }),
    cancelExecution: (name) =>
      callGcp(`cancel the execution ${name}`, async () => {
        await executions.cancelExecution({ name });
      }),
    listTasks: (execution) => callGcp(`list the tasks of ${execution}`, async () => (await tasks.listTasks({ parent: execution }))[0]),
    getIamPolicy: (name) =>
      callGcp(`read the IAM policy of ${name}`, async () => {
        const [policy] = await jobs.getIamPolicy({ resource: name, options: { requestedPolicyVersion: 3 } });
        return {
          version: policy.version ?? 1,
          ...(policy.etag ? { etag: Buffer.from(policy.etag as Uint8Array).toString('base64') } : {}),
          bindings: (policy.bindings ?? []).map((b) => ({ role: b.role ?? '', members: b.members ?? [] })),
        };
      }),
    setIamPolicy: (name, policy) =>
      callGcp(`set the IAM policy of ${name}`, async () => {
        await jobs.setIamPolicy({ resource: name, policy: { version: policy.version, bindings: policy.bindings, ...(policy.etag ? { etag: Buffer.from(policy.etag, 'base64') } : {}) } });
      }),
    async close() {
      await Promise.all([jobs.close(), executions.close(), tasks.close()]);
    },
  };
}
