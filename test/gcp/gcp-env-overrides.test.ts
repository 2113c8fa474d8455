// On Google Cloud, a schedule's envs and `cloud run -e` win over project.yml's envs and secrets of the same key, for
// `cloud run` and a Cloud Scheduler fire (review gcp9, finding 2: the project's default and the stored secret won).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

let emulator: GcpEmulator;
let dir = '';

function cli(args: string[]): Promise<CliResult> {
  const env = { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined, GREETING: undefined, API_TOKEN: undefined, HANDOFF_ENV_OVERRIDES: undefined };
  return runCli(args, { env: env as NodeJS.ProcessEnv, timeoutMs: 180_000 });
}

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
  dir = makeProject(`envs:
  - key: GREETING
    value: default-greeting
  - key: API_TOKEN
tasks:
  - name: count
    commands:
      # On stderr, which the run's log shows.
      - command: '{ echo "greet=$GREETING"; test "$API_TOKEN" = override-secret-999 && echo token-overridden || echo token-stored; } >&2'
deploy:
  cloud_provider: gcp
  gcp_project: acme-data
  region: europe-west1
  resource_group: envo
  task: words
  image_version: "0.3"
schedules:
  - target_id: "1"
    cron: 0 6 * * ? *
    envs:
      - key: GREETING
        value: bonjour
`, { '.secrets/dev_secrets.yml': '- key: API_TOKEN\n  value: stored-abc123\n' }).projectDir;
  emulator.run.images.set(`127.0.0.1:${emulator.port}/acme-data/handoff/words:0.3`, { projectDir: dir });
  for (const args of [['cloud', 'deploy', '-p', dir, '-y'], ['secrets', 'push', '-p', dir, '-y']]) {
    const result = await cli(args);
    expect(result.code, result.stderr).toBe(0);
  }
}, 300_000);

afterAll(async () => {
  await emulator?.stop();
});

describe('environment overrides on Google Cloud', () => {
  it('cloud run -v target_id=1 -e API_TOKEN=… runs with the schedule env and the -e value (masked)', async () => {
    const run = await cli(['cloud', 'run', '-p', dir, '-v', 'target_id=1', '-e', 'API_TOKEN=override-secret-999', '--wait']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('greet=bonjour');
    expect(run.stdout).toContain('token-overridden');
    expect(run.stdout + run.stderr).not.toContain('override-secret-999');
  }, 300_000);

  it("a Cloud Scheduler fire runs with the schedule's env", async () => {
    const fires = emulator.scheduler.advance(24 * 3600 * 1000);
    expect(fires).toHaveLength(1);
    await emulator.run.executions.get(fires[0]!.execution!)!.done;
    const logs = await cli(['cloud', 'logs', '-p', dir, '-v', `id=${fires[0]!.execution!.split('/').pop()!}`]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('greet=bonjour');
    expect(logs.stdout).toContain('token-stored');
  }, 300_000);
});
