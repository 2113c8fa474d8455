// The AWS provider's schedules: EventBridge Scheduler, one schedule group per task, upserted from `schedules:`.
import { UserError } from '../../errors.js';
import type { Deploy, Schedule } from '../../project/types.js';
import { parseSchedule } from '../../schedule/parse-schedule.js';
import { compareScheduleLists } from '../deploy/schedule-listing.js';
import type { ScheduleChange, ScheduleLifecycle } from '../provider.js';
import type { DeployNames } from './names.js';
import type { CloudFormationApi } from './sdk/cloudformation.js';
import type { DeployedSchedule, SchedulerApi } from './sdk/scheduler.js';
import type { EcsApi } from './sdk/ecs.js';
import { toCanonicalJson } from './deploy/plan-deploy.js';
import { resolveCapacity } from './stacks/capacity.js';
import { createScheduleRequest, type ScheduleEcsParameters, type ScheduleRequest, type ScheduleTarget } from './stacks/schedule-request.js';
import { resolveRunnerSettings } from './stacks/state-machine.js';
import { createTagMap, validateUserTags } from './stacks/tags.js';
import { assertOwner, assertStackOwned, createOwner, readOwner } from './deploy/check-ownership.js';
import { usesStateMachine } from './stacks/task-stack.js';

/**
 * The fields of `deployed` that differ from `request` (empty when the schedule is as declared). Scheduler reports
 * UTC for a schedule without a time zone, and the input is compared as JSON, so neither counts as a difference.
 */
export function compareSchedule(request: ScheduleRequest, deployed: DeployedSchedule): string[] {
  const differences: string[] = [];
  if (request.ScheduleExpression !== deployed.ScheduleExpression) differences.push('expression');
  if ((request.ScheduleExpressionTimezone ?? 'UTC') !== (deployed.ScheduleExpressionTimezone ?? 'UTC')) differences.push('timezone');
  if (request.State !== deployed.State) differences.push('enabled');
  if ((request.Description ?? '') !== (deployed.Description ?? '')) differences.push('description');
  if (request.Target.Arn !== deployed.Target.Arn || request.Target.RoleArn !== deployed.Target.RoleArn) differences.push('target');
  // A new task definition revision (or network, or capacity) of a schedule that starts the task directly.
  else if (toCanonicalJson(request.Target.EcsParameters ?? null) !== toCanonicalJson(deployed.Target.EcsParameters ?? null)) differences.push('target');
  if (!isSameJson(request.Target.Input, deployed.Target.Input)) differences.push('envs');
  return differences;
}

function isSameJson(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  try {
    return toCanonicalJson(JSON.parse(a ?? 'null')) === toCanonicalJson(JSON.parse(b ?? 'null'));
  } catch {
    return false;
  }
}

/** `cron(0 6 * * ? *)` → `0 6 * * ? *`: the form the shared parser reads; rate(…) stays as it is. */
function toParserExpression(awsExpression: string): string {
  const cron = /^cron\((.*)\)$/.exec(awsExpression);
  return cron ? cron[1]! : awsExpression;
}

/**
 * The target id a schedule name stands for (`target-<id>`, names.scheduleName), or the name itself: a schedule made by
 * hand in the task's group is listed (orphaned) and deleted under its own name, so list, plan and deploy agree on it.
 */
function readTargetId(name: string): string {
  return name.startsWith('target-') ? name.slice('target-'.length) : name;
}

export function createAwsScheduleLifecycle(input: {
  names: DeployNames;
  cloudFormation: CloudFormationApi;
  openScheduler: () => Promise<SchedulerApi>;
  /** ECS, for the task definition's latest revision that schedules start with `state_machine: false`. */
  openEcs?: () => Promise<Pick<EcsApi, 'describeTaskDefinition'>>;
  /** The project's `deploy`: state_machine, role_arn, capacity and platform version decide what schedules start. */
  deploy?: Partial<Deploy>;
}): ScheduleLifecycle {
  const { names } = input;
  const group = names.scheduleGroup;
  const deploy: Partial<Deploy> = input.deploy ?? {};

  /**
   * What schedules start, from the stacks' outputs: the task's runner, or with `state_machine: false` its latest task
   * definition on the resource group's cluster and network. Scheduler assumes `platform_config.role_arn` when given,
   * else the resource group's scheduler role. A UserError names the command that deploys what is missing.
   */
  async function readTarget(required: boolean): Promise<ScheduleTarget | undefined> {
    const task = await input.cloudFormation.describeStack(names.taskStack);
    const resources = await input.cloudFormation.describeStack(names.resourcesStack);
    const roleArn = deploy.platform_config?.role_arn ?? resources?.outputs.SchedulerRoleArn;
    const direct = !usesStateMachine(deploy);
    const outputs = resources?.outputs ?? {};
    if (roleArn && !direct && task?.outputs.StateMachineArn) return { kind: 'state-machine', stateMachineArn: task.outputs.StateMachineArn, roleArn };
    if (roleArn && direct && task?.outputs.TaskDefinitionArn && outputs.ClusterArn && outputs.Subnets && outputs.SecurityGroups) {
      // Schedules name a revision, and a task stack update deregisters the old one: they start the latest ACTIVE
      // revision of the family, what the last `cloud task create|update` registered (as `cloud run` does).
      const latest = input.openEcs ? await (await input.openEcs()).describeTaskDefinition(names.taskDefinitionFamily) : undefined;
      return {
        kind: 'ecs',
        roleArn,
        clusterArn: outputs.ClusterArn,
        taskDefinitionArn: latest?.arn ?? task.outputs.TaskDefinitionArn,
        subnets: outputs.Subnets.split(',').filter(Boolean),
        securityGroups: outputs.SecurityGroups.split(',').filter(Boolean),
        assignPublicIp: outputs.AssignPublicIp === 'DISABLED' ? 'DISABLED' : 'ENABLED',
        capacity: resolveCapacity(deploy),
        platformVersion: resolveRunnerSettings(deploy).platformVersion,
      };
    }
    if (!required) return undefined;
    const missing = !resources ? `the resources stack ${names.resourcesStack}` : `the task stack ${names.taskStack}`;
    throw new UserError(`schedules start the task${direct ? '' : "'s runner"}, but ${missing} is not deployed${task && !direct !== Boolean(task.outputs.StateMachineArn) ? ' as declared (platform_config.state_machine changed)' : ''}`, {
      fix: !resources ? 'run `handoff cloud resources create` and `handoff cloud task create` (or `handoff cloud deploy`) first' : 'run `handoff cloud task create` (or `handoff cloud deploy`) first',
    });
  }

  /**
   * Refuses when the task stack or the schedule group is another task's (their names meet, check-ownership.ts):
   * schedules must touch exactly this task's, and start exactly this task.
   */
  async function assertOwned(scheduler: SchedulerApi): Promise<void> {
    const owner = createOwner(names, 'task');
    const task = await input.cloudFormation.describeStack(names.taskStack);
    if (task && task.status !== 'DELETE_COMPLETE') await assertStackOwned(input.cloudFormation, `the stack ${names.taskStack}`, owner, task);
    const tags = await scheduler.readScheduleGroupTags(group);
    if (tags) assertOwner(`the schedule group ${group}`, owner, readOwner(tags));
  }

  const createRequest = (schedule: Schedule, target: ScheduleTarget): ScheduleRequest =>
    createScheduleRequest(names, schedule, { ...target, expression: parseSchedule(schedule.cron, schedule.timezone).awsExpression });

  /** The target a deployed schedule has, standing in when the stacks cannot be read to compare with. */
  const readDeployedTarget = (existing: DeployedSchedule): ScheduleTarget => {
    const ecs = existing.Target.EcsParameters as ScheduleEcsParameters | undefined;
    if (ecs === undefined) return { kind: 'state-machine', stateMachineArn: existing.Target.Arn, roleArn: existing.Target.RoleArn };
    const network = ecs.NetworkConfiguration?.awsvpcConfiguration;
    return {
      kind: 'ecs',
      clusterArn: existing.Target.Arn,
      roleArn: existing.Target.RoleArn,
      taskDefinitionArn: ecs.TaskDefinitionArn,
      subnets: network?.Subnets ?? [],
      securityGroups: network?.SecurityGroups ?? [],
      assignPublicIp: network?.AssignPublicIp ?? 'ENABLED',
      capacity: ecs.CapacityProviderStrategy
        ? { kind: 'strategy', strategy: ecs.CapacityProviderStrategy.map((s) => ({ capacityProvider: s.capacityProvider as 'FARGATE' | 'FARGATE_SPOT', weight: s.weight })) }
        : { kind: 'launch-type' },
      platformVersion: ecs.PlatformVersion ?? 'LATEST',
    };
  };

  return {
    async create(schedules) {
      const scheduler = await input.openScheduler();
      try {
        await assertOwned(scheduler);
        const target = (await readTarget(true))!;
        // Every request is built (and checked) before the first write.
        const requests = schedules.map((s) => ({ schedule: s, request: createRequest(s, target) }));
        if (requests.length > 0) await scheduler.ensureScheduleGroup(group, createTagMap(names, validateUserTags(deploy.tags), 'task'));
        const changes: ScheduleChange[] = [];
        for (const { schedule, request } of requests) {
          const id = `${group}/${request.Name}`;
          const existing = await scheduler.getSchedule(group, request.Name);
          if (!existing) {
            await scheduler.createSchedule(request);
            changes.push({ target_id: schedule.target_id, id, action: 'created' });
          } else if (compareSchedule(request, existing).length === 0) {
            changes.push({ target_id: schedule.target_id, id, action: 'unchanged' });
          } else {
            await scheduler.updateSchedule(request);
            changes.push({ target_id: schedule.target_id, id, action: 'updated' });
          }
        }
        return changes;
      } finally {
        scheduler.destroy();
      }
    },
    async list(declared) {
      const scheduler = await input.openScheduler();
      try {
        await assertOwned(scheduler);
        const target = await readTarget(false);
        const deployed = new Map<string, DeployedSchedule>();
        for (const name of await scheduler.listScheduleNames(group)) {
          const s = await scheduler.getSchedule(group, name);
          if (s) deployed.set(readTargetId(name), s);
        }
        return compareScheduleLists({
          declared,
          deployed,
          // Without the stacks the target cannot be compared; the schedule's own target stands in for it.
          differences: (schedule, existing) => compareSchedule(createRequest(schedule, target ?? readDeployedTarget(existing)), existing),
          describe: (deployed) => ({
            expression: toParserExpression(deployed.ScheduleExpression),
            timezone: deployed.ScheduleExpressionTimezone,
            enabled: deployed.State === 'ENABLED',
            // Without a StartDate, EventBridge starts a rate when the schedule is written (UpdateSchedule replaces it
            // whole, so the last write counts); handoff sets none.
            rateStart: deployed.StartDate ?? deployed.LastModificationDate ?? deployed.CreationDate,
          }),
        });
      } finally {
        scheduler.destroy();
      }
    },
    async delete(targetId) {
      const scheduler = await input.openScheduler();
      try {
        await assertOwned(scheduler);
        const all = await scheduler.listScheduleNames(group);
        // Chosen by the target id the listing shows, not by the name handoff would give it: `nightly-extra`, made by
        // hand, is not `target-nightly-extra`.
        const chosen = targetId === undefined ? all : all.filter((n) => readTargetId(n) === targetId);
        const changes: ScheduleChange[] = [];
        for (const name of chosen) {
          if (await scheduler.deleteSchedule(group, name)) changes.push({ target_id: readTargetId(name), id: `${group}/${name}`, action: 'deleted' });
        }
        // The group is the task's own: with all of its schedules gone it goes too, so teardown leaves nothing behind (and
        // a deploy that drops the last schedule, one target id at a time, leaves no empty group).
        if (targetId === undefined || changes.length === all.length) await scheduler.deleteScheduleGroup(group);
        return changes;
      } finally {
        scheduler.destroy();
      }
    },
    async checkFiring() {
      return undefined;
    },
  };
}
