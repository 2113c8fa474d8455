// Writes a file so readers see the old or the new content, never half: a temporary file beside it, then rename.
import fs from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeFolders } from '../../make-folders.js';
import { isProcessAlive } from '../../process/process-alive.js';
import { randomHex } from '../../random-suffix.js';
import { removeFile } from '../../remove-file.js';

/** Temporary files carry this suffix so listings can skip ones left behind by a crash. */
export const TEMP_SUFFIX = '.handoff-tmp';

/** A temporary file whose writer is gone, or older than this, was left behind (its writer was killed mid-write). */
const ABANDONED_AFTER_MS = 24 * 3600_000;

/** `.<name>.<pid>-<random>.handoff-tmp`: the writer's pid tells a temp file being written from one left by a kill. */
export function tempNameOf(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomHex(12)}${TEMP_SUFFIX}`);
}

/** Folders already cleared of abandoned temp files by this process (once per folder is enough). */
const cleaned = new Set<string>();

/**
 * Removes temporary files that killed writers left in `dir` (the next write there cleans up). A temp file of a live
 * writer is kept; one that names no pid (an older handoff's) only when it is a day old.
 */
export function removeAbandonedTempFiles(dir: string, now = Date.now()): void {
  if (cleaned.has(dir)) return;
  cleaned.add(dir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith('.') || !name.endsWith(TEMP_SUFFIX)) continue;
    const file = path.join(dir, name);
    const pid = /\.(\d+)-[0-9a-f]+\.handoff-tmp$/.exec(name)?.[1];
    try {
      const abandoned = pid !== undefined ? Number(pid) !== process.pid && !isProcessAlive(Number(pid)) : now - fs.statSync(file).mtimeMs > ABANDONED_AFTER_MS;
      if (abandoned) removeFile(file);
    } catch {
      // gone meanwhile, or not ours to remove: the next process tries again
    }
  }
}

export async function writeFileAtomic(file: string, data: Uint8Array | string, options: { mode?: number; dirMode?: number } = {}): Promise<void> {
  const dir = path.dirname(file);
  // Not mkdir's recursive mode, which loops forever under /proc (a HANDOFF_HOME there): see makeFolders.
  makeFolders(dir, options.dirMode);
  removeAbandonedTempFiles(dir);
  const temp = tempNameOf(file);
  try {
    // The mode is set at creation, so a secret is never readable by others, not even for a moment.
    await writeFile(temp, data, { mode: options.mode ?? 0o644, flag: 'wx' });
    if (options.mode !== undefined) await chmod(temp, options.mode);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** The same for code that must not yield (the scheduler's state between two decisions, a job file right after its spawn). */
export function writeFileAtomicSync(file: string, data: Uint8Array | string, options: { mode?: number; dirMode?: number } = {}): void {
  const dir = path.dirname(file);
  makeFolders(dir, options.dirMode);
  removeAbandonedTempFiles(dir);
  const temp = tempNameOf(file);
  try {
    fs.writeFileSync(temp, data, { mode: options.mode ?? 0o644, flag: 'wx' });
    if (options.mode !== undefined) fs.chmodSync(temp, options.mode);
    fs.renameSync(temp, file);
  } catch (error) {
    // A full disk leaves an empty or partial temp file: never keep it (and report the write's error, not this one's).
    try {
      removeFile(temp);
    } catch {
      // removeAbandonedTempFiles takes it later
    }
    throw error;
  }
}
