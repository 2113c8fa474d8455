// Secrets in Secret Manager: one secret per secret path (`handoff_<RG>_<task>`, `handoff_<RG>`), holding that path's keys as JSON.
import type { ParameterStore } from '../provider.js';
import { createBundledSecretStore } from '../store/bundled-secret-store.js';
import { toSecretId, type GcpNames } from './names.js';
import type { SecretManagerApi } from './sdk/secret-manager.js';

// A secret version holds at most 64 KiB (Secret Manager quotas, "secret payload size").
export const SECRET_PAYLOAD_MAX_BYTES = 65_536;

/** The shared one-secret-per-path store (why: see bundled-secret-store.ts) on Secret Manager's secrets and versions. */
export function createGcpSecretStore(input: {
  names: GcpNames;
  open: () => Promise<SecretManagerApi>;
  beforeWrite?: () => Promise<void>;
  /** Whether a deployed job still reads the secret (its grant is on the secret, so an emptied one it reads stays). */
  inUse?: (secretId: string) => Promise<boolean>;
}): ParameterStore {
  const { names } = input;
  let api: SecretManagerApi | undefined;
  const open = async (): Promise<SecretManagerApi> => (api ??= await input.open());
  return createBundledSecretStore({
    what: 'Secret Manager',
    secretOf: toSecretId,
    read: async (secretId) => (await open()).readLatest(secretId),
    async write(secretId, text) {
      // prod + `dev-etl` names dev + `etl`'s secrets: the store's owner is checked first (see gcp-provider.ts).
      await input.beforeWrite?.();
      const client = await open();
      // `secrets delete` took its last key: a secret no job reads goes, instead of a billed version holding `{}`.
      if (text === '{}' && input.inUse && !(await input.inUse(secretId))) {
        await client.deleteSecret(secretId);
        return;
      }
      // The group's secret is shared by its tasks: labelled with the group only.
      await client.ensureSecret(secretId, secretId === names.taskSecretId ? names.labels : names.resourceGroupLabels);
      await client.writeVersion(secretId, text);
    },
    describe: (secretId, key) => `secretmanager:projects/${names.project}/secrets/${secretId} (key ${key})`,
    maxBytes: SECRET_PAYLOAD_MAX_BYTES,
    deleteHint: (secretId) => `gcloud secrets delete ${secretId}`,
  });
}
