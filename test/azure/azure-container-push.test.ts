// `container push` to an Azure Container Registry: the ACR token exchange, podman login with the token on stdin, the push
// through the registry's front to a real registry, and nothing created outside the registry the project names.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../src/container/container-cli.js';
import { makeTempDir, runCli } from '../helpers/cli.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

const execFileAsync = promisify(execFile);
const hasPodman = findOnPath('podman') !== undefined && findOnPath('docker-registry') !== undefined;
const image = `handoff-acr-test-${crypto.randomBytes(4).toString('hex')}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe.skipIf(!hasPodman)('azure: container push to ACR', () => {
  let registry: ChildProcess | undefined;
  let bed: AzureTestbed;
  let projectDir = '';

  beforeAll(async () => {
    const port = await freePort();
    const dir = makeTempDir('handoff-acr-registry-');
    // Relative upload URLs, so the registry's answers work through the ACR front on another port.
    fs.writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n  relativeurls: true\n`);
    registry = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok).catch(() => false)); i++) await new Promise((r) => setTimeout(r, 100));
    bed = await startAzureTestbed({ registryBackend: `http://127.0.0.1:${port}` });
    projectDir = path.join(makeTempDir('handoff-acr-project-'), 'pushed');
    fs.mkdirSync(projectDir, { recursive: true });
    fs.writeFileSync(path.join(projectDir, 'project.yml'), `tasks:\n  - name: t\n    commands:\n      - command: "true"\ndeploy:\n  resource_group: etl\n  task: pushed\n  container_image: ${image}\n${bed.deployKeys()}\n`);
    // A tiny image made here (no base image, no network): what is pushed matters, not what it runs.
    const context = makeTempDir('handoff-acr-context-');
    fs.writeFileSync(path.join(context, 'hello.txt'), 'hello\n');
    fs.writeFileSync(path.join(context, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
    await execFileAsync('podman', ['build', '-q', '-t', `${image}:0.1`, context], { timeout: 120_000 });
  }, 180_000);

  afterAll(async () => {
    registry?.kill('SIGTERM');
    await bed?.stop();
    await execFileAsync('podman', ['rmi', '-f', `${image}:0.1`, `${bed?.emulator.registryServer}/${image}:0.1`]).catch(() => undefined);
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

  it('cloud plan finds the pushed version as the highest tag in the registry', async () => {
    const plan = await runCli(['cloud', 'plan', '-p', projectDir, '--json'], { env: bed.env });
    expect(plan.code, plan.stderr).toBe(0);
    expect((JSON.parse(plan.stdout) as { image: string }).image).toBe(`${bed.emulator.registryServer}/${image}:0.1`);
    expect(plan.stderr).not.toContain('is not in');
  });
});
