// `runs prune -p P` on an Azure store: the run records in the Blob container (Azurite), pruned as a workspace's are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir } from '../helpers/cli.js';
import { runWith } from '../store/store-scenario.js';
import { expectStorePrune, PRUNE_PROJECT_TASKS } from '../store/store-prune-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

let bed: AzureTestbed;

beforeAll(async () => {
  bed = await startAzureTestbed();
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe('azure: runs prune -p', () => {
  it('asks before removing all, keeps the newest N, leaves newer runs unread with --older-than', async () => {
    const env = { ...bed.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
    const { projectDir } = makeProject(`${PRUNE_PROJECT_TASKS}deploy:
  resource_group: prune-az
  task: job
${bed.deployKeys()}
`);
    const bucket = await runWith(env, ['cloud', 'bucket', 'create', '-p', projectDir]);
    expect(bucket.code, bucket.stderr).toBe(0);
    await expectStorePrune((args) => runWith(env, args), projectDir, /job\/runs\//);
  }, 300_000);
});
