// The deploy role is not admin: with moto's IAM access control on, a full deploy works with its assumed credentials,
// actions outside it are denied, and the task role reads its project but writes only artifacts/ and runs/.
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  DeleteRolePermissionsBoundaryCommand,
  DetachRolePolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
  GetPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

const ACCOUNT = '123456789012';
const SECRET = 'tok-role-55e1';
let moto: MotoServer;
let dir = '';
let home = '';
let bucket = '';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}
let deployRole: Credentials;

/** moto's switch for IAM access control (its INITIAL_NO_AUTH_ACTION_COUNT): 0 checks every request from now on. */
async function setAccessControl(on: boolean): Promise<void> {
  const response = await fetch(`${moto.url}/moto-api/reset-auth`, { method: 'POST', body: on ? '0' : 'inf' });
  expect(response.ok).toBe(true);
}

const config = (credentials: Credentials | { accessKeyId: string; secretAccessKey: string } = { accessKeyId: 'testing', secretAccessKey: 'testing' }) => ({
  endpoint: moto.url,
  region: 'us-east-1',
  credentials,
});

function cli(args: string[], credentials: Credentials): Promise<CliResult> {
  return runCli(args, {
    env: {
      ...moto.env,
      HANDOFF_HOME: home,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_PROFILE: undefined,
      __VARS: undefined,
    } as NodeJS.ProcessEnv,
    timeoutMs: 120_000,
  });
}

async function assume(roleArn: string): Promise<Credentials> {
  const out = await new STSClient(config()).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'test' }));
  return { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: unknown;
}

/**
 * The policy as moto can evaluate it. moto's access control compares actions, and resources only for S3, IAM calls on
 * an existing role and sts:AssumeRole (every other call is checked against "*"); it ignores conditions. So Allow
 * statements of other services get Resource "*" (their actions stay exactly as generated), and moto's name for S3's
 * HeadBucket (on AWS s3:ListBucket) is added. Resources and conditions themselves are asserted on the generated
 * documents (src/providers/aws/stacks/deploy-role.test.ts).
 */
function createMotoView(document: { Statement: Statement[] }): string {
  const statements = document.Statement.map((s) => {
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    const evaluated = s.Effect === 'Deny' || actions.every((a) => a.startsWith('s3:')) || actions.every((a) => /^iam:\w*Role/.test(a));
    const withHead = actions.includes('s3:ListBucket') ? [...actions, 's3:HeadBucket'] : actions;
    return { ...s, Action: withHead, ...(evaluated ? {} : { Resource: '*' }) };
  });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** moto returns an inline policy its CloudFormation made as Python's repr of the document, not JSON (moto gap). */
function readMotoPolicy(text: string): { Statement: Statement[] } {
  try {
    return JSON.parse(text) as { Statement: Statement[] };
  } catch {
    return JSON.parse(text.replace(/'/g, '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false')) as { Statement: Statement[] };
  }
}

async function expectDenied(call: Promise<unknown>): Promise<void> {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  expect(error, 'the call was allowed').toBeDefined();
  expect(error!.$metadata?.httpStatusCode).toBe(403);
}

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  home = makeTempDir('handoff-home-');
  dir = makeProject(
    `envs:
  - key: API_TOKEN
tasks:
  - name: count
    commands:
      - command: echo
        args: counting > artifacts/count.txt
deploy:
  cloud_provider: aws
  resource_group: sec
  task: guarded
  image_version: "0.1"
schedules:
  - target_id: 1
    cron: rate(1 day)
`,
    { 'files/query.sql': 'select 1;\n', '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${SECRET}\n` },
  ).projectDir;
  bucket = `handoff-dev-sec-${(await import('node:crypto')).createHash('md5').update(ACCOUNT).digest('hex').slice(-8)}`;

  // As an administrator, before access control is on: the deploy role (with the boundary), and a bucket of someone else's.
  const admin = { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' };
  const created = await cli(['cloud', 'role', 'create', '-p', dir], admin);
  expect(created.code, created.stderr).toBe(0);
  await new S3Client({ ...config(), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'acme-finance' }));
  const iam = new IAMClient(config());
  const roleName = `handoff-role-${ACCOUNT}`;
  for (const attached of (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? []) {
    const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: attached.PolicyArn! }))).Policy!;
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: attached.PolicyArn!, VersionId: policy.DefaultVersionId! }));
    const document = JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!)) as { Statement: Statement[] };
    const view = await iam.send(new CreatePolicyCommand({ PolicyName: `moto-view-${attached.PolicyName}`, PolicyDocument: createMotoView(document) }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: attached.PolicyArn! }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: view.Policy!.Arn! }));
  }
  deployRole = await assume(`arn:aws:iam::${ACCOUNT}:role/${roleName}`);
  await setAccessControl(true);
});

afterAll(async () => {
  await moto?.stop();
});

describe('with the deploy role\'s assumed credentials and access control on', () => {
  it('a full cloud deploy succeeds: stacks, project push, secrets, schedules', async () => {
    const deployed = await cli(['cloud', 'deploy', '-p', dir, '-y'], deployRole);
    expect(deployed.code, deployed.stderr).toBe(0);
    const result = parse(deployed.stdout) as { stacks: { kind: string; action: string }[]; schedules: { action: string }[]; project: { secrets: { written: string[] } } };
    expect(result.stacks.map((s) => [s.kind, s.action])).toEqual([
      ['bucket', 'created'],
      ['resources', 'created'],
      ['task', 'created'],
    ]);
    expect(result.project.secrets.written).toEqual(['API_TOKEN']);
    expect(result.schedules.map((s) => s.action)).toEqual(['created']);
    // moto gap: with access control on, moto's server re-signs S3 requests from a URL whose query has %2F decoded,
    // so a listing with a prefix such as `guarded/files/` fails its signature check. The first deploy lists nothing
    // (the bucket is new); a second deploy, `cloud plan` and `handoff run` list, so they are not run under access control.
  });

  it('cloud run, job status and logs work too', async () => {
    const run = await cli(['cloud', 'run', '-p', dir, '--json'], deployRole);
    expect(run.code, run.stderr).toBe(0);
    const job = JSON.parse(run.stdout) as { job: string };
    const status = await cli(['cloud', 'job', 'status', '-p', dir, '-v', `id=${job.job}`], deployRole);
    expect(status.code, status.stderr).toBe(0);
    const logs = await cli(['cloud', 'logs', '-p', dir], deployRole);
    expect(logs.code, logs.stderr).toBe(0);
  });

  it('denies what could make an admin or reach beyond handoff\'s resources', async () => {
    const iam = new IAMClient(config(deployRole));
    const admin = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    await expectDenied(iam.send(new CreateUserCommand({ UserName: 'backdoor' })));
    // The deploy role itself lives outside /handoff/: it cannot widen its own permissions.
    await expectDenied(iam.send(new PutRolePolicyCommand({ RoleName: `handoff-role-${ACCOUNT}`, PolicyName: 'more', PolicyDocument: admin })));
    // Nor the boundary, nor remove it from a role.
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/handoff/handoff-permissions-boundary`;
    await expectDenied(iam.send(new CreatePolicyVersionCommand({ PolicyArn: boundary, PolicyDocument: admin, SetAsDefault: true })));
    await expectDenied(iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'handoff-dev-sec-use1-guarded-task' })));
    // Nor wear one of handoff's roles.
    await expectDenied(new STSClient(config(deployRole)).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/handoff/dev-sec/handoff-dev-sec-use1-guarded-task`, RoleSessionName: 'x' })));
    // Buckets other than handoff's, and services it does not deploy to, are out of reach.
    await expectDenied(new S3Client({ ...config(deployRole), forcePathStyle: true }).send(new PutObjectCommand({ Bucket: 'acme-finance', Key: 'x', Body: 'x' })));
    await expectDenied(new EC2Client(config(deployRole)).send(new RunInstancesCommand({ ImageId: 'ami-12345678', MinCount: 1, MaxCount: 1 })));
  });
});

describe('the task role', () => {
  let taskRole: Credentials;

  beforeAll(async () => {
    await setAccessControl(false);
    const iam = new IAMClient(config());
    const role = 'handoff-dev-sec-use1-guarded-task';
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: 'handoff-task-access' }));
    const document = readMotoPolicy(decodeURIComponent(policy.PolicyDocument!));
    await iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: 'handoff-task-access', PolicyDocument: createMotoView(document) }));
    taskRole = await assume(`arn:aws:iam::${ACCOUNT}:role/handoff/dev-sec/${role}`);
    await setAccessControl(true);
  });

  it('reads its project, files and secrets, and writes artifacts and run records, as `handoff run` in the container does', async () => {
    const s3 = new S3Client({ ...config(taskRole), forcePathStyle: true });
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'guarded/project.yml' }))).Body!.transformToString()).toContain('resource_group: sec');
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'guarded/files/query.sql' }))).Body!.transformToString()).toBe('select 1;\n');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'guarded/artifacts/last/count.txt', Body: 'counting\n' }));
    // (Real archive keys hold a UTC time with colons, which moto's signature check with access control on trips over.)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'guarded/artifacts/archives/20260101/count.txt', Body: 'counting\n' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'guarded/runs/20260101T000000.000Z-abcd.json', Body: '{}' }));
    const secret = await new SSMClient(config(taskRole)).send(new GetParameterCommand({ Name: '/handoff/dev-sec/guarded/API_TOKEN', WithDecryption: true }));
    expect(secret.Parameter?.Value).toBe(SECRET);
  });

  it('cannot change its own project.yml or files/, which the next run fetches and executes', async () => {
    const s3 = new S3Client({ ...config(taskRole), forcePathStyle: true });
    await expectDenied(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'guarded/project.yml', Body: 'tasks: []\n' })));
    await expectDenied(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'guarded/files/query.sql', Body: 'drop table x;\n' })));
    await expectDenied(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'other-task/artifacts/last/x', Body: 'x' })));
    await expectDenied(s3.send(new GetObjectCommand({ Bucket: 'acme-finance', Key: 'x' })));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'guarded/project.yml' }))).Body!.transformToString()).toContain('resource_group: sec');
  });
});
