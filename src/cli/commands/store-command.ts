// `config|files|artifacts|project push/get/delete…` and `cloud bucket …`: a task's store, for the local and AWS providers.
import { mkdir, writeFile } from 'node:fs/promises';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../../errors.js';
import { loadProject } from '../../project/load-project.js';
import type { Project } from '../../project/types.js';
import { checkStoredConfig, explainFetchedProjectError, fetchProjectCopy, resolveFetchedProjectDir, stageStoredFiles } from '../../providers/store/fetch-project.js';
import {
  archiveArtifacts,
  deleteArtifacts,
  deleteConfig,
  deleteFiles,
  getArtifacts,
  getConfig,
  pushArtifacts,
  pushConfig,
  pushFiles,
  type TransferResult,
} from '../../providers/store/project-store.js';
import {
  deleteSecrets,
  describeKeptSharedSecrets,
  describeSecretPlan,
  findStaleSecrets,
  checkSecretsFit,
  planSecretsPush,
  pushSecrets,
  readStoreSecrets,
  removeStaleSecrets,
  toRunSecrets,
} from '../../providers/store/store-secrets.js';
import { formatSecretPushLines } from './secrets-command.js';
import { loadLocalSecrets, refuseUnknownFieldsForPush, type Secret } from '../../secrets/local-secrets.js';
import { describeNearStage } from '../../secrets/find-local-secrets-file.js';
import { createRunMasker, runSecretValues } from '../../secrets/run-masker.js';
import { createTemplateContext } from '../../template/context.js';
import { readVarBoolean } from '../../template/parse-vars.js';
import { createRenderer, loadTemplateEngine } from '../../template/render.js';
import { renderFiles } from '../../workspace/render-files.js';
import { checkWorkspaceOwner } from '../../workspace/workspace-owner.js';
import { assertWorkspaceApart, initWorkspace } from '../../workspace/workspace-paths.js';
import { createConsoleLog, type ConsoleLog } from '../console-log.js';
import { requireWorkspaceDir, type GlobalOptions } from '../global-options.js';
import { confirm, lockWorkspace, printResult, requireProject, storeWorkspaceUser, withStoreSession, type StoreSession } from './store-session.js';
import { plural } from '../../plural.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';

function summarize(result: TransferResult): { where: string; count: number; removed?: number } {
  return { where: result.location, count: result.keys.length, ...(result.removed?.length ? { removed: result.removed.length } : {}) };
}

/**
 * Runs a push that SIGINT/SIGTERM stop after the current upload, saying so, instead of ending the process mid-write
 * with nothing said: what is in the store then, and that pushing again completes it. Exits 130/143 as interrupted.
 */
async function pushStoppable<T>(session: StoreSession, what: string, push: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const on = (signal: NodeJS.Signals): void => {
    if (received) return;
    received = signal;
    session.log.log('warning', `Received ${signal} while pushing ${what}: stopping after the current upload`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  try {
    return await push(controller.signal);
  } catch (error) {
    if (!received) throw error;
    throw new UserError(`the push of ${what} was interrupted by ${received}: the store holds part of it (files pushed so far, the previous project.yml)`, {
      exitCode: received === 'SIGINT' ? 130 : 143,
      fix: 'push again: it completes the push and removes what is stale',
    });
  } finally {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  }
}

/** The error with a sentence added to its message (a UserError stays one, with its fix and exit code). */
function appendToError(error: unknown, sentence: string): unknown {
  if (error instanceof UserError) return new UserError(`${error.message}; ${sentence}`, { fix: error.fix, exitCode: error.exitCode, diagnostics: error.diagnostics, cause: error.cause ?? error });
  if (error instanceof Error) return new Error(`${error.message}; ${sentence}`, { cause: error.cause ?? error });
  return error;
}

function storeLog(session: StoreSession) {
  return (level: 'debug' | 'info' | 'warning', message: string): void => session.log.log(level, message);
}

// --- config ---

export function configPushCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: true }, async (session) => {
    const project = requireProject(session);
    const result = await pushConfig(session.provider, project.file);
    session.log.log('info', `Pushed ${project.file} to ${result.location}`);
    printResult(options, { pushed: 'project.yml', where: result.location });
    return 0;
  });
}

export function configGetCommand(options: GlobalOptions): Promise<number> {
  const workspaceDir = requireWorkspaceDir(options);
  return withStoreSession(options, { project: false }, async (session) => {
    const body = await getConfig(session.provider);
    const file = path.join(resolveFetchedProjectDir(workspaceDir), 'project.yml');
    const lock = lockWorkspace(workspaceDir, 'config get', session.log, storeWorkspaceUser(session, 'config get'));
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
    } finally {
      lock.release();
    }
    printResult(options, { saved: file, from: session.provider.objects.describe(session.provider.names.s3.projectKey) });
    return 0;
  });
}

export function configPrintCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const text = (await getConfig(session.provider)).toString('utf8');
    // project.yml holds no secrets (they live in the secret store), so it prints as stored.
    process.stdout.write(options.json ? `${JSON.stringify(parse(text), null, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  });
}

export function configDeleteCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const result = await deleteConfig(session.provider);
    if (result.keys.length === 0) session.log.log('warning', `there was no project.yml at ${result.location}`);
    printResult(options, { deleted: result.keys.length > 0 ? 'project.yml' : null, where: result.location });
    return 0;
  });
}

// --- files ---

export function filesPushCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: true }, async (session) => {
    const project = requireProject(session);
    const result = await pushStoppable(session, `files/ of ${session.provider.names.task}`, (stop) => pushFiles(session.provider, project.dir, storeLog(session), stop));
    session.log.log('info', `Pushed ${plural(result.keys.length, 'file')} from ${path.join(project.dir, 'files')} to ${result.location}`);
    printResult(options, { pushed: summarize(result) });
    return 0;
  });
}

export function filesDeleteCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const result = await deleteFiles(session.provider);
    printResult(options, { deleted: summarize(result) });
    return 0;
  });
}

/** `files get`: the stored files/ rendered with the stored config and secrets into W/files (what `run` does first). */
export function filesGetCommand(options: GlobalOptions): Promise<number> {
  const workspaceDir = requireWorkspaceDir(options);
  return withStoreSession(options, { project: false }, async (session) => {
    // Refused before the workspace is touched: a stored project.yml files get cannot load, or a stored file whose
    // template does not parse, leaves no copy in W/.handoff and no W/files (both checked in a temporary folder).
    const storeLocation = session.provider.objects.describe(session.provider.names.s3.taskPrefix);
    const explainStaged = async (error: unknown, dir: string): Promise<unknown> => {
      const { addWrittenTemplateProblems } = await import('../add-written-template-problems.js');
      return explainFetchedProjectError(await addWrittenTemplateProblems(error), dir, storeLocation);
    };
    const cloudProvider = options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {};
    const config = await checkStoredConfig(session.provider, workspaceDir, async (dir) => void (await loadProject(dir, cloudProvider)), explainStaged);
    const staged = await stageStoredFiles(session.provider, explainStaged, (m) => session.log.log('warning', m));
    let fetched: Awaited<ReturnType<typeof fetchProjectCopy>>;
    let rendered: number;
    // The lock inside: a workspace another handoff holds (exit 2) still removes the staged copy (the finally below).
    let lock: ReturnType<typeof lockWorkspace> | undefined;
    try {
      lock = lockWorkspace(workspaceDir, 'files get', session.log, storeWorkspaceUser(session, 'files get'));
      fetched = await fetchProjectCopy(session.provider, workspaceDir, config, staged);
      const fetchedDir = fetched.projectDir;
      // A refused structure of the copy is reported with its template syntax errors, as `handoff run` reports it.
      const { project } = await loadProject(fetchedDir, options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {}).catch(async (error: unknown) => {
        const { addWrittenTemplateProblems } = await import('../add-written-template-problems.js');
        throw explainFetchedProjectError(await addWrittenTemplateProblems(error), fetchedDir, session.provider.objects.describe(session.provider.names.s3.taskPrefix));
      });
      const secrets = toRunSecrets(await readStoreSecrets(session.provider));
      rendered = await renderProjectFiles(options, session.log, project, secrets, workspaceDir).catch((error: unknown) => {
        throw explainFetchedProjectError(error, fetchedDir, session.provider.objects.describe(session.provider.names.s3.taskPrefix));
      });
    } finally {
      lock?.release();
      await staged?.remove();
    }
    printResult(options, { fetched: summarize(fetched.files), rendered: { into: path.join(path.resolve(workspaceDir), 'files'), files: rendered } });
    return 0;
  });
}

/** `files get local`: P/files rendered with the project's local secrets into W/files. */
export async function filesGetLocalCommand(options: GlobalOptions): Promise<number> {
  const workspaceDir = requireWorkspaceDir(options);
  if (!options.projectDir) throw new UserError('`files get local` needs the project folder', { fix: 'add -p <folder holding project.yml>' });
  assertWorkspaceApart(options.projectDir, workspaceDir);
  // A refused structure is reported with its template syntax errors, as config validate reports it (error path only).
  const { project } = await loadProject(options.projectDir).catch(async (error: unknown) => {
    throw await (await import('../add-written-template-problems.js')).addWrittenTemplateProblems(error);
  });
  const vars = parseCliVars(options.vars);
  const secretsDir = secretsDirVar(vars);
  const log = createConsoleLog(options.logLevel);
  // `-s PROD` renders {{ _stage_ }} as PROD, not prod: warned of as a run warns of it (and loads the hint's matcher).
  const nearStage = await describeNearStage({ projectDir: project.dir, stage: options.stage, secretsDir });
  if (nearStage) log.log('warning', nearStage);
  const loaded = loadLocalSecrets({ projectDir: project.dir, stage: options.stage, secretsDir });
  // No file is only worth a debug line here (rendering needs no secrets); a problem inside the file is a warning.
  for (const w of loaded.warnings) log.log(loaded.fileFound ? 'warning' : 'debug', w.message);
  const lock = lockWorkspace(workspaceDir, 'files get local', log, { projectName: project.deploy.task ?? path.basename(project.dir), projectDir: project.dir, command: 'files get local' });
  let rendered: number;
  try {
    rendered = await renderProjectFiles(options, log, project, loaded.secrets, workspaceDir);
  } finally {
    lock.release();
  }
  printResult(options, { rendered: { from: path.join(project.dir, 'files'), into: path.join(path.resolve(workspaceDir), 'files'), files: rendered } });
  return 0;
}

async function renderProjectFiles(options: GlobalOptions, log: ConsoleLog, project: Project, secrets: Secret[], workspaceDir: string): Promise<number> {
  const vars = parseCliVars(options.vars);
  const masker = createRunMasker(runSecretValues({ secrets, envs: project.envs, cliVars: vars }));
  await loadTemplateEngine();
  const renderer = createRenderer({ strict: options.strict, onWarning: (m) => log.log('warning', masker.mask(m)) });
  const context = createTemplateContext({ project, stage: options.stage, now: new Date(), secrets, cliVars: vars, renderer });
  const paths = initWorkspace(workspaceDir);
  const { files } = await renderFiles({ projectDir: project.dir, workspaceDir: paths.dir, values: context.values, renderer });
  return files;
}

// --- artifacts ---

export function artifactsPushCommand(options: GlobalOptions): Promise<number> {
  const workspaceDir = requireWorkspaceDir(options);
  // A mistyped -w would push nothing and say it pushed: a workspace has an artifacts/ folder once it ran.
  if (!fs.existsSync(path.join(workspaceDir, 'artifacts'))) {
    throw new UserError(`${workspaceDir} has no artifacts/ folder: it is not a workspace that has run`, { fix: 'check -w: it names the workspace of `handoff run` or `run local`' });
  }
  return withStoreSession(options, { project: false }, async (session) => {
    // Another project's artifacts (its Singer state) pushed here would be where this task's next run resumes from.
    checkWorkspaceOwner({ workspaceDir, ...storeWorkspaceUser(session, 'artifacts push') });
    const result = await pushArtifacts(session.provider, workspaceDir, storeLog(session));
    printResult(options, { pushed: summarize(result) });
    return 0;
  });
}

export function artifactsGetCommand(options: GlobalOptions): Promise<number> {
  const workspaceDir = requireWorkspaceDir(options);
  return withStoreSession(options, { project: false }, async (session) => {
    const lock = lockWorkspace(workspaceDir, 'artifacts get', session.log, storeWorkspaceUser(session, 'artifacts get'));
    let result: TransferResult;
    try {
      result = await getArtifacts(session.provider, workspaceDir, storeLog(session));
    } finally {
      lock.release();
    }
    printResult(options, { fetched: { ...summarize(result), into: path.join(path.resolve(workspaceDir), 'artifacts') } });
    return 0;
  });
}

export function artifactsArchiveCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const result = await archiveArtifacts(session.provider);
    if (result.keys.length === 0) session.log.log('warning', `there are no artifacts under ${session.provider.objects.describe(session.provider.names.s3.lastArtifactsPrefix)} to archive`);
    printResult(options, { archived: summarize(result) });
    return 0;
  });
}

export function artifactsDeleteCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const result = await deleteArtifacts(session.provider);
    printResult(options, { deleted: summarize(result) });
    return 0;
  });
}

// --- project ---

/** `project push`: config, files and secrets; every check (project, secrets, sizes) passes before anything is written. */
export function projectPushCommand(options: GlobalOptions): Promise<number> {
  // Read before the session opens: `allow_advanced_tier=yes` is refused, not taken as false.
  const allowAdvancedTier = readVarBoolean(parseCliVars(options.vars), 'allow_advanced_tier', '-v') === true;
  return withStoreSession(options, { project: true }, async (session) => {
    const project = requireProject(session);
    const vars = parseCliVars(options.vars);
    const secretsDir = secretsDirVar(vars);
    const loaded = loadLocalSecrets({ projectDir: project.dir, stage: options.stage, secretsDir, envs: project.envs });
    refuseUnknownFieldsForPush(loaded.unknownFields, 'project push');
    for (const w of loaded.warnings) session.log.log(loaded.fileFound ? 'warning' : 'info', loaded.fileFound ? w.message : `${w.message}; pushing config and files only`);
    const plan = loaded.secrets.length > 0 ? planSecretsPush(session.provider, loaded.secrets, { allowAdvancedTier }) : [];
    await checkSecretsFit(session.provider, plan);
    // Like files/, the task's secrets mirror the file: stored task-level ones it no longer pushes are removed.
    const stale = await findStaleSecrets(session.provider, plan);
    const shared = describeKeptSharedSecrets(stale.keptShared);
    if (shared) session.log.log('warning', shared);
    // Secrets the store holds with these values are not written again (no new version), as in `secrets push`.
    const toWrite = plan.filter((e) => e.push && !stale.unchanged.has(e.name)).length;
    if (toWrite > 0 || stale.remove.length > 0) {
      process.stderr.write(`Secrets to push:\n${formatSecretPushLines(plan, stale.remove, stale.keptShared, stale.unchanged).join('\n')}\n`);
      if (!(await confirm(options, `Push project.yml, files/ and ${plural(toWrite, 'secret')} to the ${session.provider.name} store${stale.remove.length > 0 ? `, and remove ${plural(stale.remove.length, 'stale secret')} from it` : ''}?`))) {
        session.log.log('info', 'Nothing was pushed (answered no)');
        printResult(options, { status: 'aborted' });
        return 0;
      }
    }
    // Files first: a name that cannot be stored is found before anything is written, and a run never sees a new
    // project.yml beside old files.
    const { files, config, written, deleted } = await pushStoppable(session, `the project ${session.provider.names.task}`, async (stop) => {
      const files = await pushFiles(session.provider, project.dir, storeLog(session), stop);
      stop.throwIfAborted();
      const config = await pushConfig(session.provider, project.file);
      const written = await pushSecrets(session.provider, plan, stale.unchanged).catch((error: unknown) => {
        // The store now holds the new project.yml and files/ beside part of the secrets: said with which.
        throw appendToError(error, `project.yml and ${plural(files.keys.length, 'file')} were pushed before the secrets`);
      });
      // After the writes: a run starting in between sees new values beside old ones, never a secret gone early.
      return { files, config, written, deleted: await removeStaleSecrets(session.provider, stale.remove) };
    });
    const removedNote = deleted.length > 0 ? `; removed ${plural(deleted.length, 'stale secret')} (${stale.remove.map((r) => r.key).join(', ')})` : '';
    session.log.log('info', `Pushed project.yml, ${plural(files.keys.length, 'file')} and ${plural(written.length, 'secret')}${stale.unchanged.size > 0 ? ` (${stale.unchanged.size} unchanged)` : ''} of ${session.provider.names.task}${removedNote}`);
    printResult(options, {
      status: 'pushed',
      config: config.location,
      files: summarize(files),
      secrets: describeSecretPlan(session.provider, plan, stale.unchanged),
      ...(stale.remove.length > 0 ? { removed_secrets: stale.remove.map((r) => ({ key: r.key, level: r.level, where: r.location, why: r.why })) } : {}),
    });
    return 0;
  });
}

/** `project delete`: the stored project.yml, files/ and the task's own secrets (resource-group secrets are shared, so kept). */
export function projectDeleteCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const { provider } = session;
    const stored = await readStoreSecrets(provider);
    const taskSecrets = stored.filter((s) => s.level === 'task');
    const shared = stored.length - taskSecrets.length;
    // The resource group's secrets serve its other tasks too: kept, and said so, so a teardown knows what is left.
    const kept = shared > 0 ? `; the resource group's ${plural(shared, 'secret')} stay (other tasks may use them; \`handoff secrets delete\` removes them)` : '';
    const question = `Delete project.yml, files/ and ${plural(taskSecrets.length, 'task secret')} of ${provider.names.task} from the ${provider.name} store (artifacts and run history stay${kept})?`;
    if (!(await confirm(options, question))) {
      session.log.log('info', 'Nothing was deleted (answered no)');
      printResult(options, { status: 'aborted' });
      return 0;
    }
    const config = await deleteConfig(provider);
    const files = await deleteFiles(provider);
    // Deleted last: a refusal midway says project.yml and files/ are already gone (a push brings them back).
    const secrets = await deleteSecrets(provider, taskSecrets.map((s) => ({ key: s.key, level: s.level, push: true }))).catch((error: unknown) => {
      throw afterDeletedFiles(error, `project.yml and files/ of ${provider.names.task} were deleted from the ${provider.name} store; then `);
    });
    if (shared > 0) session.log.log('info', `Kept the resource group's ${plural(shared, 'secret')}: \`handoff secrets delete -p <project>\` removes them once no task of ${provider.names.resourceGroup} needs them`);
    printResult(options, { status: 'deleted', config: config.keys.length > 0 ? config.location : null, files: summarize(files), secrets: secrets.deleted.map((n) => session.provider.parameters.describe(n)), ...(shared > 0 ? { resource_group_secrets_kept: shared } : {}) });
    return 0;
  });
}

/** The secrets' error of a `project delete`, saying first what was deleted before it (the message starts lower case). */
function afterDeletedFiles(error: unknown, before: string): unknown {
  if (!(error instanceof UserError)) return error;
  return new UserError(`${before}${error.message}`, {
    ...(error.fix !== undefined ? { fix: error.fix.replace('then delete again', 'then run project delete again') } : {}),
    exitCode: error.exitCode,
    diagnostics: error.diagnostics,
    cause: error,
  });
}

// --- cloud bucket ---

export function bucketCreateCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const change = await session.provider.bucket.create((m) => session.log.log('info', m));
    session.log.log('info', change.message);
    printResult(options, change);
    return 0;
  });
}

export function bucketDeleteCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const change = await session.provider.bucket.delete((m) => session.log.log('info', m));
    session.log.log(change.action === 'retained' ? 'warning' : 'info', change.message);
    printResult(options, change);
    return 0;
  });
}

export function bucketStatusCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    printResult(options, await session.provider.bucket.status());
    return 0;
  });
}
