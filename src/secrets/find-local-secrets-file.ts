// Finds a stage's local secrets file, and what to warn when it is not there, without the YAML parser only a file needs.
import { existsSync, readdirSync, statSync } from 'node:fs';
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

/** A near stage's hint, then the other way out: `did you mean -s prod? Or create …` (a question ends its sentence). */
export function nearStageThenOr(near: string): string {
  return near.endsWith('?') ? `${near} Or ` : `${near}; or `;
}

function orCreate(near: string, file: string): string {
  return `${nearStageThenOr(near)}create ${file}`;
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
        hint: ((near) => (near ? orCreate(near, file) : `create ${file} if the project needs secrets for stage "${input.stage}"`))(suggestStage(input.stage, folder)),
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

type SuggestKey = (key: string, known: readonly string[]) => string | undefined;

/** The typo matcher, once a stage that needs it was met (loadStageSuggestions): undefined until then. */
let typoMatcher: SuggestKey | undefined;

/**
 * `did you mean -s prod? …` for a stage that names no secrets file when a known one is close: dev, prod (the one stage
 * with a meaning: no name prefixes) and the stages of the secrets files beside it. Stages are case-sensitive names of
 * files and clouds, so `-s Prod` is another stage, not prod. A typo (`prdo`) is matched once loadStageSuggestions has
 * loaded the matcher for this stage, as every command that reads -s does first (describeNearStage).
 */
export function suggestStage(stage: string, secretsFolder: string): string | undefined {
  const known = knownStages(secretsFolder);
  if (known.has(stage)) return undefined;
  const sameLetters = [...known].find((k) => k.toLowerCase() === stage.toLowerCase());
  if (sameLetters) return `did you mean -s ${sameLetters}? stage names are case-sensitive`;
  const near = typoMatcher?.(stage, [...known]);
  return near ? `did you mean -s ${near}?` : undefined;
}

/**
 * Loads the typo matcher (src/project/suggest-key) when `stage` could need it: a stage known by name or by its letters
 * needs none, so a run of dev, prod or a stage of its own secrets files never loads it.
 */
export async function loadStageSuggestions(stage: string, secretsFolder: string): Promise<void> {
  if (typoMatcher) return;
  const known = knownStages(secretsFolder);
  if (known.has(stage) || [...known].some((k) => k.toLowerCase() === stage.toLowerCase())) return;
  typoMatcher = (await import('../project/suggest-key.js')).suggestKey;
}

/**
 * The one warning a -s near a known stage is worth (`-s PROD`, `-s Prod`, `-s prdo`), said by every command that reads
 * -s for a project, before its secrets are read. Without a secrets folder a missing file is no warning, so the stage
 * would be used silently as another than prod (names prefixed `PROD_`). With one, a missing file is a warning of
 * commands that read secrets (and carries the hint from suggestStage): `secretsFolder: true` asks for it here, for a
 * command that reads none (config validate). The stage's own file, or a stage near no known one, says nothing.
 */
export async function describeNearStage(input: Pick<LocalSecretsInput, 'projectDir' | 'stage' | 'secretsDir'>, options: { secretsFolder?: boolean } = {}): Promise<string | undefined> {
  const file = localSecretsFilePath(input);
  const folder = dirname(file);
  await loadStageSuggestions(input.stage, folder);
  if (isExistingFile(file)) return undefined;
  const hasFolder = input.secretsDir !== undefined || existsSync(folder);
  if (hasFolder && !options.secretsFolder) return undefined;
  const near = suggestStage(input.stage, folder);
  if (!near) return undefined;
  return hasFolder
    ? `no secrets file for stage "${input.stage}": looked for ${file} (${orCreate(near, file)})`
    : `stage "${input.stage}" is neither dev nor prod: names it prefixes get "${input.stage}_" ({{ _stage_ }}) (${near})`;
}

function knownStages(secretsFolder: string): Set<string> {
  const known = new Set(['dev', 'prod']);
  try {
    for (const name of readdirSync(secretsFolder)) {
      const m = /^(.+)_secrets\.yml$/.exec(name);
      if (m) known.add(m[1]!);
    }
  } catch {
    // No secrets folder: dev and prod are the stages known.
  }
  return known;
}
