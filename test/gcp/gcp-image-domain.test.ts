// deploy.image_domain on Google Cloud against the loopback emulator: an Artifact Registry host of another location is refused before any call (push and deploy would disagree), and a registry handoff does not list needs the version named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

let emulator: GcpEmulator;

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, CLOUDSDK_RUN_REGION: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

function project(deploy: string): string {
  return makeProject(
    `tasks:
  - name: count
    commands:
      - command: "true"
deploy:
  cloud_provider: gcp
  gcp_project: acme-data
  region: us-central1
  resource_group: img
  task: words
${deploy}`,
  ).projectDir;
}

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
});

afterAll(async () => {
  await emulator?.stop();
});

describe('an Artifact Registry image_domain', () => {
  it('of another location than deploy.region is refused at its line by container push, cloud plan, cloud deploy and cloud task create, before any request', async () => {
    for (const [domain, fix] of [
      ['us-docker.pkg.dev', 'remove image_domain (images go to us-central1-docker.pkg.dev), or set it to us-central1-docker.pkg.dev; nothing was pushed or deployed'],
      ['europe-west1-docker.pkg.dev', 'or deploy to europe-west1 (deploy.region: europe-west1)'],
    ] as const) {
      const dir = project(`  image_version: "0.1"\n  image_domain: ${domain}\n`);
      for (const args of [['container', 'push'], ['cloud', 'plan'], ['cloud', 'deploy', '-y'], ['cloud', 'task', 'create']]) {
        const before = emulator.requests.length;
        const result = await cli([...args, '-p', dir]);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr, args.join(' ')).toMatch(/project\.yml:12:\d+: deploy\.image_domain: /);
        expect(result.stderr, args.join(' ')).toContain(
          `deploy.image_domain ${domain} is Artifact Registry in ${domain.replace('-docker.pkg.dev', '')}, but the task deploys to region us-central1: container push makes the repository in us-central1 and the Cloud Run job runs its image from us-central1-docker.pkg.dev`,
        );
        expect(result.stderr, args.join(' ')).toContain(fix);
        expect(emulator.requests.length, args.join(' ')).toBe(before);
      }
    }
  });

  it('of deploy.region is the region\'s repository: the plan goes on', async () => {
    const result = await cli(['cloud', 'plan', '-p', project('  image_version: "0.1"\n  image_domain: us-central1-docker.pkg.dev\n')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('/acme-data/handoff/words:0.1');
  });
});

describe('an image_domain handoff does not list (a registry of its own)', () => {
  it('without deploy.image_version or -v version=: says to name the version, not "no repository yet"', async () => {
    const dir = project('  image_domain: "127.0.0.1:47701"\n');
    const result = await cli(['cloud', 'plan', '-p', dir]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('deploy.image_domain 127.0.0.1:47701 is a registry handoff does not list, so the version of words to deploy cannot be chosen there');
    expect(result.stderr).toContain('set deploy.image_version, or pass -v version=<tag> (the tag pushed to 127.0.0.1:47701)');
    expect(result.stderr).not.toContain('no repository yet');
    const named = await cli(['cloud', 'plan', '-p', dir, '-v', 'version=0.1']);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain('127.0.0.1:47701/words:0.1');
  });
});
