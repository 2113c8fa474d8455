// Whether a run has any files/ work to do, asked before the renderer of files/ (render-files.ts) is loaded at all.
import fs from 'node:fs';
import { join } from 'node:path';

/**
 * Where rendered templates wait (in the workspace, beside files/, so a rename moves them into place) until every
 * template has rendered. One at a time per workspace (the caller holds its lock); one left by a killed handoff is
 * removed by the next render.
 */
export const STAGING_FOLDER = '.files-render.handoff-tmp';

/**
 * Where the previous W/files waits while the new tree takes its place (two renames, see swapFolders); removed after.
 * Found at the next render without W/files, handoff was killed between the renames: it is put back, whole.
 */
export const PREVIOUS_FOLDER = '.files-previous.handoff-tmp';

/**
 * Whether a render would do nothing at all: the project has no files/, no killed handoff left a switch or a staging
 * folder, and W/files is absent, not a folder, or empty (what the render of a project without files/ leaves). Asked
 * with synchronous calls, a few system calls: most projects have no files/, and every run renders it before its first
 * command, where a round trip through the thread pool for each of ~8 checks cost more than the checks themselves.
 * Anything else (including a link at P/files, dangling or not) takes the full path, which behaves as before. A run
 * asks it before loading the renderer (render-files.ts), which a project without files/ then never loads (issue #14).
 */
export function nothingToRender(projectDir: string, workspaceDir: string): boolean {
  const absent = (path: string): boolean => fs.lstatSync(path, { throwIfNoEntry: false }) === undefined;
  if (!absent(join(projectDir, 'files')) || !absent(join(workspaceDir, PREVIOUS_FOLDER)) || !absent(join(workspaceDir, STAGING_FOLDER))) return false;
  const targetRoot = join(workspaceDir, 'files');
  const target = fs.lstatSync(targetRoot, { throwIfNoEntry: false });
  return target === undefined || !target.isDirectory() || fs.readdirSync(targetRoot).length === 0;
}
