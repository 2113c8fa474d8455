// Before a cloud deploy or run: every `envs` key without a value needs a secret the cloud run will find, or every run fails.
import { UserError, type Diagnostic } from '../errors.js';
import type { Env } from '../project/types.js';
import type { Secret } from './local-secrets.js';

export interface EnvSecretsInput {
  envs: readonly Env[];
  stage: string;
  /** The stage's secrets file (`.secrets/<stage>_secrets.yml` or under `-v secrets_dir`), and whether it exists. */
  secretsFile: string;
  fileFound: boolean;
  /** What the deploy pushes (push: true entries of the file); empty for `cloud run`, which pushes nothing. */
  pushed: readonly Secret[];
  /** Keys the store will hold after the command: the stored ones that the deploy keeps (or all, for `cloud run`). */
  stored: ReadonlySet<string>;
  /** `cloud deploy`, `cloud plan`, `cloud run`. */
  command: string;
  /** For `cloud run`: the keys the secrets file has (never their values), to say "push it" rather than "add it". */
  inFile?: ReadonlySet<string>;
}

/** The keys of `envs` that take a secret (no `value:`), with their index for the error's line. */
export function envsNeedingSecrets(envs: readonly Env[]): { key: string; index: number }[] {
  return envs.flatMap((e, index) => (e.value === undefined ? [{ key: e.key, index }] : []));
}

/**
 * Refuses (exit 2) when an env without a value would find no secret in the cloud: the container's run stops at it
 * ("has no value, and the store holds no secret"), so a deploy, its schedules and every `cloud run` could only fail.
 * Each key is named at its place in project.yml (the diagnostic's path `envs[i].key`, located by the caller).
 */
export function refuseEnvsWithoutSecret(input: EnvSecretsInput): void {
  const pushed = new Set(input.pushed.filter((s) => s.push).map((s) => s.key));
  const missing = envsNeedingSecrets(input.envs).filter((e) => !pushed.has(e.key) && !input.stored.has(e.key));
  if (missing.length === 0) return;
  const keys = missing.map((m) => m.key);
  // `cloud run` pushes nothing: only the store counts. A deploy pushes the file's secrets first.
  const where = input.command === 'cloud run' ? 'the store holds no secret of that key' : `${input.fileFound ? `not in ${input.secretsFile}` : `there is no secrets file ${input.secretsFile}`}, and not in the store`;
  const diagnostics: Diagnostic[] = missing.map((m) => ({
    severity: 'error',
    message: `"${m.key}" has no value and no secret for stage "${input.stage}"`,
    path: `envs[${m.index}].key`,
  }));
  // The file has them and the store does not (deleted with `secrets delete --key`, or never pushed): pushing is the fix.
  const filed = input.command === 'cloud run' ? keys.filter((k) => input.inFile?.has(k)) : [];
  if (filed.length === keys.length) {
    throw new UserError(
      `${keys.length === 1 ? 'the env' : 'the envs'} ${keys.join(', ')} of project.yml ${keys.length === 1 ? 'has' : 'have'} no value, and the store holds no secret of ${keys.length === 1 ? 'that key' : 'those keys'} for stage "${input.stage}" (${input.secretsFile} has ${keys.length === 1 ? 'it' : 'them'}, the store does not): every cloud run would stop at ${keys.length === 1 ? 'it' : 'them'}, so ${input.command} did nothing`,
      { fix: 'push the secrets file with `handoff secrets push` (or `handoff cloud deploy`), then run again', diagnostics },
    );
  }
  const lines = keys.filter((k) => !filed.includes(k)).map((k) => `"- key: ${k}" with its "value:"`).join(', ');
  throw new UserError(
    `${keys.length === 1 ? 'the env' : 'the envs'} ${keys.join(', ')} of project.yml ${keys.length === 1 ? 'has' : 'have'} no value and no secret for stage "${input.stage}" (${where}): every cloud run would stop at ${keys.length === 1 ? 'it' : 'them'}, so ${input.command} did nothing`,
    {
      fix: `add ${keys.length === 1 ? 'it' : 'them'} to ${input.secretsFile} (${lines}) and ${input.command === 'cloud run' ? 'push with `handoff secrets push` (or `handoff cloud deploy`)' : `run ${input.command} again`}, or give ${keys.length === 1 ? 'the env' : 'each env'} a value: in project.yml`,
      diagnostics,
    },
  );
}
