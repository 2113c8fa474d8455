// Typed secrets (`yes`, `0123`, a date) on Secret Manager: a run from the Google Cloud store (the emulator) prints what `run local` prints.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { expectStoreRunAsLocal } from '../store/typed-secrets-scenario.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

let emulator: GcpEmulator;

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
});

describe('typed secrets: a run from Cloud Storage and Secret Manager sees what run local sees', () => {
  it('stores the printed text in Secret Manager, and the run from the store prints it in templates and the environment', async () => {
    const cli = (args: string[]): Promise<CliResult> =>
      runCli(args, { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
    await expectStoreRunAsLocal(cli, '  cloud_provider: gcp\n  gcp_project: acme-data\n  region: europe-west1\n  image_version: "0.3"', 'gcp-typed');
  });
});
