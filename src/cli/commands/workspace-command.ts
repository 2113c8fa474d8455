// `handoff workspace init|install`: create the workspace folders; create venvs and run install commands.
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../../project/load-project.js';
import { describeNearStage } from '../../secrets/find-local-secrets-file.js';
import { loadLocalSecrets } from '../../secrets/local-secrets.js';
import { maskError } from '../../secrets/mask.js';
import { createRunMasker, runSecretValues } from '../../secrets/run-masker.js';
import { checkTemplateSyntax } from '../../runner/find-template-syntax-problems.js';
import { createTemplateContext } from '../../template/context.js';
import { installCommandPath } from '../../template/field-templates.js';

import { createRenderer, loadTemplateEngine } from '../../template/render.js';
import { InstallStopped, installVenvs, resolveInterpreters, type InstallResult } from '../../workspace/install-venvs.js';
import { ProcessScope } from '../../runner/process-scope.js';
import { graceFromEnv } from './run-in-terminal.js';
import { renderFiles } from '../../workspace/render-files.js';
import { acquireWorkspaceLock } from '../../workspace/workspace-lock.js';
import { checkWorkspaceOwner, recordWorkspaceOwner, type WorkspaceUser } from '../../workspace/workspace-owner.js';
import { assertHandoffWorkspace, assertNoFileForFolder, assertVenvFoldersAreVenvs, assertVenvsApart, assertWorkspaceApart, createWorkspaceFolders, initWorkspace } from '../../workspace/workspace-paths.js';
import { createConsoleLog } from '../console-log.js';
import { locateTemplateProblems } from '../locate-template-problems.js';
import { requireProjectDir, requireWorkspaceDir, type GlobalOptions } from '../global-options.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';

export async function workspaceInitCommand(options: GlobalOptions): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  const workspaceDir = requireWorkspaceDir(options);
  let user: WorkspaceUser | undefined;
  let unowned = false;
  if (options.projectDir) {
    assertWorkspaceApart(options.projectDir, workspaceDir);
    const { project } = await loadProject(options.projectDir).catch(async (error: unknown) => {
      throw await (await import('../add-written-template-problems.js')).addWrittenTemplateProblems(error);
    });
    user = { projectName: project.deploy.task ?? path.basename(project.dir), projectDir: project.dir, command: 'workspace init' };
    unowned = checkWorkspaceOwner({ workspaceDir, ...user }).record !== undefined;
  }
  const { paths, created } = createWorkspaceFolders(workspaceDir, options.projectDir);
  if (user && unowned) {
    // Recorded as a run records it, so that the next command of another project there is refused; checked again under
    // the lock (another project may have taken a fresh workspace meanwhile). A workspace already this project's is not
    // locked: an init there while its run goes on stays harmless.
    const lock = acquireWorkspaceLock(paths.dir, `workspace init -p ${user.projectDir}`);
    try {
      const owner = checkWorkspaceOwner({ workspaceDir: paths.dir, ...user });
      for (const w of owner.warnings) log.log('warning', w);
      const unrecorded = owner.record ? recordWorkspaceOwner(paths.dir, owner.record) : undefined;
      if (unrecorded) log.log('warning', unrecorded);
    } finally {
      lock.release();
    }
  }
  log.log('info', `Workspace ready at ${paths.dir} (files/, artifacts/, runs/)`);
  // --json: `{ workspace, created }`, the folders this call made (absolute paths; [] when all were there).
  if (options.json) process.stdout.write(`${JSON.stringify({ workspace: paths.dir, created }, null, 2)}\n`);
  return 0;
}

/**
 * The --json result of `workspace install`, printed when installs were attempted (also when one failed, exit 1): each
 * entry reached, in order, as installed, unchanged or failed (with its exit code); entries after a failure are not
 * listed. `error` is the failure's message, secrets masked.
 */
export interface WorkspaceInstallJson {
  workspace: string;
  status: 'succeeded' | 'failed';
  installed: number;
  unchanged: number;
  failed: number;
  installs: InstallResult[];
  error?: string;
}

function installJson(workspace: string, installs: InstallResult[], error?: string): WorkspaceInstallJson {
  const count = (status: InstallResult['status']): number => installs.filter((r) => r.status === status).length;
  return {
    workspace,
    status: error === undefined ? 'succeeded' : 'failed',
    installed: count('installed'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    installs,
    ...(error === undefined ? {} : { error }),
  };
}

export async function workspaceInstallCommand(options: GlobalOptions, flags: { force?: boolean }): Promise<number> {
  try {
    return await installWorkspace(options, flags);
  } catch (error) {
    // A template problem is named by its key path (vars[0].value, installs[0].command): point it at project.yml.
    // A refused structure comes with its template syntax errors, all in one answer as config validate gives them.
    const { addWrittenTemplateProblems } = await import('../add-written-template-problems.js');
    throw await locateTemplateProblems(await addWrittenTemplateProblems(error), requireProjectDir(options));
  }
}

async function installWorkspace(options: GlobalOptions, flags: { force?: boolean }): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  const projectDir = requireProjectDir(options);
  const workspaceDir = requireWorkspaceDir(options);
  assertWorkspaceApart(projectDir, workspaceDir);
  const { project, warnings } = await loadProject(projectDir);
  assertVenvsApart(project.dir, workspaceDir, project.installs);
  assertNoFileForFolder(workspaceDir, project.installs);
  assertVenvFoldersAreVenvs(workspaceDir, project.installs);
  assertHandoffWorkspace(workspaceDir, project.dir);
  const user: WorkspaceUser = { projectName: project.deploy.task ?? path.basename(project.dir), projectDir: project.dir, command: 'workspace install' };
  checkWorkspaceOwner({ workspaceDir, ...user });
  for (const w of warnings) log.log('warning', `${w.path ? `${w.path}: ` : ''}${w.message}${w.hint ? ` (${w.hint})` : ''}`);
  const vars = parseCliVars(options.vars);
  const secretsDir = secretsDirVar(vars);
  // `-s PROD` in a project without secrets is warned of as a run warns of it (and loads what the hint below needs).
  const nearStage = await describeNearStage({ projectDir: project.dir, stage: options.stage, secretsDir });
  if (nearStage) log.log('warning', nearStage);
  const secrets = loadLocalSecrets({ projectDir: project.dir, stage: options.stage, secretsDir, envs: project.envs });
  for (const w of secrets.warnings) log.log('warning', w.hint ? `${w.message} (${w.hint})` : w.message);
  const masker = createRunMasker(runSecretValues({ secrets: secrets.secrets, envs: project.envs, cliVars: vars }));
  await loadTemplateEngine();
  const renderer = createRenderer({ strict: options.strict, onWarning: (m) => log.log('warning', masker.mask(m)), masker });
  // Every vars value's and install command's syntax first, so all their problems are listed at once.
  checkTemplateSyntax(project, { staticCommands: [], foreachCommands: [] }, renderer);
  const context = createTemplateContext({
    project,
    stage: options.stage,
    now: new Date(),
    secrets: secrets.secrets,
    cliVars: vars,
    renderer,
    // The original's install read no secrets: a fresh clone (no .secrets/) installs, unless an install names the env.
    onMissingSecret: (problem, key) => {
      if (installsName(project, key)) throw problem;
      log.log('warning', `${project.file}: ${problem.message}: install commands run without ${key} in their environment (they get the project's envs; none names ${key}), and a run refuses to start without it (${problem.fix})`);
    },
  });
  // Render every install command first: a template error installs nothing.
  const commands = project.installs.map((install, i) => renderer.render(install.command, context.values, installCommandPath(i)));
  // A missing interpreter is bad input too: found before the workspace is made or its files rendered.
  const interpreters = await resolveInterpreters(project.installs, project.dir, project.file);

  const paths = initWorkspace(workspaceDir, project.dir);
  const lock = acquireWorkspaceLock(paths.dir, `workspace install -p ${project.dir}`);
  try {
    // Again under the lock (another project may have taken a fresh workspace meanwhile), where it is recorded.
    const owner = checkWorkspaceOwner({ workspaceDir: paths.dir, ...user });
    for (const w of owner.warnings) log.log('warning', w);
    const unrecorded = owner.record ? recordWorkspaceOwner(paths.dir, owner.record) : undefined;
    if (unrecorded) log.log('warning', unrecorded);
  } catch (error) {
    lock.release();
    throw error;
  }
  // Ctrl-C, SIGTERM or a closed terminal end the install processes (SIGTERM, then SIGKILL after the grace period) and
  // the command exits 128 + the signal's number, releasing the workspace lock (the default action would leave it).
  const scope = new ProcessScope();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) return;
    received = signal;
    log.log('warning', `Received ${signal}: stopping the install (its processes get SIGTERM, then SIGKILL after the grace period)`);
    scope.stop('interrupted');
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, onSignal);
  try {
    // Install commands may refer to the project's files (e.g. pip install ./files/my_tap), so render them first.
    await renderFiles({ projectDir: project.dir, workspaceDir: paths.dir, values: context.values, renderer });
    const results: InstallResult[] = [];
    try {
      await installVenvs({
        installs: project.installs,
        workspaceDir: paths.dir,
        force: Boolean(flags.force),
        renderCommand: (_install, i) => commands[i],
        mask: (text) => masker.mask(text),
        env: { ...process.env, ...context.env },
        projectFile: project.file,
        interpreters,
        graceMs: graceFromEnv(),
        stop: scope,
        reporter: {
          info: (m) => log.log('info', masker.mask(m)),
          output: (venv, line) => log.log('info', `[${venv}] ${masker.mask(line)}`),
          warn: (m) => log.log('warning', masker.mask(m)),
          result: (r) => results.push(r),
        },
      });
    } catch (error) {
      if (error instanceof InstallStopped && received) {
        const code = 128 + (os.constants.signals[received] ?? 15);
        log.log('warning', `The install was interrupted by ${received}: the venv it was making is made again by the next install`);
        if (options.json) process.stdout.write(`${JSON.stringify({ ...installJson(paths.dir, results, `interrupted by ${received}`), interrupted: received }, null, 2)}\n`);
        return code;
      }
      // Whatever an install error quotes (a rendered command, a tool's words) may hold a secret.
      const masked = maskError(error, masker);
      if (options.json && results.length > 0) {
        process.stdout.write(`${JSON.stringify(installJson(paths.dir, results, (masked as Error).message), null, 2)}\n`);
      }
      throw masked;
    }
    const summary = installJson(paths.dir, results);
    log.log('info', `Workspace install done: ${summary.installed} installed, ${summary.unchanged} unchanged`);
    if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    lock.release();
  }
}

/**
 * Whether an install command names `key` as a word (`$KEY`, `${KEY}`, `{{ KEY }}`), or names a var whose value does
 * (vars build on earlier vars, so a var naming such a var counts too): such an install needs the env's secret. A script
 * an install starts that reads the environment is not seen; the warning of a missing secret says so.
 */
function installsName(project: { installs: Array<{ command: string }>; vars: Array<{ key: string; value?: unknown }> }, key: string): boolean {
  const names = (text: string, name: string): boolean => new RegExp(`(?<![A-Za-z0-9_])${name.replace(/[^A-Za-z0-9_]/g, '\\$&')}(?![A-Za-z0-9_])`).test(text);
  const needing = [key];
  for (const v of project.vars) {
    if (typeof v.value === 'string' && needing.some((n) => names(v.value as string, n))) needing.push(v.key);
  }
  return project.installs.some((i) => needing.some((n) => names(i.command, n)));
}
