// What Secret Manager refuses of a secrets file (keys, one value's size), known before any Google Cloud call or credentials.
import type { DeployTarget, SecretStoreRules } from '../provider.js';
import { createBundledSecretRules } from '../store/bundled-secret-store.js';
import { SECRET_PAYLOAD_MAX_BYTES } from './gcp-secret-store.js';

export function createGcpSecretRules(target: Pick<DeployTarget, 'resourceGroup' | 'task' | 'stage'>): SecretStoreRules {
  return createBundledSecretRules(target, 'Secret Manager', SECRET_PAYLOAD_MAX_BYTES);
}
