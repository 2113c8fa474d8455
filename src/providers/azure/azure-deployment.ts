// The azure provider's Deployment: its resources behind the provider-neutral deploy commands (plan, deploy, export, cloud <kind>).
import { UserError } from '../../errors.js';
import { validateAlarmEmail } from '../deploy/alarm-email.js';
import type { Project } from '../../project/types.js';
import type { Deployment, ManageRequest } from '../deployment.js';
import { applyResourceDeployment, describeResourceDeployment, describeStepResult, requireProject, type ResourceDeploymentPlan } from '../deploy/resource-deployment.js';
import { applyResourceSteps, planResourceSteps } from '../deploy/resource-plan.js';
import { createTaskDeletionReport, createTaskStatusReport, NOT_CREATED } from '../deploy/task-report.js';
import { describeOtherTasks } from '../deploy/other-tasks.js';
import { planProjectSync } from '../deploy/sync-project.js';
import type { Provider } from '../provider.js';
import type { AzureProvider } from './azure-provider.js';
import type { AzureNames } from './names.js';
import { checkLocation } from './deploy/check-location.js';
import { checkOwnership } from './deploy/check-ownership.js';
import { planScheduleTrigger } from './resources/schedule-trigger.js';
import { resolveJobResources } from './resources/task-job.js';
import { plural } from '../../plural.js';
import { resolveAzureRegistry } from './deploy/image-registry.js';

interface AzureDeploymentPlan extends ResourceDeploymentPlan {
  readonly request: { project: Project; onEvent: ManageRequest['onEvent'] };
}

/**
 * Everything Azure would accept but cannot work, checked before the first call: the Container Apps size, how each
 * schedule fires (its UTC cron, or a recurrence in its zone), and the registry the job pulls from.
 */
export function checkDeployInput(names: Pick<AzureNames, 'stage' | 'registry'>, project: Project): void {
  resolveJobResources(project.deploy);
  // container push and the deploy use one registry, deploy.registry: an image_domain elsewhere is refused here.
  resolveAzureRegistry(project.deploy);
  if (project.deploy.alarm_email !== undefined) validateAlarmEmail(project.deploy.alarm_email);
  const { stage } = names;
  for (const schedule of project.schedules) {
    // The target id names the schedule's job and Logic App, so it is checked before the project is pushed.
    if (!/^[A-Za-z0-9_-]+$/.test(schedule.target_id)) {
      const fix = 'use a target_id of letters, digits, - and _, such as 1 or daily';
      throw new UserError(`schedule target_id "${schedule.target_id}" cannot name a Container Apps job (letters, digits, - and _ only)`, {
        fix,
        diagnostics: [{ severity: 'error', message: 'not usable in an Azure name', path: `${schedule.path}.target_id`, hint: fix }],
      });
    }
    // The job's env sets both: HO_STAGE is the deployed stage, AZURE_CLIENT_ID the task's own identity.
    for (const env of schedule.envs) {
      const reserved =
        env.key === 'HO_STAGE' && env.value !== stage
          ? { message: `schedule ${schedule.target_id} sets HO_STAGE=${env.value}, but the task is deployed for stage ${stage}`, fix: `remove HO_STAGE from the schedule's envs; deploy with -s ${env.value} instead` }
          : env.key === 'AZURE_CLIENT_ID'
            ? { message: `schedule ${schedule.target_id} sets AZURE_CLIENT_ID, which on Azure names the task's own managed identity (handoff sets it)`, fix: "remove AZURE_CLIENT_ID from the schedule's envs; pass another identity's id under another name" }
            : undefined;
      if (reserved) throw new UserError(reserved.message, { fix: reserved.fix, diagnostics: [{ severity: 'error', message: reserved.message, path: `${schedule.path}.envs`, hint: reserved.fix }] });
    }
    planScheduleTrigger(schedule);
  }
  if (!names.registry) {
    throw new UserError('deploy.registry is not set, so the Container Apps job has no image to run', {
      fix: 'add `registry: <name>.azurecr.io` under deploy: (the Azure Container Registry `handoff container push` pushes to)',
    });
  }
}

export function createAzureDeployment(getProvider: () => AzureProvider): Deployment {
  /** The task's steps for the image version asked for, warning when the registry lacks it or is outside Azure. */
  async function planTaskSteps(provider: AzureProvider, project: Project, version: string | undefined, onEvent: ManageRequest['onEvent']) {
    const { resolveTaskImage } = await import('./deploy/resolve-image.js');
    const { createTaskSteps, findRegistryId } = await import('./deploy/azure-steps.js');
    const image = await resolveTaskImage(provider, project, version);
    if (!image.inRegistry) onEvent({ type: 'notice', level: 'warning', message: `the image ${image.uri} is not in ${provider.names.registry} yet: push it (handoff container push) before the task runs` });
    const registryId = await findRegistryId(provider);
    if (!registryId) onEvent({ type: 'notice', level: 'warning', message: `${provider.names.registry} is not an Azure Container Registry of subscription ${provider.names.subscriptionId}: the job pulls its image without credentials` });
    return { image: image.uri, steps: await createTaskSteps(provider, { deploy: project.deploy, image: image.uri, ...(registryId ? { registryId } : {}) }) };
  }

  async function manage(kind: string, action: 'create' | 'update' | 'delete' | 'status', request: ManageRequest): Promise<Record<string, unknown>> {
    const provider = getProvider();
    const { names } = provider;
    const steps = await import('./deploy/azure-steps.js');
    if (action === 'status') return kind === 'task' ? readTaskStatus(provider) : readResourcesStatus(provider);
    // Before any write or delete: what this project would change must be its own (exact tags, and the job's stage).
    if (action !== 'delete') checkDeployInput(provider.names, requireProject(request));
    await checkOwnership(provider, kind === 'task' ? { task: true } : { resources: true });
    if (action !== 'delete') await checkLocation(provider, kind === 'task' ? { task: true } : { resources: true });
    if (kind === 'task' && action !== 'delete') await requireTaskPrerequisites(provider);
    if (action === 'delete') {
      const deleted: { resource: string; what: string; kind: string; action: string }[] = [];
      const report = (what: string, name: string, done: boolean): void => {
        deleted.push({ resource: name, what, kind, action: done ? 'deleted' : 'absent' });
        request.onEvent({ type: 'step-done', kind, what, name, action: done ? 'deleted' : 'absent' });
      };
      if (kind === 'task') {
        const schedules = await provider.schedules.delete();
        await steps.deleteTaskResources(provider, report);
        const job = deleted.find((d) => d.what === 'Container Apps job');
        return createTaskDeletionReport({ task: `${names.resourceGroup}/${names.task}`, action: job?.action === 'deleted' ? 'deleted' : 'absent', schedules, resources: deleted }, {});
      }
      if (!names.ownsEnvironment) return { environment: names.environment, action: 'kept', message: 'deploy.environment names an environment handoff did not make, so it is never deleted' };
      const apps = await provider.apis.containerApps();
      // Every job in the environment, not only this group's: another project may run in it through deploy.environment,
      // and deleting it (and its workspace, which that project's logs and alert rule read) would strand its job.
      const remaining = await apps.listEnvironmentJobs(names.environmentId);
      if (remaining.length > 0) {
        const owners = [...new Set(remaining.map((j) => j.tags?.['handoff-resource-group'] ?? 'not made by handoff'))];
        const others = owners.filter((o) => o !== names.resourceGroup);
        throw new UserError(
          `the environment ${names.environment} still runs ${plural(remaining.length, 'job')} (${remaining.map((j) => `${j.name} of ${j.tags?.['handoff-resource-group'] ? `${j.tags['handoff-resource-group']}/${j.tags['handoff-task'] ?? '?'}` : 'no handoff task'}`).join(', ')}): nothing was deleted`,
          {
            fix:
              others.length > 0
                ? `delete those tasks first (handoff cloud task delete -p <each project>), or keep these resources: ${others.join(', ')} use${others.length === 1 ? 's' : ''} the environment through deploy.environment`
                : 'delete those tasks first (handoff cloud task delete -p <each project>)',
          },
        );
      }
      report('Container Apps environment', names.environment, await apps.deleteEnvironment(names.environment));
      report('Log Analytics workspace', names.logWorkspace, await (await provider.apis.arm()).delete(names.logWorkspaceId, 'Microsoft.OperationalInsights/workspaces'));
      return { resources: deleted };
    }
    const project = requireProject(request);
    const planned =
      kind === 'task'
        ? await planResourceSteps((await planTaskSteps(provider, project, request.imageVersion, request.onEvent)).steps)
        : await planResourceSteps(await steps.createResourcesSteps(provider, project.deploy));
    const results = await applyResourceSteps(planned, request.onEvent);
    const report = { resources: results.map(describeStepResult) };
    if (kind !== 'task' || !results.some((r) => r.what === 'Container Apps job' && r.action === 'updated')) return report;
    // Each schedule's job is a copy of the task's job (image, size, limits, env): rewritten with it, as a deploy does,
    // or scheduled runs would keep the old image until the next deploy.
    const deployed = new Set((await provider.schedules.list(project.schedules)).filter((s) => s.status === 'scheduled' || s.status === 'edited').map((s) => s.target_id));
    const chosen = project.schedules.filter((s) => s.enabled && deployed.has(s.target_id));
    if (chosen.length === 0) return report;
    const schedules = await provider.schedules.create(chosen);
    const rewritten = schedules.filter((s) => s.action !== 'unchanged').map((s) => s.target_id);
    if (rewritten.length > 0) request.onEvent({ type: 'notice', level: 'info', message: `The job of ${plural(rewritten.length, 'schedule')} (${rewritten.join(', ')}) now runs as the task's job does` });
    return { ...report, schedules };
  }

  return {
    manage,
    async findOtherTasks() {
      const { findOtherTasks } = await import('./deploy/group-tasks.js');
      return findOtherTasks(getProvider());
    },
    async plan(request) {
      const provider = getProvider();
      const { project } = request;
      checkDeployInput(provider.names, project);
      await checkOwnership(provider, { resources: true, task: true });
      // Before anything is pushed: a deploy that changes region would stop at the first resource Azure cannot move.
      await checkLocation(provider, { resources: true, task: true });
      const steps = await import('./deploy/azure-steps.js');
      const bucket = await planResourceSteps(await steps.createBucketSteps(provider));
      const resources = await planResourceSteps(await steps.createResourcesSteps(provider, project.deploy));
      const task = await planTaskSteps(provider, project, request.imageVersion, request.onEvent);
      const taskSteps = await planResourceSteps(task.steps);
      const storeMissing = bucket.some((s) => s.action === 'create' && (s.step.what === 'Blob container' || s.step.what === 'Key Vault'));
      // The task's prefix in the container may be another project's (a shared deploy.bucket): refused before any write.
      if (!storeMissing) await provider.checkStoreOwner();
      // Before the store exists (a first deploy) everything in it is new: reading it would fail.
      const reader: Provider = storeMissing ? { ...provider, parameters: { ...provider.parameters, listByPath: async () => [] } } : provider;
      const projectPlan = await planProjectSync(reader, {
        projectFile: project.file,
        projectDir: project.dir,
        secrets: request.secrets,
        allowAdvancedTier: request.allowAdvancedTier,
        bucketExists: !storeMissing,
        log: (level, message) => request.onEvent({ type: 'notice', level: level === 'warning' ? 'warning' : 'info', message }),
      });
      // Schedule jobs copy the task's job: when it changes, so do they (the apply updates them after it).
      const jobChanges = taskSteps.some((s) => s.step.what === 'Container Apps job' && s.action === 'update');
      const schedules = (await provider.schedules.list(project.schedules)).map((s) =>
        jobChanges && s.status === 'scheduled' && s.enabled ? { ...s, status: 'edited' as const, differences: ['target'] } : s,
      );
      // A renamed deploy.task deploys a new task beside the old one, whose schedules go on firing: say what else runs.
      const { findOtherTasks } = await import('./deploy/group-tasks.js');
      const otherTasks = await findOtherTasks(provider);
      const others = describeOtherTasks(provider.names.resourceGroup, otherTasks);
      if (others) request.onEvent({ type: 'notice', level: 'info', message: others });
      // The Key Vault secret steps are about each bundle's existence: one the project push rewrites is an update, not
      // "unchanged"; a shared (resource group) one changes what the group's other tasks read, so they are named.
      const written = (level: string): string[] => projectPlan.secrets.filter((s) => s.push && s.level === level).map((s) => s.key);
      const rewrites = new Map([[provider.names.resourceGroupSecretName, written('resource group')], [provider.names.taskSecretName, written('task')]]);
      const secretSteps = taskSteps.map((s) => (s.step.what === 'Key Vault secret' && s.action === 'unchanged' && (rewrites.get(s.step.name)?.length ?? 0) > 0 ? { ...s, action: 'update' as const, changes: ['value'] } : s));
      const shared = written('resource group');
      if (shared.length > 0 && otherTasks.length > 0) {
        const list = otherTasks.map((o) => `task ${o.task} (${o.where})`).join(', ');
        request.onEvent({ type: 'notice', level: 'warning', message: `${shared.join(', ')} of resource group ${provider.names.resourceGroup} ${shared.length === 1 ? 'is' : 'are'} rewritten: the other deployed tasks of the group that read ${shared.length === 1 ? 'it' : 'them'} get the new value at their next run: ${list}` });
      }
      const plan: AzureDeploymentPlan = { project: projectPlan, image: task.image, steps: [...bucket, ...resources, ...secretSteps], schedules, request: { project, onEvent: request.onEvent } };
      return plan;
    },
    async describePlan(plan) {
      return describeResourceDeployment(plan as AzureDeploymentPlan);
    },
    async apply(plan) {
      const { request } = plan as AzureDeploymentPlan;
      return applyResourceDeployment(getProvider(), plan as AzureDeploymentPlan, request.project, request.onEvent);
    },
    async export(request) {
      const { exportAzureProject } = await import('./export/export-project.js');
      return exportAzureProject({ provider: getProvider(), ...request });
    },
  };
}

/**
 * `cloud task create|update` writes into what `cloud bucket create` and `cloud resources create` make: the identity is
 * granted the Blob container and the job runs in the environment. Checked before the first write, with the command
 * that makes the missing one.
 */
async function requireTaskPrerequisites(provider: AzureProvider): Promise<void> {
  const { names } = provider;
  const arm = await provider.apis.arm();
  if (!(await arm.get(names.blobContainerId, 'Microsoft.Storage/storageAccounts/blobServices/containers')) || !(await arm.get(names.keyVaultId, 'Microsoft.KeyVault/vaults'))) {
    throw new UserError(`the store (Blob container ${names.blobContainer} in ${names.storageAccount}, Key Vault ${names.keyVault}) does not exist yet, and the task's identity is granted access to it; nothing was created`, {
      fix: 'run `handoff cloud bucket create` and `handoff cloud resources create` first (or `handoff cloud deploy`, which makes everything in order)',
    });
  }
  if (!(await (await provider.apis.containerApps()).getEnvironment(names.environment))) {
    throw new UserError(
      names.ownsEnvironment
        ? `the Container Apps environment ${names.environment} does not exist yet, and the task's job runs in it; nothing was created`
        : `the Container Apps environment ${names.environment} (deploy.environment) does not exist in ${names.azureResourceGroup}; nothing was created`,
      { fix: names.ownsEnvironment ? 'run `handoff cloud resources create` first (or `handoff cloud deploy`)' : 'create it (az containerapp env create), correct deploy.environment, or remove the key to let handoff make one' },
    );
  }
}

/** `cloud resources status`: the environment and workspace, as deployed. */
async function readResourcesStatus(provider: AzureProvider): Promise<Record<string, unknown>> {
  const { names } = provider;
  const { readLogWorkspace } = await import('./deploy/azure-steps.js');
  const environment = await (await provider.apis.containerApps()).getEnvironment(names.environment);
  const workspace = await readLogWorkspace(provider);
  return {
    environment: { name: names.environment, status: environment ? (environment.provisioningState ?? 'Succeeded') : 'NOT_CREATED', managed_by_handoff: names.ownsEnvironment },
    log_workspace: workspace ? { id: workspace.id || undefined, customer_id: workspace.customerId } : 'NOT_CREATED',
  };
}

/** `cloud task status`: the job (image, size, limits), the identity and its grants, the alert, the latest runs. */
async function readTaskStatus(provider: AzureProvider): Promise<Record<string, unknown>> {
  const { names } = provider;
  const apps = await provider.apis.containerApps();
  const arm = await provider.apis.arm();
  const job = await apps.getJob(names.job);
  const identity = await arm.get(names.identityId, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const alert = await arm.get(names.alertRuleId, 'Microsoft.Insights/scheduledQueryRules');
  let grants = 0;
  if (identity) {
    // The scopes its grants can have: its blobs, its two secrets, the registry.
    const { createTaskGrants } = await import('./resources/role-definitions.js');
    const { findRegistryId } = await import('./deploy/azure-steps.js');
    const principal = String(identity.properties?.principalId);
    const roles = await provider.apis.roles();
    for (const scope of new Set(createTaskGrants(names, principal, await findRegistryId(provider)).map((g) => g.scope))) {
      grants += (await roles.listAtScope(scope)).filter((g) => g.principalId === principal && g.scope.toLowerCase() === scope.toLowerCase()).length;
    }
  }
  const container = job?.template?.containers?.[0];
  const status = job ? (job.provisioningState ?? 'Succeeded') : NOT_CREATED;
  return createTaskStatusReport({ task: `${names.resourceGroup}/${names.task}`, status, ...(container?.image ? { image: container.image } : {}) }, {
    job: job
      ? {
          name: names.job,
          status: job.provisioningState ?? 'Succeeded',
          image: container?.image,
          cpu: container?.resources?.cpu,
          memory: container?.resources?.memory,
          replica_timeout: job.configuration?.replicaTimeout,
          replica_retry_limit: job.configuration?.replicaRetryLimit ?? 0,
        }
      : { name: names.job, status: 'NOT_CREATED' },
    identity: { name: names.identity, status: identity ? 'Succeeded' : 'NOT_CREATED', ...(identity ? { client_id: identity.properties?.clientId, role_assignments: grants } : {}) },
    alert_rule: { name: names.alertRule, status: alert ? 'Succeeded' : 'NOT_CREATED' },
  });
}
