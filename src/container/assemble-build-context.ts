// Assembles the image's build context in a fresh folder: handoff, the project without .secrets/, the install steps.
// The context is filtered by copying, not by a .dockerignore, so no secret file can reach the container CLI at all.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Project } from '../project/types.js';
import { CONTEXT, RESERVED_CONTEXT_NAMES, installProjectPath } from './context-layout.js';

export interface BuildContextInput {
  project: Project;
  /** handoff's package folder (holds bin/, dist/ and package.json). */
  handoffRoot: string;
  dockerfile: string;
  /** project.yml text of each install step, in order. */
  installProjects: string[];
  /** Folders never copied: the workspace (-w), a secrets folder given with -v secrets_dir, … (absolute or relative). */
  excludeDirs?: string[];
  /** Where the context folder is made; the system's temporary folder by default. */
  parentDir?: string;
}

export interface BuildContext {
  dir: string;
  /** What was left out, relative to the project folder (or files_dir), with why; for the build log. */
  excluded: { path: string; reason: string }[];
  remove(): void;
}

/** Folder names left out wherever they are: secrets, version control, npm packages. */
const EXCLUDED_NAMES: ReadonlyMap<string, string> = new Map([
  ['.secrets', 'secrets are never put in an image'],
  ['.git', 'version control'],
  ['node_modules', 'npm packages'],
]);

export function assembleBuildContext(input: BuildContextInput): BuildContext {
  const projectDir = fs.realpathSync(input.project.dir);
  const excludedDirs = new Set((input.excludeDirs ?? []).map(realOrResolved));
  const dir = fs.mkdtempSync(path.join(input.parentDir ?? os.tmpdir(), 'handoff-build-'));
  const excluded: BuildContext['excluded'] = [];
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  try {
    copyHandoff(input.handoffRoot, path.join(dir, CONTEXT.handoff));
    fs.writeFileSync(path.join(dir, CONTEXT.dockerfile), input.dockerfile);
    input.installProjects.forEach((text, index) => {
      const file = path.join(dir, installProjectPath(index + 1));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    });

    const filter: CopyFilter = { root: projectDir, excludedDirs, excluded };
    fs.mkdirSync(path.join(dir, CONTEXT.project));
    fs.mkdirSync(path.join(dir, CONTEXT.projectFiles));
    for (const name of fs.readdirSync(projectDir).sort()) {
      const target = name === 'files' ? path.join(dir, CONTEXT.projectFiles) : path.join(dir, CONTEXT.project, name);
      if (name === 'files' && fs.lstatSync(path.join(projectDir, name)).isDirectory()) {
        copyTree(path.join(projectDir, name), target, name, filter, true);
      } else {
        copyTree(path.join(projectDir, name), target, name, filter, false);
      }
    }

    const filesDir = input.project.container.files_dir;
    if (filesDir !== undefined) copyFilesDir(projectDir, filesDir, dir, excludedDirs, excluded);
    return { dir, excluded, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

interface CopyFilter {
  /** Real path of the folder being copied from; symbolic links must stay inside it. */
  root: string;
  excludedDirs: Set<string>;
  excluded: BuildContext['excluded'];
}

/** Copies `source` to `target`; `targetExists` when `target` is a folder made already (the copy fills it). */
function copyTree(source: string, target: string, rel: string, filter: CopyFilter, targetExists: boolean): void {
  const stat = fs.lstatSync(source);
  const skip = findExclusion(source, path.basename(source), stat, filter);
  if (skip) {
    filter.excluded.push({ path: rel, reason: skip });
    return;
  }
  if (stat.isSymbolicLink()) {
    // Kept as a link (an image layer stores links as links), unless it leads out of the project or into an excluded
    // folder: the copy never follows it, so its target's bytes are not read.
    const resolved = realOrResolved(source);
    if (!isInside(resolved, filter.root)) {
      filter.excluded.push({ path: rel, reason: 'symbolic link to a place outside the folder' });
      return;
    }
    const targetReason = findExcludedAncestor(resolved, filter);
    if (targetReason) {
      filter.excluded.push({ path: rel, reason: `symbolic link into an excluded folder (${targetReason})` });
      return;
    }
    fs.symlinkSync(fs.readlinkSync(source), target);
  } else if (stat.isDirectory()) {
    if (!targetExists) fs.mkdirSync(target, { mode: stat.mode & 0o7777 });
    for (const name of fs.readdirSync(source).sort()) copyTree(path.join(source, name), path.join(target, name), `${rel}/${name}`, filter, false);
  } else if (stat.isFile()) {
    fs.copyFileSync(source, target);
    fs.chmodSync(target, stat.mode & 0o7777);
  } else {
    filter.excluded.push({ path: rel, reason: 'not a regular file, folder or link' });
  }
}

/** Why a path is left out, or undefined to copy it. */
function findExclusion(source: string, name: string, stat: fs.Stats, filter: CopyFilter): string | undefined {
  if (stat.isSymbolicLink()) return undefined;
  const real = fs.realpathSync(source);
  if (filter.excludedDirs.has(real)) return 'workspace or secrets folder named on the command line';
  if (!stat.isDirectory()) return undefined;
  const byName = EXCLUDED_NAMES.get(name);
  if (byName) return byName;
  if (fs.existsSync(path.join(source, 'pyvenv.cfg'))) return 'a Python venv (the image makes its own from installs:)';
  if (isDirectory(path.join(source, 'artifacts')) && isDirectory(path.join(source, 'runs'))) return 'a handoff workspace';
  return undefined;
}

/** The reason an ancestor of `real` (inside the root) is excluded, so links cannot smuggle excluded files in. */
function findExcludedAncestor(real: string, filter: CopyFilter): string | undefined {
  let current = real;
  while (isInside(current, filter.root) && current !== filter.root) {
    if (filter.excludedDirs.has(current)) return 'named on the command line';
    const byName = EXCLUDED_NAMES.get(path.basename(current));
    if (byName) return byName;
    current = path.dirname(current);
  }
  return undefined;
}

/** `container.files_dir`: extra build files, copied to the root of the context for a custom Dockerfile to use. */
function copyFilesDir(projectDir: string, filesDir: string, contextDir: string, excludedDirs: Set<string>, excluded: BuildContext['excluded']): void {
  const source = path.resolve(projectDir, filesDir);
  if (!isDirectory(source)) {
    throw new UserError(`container.files_dir "${filesDir}" is not a folder (looked for ${source})`, {
      fix: 'point container.files_dir at a folder of extra build files, relative to the project folder',
    });
  }
  const real = fs.realpathSync(source);
  if (path.basename(real) === '.secrets' || real.split(path.sep).includes('.secrets')) {
    throw new UserError(`container.files_dir "${filesDir}" is a secrets folder; secrets are never put in an image`, {
      fix: 'use a folder without secrets for extra build files',
    });
  }
  const filter: CopyFilter = { root: real, excludedDirs, excluded };
  for (const name of fs.readdirSync(real).sort()) {
    if (RESERVED_CONTEXT_NAMES.has(name)) {
      throw new UserError(`container.files_dir holds "${name}", a name handoff uses in the build context`, {
        fix: `rename ${path.join(filesDir, name)} (reserved: ${[...RESERVED_CONTEXT_NAMES].join(', ')}); a custom Dockerfile goes in container.docker_file`,
      });
    }
    copyTree(path.join(real, name), path.join(contextDir, name), `${filesDir}/${name}`, filter, false);
  }
}

/** Copies handoff's runnable package: bin/, dist/ (the self-contained bundle, without source maps) and package.json (`"type": "module"`). */
function copyHandoff(root: string, target: string): void {
  const bundle = path.join(root, 'dist', 'handoff.js');
  if (!fs.existsSync(bundle)) {
    throw new UserError(`handoff's bundle is missing (${bundle}), so it cannot be copied into the image`, {
      fix: 'run `npm run build` in the handoff folder first',
    });
  }
  fs.mkdirSync(target);
  // Source maps (half of dist/, about 49 MB) are not used at run time (no --enable-source-maps) and hold every source
  // file, handoff's and its dependencies': they stay out of the image.
  const notSourceMap = (source: string): boolean => !source.endsWith('.map');
  for (const name of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(root, name), path.join(target, name), { recursive: true, filter: notSourceMap });
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
