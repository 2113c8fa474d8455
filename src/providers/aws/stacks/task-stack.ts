// The `handoff-<RG>-<task>` stack: logs, metric filters, Fargate task definition, task role, runner and alarms (SPEC §8).
import { ProblemCollector, UserError, type Diagnostic } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';
import { validateFargateSize } from '../fargate-sizes.js';
import type { DeployNames } from '../names.js';
import { createAlarmTopic, createAlarmTopicPolicy, createEmailSubscription, createLogMetricAlarm, createStateMachineAlarm, createTaskStoppedRule, validateAlarmEmail } from './alarms.js';
import { resolveCapacity } from './capacity.js';
import { createLogGroup, createMetricFilter, HANDOFF_LOG_METRICS, validateLogRetentionDays } from './logs.js';
import { validateUserPolicy } from './policy-document.js';
import { checkRoleArn } from './resource-group-settings.js';
import { createPassTaskRolePolicy, createTaskRole } from './roles.js';
import { createStateMachine, createStateMachineDefinition, resolveRunnerSettings } from './state-machine.js';
import { createTagMap, toTagList, validateUserTags } from './tags.js';
import { createEcsTaskDefinition, type KeyValuePair } from './task-definition.js';
import type { TaskDefinitionOverride } from './task-definition-override.js';
import { createTemplate, getAtt, importValue, join, ref, split, type Output, type Resource, type Template, type Value } from './template.js';

/** The `deploy` keys the task stack reads. */
export type TaskStackDeploy = Pick<
  Deploy,
  | 'cpu'
  | 'memory'
  | 'storage'
  | 'platform_config'
  | 'alarm_email'
  | 'platform_version'
  | 'log_retention_days'
  | 'task_policy'
  | 'task_role_arn'
  | 'task_definition'
  | 'capacity_provider'
  | 'capacity_provider_weights'
  | 'tags'
>;

export interface TaskStackInput {
  /** Full image reference, e.g. names.ecrImageUri('0.3'). */
  imageUri: string;
  /** Extra environment of the container, baked into the task definition. Never secrets: they are read from SSM at run time. */
  envs?: { key: string; value: string }[];
  /** The policy document in the file `deploy.task_policy` names, already read and parsed by the caller. */
  taskPolicy?: unknown;
  /** The file `deploy.task_definition` names, already read and checked (parseTaskDefinitionOverride). */
  taskDefinition?: TaskDefinitionOverride;
  /**
   * `stack` (default): the log group is a resource of this stack. `kept`: a group of the same name outlived an earlier
   * stack (DeletionPolicy Retain), so this stack uses it by name instead of failing to create it again.
   */
  logGroup?: 'stack' | 'kept';
}

/** The runner settings that only a state machine reads: with `state_machine: false` they would be silently ignored. */
const STATE_MACHINE_ONLY = ['state_machine_timeout', 'retry_interval', 'max_retries', 'backoff_rate'] as const;

/** Whether scheduled runs go through the Step Functions runner (the default) or start the Fargate task directly. */
export function usesStateMachine(deploy: Pick<Deploy, 'platform_config'>): boolean {
  return deploy.platform_config?.state_machine !== false;
}

/**
 * Builds the task stack. Everything the user controls is checked before any resource is built (Fargate size first),
 * so a bad value fails with a UserError instead of a half-applied change set; every bad key is reported at once.
 */
export function createTaskStack(names: DeployNames, deploy: TaskStackDeploy, input: TaskStackInput): Template {
  const problems = new ProblemCollector();
  const size = problems.check(() => validateFargateSize({ cpu: deploy.cpu, memory: deploy.memory, storage: deploy.storage }));
  const retentionDays = problems.check(() => validateLogRetentionDays(deploy.log_retention_days));
  const stateMachine = usesStateMachine(deploy);
  problems.check(() => checkPlatformConfig(deploy, stateMachine));
  const settings = problems.check(() => resolveRunnerSettings(deploy));
  const capacity = problems.check(() => resolveCapacity(deploy));
  problems.check(() => checkRoleArn(deploy.task_role_arn, 'deploy.task_role_arn'));
  const userTags = problems.check(() => validateUserTags(deploy.tags));
  if (deploy.alarm_email) problems.check(() => validateAlarmEmail(deploy.alarm_email!));
  let taskPolicy: Record<string, unknown> | undefined;
  if (input.taskPolicy !== undefined) {
    taskPolicy = problems.check(() => validateUserPolicy(input.taskPolicy, deploy.task_policy ? `deploy.task_policy (${deploy.task_policy})` : 'deploy.task_policy'));
  }
  problems.throwIfAny();
  const tagged = toTagList(createTagMap(names, userTags!, 'task'));
  if (!/^\S+$/.test(input.imageUri)) {
    throw new UserError(`container image "${input.imageUri}" is not an image reference`, { fix: 'build and push the image first (handoff container build, container push)' });
  }
  if (input.taskPolicy === undefined && deploy.task_policy) {
    throw new UserError(`deploy.task_policy names ${deploy.task_policy} but its policy was not passed in`, { fix: 'read and parse the policy file before building the task stack' });
  }
  if (deploy.task_definition && input.taskDefinition === undefined) {
    throw new UserError(`deploy.task_definition names ${deploy.task_definition} but it was not passed in`, { fix: 'read and check the file before building the task stack' });
  }
  const environment = createContainerEnvironment(names, input.envs ?? []);

  const e = names.exports;
  const resources: Record<string, Resource> = {};
  const kept = input.logGroup === 'kept';
  if (!kept) resources.LogGroup = createLogGroup({ name: names.logGroup, retentionDays: retentionDays!, tags: tagged });
  const logGroupName: Value = kept ? names.logGroup : ref('LogGroup');
  for (const metric of HANDOFF_LOG_METRICS) {
    resources[metric.logicalId] = createMetricFilter({ logGroupName, pattern: metric.pattern, namespace: names.metricNamespace, metricName: metric.metricName });
  }
  let taskRoleArn: Value;
  if (deploy.task_role_arn !== undefined) {
    taskRoleArn = deploy.task_role_arn;
    resources.PassTaskRolePolicy = createPassTaskRolePolicy(names, deploy.task_role_arn);
  } else {
    resources.TaskRole = createTaskRole(names, { taskPolicy, tags: tagged });
    taskRoleArn = getAtt('TaskRole', 'Arn');
  }
  resources.TaskDefinition = createEcsTaskDefinition({
    names,
    size: size!,
    imageUri: input.imageUri,
    executionRoleArn: importValue(e.executionRoleArn),
    taskRoleArn,
    logGroupName,
    environment,
    override: input.taskDefinition,
    tags: tagged,
  });
  if (stateMachine) {
    resources.StateMachine = createStateMachine({
      names,
      definition: createStateMachineDefinition(names, settings!, capacity!),
      roleArn: importValue(e.runnerRoleArn),
      substitutions: {
        ClusterArn: importValue(e.clusterArn),
        TaskDefinitionArn: ref('TaskDefinition'),
        // The exports are comma-separated ids; joined with `","` they fill `["${Subnets}"]` as a JSON list of strings.
        Subnets: join('","', split(',', importValue(e.subnets))),
        SecurityGroups: join('","', split(',', importValue(e.securityGroups))),
        AssignPublicIp: importValue(e.assignPublicIp),
      },
      tags: tagged,
    });
  }
  resources.AlarmTopic = createAlarmTopic(names.alarmTopic, `handoff ${names.resourceGroup}/${names.task}`, tagged);
  if (deploy.alarm_email) resources.AlarmEmailSubscription = createEmailSubscription('AlarmTopic', deploy.alarm_email);
  const what = `handoff task ${names.resourceGroup}/${names.task}`;
  // From the container's log: every run, whether a schedule, the runner or `cloud run` started it.
  for (const metric of HANDOFF_LOG_METRICS.filter((m) => m.alarm !== undefined)) {
    const failed = metric.alarm === 'failed';
    resources[failed ? 'TaskFailedAlarm' : 'TaskTimedOutAlarm'] = createLogMetricAlarm({
      name: failed ? names.taskFailedAlarm : names.taskTimedOutAlarm,
      description: failed ? `A task of a run of ${what} ended with a non-zero exit code` : `A command, task or run of ${what} timed out`,
      namespace: names.metricNamespace,
      metric: metric.metricName,
      topicLogicalId: 'AlarmTopic',
      tags: tagged,
    });
  }
  // From ECS: every run that stopped with a failed container or never started, whoever started it.
  resources.TaskStoppedRule = createTaskStoppedRule({
    name: names.taskStoppedRule,
    family: names.taskDefinitionFamily,
    description: `${what}: a run failed`,
    topicLogicalId: 'AlarmTopic',
  });
  resources.AlarmTopicPolicy = createAlarmTopicPolicy('AlarmTopic', 'TaskStoppedRule');
  if (stateMachine) {
    // From the runner: a scheduled run that failed after its retries, also when its container never got to log.
    resources.ExecutionsFailedAlarm = createStateMachineAlarm({
      name: names.executionsFailedAlarm,
      description: `A run of ${what} failed after its retries`,
      metric: 'ExecutionsFailed',
      stateMachineArn: ref('StateMachine'),
      topicLogicalId: 'AlarmTopic',
      tags: tagged,
    });
    resources.ExecutionsTimedOutAlarm = createStateMachineAlarm({
      name: names.executionsTimedOutAlarm,
      description: `A run of ${what} took longer than ${settings!.timeoutSeconds} seconds`,
      metric: 'ExecutionsTimedOut',
      stateMachineArn: ref('StateMachine'),
      topicLogicalId: 'AlarmTopic',
      tags: tagged,
    });
  }

  const outputs: Record<string, Output> = {};
  if (stateMachine) outputs.StateMachineArn = { Description: 'runner state machine ARN (schedules start it)', Value: ref('StateMachine') };
  outputs.TaskDefinitionArn = { Description: 'ECS task definition ARN with revision', Value: ref('TaskDefinition') };
  outputs.TaskRoleArn = { Description: 'role the container runs as', Value: taskRoleArn };
  outputs.LogGroupName = { Description: 'CloudWatch log group of the container (kept when the stack is deleted)', Value: logGroupName };
  outputs.AlarmTopicArn = { Description: 'SNS topic of the alarms', Value: ref('AlarmTopic') };
  const runner = stateMachine ? 'runner' : 'no runner (schedules start the task directly)';
  return createTemplate({
    description: `handoff task ${names.task} of resource group ${names.resourceGroup}: Fargate task, ${runner}, logs and alarms`,
    resources,
    outputs,
  });
}

/** Refuses settings that would be accepted and then do nothing (SPEC: nothing accepted may be ignored). */
function checkPlatformConfig(deploy: TaskStackDeploy, stateMachine: boolean): void {
  const problems: Diagnostic[] = [];
  if (!stateMachine) {
    for (const key of STATE_MACHINE_ONLY) {
      if (deploy.platform_config?.[key] !== undefined) {
        problems.push({
          severity: 'error',
          message: `deploy.platform_config.${key} configures the state machine, but state_machine is false`,
          path: `deploy.platform_config.${key}`,
          hint: `remove ${key}, or set state_machine: true`,
        });
      }
    }
  }
  if (deploy.task_role_arn !== undefined && deploy.task_policy !== undefined) {
    problems.push({
      severity: 'error',
      message: 'deploy.task_policy is added to the task role handoff makes, but deploy.task_role_arn replaces that role',
      path: 'deploy.task_policy',
      hint: 'put the policy on your role, and remove task_policy',
    });
  }
  checkRoleArn(deploy.platform_config?.role_arn, 'deploy.platform_config.role_arn');
  if (problems.length > 0) throw new UserError(problems[0]!.message, { fix: problems[0]!.hint, diagnostics: problems });
}

/** `HO_STAGE` (the entry point's `-s $HO_STAGE`) first, then the caller's envs; envs may not change the stage. */
function createContainerEnvironment(names: DeployNames, envs: { key: string; value: string }[]): KeyValuePair[] {
  const environment: KeyValuePair[] = [{ Name: 'HO_STAGE', Value: names.stage }];
  for (const env of envs) {
    if (env.key === 'HO_STAGE') {
      if (env.value !== names.stage) {
        throw new UserError(`environment HO_STAGE=${env.value} contradicts the stage being deployed (${names.stage})`, { fix: `deploy with -s ${env.value}, or drop HO_STAGE from the envs` });
      }
      continue;
    }
    environment.push({ Name: env.key, Value: env.value });
  }
  return environment;
}
