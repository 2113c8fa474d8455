// The azure provider's schedules: a Container Apps job per `schedules:` entry, fired by its UTC cron or by a Logic App in its zone.
import { UserError } from '../../errors.js';
import type { Schedule } from '../../project/types.js';
import { compareScheduleLists } from '../deploy/schedule-listing.js';
import { toCanonicalJson } from '../deploy/canonical-json.js';
import type { ScheduleChange, ScheduleLifecycle } from '../provider.js';
import type { AzureProvider } from './azure-provider.js';
import { checkOwnership } from './deploy/check-ownership.js';
import type { AzureNames } from './names.js';
import { createScheduleStarterGrant } from './resources/role-definitions.js';
import { planScheduleTrigger, type ScheduleTrigger } from './resources/schedule-trigger.js';
import { createScheduleWorkflowBody, isSameWorkflow, WORKFLOW_TYPE } from './resources/schedule-workflow.js';
import type { ArmResource } from './sdk/arm.js';
import type { Job } from './sdk/container-apps.js';
import { fromUnixCron } from '../../schedule/unix-cron.js';
import { nameOverrides, OVERRIDES_ENV, TRIGGER_ENV } from '../deploy/run-environment.js';

/**
 * Why a job per schedule: its runs are executions of a Container Apps job like `cloud run`'s, with the same logs,
 * failure classes, identity, size and timeout, listed and stopped with the same calls. Container Apps runs a schedule
 * trigger's cron in UTC, which keeps the local times of UTC and of zones without daylight saving. For a zone with it,
 * the job has a manual trigger and a Logic App of the same name fires it: a recurrence in the zone (Windows zone names)
 * whose one action starts that job, with an identity allowed to start that job alone.
 */

/** A schedule's job: the task's job (image, size, identity, limits) with the schedule's trigger, envs and tags. */
/**
 * What a schedule's trigger fires on, for `schedule list`: a cron trigger is a unix cron in UTC (a rate becomes one, so
 * rate(1 day) fires at midnight UTC, not at now + 1 day); a recurrence fires as declared, in the schedule's zone.
 */
export function describeFires(trigger: ScheduleTrigger): { expression: string; timezone: string } | undefined {
  return trigger.kind === 'cron' ? { expression: fromUnixCron(trigger.cronExpression), timezone: 'UTC' } : undefined;
}

export function createScheduleJobFrom(names: AzureNames, taskJob: Job, schedule: Schedule, trigger: ScheduleTrigger): Job {
  const container = taskJob.template!.containers![0]!;
  const env = new Map<string, string>();
  for (const e of container.env ?? []) if (e.name) env.set(e.name, e.value ?? '');
  const scheduleEnvs = schedule.envs.filter((e) => e.key !== 'HO_STAGE' && e.key !== 'AZURE_CLIENT_ID');
  for (const e of scheduleEnvs) env.set(e.key, e.value);
  env.delete(TRIGGER_ENV);
  // Only the schedule's envs are named as overrides: the task job's own environment is not the schedule's choice.
  env.delete(OVERRIDES_ENV);
  const overrides = nameOverrides(scheduleEnvs.map((e) => e.key));
  if (overrides !== undefined) env.set(OVERRIDES_ENV, overrides);
  env.set(TRIGGER_ENV, 'schedule');
  const once = { parallelism: 1, replicaCompletionCount: 1 };
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
      ...(trigger.kind === 'cron' ? { triggerType: 'Schedule', scheduleTriggerConfig: { cronExpression: trigger.cronExpression, ...once } } : { triggerType: 'Manual', manualTriggerConfig: once }),
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
  if (cron(desired) !== cron(deployed) || desired.configuration?.triggerType !== deployed.configuration?.triggerType) differences.push('expression');
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
      if (targetId !== undefined && job.name !== names.job) deployed.set(targetId, job);
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

  async function readWorkflow(targetId: string): Promise<ArmResource | undefined> {
    return (await getProvider().apis.arm()).get(getProvider().names.scheduleWorkflowId(targetId), WORKFLOW_TYPE);
  }

  /** The schedule's Logic App as declared, and its grant on the schedule's job; true when anything changed. */
  async function syncWorkflow(schedule: Schedule, trigger: Extract<ScheduleTrigger, { kind: 'recurrence' }>, location: string): Promise<boolean> {
    const provider = getProvider();
    const { names } = provider;
    const arm = await provider.apis.arm();
    const desired = createScheduleWorkflowBody(names, schedule, trigger.recurrence, location, provider.config.armEndpoint);
    let workflow = await readWorkflow(schedule.target_id);
    let changed = false;
    if (!workflow || !isSameWorkflow(desired, workflow)) {
      workflow = await arm.put(names.scheduleWorkflowId(schedule.target_id), WORKFLOW_TYPE, desired);
      changed = true;
    }
    const principalId = workflow.identity?.principalId;
    if (!principalId) throw new Error(`Azure returned the Logic App ${names.scheduleWorkflowId(schedule.target_id)} without its identity's principal id`);
    const grant = createScheduleStarterGrant(names, schedule.target_id, principalId);
    const roles = await provider.apis.roles();
    if (!(await roles.listAtScope(grant.scope)).some((g) => g.name === grant.name)) {
      await roles.create(grant);
      changed = true;
    }
    return changed;
  }

  /** Removes a schedule's Logic App and its grant (before the job, which is the grant's scope); false when there was none. */
  async function removeWorkflow(targetId: string): Promise<boolean> {
    const provider = getProvider();
    const workflow = await readWorkflow(targetId);
    if (!workflow) return false;
    const principalId = workflow.identity?.principalId;
    const roles = await provider.apis.roles();
    const scope = provider.names.scheduleJobId(targetId);
    for (const g of await roles.listAtScope(scope)) if (g.principalId === principalId) await roles.delete(g.scope, g.name);
    await (await provider.apis.arm()).delete(provider.names.scheduleWorkflowId(targetId), WORKFLOW_TYPE);
    return true;
  }

  async function removeSchedule(targetId: string, job: Job): Promise<boolean> {
    const workflow = await removeWorkflow(targetId);
    const removed = await (await getProvider().apis.containerApps()).deleteJob(job.name!);
    return workflow || removed;
  }

  return {
    disabledIsAbsent: true,
    async create(schedules) {
      const { names } = getProvider();
      // Every schedule's trigger is planned (or refused) before the first write.
      const triggers = new Map(schedules.map((s) => [s.target_id, planScheduleTrigger(s)]));
      await checkOwnership(getProvider(), { task: true });
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
          if (existing) await removeSchedule(schedule.target_id, existing);
          // Listed either way, as every provider lists each schedule it was given (`unchanged`: it was not there).
          changes.push({ target_id: schedule.target_id, id: existing?.name ?? name, action: existing ? 'deleted' : 'unchanged' });
          continue;
        }
        const trigger = triggers.get(schedule.target_id)!;
        const desired = createScheduleJobFrom(names, taskJob, schedule, trigger);
        const jobChanged = !existing || compareScheduleJob(desired, existing).length > 0;
        if (jobChanged) await apps.putJob(name, desired);
        // The job first: it is the scope of the Logic App's grant. A schedule moved to a zone without daylight saving
        // loses its Logic App.
        const workflowChanged = trigger.kind === 'recurrence' ? await syncWorkflow(schedule, trigger, String(taskJob.location)) : await removeWorkflow(schedule.target_id);
        changes.push({ target_id: schedule.target_id, id: name, action: !existing ? 'created' : jobChanged || workflowChanged ? 'updated' : 'unchanged' });
      }
      return changes;
    },
    async list(declared) {
      const provider = getProvider();
      const { names } = provider;
      const taskJob = await readTaskJob(false);
      const deployed = new Map<string, Job | 'disabled'>(await readDeployed());
      // A disabled schedule is deployed as no job at all (see create), so its absence is what was declared.
      for (const s of declared) if (!s.enabled && !deployed.has(s.target_id) && taskJob) deployed.set(s.target_id, 'disabled');
      // The Logic Apps of the declared schedules that need one, read before comparing.
      const triggers = new Map(declared.filter((s) => s.enabled).map((s) => [s.target_id, planScheduleTrigger(s)]));
      const workflows = new Map<string, ArmResource | undefined>();
      for (const [targetId, trigger] of triggers) {
        const job = deployed.get(targetId);
        if (trigger.kind === 'recurrence' && job !== undefined && job !== 'disabled') workflows.set(targetId, await readWorkflow(targetId));
      }
      return compareScheduleLists({
        declared,
        deployed,
        differences: (schedule, existing) => {
          if (existing === 'disabled') return [];
          if (!schedule.enabled) return ['enabled'];
          const trigger = triggers.get(schedule.target_id)!;
          const differences = compareScheduleJob(createScheduleJobFrom(names, taskJob ?? existing, schedule, trigger), existing);
          if (trigger.kind === 'recurrence' && !differences.includes('expression')) {
            const workflow = workflows.get(schedule.target_id);
            const desired = createScheduleWorkflowBody(names, schedule, trigger.recurrence, String((taskJob ?? existing).location), provider.config.armEndpoint);
            if (!workflow || !isSameWorkflow(desired, workflow)) differences.unshift('expression');
          }
          return differences;
        },
        firesOn: (schedule) => describeFires(triggers.get(schedule.target_id) ?? planScheduleTrigger(schedule)),
        describe: (orphan) => (orphan === 'disabled' ? { expression: '', enabled: false } : { expression: orphan.tags?.['handoff-cron'] ?? '', ...(orphan.tags?.['handoff-timezone'] ? { timezone: orphan.tags['handoff-timezone'] } : {}), enabled: true }),
      });
    },
    async delete(targetId) {
      await checkOwnership(getProvider(), { task: true });
      const changes: ScheduleChange[] = [];
      for (const [id, job] of await readDeployed()) {
        if (targetId !== undefined && id !== targetId) continue;
        if (await removeSchedule(id, job)) changes.push({ target_id: id, id: job.name!, action: 'deleted' });
      }
      return changes;
    },
    async checkFiring() {
      return undefined;
    },
  };
}
