// Fetches a task's project (project.yml, files/) from the store into the workspace, where a run reads it like a project folder.
import { cp, lstat, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { removeOnSignal } from './remove-on-signal.js';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { isProcessAlive } from '../../process/process-alive.js';
import type { Provider } from '../provider.js';
import { getConfig, pullFolder, removeAbandonedIncoming, type TransferResult } from './project-store.js';

/** The fetched copy lives inside the workspace, apart from the folders a run writes (files/, artifacts/, runs/). */
export function resolveFetchedProjectDir(workspaceDir: string): string {
  return path.join(path.resolve(workspaceDir), '.handoff', 'project');
}

/**
 * Replaces `W/.handoff/project` with the stored project.yml and files/. It is assembled in a fresh folder first, so a
 * failed download leaves the previous copy as it was. Given `staged` (stageStoredFiles), files/ is that checked copy,
 * moved in (not downloaded again): the run gets the files whose templates were checked. The staged folder is removed
 * before this returns, so nothing of it outlives the fetch (a run killed later leaves none in the temporary folder).
 */
export async function fetchProjectCopy(
  provider: Provider,
  workspaceDir: string,
  storedConfig?: Buffer,
  staged?: StagedFiles,
): Promise<{ projectDir: string; files: TransferResult }> {
  const projectDir = resolveFetchedProjectDir(workspaceDir);
  const incoming = `${projectDir}.incoming-${process.pid}`;
  const config = storedConfig ?? (await getConfig(provider));
  const replaced = `${projectDir}.old-${process.pid}`;
  await removeAbandonedIncoming(projectDir);
  await removeAbandonedIncoming(projectDir, 'old');
  await rm(incoming, { recursive: true, force: true });
  await rm(replaced, { recursive: true, force: true });
  await mkdir(incoming, { recursive: true });
  try {
    await writeFile(path.join(incoming, 'project.yml'), config);
    const files = staged
      ? (await moveFolder(staged.dir, path.join(incoming, 'files')), staged.files)
      : await pullFolder(provider, provider.names.s3.filesPrefix, path.join(incoming, 'files'), { replace: true });
    // The previous copy is set aside, not removed in place: a kill while its files are removed (the slow part, now
    // that the files are moved in at once) leaves a whole copy, the new one; the next fetch removes the old.
    await rename(projectDir, replaced).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(incoming, projectDir);
    await rm(replaced, { recursive: true, force: true });
    return { projectDir, files };
  } catch (error) {
    await rm(incoming, { recursive: true, force: true });
    throw error;
  } finally {
    await staged?.remove();
  }
}

/** Moves a folder; across file systems (a /tmp of its own: EXDEV) by copying it, the source removed by its owner. */
async function moveFolder(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(from, to, { recursive: true });
  }
}

const STAGING_PREFIX = 'handoff-stored-';
const DAY_MS = 24 * 3600 * 1000;

/** A staging folder in the temporary folder, named after this process so a sweep can tell a live owner's from a killed one's. */
function makeStagingDir(kind: 'copy' | 'files'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `${STAGING_PREFIX}${kind}-${process.pid}-`));
}


/**
 * Removes the staging folders a handoff killed mid-check (SIGKILL, OOM, a signal before the run's handlers) left in
 * the temporary folder: those untouched for over a day whose owner pid (in the name) is gone. Best effort: a folder
 * of another user, or one removed meanwhile, is skipped.
 */
export async function sweepAbandonedStaging(tmpDir: string = os.tmpdir(), now: number = Date.now()): Promise<void> {
  for (const name of await readdir(tmpDir).catch(() => [] as string[])) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(/^handoff-stored-(?:copy|files)-(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || isProcessAlive(pid))) continue;
    const dir = path.join(tmpDir, name);
    const stat = await lstat(dir).catch(() => undefined);
    if (!stat?.isDirectory() || now - stat.mtimeMs < DAY_MS) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The system error code under a store's wrapping (ENOSPC, EROFS, EACCES), for a warning; else the error's name. */
function errorCode(error: unknown): string {
  for (let e = error as { code?: unknown; cause?: unknown; name?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return error instanceof Error ? error.name : 'unknown error';
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

/**
 * The store's project.yml, read and checked before anything is made in the workspace, as `handoff run` needs it: a copy
 * the run would refuse leaves the workspace as it was (no W/files, W/artifacts, W/runs, no copy in W/.handoff), and
 * the error names the stored file. The check runs on a copy in a temporary folder (removed after); `check` is the
 * run's own check of a project folder, whose errors `explain` locates there. A copy the workspace already holds with
 * the same bytes passed that check when it was fetched, so it is not checked again. Returns the bytes, for the fetch.
 */
export async function checkStoredConfig(
  provider: Provider,
  workspaceDir: string,
  check: (stagedProjectDir: string) => Promise<void>,
  explain: (error: unknown, stagedProjectDir: string) => Promise<unknown>,
): Promise<Buffer> {
  const config = await getConfig(provider);
  const fetched = path.join(resolveFetchedProjectDir(workspaceDir), 'project.yml');
  if (readIfFile(fetched)?.equals(config)) return config;
  let staging: string;
  try {
    staging = await makeStagingDir('copy');
  } catch {
    // No temporary folder to check in (a read-only root file system, a TMPDIR that is not a folder): the run's own
    // load checks the copy, as it did before this early check, after the workspace is made.
    return config;
  }
  const uninstall = removeOnSignal(staging);
  const stagedProjectDir = path.join(staging, 'project');
  try {
    await mkdir(stagedProjectDir);
    await writeFile(path.join(stagedProjectDir, 'project.yml'), config);
    await check(stagedProjectDir);
  } catch (error) {
    const explained = await explain(error, stagedProjectDir);
    throw nameStoredFile(explained, [
      [path.join(stagedProjectDir, 'project.yml'), provider.objects.describe(provider.names.s3.projectKey)],
      [stagedProjectDir, provider.objects.describe(provider.names.s3.taskPrefix)],
    ]);
  } finally {
    try {
      await rm(staging, { recursive: true, force: true });
    } finally {
      uninstall();
    }
  }
  return config;
}

/**
 * The store's files/, fetched into a temporary folder whose templates' syntax was checked (stageStoredFiles).
 * fetchProjectCopy moves them into the workspace and removes the folder; a command that stops before (a workspace
 * another handoff holds) removes it itself.
 */
export interface StagedFiles {
  dir: string;
  files: TransferResult;
  remove(): Promise<void>;
}

/**
 * The store's files/, fetched into a temporary folder and their templates' syntax checked as `config validate` checks
 * a project's files/, before anything is made in the workspace: a broken template the run would find only when it
 * renders files (after W/files and W/artifacts are made) is refused first, naming the file and line, and nothing is
 * made. `explain` locates the errors in the staged project folder. Undefined when no temporary folder can hold them:
 * the run's own rendering checks the files then, as before this early check, and `warn` says so (the check is later).
 */
export async function stageStoredFiles(
  provider: Provider,
  explain: (error: unknown, stagedProjectDir: string) => Promise<unknown>,
  warn: (message: string) => void,
): Promise<StagedFiles | undefined> {
  const fallback = (error: unknown): undefined => {
    warn(
      `the stored files/ could not be fetched into the temporary folder ${os.tmpdir()} to check their templates first (${errorCode(error)}): ` +
        'they are fetched into the workspace directly, and a template that does not parse is found when the files are rendered (after the workspace is made)',
    );
    return undefined;
  };
  await sweepAbandonedStaging();
  let staging: string;
  try {
    staging = await makeStagingDir('files');
  } catch (error) {
    return fallback(error);
  }
  const uninstall = removeOnSignal(staging);
  const remove = async (): Promise<void> => {
    try {
      await rm(staging, { recursive: true, force: true });
    } finally {
      uninstall();
    }
  };
  const stagedProjectDir = path.join(staging, 'project');
  const dir = path.join(stagedProjectDir, 'files');
  try {
    let files: TransferResult;
    try {
      await mkdir(stagedProjectDir);
      files = await pullFolder(provider, provider.names.s3.filesPrefix, dir, { replace: false });
    } catch (error) {
      // The temporary folder cannot hold the files (ENOSPC on a small /tmp, EROFS; each store wraps that its own way):
      // the run fetches them into the workspace as before this early check, and its rendering checks them. A store
      // fault that is no write of ours meets the run's own fetch, which reports it as it did; a UserError is said now.
      if (!(error instanceof UserError)) {
        await remove();
        return fallback(error);
      }
      throw error;
    }
    if (files.keys.length > 0) {
      // Loaded only here: the renderer of files/ and the template engine (most files are data, not compiled).
      const { checkFileTemplateSyntax } = await import('../../workspace/render-files.js');
      const { createRenderer } = await import('../../template/render.js');
      await checkFileTemplateSyntax({ projectDir: stagedProjectDir, renderer: createRenderer({ strict: false, onWarning: () => undefined }) });
    }
    return { dir, files, remove };
  } catch (error) {
    try {
      const explained = await explain(error, stagedProjectDir);
      throw nameStoredFile(explained, [
        [dir, provider.objects.describe(provider.names.s3.filesPrefix).replace(/\/+$/, '')],
        [stagedProjectDir, provider.objects.describe(provider.names.s3.taskPrefix)],
      ]);
    } finally {
      await remove();
    }
  }
}

function readIfFile(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The error with the staged paths replaced by the store's (message, fix, diagnostics): the staged copy is gone. */
function nameStoredFile(error: unknown, pairs: [staged: string, stored: string][]): unknown {
  if (!(error instanceof UserError)) return error;
  const swap = (text: string): string => pairs.reduce((t, [staged, stored]) => t.split(staged).join(stored), text);
  return new UserError(swap(error.message), {
    ...(error.fix !== undefined ? { fix: swap(error.fix) } : {}),
    exitCode: error.exitCode,
    diagnostics: error.diagnostics.map((d) => ({
      ...d,
      message: swap(d.message),
      ...(d.hint !== undefined ? { hint: swap(d.hint) } : {}),
      ...(d.location ? { location: { ...d.location, ...(d.location.file !== undefined ? { file: swap(d.location.file) } : {}) } } : {}),
    })),
    cause: error,
  });
}
