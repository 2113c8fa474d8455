// The gcp provider's schedules: one Cloud Scheduler job per `schedules:` entry, each starting the task's Cloud Run job.
import { UserError } from '../../errors.js';
import type { Deploy, Schedule } from '../../project/types.js';
import { compareScheduleLists } from '../deploy/schedule-listing.js';
import type { ScheduleChange, ScheduleLifecycle } from '../provider.js';
import type { GcpNames } from './names.js';
import { compareScheduleSpecs, createScheduleSpec, readScheduleSpec, toSchedulerJob, type ScheduleSpec } from './resources/scheduler-job.js';
import type { CloudRunApi } from './sdk/cloud-run.js';
import { fromUnixCron, toUnixCron } from '../../schedule/unix-cron.js';
import type { CloudSchedulerApi, SchedulerJob } from './sdk/cloud-scheduler.js';

/**
 * Scheduler jobs of an earlier version that start this task's Cloud Run job under another spelling: before resource
 * groups and stages that differ only in case were refused, `Runs` and `runs` (or `-s Dev` and `-s dev`) deployed one
 * lowercase Cloud Run job but two scheduler jobs (their ids keep the case), so every schedule fired twice. They are
 * handoff's ids for this task in another case and call exactly this task's job.
 */
export async function findStraySchedules(api: CloudSchedulerApi, names: GcpNames): Promise<SchedulerJob[]> {
  const prefix = names.scheduleJobPrefix.toLowerCase();
  const uri = `https://run.googleapis.com/v2/${names.job}:run`;
  return (await api.listJobs(names.location, '')).filter((job) => {
    const id = (job.name ?? '').slice((job.name ?? '').lastIndexOf('/') + 1);
    return !id.startsWith(names.scheduleJobPrefix) && id.toLowerCase().startsWith(prefix) && job.httpTarget?.uri === uri;
  });
}

/** The command that deletes one scheduler job. */
export function describeScheduleDeletion(job: SchedulerJob, names: GcpNames): string {
  return `gcloud scheduler jobs delete ${(job.name ?? '').slice((job.name ?? '').lastIndexOf('/') + 1)} --location=${names.region} --project=${names.project}`;
}

export function createGcpScheduleLifecycle(input: {
  names: GcpNames;
  deploy: Deploy;
  openScheduler: () => Promise<CloudSchedulerApi>;
  openRun: () => Promise<CloudRunApi>;
  /** Refuses (exit 2) when the task's job or resources are another project's (see deploy/check-ownership.ts). */
  checkOwner?: () => Promise<void>;
}): ScheduleLifecycle {
  const { names, deploy } = input;
  let scheduler: CloudSchedulerApi | undefined;
  const open = async (): Promise<CloudSchedulerApi> => (scheduler ??= await input.openScheduler());
  const targetOf = (job: SchedulerJob): string => (job.name ?? '').slice((job.name ?? '').lastIndexOf('/') + 1).slice(names.scheduleJobPrefix.length);

  /** Brings a job's paused state in line with `enabled` (Cloud Scheduler keeps state apart from the job's fields). */
  async function setEnabled(api: CloudSchedulerApi, spec: ScheduleSpec, deployedEnabled: boolean): Promise<void> {
    if (spec.enabled && !deployedEnabled) await api.resumeJob(spec.name);
    if (!spec.enabled && deployedEnabled) await api.pauseJob(spec.name);
  }

  return {
    async create(schedules: Schedule[]) {
      // Every job is built (and its cron converted) before the first write.
      const specs = schedules.map((s) => ({ schedule: s, spec: createScheduleSpec(names, deploy, s) }));
      await input.checkOwner?.();
      if (!(await (await input.openRun()).getJob(names.job))) {
        throw new UserError(`schedules start the task's Cloud Run job ${names.jobId}, which is not deployed`, { fix: 'run `handoff cloud task create` (or `handoff cloud deploy`) first' });
      }
      const api = await open();
      const changes: ScheduleChange[] = [];
      for (const { schedule, spec } of specs) {
        const id = spec.name.slice(spec.name.lastIndexOf('/') + 1);
        const existing = await api.getJob(spec.name);
        if (!existing) {
          await api.createJob(names.location, toSchedulerJob(spec, names.containerName));
          await setEnabled(api, spec, true);
          changes.push({ target_id: schedule.target_id, id, action: 'created' });
          continue;
        }
        const deployed = readScheduleSpec(existing);
        const differences = compareScheduleSpecs(spec, deployed);
        if (differences.length === 0) {
          changes.push({ target_id: schedule.target_id, id, action: 'unchanged' });
          continue;
        }
        if (differences.some((d) => d !== 'enabled')) await api.updateJob(toSchedulerJob(spec, names.containerName));
        await setEnabled(api, spec, deployed.enabled);
        changes.push({ target_id: schedule.target_id, id, action: 'updated' });
      }
      return changes;
    },
    async list(declared) {
      const deployed = new Map((await (await open()).listJobs(names.location, names.scheduleJobPrefix)).map((j) => [targetOf(j), readScheduleSpec(j)]));
      return compareScheduleLists({
        declared,
        deployed,
        differences: (schedule, spec) => compareScheduleSpecs(createScheduleSpec(names, deploy, schedule), spec),
        describe: (spec) => ({ expression: fromUnixCron(spec.schedule), timezone: spec.timeZone, enabled: spec.enabled }),
        // A rate is deployed as a unix cron in the schedule's zone (rate(1 day) fires at midnight), not as an interval.
        firesOn: (schedule) => ({ expression: fromUnixCron(toUnixCron(schedule, 'Cloud Scheduler')), timezone: schedule.timezone }),
      });
    },
    async delete(targetId) {
      await input.checkOwner?.();
      const api = await open();
      // The strays of a split deployment go too: they start the same job, so each schedule fired twice.
      const found = [...(await api.listJobs(names.location, names.scheduleJobPrefix)), ...(await findStraySchedules(api, names))];
      const jobs = found.filter((j) => targetId === undefined || targetOf(j) === targetId);
      const changes: ScheduleChange[] = [];
      for (const job of jobs) {
        if (await api.deleteJob(job.name!)) changes.push({ target_id: targetOf(job), id: job.name!.slice(job.name!.lastIndexOf('/') + 1), action: 'deleted' });
      }
      return changes;
    },
    async checkFiring() {
      return undefined;
    },
  };
}
