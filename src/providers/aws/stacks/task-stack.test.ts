// Tests of the task stack: task role scope, runner retry/timeout, Fargate sizing, alarms and validation order.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../errors.js';
import { createDeployNames } from '../names.js';
import type { PolicyDocument } from './policy-document.js';
import type { RoleProps } from './roles.js';
import type { StateMachineDefinition, StateMachineProps } from './state-machine.js';
import { createTaskStack } from './task-stack.js';
import type { TaskDefinitionProps } from './task-definition.js';
import type { Template } from './template.js';

const names = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });
const imageUri = names.ecrImageUri('0.1');

function propsOf<T>(template: Template, logicalId: string): T {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return resource.Properties as T;
}

function readDefinition(template: Template): StateMachineDefinition {
  const sub = propsOf<StateMachineProps>(template, 'StateMachine').DefinitionString as { 'Fn::Sub': [string, Record<string, unknown>] };
  return JSON.parse(sub['Fn::Sub'][0]) as StateMachineDefinition;
}

describe('createTaskStack', () => {
  it('limits the task role to its own bucket prefix and its own SSM paths, writing only artifacts/ and runs/', () => {
    const role = propsOf<RoleProps>(createTaskStack(names, {}, { imageUri }), 'TaskRole');
    expect(role.RoleName).toBe('handoff-dev-etl-use1-wordcount-task');
    expect(role.Path).toBe('/handoff/dev-etl/');
    expect(role.PermissionsBoundary).toBe('arn:aws:iam::123456789012:policy/handoff/handoff-permissions-boundary');
    expect(role.Policies).toHaveLength(1);
    const statements = (role.Policies![0]!.PolicyDocument as PolicyDocument).Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid)).toEqual(['ListOwnPrefix', 'ReadOwnPrefix', 'WriteOwnArtifactsAndRuns', 'DeleteOwnStopRecords', 'ReadOwnSecrets', 'ReadResourceGroupSecrets']);

    expect(bySid.ListOwnPrefix!.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::handoff-dev-etl-f0cc306f' });
    expect(bySid.ListOwnPrefix!.Condition).toEqual({ StringLike: { 's3:prefix': ['wordcount/*'] } });
    expect(bySid.ReadOwnPrefix!).toMatchObject({ Action: 's3:GetObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::handoff-dev-etl-f0cc306f/wordcount/*' } });
    // project.yml and files/ (which the next run fetches and executes) are read-only to the run.
    expect(bySid.WriteOwnArtifactsAndRuns!.Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::handoff-dev-etl-f0cc306f/wordcount/artifacts/*' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::handoff-dev-etl-f0cc306f/wordcount/runs/*' },
    ]);
    const writes = statements.filter((s) => JSON.stringify(s.Action).match(/s3:(Put|Delete)/));
    expect(writes.map((s) => s.Sid)).toEqual(['WriteOwnArtifactsAndRuns', 'DeleteOwnStopRecords']);
    // The record of a user's stop is only deleted (read once by the stopped run), never written, by the run.
    expect(bySid.DeleteOwnStopRecords!).toMatchObject({ Action: 's3:DeleteObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::handoff-dev-etl-f0cc306f/wordcount/stops/*' } });
    expect(bySid.ReadOwnSecrets!.Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/handoff/dev-etl/wordcount' },
      { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/handoff/dev-etl/wordcount/*' },
    ]);
    // Group-level secrets: only a non-recursive listing of /handoff/dev-etl, never another task's path.
    expect(bySid.ReadResourceGroupSecrets!.Action).toBe('ssm:GetParametersByPath');
    expect(bySid.ReadResourceGroupSecrets!.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/handoff/dev-etl' });
    expect(bySid.ReadResourceGroupSecrets!.Condition).toEqual({ StringEquals: { 'ssm:Recursive': 'false' } });

    // No statement grants anything outside those ARNs (e.g. no `*`, no whole-bucket object access).
    const everything = JSON.stringify(statements);
    expect(everything).not.toMatch(/"Resource":"\*"/);
    expect(everything).not.toContain('f0cc306f/*');
    expect(everything).not.toContain('parameter/handoff/dev-etl/*');
  });

  it('attaches deploy.task_policy as an extra policy and rejects one that is not a policy', () => {
    const taskPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::raw/*' }] };
    const role = propsOf<RoleProps>(createTaskStack(names, { task_policy: 'policy.json' }, { imageUri, taskPolicy }), 'TaskRole');
    expect(role.Policies!.map((p) => p.PolicyName)).toEqual(['handoff-task-access', 'project-task-policy']);
    expect(role.Policies![1]!.PolicyDocument).toEqual(taskPolicy);

    expect(() => createTaskStack(names, { task_policy: 'policy.json' }, { imageUri, taskPolicy: { Statement: [{ Action: 's3:*' }] } })).toThrow(
      /deploy.task_policy \(policy.json\): Statement\[0\] needs "Effect"/,
    );
    expect(() => createTaskStack(names, { task_policy: 'policy.json' }, { imageUri, taskPolicy: [] })).toThrow(/not a JSON object/);
    expect(() => createTaskStack(names, { task_policy: 'policy.json' }, { imageUri })).toThrow(/was not passed in/);
  });

  it('takes Retry and TimeoutSeconds of the runner from platform_config, with the original defaults', () => {
    const defaults = readDefinition(createTaskStack(names, {}, { imageUri }));
    expect(defaults.TimeoutSeconds).toBe(43200);
    const run = defaults.States.RunFargateTaskWithEnvironment as { Retry: unknown; Resource: string; Parameters: Record<string, unknown> };
    expect(run.Retry).toEqual([{ ErrorEquals: ['States.ALL'], IntervalSeconds: 60, MaxAttempts: 2, BackoffRate: 2 }]);
    expect(run.Resource).toBe('arn:${AWS::Partition}:states:::ecs:runTask.sync');
    expect(run.Parameters.LaunchType).toBe('FARGATE');

    const custom = readDefinition(
      createTaskStack(names, { platform_config: { retry_interval: 30, max_retries: 5, backoff_rate: 1.5, state_machine_timeout: 3600 } }, { imageUri }),
    );
    expect(custom.TimeoutSeconds).toBe(3600);
    for (const state of ['RunFargateTaskWithEnvironment', 'RunFargateTask']) {
      expect((custom.States[state] as { Retry: unknown }).Retry).toEqual([{ ErrorEquals: ['States.ALL'], IntervalSeconds: 30, MaxAttempts: 5, BackoffRate: 1.5 }]);
    }
  });

  it('passes the execution input environment to the container only when the input has one', () => {
    const definition = readDefinition(createTaskStack(names, {}, { imageUri }));
    expect(definition.StartAt).toBe('CheckInput');
    expect(definition.States.CheckInput).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.Environment', IsPresent: true, Next: 'RunFargateTaskWithEnvironment' }],
      Default: 'RunFargateTask',
    });
    const withEnv = definition.States.RunFargateTaskWithEnvironment as { Parameters: Record<string, unknown> };
    expect(withEnv.Parameters.Overrides).toEqual({ ContainerOverrides: [{ Name: 'wordcount', 'Environment.$': '$.Environment' }] });
    expect((definition.States.RunFargateTask as { Parameters: Record<string, unknown> }).Parameters.Overrides).toBeUndefined();
  });

  it('takes the public IP setting from the resources stack and platform_version from deploy, defaulting to LATEST', () => {
    const params = (t: Template) => (readDefinition(t).States.RunFargateTask as { Parameters: Record<string, unknown> }).Parameters;
    const defaults = params(createTaskStack(names, {}, { imageUri }));
    expect(defaults.PlatformVersion).toBe('LATEST');
    expect(defaults.NetworkConfiguration).toEqual({
      AwsvpcConfiguration: { Subnets: ['${Subnets}'], SecurityGroups: ['${SecurityGroups}'], AssignPublicIp: '${AssignPublicIp}' },
    });
    expect(defaults.LaunchType).toBe('FARGATE');
    expect(defaults.PropagateTags).toBe('TASK_DEFINITION');
    const custom = params(createTaskStack(names, { platform_version: '1.4.0' }, { imageUri }));
    expect(custom.PlatformVersion).toBe('1.4.0');
    expect(() => createTaskStack(names, { platform_version: 'newest' }, { imageUri })).toThrow(/platform_version/);
  });

  it('fills the definition placeholders from the resources stack exports', () => {
    const sub = propsOf<StateMachineProps>(createTaskStack(names, {}, { imageUri }), 'StateMachine').DefinitionString as { 'Fn::Sub': [string, Record<string, unknown>] };
    expect(sub['Fn::Sub'][1]).toEqual({
      ClusterArn: { 'Fn::ImportValue': 'handoff-dev-etl-resources-ClusterArn' },
      TaskDefinitionArn: { Ref: 'TaskDefinition' },
      Subnets: { 'Fn::Join': ['","', { 'Fn::Split': [',', { 'Fn::ImportValue': 'handoff-dev-etl-resources-Subnets' }] }] },
      SecurityGroups: { 'Fn::Join': ['","', { 'Fn::Split': [',', { 'Fn::ImportValue': 'handoff-dev-etl-resources-SecurityGroups' }] }] },
      AssignPublicIp: { 'Fn::ImportValue': 'handoff-dev-etl-resources-AssignPublicIp' },
    });
    // Every `${…}` in the definition is either a pseudo parameter or one of those variables.
    const used = new Set([...sub['Fn::Sub'][0].matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(['AWS::Partition', 'AssignPublicIp', 'ClusterArn', 'SecurityGroups', 'Subnets', 'TaskDefinitionArn']);
  });

  it('rejects runner settings Step Functions would refuse', () => {
    expect(() => createTaskStack(names, { platform_config: { backoff_rate: 0.5 } }, { imageUri })).toThrow(/backoff_rate/);
    expect(() => createTaskStack(names, { platform_config: { max_retries: -1 } }, { imageUri })).toThrow(/max_retries/);
    expect(() => createTaskStack(names, { platform_config: { retry_interval: 0 } }, { imageUri })).toThrow(/retry_interval/);
    expect(() => createTaskStack(names, { platform_config: { state_machine_timeout: 40_000_000 } }, { imageUri })).toThrow(/state_machine_timeout/);
    expect(createTaskStack(names, { platform_config: { max_retries: 0 } }, { imageUri })).toBeDefined();
  });

  it('sizes the Fargate task from deploy, with ephemeral storage only above 20 GiB', () => {
    const small = propsOf<TaskDefinitionProps>(createTaskStack(names, {}, { imageUri }), 'TaskDefinition');
    expect([small.Cpu, small.Memory, small.ContainerDefinitions[0]!.Memory]).toEqual(['256', '512', 512]);
    expect(small.EphemeralStorage).toBeUndefined();
    expect(small.RequiresCompatibilities).toEqual(['FARGATE']);
    expect(small.NetworkMode).toBe('awsvpc');

    const big = propsOf<TaskDefinitionProps>(createTaskStack(names, { cpu: 4096, memory: 30720, storage: 100 }, { imageUri }), 'TaskDefinition');
    expect([big.Cpu, big.Memory, big.ContainerDefinitions[0]!.Memory]).toEqual(['4096', '30720', 30720]);
    expect(big.EphemeralStorage).toEqual({ SizeInGiB: 100 });
    expect(propsOf<TaskDefinitionProps>(createTaskStack(names, { storage: 20 }, { imageUri }), 'TaskDefinition').EphemeralStorage).toBeUndefined();
  });

  it('checks cpu/memory before building anything, even when other inputs are also wrong', () => {
    // The image reference is invalid too, but the Fargate size is reported first.
    expect(() => createTaskStack(names, { cpu: 256, memory: 4096 }, { imageUri: 'not an image' })).toThrow(/deploy.memory 4096 MiB is not valid with deploy.cpu 256/);
    expect(() => createTaskStack(names, {}, { imageUri: 'not an image' })).toThrow(/not an image reference/);
  });

  it('logs with awslogs to the task log group and sets HO_STAGE and the given envs', () => {
    const container = propsOf<TaskDefinitionProps>(
      createTaskStack(names, {}, { imageUri, envs: [{ key: 'TARGET', value: 'warehouse' }, { key: 'HO_STAGE', value: 'dev' }] }),
      'TaskDefinition',
    ).ContainerDefinitions[0]!;
    expect(container.Image).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/wordcount:0.1');
    expect(container.Environment).toEqual([
      { Name: 'HO_STAGE', Value: 'dev' },
      { Name: 'TARGET', Value: 'warehouse' },
    ]);
    expect(container.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: 'LogGroup' }, 'awslogs-region': { Ref: 'AWS::Region' }, 'awslogs-stream-prefix': 'handoff' },
    });
    expect(() => createTaskStack(names, {}, { imageUri, envs: [{ key: 'HO_STAGE', value: 'prod' }] })).toThrow(UserError);
  });

  it('keeps logs for log_retention_days (30 by default) and rejects values CloudWatch refuses', () => {
    expect(propsOf<{ RetentionInDays: number }>(createTaskStack(names, {}, { imageUri }), 'LogGroup').RetentionInDays).toBe(30);
    expect(propsOf<{ RetentionInDays: number }>(createTaskStack(names, { log_retention_days: 365 }, { imageUri }), 'LogGroup').RetentionInDays).toBe(365);
    expect(() => createTaskStack(names, { log_retention_days: 31 }, { imageUri })).toThrow(/log_retention_days 31/);
  });

  it('counts handoff log phrases with metric filters', () => {
    const template = createTaskStack(names, {}, { imageUri });
    const filters = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Logs::MetricFilter');
    const patterns = filters.map((f) => {
      const p = f.Properties as { FilterPattern: string; MetricTransformations: { MetricName: string; MetricNamespace: string }[] };
      expect(p.MetricTransformations[0]!.MetricNamespace).toBe('handoff/dev-etl/wordcount');
      return [p.MetricTransformations[0]!.MetricName, p.FilterPattern];
    });
    expect(Object.fromEntries(patterns)).toEqual({
      JobStarted: '"Job started at"',
      JobEnded: '"Job ended at"',
      TaskFailed: '"ended with exit code" -"ended with exit code 0" -"[handoff: stopped by a user]"',
      TaskTimedOut: '"timed out"',
    });
  });

  it('alarms on failed and timed-out executions of its state machine to its topic, with e-mail when asked', () => {
    const plain = createTaskStack(names, {}, { imageUri });
    expect(plain.Resources.AlarmEmailSubscription).toBeUndefined();
    for (const [id, metric] of [
      ['ExecutionsFailedAlarm', 'ExecutionsFailed'],
      ['ExecutionsTimedOutAlarm', 'ExecutionsTimedOut'],
    ] as const) {
      expect(propsOf(plain, id)).toMatchObject({
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'StateMachine' } }],
        AlarmActions: [{ Ref: 'AlarmTopic' }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    const withEmail = createTaskStack(names, { alarm_email: 'ops@example.com' }, { imageUri });
    expect(propsOf(withEmail, 'AlarmEmailSubscription')).toEqual({ TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: 'ops@example.com' });
    expect(() => createTaskStack(names, { alarm_email: 'ops' }, { imageUri })).toThrow(/alarm_email/);
  });
});
