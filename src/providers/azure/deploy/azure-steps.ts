// The Azure resources of each deploy kind as resource steps: what is declared, how to read what is deployed, how to create it.
import { UserError } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';
import type { ResourceStep } from '../../deploy/resource-plan.js';
import type { AzureProvider } from '../azure-provider.js';
import { CONTAINER_OWNER_METADATA, findContainerConflict } from './check-ownership.js';
import { createEnvironmentBody, createWorkspaceBody } from '../resources/environment.js';
import { createActionGroupBody, createAlertRuleBody } from '../resources/failure-alert.js';
import { createDeployerGrants, createTaskGrants } from '../resources/role-definitions.js';
import { createBlobContainerBody, createKeyVaultBody, createStorageAccountBody, MANAGED_TAGS } from '../resources/store-resources.js';
import { createTaskJob, type JobInput } from '../resources/task-job.js';
import type { ArmResource } from '../sdk/arm.js';
import { readCallerIdentity, type CallerIdentity } from '../sdk/azure-client-config.js';
import type { Job } from '../sdk/container-apps.js';
import type { RoleGrant } from '../sdk/role-assignments.js';

/** Stands for a value Azure gives only once a resource exists (a new identity's client id), in plans made before. */
export const NOT_YET_CREATED = '(known once created)';

const EXISTS = { exists: true } as const;
type Exists = typeof EXISTS;

/** A resource handoff only makes sure exists (shared or named by the user): it is created when missing, never changed. */
function ensureStep(kind: string, what: string, name: string, read: () => Promise<unknown>, create: () => Promise<void>): ResourceStep<Exists> {
  return {
    kind,
    what,
    name,
    desired: EXISTS,
    read: async () => ((await read()) ? EXISTS : undefined),
    create,
    update: async () => undefined,
  };
}

/** Grants as compared: who gets which role where, under which condition (the name follows from these). */
function describeGrants(grants: RoleGrant[]): { scope: string; role: string; principal: string; condition?: string }[] {
  return grants
    .map((g) => ({ scope: g.scope.toLowerCase(), role: g.roleDefinitionId.slice(g.roleDefinitionId.lastIndexOf('/') + 1).toLowerCase(), principal: g.principalId, ...(g.condition ? { condition: g.condition } : {}) }))
    .sort((a, b) => `${a.scope}|${a.role}`.localeCompare(`${b.scope}|${b.role}`));
}

/** The grants of `principalId` at each scope of `desired`, as deployed. */
async function readGrants(provider: AzureProvider, desired: RoleGrant[], principalId: string): Promise<RoleGrant[]> {
  const roles = await provider.apis.roles();
  const found: RoleGrant[] = [];
  for (const scope of [...new Set(desired.map((g) => g.scope))]) found.push(...(await roles.listAtScope(scope)).filter((g) => g.principalId === principalId));
  return found;
}

/** Creates the grants missing from `deployed` and removes the principal's other grants at the same scopes. */
async function syncGrants(provider: AzureProvider, desired: RoleGrant[], principalId: string): Promise<void> {
  const roles = await provider.apis.roles();
  const deployed = await readGrants(provider, desired, principalId);
  for (const grant of desired) if (!deployed.some((d) => d.name === grant.name && (d.condition ?? '') === (grant.condition ?? ''))) await roles.create(grant);
  for (const stale of deployed) if (!desired.some((g) => g.name === stale.name)) await roles.delete(stale.scope, stale.name);
}

/** The caller's identity, read once per provider (one token's claims). */
const callers = new WeakMap<AzureProvider, Promise<CallerIdentity>>();
export function readCaller(provider: AzureProvider): Promise<CallerIdentity> {
  let caller = callers.get(provider);
  if (!caller) {
    caller = readCallerIdentity(provider.config);
    callers.set(provider, caller);
  }
  return caller;
}

/**
 * The store: the Azure resource group, the storage account, the resource group's Blob container, the Key Vault, and
 * the deploying identity's data access to both (an RBAC vault and a no-shared-key account give nobody data access by
 * default, not even who made them). The account and the vault may be shared, so they are made when missing and
 * otherwise left as they are.
 */
export async function createBucketSteps(provider: AzureProvider): Promise<ResourceStep[]> {
  const { names } = provider;
  const arm = await provider.apis.arm();
  const caller = await readCaller(provider);
  const deployerGrants = createDeployerGrants(names, caller.objectId, caller.principalType);
  return [
    ensureStep('bucket', 'Azure resource group', names.azureResourceGroup, () => arm.getResourceGroup(names.azureResourceGroup), async () => {
      await arm.ensureResourceGroup(names.azureResourceGroup, names.location, { ...MANAGED_TAGS });
    }),
    ensureStep('bucket', 'storage account', names.storageAccount, () => arm.get(names.storageAccountId, 'Microsoft.Storage/storageAccounts'), async () => {
      await arm.put(names.storageAccountId, 'Microsoft.Storage/storageAccounts', createStorageAccountBody(names));
    }),
    {
      kind: 'bucket',
      what: 'Blob container',
      name: names.blobContainer,
      desired: { publicAccess: 'None', ...(names.containerOwner ? { owner: names.containerOwner } : {}) },
      read: async () => {
        const found = await arm.get(names.blobContainerId, 'Microsoft.Storage/storageAccounts/blobServices/containers');
        if (!found) return undefined;
        const metadata = (found.properties?.metadata ?? {}) as Record<string, string>;
        // Read while planning, so another project's store is refused before anything is written.
        const conflict = findContainerConflict(names, metadata);
        if (conflict) throw conflict;
        const owner = metadata[CONTAINER_OWNER_METADATA];
        return { publicAccess: String(found.properties?.publicAccess ?? 'None'), ...(names.containerOwner && owner ? { owner } : {}) };
      },
      create: async () => void (await arm.put(names.blobContainerId, 'Microsoft.Storage/storageAccounts/blobServices/containers', createBlobContainerBody(names))),
      update: async () => void (await arm.put(names.blobContainerId, 'Microsoft.Storage/storageAccounts/blobServices/containers', createBlobContainerBody(names))),
    },
    ensureStep('bucket', 'Key Vault', names.keyVault, () => arm.get(names.keyVaultId, 'Microsoft.KeyVault/vaults'), async () => {
      await arm.put(names.keyVaultId, 'Microsoft.KeyVault/vaults', createKeyVaultBody(names, caller.tenantId));
    }),
    {
      kind: 'bucket',
      what: 'role assignments',
      name: `deployer ${caller.objectId}`,
      desired: describeGrants(deployerGrants),
      read: async () => {
        // Before the container and vault exist there is nothing to read at their scopes.
        if (!(await arm.get(names.blobContainerId, 'Microsoft.Storage/storageAccounts/blobServices/containers')) || !(await arm.get(names.keyVaultId, 'Microsoft.KeyVault/vaults'))) return undefined;
        const found = await readGrants(provider, deployerGrants, caller.objectId);
        return found.length === 0 ? undefined : describeGrants(found);
      },
      create: () => syncGrants(provider, deployerGrants, caller.objectId),
      update: () => syncGrants(provider, deployerGrants, caller.objectId),
    },
  ];
}

interface Workspace {
  id: string;
  customerId: string;
}

/** The workspace of handoff's own environment, with its customer id (the id Log Analytics queries use). */
async function readOwnWorkspace(provider: AzureProvider): Promise<Workspace | undefined> {
  const found = await (await provider.apis.arm()).get(provider.names.logWorkspaceId, 'Microsoft.OperationalInsights/workspaces');
  const customerId = found?.properties?.customerId;
  return found && typeof customerId === 'string' ? { id: provider.names.logWorkspaceId, customerId } : undefined;
}

/**
 * The workspace the task's logs go to: handoff's own, or the one deploy.environment sends its logs to (found by its
 * customer id). Undefined before it exists.
 */
export async function readLogWorkspace(provider: AzureProvider): Promise<Workspace | undefined> {
  const { names } = provider;
  if (names.ownsEnvironment) return readOwnWorkspace(provider);
  const environment = await (await provider.apis.containerApps()).getEnvironment(names.environment);
  const customerId = environment?.appLogsConfiguration?.logAnalyticsConfiguration?.customerId;
  if (!customerId) return undefined;
  const arm = await provider.apis.arm();
  for (const id of await arm.listIds('Microsoft.OperationalInsights/workspaces')) {
    const workspace = await arm.get(id, 'Microsoft.OperationalInsights/workspaces');
    if (workspace?.properties?.customerId === customerId) return { id, customerId };
  }
  return { id: '', customerId };
}

/**
 * The resource group's run environment: a Log Analytics workspace and a Container Apps environment sending its
 * containers' output there. With deploy.environment there is nothing to make: that environment must exist.
 */
export async function createResourcesSteps(provider: AzureProvider, deploy: Deploy): Promise<ResourceStep[]> {
  const { names } = provider;
  const apps = await provider.apis.containerApps();
  if (!names.ownsEnvironment) {
    if (!(await apps.getEnvironment(names.environment))) {
      throw new UserError(`the Container Apps environment ${names.environment} (deploy.environment) does not exist in ${names.azureResourceGroup}`, {
        fix: 'create it (az containerapp env create), correct deploy.environment, or remove the key to let handoff make one',
      });
    }
    return [];
  }
  const arm = await provider.apis.arm();
  const workspaceBody = createWorkspaceBody(names, deploy);
  const workspace = await readOwnWorkspace(provider);
  const describeEnvironment = (customerId: string | undefined) => ({ destination: 'log-analytics', customerId: customerId ?? NOT_YET_CREATED, location: names.location.toLowerCase().replace(/\s+/g, '') });
  const putEnvironment = async (): Promise<void> => {
    const current = await readOwnWorkspace(provider);
    if (!current) throw new Error(`the Log Analytics workspace ${names.logWorkspace} is missing`);
    const keys = await arm.post(names.logWorkspaceId, 'sharedKeys', '2020-08-01');
    const sharedKey = String(keys.primarySharedKey ?? '');
    await apps.putEnvironment(names.environment, createEnvironmentBody(names, { customerId: current.customerId, sharedKey }));
  };
  return [
    {
      kind: 'resources',
      what: 'Log Analytics workspace',
      name: names.logWorkspace,
      desired: { sku: 'PerGB2018', retentionInDays: workspaceBody.properties!.retentionInDays },
      read: async () => {
        const found = await arm.get(names.logWorkspaceId, 'Microsoft.OperationalInsights/workspaces');
        return found && { sku: String((found.properties?.sku as { name?: string } | undefined)?.name ?? ''), retentionInDays: found.properties?.retentionInDays };
      },
      create: async () => void (await arm.put(names.logWorkspaceId, 'Microsoft.OperationalInsights/workspaces', workspaceBody)),
      update: async () => void (await arm.put(names.logWorkspaceId, 'Microsoft.OperationalInsights/workspaces', workspaceBody)),
    },
    {
      kind: 'resources',
      what: 'Container Apps environment',
      name: names.environment,
      desired: describeEnvironment(workspace?.customerId),
      read: async () => {
        const found = await apps.getEnvironment(names.environment);
        return found && { destination: found.appLogsConfiguration?.destination ?? '', customerId: found.appLogsConfiguration?.logAnalyticsConfiguration?.customerId ?? '', location: found.location.toLowerCase().replace(/\s+/g, '') };
      },
      create: putEnvironment,
      update: putEnvironment,
    },
  ];
}

/** The job as handoff compares it: only what it sets, ids in lower case (Azure may change their case). */
export function describeJob(job: Job): Record<string, unknown> {
  const container = job.template?.containers?.[0];
  const configuration = job.configuration;
  return {
    environment: (job.environmentId ?? '').toLowerCase(),
    identities: Object.keys(job.identity?.userAssignedIdentities ?? {}).map((id) => id.toLowerCase()),
    trigger: configuration?.triggerType,
    cron: configuration?.scheduleTriggerConfig?.cronExpression,
    replicaTimeout: configuration?.replicaTimeout,
    replicaRetryLimit: configuration?.replicaRetryLimit ?? 0,
    registries: (configuration?.registries ?? []).map((r) => ({ server: r.server, identity: (r.identity ?? '').toLowerCase() })),
    image: container?.image,
    cpu: container?.resources?.cpu,
    memory: container?.resources?.memory,
    env: [...(container?.env ?? [])].map((e) => ({ name: e.name, value: e.value ?? '' })).sort((a, b) => String(a.name).localeCompare(String(b.name))),
    tags: job.tags ?? {},
  };
}

/** The registry's Azure resource id, for the identity's AcrPull grant; undefined for a registry outside this subscription. */
export async function findRegistryId(provider: AzureProvider): Promise<string | undefined> {
  const server = provider.names.registry;
  if (!server) return undefined;
  const arm = await provider.apis.arm();
  // The login server is a property of the registry (`<name>.azurecr.io`), so each of the subscription's is read.
  for (const id of await arm.listIds('Microsoft.ContainerRegistry/registries')) {
    const registry = await arm.get(id, 'Microsoft.ContainerRegistry/registries');
    if (String(registry?.properties?.loginServer ?? '').toLowerCase() === server.toLowerCase()) return id;
  }
  return undefined;
}

interface IdentityFacts {
  principalId: string;
  clientId: string;
}

async function readIdentity(provider: AzureProvider): Promise<IdentityFacts | undefined> {
  const found = await (await provider.apis.arm()).get(provider.names.identityId, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const principalId = found?.properties?.principalId;
  const clientId = found?.properties?.clientId;
  return typeof principalId === 'string' && typeof clientId === 'string' ? { principalId, clientId } : undefined;
}

async function requireIdentity(provider: AzureProvider): Promise<IdentityFacts> {
  const identity = await readIdentity(provider);
  if (!identity) throw new Error(`the managed identity ${provider.names.identity} is missing`);
  return identity;
}

export interface TaskStepsInput {
  deploy: Deploy;
  image: string;
  /** The registry's resource id (AcrPull), when it is an Azure Container Registry of the subscription. */
  registryId?: string;
}

/**
 * The task: its user-assigned identity, its two Key Vault secrets (so access can be granted on them), the identity's
 * grants (its blobs, its secrets, its image), the Container Apps job, and the alert on failed runs with the action
 * group that mails deploy.alarm_email. What depends on the identity is built again when applied, with its real ids.
 */
export async function createTaskSteps(provider: AzureProvider, input: TaskStepsInput): Promise<ResourceStep[]> {
  const { names } = provider;
  const { deploy } = input;
  const arm = await provider.apis.arm();
  const apps = await provider.apis.containerApps();
  const identity = await readIdentity(provider);
  const vaultExists = (await arm.get(names.keyVaultId, 'Microsoft.KeyVault/vaults')) !== undefined;
  const workspace = await readLogWorkspace(provider);
  const jobInput = (clientId: string): JobInput => ({
    image: input.image,
    identityClientId: clientId,
    environmentId: names.environmentId,
    ...(input.registryId && names.registry ? { registryServer: names.registry } : {}),
  });
  const grantsFor = (principalId: string): RoleGrant[] => createTaskGrants(names, principalId, input.registryId);
  const secretStep = (secret: string): ResourceStep<Exists> =>
    ensureStep('task', 'Key Vault secret', secret, async () => (vaultExists ? (await provider.apis.keyVault()).readLatest(secret) : undefined), async () => {
      const vault = await provider.apis.keyVault();
      // Written only when missing: pushed secrets are never replaced by an empty bundle.
      if ((await vault.readLatest(secret)) === undefined) await vault.write(secret, '{}', names.tags);
    });
  const alertBody = (workspaceId: string): ArmResource => createAlertRuleBody(names, workspaceId, deploy.alarm_email ? names.actionGroupId : undefined);
  const describeAlert = (body: ArmResource) => ({
    query: (body.properties?.criteria as { allOf: { query: string }[] } | undefined)?.allOf[0]?.query,
    scopes: ((body.properties?.scopes as string[] | undefined) ?? []).map((s) => s.toLowerCase()),
    actionGroups: (((body.properties?.actions as { actionGroups?: string[] } | undefined)?.actionGroups ?? []) as string[]).map((s) => s.toLowerCase()),
    enabled: body.properties?.enabled,
  });
  const putJob = async (): Promise<void> => void (await apps.putJob(names.job, createTaskJob(names, deploy, jobInput((await requireIdentity(provider)).clientId))));
  const putAlert = async (): Promise<void> => {
    const current = await readLogWorkspace(provider);
    if (!current?.id) throw new UserError(`the Log Analytics workspace of ${names.environment} was not found in the subscription, so the failure alert has nothing to watch`, { fix: 'deploy the resources first (handoff cloud resources create)' });
    await arm.put(names.alertRuleId, 'Microsoft.Insights/scheduledQueryRules', alertBody(current.id));
  };

  const steps: ResourceStep[] = [
    ensureStep('task', 'managed identity', names.identity, () => readIdentity(provider), async () => {
      await arm.put(names.identityId, 'Microsoft.ManagedIdentity/userAssignedIdentities', { location: names.location, tags: names.tags });
    }),
    secretStep(names.resourceGroupSecretName),
    secretStep(names.taskSecretName),
    {
      kind: 'task',
      what: 'role assignments',
      name: names.identity,
      desired: describeGrants(grantsFor(identity?.principalId ?? NOT_YET_CREATED)),
      read: async () => {
        if (!identity) return undefined;
        const found = await readGrants(provider, grantsFor(identity.principalId), identity.principalId);
        return found.length === 0 ? undefined : describeGrants(found);
      },
      create: async () => {
        const { principalId } = await requireIdentity(provider);
        await syncGrants(provider, grantsFor(principalId), principalId);
      },
      update: async () => {
        const { principalId } = await requireIdentity(provider);
        await syncGrants(provider, grantsFor(principalId), principalId);
      },
    },
    {
      kind: 'task',
      what: 'Container Apps job',
      name: names.job,
      desired: describeJob(createTaskJob(names, deploy, jobInput(identity?.clientId ?? NOT_YET_CREATED))),
      read: async () => {
        const found = await apps.getJob(names.job);
        return found && describeJob(found);
      },
      create: putJob,
      update: putJob,
    },
  ];
  if (deploy.alarm_email) {
    const body = createActionGroupBody(names, deploy.alarm_email);
    const describeGroup = (b: ArmResource) => ({ emails: ((b.properties?.emailReceivers as { emailAddress: string }[] | undefined) ?? []).map((r) => r.emailAddress), enabled: b.properties?.enabled });
    steps.push({
      kind: 'task',
      what: 'action group',
      name: names.actionGroup,
      desired: describeGroup(body),
      read: async () => {
        const found = await arm.get(names.actionGroupId, 'Microsoft.Insights/actionGroups');
        return found && describeGroup(found);
      },
      create: async () => void (await arm.put(names.actionGroupId, 'Microsoft.Insights/actionGroups', body)),
      update: async () => void (await arm.put(names.actionGroupId, 'Microsoft.Insights/actionGroups', body)),
    });
  }
  steps.push({
    kind: 'task',
    what: 'alert rule',
    name: names.alertRule,
    desired: describeAlert(alertBody(workspace?.id || NOT_YET_CREATED)),
    read: async () => {
      const found = await arm.get(names.alertRuleId, 'Microsoft.Insights/scheduledQueryRules');
      return found && describeAlert(found);
    },
    create: putAlert,
    update: putAlert,
  });
  if (!deploy.alarm_email) {
    // deploy.alarm_email was removed: the action group handoff made for it (holding the address) goes, after the alert
    // rule above stops naming it. The shared plan has no delete action (as on Google Cloud for the notification
    // channel), so this step declares "no action group" and its update deletes the one there is.
    const group = 'Microsoft.Insights/actionGroups';
    steps.push({
      kind: 'task',
      what: 'action group',
      name: `${names.actionGroup} (none: deploy.alarm_email is not set)`,
      desired: { exists: false },
      read: async () => ({ exists: (await arm.get(names.actionGroupId, group)) !== undefined }),
      create: async () => undefined,
      update: async () => void (await arm.delete(names.actionGroupId, group)),
    });
  }
  return steps;
}

/**
 * Removes the task: its alert and action group, its job, its identity's grants and the identity. Schedules are the
 * schedule lifecycle's; the Key Vault secrets stay (secrets delete removes them), as SSM parameters do on AWS.
 */
export async function deleteTaskResources(provider: AzureProvider, onDeleted: (what: string, name: string, deleted: boolean) => void): Promise<void> {
  const { names } = provider;
  const arm = await provider.apis.arm();
  const apps = await provider.apis.containerApps();
  onDeleted('alert rule', names.alertRule, await arm.delete(names.alertRuleId, 'Microsoft.Insights/scheduledQueryRules'));
  onDeleted('action group', names.actionGroup, await arm.delete(names.actionGroupId, 'Microsoft.Insights/actionGroups'));
  onDeleted('Container Apps job', names.job, await apps.deleteJob(names.job));
  const identity = await readIdentity(provider);
  if (identity) {
    const roles = await provider.apis.roles();
    const grants = await readGrants(provider, createTaskGrants(names, identity.principalId, await findRegistryId(provider)), identity.principalId);
    for (const grant of grants) await roles.delete(grant.scope, grant.name);
    onDeleted('role assignments', names.identity, grants.length > 0);
  }
  onDeleted('managed identity', names.identity, await arm.delete(names.identityId, 'Microsoft.ManagedIdentity/userAssignedIdentities'));
}
