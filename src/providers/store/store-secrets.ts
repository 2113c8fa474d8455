// Secrets in a provider's secret store: plan a push (every check before any write), push, read for a run, list, delete.
import { UserError, type Diagnostic } from '../../errors.js';
import { plural } from '../../plural.js';
import type { Secret } from '../../secrets/local-secrets.js';
import { findSecretsOrigin, recordSecretsOrigin } from '../../secrets/secrets-origin.js';
import type { ParameterTier, Provider, SecretStoreRules, StoredParameter, StoreNames } from '../provider.js';
import { chooseParameterTier, escapeSecretValue, RESERVED_SECRET_KEYS, unescapeSecretValue } from './secret-values.js';
import { createRunMasker } from '../../secrets/run-masker.js';

export type SecretLevel = Secret['level'];

/** One secret of a push plan. Holds the value to write, so never print it: use `describeSecretPlan`. */
export interface SecretPushEntry {
  key: string;
  level: SecretLevel;
  /** The parameter name: `/handoff/<RG>/<task>/<key>` or `/handoff/<RG>/<key>`. */
  name: string;
  location: string;
  /** false for `push: false` secrets: listed, never written. */
  push: boolean;
  tier?: ParameterTier;
  bytes?: number;
  stored?: string;
  /** Where the secret is defined: `<secrets file>:<line>`. */
  source?: string;
}

/** A secret as found in the store. */
export interface StoredSecret {
  key: string;
  level: SecretLevel;
  name: string;
  location: string;
  value: string;
}

function parameterName(names: Pick<StoreNames, 'taskParameter' | 'resourceGroupParameter'>, key: string, level: SecretLevel): string {
  return level === 'resource group' ? names.resourceGroupParameter(key) : names.taskParameter(key);
}

/**
 * Whether the secrets pushed fit beside what is stored, for stores that keep several in one cloud secret (Key Vault's
 * 25 KB): checked before the first write of a push, so config and files are not written when the secrets cannot be.
 */
export async function checkSecretsFit(provider: Provider, plan: SecretPushEntry[], options: { storeExists?: boolean } = {}): Promise<void> {
  const entries = plan.filter((e) => e.push && e.stored !== undefined).map((e) => ({ name: e.name, value: e.stored!, ...(e.source ? { source: e.source } : {}) }));
  if (entries.length > 0) await provider.parameters.checkPutAll?.(entries, { readStored: options.storeExists ?? true });
}

/**
 * Checks every secret before anything is written: reserved keys, key characters, and the size of each stored value
 * against the store's limits (SSM's tiers unless the store has its own; the local provider keeps SSM's, so a push that
 * works locally also works on AWS).
 */
export function planSecretsPush(provider: Provider, secrets: Secret[], options: { allowAdvancedTier: boolean }): SecretPushEntry[] {
  if (secrets.length === 0) {
    throw new UserError(`there are no secrets to push for stage "${provider.names.stage}"`, {
      fix: 'add them to the stage\'s secrets file (.secrets/<stage>_secrets.yml, secrets.yml for prod) or point -v secrets_dir= at another folder',
    });
  }
  const rules: SecretStoreRules = { names: provider.names, describe: (name) => provider.parameters.describe(name), ...(provider.parameters.chooseTier ? { chooseTier: provider.parameters.chooseTier } : {}) };
  const { plan, refusal } = checkSecretsForStore(rules, secrets, options);
  if (refusal) throw new UserError(`${refusal.message}. Nothing was pushed`, { fix: refusal.fix, diagnostics: refusal.diagnostics });
  return plan;
}

/**
 * The push plan of `secrets` and, when the store cannot take them all, why (a UserError to throw, not thrown): the one
 * check of a push, and of `config validate` before any credentials (with a provider entry's `secretRules`).
 */
export function checkSecretsForStore(rules: SecretStoreRules, secrets: Secret[], options: { allowAdvancedTier: boolean }): { plan: SecretPushEntry[]; refusal?: UserError } {
  const reserved = secrets.filter((s) => RESERVED_SECRET_KEYS.has(s.key));
  if (reserved.length > 0) {
    const refusal = new UserError(`a secret is named "${reserved[0].key}" (${reserved[0].source}), a name reserved by handoff`, {
      fix: `rename the secret: the original handoff kept the whole project in the parameter ${rules.names.ssmTaskPath}/config, so that name is never used for a secret`,
      diagnostics: [locateSecretProblem(reserved[0], { severity: 'error', message: `secret "${reserved[0].key}": a name reserved by handoff` })],
    });
    return { plan: [], refusal };
  }
  // SSM refuses an empty value (at least 1 character), and finding out in the middle of the writes would leave the push
  // half-done; every store refuses it, so a push that works locally also works on AWS.
  const empty = secrets.find((s) => s.push && s.value === '');
  if (empty) {
    const refusal = new UserError(`secret "${empty.key}" (${empty.source}) is empty; stored secrets need at least 1 character (SSM parameters refuse an empty value)`, {
      fix: 'give it a value (for a file: secret, check that the file is not empty), or mark it push: false to use it in local runs only',
      diagnostics: [locateSecretProblem(empty, { severity: 'error', message: `secret "${empty.key}" is empty` })],
    });
    return { plan: [], refusal };
  }
  // The store's own rules on names and sizes (SSM's key characters and ARN length, tiers) are found for every secret
  // at once, each at its line of the secrets file, rather than the first one alone with no line.
  const problems: Diagnostic[] = [];
  const plan = secrets.map((secret): SecretPushEntry | undefined => {
    try {
      const name = parameterName(rules.names, secret.key, secret.level);
      const entry: SecretPushEntry = { key: secret.key, level: secret.level, name, location: rules.describe?.(name) ?? name, push: secret.push, source: secret.source };
      if (!secret.push) return entry;
      const stored = escapeSecretValue(secret.value);
      const { tier, bytes } = (rules.chooseTier ?? chooseParameterTier)(secret.key, stored, options.allowAdvancedTier);
      return { ...entry, tier, bytes, stored };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push(
        locateSecretProblem(secret, {
          severity: 'error',
          // A message that names the secret already (`secret "k" is …`, `secret key "k" is …`) needs no prefix.
          message: ([`secret "${secret.key}"`, `secret key "${secret.key}"`].some((p) => error.message.startsWith(p)) ? '' : `secret "${secret.key}": `) + error.message.replace(/\. Nothing was pushed$/, ''),
          ...(error.fix ? { hint: error.fix } : {}),
        }),
      );
      return undefined;
    }
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    const where = first.location ? `${first.location.file}:${first.location.line}: ` : '';
    return { plan: [], refusal: new UserError(`${where}${first.message}${problems.length > 1 ? ` (and ${plural(problems.length - 1, 'more secret')})` : ''}`, { fix: first.hint, diagnostics: problems }) };
  }
  return { plan: plan as SecretPushEntry[] };
}

/** A problem of a secret, at its line of the secrets file (`<file>:<line>`, or `<file>:<line> (file: <path>)` for `file:`). */
export function locateSecretProblem(secret: { source?: string }, problem: Diagnostic): Diagnostic {
  const at = /^(.*):(\d+)(?: \(file: .*\))?$/.exec(secret.source ?? '');
  return at ? { ...problem, location: { file: at[1]!, line: Number(at[2]) } } : problem;
}

/** A stored task-level secret that the push removes: the secrets file no longer pushes it at the task level. */
export interface StaleSecret {
  key: string;
  level: SecretLevel;
  name: string;
  location: string;
  why: 'push: false' | 'not in the secrets file' | 'now resource group level';
}

/**
 * What the store holds that the secrets file no longer pushes. Task-level secrets are this task's own, so they are
 * removed (`remove`); a stale one would keep reaching runs from the store (and, for a key moved to the resource group
 * level, win over the new value, as `readStoreSecrets` lets the task level win). Resource-group secrets are shared by
 * the group's other tasks, so they are only reported (`keptShared`), and only those the file marks `push: false`: a
 * key the file does not name may be another task's. An empty plan (no secrets file, e.g. a CI checkout without
 * `.secrets/`) removes nothing: the file is not there to say which secrets the task has.
 */
export function planStaleSecrets(
  plan: SecretPushEntry[],
  stored: { task: StoredParameter[]; resourceGroup: StoredParameter[] },
  describe: (name: string) => string,
): { remove: StaleSecret[]; keptShared: StaleSecret[] } {
  if (plan.length === 0) return { remove: [], keptShared: [] };
  const keyOf = (name: string): string => name.slice(name.lastIndexOf('/') + 1);
  const local = new Map(plan.map((e) => [e.key, e]));
  const remove: StaleSecret[] = [];
  for (const p of stored.task) {
    const key = keyOf(p.name);
    if (RESERVED_SECRET_KEYS.has(key)) continue;
    const entry = local.get(key);
    if (entry && entry.level === 'task' && entry.push) continue;
    const why = !entry ? 'not in the secrets file' : !entry.push ? 'push: false' : 'now resource group level';
    remove.push({ key, level: 'task', name: p.name, location: describe(p.name), why });
  }
  const keptShared: StaleSecret[] = [];
  for (const p of stored.resourceGroup) {
    const key = keyOf(p.name);
    const entry = local.get(key);
    if (entry && entry.level === 'resource group' && !entry.push) keptShared.push({ key, level: 'resource group', name: p.name, location: describe(p.name), why: 'push: false' });
  }
  return { remove, keptShared };
}

/**
 * Reads both levels of the store and plans the stale secrets (see `planStaleSecrets`), and which secrets the store
 * already holds with the value to push (`unchanged`, their names): a push leaves those alone, so SSM, Key Vault and
 * Secret Manager get no new version of a value that did not change (as `cloud deploy` does). Values are only compared.
 */
export async function findStaleSecrets(provider: Provider, plan: SecretPushEntry[]): Promise<{ remove: StaleSecret[]; keptShared: StaleSecret[]; unchanged: Set<string> }> {
  if (plan.length === 0) return { remove: [], keptShared: [], unchanged: new Set() };
  const { names, parameters } = provider;
  const [task, resourceGroup] = [await parameters.listByPath(names.ssmTaskPath), await parameters.listByPath(names.ssmResourceGroupPath)];
  const current = new Map([...resourceGroup, ...task].map((p) => [p.name, p.value]));
  const unchanged = new Set(plan.filter((e) => e.push && e.stored !== undefined && current.get(e.name) === e.stored).map((e) => e.name));
  return { ...planStaleSecrets(plan, { task, resourceGroup }, (name) => parameters.describe(name)), unchanged };
}

/** The warning for shared secrets a push leaves in the store, with the command that removes them. */
export function describeKeptSharedSecrets(kept: StaleSecret[]): string | undefined {
  if (kept.length === 0) return undefined;
  const keys = kept.map((s) => s.key);
  return (
    `the resource group's ${keys.length === 1 ? 'secret' : 'secrets'} ${keys.join(', ')} (push: false here) ${keys.length === 1 ? 'stays' : 'stay'} in the store, ` +
    `shared with the group's other tasks, and runs from the store still use the stored value; once no task needs it: ` +
    `handoff secrets delete -p <project> ${keys.map((k) => `--key ${k}`).join(' ')}`
  );
}

/**
 * Deletes stale secrets after the writes. A removal the store refuses midway ends the push with an error that says
 * every secret of the file was pushed, and which stale ones were removed before it and which are still stored.
 */
export async function removeStaleSecrets(provider: Provider, stale: StaleSecret[]): Promise<string[]> {
  if (stale.length === 0) return [];
  const keys = new Map(stale.map((s) => [s.name, s.key]));
  return (await deleteParameters(provider, stale.map((s) => s.name), { keys, what: 'stale' })).deleted;
}

/**
 * Deletes parameters one store call at a time (a store that keeps a path's secrets together: one call per path), so a
 * refusal midway can say which were deleted before it, which the store did not hold, and which are still stored (keys
 * only). `values` mask the store's own message (a store may quote what it refused). `listed`: the names come from a
 * secrets file, not from the store, so one not reached may never have been stored, and is not called still stored.
 */
export async function deleteParameters(
  provider: Provider,
  names: string[],
  options: { keys?: ReadonlyMap<string, string>; values?: string[]; what?: 'stale'; listed?: boolean } = {},
): Promise<{ deleted: string[]; missing: string[] }> {
  const groups: string[][] = [];
  if (provider.parameters.putAll) {
    const byPath = new Map<string, string[]>();
    for (const name of names) {
      const folder = name.slice(0, name.lastIndexOf('/'));
      byPath.set(folder, [...(byPath.get(folder) ?? []), name]);
    }
    groups.push(...byPath.values());
  } else {
    groups.push(...names.map((n) => [n]));
  }
  const deleted: string[] = [];
  const missing: string[] = [];
  for (const [index, group] of groups.entries()) {
    try {
      const out = await provider.parameters.delete(group);
      deleted.push(...out.deleted);
      missing.push(...out.missing);
    } catch (error) {
      throw describePartialDelete(provider, { group, rest: groups.slice(index).flat(), deleted, missing, error, ...options });
    }
  }
  return { deleted, missing };
}

/** The error of a delete the store stopped midway; a UserError stays one, with its exit code (else exit 1). */
function describePartialDelete(
  provider: Provider,
  input: { group: string[]; rest: string[]; deleted: string[]; missing: string[]; error: unknown; keys?: ReadonlyMap<string, string>; values?: string[]; what?: 'stale'; listed?: boolean },
): UserError {
  const keyOf = (name: string): string => input.keys?.get(name) ?? name.slice(name.lastIndexOf('/') + 1);
  const list = (names: string[]): string => (names.length === 0 ? 'none' : names.map(keyOf).join(', '));
  const { error } = input;
  const values = input.values ?? [];
  const masker = createRunMasker(values.flatMap((v) => [v, unescapeSecretValue(v)]));
  const reason = masker.mask(error instanceof Error ? error.message : String(error));
  const first = input.group[0]!;
  const which = input.group.length === 1 ? `secret "${keyOf(first)}"` : `secrets ${list(input.group)}`;
  const where = provider.parameters.describe(first);
  // What the store said it did not hold is no deletion, and not still stored either: listed apart.
  const missing = input.missing.length > 0 ? `; not in the store: ${list(input.missing)}` : '';
  // A name a secrets file gave (not the store's listing) may never have been pushed: not claimed to be stored.
  const still = input.listed ? 'each still stored if it was' : 'still stored';
  const message =
    input.what === 'stale'
      ? `every secret of the file was pushed, but could not remove stale ${which} from the ${provider.name} secret store (${where}): ${reason}. ` +
        `The removal stopped there: removed before it: ${list(input.deleted)}${missing}; not removed: ${list(input.rest)} (${still})`
      : `could not delete ${which} from the ${provider.name} secret store (${where}): ${reason}. ` +
        `The delete stopped there: deleted before it: ${list(input.deleted)}${missing}; not deleted: ${list(input.rest)} (${still})`;
  const again =
    input.what === 'stale'
      ? 'then push again: it removes the stale secrets still stored (the pushed ones are not written again)'
      : 'then delete again: it deletes what is still stored (the ones already deleted are reported as not in the store)';
  if (error instanceof UserError) {
    return new UserError(message, { fix: error.fix ? `${error.fix}; ${again}` : again, exitCode: error.exitCode, diagnostics: error.diagnostics, cause: error });
  }
  return new UserError(message, { fix: `check the store's access and state, ${again}`, exitCode: 1, cause: error });
}

/**
 * The plan without values, for printing. A tier is SSM's (AWS, and the local store that keeps its limits): a store
 * with its own size rule (Key Vault, Secret Manager) has none to show.
 */
export function describeSecretPlan(
  provider: Provider,
  plan: SecretPushEntry[],
  unchanged: ReadonlySet<string> = new Set(),
): { key: string; level: SecretLevel; where: string; push: boolean; unchanged?: true; tier?: ParameterTier; bytes?: number }[] {
  const ssmTiers = provider.parameters.chooseTier === undefined;
  return plan.map((e) => ({
    key: e.key,
    level: e.level,
    where: e.location,
    push: e.push,
    ...(unchanged.has(e.name) ? { unchanged: true as const } : {}),
    ...(e.tier && ssmTiers ? { tier: e.tier, bytes: e.bytes } : {}),
  }));
}

/**
 * Writes the planned secrets; `push: false` ones and the `unchanged` names (see findStaleSecrets) are skipped. Returns
 * the names written. A write that fails midway (the third of five refused by the store) ends the push with an error
 * that says which secrets were written before it and which were not (keys only, never a value).
 */
export async function pushSecrets(provider: Provider, plan: SecretPushEntry[], unchanged: ReadonlySet<string> = new Set()): Promise<string[]> {
  const entries = plan.flatMap((e) => (e.push && e.stored !== undefined && e.tier && !unchanged.has(e.name) ? [{ name: e.name, value: e.stored, tier: e.tier }] : []));
  const written = new Set<string>();
  try {
    await writeParameters(provider, entries, (names) => names.forEach((n) => written.add(n)));
  } catch (error) {
    throw describePartialSecretsPush(provider, plan, entries, written, error);
  }
  return entries.map((e) => e.name);
}

/**
 * Writes parameters through the store's batch write when it has one (one version per secret path: each path is one
 * write, told to `onWritten`), else one by one.
 */
export async function writeParameters(
  provider: Provider,
  entries: { name: string; value: string; tier: ParameterTier }[],
  onWritten: (names: string[]) => void = () => {},
): Promise<void> {
  if (entries.length === 0) return;
  const { putAll } = provider.parameters;
  if (putAll) {
    const byPath = new Map<string, typeof entries>();
    for (const e of entries) {
      const folder = e.name.slice(0, e.name.lastIndexOf('/'));
      byPath.set(folder, [...(byPath.get(folder) ?? []), e]);
    }
    for (const group of byPath.values()) {
      await putAll(group);
      onWritten(group.map((e) => e.name));
    }
    return;
  }
  for (const e of entries) {
    await provider.parameters.put(e.name, e.value, e.tier);
    onWritten([e.name]);
  }
}

/**
 * The error of a push the store stopped midway: which secrets it holds now, which write failed (the first not written)
 * and which were not tried. Stale secrets are removed only after every write, so none was. The store's own message is
 * kept (masked of every value pushed: a store may quote what it refused); a UserError stays one, with its exit code.
 */
function describePartialSecretsPush(
  provider: Provider,
  plan: readonly SecretPushEntry[],
  entries: readonly { name: string; value: string }[],
  written: ReadonlySet<string>,
  error: unknown,
): Error {
  const keyOf = (name: string): string => plan.find((e) => e.name === name)?.key ?? name.slice(name.lastIndexOf('/') + 1);
  const failed = entries.filter((e) => !written.has(e.name));
  const first = failed[0];
  if (first === undefined) return error instanceof Error ? error : new Error(String(error));
  const masker = createRunMasker(entries.flatMap((e) => [e.value, unescapeSecretValue(e.value)]));
  const reason = masker.mask(error instanceof Error ? error.message : String(error));
  const list = (names: string[]): string => (names.length === 0 ? 'none' : names.map(keyOf).join(', '));
  const pushed = entries.filter((e) => written.has(e.name)).map((e) => e.name);
  const message =
    `could not write secret "${keyOf(first.name)}" to the ${provider.name} secret store (${provider.parameters.describe(first.name)}): ${reason}. ` +
    `The push stopped there: pushed before it: ${list(pushed)}; not pushed: ${list(failed.map((e) => e.name))} (the store keeps their previous values, if any); no stale secret was removed`;
  const again = 'then push again: it writes what is missing (secrets the store already holds with these values are not written again)';
  if (error instanceof UserError) {
    return new UserError(message, { fix: error.fix ? `${error.fix}; ${again}` : again, exitCode: error.exitCode, diagnostics: error.diagnostics, cause: error });
  }
  return new Error(message, { cause: error });
}

/**
 * Reads the task's secrets: resource-group level (`/handoff/<RG>`, one level) first, then task level
 * (`/handoff/<RG>/<task>`), which wins for a key defined at both. `config` (the original's stored project) is skipped.
 */
export async function readStoreSecrets(provider: Provider): Promise<StoredSecret[]> {
  const { names } = provider;
  const byKey = new Map<string, StoredSecret>();
  const levels: [string, SecretLevel][] = [
    [names.ssmResourceGroupPath, 'resource group'],
    [names.ssmTaskPath, 'task'],
  ];
  for (const [path, level] of levels) {
    for (const p of await provider.parameters.listByPath(path)) {
      const key = p.name.slice(p.name.lastIndexOf('/') + 1);
      if (RESERVED_SECRET_KEYS.has(key)) continue;
      byKey.set(key, { key, level, name: p.name, location: provider.parameters.describe(p.name), value: unescapeSecretValue(p.value) });
    }
  }
  const where = `${describeSecretPath(provider, names.ssmTaskPath)} and the resource group's ${describeSecretPath(provider, names.ssmResourceGroupPath)}`;
  return recordSecretsOrigin([...byKey.values()], { kind: 'store', where });
}

/**
 * Where the secrets of a path are, in the provider's terms: describe() names one secret (`<path>/<key>`), and a store
 * that keeps a path's keys together (Key Vault, Secret Manager) knows no name for the path alone.
 */
export function describeSecretPath(provider: Provider, path: string): string {
  return provider.parameters.describe(`${path}/*`);
}

/** Stored secrets in the shape the runner takes; still known to come from the store (even none of them). */
export function toRunSecrets(stored: StoredSecret[]): Secret[] {
  const secrets = stored.map((s): Secret => ({ key: s.key, value: s.value, level: s.level, push: true, source: s.location }));
  const origin = findSecretsOrigin(stored);
  return origin ? recordSecretsOrigin(secrets, origin) : secrets;
}

/**
 * Deletes the given secrets (`push: false` ones are left alone, they were never pushed). `listed`: they come from a
 * secrets file, not from the store's listing (a refusal midway does not call the ones not reached still stored).
 */
export async function deleteSecrets(
  provider: Provider,
  secrets: (Pick<Secret, 'key' | 'level' | 'push'> & { value?: string })[],
  options: { listed?: boolean } = {},
): Promise<{ deleted: string[]; missing: string[] }> {
  const pushed = secrets.filter((s) => s.push);
  const names = pushed.map((s) => parameterName(provider.names, s.key, s.level));
  if (names.length === 0) return { deleted: [], missing: [] };
  const values = pushed.flatMap((s) => ('value' in s && typeof s.value === 'string' ? [s.value] : []));
  return deleteParameters(provider, names, { keys: new Map(pushed.map((s, i) => [names[i]!, s.key])), values, ...options });
}
