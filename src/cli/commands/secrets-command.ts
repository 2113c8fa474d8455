// `secrets push|print|delete`: the stage's secrets to and from the provider's secret store (SSM, or 0600 files locally).
import { UserError } from '../../errors.js';
import {
  deleteParameters,
  deleteSecrets,
  describeKeptSharedSecrets,
  describeSecretPath,
  describeSecretPlan,
  findStaleSecrets,
  checkSecretsFit,
  planSecretsPush,
  pushSecrets,
  readStoreSecrets,
  removeStaleSecrets,
  type SecretPushEntry,
  type StaleSecret,
} from '../../providers/store/store-secrets.js';
import { loadLocalSecrets, refuseUnknownFieldsForPush, type Secret } from '../../secrets/local-secrets.js';
import { describeUnmaskableSecrets, findUnmaskableSecrets } from '../../secrets/mask.js';
import { readVarBoolean } from '../../template/parse-vars.js';
import type { GlobalOptions } from '../global-options.js';
import { confirm, printResult, requireProject, withStoreSession, type StoreSession } from './store-session.js';
import { plural } from '../../plural.js';
import { RESERVED_SECRET_KEYS } from '../../providers/store/secret-values.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';

/** `push`: an unknown field in the secrets file is refused (refuseUnknownFieldsForPush) rather than warned of. */
function loadStageSecrets(options: GlobalOptions, session: StoreSession, push = false): { secrets: Secret[]; vars: Record<string, unknown> } {
  const project = requireProject(session);
  const vars = parseCliVars(options.vars);
  const secretsDir = secretsDirVar(vars);
  const loaded = loadLocalSecrets({ projectDir: project.dir, stage: options.stage, secretsDir });
  if (!loaded.fileFound) {
    const w = loaded.warnings[0];
    throw new UserError(w.message, { fix: w.hint ?? 'create the stage\'s secrets file' });
  }
  if (push) refuseUnknownFieldsForPush(loaded.unknownFields, 'secrets push');
  for (const w of loaded.warnings) session.log.log('warning', w.message);
  // Pushed as it is, but every run that uses it prints it in clear: said here as `config validate` and `run local` say it.
  const short = push ? findUnmaskableSecrets(loaded.secrets) : [];
  if (short.length > 0) session.log.log('warning', describeUnmaskableSecrets(short));
  return { secrets: loaded.secrets, vars };
}

/**
 * The lines of a push plan: each secret of the file, then the stored task-level ones the push removes. A `push: false`
 * secret still in the store says REMOVE rather than SKIP: SKIP would suggest the store holds nothing for it.
 */
export function formatSecretPushLines(plan: SecretPushEntry[], remove: StaleSecret[], keptShared: StaleSecret[] = [], unchanged: ReadonlySet<string> = new Set()): string[] {
  const removing = new Map(remove.map((r) => [r.name, r]));
  const kept = new Set(keptShared.map((k) => k.name));
  const lines = plan.map((e, i) => {
    const stale = removing.get(plan[i]!.name);
    if (stale) removing.delete(stale.name);
    const skip = kept.has(plan[i]!.name) ? ' SKIP (push: false), STAYS in the store (shared by the resource group)' : ' SKIP (push: false)';
    const action = e.push ? (unchanged.has(e.name) ? ' UNCHANGED (the store holds this value; not written)' : e.tier === 'Advanced' ? ' [Advanced tier]' : '') : stale ? ` REMOVE from the store (${stale.why})` : skip;
    return `  - ${e.key} (${e.level} level) -> ${e.location}${action}`;
  });
  for (const r of removing.values()) lines.push(`  - ${r.key} (${r.level} level) -> ${r.location} REMOVE from the store (${r.why})`);
  return lines;
}

/** The question before a push that writes and removes secrets. */
export function describeSecretChanges(write: number, remove: number): string {
  return [write > 0 ? `push ${plural(write, 'secret')}` : '', remove > 0 ? `remove ${plural(remove, 'stale secret')}` : ''].filter(Boolean).join(' and ');
}

export function secretsPushCommand(options: GlobalOptions): Promise<number> {
  // Read before the session opens: `allow_advanced_tier=yes` is refused, not taken as false.
  const allowAdvancedTier = readVarBoolean(parseCliVars(options.vars), 'allow_advanced_tier', '-v') === true;
  return withStoreSession(options, { project: true }, async (session) => {
    const { secrets } = loadStageSecrets(options, session, true);
    // Every check (reserved keys, key characters, empty values, sizes and tiers) runs here, before the prompt and any write.
    const plan = planSecretsPush(session.provider, secrets, { allowAdvancedTier });
    await checkSecretsFit(session.provider, plan);
    const stale = await findStaleSecrets(session.provider, plan);
    const described = describeSecretPlan(session.provider, plan, stale.unchanged);
    const removed = stale.remove.map((r) => ({ key: r.key, level: r.level, where: r.location, why: r.why }));
    process.stderr.write(`Secrets to push to the ${session.provider.name} secret store:\n${formatSecretPushLines(plan, stale.remove, stale.keptShared, stale.unchanged).join('\n')}\n`);
    const shared = describeKeptSharedSecrets(stale.keptShared);
    if (shared) session.log.log('warning', shared);
    const count = plan.filter((e) => e.push && !stale.unchanged.has(e.name)).length;
    const sameNote = stale.unchanged.size > 0 ? ` (${stale.unchanged.size} unchanged)` : '';
    if (count === 0 && stale.remove.length === 0) {
      if (stale.unchanged.size > 0) session.log.log('info', `${plural(stale.unchanged.size, 'secret')} unchanged: nothing was written`);
      printResult(options, { status: stale.unchanged.size > 0 ? 'unchanged' : 'nothing to push', secrets: described });
      return 0;
    }
    const changes = describeSecretChanges(count, stale.remove.length);
    if (!(await confirm(options, `${changes[0]!.toUpperCase()}${changes.slice(1)}?`))) {
      session.log.log('info', 'Nothing was pushed (answered no)');
      printResult(options, { status: 'aborted', secrets: described, ...(removed.length > 0 ? { removed } : {}) });
      return 0;
    }
    // Writes first: a run that starts in between sees the new values beside the old ones, never a secret missing.
    const written = await pushSecrets(session.provider, plan, stale.unchanged);
    const deleted = await removeStaleSecrets(session.provider, stale.remove);
    session.log.log('info', `Pushed ${plural(written.length, 'secret')}${sameNote}${deleted.length > 0 ? `; removed ${plural(deleted.length, 'stale secret')} (${stale.remove.map((r) => r.key).join(', ')})` : ''}`);
    printResult(options, { status: 'pushed', secrets: described, ...(removed.length > 0 ? { removed } : {}) });
    return 0;
  });
}

/** `secrets print`: what the store holds for this task, values masked unless --reveal. */
export function secretsPrintCommand(options: GlobalOptions, flags: { reveal?: boolean }): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const stored = await readStoreSecrets(session.provider);
    if (stored.length === 0) session.log.log('warning', `no secrets stored under ${describeSecretPath(session.provider, session.provider.names.ssmTaskPath)} or its resource group`);
    printResult(
      options,
      stored.map((s) => ({ key: s.key, level: s.level, where: s.location, value: flags.reveal ? s.value : '***' })),
    );
    return 0;
  });
}

/**
 * Before resource-group secrets are deleted: the group's other deployed tasks read them too, and their runs (scheduled
 * ones included) stop at a missing secret, so they are named. A cloud that cannot list them, or a failed read, says nothing.
 */
async function warnOfSharedSecrets(session: StoreSession, keys: string[]): Promise<void> {
  if (keys.length === 0 || !session.provider.deployment?.findOtherTasks) return;
  const others = await session.provider.deployment.findOtherTasks().catch(() => []);
  if (others.length === 0) return;
  const list = others.map((o) => `task ${o.task} (${o.where}, ${plural(o.enabledSchedules, 'enabled schedule')})`).join(', ');
  session.log.log(
    'warning',
    `${keys.join(', ')} ${keys.length === 1 ? 'is a secret' : 'are secrets'} of resource group ${session.provider.names.resourceGroup}, and other deployed tasks of it read ${keys.length === 1 ? 'it' : 'them'}: ${list}; an env of theirs that takes ${keys.length === 1 ? 'it' : 'them'} stops their runs until ${keys.length === 1 ? 'it is' : 'they are'} pushed again (\`handoff secrets push\` of a project whose secrets file has ${keys.length === 1 ? 'it' : 'them'})`,
  );
}

/**
 * `secrets delete --key K …`: removes the stored secrets of those keys, at whichever level the task's store holds them,
 * whatever the secrets file says: the way to remove a resource-group secret the file marks `push: false` or dropped.
 */
function deleteStoredKeys(options: GlobalOptions, keys: string[]): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const { names, parameters } = session.provider;
    const stored = [...(await parameters.listByPath(names.ssmTaskPath)), ...(await parameters.listByPath(names.ssmResourceGroupPath))];
    const wanted = new Set(keys);
    const targets = stored.filter((p) => wanted.has(p.name.slice(p.name.lastIndexOf('/') + 1)) && !RESERVED_SECRET_KEYS.has(p.name.slice(p.name.lastIndexOf('/') + 1)));
    for (const key of keys.filter((k) => !targets.some((t) => t.name.endsWith(`/${k}`)))) session.log.log('warning', `no stored secret "${key}" for ${names.resourceGroup}/${names.task}`);
    await warnOfSharedSecrets(session, targets.filter((t) => t.name.startsWith(names.ssmResourceGroupPath)).map((t) => t.name.slice(t.name.lastIndexOf('/') + 1)));
    process.stderr.write(`Secrets to delete from the ${session.provider.name} secret store:\n${targets.map((t) => `  - ${t.name.slice(t.name.lastIndexOf('/') + 1)} -> ${parameters.describe(t.name)}`).join('\n')}\n`);
    if (targets.length === 0 || !(await confirm(options, `Delete ${plural(targets.length, 'secret')}?`))) {
      if (targets.length > 0) session.log.log('info', 'Nothing was deleted (answered no)');
      printResult(options, { status: targets.length === 0 ? 'nothing to delete' : 'aborted' });
      return 0;
    }
    const result = await deleteParameters(session.provider, targets.map((t) => t.name), { values: targets.map((t) => t.value) });
    // Where each is in the provider's own terms (an SSM parameter, a Key Vault or Secret Manager secret's key).
    printResult(options, { status: 'deleted', deleted: result.deleted.map((n) => parameters.describe(n)), missing: result.missing.map((n) => parameters.describe(n)) });
    return 0;
  });
}

/** `secrets delete`: removes the stage's secrets (as listed in the local secrets file, or `--key`s) from the store. */
export function secretsDeleteCommand(options: GlobalOptions, flags: { key?: string[] } = {}): Promise<number> {
  if (flags.key && flags.key.length > 0) return deleteStoredKeys(options, flags.key);
  return withStoreSession(options, { project: true }, async (session) => {
    const { secrets } = loadStageSecrets(options, session);
    const targets = secrets.filter((s) => s.push);
    process.stderr.write(
      `Secrets to delete from the ${session.provider.name} secret store:\n` +
        secrets.map((s) => `  - ${s.key} (${s.level} level)${s.push ? '' : ' SKIP (push: false, never pushed)'}`).join('\n') +
        '\n',
    );
    if (targets.length === 0 || !(await confirm(options, `Delete ${plural(targets.length, 'secret')}?`))) {
      if (targets.length > 0) session.log.log('info', 'Nothing was deleted (answered no)');
      printResult(options, { status: targets.length === 0 ? 'nothing to delete' : 'aborted' });
      return 0;
    }
    // The file's keys, not the store's: a refusal midway cannot say the ones not reached are stored.
    const result = await deleteSecrets(session.provider, targets, { listed: true });
    const where = (name: string): string => session.provider.parameters.describe(name);
    for (const name of result.missing) session.log.log('warning', `${where(name)} was not in the store`);
    printResult(options, { status: 'deleted', deleted: result.deleted.map(where), missing: result.missing.map(where) });
    return 0;
  });
}
