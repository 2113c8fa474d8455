// `run local`: loads the project, its local secrets and variables, prepares the workspace and runs — the library API.
import fs from 'node:fs';
import path from 'node:path';
import { findLauncher } from '../process/launcher-path.js';
import { prefetchOsPipes } from '../process/os-pipe.js';
import { loadProjectWithCache } from '../workspace/load-project-with-cache.js';
import type { Project, Task } from '../project/types.js';
import type { Diagnostic, UserError } from '../errors.js';
import { describeNearStage, findLocalSecretsFile, type LocalSecretsInput } from '../secrets/find-local-secrets-file.js';
import type { Secret } from '../secrets/local-secrets.js';
import { describeUnmaskableSecrets, findUnmaskableSecrets, maskError, type Masker } from '../secrets/mask.js';
import { createRunMasker, runSecretValues } from '../secrets/run-masker.js';
import { createTemplateContext, toLineSafe, withLine } from '../template/context.js';
import { installCommandPath } from '../template/field-templates.js';
import { createRenderer, holdsTemplateSyntax, loadTemplateEngine, type Renderer } from '../template/render.js';
import { nothingToRender } from '../workspace/files-to-render.js';
import { acquireWorkspaceLock, type WorkspaceLock } from '../workspace/workspace-lock.js';
import { checkWorkspaceOwner, recordWorkspaceOwner, type WorkspaceUser } from '../workspace/workspace-owner.js';
import { assertHandoffWorkspace, assertNoFileForFolder, assertVenvFoldersAreVenvs, assertVenvsApart, assertWorkspaceApart, initWorkspace, resolveWorkspacePaths, type WorkspacePaths } from '../workspace/workspace-paths.js';
import { markAbandonedRuns, RUN_ID_VARIABLE } from '../runs/run-history.js';
import { processStderrLogPath, type RunTrigger } from '../runs/run-record.js';
import type { StderrLimits } from '../runs/stderr-limits.js';
import { jobIdFromEnv, RunRecorder, triggerFromEnv, type RecordedOutcome } from '../runs/run-recorder.js';
import { singerStateSources } from '../runs/singer-state.js';
import type { RunEvent, RunResult } from './events.js';
import { relativeTo } from './artifact-names.js';
import { checkRunEnvironment, type EnvOrigin } from './check-run-environment.js';
import { checkTemplateSyntax } from './find-template-syntax-problems.js';
import { planRun, type RunPlan } from './plan-run.js';
import { checkCommandTemplates, checkVenvsInstalled, createRunId, DEFAULT_GRACE_MS, runProject, type RunInterrupt } from './run-project.js';
import { isoTime } from '../iso-time.js';
import { ProcessScope } from './process-scope.js';
import { secretsDirVar } from '../secrets/secrets-dir-var.js';

export interface LocalRunOptions {
  projectDir: string;
  workspaceDir: string;
  stage: string;
  /**
   * Called before project.yml is parsed and checked in full, which a workspace's cache spares a rerun of an unchanged
   * project: the heavy part of a first run (the CLI lets V8's optimizing compiler work from there on).
   */
  beforeProjectCheck?: () => void;
  /** Parsed `-v` values; `secrets_dir` among them points at another secrets folder. */
  vars: Record<string, unknown>;
  /** `--cloud-provider` of a run that uses a store (`run`, `run local -a`): `deploy` is checked for that cloud. */
  cloudProvider?: string;
  /** `--cloud-provider` of a run without a store, checked: it overrides `deploy.cloud_provider` (HO_CLOUD_PROVIDER), per SPEC §1. */
  cloudProviderOverride?: Project["deploy"]["cloud_provider"];
  /** `-e` values: exported to every command over the project's envs, as the original's `run local` did, and template variables. */
  envs?: Record<string, string>;
  strict: boolean;
  /** Secrets fetched elsewhere (a remote store); when absent they are read from the project's .secrets/ folder. */
  secrets?: Secret[];
  /** Keys of other secrets, whose values the run does not hold (`push: false` ones of a store run's `-p`): a `-v`/`-e` value given for one is masked. */
  secretKeys?: readonly string[];
  timeoutSeconds?: number;
  graceMs?: number;
  /** What started the run, for its record (default: $HANDOFF_TRIGGER, else manual). */
  trigger?: RunTrigger;
  emit: (event: RunEvent) => void;
  /**
   * Create missing venvs (and re-run changed install commands) before the run, as `workspace install` would: for runs
   * from the store, whose fresh workspaces have none. `run local` leaves that to an explicit `workspace install`.
   */
  installVenvs?: boolean;
  /** How much of a process's stderr the run's copies show when the whole is kept elsewhere (default: 1 MiB and 256 KiB). */
  stderrLimits?: StderrLimits;
  /** Receives the writer of the run's console log (W/runs/<id>/console.log) while the run goes on, then undefined. */
  attachConsoleLog?: (write: ((line: string) => void) | undefined) => void | Promise<void>;
  /**
   * Called once the run's record is complete, while its console log still takes lines: the caller's summary (state,
   * outcome) then ends the log as it ends the terminal. `outcome` is what the finished record says (masked).
   */
  onRecorded?: (result: RunResult, outcome: RecordedOutcome) => void | Promise<void>;
  /**
   * A `--dry-run`, which runs nothing: an env whose secret is missing is a warning (the plan is shown without it, as
   * SPEC §4 makes a missing secrets file a warning) instead of a refusal; a run refuses it.
   */
  dryRun?: boolean;
  /** The workspace lock when the caller already holds it (`handoff run` takes it before it fetches into the workspace). */
  workspaceLock?: WorkspaceLock;
}

/** Everything a run needs that is read from input, resolved before any file is written or process started. */
export interface PreparedRun {
  project: Project;
  paths: WorkspacePaths;
  secrets: Secret[];
  masker: Masker;
  renderer: Renderer;
  values: Record<string, unknown>;
  env: Record<string, string>;
  runId: string;
  startedAt: Date;
  plan: RunPlan;
  /** The project as the workspace's owner check knows it: checked again under the workspace lock, recorded with the run. */
  workspaceUser: WorkspaceUser;
  /** The warnings of the owner check before the lock (said once). */
  workspaceOwnerWarnings: string[];
}

/** Reads and checks the project, secrets and variables; writes nothing but the validated-project cache of an existing workspace. */
export async function prepareLocalRun(options: LocalRunOptions): Promise<PreparedRun> {
  assertWorkspaceApart(options.projectDir, options.workspaceDir);
  // Before the project cache is written into W/.handoff: a folder that is not handoff's is left as it was.
  assertHandoffWorkspace(options.workspaceDir, options.projectDir);
  const userOf = (project: Project): WorkspaceUser => {
    // A project fetched from a store into the workspace (`handoff run`) has no folder of its own: it is known by its
    // name (deploy.task), as the store is.
    const fetched = realOrResolved(project.dir).startsWith(`${realOrResolved(options.workspaceDir)}${path.sep}`);
    return { projectName: project.deploy.task ?? path.basename(project.dir), ...(fetched ? {} : { projectDir: project.dir }), stage: options.stage };
  };
  const { project, warnings } = await loadProjectWithCache(options.projectDir, options.workspaceDir, {
    beforeFullLoad: options.beforeProjectCheck,
    // Another project's workspace is refused before this project is kept in it.
    beforeKeep: (loaded) => void checkWorkspaceOwner({ workspaceDir: options.workspaceDir, ...userOf(loaded.project) }),
    ...(options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {}),
  });
  assertVenvsApart(project.dir, options.workspaceDir, project.installs);
  // Before anything is written; venvs only matter to a run that installs them.
  assertNoFileForFolder(options.workspaceDir, options.installVenvs ? project.installs : []);
  if (options.installVenvs) assertVenvFoldersAreVenvs(options.workspaceDir, project.installs);
  const warn = (message: string): void => options.emit({ type: 'log', level: 'warning', message });
  for (const w of warnings) warn(formatWarning(w.location?.file, w.location?.line, w.path, w.message, w.hint));
  const workspaceUser = userOf(project);
  const owner = checkWorkspaceOwner({ workspaceDir: options.workspaceDir, ...workspaceUser });
  for (const w of owner.warnings) warn(w);
  // SPEC §2 does not require tasks, but a run of none (a misspelt `tasks:` key, warned above) is not silently a success.
  if (project.tasks.length === 0) warn(`${project.file} has no tasks: nothing to run`);

  const secretsDir = secretsDirVar(options.vars);
  // Without secrets a missing file is a quiet note, so `-s PROD` would run silently as another stage than prod (every
  // name prefixed `PROD_`): a stage near a known one is warned about once (describeNearStage, shared by the commands
  // that read -s). Asked before the secrets are read: it loads the typo matcher their missing-file hint may need.
  // Secrets given by the caller (a store's, for `handoff run`) belong to this stage: it is one the store knows.
  const nearStage = options.secrets ? undefined : await describeNearStage({ projectDir: project.dir, stage: options.stage, secretsDir });
  const loaded = options.secrets ? { secrets: options.secrets, warnings: [] } : await readLocalSecrets({ projectDir: project.dir, stage: options.stage, secretsDir });
  // A project without any .secrets/ folder simply has no secrets: say so quietly; a folder without this stage's file is worth a warning.
  const hasSecretsFolder = secretsDir !== undefined || fs.existsSync(path.join(project.dir, '.secrets'));
  for (const w of loaded.warnings) options.emit({ type: 'log', level: hasSecretsFolder ? 'warning' : 'debug', message: w.hint ? `${w.message} (${w.hint})` : w.message });
  if (nearStage) warn(nearStage);
  // A -v/-e value given for a secret's key is the secret this run uses: masked as the file's value would be.
  const masker = createRunMasker(runSecretValues({ secrets: loaded.secrets, envs: project.envs, keys: options.secretKeys, cliVars: options.vars, cliEnvs: options.envs }));
  const short = findUnmaskableSecrets(loaded.secrets);
  if (short.length > 0) warn(describeUnmaskableSecrets(short));

  if (mayHoldTemplates(project)) await loadTemplateEngine();

  const paths = resolveWorkspacePaths(options.workspaceDir);
  const startedAt = new Date();
  const runId = createRunId(startedAt);
  const renderer = createRenderer({ strict: options.strict, onWarning: (m) => warn(masker.mask(m)) });
  const plan = planRun(project);
  // Every template's syntax before the vars are rendered: a broken var is then listed with the commands' problems
  // instead of stopping the run alone, and a broken install command is refused as config validate refuses it.
  // (Only templates that need the engine are compiled, and the engine is loaded whenever one does.)
  maskingErrors(masker, () => checkTemplateSyntax(project, plan, renderer));
  // Always defined (empty without saved state) so `{% if _state_file %}--state {{ _state_file }}{% endif %}` works under --strict.
  const stateFile = fs.existsSync(paths.stateFile) ? 'artifacts/state.json' : '';
  const context = maskingErrors(masker, () => createTemplateContext({
    project: options.cloudProviderOverride === undefined ? project : { ...project, deploy: { ...project.deploy, cloud_provider: options.cloudProviderOverride } },
    stage: options.stage,
    now: startedAt,
    secrets: loaded.secrets,
    cliVars: options.vars,
    cliEnvs: options.envs,
    runId,
    stateFile,
    renderer,
    ...(options.dryRun
      ? { onMissingSecret: (problem: UserError) => warn(masker.mask(`${project.file}: ${problem.message}: the plan is shown without it, and a run refuses to start without it (${problem.fix})`)) }
      : {}),
  }));
  checkRunEnvironment(context.env, (key) => describeEnvOrigin(key, project, loaded.secrets, options.envs));
  return {
    project,
    paths,
    secrets: loaded.secrets,
    masker,
    renderer,
    values: context.values,
    env: context.env,
    runId,
    startedAt,
    plan,
    workspaceUser,
    workspaceOwnerWarnings: owner.warnings,
  };
}

/** Where the run's value of an environment variable comes from (the layers of createTemplateContext, last winning). */
function describeEnvOrigin(key: string, project: Project, secrets: readonly Secret[], cliEnvs: Record<string, string> | undefined): EnvOrigin {
  if (cliEnvs && Object.hasOwn(cliEnvs, key)) return { describe: `-e ${key}` };
  const index = project.envs.map((e) => e.key).lastIndexOf(key);
  if (index === -1) return { describe: 'a deploy key of project.yml' };
  if (project.envs[index]!.value !== undefined) return { describe: `envs[${index}] of project.yml`, path: `envs[${index}].value`, location: { file: project.file } };
  const secret = secrets.find((s) => s.key === key);
  return { describe: `secret "${key}"${secret ? ` of ${secret.source}` : ''}, taken by envs[${index}]`, path: `envs[${index}]`, location: { file: project.file } };
}

/** The stage's local secrets; the secrets reader (and its YAML parser) is loaded only when there is a file to read. */
async function readLocalSecrets(input: LocalSecretsInput): Promise<{ secrets: Secret[]; warnings: Diagnostic[] }> {
  const found = findLocalSecretsFile(input);
  if (!found.exists) return { secrets: [], warnings: found.warnings };
  return (await import('../secrets/local-secrets.js')).loadLocalSecrets(input);
}

/**
 * Whether a run of `project` can meet a template: everything it renders comes from project.yml (commands, vars, envs,
 * installs) or from the files/ folder. A project with neither does not load the template engine.
 */
function mayHoldTemplates(project: Project): boolean {
  try {
    if (holdsTemplateSyntax(JSON.stringify(project))) return true;
  } catch {
    return true;
  }
  return fs.existsSync(path.join(project.dir, 'files'));
}

function formatWarning(file: string | undefined, line: number | undefined, keyPath: string | undefined, message: string, hint?: string): string {
  const where = [file && line ? `${file}:${line}` : file, keyPath].filter(Boolean).join(': ');
  return `${where ? `${where}: ` : ''}${message}${hint ? ` (${hint})` : ''}`;
}

/**
 * Whether a run joins processes with FIFOs at all: `commands:` tasks need none (their launcher relays stderr), nor do
 * pipelines of commands only, whose pipes the run's launcher worker makes (run-pipeline.ts, startPlainPipeline).
 */
function hasActivePipeline(tasks: Task[]): boolean {
  return tasks.some(
    (t) =>
      t.active &&
      ((t.body.kind === 'pipeline' && t.body.elements.some((e) => e.kind !== 'command')) || (t.body.kind === 'tasks' && hasActivePipeline(t.body.tasks))),
  );
}

/** Runs `work`; an error it throws has secret values masked, since errors are printed as they are. */
function maskingErrors<T>(masker: Masker, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw maskError(error, masker);
  }
}

/**
 * What `--dry-run` checks of a prepared run without writing anything: the templates of files/, rendered in memory
 * with the run's values, so a dry run refuses a broken file as the run would. Errors leave with secrets masked.
 */
export async function checkLocalRunFiles(run: PreparedRun): Promise<void> {
  // Without files/ there is nothing to check, and the renderer is not loaded (a realpath of files/ is what it asks
  // first). A files/ that cannot be looked at (EACCES, ELOOP) goes on to the renderer, which explains it.
  if (lstatOrMissing(path.join(run.project.dir, 'files')) === undefined) return;
  try {
    const { checkFiles } = await import('../workspace/render-files.js');
    await checkFiles({ projectDir: run.project.dir, values: run.values, renderer: run.renderer });
  } catch (error) {
    throw maskError(error, run.masker);
  }
}

/** lstat of `file`; undefined when it does not exist; any other error: a stand-in that is not undefined. */
function lstatOrMissing(file: string): fs.Stats | 'unknown' | undefined {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return 'unknown';
  }
}

/** Runs a prepared run in its workspace: lock, check, render files, run. Errors leave with secret values masked. */
export async function executeLocalRun(run: PreparedRun, options: LocalRunOptions, interrupt: RunInterrupt): Promise<RunResult> {
  try {
    return await executePreparedRun(run, options, interrupt);
  } catch (error) {
    throw maskError(error, run.masker);
  }
}

async function executePreparedRun(prepared: PreparedRun, options: LocalRunOptions, interrupt: RunInterrupt): Promise<RunResult> {
  let run = prepared;
  checkCommandTemplates({ project: run.project, renderer: run.renderer, values: run.values });
  if (!options.installVenvs) {
    for (const message of checkVenvsInstalled(run.project, run.paths.dir)) options.emit({ type: 'log', level: 'warning', message });
  }
  // Every command runs under the launcher: without it (built on a machine without a C compiler) nothing may start.
  findLauncher();
  // The first pipes of a pipeline are made while the workspace is locked and the run recorded (`mkfifo`, a spawn).
  if (hasActivePipeline(run.project.tasks)) prefetchOsPipes();
  initWorkspace(run.paths.dir, run.project.dir);
  const lock = options.workspaceLock ?? acquireWorkspaceLock(run.paths.dir, `run local -p ${run.project.dir}`);
  try {
    // Again under the lock: another project's run may have taken this (fresh) workspace since the check before it.
    const owner = checkWorkspaceOwner({ workspaceDir: run.paths.dir, ...run.workspaceUser });
    for (const message of owner.warnings) if (!run.workspaceOwnerWarnings.includes(message)) options.emit({ type: 'log', level: 'warning', message });
    if (lock.recoveredFrom) {
      options.emit({ type: 'log', level: 'warning', message: `took over a stale workspace lock left by pid ${lock.recoveredFrom.pid} (started ${lock.recoveredFrom.startedAt})` });
      // A run whose handoff was killed leaves the workspace lock behind: only then can a record be left `running`, so
      // the history (maybe thousands of records) is only read after a stale lock was taken over. What that run left
      // running is ended before anything of this run starts: it would write into this run's artifacts.
      for (const abandoned of markAbandonedRuns(run.paths.runsDir, { graceMs: options.graceMs ?? DEFAULT_GRACE_MS })) {
        const ended = abandoned.endedPids.length > 0 ? `; ended the processes it had left running (pids ${abandoned.endedPids.join(', ')})` : '';
        options.emit({ type: 'log', level: 'warning', message: `run ${abandoned.runId} was left running by a handoff that is gone${ended}; marked interrupted` });
      }
    }
    // --timeout is the whole run's time limit, and SIGINT/SIGTERM stop the whole run: both cover the render of files/
    // (a large files/ can take a while) and the installs of a run from the store. Either one ends what is under way
    // (the render between files or chunks; the install processes: SIGTERM, or SIGINT for a timeout, then SIGKILL after
    // the grace period), and the run is recorded below as interrupted or timed out, with no task run.
    const timeoutFrom = new Date();
    const scope = new ProcessScope();
    interrupt.attach(scope);
    let timedOutBeforeTasks = false;
    let phase = 'files/ was rendered';
    const timer =
      options.timeoutSeconds !== undefined
        ? setTimeout(() => {
            timedOutBeforeTasks = true;
            options.emit({ type: 'log', level: 'warning', message: `The run's --timeout of ${options.timeoutSeconds} s ran out while ${phase}: ending it` });
            scope.stop('timeout');
          }, options.timeoutSeconds * 1000)
        : undefined;
    try {
      // Files are rendered all-or-nothing before the run is recorded: a template error is bad input and leaves no trace.
      // The renderer (render-files.ts) is loaded only when there is something to render or to clean up.
      if (!nothingToRender(run.project.dir, run.paths.dir)) {
        const { renderFiles, FilesRenderStopped } = await import('../workspace/render-files.js');
        try {
          await renderFiles({ projectDir: run.project.dir, workspaceDir: run.paths.dir, values: run.values, renderer: run.renderer, stop: scope });
        } catch (error) {
          if (!(error instanceof FilesRenderStopped)) throw error;
          options.emit({ type: 'log', level: 'warning', message: 'The render of files/ was ended before it finished: no task runs (each file in the workspace\'s files/ is whole, the old one or the new one; the next run renders them again)' });
        }
      }
      if (!scope.stopped && options.installVenvs && run.project.installs.length > 0) {
        phase = 'venvs were installed';
        // Loaded only here: runs from the store install venvs, `run local` never does (and needs none of its code).
        const { installVenvs, InstallStopped } = await import('../workspace/install-venvs.js');
        try {
          await installVenvs({
            installs: run.project.installs,
            workspaceDir: run.paths.dir,
            force: false,
            renderCommand: (install, i) => run.renderer.render(install.command, run.values, installCommandPath(i)),
            mask: (text) => run.masker.mask(text),
            graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
            stop: scope,
            reporter: {
              info: (message) => options.emit({ type: 'log', level: 'info', message: run.masker.mask(message) }),
              output: (venv, line) => options.emit({ type: 'log', level: 'debug', message: `[${venv}] ${run.masker.mask(line)}` }),
              warn: (message) => options.emit({ type: 'log', level: 'warning', message: run.masker.mask(message) }),
            },
          });
          for (const message of checkVenvsInstalled(run.project, run.paths.dir)) options.emit({ type: 'log', level: 'warning', message });
        } catch (error) {
          if (!(error instanceof InstallStopped)) throw error;
          options.emit({ type: 'log', level: 'warning', message: 'The venv installs were ended before they finished: no task runs (the venvs are installed again at the next run)' });
        }
        // The run's clock starts now: its duration is the pipeline's, not the install's.
        run = { ...run, startedAt: new Date() };
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
    // Recorded with the run: a run refused as bad input (a template error above) leaves no trace.
    const unrecorded = owner.record ? recordWorkspaceOwner(run.paths.dir, owner.record) : undefined;
    if (unrecorded) options.emit({ type: 'log', level: 'warning', message: unrecorded });
    const recorder = new RunRecorder({
      workspaceDir: run.paths.dir,
      runsDir: run.paths.runsDir,
      stateFile: run.paths.stateFile,
      runId: run.runId,
      projectName: run.project.deploy.task ?? path.basename(run.project.dir),
      projectDir: run.project.dir,
      ...(run.project.deploy.resource_group !== undefined ? { resourceGroup: run.project.deploy.resource_group } : {}),
      stage: options.stage,
      trigger: options.trigger ?? triggerFromEnv(),
      jobId: jobIdFromEnv(),
      startedAt: run.startedAt,
      masker: run.masker,
      warn: (message) => options.emit({ type: 'log', level: 'warning', message }),
      stderrLimits: options.stderrLimits,
      stateSources: singerStateSources(run.project.tasks),
    });
    recorder.start();
    options.attachConsoleLog?.((line) => recorder.writeConsoleLine(line));
    const emit = (event: RunEvent): void => {
      recorder.handle(event);
      options.emit(event);
    };
    try {
      const result = await runRecorded(run, options, interrupt, emit, { timeoutFrom, timedOut: timedOutBeforeTasks });
      await options.onRecorded?.(result, recorder.outcome());
      return result;
    } catch (error) {
      // A run that broke down (a bug, a foreach template error under --strict) still ends its record.
      const now = isoTime();
      emit({
        type: 'run_finished',
        result: { runId: run.runId, status: 'failed', startedAt: isoTime(run.startedAt), endedAt: now, durationMs: Date.now() - run.startedAt.getTime(), tasks: [], exitCode: 2, message: run.masker.mask((error as Error).message) },
      });
      throw error;
    } finally {
      // Lines held after a SIGTERM (src/cli/commands/stop-request.ts) still reach the console log before it closes.
      await options.attachConsoleLog?.(undefined);
      await recorder.close();
    }
  } finally {
    lock.release();
  }
}

function runRecorded(
  run: PreparedRun,
  options: LocalRunOptions,
  interrupt: RunInterrupt,
  emit: (event: RunEvent) => void,
  timeout: { timeoutFrom: Date; timedOut: boolean },
): Promise<RunResult> {
  return runProject({
    project: run.project,
    workspaceDir: run.paths.dir,
    artifactsDir: run.paths.artifactsDir,
    runId: run.runId,
    startedAt: run.startedAt,
    values: run.values,
    // The run id in every command's environment lets a later handoff recognise this run's processes (run-history.ts).
    env: { ...process.env, ...run.env, [RUN_ID_VARIABLE]: run.runId },
    renderer: run.renderer,
    masker: run.masker,
    graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
    timeoutSeconds: options.timeoutSeconds,
    ...timeout,
    interrupt,
    emit,
    withLine: (values, line) => withLine({ values, env: {} }, line).values,
    toLineSafe,
    stderrLogOf: (task, processName) => relativeTo(run.paths.dir, processStderrLogPath(run.paths.runsDir, run.runId, task, processName)),
  });
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
