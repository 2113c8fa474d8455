// The masker of a run: every secret value it uses, whether read from the secrets or given with -v/-e in place of one.
import type { Env } from '../project/types.js';
import type { Secret } from './local-secrets.js';
import { formatPythonStr } from '../template/python-str.js';
import { createMasker, HANDOFF_TOKENS, type Masker } from './mask.js';

export interface RunSecretsInput {
  /** The stage's secrets as read (the secrets file, or the store). */
  secrets: readonly Secret[];
  /** project.yml's envs: one without a value takes a secret, so a value given for its key is that secret. */
  envs: readonly Pick<Env, 'key' | 'value'>[];
  /** Keys of secrets whose values this run does not hold: a store run's local-only (`push: false`) ones, from `-p`. */
  keys?: readonly string[];
  /** `-v key=value` */
  cliVars?: Record<string, unknown>;
  /** `-e key=value` of a run (the env of its commands) */
  cliEnvs?: Record<string, string>;
}

/**
 * The values to mask in a run: the secrets, and each `-v`/`-e` value whose key is a secret's key or an env without a
 * value (the key of a secret, read from the store by a deployed run). A value given on the command line replaces the
 * secret in the templates and the environment (src/template/context.ts), so it is the secret this run uses: README's
 * `-v notify_url=…` for a local-only secret must print as `***`, as the file's value would.
 */
export function runSecretValues(input: RunSecretsInput): string[] {
  const secretKeys = new Set<string>([...input.secrets.map((s) => s.key), ...input.envs.filter((e) => e.value === undefined).map((e) => e.key), ...(input.keys ?? [])]);
  const values = input.secrets.flatMap(secretTexts);
  for (const given of [input.cliVars ?? {}, input.cliEnvs ?? {}]) {
    for (const [key, value] of Object.entries(given)) {
      // Typed by -v's rules (`-v PIN=98765` is an int, a long one a bigint): masked as a template prints it.
      if (secretKeys.has(key) && value !== undefined && value !== null) values.push(typeof value === 'string' ? value : formatPythonStr(value));
    }
  }
  return values;
}

/**
 * The texts of a secret to mask: its value (what the environment and the store get, and a template prints), and, when
 * the secrets file wrote it otherwise (`yes` for True, `1.50` for 1.5), the written text, which is the secret too.
 */
export function secretTexts(secret: Pick<Secret, 'value' | 'typed' | 'written'>): string[] {
  const texts = [secret.value];
  if ('typed' in secret) texts.push(formatPythonStr(secret.typed));
  if (secret.written !== undefined) texts.push(secret.written);
  return [...new Set(texts)];
}

/** The masker every part of a run uses (console, record, logs; `runs show`; the UI): run ids and times are spared. */
export function createRunMasker(values: readonly string[]): Masker {
  return createMasker([...values], { spare: HANDOFF_TOKENS });
}
