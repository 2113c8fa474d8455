// Shared by the store commands: open the chosen provider for a project (or -e names), print results, ask to confirm.
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { formatDiagnostic, UserError } from '../../errors.js';
import { loadProject } from '../../project/load-project.js';
import type { Project } from '../../project/types.js';
import { createProvider, type DeployTarget, type Provider } from '../../providers/provider.js';
import { locateDeployErrors } from '../../providers/deploy/locate-deploy-error.js';
import { resolveDeployTarget, TARGET_ENV_KEYS } from '../../providers/store/deploy-target.js';
import { sayStoreMissing, StoreMissingError } from '../../providers/store/store-missing.js';
import { readStoreSecrets } from '../../providers/store/store-secrets.js';
import { describeNearStage } from '../../secrets/find-local-secrets-file.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';
import { markAbandonedRuns } from '../../runs/run-history.js';
import { parseVarTexts, parseVarTokens, type VarValue } from '../../template/parse-vars.js';
import { acquireWorkspaceLock, type WorkspaceLock } from '../../workspace/workspace-lock.js';
import { checkWorkspaceOwner, recordWorkspaceOwner, type WorkspaceUser } from '../../workspace/workspace-owner.js';
import { initWorkspace } from '../../workspace/workspace-paths.js';
import { createConsoleLog, type ConsoleLog } from '../console-log.js';
import { projectDirNeeded, type GlobalOptions } from '../global-options.js';
import { graceFromEnv } from './run-in-terminal.js';

export interface StoreSession {
  provider: Provider;
  target: DeployTarget;
  /** The project of `-p`, when the command was given one. */
  project?: Project;
  /** `-e` values other than resource_group, task and bucket. */
  extraEnvs: Record<string, VarValue>;
  log: ConsoleLog;
}

/** A command's own checks once it is known which provider and task it is for, before the provider is opened. */
export type TargetCheck = (target: DeployTarget, project: Project | undefined) => { project: boolean } | void | Promise<{ project: boolean } | void>;

/**
 * Loads `-p`'s project when given (or required), resolves which task's store to use, and opens its provider. Every
 * check that can fail on input happens here, before any command writes anything (or calls the cloud).
 */
export async function openStoreSession(options: GlobalOptions, need: { project: boolean }, check?: TargetCheck): Promise<StoreSession> {
  const log = createConsoleLog(options.logLevel);
  if (need.project && !options.projectDir) {
    throw projectDirNeeded();
  }
  let project: Project | undefined;
  if (options.projectDir) {
    // `deploy` is checked for the provider this command opens: --cloud-provider wins over project.yml's.
    // A refused structure is reported with its template syntax errors, as config validate reports it (error path only).
    const loaded = await loadProject(options.projectDir, options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {}).catch(async (error: unknown) => {
      throw await (await import('../add-written-template-problems.js')).addWrittenTemplateProblems(error);
    });
    project = loaded.project;
    for (const w of loaded.warnings) log.log('warning', formatDiagnostic(w).replace(/^warning: /, ''));
    // `-s PROD` for a project without secrets names another store than prod's: warned of as a run warns of it.
    const secretsDir = secretsDirVar(parseCliVars(options.vars));
    const nearStage = await describeNearStage({ projectDir: project.dir, stage: options.stage, ...(secretsDir !== undefined ? { secretsDir } : {}) });
    if (nearStage) log.log('warning', nearStage);
  }
  // The store's names (resource_group, task, bucket) are the text given: `f` and `007` are not the false and 7 that
  // template values convert to, which named another store (handoff-dev-false, task 7).
  const envTexts = parseVarTexts(options.envs, '-e');
  const envs: Record<string, VarValue> = { ...parseVarTokens(options.envs, '-e') };
  for (const k of TARGET_ENV_KEYS) if (envTexts[k] !== undefined) envs[k] = envTexts[k];
  const target = resolveDeployTarget({
    deploy: project?.deploy,
    projectFile: project?.file,
    envs,
    cloudProvider: options.cloudProvider,
    profile: options.cloudProfile,
    stage: options.stage,
    hostEnv: process.env,
  });
  const needed = await check?.(target, project);
  if (needed?.project && !project) throw projectDirNeeded();
  const open = () => createProvider(target, { log: (level, message) => log.log(level, message), entryScript: process.argv[1] });
  // A name of project.yml the provider refuses (deploy.task) is shown at its line; one given with -e is not in the file.
  const namedInFile = project !== undefined && !TARGET_ENV_KEYS.some((k) => envs[k] !== undefined);
  const provider = namedInFile ? await locateDeployErrors(project!.file, open) : await open();
  const extraEnvs: Record<string, VarValue> = {};
  for (const [k, v] of Object.entries(envs)) if (!(TARGET_ENV_KEYS as readonly string[]).includes(k)) extraEnvs[k] = v;
  return { provider, target, project, extraEnvs, log };
}

/** Results go to stdout as YAML, or JSON with --json. */
export function printResult(options: GlobalOptions, value: unknown): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 }));
}

/**
 * Asks a yes/no question on stderr and reads the answer from stdin. `-y` / `-n` answer without asking. Without a
 * terminal, an answer can still be piped in (`echo y | handoff …`); when stdin has nothing to say (CI, /dev/null) the
 * command refuses instead of waiting forever.
 */
export async function confirm(options: GlobalOptions, question: string): Promise<boolean> {
  if (options.yes) return true;
  if (options.no) return false;
  process.stderr.write(`${question} [y/N] `);
  const answer = await readOneLine();
  if (answer === undefined) {
    process.stderr.write('\n');
    throw new UserError('this command asks for confirmation, but there is no answer on standard input (no terminal)', {
      fix: 'add -y to proceed without asking (or -n to answer no), e.g. in CI',
    });
  }
  return /^\s*y(es)?\s*$/i.test(answer);
}

function readOneLine(): Promise<string | undefined> {
  return new Promise((resolve) => {
    let stdin: NodeJS.ReadStream;
    try {
      stdin = process.stdin;
    } catch {
      resolve(undefined);
      return;
    }
    const rl = createInterface({ input: stdin, terminal: false });
    let done = false;
    const finish = (value: string | undefined): void => {
      if (done) return;
      done = true;
      rl.close();
      stdin.pause();
      resolve(value);
    };
    rl.once('line', (line) => finish(line));
    rl.once('close', () => finish(undefined));
    stdin.once('error', () => finish(undefined));
  });
}

/** `-p` is required, with the same message everywhere. */
export function requireProject(session: StoreSession): Project {
  if (!session.project) throw projectDirNeeded();
  return session.project;
}

/** Opens a session, runs `body`, and always releases the provider's clients so handoff exits promptly. */
export async function withStoreSession<T>(options: GlobalOptions, need: { project: boolean; reads?: boolean }, body: (session: StoreSession) => Promise<T>, check?: TargetCheck): Promise<T> {
  const session = await openStoreSession(options, need, check);
  try {
    return await body(session);
  } catch (error) {
    // The provider does not know the project folder: the fix of a missing store is made here, for this -p and -s.
    if (error instanceof StoreMissingError) {
      const { names } = session.provider;
      // The -e that named the store is repeated: without it the fix would create the project.yml's store instead.
      const texts = parseVarTexts(options.envs, '-e');
      const named = TARGET_ENV_KEYS.filter((k) => texts[k] !== undefined).map((k) => shellWord(`${k}=${texts[k]}`));
      throw sayStoreMissing(error, { ...(options.projectDir ? { projectDir: options.projectDir } : {}), stage: options.stage, resourceGroup: names.resourceGroup, task: names.task, ...(named.length > 0 ? { envArgs: `-e ${named.join(' ')}` } : {}) }, need.reads === true);
    }
    throw error;
  } finally {
    session.provider.close();
  }
}

/**
 * Takes the workspace's lock before a command writes into it from the store (`run`, `artifacts get`, `files get`,
 * `config get`): a run going on there must never see its artifacts (its Singer state, its stdout log) replaced under
 * it. A lock left by a killed run is taken over, and what that run left running is ended first, as `run local` does.
 * With `user`, a workspace of another project is refused (checkWorkspaceOwner) before anything is made and again under
 * the lock, where its owner is recorded unless `record` is false (a run records it with its record).
 */
export function lockWorkspace(workspaceDir: string, command: string, log: ConsoleLog, user?: WorkspaceUser & { record?: boolean }): WorkspaceLock {
  if (user) checkWorkspaceOwner({ workspaceDir, ...user });
  const paths = initWorkspace(workspaceDir);
  const lock = acquireWorkspaceLock(paths.dir, command);
  try {
    if (user) {
      const owner = checkWorkspaceOwner({ workspaceDir: paths.dir, ...user });
      for (const w of owner.warnings) log.log('warning', w);
      const unrecorded = owner.record && user.record !== false ? recordWorkspaceOwner(paths.dir, owner.record) : undefined;
      if (unrecorded) log.log('warning', unrecorded);
    }
  } catch (error) {
    lock.release();
    throw error;
  }
  if (lock.recoveredFrom) {
    log.log('warning', `took over a stale workspace lock left by pid ${lock.recoveredFrom.pid} (started ${lock.recoveredFrom.startedAt})`);
    for (const abandoned of markAbandonedRuns(paths.runsDir, { graceMs: graceFromEnv() })) {
      const ended = abandoned.endedPids.length > 0 ? `; ended the processes it had left running (pids ${abandoned.endedPids.join(', ')})` : '';
      log.log('warning', `run ${abandoned.runId} was left running by a handoff that is gone${ended}; marked interrupted`);
    }
  }
  return lock;
}

/**
 * The project a store command writes into a workspace for: `-p`'s project, else the store's task by its name (the copy
 * fetched from a store has no folder of its own).
 */
export function storeWorkspaceUser(session: Pick<StoreSession, 'project' | 'target'>, command: string): WorkspaceUser {
  const { project } = session;
  return project
    ? { projectName: project.deploy.task ?? path.basename(project.dir), projectDir: project.dir, command }
    : { projectName: session.target.task, command };
}

/** The store's secret keys; a store not made yet (a first deploy) holds none. */
export async function readStoredKeys(session: StoreSession): Promise<{ key: string; level: string }[]> {
  try {
    return (await readStoreSecrets(session.provider)).map((s) => ({ key: s.key, level: s.level }));
  } catch (error) {
    if (error instanceof UserError || error instanceof StoreMissingError) return [];
    throw error;
  }
}

/** A word as a shell reads it back: quoted only when it holds anything beyond letters, digits and `=_./:@-`. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9=_./:@-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
