// The local provider's bucket: a folder under HANDOFF_HOME/buckets/<bucket> holding the same keys as S3.
import { chmod, copyFile, lstat, mkdir, readFile, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { ObjectStore, StoredObject } from '../provider.js';
import { removeAbandonedTempFiles, TEMP_SUFFIX, tempNameOf, writeFileAtomic } from './write-file-atomic.js';
import { isReading, StoreMissingError } from '../store/store-missing.js';

export function createLocalObjectStore(bucketDir: string): ObjectStore {
  const toPath = (key: string): string => {
    const parts = key.split('/').filter((p) => p !== '');
    if (parts.length === 0 || parts.some((p) => p === '..' || p === '.')) {
      throw new UserError(`"${key}" is not a valid key in the local store`, { fix: 'use a relative path without "." or ".." parts' });
    }
    return path.join(bucketDir, ...parts);
  };
  const requireBucket = async (action: string): Promise<void> => {
    const stat = await lstat(bucketDir).catch(() => undefined);
    if (!stat?.isDirectory()) {
      throw new StoreMissingError(`the local bucket ${bucketDir} does not exist (needed to ${action})`, isReading(action), (args) => `create it with \`handoff cloud bucket create ${args}\` (HANDOFF_HOME chooses where local buckets live)`);
    }
  };

  return {
    async put(key, body, options) {
      await requireBucket(`write ${key}`);
      await againIfFolderWent(() => writeFileAtomic(toPath(key), body, { mode: options?.executable ? 0o755 : 0o644 }));
    },
    async get(key) {
      await requireBucket(`read ${key}`);
      try {
        const file = toPath(key);
        const body = await readFile(file);
        return { body, executable: ((await stat(file)).mode & 0o111) !== 0 };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
        throw new Error(`read ${toPath(key)}`, { cause: error });
      }
    },
    async putFile(key, file, options) {
      await requireBucket(`write ${key}`);
      await againIfFolderWent(() => copyFileAtomic(file, toPath(key), options?.executable ? 0o755 : 0o644), file);
    },
    async getFile(key, file) {
      await requireBucket(`read ${key}`);
      const stored = toPath(key);
      try {
        const { mode } = await stat(stored);
        await copyFile(stored, file);
        return { executable: (mode & 0o111) !== 0 };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
        throw new Error(`read ${stored}`, { cause: error });
      }
    },
    async list(prefix) {
      await requireBucket(`list ${prefix}`);
      // S3 prefixes are plain string prefixes: walk the deepest folder the prefix names, entering only the folders that
      // can hold such keys (`t/project.yml` must not read all of `t/artifacts/archives/`), then filter.
      const folderKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      const start = folderKey === '' ? bucketDir : path.join(bucketDir, ...folderKey.split('/'));
      const found: StoredObject[] = [];
      await walk(start, folderKey, found, prefix);
      return found.filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async delete(keys) {
      await requireBucket('delete objects');
      for (const key of keys) {
        const file = toPath(key);
        await rm(file, { force: true });
        await pruneEmptyFolders(path.dirname(file), bucketDir);
      }
    },
    async copy(fromKey, toKey) {
      await requireBucket(`copy ${fromKey}`);
      try {
        await copyFileAtomic(toPath(fromKey), toPath(toKey));
      } catch (error) {
        throw new Error(`copy ${fromKey} to ${toKey} in ${bucketDir}`, { cause: error });
      }
    },
    describe(key) {
      return key === '' ? bucketDir : path.join(bucketDir, ...key.split('/').filter(Boolean));
    },
  };
}

/**
 * Runs a write again when it failed with ENOENT because a delete emptied and removed its folder between the folder's
 * creation and the write (S3 has no folders to lose). `source`: a file read by the write, whose own absence is real.
 */
async function againIfFolderWent(write: () => Promise<void>, source?: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const gone = (error as NodeJS.ErrnoException).code === 'ENOENT' && (source === undefined || (await stat(source).then(() => true, () => false)));
      if (!gone || attempt >= 5) throw error;
    }
  }
}

/** Copies `from` to `to` through a temporary file beside it, so readers see the old or the new file, never half. */
async function copyFileAtomic(from: string, to: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  removeAbandonedTempFiles(path.dirname(to));
  const temp = tempNameOf(to);
  try {
    await copyFile(from, temp);
    if (mode !== undefined) await chmod(temp, mode);
    await rename(temp, to);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Collects the files under `dir`, entering a subfolder only when keys below it can start with `prefix`. */
async function walk(dir: string, keyPrefix: string, found: StoredObject[], prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  for (const name of names) {
    if (name.endsWith(TEMP_SUFFIX)) continue;
    const abs = path.join(dir, name);
    const key = keyPrefix === '' ? name : `${keyPrefix}/${name}`;
    // Deleted since the folder was read (a delete racing this listing): S3 would not list it either.
    const stat = await lstat(abs).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stat?.isDirectory()) {
      // Keys below start with `key/`: they can start with the prefix when one of the two begins the other.
      const below = `${key}/`;
      if (below.startsWith(prefix) || prefix.startsWith(below)) await walk(abs, key, found, prefix);
    }
    else if (stat?.isFile()) found.push({ key, size: stat.size, lastModified: stat.mtime });
  }
}

/** Removes empty folders from `dir` up to (not including) `root`, as S3 has no folders to leave behind. */
async function pruneEmptyFolders(dir: string, root: string): Promise<void> {
  let current = dir;
  while (current.startsWith(root + path.sep)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    current = path.dirname(current);
  }
}
