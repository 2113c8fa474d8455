// A Cloud Run execution's record says how it was started, as the local provider's do: `cloud` for `cloud run`,
// `schedule` for a Cloud Scheduler fire (review "the same commands across providers", 2026-12-06, finding 2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

let emulator: GcpEmulator;
let dir = '';

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
}

async function triggers(): Promise<string[]> {
  const listed = await cli(['runs', 'list', '-p', dir, '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { trigger: string }[]).map((r) => r.trigger).sort();
}

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
  dir = makeProject(`tasks:
  - name: count
    commands:
      - command: "true"
deploy:
  cloud_provider: gcp
  gcp_project: acme-data
  region: europe-west1
  resource_group: trig
  task: words
  image_version: "0.3"
schedules:
  - target_id: nightly
    cron: 0 2 * * ? *
    envs:
      - key: HANDOFF_TRIGGER
        value: manual
`).projectDir;
  emulator.run.images.set(`127.0.0.1:${emulator.port}/acme-data/handoff/words:0.3`, { projectDir: dir });
  const deployed = await cli(['cloud', 'deploy', '-p', dir, '-y']);
  expect(deployed.code, deployed.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  await emulator?.stop();
});

describe('the trigger of a Cloud Run execution\'s record', () => {
  it('is cloud for `cloud run`, schedule for a scheduler fire (an env of the same name changes nothing)', async () => {
    const run = await cli(['cloud', 'run', '-p', dir, '--wait', '-e', 'HANDOFF_TRIGGER=ui']);
    expect(run.code, run.stderr).toBe(0);
    expect(await triggers()).toEqual(['cloud']);

    const fires = emulator.scheduler.advance(24 * 3600 * 1000);
    expect(fires).toHaveLength(1);
    await emulator.run.executions.get(fires[0]!.execution!)!.done;
    expect(await triggers()).toEqual(['cloud', 'schedule']);
  }, 300_000);
});
