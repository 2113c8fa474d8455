// Test helper: Azurite and the Azure emulator started together for a test file, and a project's deploy keys pointing at them.
import path from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { startAzureEmulator, type AzureEmulator } from './azure-emulator.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type Azurite } from './azurite.js';
import { createLoopbackCertificate } from './emulator/certificate.js';

export interface AzureTestbed {
  emulator: AzureEmulator;
  azurite: Azurite;
  /** The CLI's environment: the emulators' endpoints, the CA, and the service principal's credentials. */
  env: Record<string, string>;
  /** `deploy:` keys for a project (two-space indented lines) using the emulated subscription and Azurite's account. */
  deployKeys(extra?: Record<string, string | number>): string;
  stop(): Promise<void>;
}

export async function startAzureTestbed(options: { registryBackend?: string } = {}): Promise<AzureTestbed> {
  const certificate = createLoopbackCertificate();
  const azurite = await startAzurite(certificate);
  const emulator = await startAzureEmulator({
    certificate,
    handoffBin: path.join(repoRoot, 'bin', 'handoff.js'),
    blob: { endpoint: azurite.endpoint, account: AZURITE_ACCOUNT, key: AZURITE_KEY },
    ...(options.registryBackend ? { registryBackend: options.registryBackend } : {}),
  });
  // Nothing of the machine's own Azure login may leak into the tests (an `az login` would be tried last otherwise).
  const env = { ...emulator.env(), AZURE_CONFIG_DIR: path.join(certificate.caFile, '..', 'no-azure-cli'), AZURE_SUBSCRIPTION_ID: '' };
  return {
    emulator,
    azurite,
    env,
    deployKeys(extra = {}) {
      const keys: Record<string, string | number> = {
        cloud_provider: 'azure',
        subscription_id: emulator.subscriptionId,
        resource_group_name: 'rg-handoff-test',
        location: 'westeurope',
        storage_account: AZURITE_ACCOUNT,
        key_vault: `kv-${emulator.subscriptionId.slice(0, 8)}`,
        registry: emulator.registryServer,
        ...extra,
      };
      return Object.entries(keys)
        .map(([k, v]) => `  ${k}: ${typeof v === 'string' && /[:{}#]/.test(v) ? `"${v}"` : v}`)
        .join('\n');
    },
    async stop() {
      await emulator.close();
      await azurite.stop();
    },
  };
}
