// Tests of AWS name building: stage prefixes, the md5 bucket name, SPEC §6 layout, and AWS limits as UserErrors.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { createDefaultBucketName, createDeployNames, createDeployNamesBeforeAccount, createDeployRoleName, createRegionCode, createStagedResourceGroup, type DeployNamesInput } from './names.js';

const base: DeployNamesInput = { resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' };

function catchUserError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

describe('createDeployNames', () => {
  it('prefixes the resource group with the stage, but not in prod, and keeps the task bare', () => {
    const dev = createDeployNames(base);
    expect(dev.resourceGroup).toBe('dev-etl');
    expect(dev.bareResourceGroup).toBe('etl');
    expect(dev.taskStack).toBe('handoff-dev-etl-wordcount');
    expect(dev.s3.taskPrefix).toBe('wordcount/');
    expect(dev.ssmTaskPath).toBe('/handoff/dev-etl/wordcount');

    const prod = createDeployNames({ ...base, stage: 'prod' });
    expect(prod.resourceGroup).toBe('etl');
    expect(prod.bucketStack).toBe('handoff-etl-bucket');
    expect(prod.resourcesStack).toBe('handoff-etl-resources');
    expect(prod.taskStack).toBe('handoff-etl-wordcount');
    expect(createStagedResourceGroup('etl', 'staging')).toBe('staging-etl');
  });

  it('names the default bucket after the last 8 hex digits of md5(account id)', () => {
    const md5 = createHash('md5').update('123456789012').digest('hex');
    expect(md5.slice(-8)).toBe('f0cc306f');
    expect(createDeployNames(base).bucket).toBe('handoff-dev-etl-f0cc306f');
    expect(createDefaultBucketName('etl', '210987654321')).toBe(`handoff-etl-${createHash('md5').update('210987654321').digest('hex').slice(-8)}`);
    expect(createDeployNames({ ...base, bucket: 'acme-data' }).bucket).toBe('acme-data');
  });

  it('builds every stack and resource name from one place', () => {
    const n = createDeployNames(base);
    expect(n).toMatchObject({
      bucketStack: 'handoff-dev-etl-bucket',
      resourcesStack: 'handoff-dev-etl-resources',
      cluster: 'handoff-dev-etl',
      taskDefinitionFamily: 'handoff-dev-etl-wordcount',
      containerName: 'wordcount',
      logGroup: '/handoff/dev-etl/wordcount',
      rolePath: '/handoff/dev-etl/',
      executionRole: 'handoff-dev-etl-use1-exec',
      runnerRole: 'handoff-dev-etl-use1-runner',
      schedulerRole: 'handoff-dev-etl-use1-sched',
      taskRole: 'handoff-dev-etl-use1-wordcount-task',
      stateMachine: 'handoff-dev-etl-wordcount',
      scheduleGroup: 'handoff-dev-etl-wordcount',
      alarmTopic: 'handoff-dev-etl-wordcount-alarms',
      ecrRepository: 'wordcount',
      ssmResourceGroupPath: '/handoff/dev-etl',
    });
    expect(n.exports.subnets).toBe('handoff-dev-etl-resources-Subnets');
    expect(createDeployRoleName('210987654321')).toBe('handoff-role-210987654321');
  });

  it('lays out S3 keys as SPEC §6 does', () => {
    const s3 = createDeployNames(base).s3;
    expect(s3.projectKey).toBe('wordcount/project.yml');
    expect(s3.fileKey('sub/dir/config.json')).toBe('wordcount/files/sub/dir/config.json');
    expect(s3.fileKey('sub\\win.txt')).toBe('wordcount/files/sub/win.txt');
    expect(s3.lastArtifactKey('state.json')).toBe('wordcount/artifacts/last/state.json');
    expect(s3.archivePrefix('2024-01-02T03:04:05Z')).toBe('wordcount/artifacts/archives/2024-01-02T03:04:05Z/');
    expect(s3.runRecordKey('r-1')).toBe('wordcount/runs/r-1.json');
    expect(() => s3.fileKey('../escape')).toThrow(UserError);
    expect(() => s3.fileKey('a'.repeat(1100))).toThrow(/1024/);
  });

  it('builds SSM parameter names and rejects keys SSM refuses', () => {
    const n = createDeployNames(base);
    expect(n.taskParameter('username')).toBe('/handoff/dev-etl/wordcount/username');
    expect(n.resourceGroupParameter('google_client_secret')).toBe('/handoff/dev-etl/google_client_secret');
    expect(() => n.taskParameter('has space')).toThrow(UserError);
    expect(() => n.taskParameter('k'.repeat(1000))).toThrow(/1011/);
  });

  it('counts the ARN of a China or GovCloud region with its own partition, which is longer', () => {
    // `arn:aws-cn:ssm:cn-north-1:<12>:parameter/handoff/dev-etl/wordcount/` is 75 characters: 936 more make 1011 (1008 with the `aws` partition).
    const china = createDeployNames({ ...base, region: 'cn-north-1' });
    expect(china.taskParameter('k'.repeat(936))).toBe(`/handoff/dev-etl/wordcount/${'k'.repeat(936)}`);
    expect(() => china.taskParameter('k'.repeat(937))).toThrow('its ARN has 1012 characters; SSM allows 1011');
  });

  it('names schedules by target id inside the task group, checking Scheduler characters', () => {
    const n = createDeployNames(base);
    expect(n.scheduleName('1')).toBe('target-1');
    const err = catchUserError(() => n.scheduleName('a b'));
    expect(err.message).toMatch(/schedule name "target-a b" is invalid/);
  });

  it('builds ECR image URIs, lowercasing a defaulted repository and using the China domain in cn regions', () => {
    expect(createDeployNames({ ...base, task: 'WordCount' }).ecrImageUri('0.1')).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/wordcount:0.1');
    expect(createDeployNames({ ...base, region: 'cn-north-1', containerImage: 'acme/wc' }).ecrImageUri('1.2')).toBe('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/acme/wc:1.2');
    expect(() => createDeployNames({ ...base, containerImage: 'Acme/WC' })).toThrow(/ECR repository name/);
    expect(catchUserError(() => createDeployNames({ ...base, task: 'w' })).fix).toMatch(/set deploy.container_image/);
    expect(() => createDeployNames(base).ecrImageUri('-bad')).toThrow(UserError);
  });

  it('turns a too-long resource group into a UserError naming the limit, the input and how much to cut', () => {
    const err = catchUserError(() => createDeployNames({ ...base, resourceGroup: 'r'.repeat(60) }));
    // The worst overrun leads: the task role `handoff-dev-<60>-use1-wordcount-task` (92 characters, IAM allows 64).
    expect(err.message).toBe(`IAM role name "handoff-dev-${'r'.repeat(60)}-use1-wordcount-task" is 92 characters; AWS allows at most 64`);
    expect(err.fix).toBe('shorten deploy.resource_group (with its "dev-" stage prefix) or deploy.task (with the region code "use1") by at least 28 characters');
    expect(err.exitCode).toBe(2);
    // Every broken name is listed, e.g. the bucket (63) and the schedule group (64).
    const messages = err.diagnostics.map((d) => d.message).join('\n');
    expect(messages).toMatch(/S3 bucket name .* AWS allows at most 63/);
    expect(messages).toMatch(/schedule group name .* AWS allows at most 64/);
    expect(err.diagnostics.every((d) => d.path === 'deploy.resource_group' || d.path === 'deploy.task')).toBe(true);
  });

  it('accepts names exactly at the limit and rejects one character more', () => {
    // handoff-<RG>-use1-<task>-task must fit 64 characters: with stage prod, RG + task may have 45 characters together.
    expect(createDeployNames({ ...base, stage: 'prod', resourceGroup: 'r'.repeat(20), task: 't'.repeat(25), bucket: 'b-x' }).taskRole).toHaveLength(64);
    const err = catchUserError(() => createDeployNames({ ...base, stage: 'prod', resourceGroup: 'r'.repeat(21), task: 't'.repeat(25), bucket: 'b-x' }));
    expect(err.message).toMatch(/IAM role name .* is 65 characters/);
    expect(err.fix).toMatch(/by at least 1 character$/);
  });

  it('says to set deploy.bucket when the default bucket name is too long or not lowercase', () => {
    const long = catchUserError(() => createDeployNames({ ...base, stage: 'prod', resourceGroup: 'r'.repeat(47), task: 'tt' }));
    const bucket = long.diagnostics.find((d) => d.message.startsWith('S3 bucket name'))!;
    expect(bucket.message).toMatch(/S3 bucket name "handoff-r+-f0cc306f" is 64 characters; AWS allows at most 63/);
    expect(bucket.hint).toBe('use a shorter, lowercase deploy.resource_group, or set deploy.bucket');
    expect(createDeployNames({ ...base, stage: 'prod', resourceGroup: 'r'.repeat(43), task: 'tt' }).bucket).toHaveLength(60);

    const upper = catchUserError(() => createDeployNames({ ...base, resourceGroup: 'ETL' }));
    expect(upper.message).toMatch(/S3 bucket name "handoff-dev-ETL-f0cc306f" is invalid/);
    expect(createDeployNames({ ...base, resourceGroup: 'ETL', bucket: 'etl-data' }).cluster).toBe('handoff-dev-ETL');
  });

  it('blames -s/--stage, not the lowercase resource group, when an uppercase stage breaks the default bucket name', () => {
    const error = catchUserError(() => createDeployNames({ ...base, stage: 'QA' }));
    expect(error.message).toMatch(/S3 bucket name "handoff-QA-etl-f0cc306f" is invalid/);
    expect(error.fix).toBe('use a lowercase stage (-s qa): it is part of the default bucket name; or set deploy.bucket');
    expect(error.diagnostics[0]!.path).toBe('-s/--stage');
    expect(createDeployNames({ ...base, stage: 'QA', bucket: 'etl-data' }).taskStack).toBe('handoff-QA-etl-wordcount');
  });

  it('puts a short region code in IAM role names, which are global, so one resource group fits in two regions', () => {
    expect(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'ap-south-1', 'us-gov-west-1', 'eu-central-2', 'ca-west-1'].map(createRegionCode)).toEqual([
      'use1',
      'euw1',
      'apse2',
      'aps1',
      'usgovw1',
      'euc2',
      'caw1',
    ]);
    const east = createDeployNames(base);
    const west = createDeployNames({ ...base, region: 'eu-west-1' });
    for (const key of ['executionRole', 'runnerRole', 'schedulerRole', 'taskRole'] as const) expect(east[key]).not.toBe(west[key]);
    // Regional names stay as they were; the bucket (global too) is the account's, see bucket-collision.ts.
    expect(east.taskStack).toBe(west.taskStack);
    expect(east.bucket).toBe(west.bucket);
    expect(west.permissionsBoundaryArn).toBe('arn:aws:iam::123456789012:policy/handoff/handoff-permissions-boundary');
    expect(createDeployNames({ ...base, region: 'cn-north-1' }).permissionsBoundaryArn).toMatch(/^arn:aws-cn:iam::/);
  });

  it('takes an existing cluster by name or by ARN of the same account and region', () => {
    expect(createDeployNames({ ...base, cluster: 'data-platform' })).toMatchObject({ cluster: 'data-platform', clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/data-platform', ownCluster: false });
    expect(createDeployNames({ ...base, cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/dp' })).toMatchObject({ cluster: 'dp', ownCluster: false });
    expect(createDeployNames(base)).toMatchObject({ cluster: 'handoff-dev-etl', ownCluster: true });
    const elsewhere = catchUserError(() => createDeployNames({ ...base, cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/dp' }));
    expect(elsewhere.message).toMatch(/deploy.cluster .* is in eu-west-1/);
    expect(elsewhere.diagnostics[0]!.path).toBe('deploy.cluster');
    expect(() => createDeployNames({ ...base, cluster: 'bad name!' })).toThrow(/ECS cluster name/);
  });

  it('rejects explicit bucket names that break S3 rules', () => {
    for (const bucket of ['ab', 'My-Bucket', 'a..b', 'a.-b', '192.168.1.1', 'xn--abc', 'data-s3alias', 'x'.repeat(64)]) {
      const err = catchUserError(() => createDeployNames({ ...base, bucket }));
      expect(err.diagnostics[0]!.path).toBe('deploy.bucket');
    }
  });

  it('rejects characters that cannot be part of stack names, with a suggestion', () => {
    const err = catchUserError(() => createDeployNames({ ...base, task: 'word_count' }));
    expect(err.message).toMatch(/task "word_count" can only contain letters, digits and hyphens/);
    expect(err.fix).toBe('rename the task, e.g. "word-count"');
    expect(() => createDeployNames({ ...base, resourceGroup: '-etl' })).toThrow(UserError);
    expect(() => createDeployNames({ ...base, stage: 'my stage' })).toThrow(/stage "my stage"/);
  });

  it('reserves task names that would collide with the resource group stacks', () => {
    expect(() => createDeployNames({ ...base, task: 'bucket' })).toThrow(/reserved/);
    expect(() => createDeployNames({ ...base, task: 'Resources' })).toThrow(/reserved/);
  });

  it('before the account is known, checks every name with its length: a stand-in account, the bucket suffix as xxxxxxxx', () => {
    const { accountId: _account, ...withoutAccount } = base;
    const early = createDeployNamesBeforeAccount(withoutAccount);
    expect(early.bucket).toBe('handoff-dev-etl-xxxxxxxx');
    expect(early.bucket).toHaveLength(createDeployNames(base).bucket.length);
    // A cluster ARN's account cannot be compared yet (STS says it later); its region can.
    expect(createDeployNamesBeforeAccount({ ...withoutAccount, cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/dp' }).cluster).toBe('dp');
    expect(() => createDeployNamesBeforeAccount({ ...withoutAccount, cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/dp' })).toThrow(/is in eu-west-1/);
    const long = catchUserError(() => createDeployNamesBeforeAccount({ ...withoutAccount, resourceGroup: 'e'.repeat(48) }));
    expect(long.diagnostics.map((d) => d.message)).toContain(`S3 bucket name "handoff-dev-${'e'.repeat(48)}-xxxxxxxx" is 69 characters; AWS allows at most 63`);
  });

  it('rejects malformed account ids and regions', () => {
    expect(() => createDeployNames({ ...base, accountId: '1234' })).toThrow(/12-digit/);
    expect(() => createDeployRoleName('abc')).toThrow(/12-digit/);
    expect(() => createDeployNames({ ...base, region: 'US East' })).toThrow(/region/);
    expect(createDeployNames({ ...base, region: 'us-gov-west-1' }).region).toBe('us-gov-west-1');
  });
});
