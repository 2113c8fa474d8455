// The Step Functions runner: starts the task's Fargate container with `ecs:runTask.sync`, retries it, and times it out.
import { UserError } from '../../../errors.js';
import type { Deploy, PlatformConfig } from '../../../project/types.js';
import type { DeployNames } from '../names.js';
import type { Capacity } from './capacity.js';
import { sub, type Resource, type Tag, type Value } from './template.js';

export interface RetrySettings {
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
}

export interface RunnerSettings {
  retry: RetrySettings;
  /** Whole-execution limit; an execution over it ends as TimedOut (and the ExecutionsTimedOut alarm fires). */
  timeoutSeconds: number;
  platformVersion: string;
}

// Defaults of the original handoff's platform_config.
export const DEFAULT_RETRY_INTERVAL_SECONDS = 60;
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_BACKOFF_RATE = 2;
export const DEFAULT_STATE_MACHINE_TIMEOUT_SECONDS = 43200;
// A standard workflow execution can run for at most one year.
const MAX_TIMEOUT_SECONDS = 31_536_000;
// ASL's upper bound for IntervalSeconds and MaxAttempts.
const ASL_MAX_INTEGER = 99_999_999;

/** The placeholders the definition carries; createTaskStack fills each with `Fn::Sub` variables. */
export type DefinitionPlaceholder = 'ClusterArn' | 'TaskDefinitionArn' | 'Subnets' | 'SecurityGroups' | 'AssignPublicIp';

interface RunTaskState {
  Type: 'Task';
  Comment: string;
  Resource: string;
  Parameters: Record<string, unknown>;
  Retry: { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number }[];
  End: true;
}

interface ChoiceState {
  Type: 'Choice';
  Comment: string;
  Choices: { Variable: string; IsPresent: boolean; Next: string }[];
  Default: string;
}

/** An Amazon States Language document (only the parts the runner uses). */
export interface StateMachineDefinition {
  Comment: string;
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, RunTaskState | ChoiceState>;
}

/** What an execution of the runner takes: the container's environment overrides, in ECS's Name/Value form. */
export interface ExecutionInput {
  Environment: { Name: string; Value: string }[];
}

export interface StateMachineProps {
  StateMachineName: string;
  StateMachineType: 'STANDARD';
  RoleArn: Value;
  DefinitionString: Value;
  Tags: Tag[];
}

/** Reads `platform_config` and `deploy.platform_version` with defaults, rejecting values Step Functions or ECS refuse. */
export function resolveRunnerSettings(deploy: Pick<Deploy, 'platform_config' | 'platform_version'>): RunnerSettings {
  const config: PlatformConfig = deploy.platform_config ?? {};
  const intervalSeconds = config.retry_interval ?? DEFAULT_RETRY_INTERVAL_SECONDS;
  const maxAttempts = config.max_retries ?? DEFAULT_MAX_RETRIES;
  const backoffRate = config.backoff_rate ?? DEFAULT_BACKOFF_RATE;
  const timeoutSeconds = config.state_machine_timeout ?? DEFAULT_STATE_MACHINE_TIMEOUT_SECONDS;
  checkInteger(intervalSeconds, 1, ASL_MAX_INTEGER, 'deploy.platform_config.retry_interval', 'seconds between retries');
  checkInteger(maxAttempts, 0, ASL_MAX_INTEGER, 'deploy.platform_config.max_retries', 'retries after a failed run');
  checkInteger(timeoutSeconds, 1, MAX_TIMEOUT_SECONDS, 'deploy.platform_config.state_machine_timeout', 'seconds a whole run (with retries) may take');
  if (typeof backoffRate !== 'number' || !Number.isFinite(backoffRate) || backoffRate < 1) {
    throw settingError(`deploy.platform_config.backoff_rate ${backoffRate} is below 1`, 'deploy.platform_config.backoff_rate', 'use a number of at least 1 (each retry waits backoff_rate times longer)');
  }
  const platformVersion = deploy.platform_version ?? 'LATEST';
  if (!/^(LATEST|\d+\.\d+\.\d+)$/.test(platformVersion)) {
    throw settingError(`deploy.platform_version "${platformVersion}" is not a Fargate platform version`, 'deploy.platform_version', 'use LATEST or a version such as 1.4.0');
  }
  return {
    retry: { intervalSeconds, maxAttempts, backoffRate },
    timeoutSeconds,
    platformVersion,
  };
}

/**
 * The runner's definition. A Choice first checks whether the execution input carries `Environment` (schedules and
 * `cloud run` always send it): with it, the container gets those overrides; without it (a bare "Start execution" in the
 * console), the container runs with its task definition's environment instead of failing on a missing input path.
 * Every failure of the ECS task (a non-zero exit code of the essential container, a failure to start) is retried.
 */
export function createStateMachineDefinition(names: DeployNames, settings: RunnerSettings, capacity: Capacity): StateMachineDefinition {
  const runTask = (withEnvironment: boolean): RunTaskState => {
    const parameters: Record<string, unknown> = {
      ...(capacity.kind === 'launch-type'
        ? { LaunchType: 'FARGATE' }
        : { CapacityProviderStrategy: capacity.strategy.map((s) => ({ CapacityProvider: s.capacityProvider, Weight: s.weight })) }),
      PlatformVersion: settings.platformVersion,
      Cluster: placeholder('ClusterArn'),
      TaskDefinition: placeholder('TaskDefinitionArn'),
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          // Filled with `a","b` so that, inside the JSON string, the one-element list becomes ["a","b"].
          Subnets: [placeholder('Subnets')],
          SecurityGroups: [placeholder('SecurityGroups')],
          AssignPublicIp: placeholder('AssignPublicIp'),
        },
      },
      // The run carries the task definition's tags (handoff:resource-group, …): the deploy role may stop only those.
      PropagateTags: 'TASK_DEFINITION',
    };
    if (withEnvironment) {
      parameters.Overrides = { ContainerOverrides: [{ Name: names.containerName, 'Environment.$': '$.Environment' }] };
    }
    return {
      Type: 'Task',
      Comment: withEnvironment ? 'Run the container with the environment of the execution input' : 'Run the container as defined',
      Resource: 'arn:${AWS::Partition}:states:::ecs:runTask.sync',
      Parameters: parameters,
      Retry: [
        {
          ErrorEquals: ['States.ALL'],
          IntervalSeconds: settings.retry.intervalSeconds,
          MaxAttempts: settings.retry.maxAttempts,
          BackoffRate: settings.retry.backoffRate,
        },
      ],
      End: true,
    };
  };
  return {
    Comment: `handoff runner of ${names.resourceGroup}/${names.task}`,
    StartAt: 'CheckInput',
    TimeoutSeconds: settings.timeoutSeconds,
    States: {
      CheckInput: {
        Type: 'Choice',
        Comment: 'Use the execution input environment when there is one',
        Choices: [{ Variable: '$.Environment', IsPresent: true, Next: 'RunFargateTaskWithEnvironment' }],
        Default: 'RunFargateTask',
      },
      RunFargateTaskWithEnvironment: runTask(true),
      RunFargateTask: runTask(false),
    },
  };
}

/**
 * The state machine resource. The definition is a JSON string run through `Fn::Sub`, so the cluster, task definition,
 * subnets and security groups resolve at deploy time (moto, used in integration tests, reads only DefinitionString).
 */
export function createStateMachine(input: {
  names: DeployNames;
  definition: StateMachineDefinition;
  roleArn: Value;
  substitutions: Record<DefinitionPlaceholder, Value>;
  tags: Tag[];
}): Resource<'AWS::StepFunctions::StateMachine', StateMachineProps> {
  return {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: {
      StateMachineName: input.names.stateMachine,
      StateMachineType: 'STANDARD',
      RoleArn: input.roleArn,
      DefinitionString: sub(JSON.stringify(input.definition), input.substitutions),
      Tags: input.tags,
    },
  };
}

/** The execution input for the runner: the container environment as ECS overrides, in the order given. */
export function createExecutionInput(env: { key: string; value: string }[]): ExecutionInput {
  return { Environment: env.map((e) => ({ Name: e.key, Value: e.value })) };
}

function placeholder(name: DefinitionPlaceholder): string {
  return `\${${name}}`;
}

function checkInteger(value: unknown, min: number, max: number, path: string, what: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw settingError(`${path} ${String(value)} is not valid`, path, `use a whole number of ${what} from ${min} to ${max}`);
  }
}

function settingError(message: string, path: string, fix: string): UserError {
  return new UserError(message, { fix, diagnostics: [{ severity: 'error', message, path, hint: fix }] });
}
