// Paths of a workspace (venvs, files/, artifacts/, runs/) and the checks that keep it apart from the project.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { isoTime } from '../iso-time.js';
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

/**
 * A venv's folder that is there already must be a venv (its pyvenv.cfg, or bin/python of one whose creation was cut
 * short) or empty: `python -m venv` would make the venv inside a folder of the user's named like it, and `--force` or
 * a changed interpreter remove the venv's folder with all it holds. Refused before anything is written.
 */
export function assertVenvFoldersAreVenvs(workspaceDir: string, installs: readonly { venv?: string }[]): void {
  const dir = path.resolve(workspaceDir);
  for (const [index, install] of installs.entries()) {
    if (install.venv === undefined || install.venv === '') continue;
    const folder = path.join(dir, install.venv);
    if (!isForeignVenvFolder(folder)) continue;
    throw new UserError(
      `${folder} (venv ${install.venv}, installs[${index}].venv) is a folder that is not a venv (no pyvenv.cfg) and is not empty: workspace install would make the venv inside it, and --force would delete it with what it holds; nothing was changed`,
      { fix: `move that folder away (or empty it) if the venv may go there, rename the venv in project.yml, or use an empty or new workspace folder with -w` },
    );
  }
}

/** Whether `folder` is a non-empty folder that is no venv (see assertVenvFoldersAreVenvs). */
export function isForeignVenvFolder(folder: string): boolean {
  let names: string[];
  try {
    if (!fs.lstatSync(folder).isDirectory()) return false;
    names = fs.readdirSync(folder);
  } catch {
    return false;
  }
  if (names.length === 0) return false;
  return !fs.existsSync(path.join(folder, 'pyvenv.cfg')) && !fs.existsSync(path.join(folder, 'bin', 'python'));
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

/**
 * Written by the first handoff command that makes (or adopts) a workspace: from then on its files/ is handoff's render,
 * which each run replaces. Not W/.handoff itself, which is also handoff's home (~/.handoff) in a `-w ~`.
 */
export const WORKSPACE_MARK = path.join('.handoff', 'workspace.json');

/**
 * A run replaces W/files with the project's render, removing what P/files does not have: in a folder handoff never
 * made a workspace (`-w ~`, `-w ..`), that would delete the user's own files/. Such a folder is refused, nothing
 * written, when its files/ holds a file the project's files/ does not (any file at all without a project). A workspace
 * of an earlier handoff is adopted: one with runs/ (every handoff since runs were recorded made it), or one of the
 * original handoff, whose files/ holds only its render of this project (the same paths). Called before anything is
 * written into the folder, and again by createWorkspaceFolders, which marks it.
 */
export function assertHandoffWorkspace(workspaceDir: string, projectDir?: string): void {
  const dir = path.resolve(workspaceDir);
  if (isHandoffWorkspace(dir)) return;
  const filesDir = path.join(dir, 'files');
  const foreign = firstFileNotIn(filesDir, '', projectDir === undefined ? undefined : path.join(path.resolve(projectDir), 'files'));
  if (foreign === undefined) return;
  throw new UserError(
    `${filesDir} holds files handoff did not write (files/${foreign}), and ${dir} is not a handoff workspace (no ${WORKSPACE_MARK}, no runs/): a run would replace that files/ with the project's rendered files/; nothing was changed`,
    { fix: `use an empty or new folder for the workspace (e.g. -w ${path.join(dir, 'handoff-workspace')}), or move ${filesDir} away first if this folder is meant to be the workspace` },
  );
}

/** Whether handoff made or adopted the workspace: its mark, or runs/ (made with every workspace of an earlier handoff). */
function isHandoffWorkspace(dir: string): boolean {
  if (fs.existsSync(path.join(dir, WORKSPACE_MARK))) return true;
  try {
    return fs.lstatSync(path.join(dir, 'runs')).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The first file (or link) under `folder` whose path is not under `sourceRoot` too (every file without one), relative
 * with `/`, or undefined. Folders alone hold nothing to lose. Links are not followed; stops at the first such file.
 */
function firstFileNotIn(folder: string, rel: string, sourceRoot: string | undefined): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(folder).sort();
  } catch {
    return undefined; // no files/ (or not a folder: assertNoFileForFolder says so)
  }
  for (const name of names) {
    const entryRel = rel === '' ? name : `${rel}/${name}`;
    const stat = fs.lstatSync(path.join(folder, name));
    if (stat.isDirectory()) {
      const found = firstFileNotIn(path.join(folder, name), entryRel, sourceRoot);
      if (found !== undefined) return found;
    } else if (sourceRoot === undefined || !fs.existsSync(path.join(sourceRoot, ...entryRel.split('/')))) {
      return entryRel;
    }
  }
  return undefined;
}

/** Creates the workspace folders (idempotent). Fails clearly when the location cannot be written or is not handoff's. */
export function initWorkspace(workspaceDir: string, projectDir?: string): WorkspacePaths {
  return createWorkspaceFolders(workspaceDir, projectDir).paths;
}

/** initWorkspace, also saying which folders it made (absolute paths; none when all were there), for `workspace init --json`. */
export function createWorkspaceFolders(workspaceDir: string, projectDir?: string): { paths: WorkspacePaths; created: string[] } {
  const paths = resolveWorkspacePaths(workspaceDir);
  assertNoFileForFolder(paths.dir);
  assertHandoffWorkspace(paths.dir, projectDir);
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
    markWorkspace(paths.dir);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new UserError(`cannot create or write the workspace ${paths.dir}: ${e.message}`, {
      fix: 'choose a folder you can write to with -w, or fix its permissions',
      cause: error,
    });
  }
  return { paths, created };
}

/** Writes the workspace's mark (see WORKSPACE_MARK) once. */
function markWorkspace(dir: string): void {
  const mark = path.join(dir, WORKSPACE_MARK);
  if (fs.existsSync(mark)) return;
  makeFolders(path.dirname(mark));
  fs.writeFileSync(mark, `${JSON.stringify({ workspace: 'handoff', markedAt: isoTime() })}\n`);
}
