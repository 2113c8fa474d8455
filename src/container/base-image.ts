// Which base image a generated Dockerfile starts from: HANDOFF_BASE_IMAGE, container.base_image, or a default.
import type { Project } from '../project/types.js';

/**
 * The offline base built by `npm run container:base` (scripts/container-base.sh, whose IMAGE must match): Debian
 * bookworm with Python 3 venv, tini and Node.js 20. Preferred when it exists, since it needs no registry.
 */
export const DEFAULT_BASE_IMAGE = 'localhost/handoff-base:bookworm-node20-r1';

/** Used when the offline base has not been built: Node.js 20 on Debian bookworm; the Dockerfile adds Python and tini. */
export const PUBLIC_BASE_IMAGE = 'docker.io/library/node:20-bookworm-slim';

export interface BaseImageChoice {
  image: string;
  /** Where the choice came from, for the build log. */
  source: 'HANDOFF_BASE_IMAGE' | 'container.base_image' | 'offline base' | 'public default';
}

/**
 * The environment wins over project.yml: it describes what this machine can reach (e.g. a CI machine without a public
 * registry), while project.yml describes the project.
 */
export function chooseBaseImage(input: { project: Project; env: NodeJS.ProcessEnv; offlineBaseExists: boolean }): BaseImageChoice {
  const fromEnv = input.env.HANDOFF_BASE_IMAGE?.trim();
  if (fromEnv) return { image: fromEnv, source: 'HANDOFF_BASE_IMAGE' };
  if (input.project.container.base_image) return { image: input.project.container.base_image, source: 'container.base_image' };
  if (input.offlineBaseExists) return { image: DEFAULT_BASE_IMAGE, source: 'offline base' };
  return { image: PUBLIC_BASE_IMAGE, source: 'public default' };
}

/** True when the choice still has to be made by asking the container CLI whether the offline base exists. */
export function needsOfflineBaseCheck(project: Project, env: NodeJS.ProcessEnv): boolean {
  return !env.HANDOFF_BASE_IMAGE?.trim() && !project.container.base_image;
}
