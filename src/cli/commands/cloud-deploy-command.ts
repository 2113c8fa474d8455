// `handoff cloud resources|task|role create|update|delete|status`, `cloud plan` and `cloud deploy` (AWS stacks with change sets).
import { UserError } from '../../errors.js';
import type { Project } from '../../project/types.js';
import type { AwsProvider } from '../../providers/aws/aws-provider.js';
import type { DeployEvent } from '../../providers/aws/deploy/apply-deploy.js';
import type { RoleInput } from '../../providers/aws/deploy/desired-stacks.js';
import { loadLocalSecrets } from '../../secrets/local-secrets.js';
import { parseVarTokens } from '../../template/parse-vars.js';
import type { ConsoleLog } from '../console-log.js';
import type { GlobalOptions } from '../global-options.js';
import { confirm, printResult, requireProject, withStoreSession, type StoreSession } from './store-session.js';

type StackCommand = 'resources' | 'task' | 'role';

/** Runs `body` with the AWS provider; the local provider has no stacks, so these commands say what to use instead. */
function withAwsSession<T>(options: GlobalOptions, need: { project: boolean }, what: string, body: (session: StoreSession, provider: AwsProvider) => Promise<T>): Promise<T> {
  return withStoreSession(options, need, async (session) => {
    if (session.provider.name !== 'aws') {
      throw new UserError(`${what} deploys CloudFormation stacks, which only the aws provider has (this project uses ${session.provider.name})`, {
        fix: 'set deploy.cloud_provider: aws (or --cloud-provider aws); on this machine use `cloud bucket create`, `project push` and `cloud schedule create`',
      });
    }
    return body(session, session.provider as AwsProvider);
  });
}

/** Progress on stderr while CloudFormation works: one line per resource status change. */
function createDeployRenderer(log: ConsoleLog): (event: DeployEvent) => void {
  return (event) => {
    if (event.type === 'stack-start') {
      const verb = { create: 'Creating', update: 'Updating (change set)', delete: 'Deleting' }[event.action];
      log.log('info', `${verb} stack ${event.name}`);
    } else if (event.type === 'stack-progress') {
      const e = event.event;
      log.log(e.status.endsWith('_FAILED') ? 'error' : 'info', `${event.name}: ${e.logicalId} (${e.resourceType}) ${e.status}${e.reason ? `: ${e.reason}` : ''}`);
    } else if (event.type === 'stack-done') {
      const text = { created: 'created', updated: 'updated', unchanged: 'unchanged (no changes)', deleted: 'deleted', absent: 'does not exist' }[event.action];
      log.log('info', `Stack ${event.name} ${text}`);
    } else {
      log.log(event.level, event.message);
    }
  };
}

/** `-v version=0.10` as written (the -v parser would read 0.10 as the number 0.1). */
function rawVersion(options: GlobalOptions): string | undefined {
  const raw = options.vars.find((v) => v.startsWith('version='));
  return raw === undefined ? undefined : raw.slice('version='.length).replace(/^(["'])(.*)\1$/, '$2');
}

/** `-v grantee_account_id=… external_id=…`: who may assume the deploy role (default: this account). */
function readRoleInput(options: GlobalOptions, provider: AwsProvider, project?: Project): RoleInput {
  const vars = parseVarTokens(options.vars, '-v');
  const raw = options.vars.find((v) => v.startsWith('grantee_account_id='));
  // Account ids may start with 0: read the text, not the number the -v parser makes of it.
  const principal = raw !== undefined ? raw.slice('grantee_account_id='.length).replace(/^(["'])(.*)\1$/, '$2') : provider.names.accountId;
  const bucket = project?.deploy.bucket;
  return {
    principalAccountId: principal,
    ...(vars.external_id !== undefined ? { externalId: String(vars.external_id) } : {}),
    ...(bucket && !bucket.startsWith('handoff-') ? { buckets: [bucket] } : {}),
  };
}

export function cloudStackCommand(options: GlobalOptions, kind: StackCommand, action: 'create' | 'update' | 'delete' | 'status'): Promise<number> {
  const needsProject = (kind === 'task' || kind === 'resources') && (action === 'create' || action === 'update');
  return withAwsSession(options, { project: needsProject }, `cloud ${kind} ${action}`, async (session, provider) => {
    const { upsertStack, readStackStatus, readTaskStatus, deleteTaskStack, deleteResourcesStack } = await import('../../providers/aws/deploy/manage-stacks.js');
    const { createResourcesDesired, createTaskDesired, createRoleDesired, readTaskPolicy } = await import('../../providers/aws/deploy/desired-stacks.js');
    const { deleteStackStep } = await import('../../providers/aws/deploy/apply-deploy.js');
    const apply = { onEvent: createDeployRenderer(session.log), pollMs: provider.pollMs };
    const { names } = provider;

    if (action === 'status') {
      if (kind === 'task') printResult(options, await readTaskStatus(provider));
      else if (kind === 'resources') printResult(options, await readStackStatus(provider, 'resources', names.resourcesStack));
      else printResult(options, await readStackStatus(provider, 'role', createRoleDesired(readRoleInput(options, provider, session.project)).name));
      return 0;
    }
    if (action === 'delete') {
      if (kind === 'task') {
        const result = await deleteTaskStack(provider, apply);
        printResult(options, { stack: result.stack.name, action: result.stack.action, schedules_deleted: result.schedules });
      } else if (kind === 'resources') {
        const result = await deleteResourcesStack(provider, apply);
        printResult(options, { stack: result.name, action: result.action });
      } else {
        const result = await deleteStackStep(provider.cloudFormation, 'role', createRoleDesired(readRoleInput(options, provider, session.project)).name, apply);
        printResult(options, { stack: result.name, action: result.action });
      }
      return 0;
    }
    let desired;
    if (kind === 'resources') {
      desired = createResourcesDesired(names, requireProject(session).deploy);
    } else if (kind === 'task') {
      const project = requireProject(session);
      const { resolveTaskImage } = await import('../../providers/aws/deploy/resolve-image.js');
      const taskPolicy = await readTaskPolicy(project.dir, project.deploy);
      // Built once with a placeholder image first, so a bad Fargate size fails before ECR is asked anything.
      createTaskDesired(names, project.deploy, { imageUri: names.ecrImageUri('0'), taskPolicy });
      const image = await resolveTaskImage({ project, names, config: provider.clientConfig, version: rawVersion(options) });
      if (image.inRegistry === false) session.log.log('warning', `the image ${image.uri} is not in ECR yet: push it (handoff container push) before the task runs`);
      desired = createTaskDesired(names, project.deploy, { imageUri: image.uri, taskPolicy });
    } else {
      desired = createRoleDesired(readRoleInput(options, provider, session.project));
    }
    const result = await upsertStack(provider, desired, action, apply);
    printResult(options, { stack: result.name, action: result.action, ...(result.outputs ? { outputs: result.outputs } : {}) });
    return 0;
  });
}

async function openDeployRequest(options: GlobalOptions, session: StoreSession, provider: AwsProvider) {
  const project = requireProject(session);
  const vars = parseVarTokens(options.vars, '-v');
  const secretsDir = typeof vars.secrets_dir === 'string' ? vars.secrets_dir : undefined;
  const loaded = loadLocalSecrets({ projectDir: project.dir, stage: options.stage, secretsDir, envs: project.envs });
  for (const w of loaded.warnings) session.log.log('info', `${w.message}; deploying without secrets`);
  return {
    provider,
    project,
    secrets: loaded.secrets,
    allowAdvancedTier: vars.allow_advanced_tier === true,
    imageVersion: rawVersion(options),
    onEvent: createDeployRenderer(session.log),
    pollMs: provider.pollMs,
  };
}

/** `cloud plan`: what `cloud deploy` would change; change sets are created and deleted, nothing is applied. */
export function cloudPlanCommand(options: GlobalOptions): Promise<number> {
  return withAwsSession(options, { project: true }, 'cloud plan', async (session, provider) => {
    const { planProjectDeploy, describeDeployPlan } = await import('../../providers/aws/deploy/deploy-project.js');
    const request = await openDeployRequest(options, session, provider);
    const plan = await planProjectDeploy(request);
    const described = await describeDeployPlan(provider, plan);
    session.log.log('info', described.changes === 0 ? 'No changes: the deployed task matches the project' : `${described.changes} change${described.changes === 1 ? '' : 's'} would be made by \`handoff cloud deploy\``);
    printResult(options, described);
    return 0;
  });
}

/** `cloud deploy`: bucket, resources, project push, task and schedules, idempotently; asks before writing changed secrets. */
export function cloudDeployCommand(options: GlobalOptions): Promise<number> {
  return withAwsSession(options, { project: true }, 'cloud deploy', async (session, provider) => {
    const { planProjectDeploy, applyProjectDeploy } = await import('../../providers/aws/deploy/deploy-project.js');
    const request = await openDeployRequest(options, session, provider);
    const plan = await planProjectDeploy(request);
    if (plan.project.secrets.length > 0) {
      process.stderr.write(`Secrets to push:\n${plan.project.secrets.map((s) => `  - ${s.key} (${s.level} level) -> ${s.location}`).join('\n')}\n`);
      if (!(await confirm(options, `Deploy ${provider.names.resourceGroup}/${provider.names.task} and push ${plan.project.secrets.length} secret${plan.project.secrets.length === 1 ? '' : 's'}?`))) {
        session.log.log('info', 'Nothing was deployed (answered no)');
        printResult(options, { status: 'aborted' });
        return 0;
      }
    }
    const result = await applyProjectDeploy(request, plan);
    session.log.log('info', result.changed ? `Deployed ${provider.names.resourceGroup}/${provider.names.task} (${result.image})` : `No changes: ${provider.names.resourceGroup}/${provider.names.task} is already deployed as declared`);
    printResult(options, {
      changed: result.changed,
      image: result.image,
      stacks: result.stacks.map((s) => ({ stack: s.name, kind: s.kind, action: s.action })),
      project: result.project,
      schedules: result.schedules,
    });
    return 0;
  });
}

/** `cloud export --format cloudformation|terraform -o DIR`: the deploy's infrastructure as files; changes nothing in AWS. */
export function cloudExportCommand(options: GlobalOptions, flags: { format?: string; output?: string }): Promise<number> {
  const format = (flags.format ?? 'cloudformation').toLowerCase();
  if (format !== 'cloudformation' && format !== 'terraform') {
    throw new UserError(`unknown export format "${flags.format}"`, { fix: 'use --format cloudformation or --format terraform' });
  }
  if (!flags.output) throw new UserError('cloud export needs a folder to write to', { fix: 'add -o <folder>, e.g. -o infra/' });
  const output = flags.output;
  return withAwsSession(options, { project: true }, 'cloud export', async (session, provider) => {
    const { exportProject } = await import('../../providers/aws/export/export-project.js');
    const result = await exportProject({
      provider,
      project: requireProject(session),
      format,
      outDir: output,
      imageVersion: rawVersion(options),
      onNotice: (m) => session.log.log('warning', m),
    });
    session.log.log('info', `Wrote ${result.files.length} files to ${result.dir}`);
    printResult(options, result);
    return 0;
  });
}
