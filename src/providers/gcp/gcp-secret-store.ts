// Secrets in Secret Manager: one secret per secret path (`handoff_<RG>_<task>`, `handoff_<RG>`), holding that path's keys as JSON.
import { UserError } from '../../errors.js';
import type { ParameterStore, StoredParameter } from '../provider.js';
import { toSecretId, type GcpNames } from './names.js';
import type { SecretManagerApi } from './sdk/secret-manager.js';

// A secret version holds at most 64 KiB (Secret Manager quotas, "secret payload size").
export const SECRET_PAYLOAD_MAX_BYTES = 65_536;

/**
 * Why one secret per path rather than per key: a running task may read its own secrets but list none (listing is a
 * project-wide permission), so it must know their names; with one secret per path it reads exactly two, whose names
 * it knows, and the task's identity is granted access to exactly those two. Keys stay as SSM names them, so a store
 * moves between providers unchanged.
 */
export function createGcpSecretStore(input: { names: GcpNames; open: () => Promise<SecretManagerApi> }): ParameterStore {
  const { names } = input;
  let api: SecretManagerApi | undefined;
  const open = async (): Promise<SecretManagerApi> => (api ??= await input.open());

  const split = (name: string): { path: string; key: string; secretId: string } => {
    const at = name.lastIndexOf('/');
    const path = name.slice(0, at);
    const secretId = toSecretId(path);
    if (!secretId) throw new Error(`${name} is not a handoff secret name (/handoff/<RG>[/<task>]/<key>)`);
    return { path, key: name.slice(at + 1), secretId };
  };

  async function readBundle(secretId: string): Promise<Record<string, string>> {
    const text = await (await open()).readLatest(secretId);
    if (text === undefined || text.trim() === '') return {};
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, string>;
    } catch {
      // reported below
    }
    throw new UserError(`the secret ${secretId} does not hold handoff's secrets (a JSON object of key: value)`, {
      fix: `it was written by something else: rename one of them, or delete ${secretId} (gcloud secrets delete ${secretId}) and push the secrets again`,
    });
  }

  /** Writes a bundle already sized by putAll (a delete only makes one smaller). */
  async function writeBundle(secretId: string, bundle: Record<string, string>): Promise<void> {
    const client = await open();
    await client.ensureSecret(secretId, names.labels);
    await client.writeVersion(secretId, JSON.stringify(bundle));
  }

  async function putAll(entries: { name: string; value: string }[]): Promise<void> {
    const bySecret = new Map<string, { key: string; value: string }[]>();
    for (const entry of entries) {
      const { secretId, key } = split(entry.name);
      bySecret.set(secretId, [...(bySecret.get(secretId) ?? []), { key, value: entry.value }]);
    }
    // Every bundle is built and sized before the first write, so a push that cannot fit writes nothing.
    const bundles: [string, Record<string, string>][] = [];
    for (const [secretId, updates] of bySecret) {
      const bundle = await readBundle(secretId);
      for (const u of updates) bundle[u.key] = u.value;
      const bytes = Buffer.byteLength(JSON.stringify(bundle), 'utf8');
      if (bytes > SECRET_PAYLOAD_MAX_BYTES) {
        throw new UserError(`the secrets of ${secretId} would take ${bytes} bytes together; a Secret Manager secret holds at most ${SECRET_PAYLOAD_MAX_BYTES}. Nothing was pushed`, {
          fix: 'keep large files in the bucket and only their passwords as secrets, or move some secrets to the other level (task or resource group)',
        });
      }
      bundles.push([secretId, bundle]);
    }
    for (const [secretId, bundle] of bundles) await writeBundle(secretId, bundle);
  }

  return {
    put: (name, value) => putAll([{ name, value }]),
    putAll,
    async listByPath(path): Promise<StoredParameter[]> {
      const secretId = toSecretId(path);
      if (!secretId) return [];
      const bundle = await readBundle(secretId);
      return Object.keys(bundle)
        .sort()
        .map((key) => ({ name: `${path}/${key}`, value: bundle[key]! }));
    },
    async delete(parameterNames) {
      const deleted: string[] = [];
      const missing: string[] = [];
      const bySecret = new Map<string, { name: string; key: string }[]>();
      for (const name of parameterNames) {
        const { secretId, key } = split(name);
        bySecret.set(secretId, [...(bySecret.get(secretId) ?? []), { name, key }]);
      }
      for (const [secretId, keys] of bySecret) {
        const bundle = await readBundle(secretId);
        let changed = false;
        for (const { name, key } of keys) {
          if (key in bundle) {
            delete bundle[key];
            deleted.push(name);
            changed = true;
          } else {
            missing.push(name);
          }
        }
        // An emptied secret stays (holding {}): the task's access to it is granted on the secret itself.
        if (changed) await writeBundle(secretId, bundle);
      }
      return { deleted, missing };
    },
    describe(name) {
      const { secretId, key } = split(name);
      return `secretmanager:projects/${names.project}/secrets/${secretId} (key ${key})`;
    },
    chooseTier(key, stored) {
      const bytes = Buffer.byteLength(stored, 'utf8');
      if (bytes > SECRET_PAYLOAD_MAX_BYTES) {
        throw new UserError(`secret "${key}" is ${bytes} bytes as stored; a Secret Manager secret holds at most ${SECRET_PAYLOAD_MAX_BYTES} bytes. Nothing was pushed`, {
          fix: 'make the value smaller (e.g. keep a large file in the bucket and only its key or password as a secret)',
        });
      }
      // Secret Manager has no tiers; "Standard" is what the shared push plan records.
      return { tier: 'Standard', bytes };
    },
  };
}
