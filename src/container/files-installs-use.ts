// Which parts of files/ the image's install layers read: only these are copied before them, the rest of files/ after,
// so that editing a query or a template under files/ does not reinstall every venv on the next build.
import type { Install, Project } from '../project/types.js';
import { findNamedFilePaths, NAMED_FILES } from '../workspace/install-venvs.js';

/**
 * The paths under files/ (relative to it, '' for all of files/) that the installs name, in their commands or in the
 * values of the vars and envs the install steps get (`PIP_FIND_LINKS=./files/wheels`): what `workspace install`
 * fingerprints as their inputs too. A mention it cannot resolve (`$PWD/files/x`, `files/{{ dir }}`) stands for all
 * of files/, so an install never misses a file it reads.
 */
export function findFilesInstallsUse(project: Project, installs: Install[]): string[] {
  const texts = [
    ...installs.map((i) => i.command),
    ...project.envs.flatMap((e) => (e.value === undefined ? [] : [e.value])),
    ...project.vars.map((v) => (typeof v.value === 'string' ? v.value : JSON.stringify(v.value) ?? '')),
  ];
  const paths = new Set<string>();
  for (const text of texts) {
    if (/(?<![\w-])files(?![\w-])/.test(text.replace(NAMED_FILES, ''))) return [''];
    for (const named of findNamedFilePaths([text])) {
      if (named === 'files' || /[{}$%]/.test(named)) return [''];
      paths.add(named.slice('files/'.length));
    }
  }
  return [...paths].sort();
}
