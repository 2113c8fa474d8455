// One CLI on every cloud (fourth review's leftovers): `cloud task status|delete` and `cloud schedule create` print the
// same keys on AWS (moto), Google Cloud and Azure (the emulators); a failed cloud run's log names a command that works
// on the user's machine; an ambiguous job id names the runs it matches.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from './helpers/cli.js';
import { startMotoServer, type MotoServer } from './helpers/moto-server.js';
import { runWith } from './store/store-scenario.js';
import { startGcpEmulator, type GcpEmulator } from './gcp/emulator/gcp-emulator.js';
import { startAzureTestbed, type AzureTestbed } from './azure/azure-testbed.js';

let moto: MotoServer;
let emulator: GcpEmulator;
let bed: AzureTestbed;

type Cloud = 'aws' | 'gcp' | 'azure';
const CLOUDS: Cloud[] = ['aws', 'gcp', 'azure'];
const projects = {} as Record<Cloud, { dir: string; cli: (args: string[]) => Promise<CliResult> }>;

// A task that fails, an enabled schedule and a disabled one (Azure deploys a disabled schedule as nothing).
const BODY = `tasks:
  - name: fail
    commands:
      - command: "false"
schedules:
  - target_id: nightly
    cron: 0 2 * * ? *
  - target_id: paused
    cron: rate(1 hour)
    enabled: false
`;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  [moto, emulator, bed] = await Promise.all([startMotoServer(), startGcpEmulator({ containers: 'process' }), startAzureTestbed()]);
  const aws = makeProject(`${BODY}deploy:\n  cloud_provider: aws\n  resource_group: shp\n  task: fails\n  image_version: "0.1"\n`).projectDir;
  const gcp = makeProject(`${BODY}deploy:\n  cloud_provider: gcp\n  gcp_project: acme-data\n  region: europe-west1\n  resource_group: shp\n  task: fails\n  image_version: "0.1"\n`).projectDir;
  const azure = path.join(makeTempDir('handoff-azure-'), 'fails');
  fs.mkdirSync(azure);
  fs.writeFileSync(path.join(azure, 'project.yml'), `${BODY}deploy:\n  resource_group: shp\n  task: fails\n  container_image: greeter\n  image_version: "0.1"\n${bed.deployKeys()}\n`);
  emulator.run.images.set(`127.0.0.1:${emulator.port}/acme-data/handoff/fails:0.1`, { projectDir: gcp });
  bed.emulator.registerImage(`${bed.emulator.registryServer}/greeter:0.1`, azure);
  const awsEnv = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-'), AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv;
  projects.aws = { dir: aws, cli: (args) => runCli(args, { env: awsEnv, timeoutMs: 180_000 }) };
  projects.gcp = { dir: gcp, cli: (args) => runCli(args, { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 }) };
  projects.azure = { dir: azure, cli: (args) => runWith(bed.env, args) };
  await Promise.all(
    CLOUDS.map(async (cloud) => {
      const deployed = await projects[cloud].cli(['cloud', 'deploy', '-p', projects[cloud].dir, '-y']);
      expect(deployed.code, `${cloud}: ${deployed.stderr}`).toBe(0);
    }),
  );
}, 600_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), emulator?.stop(), bed?.stop()]);
});

async function json(cloud: Cloud, args: string[]): Promise<Record<string, unknown>> {
  const result = await projects[cloud].cli([...args, '-p', projects[cloud].dir, '--json']);
  expect(result.code, `${cloud} ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('the same CLI on every cloud', () => {
  it('cloud task status --json starts with task, status, deployed and image everywhere', async () => {
    for (const cloud of CLOUDS) {
      const status = await json(cloud, ['cloud', 'task', 'status']);
      expect(Object.keys(status).slice(0, 4), cloud).toEqual(['task', 'status', 'deployed', 'image']);
      expect(status, cloud).toMatchObject({ task: 'dev-shp/fails', deployed: true });
      expect(status.image, cloud).toMatch(/:0\.1$/);
      expect(status.status, cloud).not.toBe('NOT_CREATED');
    }
  }, 120_000);

  it('cloud schedule create --json lists every schedule it was given, the disabled one too', async () => {
    for (const cloud of CLOUDS) {
      const { schedules } = (await json(cloud, ['cloud', 'schedule', 'create'])) as { schedules: Record<string, string>[] };
      expect(schedules.map((s) => Object.keys(s)), cloud).toEqual([
        ['target_id', 'id', 'action'],
        ['target_id', 'id', 'action'],
      ]);
      expect(schedules.map((s) => [s.target_id, s.action]), cloud).toEqual([
        ['nightly', 'unchanged'],
        ['paused', 'unchanged'],
      ]);
    }
    // Azure still says that a disabled schedule has nothing deployed, so "unchanged" is not read as deployed.
    const azure = await projects.azure.cli(['cloud', 'schedule', 'create', '-p', projects.azure.dir]);
    expect(azure.stderr).toContain('schedule paused is disabled (enabled: false in');
  }, 120_000);

  it("a failed cloud run's log names the command that shows its record from the user's machine, which works", async () => {
    for (const cloud of ['gcp', 'azure'] as const) {
      const { dir, cli } = projects[cloud];
      const run = await cli(['cloud', 'run', '-p', dir, '--wait']);
      expect(run.code, `${cloud}: ${run.stderr}`).toBe(1);
      // The run's log, which `cloud run --wait` prints on stdout.
      const failed = /Run (\S+) failed: .*\(details: (handoff runs show \S+ -p <project>)\)/.exec(run.stdout);
      expect(failed, `${cloud}: ${run.stdout}`).not.toBeNull();
      // Not the container's workspace, which is gone with it.
      expect(run.stdout, cloud).not.toMatch(/details: handoff runs show \S+ -w /);
      const [, runId, command] = failed!;
      expect(command).toBe(`handoff runs show ${runId} -p <project>`);
      const shown = await cli(['runs', 'show', runId!, '-p', dir]);
      expect(shown.code, `${cloud}: ${shown.stderr}`).toBe(0);
      expect(shown.stdout, cloud).toContain(runId);
      expect(shown.stdout, cloud).toContain('failed');
    }
  }, 400_000);

  it('an id that several Google Cloud runs start with names them and how to pick one (exit 2)', async () => {
    const { dir, cli } = projects.gcp;
    const second = await cli(['cloud', 'run', '-p', dir, '--wait']);
    expect(second.code, second.stderr).toBe(1);
    const ids = ((await json('gcp', ['cloud', 'job', 'status'])).jobs as { id: string }[]).map((j) => j.id);
    expect(ids).toHaveLength(2);
    for (const verb of ['status', 'stop']) {
      const result = await cli(['cloud', 'job', verb, '-p', dir, '-v', 'id=handoff-dev-shp']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('error: "handoff-dev-shp" matches 2 runs of dev-shp/fails (');
      for (const id of ids) expect(result.stderr).toContain(id);
      expect(result.stderr).toContain(`fix: give more of the id, enough to name one run: e.g. -v id=${ids[0]}`);
    }
  }, 300_000);

  it('cloud task delete --json starts with task, action, schedules_deleted, schedules and resources everywhere', async () => {
    for (const cloud of CLOUDS) {
      const deleted = await json(cloud, ['cloud', 'task', 'delete', '-y']);
      expect(Object.keys(deleted).slice(0, 5), cloud).toEqual(['task', 'action', 'schedules_deleted', 'schedules', 'resources']);
      expect(deleted, cloud).toMatchObject({ task: 'dev-shp/fails', action: 'deleted' });
      const schedules = deleted.schedules as { target_id: string; id: string; action: string }[];
      expect(schedules.map((s) => s.target_id), cloud).toContain('nightly');
      expect(deleted.schedules_deleted, cloud).toEqual(schedules.map((s) => s.id));
      for (const row of deleted.resources as Record<string, string>[]) expect(Object.keys(row).sort(), cloud).toEqual(['action', 'kind', 'resource', 'what']);
      const status = await json(cloud, ['cloud', 'task', 'status']);
      expect(status, cloud).toMatchObject({ task: 'dev-shp/fails', status: 'NOT_CREATED', deployed: false, image: null });
    }
  }, 300_000);
});
