// One resource group in two regions against moto: IAM names per region, the bucket name collision explained, and a kept log group adopted by a new task stack.
import { createHash } from 'node:crypto';
import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

const ACCOUNT = '123456789012';
const BUCKET = `handoff-dev-two-${createHash('md5').update(ACCOUNT).digest('hex').slice(-8)}`;
let moto: MotoServer;
let env: Record<string, string>;
let dir = '';

function cli(args: string[], region: string): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_REGION: region, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

const clientConfig = (region: string) => ({ endpoint: moto.url, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

const stackNames = async (region: string): Promise<string[]> =>
  ((await new CloudFormationClient(clientConfig(region)).send(new DescribeStacksCommand({}))).Stacks ?? []).map((s) => s.StackName!).sort();

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  // No deploy.region: the region comes from AWS_REGION, so one project deploys to both.
  dir = makeProject(`tasks:
  - name: load
    commands:
      - command: echo
deploy:
  cloud_provider: aws
  resource_group: two
  task: sync
  image_version: "0.1"
  log_retention_days: 14
schedules:
  - target_id: 1
    cron: rate(1 day)
`).projectDir;
});

afterAll(async () => {
  await moto?.stop();
});

describe('one resource group in two regions', () => {
  it('deploys to us-east-1 and, with a bucket of its own, to eu-west-1, with IAM role names per region', async () => {
    const east = await cli(['cloud', 'deploy', '-p', dir, '-y'], 'us-east-1');
    expect(east.code, east.stderr).toBe(0);

    // Bucket names are global: the second region meets the first region's bucket, which is this account's own.
    const collided = await cli(['cloud', 'deploy', '-p', dir, '-y'], 'eu-west-1');
    expect(collided.code, collided.stderr).toBe(2);
    expect(collided.stderr).toContain(`error: the bucket ${BUCKET} already exists in this account in us-east-1; bucket names are global, so a resource group deployed in eu-west-1 too needs a bucket of its own there`);
    expect(collided.stderr).toContain(`fix: set deploy.bucket (or -e bucket=…) to a name for eu-west-1, e.g. ${BUCKET}-euw1`);
    expect(collided.stderr).not.toContain('another AWS account');
    // moto gap: after refusing CreateStack it keeps the stack half-made (CREATE_IN_PROGRESS); AWS rolls it back.
    await new CloudFormationClient(clientConfig('eu-west-1')).send(new DeleteStackCommand({ StackName: 'handoff-dev-two-bucket' }));

    const west = await cli(['cloud', 'deploy', '-p', dir, '-e', `bucket=${BUCKET}-euw1`, '-y'], 'eu-west-1');
    expect(west.code, west.stderr).toBe(0);
    // The boundary is one policy per account: made from us-east-1, found from eu-west-1.
    expect((parse(west.stdout) as { stacks: { kind: string }[] }).stacks.map((s) => s.kind)).toEqual(['bucket', 'resources', 'task']);
    expect(await stackNames('us-east-1')).toEqual(['handoff-dev-two-bucket', 'handoff-dev-two-resources', 'handoff-dev-two-sync', 'handoff-permissions-boundary']);
    expect(await stackNames('eu-west-1')).toEqual(['handoff-dev-two-bucket', 'handoff-dev-two-resources', 'handoff-dev-two-sync']);

    const roles = ((await new IAMClient(clientConfig('us-east-1')).send(new ListRolesCommand({ PathPrefix: '/handoff/dev-two/' }))).Roles ?? []).map((r) => r.RoleName).sort();
    expect(roles).toEqual([
      'handoff-dev-two-euw1-exec',
      'handoff-dev-two-euw1-runner',
      'handoff-dev-two-euw1-sched',
      'handoff-dev-two-euw1-sync-task',
      'handoff-dev-two-use1-exec',
      'handoff-dev-two-use1-runner',
      'handoff-dev-two-use1-sched',
      'handoff-dev-two-use1-sync-task',
    ]);
    // Each region's task role reads its own region's bucket.
    const westTask = JSON.parse((await new CloudFormationClient(clientConfig('eu-west-1')).send(new GetTemplateCommand({ StackName: 'handoff-dev-two-sync' }))).TemplateBody!);
    expect(JSON.stringify(westTask.Resources.TaskRole.Properties.Policies)).toContain(`s3:::${BUCKET}-euw1/sync/*`);

    // Both regions run their own schedule, each a second deploy away from no change.
    for (const [region, extra] of [['us-east-1', []], ['eu-west-1', ['-e', `bucket=${BUCKET}-euw1`]]] as const) {
      const again = await cli(['cloud', 'deploy', '-p', dir, ...extra, '--json'], region);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).changed, region).toBe(false);
    }
  });
});

describe('the deploy role, which is global', () => {
  it('is made once, from one region; another region is told where its stack is', async () => {
    const east = await cli(['cloud', 'role', 'create', '-p', dir], 'us-east-1');
    expect(east.code, east.stderr).toBe(0);
    const west = await cli(['cloud', 'role', 'create', '-p', dir], 'eu-west-1');
    expect(west.code, west.stderr).toBe(2);
    expect(west.stderr).toContain(`error: the deploy role handoff-role-${ACCOUNT} exists already, made by the stack handoff-role-${ACCOUNT} in us-east-1; IAM roles are global, so it serves eu-west-1 too`);
    expect(west.stderr).toContain('fix: use it as it is, or change it where its stack is: AWS_REGION=us-east-1 handoff cloud role update');
    expect(await stackNames('eu-west-1')).not.toContain(`handoff-role-${ACCOUNT}`);
    const update = await cli(['cloud', 'role', 'update', '-p', dir], 'us-east-1');
    expect(update.code, update.stderr).toBe(0);
  });
});

describe('a deleted task\'s log group', () => {
  it('is kept, and a new stack of the same task uses it by name, setting its retention and tags itself', async () => {
    const deleted = await cli(['cloud', 'task', 'delete', '-p', dir], 'us-east-1');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stderr).toContain('Kept the log group /handoff/dev-two/sync: `handoff cloud logs` still reads it; -v delete_logs=true deletes it');

    const created = await cli(['cloud', 'task', 'create', '-p', dir], 'us-east-1');
    expect(created.code, created.stderr).toBe(0);
    const template = JSON.parse((await new CloudFormationClient(clientConfig('us-east-1')).send(new GetTemplateCommand({ StackName: 'handoff-dev-two-sync' }))).TemplateBody!);
    expect(template.Resources.LogGroup).toBeUndefined();
    expect(template.Resources.JobStartedMetricFilter.Properties.LogGroupName).toBe('/handoff/dev-two/sync');
    expect(template.Resources.TaskDefinition.Properties.ContainerDefinitions[0].LogConfiguration.Options['awslogs-group']).toBe('/handoff/dev-two/sync');
    const logs = new CloudWatchLogsClient(clientConfig('us-east-1'));
    const group = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/handoff/dev-two/sync' }))).logGroups![0]!;
    expect(group.retentionInDays).toBe(14);
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: group.arn!.replace(/:\*$/, '') }))).tags).toEqual({ 'handoff:resource-group': 'dev-two', 'handoff:stage': 'dev', 'handoff:task': 'sync' });

    // A deploy after that keeps using it: no stack changes; only the schedule `task delete` removed comes back.
    const again = await cli(['cloud', 'deploy', '-p', dir, '--json'], 'us-east-1');
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout) as { stacks: { action: string }[]; schedules: { action: string }[] };
    expect(result.stacks.map((s) => s.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(result.schedules.map((s) => s.action)).toEqual(['created']);

    const gone = await cli(['cloud', 'task', 'delete', '-p', dir, '-v', 'delete_logs=true'], 'us-east-1');
    expect(gone.code, gone.stderr).toBe(0);
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/handoff/dev-two/sync' }))).logGroups ?? []).toEqual([]);
  });
});

describe('the bucket `cloud bucket delete` keeps', () => {
  it('is named as such when the resource group is created again in the same region, with how to go on', async () => {
    // What `cloud bucket delete` leaves (its stack gone, the bucket retained), made directly: moto cannot delete the
    // resources stack's VPC first ("has dependencies"), which AWS can.
    const cloudformation = new CloudFormationClient(clientConfig('us-east-1'));
    await cloudformation.send(new DeleteStackCommand({ StackName: 'handoff-dev-two-bucket' }));
    expect(await stackNames('us-east-1')).not.toContain('handoff-dev-two-bucket');
    const again = await cli(['cloud', 'bucket', 'create', '-p', dir], 'us-east-1');
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toContain(`error: the bucket ${BUCKET} already exists in this account in us-east-1 outside the stack handoff-dev-two-bucket: most likely the one \`cloud bucket delete\` kept`);
    expect(again.stderr).toContain(`aws s3 rb s3://${BUCKET} --force`);
    expect(again.stderr).not.toContain('needs a bucket of its own');
  });
});

describe('who may assume the deploy role', () => {
  it('refuses an account id or an external id AWS would not take, and warns when another account gets it without an external id', async () => {
    const short = await cli(['cloud', 'role', 'create', '-p', dir, '-v', 'grantee_account_id=123'], 'us-east-1');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('-v grantee_account_id=123 is not a 12-digit AWS account id');
    const spaced = await cli(['cloud', 'role', 'update', '-p', dir, '-v', 'external_id=a b'], 'us-east-1');
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toContain('-v external_id="a b" is not an external id STS accepts');
    const other = await cli(['cloud', 'role', 'create', '-p', dir, '-v', 'grantee_account_id=111122223333'], 'us-east-1');
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toContain('the deploy role will trust account 111122223333 without an external id');
  });
});
