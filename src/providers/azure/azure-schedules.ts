// The azure provider's schedules: one Container Apps job with a schedule trigger per `schedules:` entry, its cron in UTC.
import { UserError } from '../../errors.js';
import type { Schedule } from '../../project/types.js';
import { toUtcUnixCron } from '../../schedule/unix-cron.js';
import { compareScheduleLists } from '../deploy/schedule-listing.js';
import { toCanonicalJson } from '../deploy/canonical-json.js';
import type { ScheduleChange, ScheduleLifecycle } from '../provider.js';
import type { AzureProvider } from './azure-provider.js';
import type { AzureNames } from './names.js';
import type { Job } from './sdk/container-apps.js';

/**
 * Why schedule-trigger jobs and not Logic Apps, which know time zones: a schedule's runs are then executions of a
 * Container Apps job like `cloud run`'s, with the same logs, failure classes, identity, size and timeout, listed and
 * stopped with the same calls, and nothing else to deploy or grant (a Logic App would need its own identity allowed to
 * start the job, and Windows time zone names). The price is UTC: a schedule in a zone without daylight saving is moved
 * to UTC exactly; one in a zone with it is refused, saying so, because no single UTC cron keeps its local times.
 */
const SERVICE = 'Container Apps';

/** A schedule's job: the task's job (image, size, identity, limits) with the schedule's trigger, envs and tags. */
export function createScheduleJobFrom(names: AzureNames, taskJob: Job, schedule: Schedule): Job {
  const container = taskJob.template!.containers![0]!;
  const env = new Map<string, string>();
  for (const e of container.env ?? []) if (e.name) env.set(e.name, e.value ?? '');
  for (const e of schedule.envs) if (e.key !== 'HO_STAGE' && e.key !== 'AZURE_CLIENT_ID') env.set(e.key, e.value);
  return {
    location: taskJob.location,
    tags: {
      ...names.tags,
      'handoff-target-id': schedule.target_id,
      'handoff-cron': schedule.cron,
      ...(schedule.timezone ? { 'handoff-timezone': schedule.timezone } : {}),
      ...(schedule.description ? { 'handoff-description': schedule.description.slice(0, 256) } : {}),
    },
    ...(taskJob.identity ? { identity: { type: taskJob.identity.type, userAssignedIdentities: Object.fromEntries(Object.keys(taskJob.identity.userAssignedIdentities ?? {}).map((id) => [id, {}])) } } : {}),
    environmentId: taskJob.environmentId,
    configuration: {
      triggerType: 'Schedule',
      scheduleTriggerConfig: { cronExpression: toUtcUnixCron(schedule, SERVICE), parallelism: 1, replicaCompletionCount: 1 },
      replicaTimeout: taskJob.configuration!.replicaTimeout,
      replicaRetryLimit: taskJob.configuration!.replicaRetryLimit ?? 0,
      ...(taskJob.configuration?.registries?.length ? { registries: taskJob.configuration.registries.map((r) => ({ server: r.server, identity: r.identity })) } : {}),
    },
    template: { containers: [{ name: container.name, image: container.image, resources: { cpu: container.resources?.cpu, memory: container.resources?.memory }, env: [...env].map(([name, value]) => ({ name, value })) }] },
  };
}

/** The fields of a schedule job that differ from what it should be (empty when it is as declared). */
export function compareScheduleJob(desired: Job, deployed: Job): string[] {
  const differences: string[] = [];
  const cron = (j: Job): string | undefined => j.configuration?.scheduleTriggerConfig?.cronExpression;
  const tag = (j: Job, k: string): string => j.tags?.[k] ?? '';
  if (cron(desired) !== cron(deployed)) differences.push('expression');
  if (tag(desired, 'handoff-timezone') !== tag(deployed, 'handoff-timezone')) differences.push('timezone');
  if (tag(desired, 'handoff-description') !== tag(deployed, 'handoff-description')) differences.push('description');
  const env = (j: Job) => [...(j.template?.containers?.[0]?.env ?? [])].map((e) => [e.name, e.value ?? '']).sort();
  if (toCanonicalJson(env(desired)) !== toCanonicalJson(env(deployed))) differences.push('envs');
  const target = (j: Job) => ({
    image: j.template?.containers?.[0]?.image,
    cpu: j.template?.containers?.[0]?.resources?.cpu,
    memory: j.template?.containers?.[0]?.resources?.memory,
    timeout: j.configuration?.replicaTimeout,
    retries: j.configuration?.replicaRetryLimit ?? 0,
    environment: (j.environmentId ?? '').toLowerCase(),
  });
  if (toCanonicalJson(target(desired)) !== toCanonicalJson(target(deployed))) differences.push('target');
  return differences;
}

export function createAzureScheduleLifecycle(getProvider: () => AzureProvider): ScheduleLifecycle {
  /** The task's schedule jobs by target id (found by their tags: exactly this task's, never one whose name shares a prefix). */
  async function readDeployed(): Promise<Map<string, Job>> {
    const { names } = getProvider();
    const apps = await getProvider().apis.containerApps();
    const deployed = new Map<string, Job>();
    for (const job of await apps.listJobs(names.tags)) {
      const targetId = job.tags?.['handoff-target-id'];
      if (targetId !== undefined && job.configuration?.triggerType === 'Schedule') deployed.set(targetId, job);
    }
    return deployed;
  }

  async function readTaskJob(required: boolean): Promise<Job | undefined> {
    const { names } = getProvider();
    const job = await (await getProvider().apis.containerApps()).getJob(names.job);
    if (!job && required) {
      throw new UserError(`schedules run the task's job, but the Container Apps job ${names.job} is not deployed`, { fix: 'run `handoff cloud task create` (or `handoff cloud deploy`) first' });
    }
    return job;
  }

  return {
    async create(schedules) {
      const { names } = getProvider();
      // Every cron is moved to UTC (or refused) before the first write.
      for (const s of schedules) toUtcUnixCron(s, SERVICE);
      const taskJob = (await readTaskJob(true))!;
      const apps = await getProvider().apis.containerApps();
      const deployed = await readDeployed();
      const changes: ScheduleChange[] = [];
      for (const schedule of schedules) {
        const name = names.scheduleJob(schedule.target_id);
        const existing = deployed.get(schedule.target_id);
        // A disabled schedule has no job: Container Apps cannot pause a schedule trigger, and a job that is not there
        // cannot fire.
        if (!schedule.enabled) {
          if (existing) {
            await apps.deleteJob(existing.name ?? name);
            changes.push({ target_id: schedule.target_id, id: existing.name ?? name, action: 'deleted' });
          }
          continue;
        }
        const desired = createScheduleJobFrom(names, taskJob, schedule);
        if (!existing) {
          await apps.putJob(name, desired);
          changes.push({ target_id: schedule.target_id, id: name, action: 'created' });
        } else if (compareScheduleJob(desired, existing).length === 0) {
          changes.push({ target_id: schedule.target_id, id: name, action: 'unchanged' });
        } else {
          await apps.putJob(name, desired);
          changes.push({ target_id: schedule.target_id, id: name, action: 'updated' });
        }
      }
      return changes;
    },
    async list(declared) {
      const { names } = getProvider();
      const taskJob = await readTaskJob(false);
      const deployed = new Map<string, Job | 'disabled'>(await readDeployed());
      // A disabled schedule is deployed as no job at all (see create), so its absence is what was declared.
      for (const s of declared) if (!s.enabled && !deployed.has(s.target_id) && taskJob) deployed.set(s.target_id, 'disabled');
      return compareScheduleLists({
        declared,
        deployed,
        differences: (schedule, existing) => {
          if (existing === 'disabled') return [];
          if (!schedule.enabled) return ['enabled'];
          return compareScheduleJob(createScheduleJobFrom(names, taskJob ?? existing, schedule), existing);
        },
        describe: (orphan) => (orphan === 'disabled' ? { expression: '', enabled: false } : { expression: orphan.tags?.['handoff-cron'] ?? '', ...(orphan.tags?.['handoff-timezone'] ? { timezone: orphan.tags['handoff-timezone'] } : {}), enabled: true }),
      });
    },
    async delete(targetId) {
      const apps = await getProvider().apis.containerApps();
      const changes: ScheduleChange[] = [];
      for (const [id, job] of await readDeployed()) {
        if (targetId !== undefined && id !== targetId) continue;
        if (await apps.deleteJob(job.name!)) changes.push({ target_id: id, id: job.name!, action: 'deleted' });
      }
      return changes;
    },
    async checkFiring() {
      return undefined;
    },
  };
}
