// The AWS provider end to end against moto: bucket stack, project push, run from S3/SSM twice, and the AWS bad inputs.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeParametersCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';
import { DB_PASSWORD, expectNoSecretIn, JINJA_SECRET, makeStoreProject, readJsonFiles, RESOURCE_GROUP, runWith, TASK, TOKEN } from './store-scenario.js';

// moto's STS answers with this account; the default bucket is handoff-<RG>-<last 8 hex of md5(account)>.
const ACCOUNT = '123456789012';

let moto: MotoServer;
let env: Record<string, string>;

beforeAll(async () => {
  // The SDK used directly by these tests would warn about Node 20 on stderr; handoff itself silences it the same way.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
});

afterAll(async () => {
  await moto?.stop();
});

function clients(): { s3: S3Client; ssm: SSMClient } {
  const config = { endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  return { s3: new S3Client({ ...config, forcePathStyle: true }), ssm: new SSMClient(config) };
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((c) => c.Key ?? '');
}

describe('aws provider against moto: project push, then run from S3 and SSM', () => {
  const aws = ['--cloud-provider', 'aws'];
  const target = ['-e', `resource_group=${RESOURCE_GROUP}`, `task=${TASK}`];
  let bucket = '';
  let consoleText = '';

  beforeAll(async () => {
    await moto.reset();
    const { projectDir, root } = makeStoreProject();
    const created = await runWith(env, [...aws, 'cloud', 'bucket', 'create', '-p', projectDir]);
    expect(created.code, created.stderr).toBe(0);
    const change = parse(created.stdout) as { bucket: string; action: string };
    expect(change.action).toBe('created');
    bucket = change.bucket;
    // Progress events of the stack are shown while waiting (moto reports the stack's own events only).
    expect(created.stderr).toContain(`handoff-dev-${RESOURCE_GROUP}-bucket: handoff-dev-${RESOURCE_GROUP}-bucket (AWS::CloudFormation::Stack) CREATE_COMPLETE`);
    const pushed = await runWith(env, [...aws, 'project', 'push', '-p', projectDir, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    consoleText += pushed.stdout + pushed.stderr;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('names the bucket after the resource group and the account, and reports the stack status', async () => {
    expect(bucket).toBe(`handoff-dev-${RESOURCE_GROUP}-${createHash('md5').update(ACCOUNT).digest('hex').slice(-8)}`);
    const status = await runWith(env, [...aws, 'cloud', 'bucket', 'status', ...target, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ bucket, exists: true, stack: { name: `handoff-dev-${RESOURCE_GROUP}-bucket`, status: 'CREATE_COMPLETE' } });
    const again = await runWith(env, [...aws, 'cloud', 'bucket', 'create', ...target]);
    expect(again.code, again.stderr).toBe(0);
    // AWS answers "no updates are to be performed" (unchanged); moto applies the same template again (updated).
    expect(['unchanged', 'updated']).toContain((parse(again.stdout) as { action: string }).action);
  });

  it('wrote SecureString parameters at the task and resource-group paths, {{ }} escaped, push: false left out', async () => {
    const { ssm } = clients();
    const read = async (name: string): Promise<{ value?: string; type?: string }> => {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return { value: out.Parameter?.Value, type: out.Parameter?.Type };
    };
    expect(await read(`/handoff/dev-${RESOURCE_GROUP}/${TASK}/API_TOKEN`)).toEqual({ value: TOKEN, type: 'SecureString' });
    expect(await read(`/handoff/dev-${RESOURCE_GROUP}/db_password`)).toEqual({ value: DB_PASSWORD, type: 'SecureString' });
    expect((await read(`/handoff/dev-${RESOURCE_GROUP}/${TASK}/jinja_secret`)).value).toBe('left \\{\\{ braces \\}\\} right');
    const all = await ssm.send(new DescribeParametersCommand({}));
    expect((all.Parameters ?? []).map((p) => p.Name).sort()).toEqual([
      `/handoff/dev-${RESOURCE_GROUP}/db_password`,
      `/handoff/dev-${RESOURCE_GROUP}/${TASK}/API_TOKEN`,
      `/handoff/dev-${RESOURCE_GROUP}/${TASK}/jinja_secret`,
    ]);
    ssm.destroy();
  });

  it('runs from the store into a fresh workspace: rendered files, secrets, __VARS, artifacts in last/ and archived, run record', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    const run = await runWith({ ...env, __VARS: 'start=$(echo 2024-03-0$((2 + 1))) label=cloud' }, [...aws, 'run', '-w', workspace, ...target, '-a']);
    consoleText += run.stdout + run.stderr;
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, 'files', 'config.ini'), 'utf8')).toBe(`password=${DB_PASSWORD}\njinja=${JINJA_SECRET}\nstage=dev\n`);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'vars.txt'), 'utf8')).toBe('start=2024-03-03 label=cloud\n');
    // files/hello.sh runs as a program: its executable bit came back from S3 (object metadata).
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'hello.txt'), 'utf8')).toBe('hello from an executable\n');
    expect(run.stderr).toContain('debug token=***');

    const { s3 } = clients();
    const last = await listKeys(s3, bucket, `${TASK}/artifacts/last/`);
    expect(last).toEqual(expect.arrayContaining([`${TASK}/artifacts/last/state.json`, `${TASK}/artifacts/last/vars.txt`, `${TASK}/artifacts/last/work_stderr.log`]));
    const archived = await listKeys(s3, bucket, `${TASK}/artifacts/archives/`);
    expect(archived.length).toBe(last.length);
    expect(archived[0]).toMatch(new RegExp(`^${TASK}/artifacts/archives/\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z/`));
    const runs = await listKeys(s3, bucket, `${TASK}/runs/`);
    expect(runs).toHaveLength(1);
    const record = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: runs[0] }));
    const recordText = await record.Body!.transformToString();
    expect(JSON.parse(recordText)).toMatchObject({ status: 'succeeded' });
    expectNoSecretIn(recordText);
    expectNoSecretIn(readJsonFiles(path.join(workspace, 'runs')));
    s3.destroy();
  });

  it('a second run in another fresh workspace sees the first run\'s state.json', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    const run = await runWith({ ...env, __VARS: 'start=x label=y' }, [...aws, 'run', '-w', workspace, ...target, '-a']);
    consoleText += run.stdout + run.stderr;
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'state.json'), 'utf8').trim()).toBe('{"runs": 2}');
    const { s3 } = clients();
    const state = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${TASK}/artifacts/last/state.json` }));
    expect((await state.Body!.transformToString()).trim()).toBe('{"runs": 2}');
    expect(await listKeys(s3, bucket, `${TASK}/runs/`)).toHaveLength(2);
    s3.destroy();
  });

  it('secrets print lists keys, levels and SSM paths with masked values', async () => {
    const printed = await runWith(env, [...aws, 'secrets', 'print', ...target]);
    consoleText += printed.stdout + printed.stderr;
    expect(printed.code, printed.stderr).toBe(0);
    const list = parse(printed.stdout) as { key: string; level: string; where: string; value: string }[];
    expect(list).toContainEqual({ key: 'db_password', level: 'resource group', where: `ssm:/handoff/dev-${RESOURCE_GROUP}/db_password (us-east-1)`, value: '***' });
    expect(list).toHaveLength(3);
  });

  it('never printed a secret value to the console', () => {
    expectNoSecretIn(consoleText);
  });

  it('bucket delete removes the stack and retains the bucket', async () => {
    const deleted = await runWith(env, [...aws, 'cloud', 'bucket', 'delete', ...target]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(parse(deleted.stdout)).toMatchObject({ action: 'retained', bucket });
    const status = await runWith(env, [...aws, 'cloud', 'bucket', 'status', ...target, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ exists: true, stack: { status: 'NOT_CREATED' } });
  });
});

describe('aws provider: bad input gives a clear error and writes nothing', () => {
  const aws = ['--cloud-provider', 'aws'];

  it('no bucket: says so and how to create it', async () => {
    await moto.reset();
    const { projectDir } = makeStoreProject();
    const result = await runWith(env, [...aws, 'config', 'push', '-p', projectDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: the bucket handoff-dev-store-test-[0-9a-f]{8} does not exist/);
    expect(result.stderr).toContain('fix: create it with `handoff cloud bucket create');
  });

  it('no credentials: says so, with the fix, and touches nothing', async () => {
    await moto.reset();
    const { projectDir } = makeStoreProject();
    const noCredentials = { ...env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '' };
    const result = await runWith(noCredentials, [...aws, 'secrets', 'push', '-p', projectDir, '-y']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: no AWS credentials found');
    expect(result.stderr).toContain('--cloud-profile');
    const { ssm } = clients();
    expect((await ssm.send(new DescribeParametersCommand({}))).Parameters ?? []).toEqual([]);
    ssm.destroy();
  });

  it('--cloud-profile takes region and credentials from the named profile', async () => {
    await moto.reset();
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'config'), '[profile moto-test]\nregion = us-east-1\n');
    fs.writeFileSync(path.join(dir, 'credentials'), '[moto-test]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    const profileEnv = {
      ...env,
      AWS_REGION: '',
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_CONFIG_FILE: path.join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
    };
    const { projectDir } = makeStoreProject();
    const withoutProfile = await runWith(profileEnv, [...aws, 'cloud', 'bucket', 'status', '-p', projectDir]);
    expect(withoutProfile.code).toBe(2);
    expect(withoutProfile.stderr).toContain('no AWS region is set');
    const created = await runWith(profileEnv, [...aws, '--cloud-profile', 'moto-test', 'cloud', 'bucket', 'create', '-p', projectDir]);
    expect(created.code, created.stderr).toBe(0);
    expect(parse(created.stdout)).toMatchObject({ action: 'created' });
  });

  it('no region: says so, with the fix', async () => {
    const { projectDir } = makeStoreProject();
    const result = await runWith({ ...env, AWS_REGION: '', AWS_DEFAULT_REGION: '' }, [...aws, 'config', 'push', '-p', projectDir]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('error: no AWS region is set');
    expect(result.stderr).toContain('fix: export AWS_REGION=');
  });

  it('a secret over 4 KiB needs -v allow_advanced_tier=true and is then stored in the Advanced tier', async () => {
    await moto.reset();
    const big = 'x'.repeat(5000);
    const { projectDir } = makeStoreProject(`- key: big_secret\n  value: ${big}\n`);
    expect((await runWith(env, [...aws, 'cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    const refused = await runWith(env, [...aws, 'secrets', 'push', '-p', projectDir, '-y']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('needs the Advanced tier');
    const { ssm } = clients();
    expect((await ssm.send(new DescribeParametersCommand({}))).Parameters ?? []).toEqual([]);
    const allowed = await runWith(env, [...aws, 'secrets', 'push', '-p', projectDir, '-y', '-v', 'allow_advanced_tier=true']);
    expect(allowed.code, allowed.stderr).toBe(0);
    const params = (await ssm.send(new DescribeParametersCommand({}))).Parameters ?? [];
    expect(params.find((p) => p.Name?.endsWith('/big_secret'))?.Tier).toBe('Advanced');
    expect(params.find((p) => p.Name?.endsWith('/API_TOKEN'))?.Tier).toBe('Standard');
    ssm.destroy();
  });

  it('run with nothing in the store says what to push', async () => {
    await moto.reset();
    const { projectDir, workspaceDir } = makeStoreProject();
    expect((await runWith(env, [...aws, 'cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    const result = await runWith(env, [...aws, 'run', '-p', projectDir, '-w', workspaceDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: there is no project\.yml in the store at s3:\/\/handoff-dev-store-test-[0-9a-f]{8}\/pipeline\/project\.yml/);
    expect(result.stderr).toContain('fix: push the project first: handoff project push');
  });
});
