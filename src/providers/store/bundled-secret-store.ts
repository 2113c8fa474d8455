// A secret store that keeps each secret path (`/handoff/<RG>[/<task>]`) in one cloud secret, its keys as a JSON object.
import { UserError } from '../../errors.js';
import { checkBundledSecretKey } from '../deploy/name-rules.js';
import type { DeployTarget, ParameterStore, SecretStoreRules, StoredParameter } from '../provider.js';
import { createStagedResourceGroup } from './store-layout.js';

/** The cloud's secret service, seen as named texts. */
export interface SecretBundleService {
  /** "Key Vault", "Secret Manager": for messages. */
  what: string;
  /** The cloud secret of a secret path; undefined for a path that is not one of handoff's. */
  secretOf(path: string): string | undefined;
  /** The current text of a secret, undefined when there is none. */
  read(secret: string): Promise<string | undefined>;
  /** Writes a new version, creating the secret when missing. */
  write(secret: string, text: string): Promise<void>;
  /** Where a key lives, for messages: `keyvault:<vault>/secrets/<name> (key k)`. */
  describe(secret: string, key: string): string;
  /** The largest text one secret holds (bytes of UTF-8). */
  maxBytes: number;
  /** How to delete a secret that holds something else, for the error that finds one. */
  deleteHint(secret: string): string;
}

/**
 * Why one secret per path rather than per key: a running task may read its own secrets but list none (listing is a
 * permission on the whole vault or project), so it must know their names; with one secret per path it reads exactly
 * two, whose names it knows, and its identity is granted access to exactly those two. Keys stay as SSM names them, so
 * a store moves between providers unchanged.
 */
export function createBundledSecretStore(service: SecretBundleService): ParameterStore {
  const split = (name: string): { path: string; key: string; secret: string } => {
    const at = name.lastIndexOf('/');
    const path = name.slice(0, at);
    const secret = service.secretOf(path);
    if (!secret) throw new Error(`${name} is not a handoff secret name (/handoff/<RG>[/<task>]/<key>)`);
    return { path, key: name.slice(at + 1), secret };
  };

  async function readBundle(secret: string): Promise<Record<string, string>> {
    const text = await service.read(secret);
    if (text === undefined || text.trim() === '') return {};
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, string>;
    } catch {
      // reported below
    }
    throw new UserError(`the ${service.what} secret ${secret} does not hold handoff's secrets (a JSON object of key: value)`, {
      fix: `it was written by something else: rename one of them, or delete ${secret} (${service.deleteHint(secret)}) and push the secrets again`,
    });
  }

  /**
   * Every bundle the entries make with what is stored (`readStored`; before the store exists there is nothing), sized
   * before anything is written: one that cannot fit is refused at the secrets file's entry of its largest value.
   */
  async function buildBundles(entries: { name: string; value: string; source?: string }[], readStored = true): Promise<[string, Record<string, string>][]> {
    const bySecret = new Map<string, { key: string; value: string; source?: string }[]>();
    for (const entry of entries) {
      const { secret, key } = split(entry.name);
      bySecret.set(secret, [...(bySecret.get(secret) ?? []), { key, value: entry.value, ...(entry.source ? { source: entry.source } : {}) }]);
    }
    const bundles: [string, Record<string, string>][] = [];
    for (const [secret, updates] of bySecret) {
      const bundle = readStored ? await readBundle(secret) : {};
      for (const u of updates) bundle[u.key] = u.value;
      const bytes = Buffer.byteLength(JSON.stringify(bundle), 'utf8');
      if (bytes > service.maxBytes) {
        const largest = [...updates].sort((a, b) => Buffer.byteLength(b.value) - Buffer.byteLength(a.value))[0]!;
        const at = largest.source ? ` (${largest.source})` : '';
        const message = `the secrets ${Object.keys(bundle).sort().join(', ')} are kept together in the ${service.what} secret ${secret} and would take ${bytes} bytes; a ${service.what} secret holds at most ${service.maxBytes}. The largest pushed is ${largest.key}${at}, ${Buffer.byteLength(largest.value)} bytes. Nothing was pushed`;
        const where = /^(.*):(\d+)$/.exec(largest.source ?? '');
        throw new UserError(message, {
          fix: 'keep large files in the bucket and only their passwords as secrets, or move some secrets to the other level (task or resource group)',
          ...(where ? { diagnostics: [{ severity: 'error' as const, message: `secret "${largest.key}" does not fit in ${secret} beside the others (${bytes} of at most ${service.maxBytes} bytes)`, location: { file: where[1]!, line: Number(where[2]) } }] } : {}),
        });
      }
      bundles.push([secret, bundle]);
    }
    return bundles;
  }

  async function putAll(entries: { name: string; value: string }[]): Promise<void> {
    // Every bundle is built and sized before the first write, so a push that cannot fit writes no secret.
    for (const [secret, bundle] of await buildBundles(entries)) await service.write(secret, JSON.stringify(bundle));
  }

  return {
    put: (name, value) => putAll([{ name, value }]),
    putAll,
    checkPutAll: async (entries, options) => void (await buildBundles(entries, options?.readStored ?? true)),
    async listByPath(path): Promise<StoredParameter[]> {
      const secret = service.secretOf(path);
      if (!secret) return [];
      const bundle = await readBundle(secret);
      return Object.keys(bundle)
        .sort()
        .map((key) => ({ name: `${path}/${key}`, value: bundle[key]! }));
    },
    async delete(parameterNames) {
      const deleted: string[] = [];
      const missing: string[] = [];
      const bySecret = new Map<string, { name: string; key: string }[]>();
      for (const name of parameterNames) {
        const { secret, key } = split(name);
        bySecret.set(secret, [...(bySecret.get(secret) ?? []), { name, key }]);
      }
      for (const [secret, keys] of bySecret) {
        const bundle = await readBundle(secret);
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
        if (changed) await service.write(secret, JSON.stringify(bundle));
      }
      return { deleted, missing };
    },
    describe(name) {
      const { secret, key } = split(name);
      return service.describe(secret, key);
    },
    chooseTier: createBundledTierRule(service.what, service.maxBytes),
  };
}

/** A value's size against one cloud secret's limit; these stores have no tiers ("Standard" is what a push plan records). */
function createBundledTierRule(what: string, maxBytes: number): NonNullable<ParameterStore['chooseTier']> {
  return (key, stored) => {
    const bytes = Buffer.byteLength(stored, 'utf8');
    if (bytes > maxBytes) {
      throw new UserError(`secret "${key}" is ${bytes} bytes as stored; a ${what} secret holds at most ${maxBytes} bytes. Nothing was pushed`, {
        fix: 'make the value smaller (e.g. keep a large file in the bucket and only its key or password as a secret)',
      });
    }
    return { tier: 'Standard', bytes };
  };
}

/**
 * The rules such a store sets before any call (`config validate`): keys SSM also accepts, each value within one
 * secret. Whether the values kept together fit is known only with what is stored, at push.
 */
export function createBundledSecretRules(target: Pick<DeployTarget, 'resourceGroup' | 'task' | 'stage'>, what: string, maxBytes: number): SecretStoreRules {
  const ssmResourceGroupPath = `/handoff/${createStagedResourceGroup(target.resourceGroup, target.stage)}`;
  const ssmTaskPath = `${ssmResourceGroupPath}/${target.task}`;
  return {
    names: {
      ssmTaskPath,
      taskParameter: (key) => `${ssmTaskPath}/${checkBundledSecretKey(key)}`,
      resourceGroupParameter: (key) => `${ssmResourceGroupPath}/${checkBundledSecretKey(key)}`,
    },
    chooseTier: createBundledTierRule(what, maxBytes),
  };
}
