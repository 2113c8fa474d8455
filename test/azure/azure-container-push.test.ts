// The image path on Azure, for real with podman: build, `container push` to an Azure Container Registry (the ACR token
// exchange, podman login with the token on stdin, the push through the registry's front to a real registry, nothing
// created outside it), deploy, and an execution that runs the pushed image as the job's managed identity.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../src/container/container-cli.js';
import { parse } from 'yaml';
import { makeTempDir, repoRoot, runCli } from '../helpers/cli.js';
import { findFreePort } from '../helpers/free-port.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

const execFileAsync = promisify(execFile);
const hasPodman = findOnPath('podman') !== undefined && findOnPath('docker-registry') !== undefined;
const image = `handoff-acr-test-${crypto.randomBytes(4).toString('hex')}`;
const SECRET = `azure-container-${crypto.randomBytes(6).toString('hex')}`;


describe.skipIf(!hasPodman)('azure: container push to ACR', () => {
  let registry: ChildProcess | undefined;
  let bed: AzureTestbed;
  let projectDir = '';

  beforeAll(async () => {
    const port = await findFreePort();
    const dir = makeTempDir('handoff-acr-registry-');
    // Relative upload URLs, so the registry's answers work through the ACR front on another port.
    fs.writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n  relativeurls: true\n`);
    registry = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok).catch(() => false)); i++) await new Promise((r) => setTimeout(r, 100));
    bed = await startAzureTestbed({ registryBackend: `http://127.0.0.1:${port}` });
    const base = await execFileAsync('bash', [path.join(repoRoot, 'scripts', 'container-base.sh')], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    expect(base.stdout.trim()).toBe('localhost/handoff-base:bookworm-node20-r1');
    projectDir = path.join(makeTempDir('handoff-acr-project-'), 'pushed');
    fs.mkdirSync(path.join(projectDir, '.secrets'), { recursive: true });
    fs.writeFileSync(
      path.join(projectDir, 'project.yml'),
      `envs:\n  - key: API_TOKEN\ntasks:\n  - name: prove\n    commands:\n      - command: sh\n        args: -c 'printf %s "$API_TOKEN" | sha256sum | cut -c1-64 > artifacts/token.sha256'\ndeploy:\n  resource_group: ct\n  task: pushed\n  container_image: ${image}\n${bed.deployKeys()}\n`,
    );
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), `- key: API_TOKEN\n  value: ${SECRET}\n`);
    const build = await runCli(['--container-provider', 'podman', 'container', 'build', '-p', projectDir], { timeoutMs: 600_000 });
    expect(build.code, build.stderr).toBe(0);
  }, 900_000);

  afterAll(async () => {
    registry?.kill('SIGTERM');
    await bed?.stop();
    const listed = await execFileAsync('podman', ['images', '--format', '{{.ID}} {{.Repository}}']).then((r) => r.stdout).catch(() => '');
    const ours = new Set(listed.split('\n').filter((l) => l.includes(image)).map((l) => l.split(' ')[0]!));
    if (ours.size > 0) await execFileAsync('podman', ['rmi', '-f', ...ours]).catch(() => undefined);
  });

  it('exchanges the Entra token for a registry token, logs in with it on stdin and pushes, creating nothing else', async () => {
    const before = bed.emulator.requests.length;
    const pushed = await runCli(['--container-provider', 'podman', 'container', 'push', '-p', projectDir, '--json'], { env: bed.env, timeoutMs: 180_000 });
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = JSON.parse(pushed.stdout) as { pushed: string; digest: string; repositoryCreated: boolean };
    expect(result.pushed).toBe(`${bed.emulator.registryServer}/${image}:0.1`);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.repositoryCreated).toBe(true);
    expect(pushed.stderr).toContain(`Repository ${bed.emulator.registryServer}/${image} is new: the registry makes it with this push`);
    const calls = bed.emulator.requests.slice(before);
    // The documented ACR flow: an exchange for a refresh token, then the registry's own token service.
    expect(calls.some((c) => c.method === 'POST' && c.path === '/oauth2/exchange')).toBe(true);
    expect(calls.some((c) => c.path === '/oauth2/token')).toBe(true);
    // Nothing on Resource Manager: no registry, repository or role is created by a push.
    expect(calls.filter((c) => c.path.toLowerCase().startsWith('/subscriptions/'))).toEqual([]);
    expect(bed.emulator.pushedImages.has(`${bed.emulator.registryServer}/${image}:0.1`)).toBe(true);
    // The refresh token went to podman on stdin only.
    expect(pushed.stdout + pushed.stderr).not.toMatch(/acr-refresh-/);
  }, 240_000);

  it('deploys the highest pushed version and runs that image as the job\'s managed identity', async () => {
    const deployed = await runCli(['cloud', 'deploy', '-p', projectDir, '-y'], { env: bed.env, timeoutMs: 120_000 });
    expect(deployed.code, deployed.stderr).toBe(0);
    expect((parse(deployed.stdout) as { image: string }).image).toBe(`${bed.emulator.registryServer}/${image}:0.1`);
    expect(deployed.stderr).not.toContain('is not in');
    const run = await runCli(['cloud', 'run', '-p', projectDir, '--wait'], { env: bed.env, timeoutMs: 300_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Task prove ended with exit code 0');
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    // The container read the secret from Key Vault as the job's identity and pushed its artifact to the Blob container.
    const identity = bed.emulator.resourcesOfType('Microsoft.ManagedIdentity/userAssignedIdentities')[0] as { properties: { principalId: string } };
    expect(bed.emulator.requests.some((r) => r.principal === identity.properties.principalId && r.path.startsWith('/keyvault/'))).toBe(true);
    const workspace = makeTempDir('handoff-acr-artifacts-');
    const got = await runCli(['artifacts', 'get', '-p', projectDir, '-w', workspace], { env: bed.env });
    expect(got.code, got.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'token.sha256'), 'utf8').trim()).toBe(crypto.createHash('sha256').update(SECRET).digest('hex'));
  }, 400_000);
});
