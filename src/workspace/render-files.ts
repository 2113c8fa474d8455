// Renders the project's files/** into the workspace's files/** (SPEC §3): all in memory first, then written atomically.
import { isUtf8 } from 'node:buffer';
import fs, { type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import { randomHex } from '../random-suffix.js';
import type { Renderer } from '../template/render.js';

// node:fs's callbacks, not node:fs/promises: every run renders files/, and loading fs/promises (with readline, streams
// and the fs watchers it requires) adds 0.5 MB to a run's peak memory.
const chmod = promisify(fs.chmod);
const copyFile = promisify(fs.copyFile);
const lstat = promisify(fs.lstat);
const mkdir = promisify(fs.mkdir);
const readFile = promisify(fs.readFile);
const readdir = promisify(fs.readdir);
const readlink = promisify(fs.readlink);
const realpath = promisify(fs.realpath);
const rename = promisify(fs.rename);
const rm = promisify(fs.rm);
const symlink = promisify(fs.symlink);
const writeFile = promisify(fs.writeFile);

/** One entry of the rendered tree, ready to write. Paths are relative to files/, with `/` separators. */
type PlannedEntry =
  | { kind: 'dir'; path: string }
  | { kind: 'text'; path: string; mode: number; content: Buffer }
  | { kind: 'binary'; path: string; mode: number; source: string }
  | { kind: 'link'; path: string; target: string };

/**
 * Renders every file under `P/files` into `W/files`. Text files go through the renderer (origin `files/<path>`);
 * binary files (a NUL byte, or not valid UTF-8) are copied byte for byte; file modes are kept.
 *
 * Nothing is half-written: every template is rendered before anything is written, so a template error leaves
 * `W/files` as it was. Binary files are not held in memory; they are copied in the write phase.
 *
 * Symbolic links: a link whose target resolves inside `P/files` is recreated as a relative link to the same place
 * inside `W/files` (so it points at the rendered file); a link that resolves anywhere else is refused, never followed.
 * `W/files` then mirrors `P/files`: what is no longer there (a retired query, a template with rendered secrets) is
 * removed, also what a run wrote into `W/files` itself, as the original (which deleted `W/files` before copying) did.
 * Removed only after every entry was rendered and written, so a template error leaves `W/files` as it was.
 */
export async function renderFiles(input: {
  projectDir: string;
  workspaceDir: string;
  values: Record<string, unknown>;
  renderer: Renderer;
}): Promise<{ files: number }> {
  const entries = await planFiles(input);
  const targetRoot = join(input.workspaceDir, 'files');
  if (entries === undefined) {
    // No files/ folder: nothing to render, and W/files is not created; one left from earlier runs is emptied.
    if ((await lstat(targetRoot).catch(() => undefined))?.isDirectory()) await removeUnplanned(targetRoot, '', new Map());
    return { files: 0 };
  }
  await writeEntries(targetRoot, entries);
  await removeUnplanned(targetRoot, '', new Map(entries.map((e) => [e.path, e.kind])));
  return { files: entries.filter((e) => e.kind !== 'dir').length };
}

/**
 * Renders every file under `P/files` in memory, as renderFiles does, and writes nothing: the same errors for
 * `--dry-run`, which must refuse what the run would refuse.
 */
export async function checkFiles(input: { projectDir: string; values: Record<string, unknown>; renderer: Renderer }): Promise<{ files: number }> {
  const entries = (await planFiles(input)) ?? [];
  return { files: entries.filter((e) => e.kind !== 'dir').length };
}

/**
 * The template syntax of every file under `P/files`, without values (`config validate`): every problem at once, as a
 * run would refuse them. Nothing is rendered or written; a file without template syntax is not compiled.
 */
export async function checkFileTemplateSyntax(input: { projectDir: string; renderer: Renderer }): Promise<{ files: number }> {
  const entries = (await planFiles({ ...input, values: {}, syntaxOnly: true })) ?? [];
  return { files: entries.filter((e) => e.kind !== 'dir').length };
}

/** Every entry of files/ rendered in memory, or undefined when the project has no files/ folder. */
async function planFiles(input: { projectDir: string; values: Record<string, unknown>; renderer: Renderer; syntaxOnly?: boolean }): Promise<PlannedEntry[] | undefined> {
  const sourceRoot = join(input.projectDir, 'files');
  const realRoot = await realpath(sourceRoot).catch(() => undefined);
  if (realRoot === undefined) return undefined;
  if (!(await lstat(realRoot)).isDirectory()) {
    throw new UserError(`${sourceRoot} is not a folder`, { fix: 'files/ must be a folder of files to render' });
  }

  const entries: PlannedEntry[] = [];
  const problems: UserError[] = [];
  await planFolder(realRoot, realRoot, '', { ...input, problems }, entries);
  // Every file's template error at once (nothing written), as config validate lists every problem of project.yml.
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    throw new UserError(`${problems.length} files of files/ have template errors`, {
      fix: problems[0]!.fix,
      diagnostics: problems.flatMap((p) => p.diagnostics),
    });
  }
  return entries;
}

async function planFolder(
  realRoot: string,
  folder: string,
  relFolder: string,
  input: { values: Record<string, unknown>; renderer: Renderer; problems: UserError[]; syntaxOnly?: boolean },
  entries: PlannedEntry[],
): Promise<void> {
  const names = (await readdir(folder)).sort();
  for (const name of names) {
    const abs = join(folder, name);
    const rel = relFolder === '' ? name : `${relFolder}/${name}`;
    const stat = await lstat(abs);
    if (stat.isSymbolicLink()) {
      entries.push({ kind: 'link', path: rel, target: await planLink(realRoot, abs, rel) });
    } else if (stat.isDirectory()) {
      entries.push({ kind: 'dir', path: rel });
      await planFolder(realRoot, abs, rel, input, entries);
    } else if (stat.isFile()) {
      const mode = stat.mode & 0o7777;
      const bytes = await readFile(abs);
      if (isBinary(bytes)) {
        entries.push({ kind: 'binary', path: rel, mode, source: abs });
      } else {
        try {
          if (input.syntaxOnly) {
            input.renderer.check(bytes.toString('utf8'), `files/${rel}`);
            entries.push({ kind: 'text', path: rel, mode, content: Buffer.alloc(0) });
            continue;
          }
          const rendered = input.renderer.render(bytes.toString('utf8'), input.values, `files/${rel}`);
          entries.push({ kind: 'text', path: rel, mode, content: Buffer.from(rendered, 'utf8') });
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          input.problems.push(error);
        }
      }
    } else {
      throw new UserError(`files/${rel} is not a regular file, folder or symbolic link`, {
        fix: 'remove it from files/ (sockets, pipes and devices cannot be rendered)',
      });
    }
  }
}

/** Returns the link's new target, relative to the link's folder; refuses a link that leaves files/. */
async function planLink(realRoot: string, linkPath: string, rel: string): Promise<string> {
  const written = await readlink(linkPath);
  // A dangling link has nothing to follow: judge where it points by its text alone.
  const resolved = await realpath(linkPath).catch(() => resolve(dirname(linkPath), written));
  const inside = relative(realRoot, resolved);
  if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new UserError(`files/${rel} is a symbolic link to ${written}, which is outside the project's files/ folder`, {
      fix: `copy what it points to into files/ instead of linking to it (links outside files/ are never followed)`,
    });
  }
  const linkFolder = dirname(rel);
  const targetRel = inside === '' ? '.' : inside.split(sep).join('/');
  return relative(linkFolder === '.' ? '' : linkFolder, targetRel) || '.';
}

function isBinary(bytes: Buffer): boolean {
  return bytes.includes(0) || !isUtf8(bytes);
}

/** Writes each file to a temporary name beside it and renames it into place, so no reader sees half a file. */
async function writeEntries(targetRoot: string, entries: PlannedEntry[]): Promise<void> {
  await prepareFolder(targetRoot);
  for (const entry of entries) {
    const target = join(targetRoot, ...entry.path.split('/'));
    if (entry.kind === 'dir') {
      await prepareFolder(target);
      continue;
    }
    await removeIfFolder(target);
    const temp = join(dirname(target), `.${randomHex(12)}.handoff-tmp`);
    try {
      if (entry.kind === 'text') {
        await writeFile(temp, entry.content, { mode: entry.mode });
        // The mode given to writeFile is reduced by the umask; the source's mode is what we keep.
        await chmod(temp, entry.mode);
      } else if (entry.kind === 'binary') {
        await copyFile(entry.source, temp);
        await chmod(temp, entry.mode);
      } else {
        await symlink(entry.target, temp);
      }
      await rename(temp, target);
    } catch (e) {
      await rm(temp, { force: true });
      throw new Error(`write files/${entry.path} into the workspace`, { cause: e });
    }
  }
}

/** Removes every entry under `folder` (relative path `rel` in W/files) that the plan does not have; links are not followed. */
async function removeUnplanned(folder: string, rel: string, planned: Map<string, PlannedEntry['kind']>): Promise<void> {
  for (const name of await readdir(folder)) {
    const entryRel = rel === '' ? name : `${rel}/${name}`;
    const kind = planned.get(entryRel);
    if (kind === undefined) await rm(join(folder, name), { recursive: true, force: true });
    else if (kind === 'dir') await removeUnplanned(join(folder, name), entryRel, planned);
  }
}

/** Makes sure `path` is a real folder: anything else there (a file or link from an older render) is replaced. */
async function prepareFolder(path: string): Promise<void> {
  const stat: Stats | undefined = await lstat(path).catch(() => undefined);
  if (stat && !stat.isDirectory()) await rm(path, { force: true });
  await mkdir(path, { recursive: true });
}

async function removeIfFolder(path: string): Promise<void> {
  const stat: Stats | undefined = await lstat(path).catch(() => undefined);
  if (stat?.isDirectory()) await rm(path, { recursive: true, force: true });
}
