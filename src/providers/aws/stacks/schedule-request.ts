// The EventBridge Scheduler CreateSchedule/UpdateSchedule input for one `schedules:` entry (SPEC §8); schedules live outside the stacks.
import { UserError } from '../../../errors.js';
import type { Schedule } from '../../../project/types.js';
import { checkTimeZone } from '../../../schedule/local-time.js';
import type { DeployNames } from '../names.js';
import type { Capacity } from './capacity.js';
import { createExecutionInput } from './state-machine.js';
import { nameOverrides, OVERRIDES_ENV, TRIGGER_ENV } from '../../deploy/run-environment.js';

/** Scheduler's ECS RunTask parameters (its own field spellings: `awsvpcConfiguration`, `capacityProvider`). */
export interface ScheduleEcsParameters {
  TaskDefinitionArn: string;
  TaskCount: 1;
  LaunchType?: 'FARGATE';
  CapacityProviderStrategy?: { capacityProvider: string; weight: number }[];
  PlatformVersion: string;
  NetworkConfiguration: { awsvpcConfiguration: { Subnets: string[]; SecurityGroups: string[]; AssignPublicIp: 'ENABLED' | 'DISABLED' } };
  /** The run carries the task definition's tags, as runs of the state machine and `cloud run` do. */
  PropagateTags: 'TASK_DEFINITION';
  EnableECSManagedTags: true;
}

/** The fields of EventBridge Scheduler's CreateSchedule (and UpdateSchedule) request that handoff sets. */
export interface ScheduleRequest {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  FlexibleTimeWindow: { Mode: 'OFF' };
  Target: {
    Arn: string;
    RoleArn: string;
    /** JSON: the runner's ExecutionInput, or for an ECS target the RunTask overrides. */
    Input: string;
    EcsParameters?: ScheduleEcsParameters;
  };
}

/**
 * What a schedule starts: the task's Step Functions runner (the default), or, with `platform_config.state_machine:
 * false`, the Fargate task itself, as the original handoff's schedules did.
 */
export type ScheduleTarget =
  | { kind: 'state-machine'; stateMachineArn: string; roleArn: string }
  | {
      kind: 'ecs';
      clusterArn: string;
      taskDefinitionArn: string;
      roleArn: string;
      subnets: string[];
      securityGroups: string[];
      assignPublicIp: 'ENABLED' | 'DISABLED';
      capacity: Capacity;
      platformVersion: string;
    };

// Scheduler's Description is at most 512 characters (CreateSchedule API).
const MAX_DESCRIPTION = 512;
// Scheduler's Target.Input is at most 8192 characters (CreateSchedule API, Target.Input).
const MAX_INPUT = 8192;

/**
 * Builds the request for `schedule`. `expression` is the AWS form (`cron(0 0 * * ? *)`, `rate(1 hour)`, `at(…)`),
 * produced by src/schedule from `schedule.cron`. The run gets HO_STAGE, `__VARS` (empty unless the schedule sets
 * it), the schedule's envs and HANDOFF_TRIGGER=schedule as container environment; Scheduler fires exactly on time (flexible window off).
 */
export function createScheduleRequest(names: DeployNames, schedule: Schedule, target: ScheduleTarget & { expression: string }): ScheduleRequest {
  if (!/^(cron|rate|at)\(.+\)$/.test(target.expression)) {
    throw new UserError(`schedule expression "${target.expression}" of target_id ${schedule.target_id} is not an AWS schedule expression`, {
      fix: 'pass cron(...), rate(...) or at(...)',
      diagnostics: [{ severity: 'error', message: 'not an AWS schedule expression', path: schedule.path }],
    });
  }
  const env = new Map<string, string>([
    ['HO_STAGE', names.stage],
    ['__VARS', ''],
  ]);
  for (const e of schedule.envs) {
    if (e.key === 'HO_STAGE' && e.value !== names.stage) {
      const fix = `remove HO_STAGE from the schedule's envs; the stage is the one deployed (-s ${names.stage})`;
      throw new UserError(`schedule target_id ${schedule.target_id} sets HO_STAGE=${e.value}, but the task is deployed for stage ${names.stage}`, {
        fix,
        diagnostics: [{ severity: 'error', message: 'HO_STAGE contradicts the deployed stage', path: `${schedule.path}.envs`, hint: fix }],
      });
    }
    env.set(e.key, e.value);
  }
  env.delete(TRIGGER_ENV);
  env.delete(OVERRIDES_ENV);
  const overrides = nameOverrides(env.keys());
  if (overrides !== undefined) env.set(OVERRIDES_ENV, overrides);
  env.set(TRIGGER_ENV, 'schedule');
  const pairs = [...env].map(([key, value]) => ({ key, value }));
  const input = JSON.stringify(
    target.kind === 'state-machine'
      ? createExecutionInput(pairs)
      : { containerOverrides: [{ name: names.containerName, environment: pairs.map((p) => ({ name: p.key, value: p.value })) }] },
  );
  if (input.length > MAX_INPUT) {
    throw new UserError(`the envs of schedule target_id ${schedule.target_id} are ${input.length} characters as Scheduler input; it allows ${MAX_INPUT}`, {
      fix: 'move long values into files/ or secrets',
      diagnostics: [{ severity: 'error', message: 'schedule envs too long', path: `${schedule.path}.envs` }],
    });
  }
  const request: ScheduleRequest = {
    Name: names.scheduleName(schedule.target_id),
    GroupName: names.scheduleGroup,
    ScheduleExpression: target.expression,
    State: schedule.enabled ? 'ENABLED' : 'DISABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target:
      target.kind === 'state-machine'
        ? { Arn: target.stateMachineArn, RoleArn: target.roleArn, Input: input }
        : { Arn: target.clusterArn, RoleArn: target.roleArn, Input: input, EcsParameters: createEcsParameters(target) },
  };
  // The zone's canonical IANA name (`europe/paris` is Europe/Paris): what validate and `schedule list` computed with.
  if (schedule.timezone) request.ScheduleExpressionTimezone = checkTimeZone(schedule.timezone);
  if (schedule.description !== undefined && schedule.description.length > MAX_DESCRIPTION) {
    const fix = `shorten the description to ${MAX_DESCRIPTION} characters`;
    throw new UserError(`the description of schedule target_id ${schedule.target_id} has ${schedule.description.length} characters; EventBridge Scheduler allows ${MAX_DESCRIPTION}`, {
      fix,
      diagnostics: [{ severity: 'error', message: 'schedule description too long', path: `${schedule.path}.description`, hint: fix }],
    });
  }
  const description = schedule.description ?? schedule.name;
  if (description) request.Description = description.slice(0, MAX_DESCRIPTION);
  return request;
}

function createEcsParameters(target: Extract<ScheduleTarget, { kind: 'ecs' }>): ScheduleEcsParameters {
  return {
    TaskDefinitionArn: target.taskDefinitionArn,
    TaskCount: 1,
    ...(target.capacity.kind === 'launch-type'
      ? { LaunchType: 'FARGATE' as const }
      : { CapacityProviderStrategy: target.capacity.strategy.map((s) => ({ capacityProvider: s.capacityProvider, weight: s.weight })) }),
    PlatformVersion: target.platformVersion,
    NetworkConfiguration: { awsvpcConfiguration: { Subnets: target.subnets, SecurityGroups: target.securityGroups, AssignPublicIp: target.assignPublicIp } },
    PropagateTags: 'TASK_DEFINITION',
    EnableECSManagedTags: true,
  };
}
