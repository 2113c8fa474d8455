// Loads project.yml for a run through a cache in the workspace: an unchanged project skips YAML, schema and rules.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { BUILD_ID } from '../version.js';
import type { LoadedProject } from '../project/load-project.js';
import { randomHex } from '../random-suffix.js';
import { removeFile } from '../remove-file.js';

/** Where the last validated project of a workspace is kept (one entry: the project this workspace runs). */
export function projectCachePath(workspaceDir: string): string {
  return path.join(path.resolve(workspaceDir), '.handoff', 'validated-project.bin');
}

/** loadProject's limit (MAX_PROJECT_FILE_BYTES, not imported: its module loads the YAML parser this file avoids). */
export const LARGEST_PROJECT_FILE_BYTES = 2 * 1024 * 1024;

interface CacheEntry {
  /** The build, V8 version and project folder (as given and as resolved) the entry was made for. */
  key: string;
  /** project.yml's bytes as validated: compared whole (no hash, so node:crypto stays out of a run's memory). */
  projectBytes: Uint8Array;
  loaded: LoadedProject;
}

export interface ProjectCacheOptions {
  /**
   * Identifies the code that validated the project (the build's source hash); without one nothing is cached, since a
   * cached project could then outlive a change to the rules that accepted it.
   */
  buildId?: string;
  /** Called before project.yml is parsed and checked in full (it is new or changed): the slow path, for a caller to prepare for. */
  beforeFullLoad?: () => void;
  /** `--cloud-provider`: `deploy` is checked for that cloud (part of the cache key: another cloud checks other keys). */
  cloudProvider?: string;
  /** Called before a newly loaded project is kept in the workspace: throws to write nothing there (another project's workspace). */
  beforeKeep?: (loaded: LoadedProject) => void;
}

/**
 * The same result as `loadProject(projectDir)`: the project and its warnings, or the same UserError. A valid project
 * is kept in `<workspace>/.handoff/` (when the workspace exists) with the file's bytes, under a key made of the
 * project folder as given and as resolved and the build of handoff; a later load with the same key reads it back instead of
 * parsing and checking again. Invalid projects are never kept, so their errors are always found afresh. The cache
 * only saves time: any failure to read or write it falls back to a full load.
 */
export async function loadProjectWithCache(projectDir: string, workspaceDir: string, options: ProjectCacheOptions = {}): Promise<LoadedProject> {
  const buildId = options.buildId ?? BUILD_ID;
  const fullLoad = async (): Promise<LoadedProject> => {
    options.beforeFullLoad?.();
    return (await import('../project/load-project.js')).loadProject(projectDir, options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {});
  };
  if (buildId === undefined) return fullLoad();

  const bytes = readSmallFile(path.join(projectDir, 'project.yml'));
  // Missing, a folder, unreadable, too large: the full load says which, as it always does.
  if (!bytes) return fullLoad();
  const key = cacheKey(buildId, projectDir, options.cloudProvider);
  const file = projectCachePath(workspaceDir);
  const cached = readEntry(file);
  if (cached?.key === key && bytes.equals(cached.projectBytes)) return cached.loaded;

  const loaded = await fullLoad();
  options.beforeKeep?.(loaded);
  writeEntry(file, { key, projectBytes: bytes, loaded });
  return loaded;
}

/** A regular file's bytes, unless it is larger than any valid project.yml (loadProject refuses those). */
function readSmallFile(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const info = fs.fstatSync(fd);
    if (!info.isFile() || info.size > LARGEST_PROJECT_FILE_BYTES) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function cacheKey(buildId: string, projectDir: string, cloudProvider: string | undefined): string {
  // The project holds its folder as resolved and its warnings name the file as given: both belong to the key. The V8
  // version is there because the entry is in V8's serialization format.
  return JSON.stringify([buildId, process.versions.v8, projectDir, path.resolve(projectDir), cloudProvider ?? null]);
}

function readEntry(file: string): CacheEntry | undefined {
  try {
    const entry = v8.deserialize(fs.readFileSync(file)) as Partial<CacheEntry> | null;
    return typeof entry?.key === 'string' && entry.projectBytes instanceof Uint8Array && entry.loaded ? (entry as CacheEntry) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * V8's serialization keeps what YAML can produce and JSON cannot (NaN, Infinity, -0, binary). Written to a temporary
 * file and renamed, so a concurrent run reads the old entry or the new one. Only into an existing workspace: loading a
 * project (e.g. for `--dry-run`) does not create one.
 */
function writeEntry(file: string, entry: CacheEntry): void {
  const dir = path.dirname(file);
  // Not a folder (-w naming a file, or nothing there): the run's own check of the workspace says what is wrong.
  if (!isFolder(path.dirname(dir))) return;
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}-${randomHex(12)}.tmp`);
  try {
    try {
      fs.mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    fs.writeFileSync(temp, v8.serialize(entry), { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    // The cache only saves time: whatever went wrong, the run goes on without it.
    try {
      removeFile(temp);
    } catch {
      // .handoff is not a folder (ENOTDIR) or cannot be read: there is no temporary file to remove.
    }
  }
}

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
