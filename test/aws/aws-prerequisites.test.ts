// AWS refuses what Google Cloud and Azure refuse: a task without its bucket, and a run whose store has no bucket or no project.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DeleteBucketCommand, DeleteObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

let moto: MotoServer;
let env: Record<string, string>;
let dir = '';

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
}

const clientConfig = () => ({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

async function stackNames(): Promise<string[]> {
  return ((await new CloudFormationClient(clientConfig()).send(new DescribeStacksCommand({}))).Stacks ?? []).map((s) => s.StackName!);
}

async function runningTasks(): Promise<number> {
  return ((await new ECSClient(clientConfig()).send(new ListTasksCommand({ cluster: 'handoff-dev-acme' }))).taskArns ?? []).length;
}

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  dir = makeProject(`tasks:
  - name: load
    commands:
      - command: echo
        args: loading
deploy:
  cloud_provider: aws
  resource_group: acme
  task: sync
  image_version: "0.1"
`).projectDir;
  const resources = await cli(['cloud', 'resources', 'create', '-p', dir]);
  expect(resources.code, resources.stderr).toBe(0);
}, 240_000);

afterAll(async () => {
  await moto?.stop();
});

describe('AWS task and run prerequisites', () => {
  it('cloud task create without the bucket is refused (exit 2) and creates nothing', async () => {
    const refused = await cli(['cloud', 'task', 'create', '-p', dir]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/error: the bucket s3:\/\/handoff-dev-acme-\S+ does not exist yet, and the task's identity is granted access to it; nothing was created/);
    expect(refused.stderr).toContain('fix: run `handoff cloud bucket create` first');
    expect(await stackNames()).not.toContain('handoff-dev-acme-sync');
  }, 120_000);

  it('cloud run with nothing pushed, then with no bucket, is refused (exit 2) and starts no task', async () => {
    expect((await cli(['cloud', 'bucket', 'create', '-p', dir])).code).toBe(0);
    const created = await cli(['cloud', 'task', 'create', '-p', dir]);
    expect(created.code, created.stderr).toBe(0);

    const noProject = await cli(['cloud', 'run', '-p', dir]);
    expect(noProject.code, noProject.stderr).toBe(2);
    expect(noProject.stderr).toMatch(/error: no project.yml of dev-acme\/sync in the store \(s3:\/\/handoff-dev-acme-\S+\/sync\/project.yml\), so a run would find no project; nothing was started/);
    // The fix names the user's own -p (a plain temporary path, so unquoted).
    expect(noProject.stderr).toContain(`fix: push it first: handoff project push -p ${dir} (or handoff cloud deploy)`);

    // Gone behind handoff's back (`cloud bucket delete` refuses while the task uses it).
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    const bucket = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!).find((name) => name.startsWith('handoff-dev-acme-'))!;
    for (const object of (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    const noBucket = await cli(['cloud', 'run', '-p', dir]);
    expect(noBucket.code, noBucket.stderr).toBe(2);
    expect(noBucket.stderr).toMatch(/error: the bucket s3:\/\/handoff-dev-acme-\S+ does not exist, so a run of dev-acme\/sync would find no project; nothing was started/);
    expect(await runningTasks()).toBe(0);
  }, 240_000);
});
