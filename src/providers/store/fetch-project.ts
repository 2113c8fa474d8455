// Fetches a task's project (project.yml, files/) from the store into the workspace, where a run reads it like a project folder.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { Provider } from '../provider.js';
import { getConfig, pullFolder, removeAbandonedIncoming, type TransferResult } from './project-store.js';

/** The fetched copy lives inside the workspace, apart from the folders a run writes (files/, artifacts/, runs/). */
export function resolveFetchedProjectDir(workspaceDir: string): string {
  return path.join(path.resolve(workspaceDir), '.handoff', 'project');
}

/**
 * Replaces `W/.handoff/project` with the stored project.yml and files/. It is assembled in a fresh folder first, so a
 * failed download leaves the previous copy as it was.
 */
export async function fetchProjectCopy(provider: Provider, workspaceDir: string): Promise<{ projectDir: string; files: TransferResult }> {
  const projectDir = resolveFetchedProjectDir(workspaceDir);
  const incoming = `${projectDir}.incoming-${process.pid}`;
  const config = await getConfig(provider);
  await removeAbandonedIncoming(projectDir);
  await rm(incoming, { recursive: true, force: true });
  await mkdir(incoming, { recursive: true });
  try {
    await writeFile(path.join(incoming, 'project.yml'), config);
    const files = await pullFolder(provider, provider.names.s3.filesPrefix, path.join(incoming, 'files'), { replace: true });
    await rm(projectDir, { recursive: true, force: true });
    await rename(incoming, projectDir);
    return { projectDir, files };
  } catch (error) {
    await rm(incoming, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A problem in the fetched copy of the project (its project.yml, a file under files/) is one in what was pushed: the
 * copy is replaced at every run, so the error says where it came from and that the fix goes into the project, pushed
 * again. Other errors pass unchanged.
 */
export function explainFetchedProjectError(error: unknown, fetchedDir: string, storeLocation: string): unknown {
  if (!(error instanceof UserError)) return error;
  const inCopy = (text: string | undefined): boolean => text !== undefined && text.includes(fetchedDir);
  // Template problems in files/ name the file relative to the project (`files/bad.txt`): one the copy holds is its.
  const relativeInCopy = (file: string | undefined): boolean =>
    file !== undefined && !path.isAbsolute(file) && (file === 'project.yml' || file.startsWith('files/')) && existsSync(path.join(fetchedDir, file));
  if (!inCopy(error.message) && !error.diagnostics.some((d) => inCopy(d.location?.file) || relativeInCopy(d.location?.file) || inCopy(d.message))) return error;
  return new UserError(`${error.message} (the copy fetched from the store ${storeLocation}, replaced at every run)`, {
    diagnostics: error.diagnostics,
    exitCode: error.exitCode,
    fix: `${error.fix ? `${error.fix}, ` : ''}in the project folder, not in the copy; then push it again: handoff project push -p <project> (or cloud deploy)`,
    cause: error,
  });
}
