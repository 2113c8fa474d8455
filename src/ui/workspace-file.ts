// Resolves a file a run record names (its logs) inside the workspace; a path that leads out of it, by `..`, by being
// absolute or through a symlink, is refused, so the UI never serves a file from elsewhere on the machine.
import fs from 'node:fs';
import path from 'node:path';

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
}

/**
 * The file to read, or undefined when `relative` is not a path inside `workspaceDir`. Records are written by handoff,
 * but they and the logs live in the workspace, where a run's commands may write anything (a symlink included).
 */
export function resolveWorkspaceFile(workspaceDir: string, relative: unknown): string | undefined {
  if (typeof relative !== 'string' || relative === '' || relative.includes('\0')) return undefined;
  const root = path.resolve(workspaceDir);
  const file = path.resolve(root, relative);
  if (!isInside(root, file)) return undefined;
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    // Not written yet (a run's log appears with its first line): it reads as empty until then.
    return file;
  }
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    return undefined;
  }
  return isInside(realRoot, real) ? real : undefined;
}
