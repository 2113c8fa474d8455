// `handoff run local`: run the project in a workspace with local config, files and secrets.
import fs from 'node:fs';
import { isUserError } from '../../errors.js';
import { checkLocalRunFiles, prepareLocalRun, type PreparedRun } from '../../runner/run-local.js';
import { parseEnvTokens } from '../../template/parse-vars.js';
import { createBatchedStderr, createConsoleLog, type ConsoleLog } from '../console-log.js';
import { requireProjectDir, requireWorkspaceDir, type GlobalOptions } from '../global-options.js';
import { createRunRenderer } from '../render-run-events.js';
import { printRefusal } from '../refusal-json.js';
import { releaseOptimizingCompiler, releaseOptimizingWhenBusy } from '../optimizing-compiler.js';
import { stderrLimitsFromEnv } from '../../runs/stderr-limits.js';
import { graceFromEnv, printRunPlan, runInTerminal } from './run-in-terminal.js';
import type { StoreSession } from './store-session.js';
import { parseCliVars } from '../../secrets/secrets-dir-var.js';

export interface RunLocalFlags {
  dryRun?: boolean;
}

/**
 * With -a the project's deploy keys name the store (as for `artifacts push`); it is opened before anything runs, so a
 * store that cannot be (no deploy keys, an unknown provider, no credentials) is refused with nothing written. The
 * store's code is loaded only then: `run local` without -a starts without it.
 */
export async function runLocalCommand(options: GlobalOptions, flags: RunLocalFlags): Promise<number> {
  try {
    if (!options.pushArtifacts) return await runLocal(options, flags);
    requireWorkspaceDir(options);
    const { withStoreSession } = await import('./store-session.js');
    return await withStoreSession(options, { project: true }, (session) => runLocal(options, flags, session));
  } catch (error) {
    // --json: a refused run's problems as its result on stdout too (SPEC §1); main prints them as text on stderr.
    if (options.json && isUserError(error)) await printRefusal(error, options);
    throw error;
  }
}

async function runLocal(options: GlobalOptions, flags: RunLocalFlags, store?: StoreSession): Promise<number> {
  // A run's console lines go to stderr a turn's worth at a time; flushed before an error is printed.
  const stderr = createBatchedStderr();
  const log = createConsoleLog(options.logLevel, stderr.write);
  const vars = parseCliVars(options.vars);
  const stderrLimits = stderrLimitsFromEnv();
  const emit = releaseOptimizingWhenBusy(createRunRenderer(log, stderrLimits));
  const runOptions = {
    projectDir: requireProjectDir(options),
    workspaceDir: requireWorkspaceDir(options),
    stage: options.stage,
    vars,
    envs: parseEnvTokens(options.envs),
    // With -a the store of --cloud-provider is used: the deploy keys are checked for it, as the store session's were.
    ...(store && options.cloudProvider !== undefined ? { cloudProvider: options.cloudProvider } : {}),
    // Without -a it is checked as the store commands check it, and is the run's HO_CLOUD_PROVIDER (SPEC §1: overrides deploy).
    ...(!store && options.cloudProvider !== undefined
      ? { cloudProviderOverride: (await import('../../providers/provider.js')).parseCloudProvider(options.cloudProvider, '--cloud-provider') }
      : {}),
    strict: options.strict,
    dryRun: flags.dryRun,
    timeoutSeconds: options.timeout,
    graceMs: graceFromEnv(),
    stderrLimits,
    emit,
    // Checking a new or changed project.yml is heavy work (large projects run hot in the parser and the schema).
    beforeProjectCheck: releaseOptimizingCompiler,
    attachConsoleLog: (write: ((line: string) => void) | undefined) => log.tee(write),
  };
  try {
    const prepared = await prepareLocalRun(runOptions);
    await warnAboutCloudSecrets(prepared, options, log);
    // The store must be there before the run, not found missing after it: a run of an hour whose results cannot be
    // pushed is an hour lost. Listing the one key of project.yml is one cheap call that fails as a push would.
    if (store) await store.provider.objects.list(store.provider.names.s3.projectKey);
    if (flags.dryRun) {
      await checkLocalRunFiles(prepared);
      printRunPlan(prepared, options, prepared.project.file);
      return 0;
    }
    warnAboutUnreadStdin(log);
    if (!store) return (await runInTerminal(prepared, runOptions, options, log)).exitCode;
    // Held from before the run to after the last push, as `handoff run` does: nothing may replace the artifacts meanwhile.
    const { lockWorkspace } = await import('./store-session.js');
    const { runThenPush } = await import('./run-then-push.js');
    const lock = lockWorkspace(runOptions.workspaceDir, `run local -p ${prepared.project.dir} -a`, log, { ...prepared.workspaceUser, record: false });
    try {
      return await runThenPush({ provider: store.provider, log }, prepared, { ...runOptions, workspaceLock: { release: () => undefined } }, options);
    } finally {
      lock.release();
    }
  } catch (error) {
    // A run knows its commands by key path (it may have read the project from the workspace, without positions).
    // Loaded here only: it loads the YAML readers and the schema, which a run from the workspace's copy does not.
    const { locateTemplateProblems } = await import('../locate-template-problems.js');
    // A project refused by its structure: its template syntax errors in the same report (config validate's).
    const { addWrittenTemplateProblems } = await import('../add-written-template-problems.js');
    throw await locateTemplateProblems(await addWrittenTemplateProblems(error), runOptions.projectDir);
  } finally {
    stderr.flush();
  }
}

/**
 * A local run does not use the cloud's secret store, so what a push there would refuse (a key SSM cannot name, a value
 * too large) does not stop it: it is said before the run, rather than first at deploy. `config validate` refuses it. A
 * local project's secrets are not checked: they may be meant for local runs only.
 */
async function warnAboutCloudSecrets(prepared: PreparedRun, options: GlobalOptions, log: ConsoleLog): Promise<void> {
  const provider = (options.cloudProvider ?? prepared.project.deploy.cloud_provider ?? 'local').trim().toLowerCase();
  if (provider === 'local' || prepared.secrets.length === 0) return;
  // The secret store's rules come from the provider's entry: `run local` registers the providers only here (define-action.ts).
  (await import('../provider-entries.js')).registerProviders();
  const { checkSecretsForCloud } = await import('../../providers/store/cloud-secret-rules.js');
  const check = await checkSecretsForCloud({ project: prepared.project, stage: options.stage, cloudProvider: options.cloudProvider, secrets: prepared.secrets });
  for (const d of check?.refusal?.diagnostics ?? []) {
    const where = d.location?.line !== undefined ? `${d.location.file}:${d.location.line}: ` : '';
    log.log('warning', `${where}${d.message}; secrets push and cloud deploy to ${check!.provider} would refuse it${d.hint ? ` (${d.hint})` : ''}`);
  }
}

/**
 * Commands never read handoff's standard input: they get /dev/null, as in scheduled and container runs, which have
 * none. The original's commands read it, so data piped or redirected into `run local` (`zcat dump.gz | handoff run
 * local …`) would go unread without a word: say so once. A terminal or /dev/null holds nothing meant for the commands.
 */
function warnAboutUnreadStdin(log: ConsoleLog): void {
  let stdin: fs.Stats;
  try {
    stdin = fs.fstatSync(0);
  } catch {
    return; // no standard input at all
  }
  // A socket is how a program (Node.js's `stdio: 'pipe'`) pipes data in; an empty file holds nothing to miss.
  const kind = stdin.isFIFO() || stdin.isSocket() ? 'a pipe' : stdin.isFile() && stdin.size > 0 ? 'a file' : undefined;
  if (!kind) return;
  log.log(
    'warning',
    `handoff's standard input is ${kind}, but commands do not read it (they get /dev/null, as in scheduled and container runs): ` +
      'to feed data to a pipeline, make its first command read it (e.g. `cat files/input.csv`, or `cat /path/to/FILE`); ' +
      'run with `< /dev/null` to silence this',
  );
}
