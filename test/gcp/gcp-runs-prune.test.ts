// `runs prune -p P` on a Google Cloud store: the run records in the Cloud Storage bucket (loopback emulator), pruned as a workspace's are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { expectStorePrune, PRUNE_PROJECT_TASKS } from '../store/store-prune-scenario.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

let emulator: GcpEmulator;

function cli(args: string[], home: string): Promise<CliResult> {
  return runCli(args, { env: { ...emulator.env, HANDOFF_HOME: home, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
}

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
});

describe('gcp: runs prune -p', () => {
  it('asks before removing all, keeps the newest N, leaves newer runs unread with --older-than', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir } = makeProject(`${PRUNE_PROJECT_TASKS}deploy:
  cloud_provider: gcp
  gcp_project: acme-data
  region: europe-west1
  resource_group: prune-gcp
  task: job
`);
    const bucket = await cli(['cloud', 'bucket', 'create', '-p', projectDir], home);
    expect(bucket.code, bucket.stderr).toBe(0);
    await expectStorePrune((args) => cli(args, home), projectDir, /gs:\/\/[^ ]+\/job\/runs\//);
  }, 300_000);
});
