// A 403 names the identity the user must grant a role: inside the task's Container Apps job (CONTAINER_APP_JOB_NAME set)
// the task's managed identity, from the user's CLI the identity it signed in with. A loopback HTTPS proxy in front of
// Azurite answers Blob storage's AuthorizationPermissionMismatch to the push of a run record (Azurite checks no roles).
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir } from '../helpers/cli.js';
import { runWith } from '../store/store-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

let bed: AzureTestbed;
let proxy: https.Server;
let proxyEndpoint = '';
let dir = '';

beforeAll(async () => {
  bed = await startAzureTestbed();
  dir = makeProject(`tasks:
  - name: work
    commands:
      - command: "true"
deploy:
  resource_group: denied
  task: job
${bed.deployKeys()}
`).projectDir;
  const created = await runWith(bed.env, ['cloud', 'bucket', 'create', '-p', dir]);
  expect(created.code, created.stderr).toBe(0);
  // The test CA's server certificate (next to the CA file) serves the proxy; everything but a run record's write goes to Azurite.
  const certs = path.dirname(bed.env.NODE_EXTRA_CA_CERTS!);
  const ca = fs.readFileSync(bed.env.NODE_EXTRA_CA_CERTS!);
  const target = new URL(bed.azurite.endpoint.replace('/{account}', ''));
  proxy = https.createServer({ cert: fs.readFileSync(path.join(certs, 'server.pem')), key: fs.readFileSync(path.join(certs, 'server.key')) }, (req, res) => {
    if (req.method === 'PUT' && /\/runs\/[^/?]+\.json/.test(req.url ?? '')) {
      req.resume();
      res.writeHead(403, { 'Content-Type': 'application/xml', 'x-ms-error-code': 'AuthorizationPermissionMismatch' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.</Message></Error>');
      return;
    }
    const forward = https.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, ca }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyEndpoint = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}/{account}`;
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await bed?.stop();
});

async function pushForbidden(inJob: boolean): Promise<string> {
  const workspace = makeTempDir('handoff-denied-ws-');
  const env: Record<string, string> = { ...bed.env, HANDOFF_AZURE_BLOB_ENDPOINT: proxyEndpoint, HANDOFF_HOME: makeTempDir('handoff-home-'), ...(inJob ? { CONTAINER_APP_JOB_NAME: 'handoff-dev-denied-job' } : {}) };
  const run = await runWith(env, ['run', 'local', '-p', dir, '-w', workspace, '-a']);
  const text = run.stdout + run.stderr;
  expect(run.code, text).toBe(0);
  const failed = text.split('\n').filter((l) => l.includes('ERROR') && l.includes("Could not push the run's results to the store"));
  expect(failed, text).toHaveLength(1);
  expect(failed[0]).toContain('the Azure identity may not');
  return failed[0]!;
}

describe('azure: whom a 403 tells the user to grant a role', () => {
  it('inside the task\'s job: the task\'s managed identity, by its name', async () => {
    const line = await pushForbidden(true);
    expect(line).toMatch(/\(fix: the task's managed identity handoff-dev-denied_job, which the job runs as, lacks the role: `handoff cloud deploy -p \S+` grants it/);
    expect(line).not.toContain('User Access Administrator');
  }, 180_000);

  it('from the user\'s CLI: the identity it signed in with, as before', async () => {
    const line = await pushForbidden(false);
    expect(line).toContain('grant it a role on the resource');
    expect(line).not.toContain('managed identity');
  }, 180_000);
});
