// The image path on Google Cloud, for real with podman: build, `container push` to Artifact Registry (repository made,
// login with an access token on stdin, image uploaded to the emulator's registry), deploy, and an execution that runs
// the pushed image as the job's identity, its logs in Cloud Logging.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findOnPath } from '../../src/container/container-cli.js';
import { makeProject, repoRoot, runCli, type CliResult } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

const execFileAsync = promisify(execFile);
const hasPodman = findOnPath('podman') !== undefined;
const namespace = `handoff-gcp-${crypto.randomBytes(4).toString('hex')}`;
const SECRET = `gcp-container-${crypto.randomBytes(6).toString('hex')}`;

let emulator: GcpEmulator;
let projectDir = '';

function cli(args: string[]): Promise<CliResult> {
  return runCli(['--container-provider', 'podman', ...args], { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined } as NodeJS.ProcessEnv, timeoutMs: 600_000 });
}

describe.skipIf(!hasPodman)('container push to Artifact Registry and a run of the pushed image', () => {
  beforeAll(async () => {
    const base = await execFileAsync('bash', [path.join(repoRoot, 'scripts', 'container-base.sh')], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    expect(base.stdout.trim()).toBe('localhost/handoff-base:bookworm-node20-r1');
    emulator = await startGcpEmulator({ containers: 'podman' });
    projectDir = makeProject(
      `envs:
  - key: API_TOKEN
tasks:
  - name: prove
    commands:
      - command: sh
        args: -c 'printf %s "$API_TOKEN" | sha256sum | cut -c1-64 > artifacts/token.sha256'
deploy:
  cloud_provider: gcp
  gcp_project: acme-data
  region: us-central1
  resource_group: ct
  task: words
  container_image: ${namespace}/words
`,
      { '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${SECRET}\n` },
    ).projectDir;
    const build = await runCli(['--container-provider', 'podman', 'container', 'build', '-p', projectDir], { timeoutMs: 600_000 });
    expect(build.code, build.stderr).toBe(0);
  }, 900_000);

  afterAll(async () => {
    await emulator?.stop();
    const listed = await execFileAsync('podman', ['images', '--format', '{{.ID}} {{.Repository}}']).then((r) => r.stdout).catch(() => '');
    const ours = new Set(listed.split('\n').filter((l) => l.includes(namespace)).map((l) => l.split(' ')[0]!));
    if (ours.size > 0) await execFileAsync('podman', ['rmi', '-f', ...ours]).catch(() => undefined);
  });

  it('pushes to the Artifact Registry repository it creates, logging in with an access token on stdin', async () => {
    const pushed = await cli(['container', 'push', '-p', projectDir, '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = JSON.parse(pushed.stdout) as { pushed: string; registry: string; repositoryCreated: boolean; digest: string };
    expect(result).toMatchObject({ pushed: `127.0.0.1:${emulator.port}/acme-data/handoff/${namespace}/words:0.1`, registry: `127.0.0.1:${emulator.port}`, repositoryCreated: true });
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pushed.stderr).toContain('Created the Artifact Registry repository projects/acme-data/locations/us-central1/repositories/handoff (Docker, immutable tags)');
    const repository = 'projects/acme-data/locations/us-central1/repositories/handoff';
    expect(emulator.artifacts.repositories.get(repository)!.json).toMatchObject({ format: expect.anything(), dockerConfig: { immutableTags: true } });
    expect(emulator.artifacts.tags(repository, `${namespace}/words`)).toEqual(['0.1']);
    // The registry was used with a login (the emulator refuses anonymous pushes), and no credential was printed.
    expect(emulator.requests.filter((r) => r.path.includes('/manifests/') && r.method === 'PUT').map((r) => r.caller)).toEqual(['user:deployer@example.com']);
    expect(pushed.stdout + pushed.stderr).not.toMatch(/ya29\.emulated-/);
    expect(pushed.stdout + pushed.stderr).not.toContain(emulator.credentials.subjectToken);
  });

  it('deploys the highest pushed version and runs that image as the job\'s identity', async () => {
    const deployed = await cli(['cloud', 'deploy', '-p', projectDir, '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect((parse(deployed.stdout) as { image: string }).image).toBe(`127.0.0.1:${emulator.port}/acme-data/handoff/${namespace}/words:0.1`);
    expect(deployed.stderr).not.toContain('is not in Artifact Registry yet');
    const run = await cli(['cloud', 'run', '-p', projectDir, '--wait']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Task prove ended with exit code 0');
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    const bucket = [...emulator.storage.buckets.values()][0]!;
    const digest = bucket.objects.get('words/artifacts/last/token.sha256')!.find((v) => v.live)!.body.toString('utf8').trim();
    expect(digest).toBe(crypto.createHash('sha256').update(SECRET).digest('hex'));
  });
});
