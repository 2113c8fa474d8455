// Projects whose AWS names or store prefix meet across stages and resource groups (prod + dev-etl is dev + etl; a shared deploy.bucket): the later one is refused before any write.
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListScheduleGroupsCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

let moto: MotoServer;
let env: Record<string, string>;

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
}

const clientConfig = () => ({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

function project(input: { resourceGroup: string; task: string; description: string; file: string; token: string; bucket?: string }): string {
  return makeProject(
    `description: ${input.description}
envs:
  - key: API_TOKEN
tasks:
  - name: load
    commands:
      - command: echo
        args: loading
deploy:
  cloud_provider: aws
  resource_group: ${input.resourceGroup}
  task: ${input.task}
  image_version: "0.1"
${input.bucket ? `  bucket: ${input.bucket}\n` : ''}schedules:
  - target_id: 1
    cron: "0 6 * * ? *"
`,
    {
      [`files/${input.file}`]: 'select 1;\n',
      '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${input.token}\n`,
      '.secrets/secrets.yml': `- key: API_TOKEN\n  value: ${input.token}\n`,
    },
  ).projectDir;
}

async function readObject(bucket: string, key: string): Promise<string | undefined> {
  try {
    const out = await new S3Client(clientConfig()).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString();
  } catch {
    return undefined;
  }
}

async function listKeys(bucket: string): Promise<string[]> {
  const out = await new S3Client(clientConfig()).send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

async function readParameter(name: string): Promise<string | undefined> {
  try {
    return (await new SSMClient(clientConfig()).send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
  } catch {
    return undefined;
  }
}

async function stackTags(name: string): Promise<Record<string, string>> {
  const out = await new CloudFormationClient(clientConfig()).send(new DescribeStacksCommand({ StackName: name }));
  return Object.fromEntries((out.Stacks?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
}

async function scheduleGroups(): Promise<string[]> {
  return ((await new SchedulerClient(clientConfig()).send(new ListScheduleGroupsCommand({}))).ScheduleGroups ?? []).map((g) => g.Name ?? '');
}

// The default bucket of staged resource group dev-etl in moto's account (md5 of 123456789012, last 8 hex digits).
const DEFAULT_BUCKET = 'handoff-dev-etl-f0cc306f';

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
});

afterAll(async () => {
  await moto?.stop();
});

describe('stage prod + resource group dev-etl, where stage dev + resource group etl is deployed', () => {
  let mine = '';
  let other = '';
  beforeAll(async () => {
    mine = project({ resourceGroup: 'etl', task: 'words', description: 'project A', file: 'q.sql', token: 'tok-secret-abc123xyz' });
    other = project({ resourceGroup: 'dev-etl', task: 'words', description: 'OTHER TEAM', file: 'other.sql', token: 'other-team-token-999' });
    const deployed = await cli(['cloud', 'deploy', '-p', mine, '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
  }, 300_000);

  const refused = (result: CliResult): void => {
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/belongs to stage dev \+ resource group etl( \(task words\))?, not to this project's stage prod \+ resource group dev-etl|holds the store of stage dev, resource group etl/);
    expect(result.stdout + result.stderr).not.toContain('other-team-token-999');
  };

  it('the deploy tags every stack with its stage apart from the staged resource group', async () => {
    expect(await stackTags('handoff-dev-etl-words')).toMatchObject({ 'handoff:resource-group': 'dev-etl', 'handoff:stage': 'dev', 'handoff:task': 'words' });
    expect(await stackTags('handoff-dev-etl-resources')).toMatchObject({ 'handoff:resource-group': 'dev-etl', 'handoff:stage': 'dev' });
    expect(await readObject(DEFAULT_BUCKET, 'words/.handoff-owner')).toBe('dev/etl\n');
  });

  it('cloud plan, cloud deploy, secrets push and project push are refused, naming stage dev + resource group etl', async () => {
    refused(await cli(['cloud', 'plan', '-p', other, '-s', 'prod']));
    refused(await cli(['cloud', 'deploy', '-p', other, '-s', 'prod', '-y']));
    refused(await cli(['secrets', 'push', '-p', other, '-s', 'prod', '-y']));
    refused(await cli(['project', 'push', '-p', other, '-s', 'prod', '-y']));
    refused(await cli(['cloud', 'task', 'delete', '-p', other, '-s', 'prod', '-y']));
    refused(await cli(['cloud', 'run', '-p', other, '-s', 'prod']));
  }, 300_000);

  it('left the dev deployment as it was: its stack, project, files and secret', async () => {
    expect(await stackTags('handoff-dev-etl-words')).toMatchObject({ 'handoff:stage': 'dev' });
    expect(await readObject(DEFAULT_BUCKET, 'words/project.yml')).toContain('project A');
    expect(await listKeys(DEFAULT_BUCKET)).toContain('words/files/q.sql');
    expect(await listKeys(DEFAULT_BUCKET)).not.toContain('words/files/other.sql');
    expect(await readParameter('/handoff/dev-etl/words/API_TOKEN')).toBe('tok-secret-abc123xyz');
    // The dev project itself goes on as before.
    const again = await cli(['cloud', 'plan', '-p', mine]);
    expect(again.code, again.stderr).toBe(0);
  });

  it('a renamed deploy.task: cloud plan (which deploy runs first) says the old task is still deployed, with its enabled schedules', async () => {
    const renamed = project({ resourceGroup: 'etl', task: 'lines', description: 'project A', file: 'q.sql', token: 'tok-secret-abc123xyz' });
    const plan = await cli(['cloud', 'plan', '-p', renamed]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('also deployed in resource group dev-etl: task words (stack handoff-dev-etl-words, 1 enabled schedule)');
    expect(plan.stderr).toContain('handoff cloud task delete -p <project> -e task=<former task>');
    // The stage prod + dev-etl project is refused before this, and stage dev's own task is not listed as another.
    const own = await cli(['cloud', 'plan', '-p', mine]);
    expect(own.stderr).not.toContain('also deployed');
  }, 120_000);

  it('cloud bucket delete is refused while the group\'s tasks use the bucket', async () => {
    const refused = await cli(['cloud', 'bucket', 'delete', '-p', mine, '-y']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`the bucket s3://${DEFAULT_BUCKET} is the store of task words (stack handoff-dev-etl-words); nothing was deleted`);
    expect(await stackTags('handoff-dev-etl-bucket')).toMatchObject({ 'handoff:stage': 'dev' });
  });

  it('a deployment of an earlier version (no handoff:stage tag, no owner mark) is judged by its HO_STAGE and project.yml', async () => {
    // Task `legacy` of dev + etl as an earlier handoff left it: tags without the stage, a template whose task
    // definition runs with HO_STAGE=dev, and the store's project.yml without a mark.
    const template = {
      Resources: {
        TaskDefinition: { Type: 'AWS::ECS::TaskDefinition', Properties: { Family: 'handoff-dev-etl-legacy', ContainerDefinitions: [{ Name: 'legacy', Image: 'x', Memory: 512, Environment: [{ Name: 'HO_STAGE', Value: 'dev' }] }] } },
      },
    };
    await new CloudFormationClient(clientConfig()).send(
      new CreateStackCommand({ StackName: 'handoff-dev-etl-legacy', TemplateBody: JSON.stringify(template), Tags: [{ Key: 'handoff:resource-group', Value: 'dev-etl' }, { Key: 'handoff:task', Value: 'legacy' }] }),
    );
    await new S3Client(clientConfig()).send(new PutObjectCommand({ Bucket: DEFAULT_BUCKET, Key: 'legacy/project.yml', Body: 'deploy:\n  resource_group: etl\n  task: legacy\n' }));
    const legacy = project({ resourceGroup: 'dev-etl', task: 'legacy', description: 'OTHER TEAM', file: 'other.sql', token: 'other-team-token-999' });
    // (cloud plan stops earlier, at the resource group's bucket stack, which the dev deploy above tagged.)
    const schedules = await cli(['cloud', 'schedule', 'list', '-p', legacy, '-s', 'prod']);
    expect(schedules.code, schedules.stderr).toBe(2);
    expect(schedules.stderr).toContain('the stack handoff-dev-etl-legacy belongs to stage dev + resource group etl (task legacy), not to this project\'s stage prod + resource group dev-etl (task legacy)');
    const secrets = await cli(['secrets', 'push', '-p', legacy, '-s', 'prod', '-y']);
    expect(secrets.code, secrets.stderr).toBe(2);
    expect(secrets.stderr).toContain('the stack handoff-dev-etl-legacy belongs to stage dev + resource group etl (task legacy)');
    expect(await readParameter('/handoff/dev-etl/legacy/API_TOKEN')).toBeUndefined();
    const push = await cli(['project', 'push', '-p', legacy, '-s', 'prod', '-y']);
    expect(push.code, push.stderr).toBe(2);
    expect(push.stderr).toContain(`s3://${DEFAULT_BUCKET}/legacy/ holds the store of resource group etl (its project.yml), not of this project's stage prod, resource group dev-etl`);
    expect(await readObject(DEFAULT_BUCKET, 'legacy/project.yml')).toContain('resource_group: etl');
  }, 300_000);
});

describe('a deploy that drops every schedule', () => {
  it('deletes them and their now empty schedule group', async () => {
    const dir = project({ resourceGroup: 'etl', task: 'nosched', description: 'schedules dropped later', file: 'q.sql', token: 'tok-secret-abc123xyz' });
    const first = await cli(['cloud', 'deploy', '-p', dir, '-y']);
    expect(first.code, first.stderr).toBe(0);
    expect(await scheduleGroups()).toContain('handoff-dev-etl-nosched');
    const file = path.join(dir, 'project.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/schedules:[\s\S]*$/, ''));
    const second = await cli(['cloud', 'deploy', '-p', dir, '-y']);
    expect(second.code, second.stderr).toBe(0);
    expect(parse(second.stdout).schedules).toEqual([{ target_id: '1', id: 'handoff-dev-etl-nosched/target-1', action: 'deleted' }]);
    expect(await scheduleGroups()).not.toContain('handoff-dev-etl-nosched');
  }, 300_000);
});

describe('two resource groups (and two stages) sharing one deploy.bucket with the same task name', () => {
  const BUCKET = 'team-data-bucket';
  let alpha = '';
  let beta = '';
  beforeAll(async () => {
    await new S3Client(clientConfig()).send(new CreateBucketCommand({ Bucket: BUCKET }));
    alpha = project({ resourceGroup: 'alpha', task: 'sync', description: 'project of alpha', file: 'alpha.sql', token: 'tok-alpha-1', bucket: BUCKET });
    beta = project({ resourceGroup: 'beta', task: 'sync', description: 'project of beta', file: 'beta.sql', token: 'tok-beta-2', bucket: BUCKET });
    const pushed = await cli(['project', 'push', '-p', alpha, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
  });

  it('the first push marks sync/ as stage dev, resource group alpha', async () => {
    expect(await readObject(BUCKET, 'sync/.handoff-owner')).toBe('dev/alpha\n');
  });

  it('beta\'s project push, files push and cloud plan are refused before any write; alpha\'s project and files stay', async () => {
    for (const args of [['project', 'push'], ['files', 'push'], ['cloud', 'plan']]) {
      const result = await cli([...args, '-p', beta, '-y']);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`s3://${BUCKET}/sync/ holds the store of stage dev, resource group alpha (its owner mark s3://${BUCKET}/sync/.handoff-owner), not of this project's stage dev, resource group beta`);
      expect(result.stderr).toContain('give this project another deploy.task');
    }
    expect(await listKeys(BUCKET)).toEqual(['sync/.handoff-owner', 'sync/files/alpha.sql', 'sync/project.yml']);
    expect(await readObject(BUCKET, 'sync/project.yml')).toContain('project of alpha');
  });

  it('another stage of alpha is refused too (dev and prod would share sync/ and its artifacts); alpha itself pushes again', async () => {
    const prod = await cli(['project', 'push', '-p', alpha, '-s', 'prod', '-y']);
    expect(prod.code, prod.stderr).toBe(2);
    expect(prod.stderr).toContain('holds the store of stage dev, resource group alpha');
    const again = await cli(['project', 'push', '-p', alpha, '-y']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('a prefix pushed before owner marks existed keeps working for its project, which marks it, and refuses another resource group', async () => {
    // alpha's task `old` as an earlier version pushed it: project.yml and a file, no mark.
    const s3 = new S3Client(clientConfig());
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'old/project.yml', Body: 'deploy:\n  resource_group: alpha\n  task: old\n' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'old/artifacts/last/state.json', Body: '{"bookmark":1}' }));
    const betaOld = project({ resourceGroup: 'beta', task: 'old', description: 'project of beta', file: 'beta.sql', token: 'tok-beta-2', bucket: BUCKET });
    const refused = await cli(['project', 'push', '-p', betaOld, '-y']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('holds the store of resource group alpha (its project.yml)');
    const alphaOld = project({ resourceGroup: 'alpha', task: 'old', description: 'project of alpha', file: 'alpha.sql', token: 'tok-alpha-1', bucket: BUCKET });
    const pushed = await cli(['project', 'push', '-p', alphaOld, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(await readObject(BUCKET, 'old/.handoff-owner')).toBe('dev/alpha\n');
    expect(await readObject(BUCKET, 'old/artifacts/last/state.json')).toBe('{"bookmark":1}');
  });
});
