// Writes a file so readers see the old or the new content, never half: a temporary file beside it, then rename.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isProcessAlive } from '../../process/process-alive.js';

/** Temporary files carry this suffix so listings can skip ones left behind by a crash. */
export const TEMP_SUFFIX = '.handoff-tmp';

/**
 * A temporary file left this long without a change is abandoned whoever wrote it: a write in progress keeps changing
 * its file, and a folder may be shared with another machine or a container (`container run` mounts HANDOFF_HOME),
 * whose pids mean nothing here.
 */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/** Short tag of this machine in temporary names, so only a writer on this host is judged by its pid. */
const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** `.<name>.<pid>-<host>-<random>.handoff-tmp` beside `file`: whose it is, and unique. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${HOST_TAG}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

const OWNED_TEMP = /\.(\d+)-([0-9a-f]{8})-[0-9a-f]+\.handoff-tmp$/;

/**
 * Removes the temporary files of writes that were killed halfway (a `files push` interrupted with SIGKILL): those of
 * a process of this host that no longer runs, and any left unchanged for an hour. Listings skip them meanwhile; the
 * next write to the folder cleans them up. A temporary file of a write still going on is never touched.
 */
export async function removeAbandonedTemps(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.endsWith(TEMP_SUFFIX)) continue;
    const file = path.join(dir, name);
    const owner = OWNED_TEMP.exec(name);
    let abandoned = owner !== null && owner[2] === HOST_TAG && Number(owner[1]) !== process.pid && !isProcessAlive(Number(owner[1]));
    if (!abandoned) {
      const info = await stat(file).catch(() => undefined);
      abandoned = info !== undefined && info.isFile() && now - info.mtimeMs > ABANDONED_AFTER_MS;
    }
    if (abandoned) {
      await rm(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}

export async function writeFileAtomic(file: string, data: Uint8Array | string, options: { mode?: number; dirMode?: number } = {}): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, ...(options.dirMode !== undefined ? { mode: options.dirMode } : {}) });
  const temp = tempPathFor(file);
  try {
    // The mode is set at creation, so a secret is never readable by others, not even for a moment.
    await writeFile(temp, data, { mode: options.mode ?? 0o644, flag: 'wx' });
    if (options.mode !== undefined) await chmod(temp, options.mode);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await removeAbandonedTemps(dir);
}
