// The image (repository) name of a project: `deploy.container_image`, else `deploy.task`, else the folder's name.
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Project } from '../project/types.js';

// Docker and ECR repository names: lowercase components of letters and digits joined by single `.`, `_`, `__` or `-`
// runs, separated by `/` (the distribution reference grammar; ECR's CreateRepository uses the same pattern), 2-256 long.
const REPOSITORY = /^(?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\/)*[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

export function isValidRepositoryName(name: string): boolean {
  return name.length >= 2 && name.length <= 256 && REPOSITORY.test(name);
}

/** Lowercases a name and replaces what a repository name cannot hold, e.g. `My Project` → `my-project`. */
export function toRepositoryName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '');
}

/**
 * The repository part of the project's image tags (`<name>:<version>`). An explicit `deploy.container_image` must be
 * valid as written; names derived from `deploy.task` or the folder are lowercased and cleaned.
 */
export function resolveImageName(project: Project): string {
  const explicit = project.deploy.container_image;
  if (explicit !== undefined) {
    if (!isValidRepositoryName(explicit)) {
      throw new UserError(`deploy.container_image "${explicit}" is not a valid image name`, {
        fix: 'use 2-256 lowercase letters and digits, joined by single . _ or - (and / for namespaces), e.g. my-pipeline',
        diagnostics: [{ severity: 'error', message: 'not a valid image name', location: { file: project.file }, path: 'deploy.container_image' }],
      });
    }
    return explicit;
  }
  const derived = toRepositoryName(project.deploy.task ?? path.basename(project.dir));
  if (!isValidRepositoryName(derived)) {
    throw new UserError(`cannot make an image name from ${project.deploy.task ? `deploy.task "${project.deploy.task}"` : `the folder name "${path.basename(project.dir)}"`}`, {
      fix: 'set deploy.container_image in project.yml, e.g. container_image: my-pipeline',
    });
  }
  return derived;
}
