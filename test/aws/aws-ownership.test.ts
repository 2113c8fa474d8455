// Two tasks whose AWS names meet (resource group etl + task daily-sync, etl-daily + sync): the later one is refused, the other's stacks and schedules untouched.
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateScheduleCommand, CreateScheduleGroupCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ECSClient, ListClustersCommand, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

let moto: MotoServer;
let env: Record<string, string>;

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

const clientConfig = () => ({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

function project(resourceGroup: string, task: string): string {
  return makeProject(`tasks:
  - name: load
    commands:
      - command: echo
        args: loading
deploy:
  cloud_provider: aws
  resource_group: ${resourceGroup}
  task: ${task}
  image_version: "0.1"
schedules:
  - target_id: 1
    cron: "0 6 * * ? *"
`).projectDir;
}

// A stand-in for another project's deployed stack: what matters is its name and the tags handoff puts on it.
const TEMPLATE = JSON.stringify({ Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } });

async function makeStack(name: string, tags: Record<string, string>): Promise<void> {
  await new CloudFormationClient(clientConfig()).send(new CreateStackCommand({ StackName: name, TemplateBody: TEMPLATE, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
}

async function stackExists(name: string): Promise<boolean> {
  try {
    const out = await new CloudFormationClient(clientConfig()).send(new DescribeStacksCommand({ StackName: name }));
    return (out.Stacks ?? []).some((s) => s.StackStatus !== 'DELETE_COMPLETE');
  } catch {
    return false;
  }
}

const OTHER = { 'handoff:resource-group': 'dev-etl', 'handoff:task': 'daily-sync' };
const SHARED = 'handoff-dev-etl-daily-sync';

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  // Resource group etl's task daily-sync, deployed: its task stack and its schedule group with one schedule.
  await makeStack(SHARED, OTHER);
  const scheduler = new SchedulerClient(clientConfig());
  await scheduler.send(new CreateScheduleGroupCommand({ Name: SHARED, Tags: Object.entries(OTHER).map(([Key, Value]) => ({ Key, Value })) }));
  await scheduler.send(
    new CreateScheduleCommand({
      GroupName: SHARED,
      Name: 'target-1',
      ScheduleExpression: 'cron(0 6 * * ? *)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:handoff-dev-etl-daily-sync', RoleArn: 'arn:aws:iam::123456789012:role/x' },
    }),
  );
  // Its task definition, tagged as deploy tags it.
  await new ECSClient(clientConfig()).send(
    new RegisterTaskDefinitionCommand({
      family: SHARED,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'daily-sync', image: 'example/daily-sync:0.1', essential: true }],
      tags: Object.entries(OTHER).map(([key, value]) => ({ key, value })),
    }),
  );
  // Resource group etl-daily's network/cluster/roles stack.
  await makeStack('handoff-dev-etl-daily-resources', { 'handoff:resource-group': 'dev-etl-daily' });
});

afterAll(async () => {
  await moto?.stop();
});

async function scheduleNames(): Promise<string[]> {
  const out = await new SchedulerClient(clientConfig()).send(new ListSchedulesCommand({ GroupName: SHARED }));
  return (out.Schedules ?? []).map((s) => s.Name ?? '');
}

describe('resource group etl-daily with task sync, where etl/daily-sync is deployed', () => {
  let dir = '';
  beforeAll(() => {
    dir = project('etl-daily', 'sync');
  });

  const refusal = (result: CliResult, what: string): void => {
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`${what} belongs to task daily-sync of resource group dev-etl, not to this project's task sync of resource group dev-etl-daily`);
    expect(result.stderr).toContain('rename deploy.task');
  };

  it('cloud plan and cloud deploy are refused before anything is made, naming the task that owns the names', async () => {
    refusal(await cli(['cloud', 'plan', '-p', dir]), `the stack ${SHARED}`);
    refusal(await cli(['cloud', 'deploy', '-p', dir, '-y']), `the stack ${SHARED}`);
    // The deploy stopped before its first stack: not even the bucket stack was made.
    expect(await stackExists('handoff-dev-etl-daily-bucket')).toBe(false);
  });

  it('cloud task create|update|delete are refused; the other task\'s stack and schedules stay', async () => {
    refusal(await cli(['cloud', 'task', 'update', '-p', dir]), `the stack ${SHARED}`);
    refusal(await cli(['cloud', 'task', 'create', '-p', dir]), `the stack ${SHARED}`);
    refusal(await cli(['cloud', 'task', 'delete', '-p', dir]), `the stack ${SHARED}`);
    expect(await stackExists(SHARED)).toBe(true);
    expect(await scheduleNames()).toEqual(['target-1']);
  });

  it('cloud run is refused: the task definition of that name is the other task\'s, and no task is started', async () => {
    refusal(await cli(['cloud', 'run', '-p', dir]), `the task definition ${SHARED}`);
    // No task was started on any cluster.
    const ecs = new ECSClient(clientConfig());
    const clusters = (await ecs.send(new ListClustersCommand({}))).clusterArns ?? [];
    for (const cluster of clusters) expect((await ecs.send(new ListTasksCommand({ cluster }))).taskArns ?? []).toEqual([]);
  });

  it('cloud schedule create|list|delete are refused; the other task\'s schedule stays', async () => {
    refusal(await cli(['cloud', 'schedule', 'list', '-p', dir]), `the stack ${SHARED}`);
    refusal(await cli(['cloud', 'schedule', 'delete', '-p', dir, '-y']), `the stack ${SHARED}`);
    refusal(await cli(['cloud', 'schedule', 'create', '-p', dir]), `the stack ${SHARED}`);
    expect(await scheduleNames()).toEqual(['target-1']);
  });
});

describe('a task whose stack would be another resource group\'s shared stack', () => {
  it('task daily-resources of etl is refused: handoff-dev-etl-daily-resources is resource group etl-daily\'s', async () => {
    const result = await cli(['cloud', 'plan', '-p', project('etl', 'daily-resources')]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('the stack handoff-dev-etl-daily-resources belongs to resource group dev-etl-daily (its shared stacks), not to this project\'s task daily-resources of resource group dev-etl');
  });

  it('resource group etl-daily-sync cannot delete a task\'s stack that has the name of its bucket stack', async () => {
    // Resource group etl-daily-sync's bucket stack has the name of task daily-sync-bucket of resource group etl.
    await makeStack('handoff-dev-etl-daily-sync-bucket', { 'handoff:resource-group': 'dev-etl', 'handoff:task': 'daily-sync-bucket' });
    const dir = project('etl-daily-sync', 'load');
    const deleted = await cli(['cloud', 'bucket', 'delete', '-p', dir, '-y']);
    expect(deleted.code, deleted.stderr).toBe(2);
    expect(deleted.stderr).toContain('the stack handoff-dev-etl-daily-sync-bucket belongs to task daily-sync-bucket of resource group dev-etl, not to this project\'s resource group dev-etl-daily-sync (its shared stacks)');
    expect(await stackExists('handoff-dev-etl-daily-sync-bucket')).toBe(true);
  });
});
