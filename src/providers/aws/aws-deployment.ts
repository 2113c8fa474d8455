// The AWS provider's Deployment: its stacks behind the provider-neutral deploy commands (plan, deploy, export, cloud <kind>).
import { UserError } from '../../errors.js';
import type { Project } from '../../project/types.js';
import { parseVarTexts, parseVarTokens, readVarBoolean } from '../../template/parse-vars.js';
import type { DeployEvent, DeploymentPlan, Deployment, ManageRequest } from '../deployment.js';
import type { AwsProvider } from './aws-provider.js';
import type { DeployEvent as StackDeployEvent } from './deploy/apply-deploy.js';
import type { DeployRequest as StackDeployRequest, ProjectDeployPlan } from './deploy/deploy-project.js';
import { createTaskDeletionReport, createTaskStatusReport } from '../deploy/task-report.js';
import { requireStore } from '../store/require-store.js';

/** The shared plan, holding the stacks' own plan and the request it was made for (apply needs both). */
interface AwsDeploymentPlan extends DeploymentPlan {
  readonly aws: ProjectDeployPlan;
  readonly request: StackDeployRequest;
}

/** Stack events in the provider-neutral shape: a stack is a step, CloudFormation's resource events its progress. */
export function toDeployEvent(event: StackDeployEvent): DeployEvent {
  if (event.type === 'stack-start') return { type: 'step-start', kind: event.kind, what: 'stack', name: event.name, action: event.action, ...(event.action === 'update' ? { how: 'change set' } : {}) };
  if (event.type === 'stack-done') return { type: 'step-done', kind: event.kind, what: 'stack', name: event.name, action: event.action };
  if (event.type === 'stack-progress') {
    const e = event.event;
    return { type: 'step-progress', name: event.name, message: `${e.logicalId} (${e.resourceType}) ${e.status}${e.reason ? `: ${e.reason}` : ''}`, failed: e.status.endsWith('_FAILED') };
  }
  return event;
}

/** `-v grantee_account_id=… external_id=…`: who may assume the deploy role (default: this account). */
function readRoleVars(rawVars: readonly string[]): { granteeAccountId?: string; externalId?: string } {
  // Account ids may start with 0: read the text, not the number the -v parser makes of it.
  const texts = parseVarTexts([...rawVars], '-v');
  const grantee = texts.grantee_account_id;
  if (grantee !== undefined && !/^\d{12}$/.test(grantee)) {
    throw new UserError(`-v grantee_account_id=${grantee} is not a 12-digit AWS account id`, { fix: 'name the account that will assume the deploy role, e.g. -v grantee_account_id=111122223333' });
  }
  // STS takes external ids of 2 to 1,224 of these characters: any other would make a role nobody can assume.
  const externalId = texts.external_id;
  if (externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) {
    throw new UserError(`-v external_id=${JSON.stringify(externalId)} is not an external id STS accepts (2 to 1,224 letters, digits and _+=,.@:/-)`, { fix: 'use a value such as a UUID, shared with the account that assumes the role' });
  }
  return { ...(grantee !== undefined ? { granteeAccountId: grantee } : {}), ...(externalId !== undefined ? { externalId } : {}) };
}

function requireProject(request: { project?: Project }): Project {
  if (!request.project) throw new UserError('this command needs the project folder', { fix: 'add -p <folder holding project.yml>' });
  return request.project;
}

export function createAwsDeployment(getProvider: () => AwsProvider): Deployment {
  async function manage(kind: string, action: 'create' | 'update' | 'delete' | 'status', request: ManageRequest): Promise<Record<string, unknown>> {
    const provider = getProvider();
    const stacks = await import('./deploy/manage-stacks.js');
    const { deleteStackStep } = await import('./deploy/apply-deploy.js');
    const apply = { onEvent: (e: StackDeployEvent) => request.onEvent(toDeployEvent(e)), pollMs: provider.pollMs };
    const { names } = provider;
    const role = { ...readRoleVars(request.rawVars), ...(request.project ? { project: request.project } : {}) };
    if (kind === 'role' && (action === 'create' || action === 'update') && role.granteeAccountId !== undefined && role.granteeAccountId !== names.accountId && role.externalId === undefined) {
      request.onEvent({
        type: 'notice',
        level: 'warning',
        message: `the deploy role will trust account ${role.granteeAccountId} without an external id: whoever that account lets assume roles can use it; add -v external_id=<a value shared with them> (AWS's guard against the confused deputy)`,
      });
    }

    if (action === 'status') {
      if (kind === 'task') {
        const { status, ...own } = await stacks.readTaskStatus(provider);
        return createTaskStatusReport({ task: `${names.resourceGroup}/${names.task}`, status, ...(own.task_definition?.image ? { image: String(own.task_definition.image) } : {}) }, own);
      }
      if (kind === 'resources') return { ...(await stacks.readStackStatus(provider, 'resources', names.resourcesStack)) };
      return { ...(await stacks.readStackStatus(provider, 'role', stacks.findRoleStackName(provider, role))) };
    }
    if (action === 'delete') {
      if (kind === 'task') {
        const result = await stacks.deleteTaskStack(provider, { ...apply, deleteLogs: readVarBoolean(parseVarTokens([...request.rawVars], '-v'), 'delete_logs', '-v') === true });
        if (result.logs.action === 'kept') {
          request.onEvent({ type: 'notice', level: 'info', message: `Kept the log group ${result.logs.group}: \`handoff cloud logs\` still reads it; -v delete_logs=true deletes it` });
        }
        const stackAction = result.stack.action === 'absent' ? 'absent' : 'deleted';
        const resources = [
          { resource: result.stack.name, what: 'stack', kind: 'task', action: stackAction },
          // The log group is retained by the stack (DeletionPolicy Retain): kept, unless -v delete_logs=true.
          { resource: result.logs.group, what: 'log group', kind: 'task', action: result.logs.action === 'kept' ? 'retained' : result.logs.action },
        ];
        return createTaskDeletionReport(
          { task: `${names.resourceGroup}/${names.task}`, action: stackAction, schedules: result.schedules, resources },
          { stack: result.stack.name, log_group: result.logs },
        );
      }
      const result = kind === 'resources' ? await stacks.deleteResourcesStack(provider, apply) : await deleteStackStep(provider.cloudFormation, 'role', stacks.findRoleStackName(provider, role), apply);
      return { stack: result.name, action: result.action };
    }
    let result;
    if (kind === 'resources') result = await stacks.upsertResourcesStack(provider, requireProject(request), action, apply);
    else if (kind === 'task') {
      const onWarning = (message: string): void => request.onEvent({ type: 'notice', level: 'warning', message });
      // As on Google Cloud and Azure: a task without its bucket could only fail (and its schedules keep firing into it).
      const beforeApply = () => requireStore(provider, { before: 'task', ownsBucket: requireProject(request).deploy.bucket === undefined });
      result = await stacks.upsertTaskStack(provider, requireProject(request), action, { ...apply, imageVersion: request.imageVersion, onWarning, beforeApply });
    } else result = await stacks.upsertRoleStack(provider, stacks.createRoleInput(provider, role), action, apply);
    return {
      stack: result.name,
      action: result.action,
      ...(result.outputs ? { outputs: result.outputs } : {}),
      ...('schedules' in result && result.schedules ? { schedules: result.schedules } : {}),
    };
  }

  return {
    manage,
    async findOtherTasks() {
      const { findOtherTasks } = await import('./deploy/other-tasks.js');
      return findOtherTasks(getProvider());
    },
    async plan(request) {
      const provider = getProvider();
      const { planProjectDeploy } = await import('./deploy/deploy-project.js');
      const awsRequest: StackDeployRequest = {
        provider,
        project: request.project,
        secrets: request.secrets,
        allowAdvancedTier: request.allowAdvancedTier,
        imageVersion: request.imageVersion,
        onEvent: (e: StackDeployEvent) => request.onEvent(toDeployEvent(e)),
        pollMs: provider.pollMs,
      };
      const aws = await planProjectDeploy(awsRequest);
      const plan: AwsDeploymentPlan = { project: aws.project, aws, request: awsRequest };
      return plan;
    },
    async describePlan(plan) {
      const { describeDeployPlan } = await import('./deploy/deploy-project.js');
      return describeDeployPlan(getProvider(), (plan as AwsDeploymentPlan).aws);
    },
    async apply(plan) {
      const { applyProjectDeploy } = await import('./deploy/deploy-project.js');
      const { aws, request } = plan as AwsDeploymentPlan;
      const result = await applyProjectDeploy(request, aws);
      return {
        changed: result.changed,
        image: result.image,
        report: {
          changed: result.changed,
          image: result.image,
          stacks: result.stacks.map((s) => ({ stack: s.name, kind: s.kind, action: s.action })),
          project: result.project,
          schedules: result.schedules,
        },
      };
    },
    async export(request) {
      const { exportProject } = await import('./export/export-project.js');
      return exportProject({
        provider: getProvider(),
        project: request.project,
        format: request.format as 'cloudformation' | 'terraform',
        outDir: request.outDir,
        imageVersion: request.imageVersion,
        onNotice: request.onNotice,
      });
    },
  };
}
