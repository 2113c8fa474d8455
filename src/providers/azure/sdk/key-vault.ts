// Key Vault secrets through @azure/keyvault-secrets: read the current version, write a new one (older ones disabled); typed errors.
import { SecretClient } from '@azure/keyvault-secrets';
import type { AzureClientConfig } from './azure-client-config.js';
import { callAzure, isNotFound, readErrorCode, toAzureError } from './azure-errors.js';

export interface KeyVaultApi {
  readonly vaultUrl: string;
  /** The current value, or undefined when there is no such secret. */
  readLatest(name: string): Promise<string | undefined>;
  /** Writes a new version (creating the secret when missing) and disables every older one. */
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
        const written = await client.setSecret(name, value, { tags, contentType: 'application/json' });
        // One Key Vault secret holds a path's whole bundle, and Key Vault keeps every version: an older one still holds
        // a key the bundle dropped and a value replaced since. Versions cannot be deleted one by one; disabled (Update
        // Secret, attributes.enabled = false), they can no longer be read (403 SecretDisabled).
        for await (const version of client.listPropertiesOfSecretVersions(name)) {
          if (version.version && version.version !== written.properties.version && version.enabled !== false) await client.updateSecretProperties(name, version.version, { enabled: false });
        }
      }),
  };
}
