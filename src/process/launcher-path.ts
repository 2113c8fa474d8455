// Finds handoff-launch, the small C program every command runs under (see handoff-launch.c), built into dist/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

const LAUNCHER = 'handoff-launch';

let found: string | undefined;

/**
 * The launcher sits beside the bundle: dist/handoff-launch, seen from dist/handoff.js or from a chunk in dist/chunks/,
 * and from src/process/ when the sources run under the test runner. HANDOFF_LAUNCHER names another file.
 */
function candidates(): string[] {
  if (process.env.HANDOFF_LAUNCHER) return [process.env.HANDOFF_LAUNCHER];
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.join(here, LAUNCHER), path.join(here, '..', LAUNCHER), path.join(here, '..', '..', 'dist', LAUNCHER)];
}

/**
 * The launcher's path; a UserError with the fix when it was not built (a machine without a C compiler). There is no
 * way around it on purpose: without it a command's leftovers (a daemon it started, everything when handoff is killed)
 * could outlive the run, and handoff promises they never do.
 */
export function findLauncher(): string {
  if (found) return found;
  const tried = candidates();
  for (const file of tried) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      found = file;
      return file;
    } catch {
      // try the next place
    }
  }
  throw new UserError(`handoff's process launcher was not built (looked for ${tried.join(', ')})`, {
    fix: 'install a C compiler and build handoff again (Debian: apt-get install gcc libc6-dev, then npm run build); every command runs under it so that nothing a command starts outlives the run',
  });
}
