// Key Vault secrets through @azure/keyvault-secrets: read the current version, write a new one; typed errors.
import { SecretClient } from '@azure/keyvault-secrets';
import type { AzureClientConfig } from './azure-client-config.js';
import { callAzure, isNotFound, readErrorCode, toAzureError } from './azure-errors.js';

export interface KeyVaultApi {
  readonly vaultUrl: string;
  /** The current value, or undefined when there is no such secret. */
  readLatest(name: string): Promise<string | undefined>;
  /** Writes a new version (creating the secret when missing). */
  write(name: string, value: string, tags: Record<string, string>): Promise<void>;
}

/**
 * Key Vault clients authenticate by challenge: the first request goes without a token, the vault answers 401 naming
 * its tenant and resource (`https://vault.azure.net`), and the client asks the credential for that scope. The client
 * then checks that the resource's domain is the vault URL's, which an emulator on loopback cannot be; only then is
 * that check off (`disableChallengeResourceVerification`, the documented option for vaults outside *.vault.azure.net).
 */
export function createKeyVaultApi(config: AzureClientConfig, vault: string): KeyVaultApi {
  const vaultUrl = config.vaultUrl(vault);
  const client = new SecretClient(vaultUrl, config.credential, { ...(config.emulated ? { disableChallengeResourceVerification: true } : {}) });
  return {
    vaultUrl,
    async readLatest(name) {
      try {
        return (await client.getSecret(name)).value ?? '';
      } catch (error) {
        if (isNotFound(error) && readErrorCode(error) === 'SecretNotFound') return undefined;
        throw toAzureError(error, `read the secret ${name} in Key Vault ${vault}`);
      }
    },
    write: (name, value, tags) =>
      callAzure(`write the secret ${name} in Key Vault ${vault}`, async () => {
        await client.setSecret(name, value, { tags, contentType: 'application/json' });
      }),
  };
}
