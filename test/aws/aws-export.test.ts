// cloud export against moto: the CloudFormation files deploy as stacks, the Terraform configuration inits offline, validates and applies.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeClustersCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

const ACCOUNT = '123456789012';
const PROJECT = `version: 0.3
tasks:
  - name: count
    commands:
      - command: echo
        args: counting
deploy:
  cloud_provider: aws
  resource_group: exp
  task: tally
  image_version: "0.2"
  cpu: 512
  memory: 1024
  storage: 30
  alarm_email: data-team@example.com
  task_policy: task-policy.json
  log_retention_days: 14
  tags: {team: data}
schedules:
  - target_id: 1
    cron: "0 6 * * ? *"
    timezone: Europe/Paris
    envs:
      - key: __VARS
        value: start=$(date -I -d yesterday)
`;
const TASK_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::acme-raw-data/*'] }] });

let moto: MotoServer;
let env: Record<string, string>;
let projectDir = '';

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

const clientConfig = () => ({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // moto knows AWS managed policies (AmazonECSTaskExecutionRolePolicy, attached by the Terraform configuration) only when asked.
  process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  projectDir = makeProject(PROJECT, { 'task-policy.json': TASK_POLICY }).projectDir;
});

afterAll(async () => {
  await moto?.stop();
});

describe('cloud export --format cloudformation', () => {
  it('writes the four templates and a README, and the templates deploy as stacks', async () => {
    await moto.reset();
    const out = path.join(makeTempDir(), 'cfn');
    const result = await cli(['cloud', 'export', '-p', projectDir, '--format', 'cloudformation', '-o', out]);
    expect(result.code, result.stderr).toBe(0);
    expect((parse(result.stdout) as { files: string[] }).files).toEqual(['boundary.template.json', 'bucket.template.json', 'resources.template.json', 'task.template.json', 'README.md']);
    // Exporting deploys nothing.
    const cf = new CloudFormationClient(clientConfig());
    expect((await cf.send(new DescribeStacksCommand({}))).Stacks ?? []).toEqual([]);

    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain('aws cloudformation deploy --stack-name handoff-dev-exp-resources --template-file resources.template.json --capabilities CAPABILITY_NAMED_IAM');
    const task = JSON.parse(fs.readFileSync(path.join(out, 'task.template.json'), 'utf8'));
    expect(task.Resources.ScheduleTarget1.Properties.ScheduleExpressionTimezone).toBe('Europe/Paris');
    expect(task.Resources.TaskDefinition.Properties.EphemeralStorage).toEqual({ SizeInGiB: 30 });

    // The README's order: each stack as CloudFormation would get it (moto skips the Scheduler resources inside stacks).
    for (const [stack, file] of [
      ['handoff-permissions-boundary', 'boundary.template.json'],
      ['handoff-dev-exp-bucket', 'bucket.template.json'],
      ['handoff-dev-exp-resources', 'resources.template.json'],
      ['handoff-dev-exp-tally', 'task.template.json'],
    ]) {
      await cf.send(new CreateStackCommand({ StackName: stack, TemplateBody: fs.readFileSync(path.join(out, file!), 'utf8'), Capabilities: ['CAPABILITY_NAMED_IAM'] }));
      const status = (await cf.send(new DescribeStacksCommand({ StackName: stack }))).Stacks![0]!.StackStatus;
      expect(status, stack).toBe('CREATE_COMPLETE');
    }
    const ecs = new ECSClient(clientConfig());
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'handoff-dev-exp-tally' }))).taskDefinition?.containerDefinitions?.[0]?.image).toBe(
      `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/tally:0.2`,
    );
  });

  it('quotes each tag of the README\'s commands, replaces its own files on a second export, and never a file it did not write', async () => {
    const spaced = makeProject(PROJECT.replace('tags: {team: data}', "tags: {team: Data Team, cost-center: a b}"), { 'task-policy.json': TASK_POLICY }).projectDir;
    const out = path.join(makeTempDir(), 'cfn');
    const first = await cli(['cloud', 'export', '-p', spaced, '--format', 'cloudformation', '-o', out]);
    expect(first.code, first.stderr).toBe(0);
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain("--tags 'handoff:resource-group=dev-exp' 'handoff:stage=dev' 'handoff:task=tally' 'cost-center=a b' 'team=Data Team'");
    // Its own files (listed in .handoff-export) are replaced.
    const again = await cli(['cloud', 'export', '-p', spaced, '--format', 'cloudformation', '-o', out]);
    expect(again.code, again.stderr).toBe(0);
    // A folder with the user's own README.md and main.tf: refused, nothing written.
    const mine = makeTempDir();
    fs.writeFileSync(path.join(mine, 'README.md'), "# my team's infra notes\n");
    fs.writeFileSync(path.join(mine, 'main.tf'), '# ours\n');
    for (const format of ['cloudformation', 'terraform']) {
      const refused = await cli(['cloud', 'export', '-p', projectDir, '--format', format, '-o', mine]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(format === 'terraform' ? 'would overwrite main.tf, README.md' : 'would overwrite README.md');
    }
    expect(fs.readFileSync(path.join(mine, 'README.md'), 'utf8')).toBe("# my team's infra notes\n");
    expect(fs.readdirSync(mine).sort()).toEqual(['README.md', 'main.tf']);
  });

  it('exporting the other format into the same folder replaces the earlier export, and back again', async () => {
    const out = path.join(makeTempDir(), 'mix');
    const templates = ['boundary.template.json', 'bucket.template.json', 'resources.template.json', 'task.template.json'];
    expect((await cli(['cloud', 'export', '-p', projectDir, '--format', 'cloudformation', '-o', out])).code).toBe(0);
    const terraform = await cli(['cloud', 'export', '-p', projectDir, '--format', 'terraform', '-o', out]);
    expect(terraform.code, terraform.stderr).toBe(0);
    // The templates were handoff's (listed in the manifest): they go, the folder holds the Terraform module only.
    expect(fs.readdirSync(out).sort()).toEqual(['.handoff-export', 'README.md', 'main.tf', 'outputs.tf', 'variables.tf', 'versions.tf']);
    const back = await cli(['cloud', 'export', '-p', projectDir, '--format', 'cloudformation', '-o', out]);
    expect(back.code, back.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['.handoff-export', 'README.md', ...templates]);
    // A file of the user's beside the export stays whatever is exported.
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine\n');
    expect((await cli(['cloud', 'export', '-p', projectDir, '--format', 'terraform', '-o', out])).code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine\n');
  });

  it('refuses an unknown format and a missing folder before anything else', async () => {
    const bad = await cli(['cloud', 'export', '-p', projectDir, '--format', 'pulumi', '-o', makeTempDir()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown export format "pulumi"');
    const noDir = await cli(['cloud', 'export', '-p', projectDir]);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain('-o <folder>');
  });
});

/** Runs terraform in `dir`; output is kept for the assertion message. */
function terraform(dir: string, args: string[], extraEnv: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('terraform', [...args, '-no-color'], { cwd: dir, env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output: output.slice(-6000) }));
  });
}

function hasTerraform(): boolean {
  return fs.existsSync('/opt/tf-plugins') && fs.existsSync('/usr/local/bin/terraform');
}

describe('cloud export --format terraform', () => {
  it.skipIf(!hasTerraform())(
    'writes a module that inits from the offline plugin folder, validates, applies against moto what moto supports, then plans no changes',
    async () => {
      await moto.reset();
      const root = makeTempDir('handoff-tf-');
      const out = path.join(root, 'infra');
      const result = await cli(['cloud', 'export', '-p', projectDir, '--format', 'terraform', '-o', out]);
      expect(result.code, result.stderr).toBe(0);
      expect((parse(result.stdout) as { files: string[] }).files).toEqual(['versions.tf', 'variables.tf', 'main.tf', 'outputs.tf', 'README.md']);
      expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toContain('terraform init -plugin-dir=/opt/tf-plugins');
      const main = fs.readFileSync(path.join(out, 'main.tf'), 'utf8');

      // Points the provider at moto (path-style S3, no retries so a moto gap fails fast); an override file keeps the module as exported.
      fs.writeFileSync(
        path.join(out, 'moto_override.tf'),
        'provider "aws" {\n  s3_use_path_style           = true\n  skip_credentials_validation = true\n  skip_metadata_api_check     = true\n  max_retries                 = 1\n}\n',
      );
      const tfEnv = { ...moto.env, TF_CLI_CONFIG_FILE: '/dev/null', TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', AWS_EC2_METADATA_DISABLED: 'true' };
      // A plain `terraform init` would ask the registry; this machine has the provider in a folder only.
      const init = await terraform(out, ['init', '-input=false', '-plugin-dir=/opt/tf-plugins'], tfEnv);
      expect(init.code, init.output).toBe(0);
      const validate = await terraform(out, ['validate'], tfEnv);
      expect(validate.code, validate.output).toBe(0);

      // moto gap: it does not implement states:ValidateStateMachineDefinition, which the AWS provider calls for
      // aws_sfn_state_machine (and retries until it gives up). The state machine and what refers to it (its two alarms
      // and the schedules) are therefore left out of the apply against moto; `terraform validate` above checked them.
      const blocks = [...main.matchAll(/^resource "([^"]+)" "([^"]+)" \{\n([\s\S]*?)^\}/gm)];
      const skipped = blocks.filter(([, type, , body]) => type === 'aws_sfn_state_machine' || body!.includes('aws_sfn_state_machine.')).map(([, type, name]) => `${type}.${name}`);
      expect(skipped.sort()).toEqual([
        'aws_cloudwatch_metric_alarm.executions_failed_alarm',
        'aws_cloudwatch_metric_alarm.executions_timed_out_alarm',
        'aws_scheduler_schedule.schedule',
        'aws_sfn_state_machine.state_machine',
      ]);
      const targets = blocks.map(([, type, name]) => `${type}.${name}`).filter((a) => !skipped.includes(a));
      const apply = await terraform(out, ['apply', '-auto-approve', '-input=false', ...targets.map((t) => `-target=${t}`)], tfEnv);
      expect(apply.code, apply.output).toBe(0);
      expect(apply.output).toMatch(/Apply complete! Resources: \d+ added/);

      const ecs = new ECSClient(clientConfig());
      expect((await ecs.send(new DescribeClustersCommand({ clusters: ['handoff-dev-exp'] }))).clusters?.[0]?.status).toBe('ACTIVE');
      const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'handoff-dev-exp-tally' }))).taskDefinition!;
      expect({ cpu: td.cpu, memory: td.memory, network: td.networkMode, storage: td.ephemeralStorage?.sizeInGiB }).toEqual({ cpu: '512', memory: '1024', network: 'awsvpc', storage: 30 });
      expect(td.containerDefinitions?.[0]?.environment).toEqual([{ name: 'HO_STAGE', value: 'dev' }]);
      expect(td.containerDefinitions?.[0]?.image).toBe(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/tally:0.2`);
      // Role names computed by Terraform from var.region, as handoff names them.
      expect(td.executionRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/handoff/dev-exp/handoff-dev-exp-use1-exec`);
      const iam = new IAMClient(clientConfig());
      const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'handoff-dev-exp-use1-exec' }));
      expect(attached.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['AmazonECSTaskExecutionRolePolicy']);
      expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'handoff-dev-exp-use1-tally-task' }))).PolicyNames?.sort()).toEqual(['handoff-task-access', 'project-task-policy']);
      const role = (await iam.send(new GetRoleCommand({ RoleName: 'handoff-dev-exp-use1-tally-task' }))).Role!;
      expect(role.PermissionsBoundary?.PermissionsBoundaryArn).toBe(`arn:aws:iam::${ACCOUNT}:policy/handoff/handoff-permissions-boundary`);
      // deploy.tags arrive through the provider's default_tags.
      expect(Object.fromEntries((role.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({ 'handoff:resource-group': 'dev-exp', team: 'data' });
      const logs = new CloudWatchLogsClient(clientConfig());
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/handoff/' }))).logGroups?.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([['/handoff/dev-exp/tally', 14]]);
      const filters = (await logs.send(new DescribeMetricFiltersCommand({ logGroupName: '/handoff/dev-exp/tally' }))).metricFilters ?? [];
      expect(filters.map((f) => f.filterPattern).sort()).toEqual(['"Job ended at"', '"Job started at"', '"ended with exit code" -"ended with exit code 0" -"[handoff: stopped by a user]"', '"timed out"']);
      const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
      const bucket = `handoff-dev-exp-${(await import('node:crypto')).createHash('md5').update(ACCOUNT).digest('hex').slice(-8)}`;
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');

      // Applied twice, the configuration changes nothing: what moto reads back is what was declared.
      const plan = await terraform(out, ['plan', '-detailed-exitcode', '-input=false', ...targets.map((t) => `-target=${t}`)], tfEnv);
      expect(plan.code, plan.output).toBe(0);

      // The same module with a network of your own: the VPC goes, the task's network is the one given.
      const ec2 = new EC2Client(clientConfig());
      const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }))).Vpc!.VpcId!;
      const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.7.1.0/24' }))).Subnet!.SubnetId!;
      const group = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: 'own', Description: 'own' }))).GroupId!;
      const own = await terraform(out, ['plan', '-input=false', `-var=subnets=["${subnet}"]`, `-var=security_groups=["${group}"]`, ...targets.map((t) => `-target=${t}`)], tfEnv);
      expect(own.code, own.output).toBe(0);
      expect(own.output).toContain('aws_vpc.vpc[0] will be destroyed');
      expect(own.output).not.toContain('aws_ecs_cluster.cluster[0] will be destroyed');
    },
    300_000,
  );
});
