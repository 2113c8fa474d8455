// `secrets push|print|delete`: the stage's secrets to and from the provider's secret store (SSM, or 0600 files locally).
import { UserError } from '../../errors.js';
import { deleteSecrets, describeSecretPlan, planSecretsPush, pushSecrets, readStoreSecrets } from '../../providers/store/store-secrets.js';
import { loadLocalSecrets, type Secret } from '../../secrets/local-secrets.js';
import { parseVarTokens } from '../../template/parse-vars.js';
import type { GlobalOptions } from '../global-options.js';
import { confirm, printResult, requireProject, withStoreSession, type StoreSession } from './store-session.js';
import { plural } from '../../plural.js';

function loadStageSecrets(options: GlobalOptions, session: StoreSession): { secrets: Secret[]; vars: Record<string, unknown> } {
  const project = requireProject(session);
  const vars = parseVarTokens(options.vars, '-v');
  const secretsDir = typeof vars.secrets_dir === 'string' ? vars.secrets_dir : undefined;
  const loaded = loadLocalSecrets({ projectDir: project.dir, stage: options.stage, secretsDir });
  if (!loaded.fileFound) {
    const w = loaded.warnings[0];
    throw new UserError(w.message, { fix: w.hint ?? 'create the stage\'s secrets file' });
  }
  for (const w of loaded.warnings) session.log.log('warning', w.message);
  return { secrets: loaded.secrets, vars };
}

export function secretsPushCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: true }, async (session) => {
    const { secrets, vars } = loadStageSecrets(options, session);
    // Every check (reserved keys, key characters, sizes and tiers) runs here, before the prompt and any write.
    const plan = planSecretsPush(session.provider, secrets, { allowAdvancedTier: vars.allow_advanced_tier === true });
    const described = describeSecretPlan(plan);
    process.stderr.write(
      `Secrets to push to the ${session.provider.name} secret store:\n` +
        described.map((e) => `  - ${e.key} (${e.level} level) -> ${e.where}${e.push ? (e.tier === 'Advanced' ? ' [Advanced tier]' : '') : ' SKIP (push: false)'}`).join('\n') +
        '\n',
    );
    const count = plan.filter((e) => e.push).length;
    if (count === 0) {
      printResult(options, { status: 'nothing to push', secrets: described });
      return 0;
    }
    if (!(await confirm(options, `Push ${plural(count, 'secret')}?`))) {
      session.log.log('info', 'Nothing was pushed (answered no)');
      printResult(options, { status: 'aborted', secrets: described });
      return 0;
    }
    const written = await pushSecrets(session.provider, plan);
    session.log.log('info', `Pushed ${plural(written.length, 'secret')}`);
    printResult(options, { status: 'pushed', secrets: described });
    return 0;
  });
}

/** `secrets print`: what the store holds for this task, values masked unless --reveal. */
export function secretsPrintCommand(options: GlobalOptions, flags: { reveal?: boolean }): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const stored = await readStoreSecrets(session.provider);
    if (stored.length === 0) session.log.log('warning', `no secrets stored under ${session.provider.parameters.describe(session.provider.names.ssmTaskPath)} or its resource group`);
    printResult(
      options,
      stored.map((s) => ({ key: s.key, level: s.level, where: s.location, value: flags.reveal ? s.value : '***' })),
    );
    return 0;
  });
}

/** `secrets delete`: removes the stage's secrets (as listed in the local secrets file) from the store. */
export function secretsDeleteCommand(options: GlobalOptions): Promise<number> {
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
    const result = await deleteSecrets(session.provider, targets);
    for (const name of result.missing) session.log.log('warning', `${name} was not in the store`);
    printResult(options, { status: 'deleted', deleted: result.deleted, missing: result.missing });
    return 0;
  });
}
