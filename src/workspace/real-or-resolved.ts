// A path as the file system resolves it (links followed), or resolved as written when it does not exist (yet).
import fs from 'node:fs';
import path from 'node:path';

/**
 * One realpath(3) system call: Node.js's own fs.realpathSync walks the path in JavaScript, an lstat per component,
 * and a run's start asks this about a dozen times (the project and workspace folders, before and under the lock).
 */
export function realOrResolved(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return path.resolve(p);
  }
}
