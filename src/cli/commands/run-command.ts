// `handoff run` (no `local`): fetch config, files, secrets and last artifacts from the store, run, push artifacts and records.
import { readOverrides } from '../../providers/deploy/run-environment.js';
import { evaluateVarsEnv } from '../../providers/store/evaluate-vars-env.js';
import { checkStoredConfig, explainFetchedProjectError, fetchProjectCopy, stageStoredFiles, type StagedFiles } from '../../providers/store/fetch-project.js';
import { getArtifacts } from '../../providers/store/project-store.js';
import { readStoreSecrets, toRunSecrets } from '../../providers/store/store-secrets.js';
import { checkLocalRunFiles, prepareLocalRun } from '../../runner/run-local.js';
import { type VarValue } from '../../template/parse-vars.js';
import { requireWorkspaceDir, type GlobalOptions } from '../global-options.js';
import { createRunRenderer } from '../render-run-events.js';
import { releaseOptimizingCompiler, releaseOptimizingWhenBusy } from '../optimizing-compiler.js';
import { stderrLimitsFromEnv } from '../../runs/stderr-limits.js';
import { graceFromEnv, printRunPlan } from './run-in-terminal.js';
import { runThenPush } from './run-then-push.js';
import { lockWorkspace, storeWorkspaceUser, withStoreSession, type StoreSession } from './store-session.js';
import { plural } from '../../plural.js';
import { UserError } from '../../errors.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';

/**
 * What the container runs. The store is named by `-p`'s deploy keys or by `-e resource_group=… task=…`; keys use the
 * bare task and the stage-prefixed resource group, the same as every push (the original looked for `dev-<task>/…`
 * while pushing `<task>/…`). Other `-e` pairs become environment variables of the run, as a container's would, and
 * template variables as in `run local` (over the project's envs, below vars and -v): `{{ KEY }}` and `$KEY` agree.
 */
export function runCommand(options: GlobalOptions, flags: { dryRun?: boolean } = {}): Promise<number> {
  const workspaceDir = requireWorkspaceDir(options);
  return withStoreSession(options, { project: false }, async (session) => {
  const { provider, log } = session;
  // What the provider started the run with on purpose (a schedule's envs, `cloud run -e`) counts as -e, below this
  // command's own -e: it wins over project.yml's envs and secrets, and is masked when it replaces a secret.
  const envs: Record<string, string> = readOverrides(process.env);
  const overridden = Object.keys(envs);
  if (overridden.length > 0) log.log('info', `Environment given by the run's starter, over project.yml's envs and secrets: ${overridden.join(', ')}`);
  for (const [key, value] of Object.entries(session.extraEnvs)) envs[key] = process.env[key] = String(value);

  // Variables first: a bad __VARS or -v is bad input, found before anything is fetched or written.
  const scheduled = await evaluateVarsEnv(process.env.__VARS ?? '');
  const vars = { ...scheduled, ...parseCliVars(options.vars) };
  if (Object.keys(scheduled).length > 0) log.log('info', `Variables from __VARS: ${Object.keys(scheduled).join(', ')}`);

  log.log('info', `Fetching ${provider.names.task} from the ${provider.name} store ${provider.objects.describe(provider.names.s3.taskPrefix)}`);
  // Bad input is refused before the workspace is touched: a stored project.yml the run would refuse makes no W/files,
  // W/artifacts or W/runs, fetches no artifacts over the workspace's and leaves no copy in it.
  const storeLocation = provider.objects.describe(provider.names.s3.taskPrefix);
  const explainStaged = async (error: unknown, dir: string): Promise<unknown> => {
    const { locateTemplateProblems } = await import('../locate-template-problems.js');
    const { addWrittenTemplateProblems } = await import('../add-written-template-problems.js');
    return explainFetchedProjectError(await locateTemplateProblems(await addWrittenTemplateProblems(error), dir), dir, storeLocation);
  };
  const config = await checkStoredConfig(provider, workspaceDir, (dir) => checkProjectAsRun(dir, options), explainStaged);
  // The stored files/ too (a template that does not parse): checked in a temporary folder, then moved from there into
  // the workspace's copy (fetchProjectCopy removes the folder; the finally covers a run refused before it).
  const staged = await stageStoredFiles(provider, explainStaged, (m) => log.log('warning', m));
  try {
    // Held from the fetch to the last push: nothing else may replace this workspace's artifacts meanwhile.
    const lock = lockWorkspace(workspaceDir, `run ${provider.names.task} from the ${provider.name} store`, log, { ...storeWorkspaceUser(session, 'this run'), stage: options.stage, record: false });
    try {
      return await fetchRunAndPush(session, options, workspaceDir, vars, envs, flags, config, staged);
    } finally {
      lock.release();
    }
  } finally {
    await staged?.remove();
  }
  }).catch(async (error: unknown) => {
    // A refused structure (-p's or the fetched copy's) comes with its template syntax errors, as config validate gives them.
    const { addWrittenTemplateProblems } = await import('../add-written-template-problems.js');
    throw suggestRunLocal(await addWrittenTemplateProblems(error), options, workspaceDir);
  });
}

/**
 * What the run checks of a project before it writes anything (prepareLocalRun): its structure and its templates'
 * syntax. Loaded lazily: a copy the workspace already holds is not checked again (checkStoredConfig).
 */
async function checkProjectAsRun(projectDir: string, options: GlobalOptions): Promise<void> {
  const { loadProject } = await import('../../project/load-project.js');
  const { project } = await loadProject(projectDir, options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {});
  const { createRenderer, holdsTemplateSyntax, loadTemplateEngine } = await import('../../template/render.js');
  if (holdsTemplateSyntax(JSON.stringify(project))) await loadTemplateEngine();
  const { checkTemplateSyntax } = await import('../../runner/find-template-syntax-problems.js');
  const { planRun } = await import('../../runner/plan-run.js');
  checkTemplateSyntax(project, planRun(project), createRenderer({ strict: false, onWarning: () => undefined }));
}

/**
 * `handoff run -p X` on a project with no store names is most often `run local` without its `local`: the fix of a
 * missing deploy key (which would make a local project a store project) comes second to the command meant.
 */
function suggestRunLocal(error: unknown, options: GlobalOptions, workspaceDir: string): unknown {
  if (!(error instanceof UserError) || !options.projectDir || !/^no (resource group|task): deploy\.\w+ is not set in /.test(error.message)) return error;
  return new UserError(`${error.message}; \`handoff run\` runs the copy of the project pushed to a store`, {
    fix: `to run this folder as it is, use \`handoff run local -p ${options.projectDir} -w ${workspaceDir}\`; to run it from a store, ${error.fix ?? 'name the store in deploy:'}`,
    exitCode: error.exitCode,
  });
}

async function fetchRunAndPush(
  session: StoreSession,
  options: GlobalOptions,
  workspaceDir: string,
  vars: Record<string, VarValue>,
  envs: Record<string, string>,
  flags: { dryRun?: boolean },
  config: Buffer,
  staged: StagedFiles | undefined,
): Promise<number> {
  const { provider, log } = session;
  const fetched = await fetchProjectCopy(provider, workspaceDir, config, staged);
  const secrets = toRunSecrets(await readStoreSecrets(provider));
  // The store holds no trace of a local-only (`push: false`) secret; -p's secrets file names it, so a value given for
  // it with -v/-e is masked. Without -p (a container) its key is unknowable: README says so. (Loaded with -p only: the
  // secrets file's reader is heavy.)
  const givenSecretsDir = secretsDirVar(vars);
  const secretsDir = givenSecretsDir !== undefined ? { secretsDir: givenSecretsDir } : {};
  const secretKeys = session.project
    ? (await import('../../secrets/local-secrets.js')).readLocalSecretKeys({ projectDir: session.project.dir, stage: options.stage, ...secretsDir })
    : [];
  const artifacts = await getArtifacts(provider, workspaceDir, (level, m) => log.log(level, m));
  log.log('info', `Fetched project.yml, ${plural(fetched.files.keys.length, 'file')}, ${plural(secrets.length, 'secret')} and ${plural(artifacts.keys.length, 'artifact')}`);

  const stderrLimits = stderrLimitsFromEnv();
  const emit = releaseOptimizingWhenBusy(createRunRenderer(log, stderrLimits));
  const runOptions = {
    projectDir: fetched.projectDir,
    workspaceDir,
    stage: options.stage,
    vars,
    envs,
    secrets,
    secretKeys,
    // The run's deploy keys are checked for the provider it was fetched from, as the store session's were.
    ...(options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {}),
    strict: options.strict,
    timeoutSeconds: options.timeout,
    graceMs: graceFromEnv(),
    stderrLimits,
    // A fresh workspace (a container's first run, a scheduled run) gets its venvs here, unchanged ones are skipped.
    installVenvs: true,
    emit,
    // Checking a new or changed project.yml is heavy work (large projects run hot in the parser and the schema).
    beforeProjectCheck: releaseOptimizingCompiler,
    attachConsoleLog: (write: ((line: string) => void) | undefined) => log.tee(write),
    // The lock stays this command's to release, after the pushes.
    workspaceLock: { release: () => undefined },
  };
  // A problem in the fetched copy is located in it (template problems at their lines) and said to be in the copy.
  const explain = async (error: unknown): Promise<unknown> => {
    // Loaded on this error path only: it loads the YAML readers and the schema, which a run from the cache does not.
    const { locateTemplateProblems } = await import('../locate-template-problems.js');
    // A refused structure gets its template syntax errors here, before it is said to be the copy's (after that it is
    // no refusal the outer catch would recognize).
    const { addWrittenTemplateProblems } = await import('../add-written-template-problems.js');
    const located = await locateTemplateProblems(await addWrittenTemplateProblems(error), fetched.projectDir);
    return explainFetchedProjectError(located, fetched.projectDir, provider.objects.describe(provider.names.s3.taskPrefix));
  };
  const prepared = await prepareLocalRun(runOptions).catch(async (error: unknown) => {
    throw await explain(error);
  });
  if (flags.dryRun) {
    // The store was read (into W/.handoff/project and W/artifacts) so the plan is the one the container would run, and
    // the fetched files/ are checked as the run would render them (a broken template is refused here, as locally).
    await checkLocalRunFiles(prepared).catch(async (error: unknown) => {
      throw await explain(error);
    });
    printRunPlan(prepared, options, provider.objects.describe(provider.names.s3.projectKey));
    return 0;
  }
  return runThenPush({ ...session, fromStore: true }, prepared, runOptions, options, explain);
}
