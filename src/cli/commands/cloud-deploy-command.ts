// `handoff cloud <kind> create|update|delete|status`, `cloud plan`, `cloud deploy` and `cloud export`, for any provider with a deployment.
import { UserError } from '../../errors.js';
import { expandHome } from '../../home-path.js';
import { readVersionOption } from '../../container/image-version.js';
import type { DeployEvent, Deployment, ManageAction } from '../../providers/deployment.js';
import { locateDeployErrors } from '../../providers/deploy/locate-deploy-error.js';
import { findProviderEntry, listProviderEntries, type DeploymentEntry } from '../../providers/provider-registry.js';
import { loadLocalSecrets, refuseUnknownFieldsForPush, type Secret } from '../../secrets/local-secrets.js';
import { findLocalSecretsFile } from '../../secrets/find-local-secrets-file.js';
import { envsNeedingSecrets, refuseEnvsWithoutSecret } from '../../secrets/env-secrets-check.js';
import { describeSecretChanges, formatSecretPushLines } from './secrets-command.js';
import { parseVarTexts, readVarBoolean } from '../../template/parse-vars.js';
import { warnUnreadVars } from './unread-vars.js';
import { createConsoleLog, type ConsoleLog } from '../console-log.js';
import type { GlobalOptions } from '../global-options.js';
import { confirm, printResult, readStoredKeys, requireProject, withStoreSession, type StoreSession } from './store-session.js';
import { plural } from '../../plural.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';

/** "only the aws provider has CloudFormation stacks, only the gcp provider has …": what the local provider lacks. */
function describeDeployingProviders(): string {
  return listProviderEntries()
    .flatMap((e) => (e.deployment ? [`only the ${e.name} provider has ${e.deployment.what}`] : []))
    .join(', ');
}

/** What does on this machine what a deploy command does on a cloud: a status is read, a delete removes, the rest deploy. */
function describeLocalCounterpart(action: ManageAction | undefined): string {
  if (action === 'status') return 'with the local provider a task is its project in the local store: `cloud bucket status`, `cloud schedule list` and `cloud job status` show it';
  if (action === 'delete') return 'with the local provider a task is its project in the local store: `cloud schedule delete` and `project delete` remove it';
  return 'on this machine use `cloud bucket create`, `project push` and `cloud schedule create`';
}

/**
 * Runs `body` with the provider's deployment. The local provider has none, and a cloud may lack a kind (`cloud role`
 * is AWS's): both are refused before anything is called, saying what to use instead.
 */
function withDeployment<T>(
  options: GlobalOptions,
  command: { what: string; kind?: string; action?: ManageAction; check?: (entry: DeploymentEntry, provider: string) => void },
  body: (session: StoreSession, deployment: Deployment, entry: DeploymentEntry) => Promise<T>,
): Promise<T> {
  // A -v version= that is no image tag, or a -v switch that is not true or false, is refused before the session opens
  // (which calls the cloud).
  readVersionOption(options.vars);
  const vars = parseCliVars(options.vars);
  for (const key of ['allow_advanced_tier', 'delete_logs']) readVarBoolean(vars, key, '-v');
  // plan, deploy and export always need the project; a `cloud <kind> <action>` when its provider says so.
  const needsProject = (entry: DeploymentEntry): boolean =>
    command.kind === undefined || Boolean(command.action && entry.kinds[command.kind]?.projectFor.includes(command.action));
  return withStoreSession(
    options,
    { project: command.kind === undefined },
    async (session) => {
      const entry = findProviderEntry(session.provider.name).deployment!;
      const run = (): Promise<T> => body(session, session.provider.deployment!, entry);
      // Every provider's refusals name project.yml keys (`schedules[0].description`): said with their line here.
      return session.project ? locateDeployErrors(session.project.file, run) : run();
    },
    async (target, project) => {
      const entry = findProviderEntry(target.provider).deployment;
      if (!entry) {
        const clouds = listProviderEntries().flatMap((e) => (e.deployment ? [e.name] : []));
        const named = clouds.length > 1 ? `${clouds.slice(0, -1).join(', ')} or ${clouds[clouds.length - 1]}` : clouds.join('');
        throw new UserError(`handoff ${command.what} needs a cloud provider (${named}), and this project uses the ${target.provider} provider: ${describeDeployingProviders()}`, {
          fix: `set deploy.cloud_provider (or --cloud-provider) to a cloud; ${describeLocalCounterpart(command.action)}`,
        });
      }
      if (command.kind !== undefined && !entry.kinds[command.kind]) {
        const owners = listProviderEntries().filter((e) => e.deployment?.kinds[command.kind!]).map((e) => e.name);
        throw new UserError(`cloud ${command.kind} is part of the ${owners.join(' and ')} provider${owners.length === 1 ? '' : 's'}, not of ${target.provider}`, {
          fix: `with ${target.provider}, use \`cloud ${Object.keys(entry.kinds).join('|')} create\` or \`cloud deploy\``,
        });
      }
      command.check?.(entry, target.provider);
      // What deploys is checked before the first call to the cloud; deletes and status read nothing of the project.
      const deploys = command.kind === undefined || command.action === 'create' || command.action === 'update';
      if (project && deploys && entry.checkProject) {
        const { checkProject } = entry;
        await locateDeployErrors(project.file, () => checkProject({ target, project, ...(command.kind !== undefined ? { kind: command.kind } : {}) }));
      }
      return { project: needsProject(entry) };
    },
  );
}

const STEP_VERB = { create: 'Creating', update: 'Updating', delete: 'Deleting' } as const;
const STEP_RESULT = { created: 'created', updated: 'updated', unchanged: 'unchanged (no changes)', deleted: 'deleted', absent: 'does not exist', retained: 'kept (still needed)' } as const;

/** What a deploy has done so far, from its events: what a signal that stops it must say. */
interface DeployProgress {
  done: string[];
  unchanged: number;
  current?: string;
}

/** Progress on stderr while the cloud works: each step's start and end, and the cloud's own progress lines. */
function createDeployRenderer(log: ConsoleLog, progress?: DeployProgress): (event: DeployEvent) => void {
  return (event) => {
    if (progress && event.type === 'step-start') progress.current = `${STEP_VERB[event.action].toLowerCase()} ${event.what} ${event.name}`;
    if (progress && event.type === 'step-done') {
      delete progress.current;
      if (event.action === 'unchanged') progress.unchanged += 1;
      else progress.done.push(`${event.what} ${event.name} ${STEP_RESULT[event.action]}`);
    }
    if (event.type === 'step-start') {
      log.log('info', `${STEP_VERB[event.action]}${event.how ? ` (${event.how})` : ''} ${event.what} ${event.name}`);
    } else if (event.type === 'step-progress') {
      log.log(event.failed ? 'error' : 'info', `${event.name}: ${event.message}`);
    } else if (event.type === 'step-done') {
      log.log('info', `${event.what.charAt(0).toUpperCase()}${event.what.slice(1)} ${event.name} ${STEP_RESULT[event.action]}`);
    } else {
      log.log(event.level, event.message);
    }
  };
}


/**
 * Runs a deploy command that SIGINT/SIGTERM end with a word instead of silence (exit 130/143): the steps done so far,
 * the one in progress (the cloud goes on with a call already sent, so it may finish or not), and that the same command
 * completes it (every step is idempotent). Ends at once, as `cloud run --wait` does: waiting for the cloud's current
 * step could take minutes, and a second Ctrl-C would then kill it with nothing said.
 */
async function whileDeployInterruptible<T>(options: GlobalOptions, command: string, body: (progress: DeployProgress) => Promise<T>): Promise<T> {
  const progress: DeployProgress = { done: [], unchanged: 0 };
  const onSignal = (signal: NodeJS.Signals): void => {
    const log = createConsoleLog(options.logLevel);
    const done = progress.done.length > 0 ? `done so far: ${progress.done.join(', ')}` : 'no step had changed anything yet';
    const unchanged = progress.unchanged > 0 ? ` (${plural(progress.unchanged, 'step')} found unchanged)` : '';
    const current = progress.current ? `; it was ${progress.current} (the cloud may finish that step or not), and nothing after it was started` : '';
    log.log('error', `${command} was interrupted by ${signal}: ${done}${unchanged}${current}`);
    log.log('info', `fix: run \`handoff ${command}\` again: it completes the deployment and leaves what is done as it is`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body(progress);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function cloudStackCommand(options: GlobalOptions, kind: string, action: ManageAction): Promise<number> {
  if (action === 'status') return cloudStackCommandWith(options, kind, action);
  return whileDeployInterruptible(options, `cloud ${kind} ${action}`, (progress) => cloudStackCommandWith(options, kind, action, progress));
}

function cloudStackCommandWith(options: GlobalOptions, kind: string, action: ManageAction, progress?: DeployProgress): Promise<number> {
  return withDeployment(options, { what: `cloud ${kind} ${action}`, kind, action }, async (session, deployment, entry) => {
    const reads = [...(action === 'create' || action === 'update' ? ['version'] : []), ...(entry.kinds[kind]?.vars?.[action] ?? [])];
    warnUnreadVars(session.log, parseVarTexts(options.vars, '-v'), `cloud ${kind} ${action}`, reads, { project: session.project });
    const result = await deployment.manage(kind, action, {
      ...(session.project ? { project: session.project } : {}),
      rawVars: options.vars,
      imageVersion: readVersionOption(options.vars),
      onEvent: createDeployRenderer(session.log, progress),
    });
    printResult(options, result);
    return 0;
  });
}

/**
 * An env without a value takes the secret of its key in the cloud run: one neither pushed by this deploy nor kept in
 * the store would stop every run, so the deploy is refused first. A deploy with a secrets file removes the task's
 * stored secrets the file lacks, so only the resource group's are kept then; without one it removes nothing.
 */
async function refuseDeployWithoutEnvSecrets(session: StoreSession, input: { secretsDir: string | undefined; command: string; fileFound: boolean; secrets: Secret[] }): Promise<void> {
  const project = requireProject(session);
  const pushed = new Set(input.secrets.filter((s) => s.push).map((s) => s.key));
  if (envsNeedingSecrets(project.envs).every((e) => pushed.has(e.key))) return;
  const removesTaskSecrets = input.secrets.length > 0;
  const stored = new Set((await readStoredKeys(session)).filter((s) => !removesTaskSecrets || s.level === 'resource group').map((s) => s.key));
  const { file } = findLocalSecretsFile({ projectDir: project.dir, stage: session.target.stage, ...(input.secretsDir !== undefined ? { secretsDir: input.secretsDir } : {}) });
  refuseEnvsWithoutSecret({ envs: project.envs, stage: session.target.stage, secretsFile: file, fileFound: input.fileFound, pushed: input.secrets, stored, command: input.command });
}

/** The `-v` keys `cloud plan` and `cloud deploy` read. */
const DEPLOY_VARS = ['version', 'secrets_dir', 'allow_advanced_tier'];

/** `pushes`: the request is applied (cloud deploy), so a secrets file with an unknown field is refused, not warned of. */
function openDeployRequest(options: GlobalOptions, session: StoreSession, pushes = false, progress?: DeployProgress) {
  const project = requireProject(session);
  warnUnreadVars(session.log, parseVarTexts(options.vars, '-v'), pushes ? 'cloud deploy' : 'cloud plan', DEPLOY_VARS, { project });
  const vars = parseCliVars(options.vars);
  const secretsDir = secretsDirVar(vars);
  const loaded = loadLocalSecrets({ projectDir: project.dir, stage: options.stage, secretsDir, envs: project.envs });
  if (pushes) refuseUnknownFieldsForPush(loaded.unknownFields, 'cloud deploy');
  for (const w of loaded.warnings) session.log.log(loaded.fileFound ? 'warning' : 'info', loaded.fileFound ? w.message : `${w.message}; deploying without secrets`);
  // Checked once the provider's plan has made its own checks (a task of another project's names is said first).
  const checkEnvSecrets = (): Promise<void> => refuseDeployWithoutEnvSecrets(session, { secretsDir, command: pushes ? 'cloud deploy' : 'cloud plan', fileFound: loaded.fileFound, secrets: loaded.secrets });
  return {
    checkEnvSecrets,
    project,
    secrets: loaded.secrets,
    allowAdvancedTier: readVarBoolean(vars, 'allow_advanced_tier', '-v') === true,
    imageVersion: readVersionOption(options.vars),
    onEvent: createDeployRenderer(session.log, progress),
  };
}

/** `cloud plan`: what `cloud deploy` would change; nothing is applied. */
export function cloudPlanCommand(options: GlobalOptions): Promise<number> {
  return withDeployment(options, { what: 'cloud plan' }, async (session, deployment) => {
    const request = openDeployRequest(options, session);
    const plan = await deployment.plan(request);
    await request.checkEnvSecrets();
    const described = await deployment.describePlan(plan);
    session.log.log('info', described.changes === 0 ? 'No changes: the deployed task matches the project' : `${plural(described.changes, 'change')} would be made by \`handoff cloud deploy\``);
    printResult(options, described);
    return 0;
  });
}

/** `cloud deploy`: bucket, resources, project push, task and schedules, idempotently; asks before writing changed secrets. */
export function cloudDeployCommand(options: GlobalOptions): Promise<number> {
  return whileDeployInterruptible(options, 'cloud deploy', (progress) => withDeployment(options, { what: 'cloud deploy' }, async (session, deployment) => {
    const { names } = session.provider;
    const request = openDeployRequest(options, session, true, progress);
    const plan = await deployment.plan(request);
    await request.checkEnvSecrets();
    const secrets = plan.project.secrets;
    const stale = plan.project.staleSecrets;
    if (secrets.length > 0 || stale.length > 0) {
      process.stderr.write(`Secrets to push:\n${formatSecretPushLines(secrets, stale).join('\n')}\n`);
      if (!(await confirm(options, `Deploy ${names.resourceGroup}/${names.task} and ${describeSecretChanges(secrets.length, stale.length)}?`))) {
        session.log.log('info', 'Nothing was deployed (answered no)');
        printResult(options, { status: 'aborted' });
        return 0;
      }
    }
    const result = await deployment.apply(plan);
    session.log.log('info', result.changed ? `Deployed ${names.resourceGroup}/${names.task} (${result.image})` : `No changes: ${names.resourceGroup}/${names.task} is already deployed as declared`);
    printResult(options, result.report);
    return 0;
  }));
}

/** `cloud export --format <format> -o DIR`: the deploy's infrastructure as files; changes nothing in the cloud. */
export function cloudExportCommand(options: GlobalOptions, flags: { format?: string; output?: string }): Promise<number> {
  let format = '';
  let output = '';
  const check = (entry: DeploymentEntry, provider: string): void => {
    format = (flags.format ?? entry.exportFormats[0]!).toLowerCase();
    if (!entry.exportFormats.includes(format)) {
      throw new UserError(`unknown export format "${flags.format}" for the ${provider} provider`, { fix: `use ${entry.exportFormats.map((f) => `--format ${f}`).join(' or ')}` });
    }
    if (!flags.output) throw new UserError('cloud export needs a folder to write to', { fix: 'add -o <folder>, e.g. -o infra/' });
    output = expandHome(flags.output, '-o');
  };
  return withDeployment(options, { what: 'cloud export', check }, async (session, deployment) => {
    warnUnreadVars(session.log, parseVarTexts(options.vars, '-v'), 'cloud export', ['version'], { project: session.project });
    const result = await deployment.export({
      project: requireProject(session),
      format,
      outDir: output,
      imageVersion: readVersionOption(options.vars),
      onNotice: (m) => session.log.log('warning', m),
    });
    session.log.log('info', `Wrote ${plural(result.files.length, 'file')} to ${result.dir}`);
    printResult(options, result);
    return 0;
  });
}
