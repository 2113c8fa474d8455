// The Project page's data: project.yml as loaded (or why it cannot be), and the stage's secrets as names only.
import fs from 'node:fs';
import path from 'node:path';
import { isUserError } from '../errors.js';
import type { LoadedProject } from '../project/load-project.js';
import type { Project } from '../project/types.js';
import { findLocalSecretsFile } from '../secrets/find-local-secrets-file.js';
import { loadLocalSecrets, type Secret } from '../secrets/local-secrets.js';
import { secretsFileName } from '../template/stage-vars.js';
import type { ProjectResponse, SecretName } from './api-types.js';

export interface ProjectSource {
  projectDir: string;
  stage: string;
  /** `-v secrets_dir=D`: another folder of secrets files. */
  secretsDir?: string;
}

export interface LoadedSecrets {
  secrets: Secret[];
  file: string;
  problem?: string;
  /** The file is there but does not load (its secrets are unknown, not absent). */
  broken?: boolean;
}

/** The stage's secrets; a broken secrets file is reported as a problem (its messages never quote a value). */
export function loadSecretsFor(source: ProjectSource): LoadedSecrets {
  const folder = source.secretsDir !== undefined ? path.resolve(source.secretsDir) : path.join(source.projectDir, '.secrets');
  const file = path.join(folder, secretsFileName(source.stage));
  try {
    const loaded = loadLocalSecrets({ projectDir: source.projectDir, stage: source.stage, secretsDir: source.secretsDir });
    const problem = fs.existsSync(file) ? undefined : `no secrets file for stage "${source.stage}" (${file})`;
    return { secrets: loaded.secrets, file, problem };
  } catch (error) {
    return { secrets: [], file, problem: (error as Error).message, broken: true };
  }
}

export function toSecretNames(secrets: Secret[], project: Project | undefined): SecretName[] {
  const fromSecrets = new Set((project?.envs ?? []).filter((e) => e.value === undefined).map((e) => e.key));
  return secrets.map((s) => ({ key: s.key, level: s.level, push: s.push, usedByEnvs: fromSecrets.has(s.key) }));
}

/** `load` is the backend's (ProjectBackend.loadProject): the one load every page shares, with the same problems. */
export async function describeProject(source: ProjectSource, secrets: LoadedSecrets, load: () => Promise<LoadedProject>): Promise<ProjectResponse> {
  const base = { secretsFile: secrets.file, secretsProblem: secrets.problem };
  try {
    const { project, warnings } = await load();
    // A missing file is a problem only for a project that uses secrets: the CLI's own rule (findLocalSecretsFile).
    const missingMatters = secrets.broken || findLocalSecretsFile({ ...source, envs: project.envs }).warnings.length > 0;
    return { ...base, ...(missingMatters ? {} : { secretsProblem: undefined }), project, warnings, secrets: toSecretNames(secrets.secrets, project) };
  } catch (error) {
    if (!isUserError(error)) throw error;
    return {
      ...base,
      warnings: [],
      error: { message: error.message, fix: error.fix, diagnostics: error.diagnostics },
      secrets: toSecretNames(secrets.secrets, undefined),
    };
  }
}
