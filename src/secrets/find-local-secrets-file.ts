// Finds a stage's local secrets file, and what to warn when it is not there, without the YAML parser only a file needs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { suggestKey } from '../project/suggest-key.js';
import { secretsFileName } from '../template/stage-vars.js';

export interface LocalSecretsInput {
  projectDir: string;
  stage: string;
  secretsDir?: string;
  /**
   * The project's envs. When given, a missing file is only worth a warning if the project uses secrets: an env
   * without a value (a secret-backed env), a `.secrets/` folder, or `-v secrets_dir`. Without them it has none.
   */
  envs?: ReadonlyArray<{ value?: string }>;
}

/** `<secretsDir or P/.secrets>/<secretsFileName(stage)>`, whether it is a file, and the warning its absence is worth. */
export function findLocalSecretsFile(input: LocalSecretsInput): { file: string; exists: boolean; warnings: Diagnostic[] } {
  const file = localSecretsFilePath(input);
  const folder = dirname(file);
  if (isExistingFile(file)) return { file, exists: true, warnings: [] };
  const usesSecrets = !input.envs || input.secretsDir !== undefined || existsSync(folder) || input.envs.some((e) => e.value === undefined);
  if (!usesSecrets) return { file, exists: false, warnings: [] };
  return {
    file,
    exists: false,
    warnings: [
      {
        severity: 'warning',
        message: `no secrets file for stage "${input.stage}": looked for ${file}`,
        location: { file },
        hint: ((near) => (near ? `${near}; or create ${file}` : `create ${file} if the project needs secrets for stage "${input.stage}"`))(suggestStage(input.stage, folder)),
      },
    ],
  };
}

/** `<secretsDir or P/.secrets>/<secretsFileName(stage)>`: the file a local run reads its secrets from. */
export function localSecretsFilePath(input: Pick<LocalSecretsInput, 'projectDir' | 'stage' | 'secretsDir'>): string {
  const folder = input.secretsDir !== undefined ? resolve(input.secretsDir) : join(input.projectDir, '.secrets');
  return join(folder, secretsFileName(input.stage));
}

function isExistingFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * `did you mean -s prod? …` for a stage that names no secrets file when a known one is close: dev, prod (the one stage
 * with a meaning: no name prefixes) and the stages of the secrets files beside it. Stages are case-sensitive names of
 * files and clouds, so `-s Prod` is another stage, not prod.
 */
export function suggestStage(stage: string, secretsFolder: string): string | undefined {
  const known = new Set(['dev', 'prod']);
  try {
    for (const name of readdirSync(secretsFolder)) {
      if (name === secretsFileName('prod')) known.add('prod');
      const m = /^(.+)_secrets\.yml$/.exec(name);
      if (m) known.add(m[1]!);
    }
  } catch {
    // No secrets folder: dev and prod are the stages known.
  }
  if (known.has(stage)) return undefined;
  const sameLetters = [...known].find((k) => k.toLowerCase() === stage.toLowerCase());
  if (sameLetters) return `did you mean -s ${sameLetters}? stage names are case-sensitive`;
  const near = suggestKey(stage, [...known]);
  return near ? `did you mean -s ${near}?` : undefined;
}
