// Typed secrets (`yes`, `0123`, a date) on Key Vault: a run from the Azure store (Azurite and the emulator) prints what `run local` prints.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { expectStoreRunAsLocal } from '../store/typed-secrets-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

let bed: AzureTestbed;

beforeAll(async () => {
  bed = await startAzureTestbed();
}, 60_000);

afterAll(async () => {
  await bed?.stop();
});

describe('typed secrets: a run from Blob storage and Key Vault sees what run local sees', () => {
  it('stores the printed text in Key Vault, and the run from the store prints it in templates and the environment', async () => {
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: { ...bed.env, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
    await expectStoreRunAsLocal(cli, bed.deployKeys(), 'azure-typed');
  });
});
