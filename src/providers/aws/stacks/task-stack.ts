// The `handoff-<RG>-<task>` stack: logs, metric filters, Fargate task definition, task role, runner and alarms (SPEC §8).
import { UserError } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';
import { validateFargateSize } from '../fargate-sizes.js';
import type { DeployNames } from '../names.js';
import { createAlarmTopic, createEmailSubscription, createStateMachineAlarm } from './alarms.js';
import { createLogGroup, createMetricFilter, HANDOFF_LOG_METRICS, validateLogRetentionDays } from './logs.js';
import { validateUserPolicy } from './policy-document.js';
import { createTaskRole } from './roles.js';
import { createStateMachine, createStateMachineDefinition, resolveRunnerSettings } from './state-machine.js';
import { createEcsTaskDefinition, type KeyValuePair } from './task-definition.js';
import { createTemplate, getAtt, importValue, join, ref, split, type Resource, type Template } from './template.js';

/** The `deploy` keys the task stack reads. */
export type TaskStackDeploy = Pick<
  Deploy,
  'cpu' | 'memory' | 'storage' | 'platform_config' | 'alarm_email' | 'assign_public_ip' | 'platform_version' | 'log_retention_days' | 'task_policy'
>;

export interface TaskStackInput {
  /** Full image reference, e.g. names.ecrImageUri('0.3'). */
  imageUri: string;
  /** Extra environment of the container, baked into the task definition. Never secrets: they are read from SSM at run time. */
  envs?: { key: string; value: string }[];
  /** The policy document in the file `deploy.task_policy` names, already read and parsed by the caller. */
  taskPolicy?: unknown;
}

/**
 * Builds the task stack. Everything the user controls is checked before any resource is built (Fargate size first),
 * so a bad value fails with a UserError instead of a half-applied change set.
 */
export function createTaskStack(names: DeployNames, deploy: TaskStackDeploy, input: TaskStackInput): Template {
  const size = validateFargateSize({ cpu: deploy.cpu, memory: deploy.memory, storage: deploy.storage });
  const retentionDays = validateLogRetentionDays(deploy.log_retention_days);
  const settings = resolveRunnerSettings(deploy);
  if (!/^\S+$/.test(input.imageUri)) {
    throw new UserError(`container image "${input.imageUri}" is not an image reference`, { fix: 'build and push the image first (handoff container build, container push)' });
  }
  let taskPolicy: Record<string, unknown> | undefined;
  if (input.taskPolicy !== undefined) {
    taskPolicy = validateUserPolicy(input.taskPolicy, deploy.task_policy ? `deploy.task_policy (${deploy.task_policy})` : 'deploy.task_policy');
  } else if (deploy.task_policy) {
    throw new UserError(`deploy.task_policy names ${deploy.task_policy} but its policy was not passed in`, { fix: 'read and parse the policy file before building the task stack' });
  }
  const environment = createContainerEnvironment(names, input.envs ?? []);

  const e = names.exports;
  const resources: Record<string, Resource> = {};
  resources.LogGroup = createLogGroup({ name: names.logGroup, retentionDays });
  for (const metric of HANDOFF_LOG_METRICS) {
    resources[metric.logicalId] = createMetricFilter({
      logGroupLogicalId: 'LogGroup',
      pattern: metric.pattern,
      namespace: names.metricNamespace,
      metricName: metric.metricName,
    });
  }
  resources.TaskRole = createTaskRole(names, taskPolicy);
  resources.TaskDefinition = createEcsTaskDefinition({
    names,
    size,
    imageUri: input.imageUri,
    executionRoleArn: importValue(e.executionRoleArn),
    taskRoleArn: getAtt('TaskRole', 'Arn'),
    logGroupLogicalId: 'LogGroup',
    environment,
  });
  resources.StateMachine = createStateMachine({
    names,
    definition: createStateMachineDefinition(names, settings),
    roleArn: importValue(e.runnerRoleArn),
    substitutions: {
      ClusterArn: importValue(e.clusterArn),
      TaskDefinitionArn: ref('TaskDefinition'),
      // The exports are comma-separated ids; joined with `","` they fill `["${Subnets}"]` as a JSON list of strings.
      Subnets: join('","', split(',', importValue(e.subnets))),
      SecurityGroups: join('","', split(',', importValue(e.securityGroups))),
    },
  });
  resources.AlarmTopic = createAlarmTopic(names.alarmTopic, `handoff ${names.resourceGroup}/${names.task}`);
  if (deploy.alarm_email) resources.AlarmEmailSubscription = createEmailSubscription('AlarmTopic', deploy.alarm_email);
  resources.ExecutionsFailedAlarm = createStateMachineAlarm({
    name: names.executionsFailedAlarm,
    description: `A run of handoff task ${names.resourceGroup}/${names.task} failed after its retries`,
    metric: 'ExecutionsFailed',
    stateMachineArn: ref('StateMachine'),
    topicLogicalId: 'AlarmTopic',
  });
  resources.ExecutionsTimedOutAlarm = createStateMachineAlarm({
    name: names.executionsTimedOutAlarm,
    description: `A run of handoff task ${names.resourceGroup}/${names.task} took longer than ${settings.timeoutSeconds} seconds`,
    metric: 'ExecutionsTimedOut',
    stateMachineArn: ref('StateMachine'),
    topicLogicalId: 'AlarmTopic',
  });

  return createTemplate({
    description: `handoff task ${names.task} of resource group ${names.resourceGroup}: Fargate task, runner, logs and alarms`,
    resources,
    outputs: {
      StateMachineArn: { Description: 'runner state machine ARN (schedules and cloud run start it)', Value: ref('StateMachine') },
      TaskDefinitionArn: { Description: 'ECS task definition ARN with revision', Value: ref('TaskDefinition') },
      TaskRoleArn: { Description: 'role the container runs as', Value: getAtt('TaskRole', 'Arn') },
      LogGroupName: { Description: 'CloudWatch log group of the container', Value: ref('LogGroup') },
      AlarmTopicArn: { Description: 'SNS topic of the alarms', Value: ref('AlarmTopic') },
    },
  });
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
