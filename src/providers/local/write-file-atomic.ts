// Writes a file so readers see the old or the new content, never half: a temporary file beside it, then rename.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Temporary files carry this suffix so listings can skip ones left behind by a crash. */
export const TEMP_SUFFIX = '.handoff-tmp';

export async function writeFileAtomic(file: string, data: Uint8Array | string, options: { mode?: number; dirMode?: number } = {}): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, ...(options.dirMode !== undefined ? { mode: options.dirMode } : {}) });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  try {
    // The mode is set at creation, so a secret is never readable by others, not even for a moment.
    await writeFile(temp, data, { mode: options.mode ?? 0o644, flag: 'wx' });
    if (options.mode !== undefined) await chmod(temp, options.mode);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
