// A task's config, files, artifacts and run records in a provider's store (SPEC §6), the same for every provider.
import { chmod, lstat, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { isProcessAlive } from '../../process/process-alive.js';
import { removeAbandonedTempFiles, tempNameOf } from '../local/write-file-atomic.js';
import type { Provider } from '../provider.js';
import { isoTime } from '../../iso-time.js';
import { readRunRecord, type RunRecord } from '../../runs/run-record.js';

export type StoreLog = (level: 'debug' | 'info' | 'warning', message: string) => void;

/** What one push, get or delete did: the keys it touched and where they live. */
export interface TransferResult {
  location: string;
  keys: string[];
  /** Stored keys removed because the folder no longer holds them (a push that mirrors). */
  removed?: string[];
}

/** Files left behind by an interrupted atomic write; never pushed. */
const TEMP_FILE = /\.handoff-tmp$/;

/** Uploads project.yml (checked by the caller) to `<task>/project.yml`. */
export async function pushConfig(provider: Provider, projectFile: string): Promise<TransferResult> {
  const key = provider.names.s3.projectKey;
  await provider.objects.put(key, await readFile(projectFile));
  return { location: provider.objects.describe(key), keys: [key] };
}

/** The stored project.yml; a UserError that says how to push it when there is none. */
export async function getConfig(provider: Provider): Promise<Buffer> {
  const key = provider.names.s3.projectKey;
  const stored = await provider.objects.get(key);
  if (stored === undefined) {
    throw new UserError(`there is no project.yml in the store at ${provider.objects.describe(key)}`, {
      fix: `push the project first: handoff project push -p <project>${provider.name === 'local' ? ' (HANDOFF_HOME chooses the local store)' : ''}`,
    });
  }
  return stored.body;
}

export async function deleteConfig(provider: Provider): Promise<TransferResult> {
  const key = provider.names.s3.projectKey;
  const existing = await provider.objects.get(key);
  if (existing !== undefined) await provider.objects.delete([key]);
  return { location: provider.objects.describe(key), keys: existing !== undefined ? [key] : [] };
}

/**
 * Uploads every regular file under `localDir` to `prefix<relative path>`, keeping whether it is executable. A stored
 * file where the folder now has a folder of that name (or the reverse) is removed first: S3 would keep both, and no
 * fetch could write them. With `mirror`, stored files the folder no longer holds are removed once all are uploaded
 * (after, so an interrupted push leaves the old files rather than none).
 */
export async function pushFolder(
  provider: Provider,
  localDir: string,
  prefix: string,
  options: { log?: StoreLog; stop?: AbortSignal; badNames?: 'refuse' | 'skip'; mirror?: boolean } = {},
): Promise<TransferResult> {
  const { log, stop } = options;
  const files = await listLocalFiles(localDir, log, options.badNames);
  const stored = (await provider.objects.list(prefix)).map((o) => o.key.slice(prefix.length));
  const replaced = findReplacedPaths(stored, files);
  if (replaced.length > 0) {
    await provider.objects.delete(replaced.map((r) => `${prefix}${r.stored}`));
    for (const r of replaced) {
      log?.('info', `replaced the stored ${r.was} ${provider.objects.describe(`${prefix}${r.stored}`)}: ${r.now} of that name is pushed instead`);
    }
  }
  const keys: string[] = [];
  for (const rel of files) {
    stop?.throwIfAborted();
    const key = `${prefix}${rel}`;
    const file = path.join(localDir, ...rel.split('/'));
    const executable = ((await lstat(file)).mode & 0o111) !== 0;
    // Streamed: an artifact may be larger than the container's memory.
    await provider.objects.putFile(key, file, { executable });
    keys.push(key);
  }
  if (!options.mirror) return { location: provider.objects.describe(prefix), keys };
  const pushed = new Set(files);
  const gone = new Set(replaced.map((r) => r.stored));
  const removed = stored.filter((rel) => !pushed.has(rel) && !gone.has(rel)).map((rel) => `${prefix}${rel}`);
  if (removed.length > 0) {
    stop?.throwIfAborted();
    await provider.objects.delete(removed);
    log?.('info', `removed ${removed.length === 1 ? 'a stored file' : `${removed.length} stored files`} no longer in ${localDir}: ${removed.map((k) => k.slice(prefix.length)).join(', ')}`);
  }
  return { location: provider.objects.describe(prefix), keys, removed };
}

/**
 * Downloads every object under `prefix` into `localDir` (relative paths kept). With `replace`, the folder ends up
 * holding exactly the stored files: they are written to a fresh folder that then takes the old one's place.
 */
export async function pullFolder(provider: Provider, prefix: string, localDir: string, options: { replace: boolean; log?: StoreLog }): Promise<TransferResult> {
  const objects = await provider.objects.list(prefix);
  const clash = findReplacedPaths(objects.map((o) => o.key.slice(prefix.length)), objects.map((o) => o.key.slice(prefix.length)))[0];
  if (clash) {
    const file = provider.objects.describe(`${prefix}${clash.stored}`);
    throw new UserError(`the store holds both the file ${file} and files inside a folder of that name, which cannot both be written to ${localDir}`, {
      fix: `push the folder again (files push, artifacts push: they remove the stale one), or delete the stale object ${file}`,
    });
  }
  const target = options.replace ? `${localDir}.incoming-${process.pid}` : localDir;
  if (options.replace) {
    await removeAbandonedIncoming(localDir);
    await rm(target, { recursive: true, force: true });
  }
  if ((await lstat(target).catch(() => undefined))?.isSymbolicLink()) {
    options.log?.('warning', `replaced the symbolic link ${target} by a folder: stored files are written inside the workspace only`);
    await rm(target, { force: true });
  }
  await mkdir(target, { recursive: true });
  const keys: string[] = [];
  for (const object of objects) {
    const rel = object.key.slice(prefix.length);
    if (rel === '' || rel.endsWith('/')) continue;
    const parts = rel.split('/');
    if (parts.some((p) => p === '..' || p === '.' || p === '')) {
      throw new UserError(`the stored key ${object.key} cannot be written inside ${localDir}`, { fix: `remove ${provider.objects.describe(object.key)} from the store` });
    }
    const file = path.join(target, ...parts);
    await makeFolder(path.dirname(file), target, options.log);
    if (await downloadFile(provider, object.key, file)) keys.push(object.key);
  }
  if (options.replace) {
    await rm(localDir, { recursive: true, force: true });
    await rename(target, localDir);
  }
  return { location: provider.objects.describe(prefix), keys };
}

export async function deletePrefix(provider: Provider, prefix: string): Promise<TransferResult> {
  const keys = (await provider.objects.list(prefix)).map((o) => o.key);
  if (keys.length > 0) await provider.objects.delete(keys);
  return { location: provider.objects.describe(prefix), keys };
}

/**
 * `files push`: P/files/** as templates (rendered at run time, like `run local` does). The store then holds exactly
 * P/files: a file deleted from the project is removed there too, or runs from the store would still find it.
 */
export function pushFiles(provider: Provider, projectDir: string, log?: StoreLog, stop?: AbortSignal): Promise<TransferResult> {
  return pushFolder(provider, path.join(projectDir, 'files'), provider.names.s3.filesPrefix, { log, mirror: true, ...(stop ? { stop } : {}) });
}

export function deleteFiles(provider: Provider): Promise<TransferResult> {
  return deletePrefix(provider, provider.names.s3.filesPrefix);
}

/**
 * `artifacts push`: W/artifacts/** to `<task>/artifacts/last/`. Unlike files push it does not mirror: as the original
 * handoff's, it adds and overwrites only, since a workspace may hold some artifacts only (one that never fetched last/)
 * and removing the rest could drop a task's state.json. README and `artifacts push --help` say so.
 */
export function pushArtifacts(provider: Provider, workspaceDir: string, log?: StoreLog, stop?: AbortSignal): Promise<TransferResult> {
  return pushFolder(provider, path.join(workspaceDir, 'artifacts'), provider.names.s3.lastArtifactsPrefix, { log, stop, badNames: 'skip' });
}

/** `artifacts get`: `<task>/artifacts/last/**` into W/artifacts (files of the same name are overwritten, others kept). */
export function getArtifacts(provider: Provider, workspaceDir: string, log?: StoreLog): Promise<TransferResult> {
  return pullFolder(provider, provider.names.s3.lastArtifactsPrefix, path.join(workspaceDir, 'artifacts'), { replace: false, log });
}

/** `artifacts archive`: copies `last/` to `archives/<UTC ISO time>/` inside the store. */
export async function archiveArtifacts(provider: Provider, now: Date = new Date(), stop?: AbortSignal): Promise<TransferResult> {
  const { lastArtifactsPrefix } = provider.names.s3;
  const archivePrefix = provider.names.s3.archivePrefix(isoTime(now));
  const objects = await provider.objects.list(lastArtifactsPrefix);
  const keys: string[] = [];
  for (const object of objects) {
    stop?.throwIfAborted();
    const key = `${archivePrefix}${object.key.slice(lastArtifactsPrefix.length)}`;
    await provider.objects.copy(object.key, key);
    keys.push(key);
  }
  return { location: provider.objects.describe(archivePrefix), keys };
}

/** `artifacts delete`: removes `last/` (archives are history and stay). */
export function deleteArtifacts(provider: Provider): Promise<TransferResult> {
  return deletePrefix(provider, provider.names.s3.lastArtifactsPrefix);
}

/**
 * Whether `record` is a run of the same project and stage as `own`: the same stage and name (deploy.task), and the same
 * deploy.resource_group when both records give it. Not the folder: `handoff run` runs the copy it fetched into
 * W/.handoff/project, `run local -p` the project's own folder, and both are runs of the task whose store this is. A
 * record that does not give its resource group (an older handoff's, or a project without deploy keys) needs the same
 * folder too.
 */
function isSameProjectRun(record: RunRecord, own: RunRecord): boolean {
  if (record.stage !== own.stage || record.project.name !== own.project.name) return false;
  const [mine, theirs] = [own.project.resourceGroup, record.project.resourceGroup];
  return mine !== undefined && theirs !== undefined ? mine === theirs : record.project.dir === own.project.dir;
}

/**
 * Pushes the run records in W/runs/*.json that the store does not have yet, and always `alwaysRunId`'s: only those of
 * the same stage and project as `alwaysRunId`'s (isSameProjectRun), since one workspace may hold runs of other stages
 * and projects, whose records do not belong in this task's history. `notPushed` counts those left out (and records that
 * cannot be read, which say neither).
 */
export async function pushRunRecords(provider: Provider, workspaceDir: string, alwaysRunId: string): Promise<TransferResult & { notPushed: number }> {
  const runsDir = path.join(workspaceDir, 'runs');
  const names = (await readdir(runsDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json') && !TEMP_FILE.test(n)).sort();
  const stored = new Set((await provider.objects.list(provider.names.s3.runsPrefix)).map((o) => o.key));
  const own = readRunRecord(path.join(runsDir, `${alwaysRunId}.json`));
  const keys: string[] = [];
  let notPushed = 0;
  for (const name of names) {
    const key = provider.names.s3.runRecordKey(name.slice(0, -'.json'.length));
    const always = name === `${alwaysRunId}.json`;
    if (stored.has(key) && !always) continue;
    const file = path.join(runsDir, name);
    if (!(await lstat(file)).isFile()) continue;
    if (!always) {
      const record = readRunRecord(file);
      if (!own || !record || !isSameProjectRun(record, own)) {
        notPushed++;
        continue;
      }
    }
    await provider.objects.put(key, await readFile(file));
    keys.push(key);
  }
  return { location: provider.objects.describe(provider.names.s3.runsPrefix), keys, notPushed };
}

/**
 * A name with a control character (a newline, a tab, …) cannot be a key everywhere: Cloud Storage refuses CR and LF,
 * S3's XML listings cannot carry most of them, and moto fails on a newline.
 */
const UNSTORABLE_NAME = /[\u0000-\u001f\u007f]/;

/**
 * Relative `/`-separated paths of the regular files under `dir`, sorted; symbolic links are skipped with a warning.
 * A name with a control character is refused (a UserError naming it, before anything is pushed), or with `skip`
 * (artifacts, pushed after a run: the rest, state.json included, must still arrive) left out with a warning.
 */
export async function listLocalFiles(dir: string, log?: StoreLog, badNames: 'refuse' | 'skip' = 'refuse'): Promise<string[]> {
  const found: string[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(abs)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const name of names) {
      if (TEMP_FILE.test(name)) continue;
      const childAbs = path.join(abs, name);
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (UNSTORABLE_NAME.test(name)) {
        const shown = JSON.stringify(childAbs);
        if (badNames === 'skip') {
          log?.('warning', `skipped ${shown}: a name with a control character (newline, tab, …) cannot be stored; rename it to push it`);
          continue;
        }
        throw new UserError(`${shown} has a control character (newline, tab, …) in its name, which cannot be a key in the store`, {
          fix: 'rename it (letters, digits, spaces and punctuation are fine); nothing was pushed',
        });
      }
      const stat = await lstat(childAbs);
      if (stat.isDirectory()) await walk(childAbs, childRel);
      else if (stat.isFile()) found.push(childRel);
      else log?.('warning', `skipped ${childAbs}: only regular files are pushed (not links, sockets or devices)`);
    }
  };
  await walk(dir, '');
  return found;
}

/**
 * Streams an object into `file` through a temporary file beside it (never half a file under the real name, and never
 * the whole object in memory); false when the object is gone meanwhile.
 */
async function downloadFile(provider: Provider, key: string, file: string): Promise<boolean> {
  const stat = await lstat(file).catch(() => undefined);
  if (stat?.isDirectory()) await rm(file, { recursive: true, force: true });
  // The temp files a killed fetch left in this folder go with the next write there.
  removeAbandonedTempFiles(path.dirname(file));
  const temp = tempNameOf(file);
  try {
    const stored = await provider.objects.getFile(key, temp);
    if (stored === undefined) return false;
    // The mode is explicit, so the umask does not decide whether a fetched script can run.
    await chmod(temp, stored.executable ? 0o755 : 0o644);
    await rename(temp, file);
    return true;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Makes `dir` (inside `root`); a local file in the way of a stored folder gives way, as a folder gives way to a stored file. */
async function makeFolder(dir: string, root: string, log?: StoreLog): Promise<void> {
  // One level at a time, never through a symbolic link: `artifacts/out -> /elsewhere` (left by a task) would otherwise
  // take the stored `out/…` files out of the workspace. The link gives way to a real folder, as a file does.
  let current = root;
  for (const part of path.relative(root, dir).split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    const found = await lstat(current).catch(() => undefined);
    if (found?.isDirectory()) continue;
    if (found?.isSymbolicLink()) log?.('warning', `replaced the symbolic link ${current} by a folder: stored files are written inside the workspace only`);
    if (found) await rm(current, { force: true });
    await mkdir(current);
  }
}

/** A stored path that a local one replaced: a file that is now a folder of that name, or a file inside a folder that is now a file. */
interface ReplacedPath {
  stored: string;
  was: 'file' | 'folder';
  now: 'a folder' | 'a file';
}

/**
 * The stored relative paths that cannot live beside `local` ones: `d` when `d/x` is local (a file that became a
 * folder) and `d/x` when `d` is local (a folder that became a file). Given the stored paths twice, the clashes
 * within a store.
 */
export function findReplacedPaths(stored: string[], local: string[]): ReplacedPath[] {
  const localFiles = new Set(local);
  const localFolders = new Set(local.flatMap((rel) => rel.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  const found: ReplacedPath[] = [];
  for (const rel of stored) {
    if (localFolders.has(rel)) found.push({ stored: rel, was: 'file', now: 'a folder' });
    else if (rel.split('/').slice(0, -1).some((_, i, parts) => localFiles.has(parts.slice(0, i + 1).join('/')))) found.push({ stored: rel, was: 'folder', now: 'a file' });
  }
  return found;
}

/**
 * Removes `<dir>.incoming-<pid>` folders that a killed fetch left beside `dir` (their writer is gone); with `kind`
 * 'old', the `<dir>.old-<pid>` ones (a replaced copy a killed fetch had not finished removing).
 */
export async function removeAbandonedIncoming(dir: string, kind: 'incoming' | 'old' = 'incoming'): Promise<void> {
  const parent = path.dirname(dir);
  const base = `${path.basename(dir)}.${kind}-`;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const pid = Number(name.slice(base.length));
    if (!name.startsWith(base) || !Number.isInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    await rm(path.join(parent, name), { recursive: true, force: true });
  }
}
