// A task's config, files, artifacts and run records in a provider's store (SPEC §6), the same for every provider.
import { chmod, lstat, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { Provider } from '../provider.js';

export type StoreLog = (level: 'debug' | 'info' | 'warning', message: string) => void;

/** What one push, get or delete did: the keys it touched and where they live. */
export interface TransferResult {
  location: string;
  keys: string[];
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

/** Uploads every regular file under `localDir` to `prefix<relative path>`, keeping whether it is executable. */
export async function pushFolder(provider: Provider, localDir: string, prefix: string, log?: StoreLog): Promise<TransferResult> {
  const files = await listLocalFiles(localDir, log);
  const keys: string[] = [];
  for (const rel of files) {
    const key = `${prefix}${rel}`;
    const file = path.join(localDir, ...rel.split('/'));
    const executable = ((await lstat(file)).mode & 0o111) !== 0;
    await provider.objects.put(key, await readFile(file), { executable });
    keys.push(key);
  }
  return { location: provider.objects.describe(prefix), keys };
}

/**
 * Downloads every object under `prefix` into `localDir` (relative paths kept). With `replace`, the folder ends up
 * holding exactly the stored files: they are written to a fresh folder that then takes the old one's place.
 */
export async function pullFolder(provider: Provider, prefix: string, localDir: string, options: { replace: boolean }): Promise<TransferResult> {
  const objects = await provider.objects.list(prefix);
  const target = options.replace ? `${localDir}.incoming-${process.pid}` : localDir;
  if (options.replace) await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  const keys: string[] = [];
  for (const object of objects) {
    const rel = object.key.slice(prefix.length);
    if (rel === '' || rel.endsWith('/')) continue;
    const parts = rel.split('/');
    if (parts.some((p) => p === '..' || p === '.' || p === '')) {
      throw new UserError(`the stored key ${object.key} cannot be written inside ${localDir}`, { fix: `remove ${provider.objects.describe(object.key)} from the store` });
    }
    const stored = await provider.objects.get(object.key);
    if (stored === undefined) continue;
    const file = path.join(target, ...parts);
    await mkdir(path.dirname(file), { recursive: true });
    await writeLocalFile(file, stored.body, stored.executable);
    keys.push(object.key);
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

/** `files push`: P/files/** as templates (rendered at run time, like `run local` does). */
export function pushFiles(provider: Provider, projectDir: string, log?: StoreLog): Promise<TransferResult> {
  return pushFolder(provider, path.join(projectDir, 'files'), provider.names.s3.filesPrefix, log);
}

export function deleteFiles(provider: Provider): Promise<TransferResult> {
  return deletePrefix(provider, provider.names.s3.filesPrefix);
}

/** `artifacts push`: W/artifacts/** to `<task>/artifacts/last/`. */
export function pushArtifacts(provider: Provider, workspaceDir: string, log?: StoreLog): Promise<TransferResult> {
  return pushFolder(provider, path.join(workspaceDir, 'artifacts'), provider.names.s3.lastArtifactsPrefix, log);
}

/** `artifacts get`: `<task>/artifacts/last/**` into W/artifacts (files of the same name are overwritten, others kept). */
export function getArtifacts(provider: Provider, workspaceDir: string): Promise<TransferResult> {
  return pullFolder(provider, provider.names.s3.lastArtifactsPrefix, path.join(workspaceDir, 'artifacts'), { replace: false });
}

/** `artifacts archive`: copies `last/` to `archives/<UTC ISO time>/` inside the store. */
export async function archiveArtifacts(provider: Provider, now: Date = new Date()): Promise<TransferResult> {
  const { lastArtifactsPrefix } = provider.names.s3;
  const archivePrefix = provider.names.s3.archivePrefix(now.toISOString());
  const objects = await provider.objects.list(lastArtifactsPrefix);
  const keys: string[] = [];
  for (const object of objects) {
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

/** Pushes the run records in W/runs/*.json that the store does not have yet, and always `alwaysRunId`'s. */
export async function pushRunRecords(provider: Provider, workspaceDir: string, alwaysRunId?: string): Promise<TransferResult> {
  const runsDir = path.join(workspaceDir, 'runs');
  const names = (await readdir(runsDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json') && !TEMP_FILE.test(n)).sort();
  const stored = new Set((await provider.objects.list(provider.names.s3.runsPrefix)).map((o) => o.key));
  const keys: string[] = [];
  for (const name of names) {
    const key = provider.names.s3.runRecordKey(name.slice(0, -'.json'.length));
    if (stored.has(key) && name !== `${alwaysRunId}.json`) continue;
    const file = path.join(runsDir, name);
    if (!(await lstat(file)).isFile()) continue;
    await provider.objects.put(key, await readFile(file));
    keys.push(key);
  }
  return { location: provider.objects.describe(provider.names.s3.runsPrefix), keys };
}

/** Relative `/`-separated paths of the regular files under `dir`, sorted; symbolic links are skipped with a warning. */
export async function listLocalFiles(dir: string, log?: StoreLog): Promise<string[]> {
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
      const stat = await lstat(childAbs);
      if (stat.isDirectory()) await walk(childAbs, childRel);
      else if (stat.isFile()) found.push(childRel);
      else log?.('warning', `skipped ${childAbs}: only regular files are pushed (not links, sockets or devices)`);
    }
  };
  await walk(dir, '');
  return found;
}

async function writeLocalFile(file: string, body: Buffer, executable: boolean): Promise<void> {
  const stat = await lstat(file).catch(() => undefined);
  if (stat?.isDirectory()) await rm(file, { recursive: true, force: true });
  const temp = `${file}.${process.pid}.handoff-tmp`;
  await writeFile(temp, body);
  // Explicit, so the umask does not decide whether a fetched script can run.
  await chmod(temp, executable ? 0o755 : 0o644);
  await rename(temp, file);
}
