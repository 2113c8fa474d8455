// Renders the project's files/** into the workspace's files/** (SPEC §3): file by file into a staging tree, switched in at once.
import { isUtf8 } from 'node:buffer';
import fs, { type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import { readLoneCrAsLf } from '../line-breaks.js';
import { randomHex } from '../random-suffix.js';
import { holdsTemplateSyntax, loadTemplateEngine, needsTemplateEngine, type Renderer } from '../template/render.js';
import { nothingToRender, PREVIOUS_FOLDER, STAGING_FOLDER } from './files-to-render.js';

// node:fs's callbacks, not node:fs/promises: every run renders files/, and loading fs/promises (with readline, streams
// and the fs watchers it requires) adds 0.5 MB to a run's peak memory.
const chmod = promisify(fs.chmod);
const close = promisify(fs.close);
const lstat = promisify(fs.lstat);
const mkdir = promisify(fs.mkdir);
const open = promisify(fs.open);
const read = promisify(fs.read);
const readFile = promisify(fs.readFile);
const readdir = promisify(fs.readdir);
const readlink = promisify(fs.readlink);
const rmdir = promisify(fs.rmdir);
const realpath = promisify(fs.realpath);
const rename = promisify(fs.rename);
const rm = promisify(fs.rm);
const symlink = promisify(fs.symlink);
const unlink = promisify(fs.unlink);
const write = promisify(fs.write);
const writeFile = promisify(fs.writeFile);

/** Files are read, scanned and copied in pieces of this size, so a large seed CSV is never held whole in memory. */
const CHUNK_BYTES = 1024 * 1024;

// Where a render stages its tree and keeps the previous one: in files-to-render.ts, which a run asks first.
export { PREVIOUS_FOLDER, STAGING_FOLDER };

/** Asked between files and between chunks: once `stopped` (the run's SIGINT/SIGTERM or --timeout), the render ends. */
export interface RenderStop {
  readonly stopped: boolean;
}

/** The render of files/ was ended by `stop` before it finished (see renderFiles for what is left where). */
export class FilesRenderStopped extends Error {
  constructor() {
    super('the render of files/ was stopped before it finished');
    this.name = 'FilesRenderStopped';
  }
}

/** One entry of the rendered tree, ready to write. Paths are relative to files/, with `/` separators. */
type PlannedEntry =
  | { kind: 'dir'; path: string }
  /** A rendered template, written to `staged` (in the staging folder; absent when nothing is written). */
  | { kind: 'text'; path: string; mode: number; staged?: string }
  /** A file copied byte for byte: binary (a NUL byte), or a file without template syntax (UTF-8 or not). */
  | { kind: 'copy'; path: string; mode: number; source: string }
  | { kind: 'link'; path: string; target: string };

/** What planFiles does with each template: render it and write it to the staging folder, render it only, or check its syntax. */
type PlanMode = { kind: 'write'; stagingDir: string } | { kind: 'render' } | { kind: 'syntax' };

/**
 * Renders every file under `P/files` into `W/files`. Text files go through the renderer (origin `files/<path>`);
 * binary files (a NUL byte) and files without template syntax (`{{`, `{%`, `{#`), which render as themselves, are
 * copied byte for byte; file modes are kept. A file with template syntax that is not valid UTF-8 is refused.
 *
 * Memory holds one file at a time at most: each template is rendered and written to a staging folder at once, and
 * every other file is scanned and copied in chunks of 1 MiB. Nothing is half-written: the whole new tree is built in
 * the staging folder, then takes W/files' place at once (swapFolders), so a template error or a stop leaves `W/files`
 * as it was, and a switch is never half done (a W/files mounted apart, which cannot be renamed, gets each file whole).
 *
 * `stop` is asked between files and between chunks; once it is set, FilesRenderStopped is thrown and the staging
 * folder removed, `W/files` as it was, and the run that asked is recorded as interrupted or timed out.
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
  stop?: RenderStop;
}): Promise<{ files: number }> {
  const stagingDir = join(input.workspaceDir, STAGING_FOLDER);
  const targetRoot = join(input.workspaceDir, 'files');
  const previous = join(input.workspaceDir, PREVIOUS_FOLDER);
  if (nothingToRender(input.projectDir, input.workspaceDir)) return { files: 0 };
  await recoverSwap(targetRoot, previous);
  await removeStaging(stagingDir);
  try {
    const entries = await planFiles({ ...input, mode: { kind: 'write', stagingDir } });
    if (entries === undefined) {
      // No files/ folder: nothing to render, and W/files is not created; one left from earlier runs is emptied.
      if ((await lstat(targetRoot).catch(() => undefined))?.isDirectory()) await removeUnplanned(targetRoot, '', new Map());
      return { files: 0 };
    }
    const files = entries.filter((e) => e.kind !== 'dir').length;
    if (await isMountPoint(targetRoot, input.workspaceDir)) {
      // A W/files mounted apart cannot be renamed: each file is moved into place whole, the folder is not switched at once.
      await writeEntries(targetRoot, entries, input.stop);
      await removeUnplanned(targetRoot, '', new Map(entries.map((e) => [e.path, e.kind])));
      return { files };
    }
    // The new tree is built whole beside W/files, then takes its place: a stop leaves W/files all old or all new.
    const tree = join(stagingDir, 'files');
    await writeEntries(tree, entries, input.stop);
    if (!(await swapFolders(tree, targetRoot, previous))) {
      // W/files could not be moved (EXDEV: a folder of a container image's lower layer, on overlayfs without
      // redirect_dir, as in every image handoff builds): the rendered files are moved in one by one, each whole.
      const fromTree = entries.map((e) => (e.kind === 'text' ? { ...e, staged: join(tree, ...e.path.split('/')) } : e));
      await writeEntries(targetRoot, fromTree, input.stop);
      await removeUnplanned(targetRoot, '', new Map(entries.map((e) => [e.path, e.kind])));
    }
    return { files };
  } finally {
    await removeStaging(stagingDir);
  }
}

/**
 * Removes the staging folder (one a killed handoff left, or this run's). After a run that went well its files were all
 * moved into place, so an rmdir does; a recursive rm only when something is left in it (an error, a killed handoff):
 * it loads Node's recursive remover, 0.4 MB of a run's peak memory, even for a folder that does not exist.
 */
async function removeStaging(stagingDir: string): Promise<void> {
  try {
    await rmdir(stagingDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    await rm(stagingDir, { recursive: true, force: true });
  }
}

/**
 * Puts the new tree in W/files' place with two renames (Linux's atomic exchange is not in Node.js), and asks no stop
 * between them: a signal or a timeout is acted on only between files, so the switch is whole. Only a SIGKILL between
 * the renames leaves W/files missing, the previous tree whole beside it: recoverSwap puts it back at the next render.
 * False, with nothing moved, when W/files cannot be renamed (EXDEV).
 */
async function swapFolders(tree: string, targetRoot: string, previous: string): Promise<boolean> {
  let moved = true;
  try {
    await rename(targetRoot, previous);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EXDEV') return false;
    if (code !== 'ENOENT') throw new Error('move the previous files/ of the workspace aside', { cause: error });
    moved = false;
  }
  await rename(tree, targetRoot);
  if (moved) await removeTree(previous);
  return true;
}

/** Finishes a switch a killed handoff left half done (see swapFolders): W/files is then the whole previous tree. */
async function recoverSwap(targetRoot: string, previous: string): Promise<void> {
  if (!(await lstat(previous).catch(() => undefined))) return;
  if (!(await lstat(targetRoot).catch(() => undefined))) await rename(previous, targetRoot);
  else await removeTree(previous);
}

/** Whether W/files is on another filesystem than W (a volume mounted there), where no rename can move it. */
async function isMountPoint(targetRoot: string, workspaceDir: string): Promise<boolean> {
  const target = await lstat(targetRoot).catch(() => undefined);
  return target !== undefined && target.isDirectory() && target.dev !== (await lstat(workspaceDir)).dev;
}

/**
 * Removes a folder and everything in it, links not followed. Not fs.rm's recursive remover, which adds 0.4 MB to a
 * run's peak memory, and every render with a files/ folder now removes the previous tree.
 */
async function removeTree(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat) return;
  if (!stat.isDirectory()) {
    await unlink(path);
    return;
  }
  for (const name of await readdir(path)) await removeTree(join(path, name));
  await rmdir(path);
}

/**
 * Renders every file under `P/files` in memory, one at a time, as renderFiles does, and writes nothing: the same
 * errors for `--dry-run`, which must refuse what the run would refuse.
 */
export async function checkFiles(input: { projectDir: string; values: Record<string, unknown>; renderer: Renderer }): Promise<{ files: number }> {
  const entries = (await planFiles({ ...input, mode: { kind: 'render' } })) ?? [];
  return { files: entries.filter((e) => e.kind !== 'dir').length };
}

/**
 * The template syntax of every file under `P/files`, without values (`config validate`): every problem at once, as a
 * run would refuse them. Nothing is rendered or written; a file without template syntax is not compiled.
 */
export async function checkFileTemplateSyntax(input: { projectDir: string; renderer: Renderer }): Promise<{ files: number }> {
  const entries = (await planFiles({ ...input, values: {}, mode: { kind: 'syntax' } })) ?? [];
  return { files: entries.filter((e) => e.kind !== 'dir').length };
}

interface PlanInput {
  projectDir: string;
  values: Record<string, unknown>;
  renderer: Renderer;
  mode: PlanMode;
  stop?: RenderStop;
}

/** Every entry of files/, its templates rendered (see PlanMode), or undefined when the project has no files/ folder. */
async function planFiles(input: PlanInput): Promise<PlannedEntry[] | undefined> {
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

function checkStop(stop: RenderStop | undefined): void {
  if (stop?.stopped) throw new FilesRenderStopped();
}

async function planFolder(realRoot: string, folder: string, relFolder: string, input: PlanInput & { problems: UserError[] }, entries: PlannedEntry[]): Promise<void> {
  const names = (await readdir(folder)).sort();
  for (const name of names) {
    checkStop(input.stop);
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
      // Only a file that may be a template is read whole: most of a large files/ is data (seed CSVs, lookups).
      if (!(await mayBeTemplate(abs, input.stop))) {
        entries.push({ kind: 'copy', path: rel, mode, source: abs });
        continue;
      }
      const bytes = await readFile(abs);
      if (bytes.includes(0)) {
        entries.push({ kind: 'copy', path: rel, mode, source: abs });
        continue;
      }
      if (!isUtf8(bytes)) {
        input.problems.push(notUtf8Error(bytes, rel));
        entries.push({ kind: 'copy', path: rel, mode, source: abs });
        continue;
      }
      // Lone CRs as LF, as Jinja2 read (and wrote) them: an error's line is the line an editor shows.
      const text = readLoneCrAsLf(bytes.toString('utf8'));
      // The engine is loaded by the first file that needs it: checking text whose only syntax is `{{ name }}` needs
      // none, and rendering needs it only where names may be missing (the renderer decides; the engine must be there).
      if (input.mode.kind === 'syntax' ? needsTemplateEngine(text) : holdsTemplateSyntax(text)) await loadTemplateEngine();
      try {
        if (input.mode.kind === 'syntax') {
          input.renderer.check(text, `files/${rel}`);
          entries.push({ kind: 'text', path: rel, mode });
          continue;
        }
        const rendered = input.renderer.render(text, input.values, `files/${rel}`);
        // A file with errors elsewhere is written by no one: staging stops at the first problem.
        if (input.mode.kind === 'write' && input.problems.length === 0) {
          entries.push({ kind: 'text', path: rel, mode, staged: await stage(input.mode.stagingDir, entries.length, rendered, mode) });
        } else {
          entries.push({ kind: 'text', path: rel, mode });
        }
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        input.problems.push(error);
      }
    } else {
      throw new UserError(`files/${rel} is not a regular file, folder or symbolic link`, {
        fix: 'remove it from files/ (sockets, pipes and devices cannot be rendered)',
      });
    }
  }
}

/** Writes a rendered template into the staging folder, with the source's mode; returns where. */
async function stage(stagingDir: string, index: number, rendered: string, mode: number): Promise<string> {
  await mkdir(stagingDir, { recursive: true });
  const file = join(stagingDir, String(index));
  await writeFile(file, rendered, { encoding: 'utf8', mode });
  // The mode given to writeFile is reduced by the umask; the source's mode is what we keep.
  await chmod(file, mode);
  return file;
}

/**
 * Whether the file holds template syntax before any NUL byte, read in chunks: anything else renders as itself (text
 * without syntax) or is copied (binary), byte for byte either way. Reading stops at the first syntax or NUL. Not valid
 * UTF-8 does not stop it: such a file with syntax is refused by planFolder (Jinja2 failed on it; copying it would
 * hand a command its `{{ … }}` unrendered, silently), without syntax it is copied.
 */
async function mayBeTemplate(file: string, stop: RenderStop | undefined): Promise<boolean> {
  const fd = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    // The last byte of the chunk before: `{` there and `{` at the start of this chunk is syntax too.
    let before = '';
    for (;;) {
      checkStop(stop);
      const { bytesRead } = await read(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) return false;
      const chunk = buffer.subarray(0, bytesRead);
      if (chunk.includes(0)) return false;
      // The syntax is ASCII: latin1 finds it where UTF-8 would, without decoding.
      const latin1 = chunk.toString('latin1');
      if (holdsTemplateSyntax(before + latin1)) return true;
      before = latin1.slice(-1);
    }
  } finally {
    await close(fd);
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

/**
 * The refusal of a file that holds template syntax but is not valid UTF-8 (saved as Latin-1 or cp1252): where its first
 * invalid byte is, as a line (what an editor shows) and a byte offset from 0 (what `od`/`xxd` show).
 */
function notUtf8Error(bytes: Buffer, rel: string): UserError {
  const offset = firstInvalidUtf8Byte(bytes);
  const line = lineAt(bytes, offset);
  const file = `files/${rel}`;
  const hex = `0x${bytes[offset]!.toString(16).padStart(2, '0')}`;
  const message = `is not UTF-8: byte ${hex} at line ${line} (byte offset ${offset}) is not part of a UTF-8 character, and the file holds template syntax ({{, {% or {#), so it cannot be rendered`;
  return new UserError(`${file} ${message}`, {
    fix: `save it as UTF-8 (an editor's "save with encoding"; or iconv -f cp1252 -t utf-8), or, if it is data to copy as it is, remove its {{, {% and {#`,
    diagnostics: [{ severity: 'error', message, location: { file, line } }],
  });
}

/**
 * The offset of the first byte that does not start or continue a valid UTF-8 character, by RFC 3629's table (no
 * overlong forms, no surrogates, nothing above U+10FFFF), as Python's decoder reports it: the sequence's first byte.
 */
function firstInvalidUtf8Byte(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    // The length of the sequence and the range its second byte must be in.
    const [length, low, high] =
      lead >= 0xc2 && lead <= 0xdf ? [2, 0x80, 0xbf]
      : lead === 0xe0 ? [3, 0xa0, 0xbf]
      : lead === 0xed ? [3, 0x80, 0x9f]
      : lead >= 0xe1 && lead <= 0xef ? [3, 0x80, 0xbf]
      : lead === 0xf0 ? [4, 0x90, 0xbf]
      : lead >= 0xf1 && lead <= 0xf3 ? [4, 0x80, 0xbf]
      : lead === 0xf4 ? [4, 0x80, 0x8f]
      : [0, 0, 0];
    if (length === 0 || i + length > bytes.length) return i;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return i;
}

/** How many lines `bytes` has up to `offset`, counting from 1: LF, CRLF and a lone CR each end one, as readLoneCrAsLf reads them. */
function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) line += 1;
  }
  return line;
}

/**
 * Writes each file to a temporary name beside it and renames it into place, so no reader sees half a file: a staged
 * template is renamed, a copied file is copied in chunks. `stop` is asked between files and chunks.
 */
async function writeEntries(targetRoot: string, entries: PlannedEntry[], stop: RenderStop | undefined): Promise<void> {
  await prepareFolder(targetRoot);
  for (const entry of entries) {
    checkStop(stop);
    const target = join(targetRoot, ...entry.path.split('/'));
    if (entry.kind === 'dir') {
      await prepareFolder(target);
      continue;
    }
    await removeIfFolder(target);
    if (entry.kind === 'text' && entry.staged !== undefined) {
      try {
        await rename(entry.staged, target);
        continue;
      } catch (e) {
        // Another filesystem (W/files mounted apart): copied below like any other file.
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw new Error(`write files/${entry.path} into the workspace`, { cause: e });
      }
    }
    const temp = join(dirname(target), `.${randomHex(12)}.handoff-tmp`);
    try {
      if (entry.kind === 'text') {
        await copyInChunks(entry.staged!, temp, entry.mode, stop);
      } else if (entry.kind === 'copy') {
        await copyInChunks(entry.source, temp, entry.mode, stop);
      } else {
        await symlink(entry.target, temp);
      }
      await rename(temp, target);
    } catch (e) {
      await rm(temp, { force: true });
      if (e instanceof FilesRenderStopped) throw e;
      throw new Error(`write files/${entry.path} into the workspace`, { cause: e });
    }
  }
}

/** Copies `source` to the new file `target` (with `mode`, the umask aside) a chunk at a time, asking `stop` between chunks. */
async function copyInChunks(source: string, target: string, mode: number, stop: RenderStop | undefined): Promise<void> {
  const from = await open(source, 'r');
  try {
    const to = await open(target, 'wx', mode);
    try {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      for (;;) {
        checkStop(stop);
        const { bytesRead } = await read(from, buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        for (let at = 0; at < bytesRead; ) at += (await write(to, buffer, at, bytesRead - at)).bytesWritten;
      }
    } finally {
      await close(to);
    }
    await chmod(target, mode);
  } finally {
    await close(from);
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
