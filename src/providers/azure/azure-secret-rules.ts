// What Key Vault refuses of a secrets file (keys, one value's size), known before any Azure call or credentials.
import type { DeployTarget, SecretStoreRules } from '../provider.js';
import { createBundledSecretRules } from '../store/bundled-secret-store.js';

// A Key Vault secret holds at most 25 KB (Key Vault service limits, "Secret value size").
export const KEY_VAULT_SECRET_MAX_BYTES = 25 * 1024;

export function createAzureSecretRules(target: Pick<DeployTarget, 'resourceGroup' | 'task' | 'stage'>): SecretStoreRules {
  return createBundledSecretRules(target, 'Key Vault', KEY_VAULT_SECRET_MAX_BYTES);
}
