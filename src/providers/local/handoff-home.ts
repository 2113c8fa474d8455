// Where the local provider keeps its store: $HANDOFF_HOME, default ~/.handoff, and the folders inside it.
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { expandHome } from '../../home-path.js';

/**
 * Layout under HANDOFF_HOME, mirroring S3 and SSM so a store can move between providers unchanged:
 *   buckets/<bucket>/<task>/project.yml, …/files/…, …/artifacts/last/…, …/artifacts/archives/<time>/…, …/runs/<id>.json
 *   parameters/handoff/<RG>/<key>            resource-group-level secret (a file of mode 0600)
 *   parameters/handoff/<RG>/<task>/<key>     task-level secret (a file of mode 0600)
 */
export interface HandoffHome {
  dir: string;
  bucketsDir: string;
  parametersDir: string;
}

export function resolveHandoffHome(env: NodeJS.ProcessEnv = process.env): HandoffHome {
  // A `~` in HANDOFF_HOME (a quoted export, an env file, a systemd unit) is the home folder: the store must not depend on the cwd.
  const dir = path.resolve(env.HANDOFF_HOME && env.HANDOFF_HOME.trim() !== '' ? expandHome(env.HANDOFF_HOME, 'HANDOFF_HOME') : path.join(os.homedir(), '.handoff'));
  return { dir, bucketsDir: path.join(dir, 'buckets'), parametersDir: path.join(dir, 'parameters') };
}

/** mkdir's answers when a path cannot be a folder at all: a file in the way, or a parent that takes no folders (/proc). */
const NOT_A_FOLDER_PATH = new Set(['ENOENT', 'ENOTDIR', 'EEXIST']);

/**
 * A write under HANDOFF_HOME failed (a full disk, a read-only or foreign folder): the environment is at fault, not
 * handoff, so it is a UserError (exit 1) that says what could not be written and how to fix it. When HANDOFF_HOME
 * names a path where no folder can be (a file, a path under /proc), the setting itself is wrong: exit 2.
 */
export function homeWriteError(what: string, home: string, error: unknown): UserError {
  if (NOT_A_FOLDER_PATH.has((error as NodeJS.ErrnoException).code ?? '')) {
    return new UserError(`${what}: ${(error as Error).message}`, {
      cause: error,
      fix: `HANDOFF_HOME (${home}) must be a folder, or a path where one can be made: set it to such a folder`,
    });
  }
  return new UserError(`${what}: ${(error as Error).message}`, {
    exitCode: 1,
    cause: error,
    fix: `free space on the disk of ${home} (HANDOFF_HOME) or make it writable, then try again`,
  });
}
