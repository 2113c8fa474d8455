// Assembles the image's build context in a fresh folder: handoff, the project without .secrets/, the install steps.
// The context is filtered by copying, not by a .dockerignore, so no secret file can reach the container CLI at all.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
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
  /** Files or folders never copied, each with why: a secret's `file:` that lies outside the secrets folder. */
  excludePaths?: { path: string; reason: string }[];
  /**
   * Paths under files/ (relative to it, '' for all) moved from project-files/ to install-files/, for the generated
   * Dockerfile to copy before the installs; undefined keeps all of files/ in project-files/ (a custom Dockerfile).
   */
  installFiles?: string[];
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
  // Real path → why it is left out; real paths, so a link or another spelling of the path cannot get past it.
  const excludedPaths = new Map<string, string>();
  for (const d of input.excludeDirs ?? []) excludedPaths.set(realOrResolved(d), 'workspace or secrets folder named on the command line');
  for (const e of input.excludePaths ?? []) excludedPaths.set(realOrResolved(e.path), e.reason);
  const dir = fs.mkdtempSync(path.join(input.parentDir ?? os.tmpdir(), 'handoff-build-'));
  const excluded: BuildContext['excluded'] = [];
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    removeTree(dir);
  };
  // A backstop: whatever way handoff ends (but SIGKILL), a copy of the project is not left in the temporary folder.
  process.on('exit', remove);
  try {
    copyHandoff(input.handoffRoot, path.join(dir, CONTEXT.handoff));
    fs.writeFileSync(path.join(dir, CONTEXT.dockerfile), input.dockerfile);
    input.installProjects.forEach((text, index) => {
      const file = path.join(dir, installProjectPath(index + 1));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    });

    const projectCopy = path.join(dir, CONTEXT.project);
    const filesCopy = path.join(dir, CONTEXT.projectFiles);
    fs.mkdirSync(projectCopy);
    fs.mkdirSync(filesCopy);
    // files/ may be a link to a folder of the project: its contents are what the image has at /project/files.
    const filesReal = resolveProjectFiles(projectDir, excludedPaths);
    const filter: CopyFilter = {
      root: projectDir,
      excludedPaths,
      excluded,
      secretsFiles: [],
      // Where a copy and a real path of the project are in the image, relative to /project (see rewriteLink).
      placeOfCopy: (target) => (isInside(target, filesCopy) ? path.join('files', path.relative(filesCopy, target)) : path.relative(projectCopy, target)),
      placeOfReal: (real) => (filesReal !== undefined && isInside(real, filesReal) ? path.join('files', path.relative(filesReal, real)) : path.relative(projectDir, real)),
    };
    for (const name of fs.readdirSync(projectDir).sort()) {
      if (name === 'files') {
        if (filesReal !== undefined) copyTree(filesReal, filesCopy, 'files', filter, true);
      } else {
        copyTree(path.join(projectDir, name), path.join(projectCopy, name), name, filter, false);
      }
    }

    if (input.installFiles !== undefined) moveInstallFiles(filesCopy, path.join(dir, CONTEXT.installFiles), input.installFiles);

    const filesDir = input.project.container.files_dir;
    if (filesDir !== undefined) copyFilesDir(projectDir, filesDir, dir, excludedPaths, excluded, filter.secretsFiles);
    refuseSecretsFiles(filter.secretsFiles);
    return { dir, excluded, remove };
  } catch (error) {
    remove();
    throw explainCopyError(error);
  }
}

interface CopyFilter {
  /** Real path of the folder being copied from; symbolic links must stay inside it. */
  root: string;
  /** Real paths left out, with why. */
  excludedPaths: Map<string, string>;
  excluded: BuildContext['excluded'];
  /** Files met in the copy that look like handoff secrets files: the build is refused. */
  secretsFiles: SecretsFileFound[];
  /** Where a path of the context will be, relative to the folder the copy lands in (/project for the project). */
  placeOfCopy(target: string): string;
  /** Where a real path inside the root will be, relative to the same folder. */
  placeOfReal(real: string): string;
}

/**
 * The real folder whose contents are the image's files/: files/ itself, or the folder of the project it links to;
 * undefined when there is none. Anything else is refused as `run local` refuses it.
 */
function resolveProjectFiles(projectDir: string, excludedPaths: Map<string, string>): string | undefined {
  const source = path.join(projectDir, 'files');
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(source);
  } catch {
    return undefined;
  }
  if (stat.isDirectory()) return source;
  let real: string;
  try {
    real = fs.realpathSync(source);
  } catch {
    throw new UserError(`${source} is a symbolic link to ${fs.readlinkSync(source)}, which does not exist`, { fix: 'files/ must be a folder of files to render' });
  }
  if (!fs.statSync(real).isDirectory()) throw new UserError(`${source} is not a folder`, { fix: 'files/ must be a folder of files to render' });
  if (!isInside(real, projectDir)) {
    throw new UserError(`${source} is a symbolic link to ${real}, outside the project, so the image would not hold it`, {
      fix: 'move that folder into the project (files/ or a folder that files links to), or copy it there',
    });
  }
  const reason = findExcludedAncestor(real, projectDir, excludedPaths);
  if (reason) throw new UserError(`${source} is a symbolic link into a folder left out of the image (${reason})`, { fix: 'files/ must not hold secrets; move them to .secrets/' });
  return real;
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
    const targetReason = findExcludedAncestor(resolved, filter.root, filter.excludedPaths);
    if (targetReason) {
      filter.excluded.push({ path: rel, reason: `symbolic link into an excluded folder (${targetReason})` });
      return;
    }
    fs.symlinkSync(rewriteLink(source, target, resolved, filter), target);
  } else if (stat.isDirectory()) {
    // Writable while its children are copied in (a read-only folder would refuse them to a user other than root),
    // then given its own mode.
    if (!targetExists) fs.mkdirSync(target, { mode: (stat.mode & 0o7777) | 0o700 });
    for (const name of fs.readdirSync(source).sort()) copyTree(path.join(source, name), path.join(target, name), `${rel}/${name}`, filter, false);
    if (!targetExists) fs.chmodSync(target, stat.mode & 0o7777);
  } else if (stat.isFile()) {
    if (looksLikeSecretsFile(source)) filter.secretsFiles.push({ rel, source });
    fs.copyFileSync(source, target);
    fs.chmodSync(target, stat.mode & 0o7777);
  } else {
    filter.excluded.push({ path: rel, reason: 'not a regular file, folder or link' });
  }
}

/**
 * A link's text in the image: from the place the link will have to the place its target will have. The host's
 * absolute path would dangle there, and a relative link under a files/ that is itself a link would be read from
 * /project/files, not from the folder it was written in. A link whose target does not exist is kept as written.
 */
function rewriteLink(source: string, target: string, resolved: string, filter: CopyFilter): string {
  const written = fs.readlinkSync(source);
  if (!fs.existsSync(source)) return written;
  // Under a root of its own, so that '' (the root) is a place like any other.
  const from = path.posix.join('/r', path.dirname(filter.placeOfCopy(target)));
  return path.posix.relative(from, path.posix.join('/r', filter.placeOfReal(resolved))) || '.';
}

/** Why a path is left out, or undefined to copy it. */
function findExclusion(source: string, name: string, stat: fs.Stats, filter: CopyFilter): string | undefined {
  if (stat.isSymbolicLink()) return undefined;
  const real = fs.realpathSync(source);
  const named = filter.excludedPaths.get(real);
  if (named) return named;
  if (!stat.isDirectory()) return undefined;
  const byName = EXCLUDED_NAMES.get(name);
  if (byName) return byName;
  if (fs.existsSync(path.join(source, 'pyvenv.cfg'))) return 'a Python venv (the image makes its own from installs:)';
  if (isDirectory(path.join(source, 'artifacts')) && isDirectory(path.join(source, 'runs'))) return 'a handoff workspace';
  return undefined;
}

/** The reason an ancestor of `real` (inside the root) is excluded, so links cannot smuggle excluded files in. */
function findExcludedAncestor(real: string, root: string, excludedPaths: Map<string, string>): string | undefined {
  let current = real;
  while (isInside(current, root) && current !== root) {
    const named = excludedPaths.get(current);
    if (named) return named;
    const byName = EXCLUDED_NAMES.get(path.basename(current));
    if (byName) return byName;
    current = path.dirname(current);
  }
  return undefined;
}

/**
 * Moves what the installs read out of the copy of files/ into its own folder. A named file brings its folder along
 * (a script or requirements file usually reads its neighbours); a named path that does not exist moves nothing.
 */
function moveInstallFiles(filesCopy: string, installCopy: string, named: string[]): void {
  fs.mkdirSync(installCopy);
  const rels = new Set<string>();
  for (const rel of named) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(path.join(filesCopy, rel));
    } catch {
      continue;
    }
    const folder = stat.isDirectory() ? rel : path.dirname(rel);
    rels.add(folder === '.' ? '' : folder);
  }
  // A path inside another one moves with it.
  const sorted = [...rels].sort();
  const tops = sorted.filter((rel) => !sorted.some((other) => other !== rel && (other === '' || rel.startsWith(`${other}/`))));
  // Folders are read-only here when they are in the project (copied with their modes): writable while moving.
  const move = (from: string, to: string): void => withWritable([path.dirname(from), path.dirname(to)], () => fs.renameSync(from, to));
  for (const rel of tops) {
    if (rel === '') {
      for (const name of fs.readdirSync(filesCopy)) move(path.join(filesCopy, name), path.join(installCopy, name));
      continue;
    }
    // Its parent folders, with the modes they have in files/.
    const parts = rel.split('/');
    for (let n = 1; n < parts.length; n++) {
      const parent = parts.slice(0, n).join('/');
      if (fs.existsSync(path.join(installCopy, parent))) continue;
      withWritable([path.dirname(path.join(installCopy, parent))], () => fs.mkdirSync(path.join(installCopy, parent)));
      fs.chmodSync(path.join(installCopy, parent), fs.statSync(path.join(filesCopy, parent)).mode & 0o7777);
    }
    move(path.join(filesCopy, rel), path.join(installCopy, rel));
  }
}

/** Runs `fn` with the folders writable by their owner, then gives them back their modes. */
function withWritable(dirs: string[], fn: () => void): void {
  const modes = dirs.map((d) => fs.statSync(d).mode & 0o7777);
  dirs.forEach((d, n) => fs.chmodSync(d, modes[n]! | 0o700));
  try {
    fn();
  } finally {
    dirs.forEach((d, n) => fs.chmodSync(d, modes[n]!));
  }
}

/** Names a handoff secrets file may have, wherever `-v secrets_dir` points: `dev_secrets.yml`, `secrets.yml`, … */
const SECRETS_FILE_NAME = /secrets[^/]*\.ya?ml$/i;

/**
 * A file named like a secrets file whose text is a list of `key:` entries (or cannot be read as YAML, so it cannot be
 * told apart): a secrets folder that was not named to the build (`-v secrets_dir` given to `run` only). Other files
 * with such a name (a manifest, an empty file) are copied.
 */
function looksLikeSecretsFile(file: string): boolean {
  if (!SECRETS_FILE_NAME.test(path.basename(file))) return false;
  // An unreadable file is the copy's error (explainCopyError names it).
  const text = fs.readFileSync(file, 'utf8');
  let entries: unknown;
  try {
    entries = parse(text);
  } catch {
    return true;
  }
  return Array.isArray(entries) && entries.some((e) => e !== null && typeof e === 'object' && 'key' in e);
}

/**
 * SPEC §4: no secret value in an image. Leaving such a file out silently would hide that the project keeps secrets
 * in a folder the build was not told about (whose `file:` entries would be copied too), so the build stops instead.
 */
function refuseSecretsFiles(files: SecretsFileFound[]): void {
  if (files.length === 0) return;
  const names = files.map((f) => f.rel);
  // As -v takes it: relative to the current folder.
  const folders = [...new Set(files.map((f) => path.relative(process.cwd(), path.dirname(f.source)) || '.'))];
  throw new UserError(`${names.length === 1 ? `${names[0]} looks` : `${names.join(', ')} look`} like a handoff secrets file (a list of key: entries), which would be copied into the image`, {
    fix: `secrets never go into an image: give the build the folder it is in, as the run gets it (${folders.map((f) => `-v secrets_dir=${f}`).join(' or ')}), move it into .secrets/ or out of the project, or rename it if it holds no secret`,
  });
}

interface SecretsFileFound {
  /** Relative to the project (or files_dir), for the message. */
  rel: string;
  source: string;
}

/** `container.files_dir`: extra build files, copied to the root of the context for a custom Dockerfile to use. */
function copyFilesDir(
  projectDir: string,
  filesDir: string,
  contextDir: string,
  excludedPaths: Map<string, string>,
  excluded: BuildContext['excluded'],
  secretsFiles: SecretsFileFound[],
): void {
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
  const filter: CopyFilter = {
    root: real,
    excludedPaths,
    excluded,
    secretsFiles,
    placeOfCopy: (target) => path.relative(contextDir, target),
    placeOfReal: (p) => path.relative(real, p),
  };
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

/**
 * Removes the context even where a read-only folder (copied with its mode) would refuse its children's removal to
 * a user other than root: the folders are made writable first.
 */
function removeTree(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  } catch {
    // A read-only folder inside: made writable below.
  }
  const makeWritable = (d: string): void => {
    try {
      fs.chmodSync(d, 0o700);
      for (const entry of fs.readdirSync(d, { withFileTypes: true })) if (entry.isDirectory()) makeWritable(path.join(d, entry.name));
    } catch {
      // Gone meanwhile, or not ours: rmSync below says what is left.
    }
  };
  makeWritable(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A file system error of the copy, as a UserError that names the path (a raw one would read as a bug in handoff). */
function explainCopyError(error: unknown): unknown {
  const e = error as NodeJS.ErrnoException;
  if (error instanceof UserError || typeof e?.code !== 'string' || e.path === undefined) return error;
  if (['ENOSPC', 'EDQUOT', 'EROFS'].includes(e.code)) {
    return new UserError(`cannot write the image's build context (${e.code}, at ${(e as NodeJS.ErrnoException & { dest?: string }).dest ?? e.path})`, {
      exitCode: 1,
      cause: error,
      fix: `free space in ${os.tmpdir()} (TMPDIR chooses the temporary folder) and build again`,
    });
  }
  return new UserError(`cannot copy ${e.path} into the image's build context (${e.code})`, {
    cause: error,
    fix: e.code === 'EACCES' || e.code === 'EPERM' ? 'make it readable by this user (chmod -R u+rX on it), or move it out of the project' : 'check that path, or move it out of the project',
  });
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
