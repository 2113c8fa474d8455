// On Azure, `container push` and `cloud plan|deploy` agree on one registry, deploy.registry: a deploy.image_domain naming another is refused at its line, before any call.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.js';
import { createLoopbackCertificate } from './emulator/certificate.js';

const SUBSCRIPTION = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';

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

function azureProject(keys: string): string {
  return makeProject(
    `tasks:\n  - name: t\n    commands:\n      - command: "true"\ndeploy:\n  cloud_provider: azure\n  resource_group: etl\n  task: words\n  subscription_id: ${SUBSCRIPTION}\n  resource_group_name: rg\n  location: westeurope\n  image_version: "0.1"\n${keys}`,
  ).projectDir;
}

const COMMANDS = [['container', 'push'], ['cloud', 'plan'], ['cloud', 'deploy', '-y']];

describe('azure: deploy.image_domain and deploy.registry', () => {
  it('an image_domain other than deploy.registry is refused by container push, cloud plan and cloud deploy at its line, calling nothing', async () => {
    const projectDir = azureProject('  registry: acmedata.azurecr.io\n  image_domain: "127.0.0.1:47701"\n');
    for (const args of COMMANDS) {
      const before = calls;
      const result = await runCli([...args, '-p', projectDir], { env });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(
        /project\.yml:14:\d+: deploy\.image_domain: deploy\.image_domain 127\.0\.0\.1:47701 is not the registry the Container Apps job runs its image from: on Azure, container push and cloud deploy both use deploy\.registry \(acmedata\.azurecr\.io\)/,
      );
      expect(result.stderr, args.join(' ')).toContain('remove image_domain (images go to deploy.registry acmedata.azurecr.io), or set registry: "127.0.0.1:47701"');
      expect(calls - before, args.join(' ')).toBe(0);
    }
  });

  it('an image_domain without deploy.registry is refused the same way, saying to name it in deploy.registry', async () => {
    const projectDir = azureProject('  image_domain: acmedata.azurecr.io\n');
    for (const args of COMMANDS) {
      const before = calls;
      const result = await runCli([...args, '-p', projectDir], { env });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('deploy.image_domain acmedata.azurecr.io is not the registry the Container Apps job runs its image from: on Azure, container push and cloud deploy both use deploy.registry, which is not set');
      expect(result.stderr, args.join(' ')).toContain('replace image_domain with registry: "acmedata.azurecr.io" under deploy:');
      expect(calls - before, args.join(' ')).toBe(0);
    }
  });

  it('an image_domain that repeats deploy.registry is accepted (the plan goes on to Azure)', async () => {
    const projectDir = azureProject('  registry: acmedata.azurecr.io\n  image_domain: https://acmedata.azurecr.io/\n');
    const before = calls;
    const result = await runCli(['cloud', 'plan', '-p', projectDir], { env });
    expect(result.stderr).not.toContain('image_domain');
    expect(calls - before).toBeGreaterThan(0);
  });
});
