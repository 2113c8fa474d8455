// The AWS deployment end to end against moto: cloud deploy (twice), plan, run, jobs, logs, schedules, role, validation, teardown.
import fs from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, GetTemplateCommand, ListChangeSetsCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, CreateLogStreamCommand, DescribeLogGroupsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteInternetGatewayCommand,
  DeleteRouteTableCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeClustersCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DetachRolePolicyCommand, GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { HeadBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, GetScheduleCommand, ListScheduleGroupsCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

const ACCOUNT = '123456789012';
const RG = 'it';
const SECRET = 'tok-deploy-7a41c9';

let moto: MotoServer;
let env: Record<string, string>;

function projectYml(task: string, extra = ''): string {
  return `version: 0.3
description: deploy test ${task}
envs:
  - key: API_TOKEN
tasks:
  - name: count
    commands:
      - command: echo
        args: counting
deploy:
  cloud_provider: aws
  resource_group: ${RG}
  task: ${task}
  image_version: "0.3"
  cpu: 512
  memory: 1024
${extra}
schedules:
  - target_id: 1
    description: daily in Paris
    cron: "0 6 * * ? *"
    timezone: Europe/Paris
    envs:
      - key: __VARS
        value: start=$(date -I -d yesterday)
  - target_id: 2
    cron: rate(1 hour)
    enabled: false
`;
}

function makeDeployProject(task: string, extra = ''): string {
  return makeProject(projectYml(task, extra), {
    'files/query.sql': 'select 1;\n',
    '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${SECRET}\n`,
  }).projectDir;
}

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

const clientConfig = () => ({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

let words = '';
let words2 = '';

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  words = makeDeployProject('words');
  // A sibling task whose name starts with the first one's: its schedules must survive `cloud schedule delete` of `words`.
  words2 = makeDeployProject('words2');
});

afterAll(async () => {
  await moto?.stop();
});

describe('cloud deploy into moto', () => {
  let first: CliResult;

  beforeAll(async () => {
    first = await cli(['cloud', 'deploy', '-p', words, '-y']);
  });

  it('creates the bucket, resources and task stacks, pushes the project and creates the schedules', () => {
    expect(first.code, first.stderr).toBe(0);
    const result = parse(first.stdout) as { changed: boolean; image: string; stacks: { stack: string; action: string }[]; schedules: { target_id: string; action: string }[] };
    expect(result.changed).toBe(true);
    expect(result.image).toBe(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/words:0.3`);
    expect(result.stacks).toEqual([
      // Once per account: the boundary every role handoff makes carries.
      { stack: 'handoff-permissions-boundary', kind: 'boundary', action: 'created' },
      { stack: `handoff-dev-${RG}-bucket`, kind: 'bucket', action: 'created' },
      { stack: `handoff-dev-${RG}-resources`, kind: 'resources', action: 'created' },
      { stack: `handoff-dev-${RG}-words`, kind: 'task', action: 'created' },
    ]);
    expect(result.schedules.map((s) => [s.target_id, s.action])).toEqual([
      ['1', 'created'],
      ['2', 'created'],
    ]);
    // Progress while CloudFormation works, and the secret's value never printed.
    expect(first.stderr).toContain(`Creating stack handoff-dev-${RG}-resources`);
    expect(first.stderr).toContain(`handoff-dev-${RG}-words: handoff-dev-${RG}-words (AWS::CloudFormation::Stack) CREATE_COMPLETE`);
    expect(first.stdout + first.stderr).not.toContain(SECRET);
  });

  it('made the cluster, the task definition, the roles, the log group and the runner with the expected properties', async () => {
    const ecs = new ECSClient(clientConfig());
    const clusters = await ecs.send(new DescribeClustersCommand({ clusters: [`handoff-dev-${RG}`] }));
    expect(clusters.clusters?.[0]?.status).toBe('ACTIVE');
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `handoff-dev-${RG}-words` }))).taskDefinition!;
    expect(td.memory).toBe('1024');
    const container = td.containerDefinitions![0]!;
    expect(container.name).toBe('words');
    expect(container.image).toBe(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/words:0.3`);
    expect(container.environment).toEqual([{ name: 'HO_STAGE', value: 'dev' }]);
    expect(container.logConfiguration?.options?.['awslogs-group']).toBe(`/handoff/dev-${RG}/words`);
    // moto's CloudFormation registers task definitions without Cpu and the Fargate keys: they are checked in the template
    // CloudFormation holds (and in the goldens, by cfn-lint).
    const cf = new CloudFormationClient(clientConfig());
    const template = JSON.parse((await cf.send(new GetTemplateCommand({ StackName: `handoff-dev-${RG}-words` }))).TemplateBody!);
    expect(template.Resources.TaskDefinition.Properties).toMatchObject({ Cpu: '512', Memory: '1024', NetworkMode: 'awsvpc', RequiresCompatibilities: ['FARGATE'] });

    const iam = new IAMClient(clientConfig());
    const roles = (await iam.send(new ListRolesCommand({ PathPrefix: `/handoff/dev-${RG}/` }))).Roles ?? [];
    expect(roles.map((r) => r.RoleName).sort()).toEqual([`handoff-dev-${RG}-use1-exec`, `handoff-dev-${RG}-use1-runner`, `handoff-dev-${RG}-use1-sched`, `handoff-dev-${RG}-use1-words-task`]);
    // Every role handoff makes carries the account's permissions boundary (GetRole shows it; ListRoles does not).
    for (const r of roles) {
      const got = (await iam.send(new GetRoleCommand({ RoleName: r.RoleName! }))).Role!;
      expect(got.PermissionsBoundary?.PermissionsBoundaryArn, r.RoleName).toBe(`arn:aws:iam::${ACCOUNT}:policy/handoff/handoff-permissions-boundary`);
    }
    const taskPolicies = await iam.send(new ListRolePoliciesCommand({ RoleName: `handoff-dev-${RG}-use1-words-task` }));
    expect(taskPolicies.PolicyNames).toEqual(['handoff-task-access']);

    const logs = new CloudWatchLogsClient(clientConfig());
    const groups = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/handoff/' }))).logGroups ?? [];
    expect(groups.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([[`/handoff/dev-${RG}/words`, 30]]);

    const sfn = new SFNClient(clientConfig());
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:handoff-dev-${RG}-words` }));
    expect(machine.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/handoff/dev-${RG}/handoff-dev-${RG}-use1-runner`);
    const definition = JSON.parse(machine.definition!);
    expect(definition.States.RunFargateTaskWithEnvironment.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(definition.States.RunFargateTaskWithEnvironment.Parameters.TaskDefinition).toBe(td.taskDefinitionArn);
    expect(definition.TimeoutSeconds).toBe(43200);
  });

  it('put the schedules in the task\'s own group, targeting the runner with their envs', async () => {
    const scheduler = new SchedulerClient(clientConfig());
    const group = `handoff-dev-${RG}-words`;
    const names = ((await scheduler.send(new ListSchedulesCommand({ GroupName: group }))).Schedules ?? []).map((s) => s.Name).sort();
    expect(names).toEqual(['target-1', 'target-2']);
    const one = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: 'target-1' }));
    expect(one).toMatchObject({ ScheduleExpression: 'cron(0 6 * * ? *)', ScheduleExpressionTimezone: 'Europe/Paris', State: 'ENABLED', Description: 'daily in Paris' });
    expect(one.Target?.Arn).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:handoff-dev-${RG}-words`);
    expect(one.Target?.RoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/handoff/dev-${RG}/handoff-dev-${RG}-use1-sched`);
    expect(JSON.parse(one.Target!.Input!)).toEqual({
      Environment: [
        { Name: 'HO_STAGE', Value: 'dev' },
        { Name: '__VARS', Value: 'start=$(date -I -d yesterday)' },
        // How the run was started, for its run record (`runs list` tells scheduled runs from manual ones).
        { Name: 'HANDOFF_TRIGGER', Value: 'schedule' },
      ],
    });
    const two = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: 'target-2' }));
    expect(two).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'DISABLED' });
  });

  it('pushed project.yml, files and the secret to the store', async () => {
    const bucket = `handoff-dev-${RG}-${(await import('node:crypto')).createHash('md5').update(ACCOUNT).digest('hex').slice(-8)}`;
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    const file = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'words/files/query.sql' }));
    expect(await file.Body!.transformToString()).toBe('select 1;\n');
    const ssm = new SSMClient(clientConfig());
    expect((await ssm.send(new GetParameterCommand({ Name: `/handoff/dev-${RG}/words/API_TOKEN`, WithDecryption: true }))).Parameter?.Value).toBe(SECRET);
  });

  it('changes nothing when run again, and says so', async () => {
    const again = await cli(['cloud', 'deploy', '-p', words, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout);
    expect(result.changed).toBe(false);
    // The boundary exists now, so it is not a step any more.
    expect(result.stacks.map((s: { kind: string; action: string }) => [s.kind, s.action])).toEqual([
      ['bucket', 'unchanged'],
      ['resources', 'unchanged'],
      ['task', 'unchanged'],
    ]);
    expect(result.project).toMatchObject({ config: 'unchanged', files: { written: [], deleted: [], unchanged: 1 }, secrets: { written: [], unchanged: 1 } });
    expect(result.schedules.map((s: { action: string }) => s.action)).toEqual(['unchanged', 'unchanged']);
    expect(again.stderr).toContain(`No changes: dev-${RG}/words is already deployed as declared`);
    // Nothing to confirm: no secret changed, so no prompt even without -y and without a terminal.
    expect(again.stderr).not.toContain('Secrets to push');
  });

  it('plans a new image version as a task definition change, and changes nothing', async () => {
    const plan = await cli(['cloud', 'plan', '-p', words, '-v', 'version=0.4']);
    expect(plan.code, plan.stderr).toBe(0);
    const described = parse(plan.stdout) as { changes: number; stacks: { kind: string; action: string; resources: string[]; change_set?: string[] }[] };
    expect(described.changes).toBe(1);
    const task = described.stacks.find((s) => s.kind === 'task')!;
    expect(task.action).toBe('update');
    expect(task.resources).toEqual(['Modify TaskDefinition (AWS::ECS::TaskDefinition): Properties.ContainerDefinitions[0].Image']);
    expect(task.change_set).toEqual(['Modify TaskDefinition (AWS::ECS::TaskDefinition)']);
    expect(described.stacks.filter((s) => s.kind !== 'task').map((s) => s.action)).toEqual(['unchanged', 'unchanged']);
    // The change set was deleted and the task definition still runs 0.3.
    const cf = new CloudFormationClient(clientConfig());
    expect((await cf.send(new ListChangeSetsCommand({ StackName: `handoff-dev-${RG}-words` }))).Summaries ?? []).toEqual([]);
    const ecs = new ECSClient(clientConfig());
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `handoff-dev-${RG}-words` }))).taskDefinition!;
    expect(td.containerDefinitions![0]!.image).toMatch(/:0\.3$/);
  });

  it('updates the task stack through a change set when the image changes', async () => {
    const update = await cli(['cloud', 'task', 'update', '-p', words, '-v', 'version=0.4']);
    expect(update.code, update.stderr).toBe(0);
    expect(parse(update.stdout)).toMatchObject({ stack: `handoff-dev-${RG}-words`, action: 'updated' });
    expect(update.stderr).toContain(`Updating (change set) stack handoff-dev-${RG}-words`);
    const status = parse((await cli(['cloud', 'task', 'status', '-p', words])).stdout) as { status: string; task_definition: { revision: number } };
    expect(status.status).toBe('UPDATE_COMPLETE');
    expect(status.task_definition.revision).toBe(2);
    // Back to the declared version, so the later tests see the project as deployed.
    expect((await cli(['cloud', 'task', 'update', '-p', words])).code).toBe(0);
  });
});

describe('cloud run, job status|stop and logs', () => {
  beforeAll(async () => {
    if ((await cli(['cloud', 'task', 'status', '-p', words])).stdout.includes('NOT_CREATED')) throw new Error('the deploy tests must run first');
  });

  it('starts a Fargate task of the latest task definition with HO_STAGE, the schedule\'s envs and -e envs as overrides', async () => {
    const run = await cli(['cloud', 'run', '-p', words, '-v', 'target_id=1', '-e', 'EXTRA=yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const job = JSON.parse(run.stdout) as { job: string; task_arn: string; task_definition: string };
    expect(job.task_definition).toBe(`handoff-dev-${RG}-words:3`);
    const ecs = new ECSClient(clientConfig());
    const task = (await ecs.send(new DescribeTasksCommand({ cluster: `handoff-dev-${RG}`, tasks: [job.task_arn] }))).tasks![0]!;
    expect(task.launchType).toBe('FARGATE');
    expect(task.startedBy).toBe('handoff-cli');
    expect(task.overrides?.containerOverrides).toEqual([
      {
        name: 'words',
        environment: [
          { name: 'HO_STAGE', value: 'dev' },
          { name: '__VARS', value: 'start=$(date -I -d yesterday)' },
          { name: 'EXTRA', value: 'yes' },
          // The run takes EXTRA over a project.yml env of that key (src/providers/deploy/run-environment.ts).
          { name: 'HANDOFF_ENV_OVERRIDES', value: 'EXTRA' },
          { name: 'HANDOFF_TRIGGER', value: 'cloud' },
        ],
      },
    ]);
    const status = parse((await cli(['cloud', 'job', 'status', '-p', words])).stdout) as { jobs: { id: string }[] };
    expect(status.jobs.map((j) => j.id)).toContain(job.job);
  });

  it('--wait follows the task until it stops and exits with its exit code', async () => {
    const run = await cli(['cloud', 'run', '-p', words, '--wait']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Job \S+ succeeded with exit code 0/);
  });

  it('--wait --timeout stops a run that takes too long and reports it as timed out, exit code 1', async () => {
    const run = await cli(['cloud', 'run', '-p', words, '--wait', '--timeout', '0.001']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Job \S+ timed out after 0\.001 s and was stopped/);
    const id = /Started job (\S+)/.exec(run.stderr)![1]!;
    const job = (parse((await cli(['cloud', 'job', 'status', '-p', words, '-v', `id=${id}`])).stdout) as { job: object }).job;
    expect(job).toMatchObject({ status: 'failed', failure: 'timeout', reason: 'handoff: the run timed out' });
  });

  it('job stop stops a running task, and status shows it interrupted', async () => {
    const run = JSON.parse((await cli(['cloud', 'run', '-p', words, '--json'])).stdout) as { job: string };
    const stop = await cli(['cloud', 'job', 'stop', '-p', words, '-v', `id=${run.job}`]);
    expect(stop.code, stop.stderr).toBe(0);
    const job = (parse(stop.stdout) as { job: { status: string; failure: string; reason: string } }).job;
    expect(job).toMatchObject({ status: 'interrupted', failure: 'stopped', reason: 'stopped by handoff cloud job stop' });
    const missing = await cli(['cloud', 'job', 'stop', '-p', words]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('-v id=<job id>');
  });

  it('cloud logs reads the log group: all runs, one run, a filter pattern, a time range, JSON lines, and follow', async () => {
    const logs = new CloudWatchLogsClient(clientConfig());
    const group = `/handoff/dev-${RG}/words`;
    const now = Date.now();
    const put = async (taskId: string, lines: [number, string][]): Promise<void> => {
      const stream = `handoff/words/${taskId}`;
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: lines.map(([t, message]) => ({ timestamp: t, message })) }));
    };
    await put('aaaa', [
      [now - 60_000, 'Job started at 2026-01-01T00:00:00Z'],
      [now - 59_000, 'Task count ended with exit code 0'],
      [now - 58_000, 'Job ended at 2026-01-01T00:00:02Z'],
    ]);
    await put('bbbb', [
      [now - 5_000, 'Job started at 2026-01-01T00:01:00Z'],
      [now - 4_000, 'Task count ended with exit code 3'],
    ]);

    const all = await cli(['cloud', 'logs', '-p', words]);
    expect(all.code, all.stderr).toBe(0);
    // Lines of several runs each say their run; one run's (-v id=) need not.
    expect(all.stdout.trim().split('\n')).toEqual([
      '[aaaa] Job started at 2026-01-01T00:00:00Z',
      '[aaaa] Task count ended with exit code 0',
      '[aaaa] Job ended at 2026-01-01T00:00:02Z',
      '[bbbb] Job started at 2026-01-01T00:01:00Z',
      '[bbbb] Task count ended with exit code 3',
    ]);
    const one = await cli(['cloud', 'logs', '-p', words, '-v', 'id=bbbb']);
    expect(one.stdout.trim().split('\n')).toEqual(['Job started at 2026-01-01T00:01:00Z', 'Task count ended with exit code 3']);
    const filtered = await cli(['cloud', 'logs', '-p', words, '-v', 'filter_pattern="Job started at"']);
    expect(filtered.stdout.trim().split('\n')).toEqual(['[aaaa] Job started at 2026-01-01T00:00:00Z', '[bbbb] Job started at 2026-01-01T00:01:00Z']);
    const recent = await cli(['cloud', 'logs', '-p', words, '-v', `start_time=${new Date(now - 30_000).toISOString()}`, '--json']);
    const events = recent.stdout.trim().split('\n').map((l) => JSON.parse(l) as { job: string; message: string; time: string });
    expect(events.map((e) => [e.job, e.message])).toEqual([
      ['bbbb', 'Job started at 2026-01-01T00:01:00Z'],
      ['bbbb', 'Task count ended with exit code 3'],
    ]);
    expect(Date.parse(events[0]!.time)).toBe(now - 5_000);

    // Follow a running task: its lines so far, then (after it stops) the final drain, then the command ends.
    const started = JSON.parse((await cli(['cloud', 'run', '-p', words, '--json'])).stdout) as { job: string };
    await put(started.job, [[Date.now(), 'Job started at 2026-01-01T00:02:00Z']]);
    const follow = await cli(['cloud', 'logs', '-p', words, '-v', `id=${started.job}`, 'follow=true']);
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stdout.trim()).toBe('Job started at 2026-01-01T00:02:00Z');
    expect(follow.stderr).toContain(`Following job ${started.job} until it ends`);
  });
});

describe('cloud schedule list|delete', () => {
  it('deletes exactly this task\'s schedules, not those of a sibling whose name shares the prefix', async () => {
    const sibling = await cli(['cloud', 'deploy', '-p', words2, '-y']);
    expect(sibling.code, sibling.stderr).toBe(0);
    const scheduler = new SchedulerClient(clientConfig());
    const list = async (group: string): Promise<string[]> => ((await scheduler.send(new ListSchedulesCommand({ GroupName: group }))).Schedules ?? []).map((s) => s.Name!).sort();
    expect(await list(`handoff-dev-${RG}-words2`)).toEqual(['target-1', 'target-2']);

    const one = await cli(['cloud', 'schedule', 'delete', '-p', words, '-v', 'target_id=2']);
    expect(one.code, one.stderr).toBe(0);
    expect(parse(one.stdout)).toEqual({ schedules: [{ target_id: '2', id: `handoff-dev-${RG}-words/target-2`, action: 'deleted' }] });
    const listed = parse((await cli(['cloud', 'schedule', 'list', '-p', words])).stdout) as { schedules: { target_id: string; status: string; next: string[] }[] };
    expect(listed.schedules.map((s) => [s.target_id, s.status])).toEqual([
      ['1', 'scheduled'],
      ['2', 'draft'],
    ]);
    expect(listed.schedules[0]!.next).toHaveLength(3);
    // -v target_id=N lists that one (SPEC: "-v target_id=N for one"); an id nobody declared or deployed is refused.
    const justOne = parse((await cli(['cloud', 'schedule', 'list', '-p', words, '-v', 'target_id=1'])).stdout) as { schedules: { target_id: string }[] };
    expect(justOne.schedules.map((s) => s.target_id)).toEqual(['1']);
    const unknown = await cli(['cloud', 'schedule', 'list', '-p', words, '-v', 'target_id=99']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('error: no schedule with target_id 99');
    expect(unknown.stderr).toContain('fix: use one of: 1, 2');

    const all = await cli(['cloud', 'schedule', 'delete', '-p', words, '-y']);
    expect(all.code, all.stderr).toBe(0);
    expect(await list(`handoff-dev-${RG}-words2`)).toEqual(['target-1', 'target-2']);
    const groups = ((await scheduler.send(new ListScheduleGroupsCommand({}))).ScheduleGroups ?? []).map((g) => g.Name);
    expect(groups).not.toContain(`handoff-dev-${RG}-words`);
    expect(groups).toContain(`handoff-dev-${RG}-words2`);

    // create puts them back; an edited declaration shows as edited until it is deployed.
    expect((await cli(['cloud', 'schedule', 'create', '-p', words])).code).toBe(0);
    fs.writeFileSync(path.join(words, 'project.yml'), projectYml('words').replace('rate(1 hour)', 'rate(2 hours)'));
    const edited = parse((await cli(['cloud', 'schedule', 'list', '-p', words])).stdout) as { schedules: { target_id: string; status: string; differences?: string[] }[] };
    expect(edited.schedules.find((s) => s.target_id === '2')).toMatchObject({ status: 'edited', differences: ['expression'] });
    fs.writeFileSync(path.join(words, 'project.yml'), projectYml('words'));
  });

  it('plan and deploy agree on a schedule made by hand in the task\'s group: plan says delete, deploy deletes it', async () => {
    const scheduler = new SchedulerClient(clientConfig());
    const group = `handoff-dev-${RG}-words`;
    const one = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: 'target-1' }));
    // Started 90 minutes ago (to the second): an hourly rate fires next 30 minutes from now, not an hour from now.
    const startDate = new Date(Math.floor(Date.now() / 1000) * 1000 - 90 * 60_000);
    await scheduler.send(
      new CreateScheduleCommand({ GroupName: group, Name: 'nightly-extra', ScheduleExpression: 'rate(1 hour)', StartDate: startDate, FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: one.Target!.Arn!, RoleArn: one.Target!.RoleArn! } }),
    );
    const listed = parse((await cli(['cloud', 'schedule', 'list', '-p', words])).stdout) as { schedules: { target_id: string; status: string; next: string[] }[] };
    expect(listed.schedules.find((s) => s.target_id === 'nightly-extra')).toMatchObject({ status: 'orphaned' });
    expect(listed.schedules.find((s) => s.target_id === 'nightly-extra')!.next[0]).toBe(new Date(startDate.getTime() + 2 * 3_600_000).toISOString());
    const plan = await cli(['cloud', 'plan', '-p', words]);
    expect(plan.code, plan.stderr).toBe(0);
    expect((parse(plan.stdout) as { schedules: { target_id: string; action: string }[] }).schedules).toContainEqual({ target_id: 'nightly-extra', action: 'delete' });
    expect(plan.stderr).toContain('1 change would be made');

    // It was `target-nightly-extra` that deploy looked for, so it said "No changes" and left the schedule.
    const deployed = await cli(['cloud', 'deploy', '-p', words, '--json']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const result = JSON.parse(deployed.stdout) as { changed: boolean; schedules: { target_id: string; id: string; action: string }[] };
    expect(result.changed).toBe(true);
    expect(result.schedules).toContainEqual({ target_id: 'nightly-extra', id: `${group}/nightly-extra`, action: 'deleted' });
    const names = ((await scheduler.send(new ListSchedulesCommand({ GroupName: group }))).Schedules ?? []).map((s) => s.Name).sort();
    expect(names).toEqual(['target-1', 'target-2']);
    const after = await cli(['cloud', 'plan', '-p', words]);
    expect(after.stderr).toContain('No changes');
  });

  it('schedule delete of a target id that is not deployed is refused, naming the deployed ones', async () => {
    const result = await cli(['cloud', 'schedule', 'delete', '-p', words, '-v', 'target_id=3']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`error: no schedule with target_id 3 is deployed for task words (resource group ${RG}, stage dev); nothing was deleted`);
    expect(result.stderr).toContain('fix: use one of the deployed target ids: 1, 2');
  });
});

describe('the deploy role', () => {
  it('cloud role create|status|delete manage handoff-role-<account> with its policy', async () => {
    // An external id of digits keeps its leading zero (ids are read as text, not as -v numbers).
    const created = await cli(['cloud', 'role', 'create', '-p', words, '-v', 'external_id=0042']);
    expect(created.code, created.stderr).toBe(0);
    expect(parse(created.stdout)).toMatchObject({ stack: `handoff-role-${ACCOUNT}`, action: 'created' });
    const iam = new IAMClient(clientConfig());
    const role = (await iam.send(new GetRoleCommand({ RoleName: `handoff-role-${ACCOUNT}` }))).Role!;
    const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!));
    expect(JSON.stringify(trust)).toContain('"0042"');
    const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: `handoff-role-${ACCOUNT}` }))).AttachedPolicies ?? [];
    expect(attached.map((p) => p.PolicyName)).toEqual([`handoff-role-${ACCOUNT}-1`, `handoff-role-${ACCOUNT}-2`]);
    expect(parse((await cli(['cloud', 'role', 'status', '-p', words])).stdout)).toMatchObject({ status: 'CREATE_COMPLETE' });
    // moto gap: its CloudFormation does not detach a stack's AWS::IAM::ManagedPolicy when deleting it, so the role
    // would never delete; detached here as CloudFormation does on AWS.
    for (const p of attached) await iam.send(new DetachRolePolicyCommand({ RoleName: `handoff-role-${ACCOUNT}`, PolicyArn: p.PolicyArn! }));
    const deleted = await cli(['cloud', 'role', 'delete', '-p', words]);
    expect(parse(deleted.stdout)).toMatchObject({ action: 'deleted' });
  });
});

describe('validation before any AWS call', () => {
  const stackNames = async (): Promise<string[]> => {
    const cf = new CloudFormationClient(clientConfig());
    return ((await cf.send(new DescribeStacksCommand({}))).Stacks ?? []).map((s) => s.StackName!);
  };

  it('refuses invalid Fargate sizes and schedule expressions that moto would accept, creating nothing', async () => {
    const before = await stackNames();
    const cases: [string, RegExp][] = [
      [projectYml('badsize').replace('memory: 1024', 'memory: 9999'), /deploy\.memory 9999 MiB is not valid with deploy\.cpu 512/],
      [projectYml('badcpu').replace('cpu: 512', 'cpu: 300'), /deploy\.cpu 300 is not a Fargate cpu value/],
      [projectYml('badstorage', '  storage: 10'), /deploy\.storage 10 GiB is not valid on Fargate/],
      [projectYml('badcron').replace('0 6 * * ? *', '0 25 * * ? *'), /hour/i],
    ];
    for (const [yml, message] of cases) {
      const dir = makeProject(yml.replace(`resource_group: ${RG}`, 'resource_group: never')).projectDir;
      const result = await cli(['cloud', 'deploy', '-p', dir, '-y']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect((await stackNames()).filter((n) => n.includes('never'))).toEqual([]);
    expect(await stackNames()).toEqual(before);
  });

  it('finds every bad deploy key before the first AWS call, with the endpoint closed, each at its line of project.yml', async () => {
    const closed = (args: string[]): Promise<CliResult> =>
      runCli(args, { env: { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 60_000 });
    const expectLocated = (result: CliResult, yml: string, key: string, message: string): void => {
      const line = yml.split('\n').findIndex((l) => l.startsWith(`  ${key.replace(/^deploy\./, '').split(/[.[]/)[0]}:`)) + 1;
      expect(line, key).toBeGreaterThan(0);
      const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(result.stderr).toMatch(new RegExp(`project\\.yml:${line}:\\d+: ${escape(key)}: [^\\n]*${escape(message)}`));
    };
    const task70 = 'a'.repeat(70);
    const many = projectYml(task70, [
      '  bucket: Bad_Bucket',
      '  log_retention_days: 13',
      '  tags: {"aws:owner": me}',
      '  subnets: [subnet-xyz]',
      '  task_policy: nope.json',
      '  task_definition: nope.json',
      '  execution_role_arn: not-an-arn',
      '  alarm_email: not-an-email',
      '  platform_config: {state_machine: false, max_retries: 3}',
    ].join('\n'));
    const result = await closed(['cloud', 'plan', '-p', makeProject(many).projectDir]);
    expect(result.code, result.stderr).toBe(2);
    // It said only "cannot reach AWS … (sts:GetCallerIdentity)".
    expect(result.stderr).not.toContain('cannot reach AWS');
    expect(result.stderr).toMatch(/^error: .* \(one of \d+ problems, below\)$/m);
    expectLocated(result, many, 'deploy.task', `IAM role name "handoff-dev-${RG}-use1-${task70}-task" is 95 characters`);
    expectLocated(result, many, 'deploy.bucket', 'S3 bucket name "Bad_Bucket" is invalid');
    expectLocated(result, many, 'deploy.log_retention_days', '13 is not a supported retention');
    expectLocated(result, many, 'deploy.tags.aws:owner', 'starts with "aws:"');
    expectLocated(result, many, 'deploy.subnets[0]', '"subnet-xyz" is not a subnet id');
    expectLocated(result, many, 'deploy.task_policy', 'nope.json cannot be read');
    expectLocated(result, many, 'deploy.task_definition', 'nope.json cannot be read');
    expectLocated(result, many, 'deploy.execution_role_arn', '"not-an-arn" is not an IAM role ARN');
    expectLocated(result, many, 'deploy.alarm_email', 'not an e-mail address');
    expectLocated(result, many, 'deploy.platform_config.max_retries', 'configures the state machine, but state_machine is false');

    // A long resource group (its names' lengths count the account as 12 digits), and a runner timeout beyond a year.
    const rg40 = 'r'.repeat(40);
    const long = projectYml('words', '  platform_config: {state_machine_timeout: 99999999}').replace(`resource_group: ${RG}`, `resource_group: ${rg40}`);
    const second = await closed(['cloud', 'plan', '-p', makeProject(long).projectDir]);
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).not.toContain('cannot reach AWS');
    expectLocated(second, long, 'deploy.task', `IAM role name "handoff-dev-${rg40}-use1-words-task" is 68 characters`);
    expectLocated(second, long, 'deploy.platform_config.state_machine_timeout', '99999999 is not valid');

    // With nothing wrong, the first call is the one that fails: the endpoint is closed indeed.
    const fine = await closed(['cloud', 'plan', '-p', makeProject(projectYml('words')).projectDir]);
    expect(fine.code).toBe(2);
    expect(fine.stderr).toContain('cannot reach AWS');
  });

  it('shows CloudFormation\'s reason when it refuses a stack: a task stack before its resource group\'s stack', async () => {
    const dir = makeProject(projectYml('lonely').replace(`resource_group: ${RG}`, 'resource_group: alone')).projectDir;
    // The bucket first: without it the task is refused before CloudFormation is asked (test/aws/aws-prerequisites.test.ts).
    expect((await cli(['cloud', 'bucket', 'create', '-p', dir])).code).toBe(0);
    const result = await cli(['cloud', 'task', 'create', '-p', dir]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('error: CloudFormation refused the stack handoff-dev-alone-lonely: No export named handoff-dev-alone-resources-');
    expect(result.stderr).toContain('fix: deploy what exports handoff-dev-alone-resources-');
    expect(result.stderr).not.toContain('This is a bug');
    // moto gap: unlike CloudFormation, moto keeps a half-made stack after refusing it (and then fails to describe it).
    await new CloudFormationClient(clientConfig()).send(new DeleteStackCommand({ StackName: 'handoff-dev-alone-lonely' }));
    const update = await cli(['cloud', 'resources', 'update', '-p', dir]);
    expect(update.code).toBe(2);
    expect(update.stderr).toContain('there is no stack handoff-dev-alone-resources to update');
    // The teardown below counts the stacks left in the account: this group's bucket stack goes with its test.
    await new CloudFormationClient(clientConfig()).send(new DeleteStackCommand({ StackName: 'handoff-dev-alone-bucket' }));
  });

  it('refuses the AWS-only commands for the local provider', async () => {
    const local = makeProject(projectYml('words').replace('cloud_provider: aws', 'cloud_provider: local')).projectDir;
    const result = await cli(['cloud', 'deploy', '-p', local]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('only the aws provider has');
  });
});

describe('teardown', () => {
  /**
   * moto gap: its CloudFormation cannot delete AWS::EC2::InternetGateway, AWS::EC2::VPCGatewayAttachment or
   * AWS::EC2::RouteTable, so the VPC would keep them and fail to delete. The test removes those the way CloudFormation
   * does on AWS (detach and delete the gateway; disassociate and delete the route table) before the delete.
   */
  async function removeWhatMotoCannotDelete(): Promise<string> {
    const cf = new CloudFormationClient(clientConfig());
    const stack = (await cf.send(new DescribeStacksCommand({ StackName: `handoff-dev-${RG}-resources` }))).Stacks![0]!;
    const vpcId = stack.Outputs!.find((o) => o.OutputKey === 'VpcId')!.OutputValue!;
    const ec2 = new EC2Client(clientConfig());
    const byVpc = [{ Name: 'vpc-id', Values: [vpcId] }];
    const gateways = (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }))).InternetGateways ?? [];
    for (const g of gateways) {
      await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: g.InternetGatewayId!, VpcId: vpcId }));
      await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: g.InternetGatewayId! }));
    }
    for (const table of (await ec2.send(new DescribeRouteTablesCommand({ Filters: byVpc }))).RouteTables ?? []) {
      if (table.Associations?.some((a) => a.Main)) continue;
      for (const a of table.Associations ?? []) await ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId! }));
      await ec2.send(new DeleteRouteTableCommand({ RouteTableId: table.RouteTableId! }));
    }
    return vpcId;
  }

  it('refuses to delete the resources stack while task stacks import it, naming them', async () => {
    const refused = await cli(['cloud', 'resources', 'delete', '-p', words]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`the resources stack handoff-dev-${RG}-resources is still used by handoff-dev-${RG}-words, handoff-dev-${RG}-words2; nothing was deleted`);
    const cf = new CloudFormationClient(clientConfig());
    expect((await cf.send(new DescribeStacksCommand({ StackName: `handoff-dev-${RG}-resources` }))).Stacks![0]!.StackStatus).toBe('CREATE_COMPLETE');
  });

  it('keeps a deleted task\'s log group (cloud logs still reads it) unless -v delete_logs=true', async () => {
    const kept = await cli(['cloud', 'task', 'delete', '-p', words]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(parse(kept.stdout)).toMatchObject({ action: 'deleted', log_group: { group: `/handoff/dev-${RG}/words`, action: 'kept' } });
    const logs = await cli(['cloud', 'logs', '-p', words, '-v', 'id=bbbb']);
    expect(logs.stdout.trim().split('\n')).toEqual(['Job started at 2026-01-01T00:01:00Z', 'Task count ended with exit code 3']);
    const gone = await cli(['cloud', 'task', 'delete', '-p', words2, '-v', 'delete_logs=true']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(parse(gone.stdout)).toMatchObject({ log_group: { group: `/handoff/dev-${RG}/words2`, action: 'deleted' } });
    const cwl = new CloudWatchLogsClient(clientConfig());
    expect(((await cwl.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/handoff/dev-${RG}/` }))).logGroups ?? []).map((g) => g.logGroupName)).toEqual([`/handoff/dev-${RG}/words`]);
  });

  it('leaves nothing but the retained bucket, the kept log group and the account\'s boundary', async () => {
    const vpcId = await removeWhatMotoCannotDelete();
    for (const args of [
      ['cloud', 'resources', 'delete', '-p', words],
      ['cloud', 'bucket', 'delete', '-p', words],
      ['project', 'delete', '-p', words, '-y'],
      ['project', 'delete', '-p', words2, '-y'],
    ]) {
      const result = await cli(args);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(0);
    }
    const cf = new CloudFormationClient(clientConfig());
    const live = ((await cf.send(new DescribeStacksCommand({}))).Stacks ?? []).filter((s) => s.StackStatus !== 'DELETE_COMPLETE');
    expect(live.map((s) => s.StackName)).toEqual(['handoff-permissions-boundary']);
    const ec2 = new EC2Client(clientConfig());
    expect(((await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []).map((v) => v.VpcId)).not.toContain(vpcId);
    expect((await ec2.send(new DescribeInternetGatewaysCommand({}))).InternetGateways ?? []).toEqual([]);
    // moto gaps: its CloudFormation has no delete for AWS::ECS::Cluster and AWS::ECS::TaskDefinition, and it leaves the
    // resources stack's IAM roles behind (the task stacks' roles it does delete), so those stay in moto after their
    // stacks are gone (checked above); on AWS they go with the stacks. The rest is checked through its own service.
    const iam = new IAMClient(clientConfig());
    const roles = ((await iam.send(new ListRolesCommand({ PathPrefix: '/handoff/' }))).Roles ?? []).map((r) => r.RoleName);
    expect(roles).not.toContain(`handoff-dev-${RG}-use1-words-task`);
    expect(roles).not.toContain(`handoff-dev-${RG}-use1-words2-task`);
    const logs = new CloudWatchLogsClient(clientConfig());
    expect(((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/handoff/dev-${RG}/` }))).logGroups ?? []).map((g) => g.logGroupName)).toEqual([`/handoff/dev-${RG}/words`]);
    const sfn = new SFNClient(clientConfig());
    expect((await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? []).toEqual([]);
    const scheduler = new SchedulerClient(clientConfig());
    expect(((await scheduler.send(new ListScheduleGroupsCommand({}))).ScheduleGroups ?? []).map((g) => g.Name)).toEqual(['default']);
    const ssm = new SSMClient(clientConfig());
    expect((await ssm.send(new GetParametersByPathCommand({ Path: '/handoff', Recursive: true }))).Parameters ?? []).toEqual([]);
    const bucket = `handoff-dev-${RG}-${(await import('node:crypto')).createHash('md5').update(ACCOUNT).digest('hex').slice(-8)}`;
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
  });
});
