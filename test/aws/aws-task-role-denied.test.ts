// A 403 names the principal the user must fix: inside the task's container (ECS's metadata endpoint named) the task
// role, from the user's CLI the credentials it runs with. A loopback proxy in front of moto answers S3's AccessDenied to
// the push of a run record, as S3 does for a policy that lets its principal read the store only (moto's own access
// control cannot be used: under it, moto fails the signature of every prefixed listing, see aws-deploy-role.test.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

let moto: MotoServer;
let metadata: http.Server;
let dir = '';
let proxy: http.Server;
let proxyUrl = '';

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  // The ECS task metadata endpoint v4, as Fargate serves it to the container.
  metadata = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ TaskARN: 'arn:aws:ecs:us-east-1:123456789012:task/handoff/0123456789abcdef' }));
  });
  await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
  dir = makeProject(`tasks:
  - name: work
    commands:
      - command: "true"
deploy:
  cloud_provider: aws
  resource_group: denied
  task: job
`).projectDir;
  const created = await runCli(['cloud', 'bucket', 'create', '-p', dir], { env: { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-'), AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
  expect(created.code, created.stderr).toBe(0);
  // Everything goes to moto but the write of a run record, which is refused as S3 refuses it (403, AccessDenied).
  proxy = http.createServer((req, res) => {
    if (req.method === 'PUT' && /\/runs\/[^/?]+\.json/.test(req.url ?? '')) {
      req.resume();
      res.writeHead(403, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>');
      return;
    }
    const forward = http.request(`${moto.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => metadata?.close(resolve));
  await new Promise((resolve) => proxy?.close(resolve));
  await moto?.stop();
});

async function pushDenied(inTask: boolean): Promise<string> {
  const workspace = makeTempDir('handoff-denied-ws-');
  const env = {
    ...moto.env,
    AWS_ENDPOINT_URL: proxyUrl,
    AWS_PROFILE: undefined,
    __VARS: undefined,
    HANDOFF_HOME: makeTempDir('handoff-home-'),
    ECS_CONTAINER_METADATA_URI_V4: inTask ? `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/v4/container-1` : undefined,
  };
  const run = await runCli(['run', 'local', '-p', dir, '-w', workspace, '-a'], { env: env as NodeJS.ProcessEnv, timeoutMs: 120_000 });
  const text = run.stdout + run.stderr;
  // The run succeeded: its own code, whatever the push.
  expect(run.code, text).toBe(0);
  const failed = text.split('\n').filter((l) => l.includes('ERROR') && l.includes("Could not push the run's results to the store s3://"));
  expect(failed, text).toHaveLength(1);
  expect(failed[0]).toMatch(/AWS denied access/);
  return failed[0]!;
}

describe('aws: whom a 403 tells the user to fix', () => {
  it('inside the task\'s container: the task role, by its name, not the CLI\'s credentials', async () => {
    const line = await pushDenied(true);
    expect(line).toMatch(/\(fix: the task role handoff-[\w-]+-job-task, which the task runs as, lacks this: `handoff cloud deploy -p \S+` grants it/);
    expect(line).not.toContain('--cloud-profile');
  }, 180_000);

  it('from the user\'s CLI: the credentials it runs with, as before', async () => {
    const line = await pushDenied(false);
    expect(line).toContain('use credentials whose IAM policy allows this (--cloud-profile)');
    expect(line).not.toContain('task role');
  }, 180_000);
});
