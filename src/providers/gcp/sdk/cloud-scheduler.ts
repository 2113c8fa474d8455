// Cloud Scheduler through @google-cloud/scheduler: the task's scheduler jobs, which start its Cloud Run job.
import type { GoogleAuth } from 'google-auth-library';
import { CloudSchedulerClient, type protos } from '@google-cloud/scheduler';
import { toGaxOptions, type GcpClientConfig } from './gcp-client-config.js';
import { callGcp, isNotFound } from './gcp-errors.js';

export type SchedulerJob = protos.google.cloud.scheduler.v1.IJob;

export interface CloudSchedulerApi {
  /** Every scheduler job of the region whose id starts with `prefix` (all pages). */
  listJobs(location: string, prefix: string): Promise<SchedulerJob[]>;
  getJob(name: string): Promise<SchedulerJob | undefined>;
  createJob(location: string, job: SchedulerJob): Promise<void>;
  updateJob(job: SchedulerJob): Promise<void>;
  /** False when there was no such job. */
  deleteJob(name: string): Promise<boolean>;
  /** A job's state is not part of its spec: a disabled schedule is a paused job. */
  pauseJob(name: string): Promise<void>;
  resumeJob(name: string): Promise<void>;
  close(): Promise<void>;
}

export function createCloudSchedulerApi(config: GcpClientConfig, auth: GoogleAuth): CloudSchedulerApi {
  const client = new CloudSchedulerClient(toGaxOptions(config, auth));
  return {
    listJobs: (location, prefix) =>
      callGcp(`list the Cloud Scheduler jobs of ${location}`, async () => {
        const [jobs] = await client.listJobs({ parent: location });
        // Listing has no name filter: exactly this task's ids start with its prefix (names.scheduleJobPrefix).
        return jobs.filter((j) => (j.name ?? '').slice((j.name ?? '').lastIndexOf('/') + 1).startsWith(prefix));
      }),
    getJob: (name) =>
      callGcp(`read the Cloud Scheduler job ${name}`, async () => {
        try {
          return (await client.getJob({ name }))[0];
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    createJob: (location, job) => callGcp(`create the Cloud Scheduler job ${job.name}`, async () => void (await client.createJob({ parent: location, job }))),
    updateJob: (job) => callGcp(`update the Cloud Scheduler job ${job.name}`, async () => void (await client.updateJob({ job }))),
    deleteJob: (name) =>
      callGcp(`delete the Cloud Scheduler job ${name}`, async () => {
        try {
          await client.deleteJob({ name });
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      }),
    pauseJob: (name) => callGcp(`pause the Cloud Scheduler job ${name}`, async () => void (await client.pauseJob({ name }))),
    resumeJob: (name) => callGcp(`resume the Cloud Scheduler job ${name}`, async () => void (await client.resumeJob({ name }))),
    close: () => client.close(),
  };
}
