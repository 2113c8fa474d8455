// The azure provider's bad input: located, exit 2, before any call to Azure; and the Azure SDK loaded only when azure is chosen.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from '../helpers/cli.js';
import { findFilesWithPackage, runRecorded } from '../helpers/module-recorder.js';
import { createLoopbackCertificate } from './emulator/certificate.js';

const SUBSCRIPTION = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const TASKS = 'tasks:\n  - name: t\n    commands:\n      - command: "true"\n';

/** A server standing where Azure would be: it counts every request, so a test can prove nothing was sent. */
let calls = 0;
let server: https.Server;
let env: Record<string, string>;

beforeAll(async () => {
  const certificate = createLoopbackCertificate();
  server = https.createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    calls++;
    res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"Unexpected","message":"no call was expected"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  env = {
    AZURE_TENANT_ID: '00000000-0000-0000-0000-0000000000aa',
    AZURE_CLIENT_ID: '00000000-0000-0000-0000-0000000000bb',
    AZURE_CLIENT_SECRET: 'not-a-real-secret',
    AZURE_AUTHORITY_HOST: base,
    HANDOFF_AZURE_ENDPOINT: base,
    HANDOFF_AZURE_BLOB_ENDPOINT: `${base}/{account}`,
    NODE_EXTRA_CA_CERTS: certificate.caFile,
  };
});

afterAll(() => {
  server?.close();
});

function azureProject(deploy: string, extra = ''): string {
  return makeProject(`${TASKS}deploy:\n  cloud_provider: azure\n  resource_group: etl\n  task: t\n${deploy}${extra}`).projectDir;
}

describe('azure: bad input is located, exits 2 and calls nothing', () => {
  const cases: [string, string, RegExp][] = [
    ['a missing subscription_id', '  resource_group_name: rg\n  location: westeurope\n', /project\.yml:5:1: deploy: deploy\.subscription_id is missing: the azure provider deploys into an Azure subscription/],
    ['a location written as the portal shows it', `  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: West Europe\n`, /project\.yml:11:13: deploy\.location: deploy\.location "West Europe" is not an Azure region name \(did you mean "westeurope"\?\)/],
    ['a cpu/memory pair Container Apps refuses', `  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n  cpu: 1024\n  memory: 1024\n`, /project\.yml:13:11: deploy\.memory: deploy\.memory 1024 MiB does not go with deploy\.cpu 1024 on Container Apps .*allowed cpu\/memory pairs: 256\/512, 512\/1024/],
  ];
  for (const [what, deploy, message] of cases) {
    it(`${what}`, async () => {
      const projectDir = azureProject(deploy);
      for (const args of [['cloud', 'deploy', '-p', projectDir, '-y'], ['cloud', 'bucket', 'create', '-p', projectDir], ['config', 'push', '-p', projectDir]]) {
        const before = calls;
        const result = await runCli(args, { env });
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(calls - before).toBe(0);
      }
    });
  }

  it('a task name Azure cannot hold, and an unknown image version tag, before any call', async () => {
    const projectDir = makeProject(`${TASKS}deploy:\n  cloud_provider: azure\n  resource_group: etl\n  task: my_task\n  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n`).projectDir;
    const before = calls;
    const result = await runCli(['cloud', 'bucket', 'create', '-p', projectDir], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('task "my_task" can only contain letters, digits and hyphens');
    expect(result.stderr).toContain('rename the task, e.g. "my-task"');
    expect(calls - before).toBe(0);
  });

  it('a deploy without deploy.registry says what to add, before any call', async () => {
    const projectDir = azureProject(`  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n`);
    const before = calls;
    const result = await runCli(['cloud', 'plan', '-p', projectDir], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('deploy.registry is not set');
    expect(calls - before).toBe(0);
  });

  it('a schedule target_id Azure cannot name, a schedule HO_STAGE of another stage or AZURE_CLIENT_ID, and an alarm_email that is no address: located, before any call', async () => {
    const deploy = `  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n  registry: acme.azurecr.io\n`;
    const schedule = (lines: string): string => `schedules:\n  - target_id: nightly\n    cron: 0 2 * * ? *\n${lines}`;
    const cases: [string, string, RegExp][] = [
      ['target_id', schedule('  - target_id: nightly.run\n    cron: 0 3 * * ? *\n'), /schedule target_id "nightly\.run" cannot name a Container Apps job[^]*project\.yml:16:16: schedules\[1\]\.target_id: not usable in an Azure name/],
      ['HO_STAGE', schedule('    envs:\n      - key: HO_STAGE\n        value: prod\n'), /schedules\[0\]\.envs: schedule nightly sets HO_STAGE=prod, but the task is deployed for stage dev/],
      ['AZURE_CLIENT_ID', schedule('    envs:\n      - key: AZURE_CLIENT_ID\n        value: 11111111-1111-1111-1111-111111111111\n'), /schedules\[0\]\.envs: schedule nightly sets AZURE_CLIENT_ID, which on Azure names the task's own managed identity/],
      ['alarm_email list', '', /deploy\.alarm_email "a@example\.com, b@example\.com" is not an e-mail address[^]*project\.yml:13:16: deploy\.alarm_email: not an e-mail address/],
    ];
    for (const [what, extra, message] of cases) {
      const projectDir = azureProject(what === 'alarm_email list' ? `${deploy}  alarm_email: "a@example.com, b@example.com"\n` : deploy, extra);
      for (const args of [['cloud', 'plan', '-p', projectDir], ['cloud', 'deploy', '-p', projectDir, '-v', 'version=1', '-y'], ['cloud', 'task', 'create', '-p', projectDir, '-v', 'version=1', '-y']]) {
        const before = calls;
        const result = await runCli(args, { env });
        expect(result.code, `${what} ${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr, what).toMatch(message);
        expect(calls - before, what).toBe(0);
      }
    }
  });

  it('names Azure would refuse (a container or identity name too long, a bad deploy.bucket) are located at their project.yml line, before any call', async () => {
    const deploy = (resourceGroup: string, task: string, extra = ''): string =>
      `${TASKS}deploy:\n  cloud_provider: azure\n  resource_group: ${resourceGroup}\n  task: ${task}\n  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n  registry: acme.azurecr.io\n${extra}`;
    const cases: [string, string, RegExp][] = [
      ['a long resource group', deploy('r'.repeat(50), 't'), /project\.yml:7:19: deploy\.resource_group: Blob container name "handoff-dev-r+-[0-9a-f]{8}" is 71 characters; Azure allows at most 63/],
      ['a long task', deploy('etl', 't'.repeat(120)), /project\.yml:8:9: deploy\.task: managed identity name "handoff-dev-etl_t+" is 136 characters; Azure allows at most 128/],
      ['a bucket Blob storage cannot name', deploy('etl', 't', '  bucket: My_Bucket\n'), /project\.yml:13:11: deploy\.bucket: Blob container name "My_Bucket"/],
    ];
    for (const [what, yml, message] of cases) {
      const projectDir = makeProject(yml).projectDir;
      for (const args of [['cloud', 'plan', '-p', projectDir], ['cloud', 'deploy', '-p', projectDir, '-v', 'version=1', '-y'], ['cloud', 'task', 'create', '-p', projectDir, '-v', 'version=1', '-y']]) {
        const before = calls;
        const result = await runCli(args, { env });
        expect(result.code, `${what} ${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr, `${what} ${args.join(' ')}`).toMatch(message);
        expect(calls - before, what).toBe(0);
      }
    }
  });

  it('Microsoft Entra ID out of reach is said as such (naming AZURE_AUTHORITY_HOST), not as refused credentials', async () => {
    const projectDir = azureProject(`  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n  storage_account: acmedata\n`);
    // A loopback port nothing listens on: the token request is refused by the network, not by Entra ID.
    const closed = https.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const authority = `https://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runCli(['cloud', 'job', 'status', '-p', projectDir], { env: { ...env, AZURE_AUTHORITY_HOST: authority }, timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('cannot reach Microsoft Entra ID');
    expect(result.stderr).toContain(`AZURE_AUTHORITY_HOST=${authority}`);
    expect(result.stderr).not.toContain('refused the credentials');
    expect(result.stderr).not.toContain(env.AZURE_CLIENT_SECRET!);
  }, 120_000);

  it('cloud run -e AZURE_CLIENT_ID=… is refused before any call: it would replace the identity the run reads its store with', async () => {
    const projectDir = azureProject(`  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n  storage_account: acmedata\n`);
    const before = calls;
    const result = await runCli(['cloud', 'run', '-p', projectDir, '-e', 'AZURE_CLIENT_ID=11111111-1111-1111-1111-111111111111'], { env });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain("AZURE_CLIENT_ID names the task's own managed identity on Azure");
    expect(calls - before).toBe(0);
  });

  it('no credentials: a clear error naming the ways to give them, and no secret in it', async () => {
    const projectDir = azureProject(`  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n  storage_account: acmedata\n`);
    const empty = makeTempDir('handoff-no-azure-cli-');
    const result = await runCli(['config', 'push', '-p', projectDir], {
      env: { HANDOFF_AZURE_ENDPOINT: env.HANDOFF_AZURE_ENDPOINT!, HANDOFF_AZURE_BLOB_ENDPOINT: env.HANDOFF_AZURE_BLOB_ENDPOINT!, NODE_EXTRA_CA_CERTS: env.NODE_EXTRA_CA_CERTS!, AZURE_CONFIG_DIR: empty, PATH: '/usr/bin:/bin', AZURE_TENANT_ID: '', AZURE_CLIENT_ID: '', AZURE_CLIENT_SECRET: '', IDENTITY_ENDPOINT: '', MSI_ENDPOINT: '', AZURE_FEDERATED_TOKEN_FILE: '' },
      timeoutMs: 90_000,
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('no usable Azure credentials');
    expect(result.stderr).toContain('AZURE_CLIENT_SECRET');
  }, 120_000);
});

describe('lazy loading of the Azure SDK', () => {
  const azureFiles = (files: string[]): string[] => findFilesWithPackage(files, '@azure/');

  it('--help, run local and the other providers load no bundle file with Azure SDK code', async () => {
    for (const args of [['--help'], ['cloud', 'deploy', '--help'], ['container', 'push', '--help']]) {
      const result = await runRecorded(args);
      expect(result.code, result.stderr).toBe(0);
      expect(azureFiles(result.loaded), args.join(' ')).toEqual([]);
    }
    const { projectDir, workspaceDir } = makeProject(`${TASKS}`);
    const run = await runRecorded(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(azureFiles(run.loaded)).toEqual([]);
  });

  it('the azure provider does load it (the check above can see SDK code when it is there)', async () => {
    const projectDir = azureProject(`  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n  storage_account: acmedata\n`);
    fs.writeFileSync(path.join(projectDir, 'x'), '');
    const result = await runRecorded(['cloud', 'bucket', 'status', '-p', projectDir], env);
    expect(result.code).not.toBe(0);
    expect(azureFiles(result.loaded).length).toBeGreaterThan(0);
  });
});
