// Paths of a workspace (venvs, files/, artifacts/, runs/) and the checks that keep it apart from the project.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { makeFolders } from '../make-folders.js';

export interface WorkspacePaths {
  dir: string;
  filesDir: string;
  artifactsDir: string;
  runsDir: string;
  /** Where the Singer state of the last successful run is kept. */
  stateFile: string;
}

export function resolveWorkspacePaths(workspaceDir: string): WorkspacePaths {
  const dir = path.resolve(workspaceDir);
  return {
    dir,
    filesDir: path.join(dir, 'files'),
    artifactsDir: path.join(dir, 'artifacts'),
    runsDir: path.join(dir, 'runs'),
    stateFile: path.join(dir, 'artifacts', 'state.json'),
  };
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * The workspace must not be the project folder (a run rewrites files/ and artifacts/ there), nor inside the project's
 * files/, which each run renders into the workspace: the workspace would copy itself into itself, run after run, and
 * its records, logs and rendered secrets would land in the project. Nor may the project be (or lie inside) one of the
 * workspace's own folders. A workspace inside the project folder elsewhere (-p . -w ./workspace) is fine.
 */
export function assertWorkspaceApart(projectDir: string, workspaceDir: string): void {
  const project = realOrResolved(projectDir);
  const workspace = realOrResolved(workspaceDir);
  if (project === workspace) {
    throw new UserError(`the workspace folder (-w ${workspaceDir}) is the project folder (-p ${projectDir})`, {
      fix: 'use a separate folder for the workspace, e.g. -w ./workspace (it holds venvs, rendered files and artifacts)',
    });
  }
  if (isSameOrInside(workspace, path.join(project, 'files'))) {
    throw new UserError(`the workspace folder (-w ${workspaceDir}) is inside the project's files/ folder, which every run copies into the workspace`, {
      fix: 'use a folder outside files/ for the workspace, e.g. -w ./workspace',
    });
  }
  // Each run re-renders W/files (removing what P/files no longer has) and writes artifacts/ and runs/: with the
  // project in one of them (-p ws/files -w ws), a run would overwrite or delete project.yml.
  for (const name of ['files', 'artifacts', 'runs']) {
    const folder = realOrResolved(path.join(workspace, name));
    if (isSameOrInside(project, folder)) {
      throw new UserError(`the project folder (-p ${projectDir}) ${project === folder ? 'is' : 'lies inside'} the workspace's ${name}/ folder ${folder}, which handoff rewrites`, {
        fix: 'keep the project apart from the workspace: e.g. -p ./my-project -w ./workspace',
      });
    }
  }
}

/**
 * A venv's folder must neither be the project folder nor hold it: `workspace install --force`, a changed interpreter
 * or a half-made venv remove the venv's folder and make it anew, which would delete project.yml, files/ and .secrets/.
 * That happens with the workspace as the project's parent and a venv named after the project (-p tap -w . with
 * `venv: tap`); validation cannot see it, since it knows neither folder. Nor may the workspace path hold ":" (PATH's
 * separator) when there are venvs. Checked before anything is written.
 */
export function assertVenvsApart(projectDir: string, workspaceDir: string, installs: readonly { venv?: string }[]): void {
  const withVenv = installs.findIndex((install) => install.venv !== undefined && install.venv !== '');
  // Commands run with W/<venv>/bin first on PATH, whose entries ":" separates: a ":" in that folder's path would split
  // it, and the global pip and python would install and run instead, saying nothing.
  if (withVenv !== -1 && path.resolve(workspaceDir).includes(':')) {
    throw new UserError(`the workspace ${path.resolve(workspaceDir)} contains ":", and the project has venvs (installs[${withVenv}].venv): their bin/ folders go on PATH, where ":" separates entries`, {
      fix: 'use a workspace folder whose path has no ":" (e.g. -w ./workspace)',
    });
  }
  const project = realOrResolved(projectDir);
  const workspace = realOrResolved(workspaceDir);
  for (const [index, install] of installs.entries()) {
    if (install.venv === undefined || install.venv === '') continue;
    const folder = realOrResolved(path.join(workspace, install.venv));
    if (!isSameOrInside(project, folder)) continue;
    throw new UserError(
      `venv ${install.venv} (installs[${index}].venv) is the workspace folder ${folder}, which ${project === folder ? 'is the project folder itself' : `holds the project folder ${project}`}: recreating the venv (--force, a changed python) would delete the project`,
      { fix: `rename the venv in project.yml (e.g. ${install.venv}_venv), or use a workspace folder that is not the project's parent (e.g. -w ./workspace)` },
    );
  }
}

/** The folders handoff makes in every workspace, each with what it keeps there (named when a file stands in its place). */
const WORKSPACE_FOLDERS: readonly (readonly [string, string])[] = [
  ['files', 'the rendered files/ of the project'],
  ['artifacts', 'the Singer state and the task logs'],
  ['runs', 'the run records'],
  ['.handoff', 'its cache and the project fetched from a store'],
];

/**
 * A file (or a link to one) where handoff needs a folder is refused before anything is written, naming the path and
 * what handoff keeps there: left alone, mkdir passes over it (EEXIST) and the first write under it fails with ENOTDIR,
 * half-way through an install or a run. Venv folders are checked too, for the commands that install them. A workspace
 * that is itself a file is left to createWorkspaceFolders, which says so.
 */
export function assertNoFileForFolder(workspaceDir: string, installs: readonly { venv?: string }[] = []): void {
  const dir = path.resolve(workspaceDir);
  const refuse = (folder: string, what: string, fix: string): never => {
    throw new UserError(`${folder} is a file, not a folder: handoff keeps ${what} there; nothing was changed`, { fix });
  };
  for (const [name, what] of WORKSPACE_FOLDERS) {
    const folder = path.join(dir, name);
    if (isFile(folder)) refuse(folder, what, `move or remove that file (handoff makes the folder), or use another workspace with -w`);
  }
  for (const [index, install] of installs.entries()) {
    if (install.venv === undefined || install.venv === '') continue;
    const folder = path.join(dir, install.venv);
    if (isFile(folder)) {
      refuse(folder, `venv ${install.venv} (installs[${index}].venv)`, `move or remove that file (workspace install makes the venv there), or rename the venv in project.yml`);
    }
  }
}

/** Whether something other than a folder is at `p` (links followed; a dangling link or nothing there is not). */
function isFile(p: string): boolean {
  try {
    return !fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `inner` is `outer` or lies inside it (both absolute and resolved). */
function isSameOrInside(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : `${outer}${path.sep}`);
}

/** Creates the workspace folders (idempotent). Fails clearly when the location cannot be written. */
export function initWorkspace(workspaceDir: string): WorkspacePaths {
  return createWorkspaceFolders(workspaceDir).paths;
}

/** initWorkspace, also saying which folders it made (absolute paths; none when all were there), for `workspace init --json`. */
export function createWorkspaceFolders(workspaceDir: string): { paths: WorkspacePaths; created: string[] } {
  const paths = resolveWorkspacePaths(workspaceDir);
  assertNoFileForFolder(paths.dir);
  const created: string[] = [];
  try {
    // Answers the first folder it made, so undefined means the workspace was there.
    if (makeFolders(paths.dir) !== undefined) created.push(paths.dir);
    // One level at a time: on a read-only filesystem a recursive mkdir says ENOENT where this says EROFS.
    for (const dir of [paths.filesDir, paths.artifactsDir, paths.runsDir]) {
      try {
        fs.mkdirSync(dir);
        created.push(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    fs.accessSync(paths.dir, fs.constants.W_OK);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new UserError(`cannot create or write the workspace ${paths.dir}: ${e.message}`, {
      fix: 'choose a folder you can write to with -w, or fix its permissions',
      cause: error,
    });
  }
  return { paths, created };
}
