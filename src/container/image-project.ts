// Which project built an image: a label set at build, so that push and run never pick another project's image of the same name.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Project } from '../project/types.js';
import { listLocalTags, runCli, type ContainerCli } from './container-cli.js';
import type { EmitContainerEvent } from './container-events.js';
import { compareVersionTags, isVersionTag } from './image-version.js';

/** The label every `container build` sets (also over a container.docker_file). */
export const PROJECT_LABEL = 'io.handoff.project';

/**
 * `<resource group>/<task>@<12 hex of the project folder's real path>`: the image name is the task by default, and
 * two clients' projects commonly share a task name, so the name alone says nothing about whose code is inside. The
 * folder's digest tells two checkouts apart without putting the local path into an image that is pushed.
 */
export function projectLabel(project: Project): string {
  let dir = project.dir;
  try {
    dir = fs.realpathSync(project.dir);
  } catch {
    // The folder was just read; keep the path as given.
  }
  const digest = crypto.createHash('sha256').update(dir).digest('hex').slice(0, 12);
  return `${project.deploy.resource_group ?? '-'}/${project.deploy.task ?? path.basename(project.dir)}@${digest}`;
}

/** The readable part of a label (`acme/sync`), or what an image without one is. */
function describeOwner(label: string): string {
  if (!label) return 'no project label (built by an older handoff or by hand)';
  return `project ${label.replace(/@[0-9a-f]+$/, '')}${label.includes('@') ? ` in another folder` : ''}`;
}

/**
 * The highest local version tag of `name` built from this project, for `container push|run` without a version. Tags
 * of other projects are passed over (said in a warning when one is higher); none of this project's is exit 2.
 */
export async function findProjectVersion(
  cli: ContainerCli,
  name: string,
  project: Project,
  how: { what: 'push' | 'run'; projectDir: string; emit: EmitContainerEvent },
): Promise<string> {
  const { what, projectDir, emit } = how;
  const tags = (await listLocalTags(cli, name)).filter(isVersionTag).sort(compareVersionTags).reverse();
  if (tags.length === 0) {
    throw new UserError(`there is no local image of ${name} to ${what}`, { fix: `build it first: handoff container build -p ${projectDir}` });
  }
  const labels = await readProjectLabels(cli, tags.map((tag) => `${name}:${tag}`));
  const own = projectLabel(project);
  const skipped: string[] = [];
  for (const [i, tag] of tags.entries()) {
    if (labels[i] === own) {
      if (skipped.length > 0) {
        emit({ type: 'log', level: 'warning', message: `${name}:${tag} is this project's highest version; passed over: ${skipped.join('; ')}` });
      }
      return tag;
    }
    skipped.push(`${name}:${tag} (${describeOwner(labels[i] ?? '')})`);
  }
  throw new UserError(`no local image of ${name} was built from this project (${own.replace(/@[0-9a-f]+$/, '')} in ${project.dir}): ${skipped.join('; ')}`, {
    fix: `build this project's image: handoff container build -p ${projectDir} (or name the version to ${what} with -v version=…)`,
  });
}

/** The project label of each image, in order ('' for none), with one `image inspect`. */
async function readProjectLabels(cli: ContainerCli, references: string[]): Promise<string[]> {
  // A leading `=` keeps an empty label a line of its own.
  const exit = await runCli(cli, {
    args: ['image', 'inspect', '--format', `={{index .Config.Labels ${JSON.stringify(PROJECT_LABEL)}}}`, ...references],
    captureStdout: true,
    what: 'read the labels of the local images',
  });
  return exit.stdout
    .split('\n')
    .filter((line) => line.startsWith('='))
    .map((line) => {
      const value = line.slice(1).trim();
      return value === '<no value>' ? '' : value;
    });
}
