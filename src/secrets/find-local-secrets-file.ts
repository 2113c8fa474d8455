// Finds a stage's local secrets file, and what to warn when it is not there, without the YAML parser only a file needs.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
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
        hint: `create ${file} if the project needs secrets for stage "${input.stage}"`,
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
