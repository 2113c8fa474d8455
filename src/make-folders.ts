// Creates a folder and its missing parents one level at a time: what `mkdir -p` does, without Node's recursive loop.
import fs from 'node:fs';
import path from 'node:path';

/**
 * Creates `dir` and whichever of its parents are missing, and returns the first folder it made (undefined when `dir`
 * was there), as `fs.mkdirSync(dir, { recursive: true })` does. Not that: on Node.js 20 it loops forever when mkdir
 * answers ENOENT under an existing parent (`/proc/x`), and it reports a read-only filesystem as ENOENT. Here each
 * level is made on its own, so the error is the one mkdir gave for that level (EACCES, EROFS, ENOENT, EEXIST for a
 * file or a dangling link in the way) and names it; a file where a folder is wanted is ENOTDIR. `mode` is that of each
 * folder it makes (less the umask), as mkdir's.
 */
export function makeFolders(dir: string, mode?: number): string | undefined {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (stat) {
      if (!stat.isDirectory()) {
        throw Object.assign(new Error(`${current} is a file, not a folder`), { code: 'ENOTDIR', path: current });
      }
      break;
    }
    missing.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder, mode);
    } catch (error) {
      // Made meanwhile by someone else: fine, as with mkdir -p.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isFolder(folder)) throw error;
    }
  }
  return missing[0];
}

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
