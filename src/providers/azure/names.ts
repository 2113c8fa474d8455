// Every Azure name handoff uses, built in this one file and checked against Azure's length and character rules.
import { createHash } from 'node:crypto';
import { isValidRepositoryName, toRepositoryName } from '../../container/image-name.js';
import { checkBundledSecretKey, createNameError, findNameProblem as findProblem, throwIfNameProblem as throwIfProblem, type Blame, type NameProblem, type NameRule } from '../deploy/name-rules.js';
import { UserError } from '../../errors.js';
import type { Deploy } from '../../project/types.js';
import type { DeployTarget, StoreNames } from '../provider.js';
import { createS3Layout, createStagedResourceGroup } from '../store/store-layout.js';

/** Where names come from: the `deploy` keys, the stage, and the subscription and Azure resource group deployed to. */
export interface AzureNamesInput {
  /** `deploy.resource_group` (handoff's), without the stage prefix. */
  resourceGroup: string;
  /** `deploy.task`, bare in every name (SPEC §4). */
  task: string;
  stage: string;
  /** `deploy.subscription_id`. */
  subscriptionId: string;
  /** `deploy.resource_group_name`: Azure's resource group, which holds the resources. */
  azureResourceGroup: string;
  /** `deploy.location`. */
  location: string;
  /** `deploy.bucket`: the Blob container; absent means `handoff-<RG>-<last 8 hex of md5(subscription id)>`. */
  bucket?: string;
  storageAccount?: string;
  keyVault?: string;
  /** `deploy.environment`: an existing Container Apps environment; absent means the resource group's own. */
  environment?: string;
  /** `deploy.registry`: the registry's login server. */
  registry?: string;
  /** `deploy.container_image`; absent means the task name, lowercased. */
  containerImage?: string;
}

export interface AzureNames extends StoreNames {
  subscriptionId: string;
  /** Azure's resource group (deploy.resource_group_name), never handoff's `resourceGroup`. */
  azureResourceGroup: string;
  /** `/subscriptions/<id>/resourceGroups/<name>`. */
  azureResourceGroupId: string;
  location: string;
  storageAccount: string;
  storageAccountId: string;
  /** The Blob container of the resource group's store (= `bucket`). */
  blobContainer: string;
  blobContainerId: string;
  /**
   * The mark (`<stage>/<resource group>`, exact case) in the default container's metadata: its name is lowercase and
   * joins stage and resource group with "-", so `Etl` meets `etl` and prod + `dev-etl` meets dev + `etl` in it.
   * Undefined for a container named by deploy.bucket, which the user may share on purpose.
   */
  containerOwner?: string;
  keyVault: string;
  keyVaultId: string;
  /** Key Vault secrets holding the task's and the resource group's secrets (one per secret path). */
  taskSecretName: string;
  resourceGroupSecretName: string;
  /** The Key Vault secret of a secret path (`/handoff/<RG>[/<task>]`); undefined for a path that is not one of handoff's. */
  secretName(path: string): string | undefined;
  /** The Container Apps environment the jobs run in, and whether handoff made it (and its Log Analytics workspace). */
  environment: string;
  environmentId: string;
  ownsEnvironment: boolean;
  logWorkspace: string;
  logWorkspaceId: string;
  /** The task's user-assigned managed identity. */
  identity: string;
  identityId: string;
  /** The task's Container Apps job (manual trigger) and its one container. */
  job: string;
  jobId: string;
  containerName: string;
  /**
   * The Container Apps job of one `schedules:` entry (a schedule trigger, or a manual one that the Logic App of the
   * same name starts, for a zone with daylight saving), and the ids of both.
   */
  scheduleJob(targetId: string): string;
  scheduleJobId(targetId: string): string;
  scheduleWorkflowId(targetId: string): string;
  /** The alert on failed runs and the action group it notifies (deploy.alarm_email). */
  alertRule: string;
  alertRuleId: string;
  actionGroup: string;
  actionGroupId: string;
  actionGroupShortName: string;
  registry?: string;
  /** The image's name in the registry: `deploy.container_image`, else the task, lowercased. */
  imageName: string;
  /** `<registry>/<image>:<version>`. */
  imageUri(version: string): string;
  /** Tags on everything handoff makes, to find the task's resources exactly (tag values keep their case). */
  tags: Record<string, string>;
}

// Container Apps job names: 2-32 lowercase letters, digits and hyphens, starting with a letter, ending with a letter or
// digit, without "--" (`az containerapp job create --name`; Microsoft.App/jobs).
const JOB_MAX = 32;
const TASK_JOB_MAX = JOB_MAX - 6;
const JOB_RULE: NameRule = { what: 'Container Apps job name', min: 2, max: JOB_MAX, pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/, allowed: 'lowercase letters, digits and single hyphens, starting with a letter' };
// Blob container names: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit
// (Blob Storage, "Naming and referencing containers").
const CONTAINER_RULE: NameRule = { what: 'Blob container name', min: 3, max: 63, pattern: /^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/, allowed: 'lowercase letters, digits and single hyphens, starting and ending with a letter or digit' };
// Key Vault secret names: 1-127 letters, digits and hyphens (Key Vault, "About keys, secrets, and certificates").
const SECRET_MAX = 127;
const SECRET_RULE: NameRule = { what: 'Key Vault secret name', min: 1, max: SECRET_MAX, pattern: /^[A-Za-z0-9-]+$/, allowed: 'letters, digits and hyphens' };
// User-assigned identity names: 3-128 letters, digits, hyphens and underscores, starting with a letter or digit
// (Microsoft.ManagedIdentity/userAssignedIdentities).
const IDENTITY_RULE: NameRule = { what: 'managed identity name', min: 3, max: 128, pattern: /^[A-Za-z0-9][A-Za-z0-9_-]*$/, allowed: 'letters, digits, - and _, starting with a letter or digit' };
// Log Analytics workspace names: 4-63 letters, digits and hyphens, starting and ending with a letter or digit
// (Microsoft.OperationalInsights/workspaces).
const WORKSPACE_RULE: NameRule = { what: 'Log Analytics workspace name', min: 4, max: 63, pattern: /^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$/, allowed: 'letters, digits and hyphens, starting and ending with a letter or digit' };
// Container Apps environment names: lowercase letters, digits and hyphens, starting with a letter, under 60 characters.
const ENVIRONMENT_RULE: NameRule = { what: 'Container Apps environment name', min: 2, max: 59, pattern: /^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/, allowed: 'lowercase letters, digits and single hyphens, starting with a letter' };
// Scheduled query rules and action groups: 1-260 characters without <>*%{}&:\?/#| (Microsoft.Insights naming rules).
const INSIGHTS_RULE: NameRule = { what: 'alert rule name', min: 1, max: 260, pattern: /^[^<>*%{}&:\\?/#|\s]+$/, allowed: 'anything but spaces and < > * % { } & : \\ ? / # |' };
// Resource groups, tasks and stages become parts of names: letters, digits and inner hyphens (the same rule as on the
// other clouds, so a project moves between them unchanged).
const NAME_PART = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

function hashHex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * The task's Container Apps job name: the readable part, lowercased and cut to fit, then 6 hex digits of what it
 * stands for. The digits are always there because hyphens join the parts: RG `etl-a` with task `b` and RG `etl` with
 * task `a-b` would otherwise both be `ho-etl-a-b`, and a job name has no other separator to tell them apart. It is at
 * most 26 characters, so a schedule's job (`<job>-<5 hex>`) still fits Container Apps' 32.
 */
export function createJobName(parts: string[]): string {
  const digest = hashHex(parts.join('\u0000'), 6);
  const readable = `ho-${parts.join('-')}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-');
  return `${readable.slice(0, TASK_JOB_MAX - 7).replace(/-+$/, '')}-${digest}`;
}

/** A schedule's job: the task's job name and 5 hex digits of the target id, so all of a task's jobs share its name. */
export function createScheduleJobName(taskJob: string, targetId: string): string {
  return `${taskJob}-${hashHex(targetId, 5)}`;
}

/** The Key Vault secret of a secret path: its parts joined with hyphens, then 8 hex digits of the exact path. */
export function createSecretName(path: string): string | undefined {
  const parts = path.replace(/\/+$/, '').split('/');
  if (parts[0] !== '' || parts[1] !== 'handoff' || parts.length < 3 || parts.length > 4) return undefined;
  const readable = ['handoff', ...parts.slice(2)].join('-').replace(/[^A-Za-z0-9-]+/g, '-');
  return `${readable.slice(0, SECRET_MAX - 9)}-${hashHex(parts.join('/'), 8)}`;
}

/** `handoff-<RG>-<last 8 hex of md5(subscription id)>`: the default Blob container (SPEC §6, the subscription for the account). */
export function createDefaultContainerName(stagedResourceGroup: string, subscriptionId: string): string {
  const digest = createHash('md5').update(subscriptionId).digest('hex');
  return `handoff-${stagedResourceGroup.toLowerCase()}-${digest.slice(-8)}`;
}

/**
 * Storage account and Key Vault names are global across Azure, so the defaults are made of the subscription and the
 * Azure resource group: one account and one vault per Azure resource group, shared by its handoff resource groups.
 */
export function createDefaultStorageAccount(subscriptionId: string, azureResourceGroup: string): string {
  return `handoff${hashHex(`${subscriptionId.toLowerCase()}/${azureResourceGroup.toLowerCase()}`, 16)}`;
}

export function createDefaultKeyVault(subscriptionId: string, azureResourceGroup: string): string {
  return `handoff-${hashHex(`${subscriptionId.toLowerCase()}/${azureResourceGroup.toLowerCase()}`, 16)}`;
}

/** A role assignment's name: a GUID made from what it grants, so creating it again finds the same assignment. */
export function createRoleAssignmentName(scope: string, principal: string, roleDefinitionId: string): string {
  const h = createHash('sha256').update(`${scope.toLowerCase()}|${principal}|${roleDefinitionId.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The ARM id of a resource in the Azure resource group. */
export function createResourceId(names: Pick<AzureNames, 'azureResourceGroupId'>, type: string, name: string): string {
  return `${names.azureResourceGroupId}/providers/${type}/${name}`;
}

/**
 * Builds and checks every Azure name of one deploy task. Names that break Azure's rules throw one UserError led by
 * the worst problem, with every problem as a diagnostic.
 */
export function createAzureNames(input: AzureNamesInput): AzureNames {
  checkPart(input.stage, 'stage', '-s/--stage');
  checkPart(input.resourceGroup, 'resource group', 'deploy.resource_group');
  checkPart(input.task, 'task', 'deploy.task');

  const problems: NameProblem[] = [];
  const check = (name: string, rule: NameRule, blame: Blame): string => {
    const problem = findProblem(name, rule, blame, 'Azure');
    if (problem) problems.push(problem);
    return name;
  };

  const rg = createStagedResourceGroup(input.resourceGroup, input.stage);
  const { task, subscriptionId, azureResourceGroup, location } = input;
  const rgText = input.stage === 'prod' ? 'deploy.resource_group' : `deploy.resource_group (with its "${input.stage}-" stage prefix)`;
  const taskBlame: Blame = { inputs: `${rgText} or deploy.task`, path: 'deploy.task' };
  const azureResourceGroupId = `/subscriptions/${subscriptionId}/resourceGroups/${azureResourceGroup}`;
  const id = (type: string, name: string): string => createResourceId({ azureResourceGroupId }, type, name);

  const blobContainer = input.bucket ?? createDefaultContainerName(rg, subscriptionId);
  check(
    blobContainer,
    CONTAINER_RULE,
    input.bucket === undefined ? { inputs: rgText, path: 'deploy.resource_group', fix: 'use a shorter deploy.resource_group, or set deploy.bucket' } : { inputs: 'deploy.bucket', path: 'deploy.bucket' },
  );
  const storageAccount = input.storageAccount ?? createDefaultStorageAccount(subscriptionId, azureResourceGroup);
  const keyVault = input.keyVault ?? createDefaultKeyVault(subscriptionId, azureResourceGroup);
  const storageAccountId = id('Microsoft.Storage/storageAccounts', storageAccount);
  const keyVaultId = id('Microsoft.KeyVault/vaults', keyVault);

  const paths = { taskPath: `/handoff/${rg}/${task}`, resourceGroupPath: `/handoff/${rg}` };
  const resourceGroupSecretName = check(createSecretName(paths.resourceGroupPath)!, SECRET_RULE, { inputs: rgText, path: 'deploy.resource_group' });
  const taskSecretName = check(createSecretName(paths.taskPath)!, SECRET_RULE, taskBlame);

  const ownsEnvironment = input.environment === undefined;
  const environment = input.environment ?? check(`handoff-${rg.toLowerCase()}`, ENVIRONMENT_RULE, { inputs: rgText, path: 'deploy.resource_group', fix: 'use a shorter deploy.resource_group, or name an existing environment in deploy.environment' });
  const logWorkspace = check(`handoff-${rg}`, WORKSPACE_RULE, { inputs: rgText, path: 'deploy.resource_group' });
  // RG and task hold no `_`, so `_` between them keeps every task's names apart where Azure allows it.
  const identity = check(`handoff-${rg}_${task}`, IDENTITY_RULE, taskBlame);
  const job = check(createJobName([rg, task]), JOB_RULE, taskBlame);
  const scheduleJob = (targetId: string): string => {
    if (!/^[A-Za-z0-9_-]+$/.test(targetId)) {
      throwIfProblem({ message: `schedule target_id "${targetId}" cannot name a Container Apps job (letters, digits, - and _ only)`, path: 'schedules[].target_id', fix: 'use a target_id such as 1 or daily', over: 0 });
    }
    return createScheduleJobName(job, targetId);
  };
  const alertRule = check(`handoff-${rg}_${task}-failed-runs`, INSIGHTS_RULE, taskBlame);
  const actionGroup = check(`handoff-${rg}_${task}`, INSIGHTS_RULE, taskBlame);

  // Checked when an image is named (deploy, push), not for store commands, which never use it.
  const imageName = input.containerImage ?? toRepositoryName(task);

  const names: AzureNames = {
    stage: input.stage,
    bareResourceGroup: input.resourceGroup,
    resourceGroup: rg,
    task,
    bucket: blobContainer,
    s3: createS3Layout(task),
    ssmTaskPath: paths.taskPath,
    ssmResourceGroupPath: paths.resourceGroupPath,
    taskParameter: (key) => `${paths.taskPath}/${checkBundledSecretKey(key)}`,
    resourceGroupParameter: (key) => `${paths.resourceGroupPath}/${checkBundledSecretKey(key)}`,
    subscriptionId,
    azureResourceGroup,
    azureResourceGroupId,
    location,
    storageAccount,
    storageAccountId,
    blobContainer,
    blobContainerId: `${storageAccountId}/blobServices/default/containers/${blobContainer}`,
    ...(input.bucket === undefined ? { containerOwner: `${input.stage}/${input.resourceGroup}` } : {}),
    keyVault,
    keyVaultId,
    taskSecretName,
    resourceGroupSecretName,
    secretName: createSecretName,
    environment,
    environmentId: id('Microsoft.App/managedEnvironments', environment),
    ownsEnvironment,
    logWorkspace,
    logWorkspaceId: id('Microsoft.OperationalInsights/workspaces', logWorkspace),
    identity,
    identityId: id('Microsoft.ManagedIdentity/userAssignedIdentities', identity),
    job,
    jobId: id('Microsoft.App/jobs', job),
    containerName: 'handoff',
    scheduleJob,
    scheduleJobId: (targetId) => id('Microsoft.App/jobs', scheduleJob(targetId)),
    scheduleWorkflowId: (targetId) => id('Microsoft.Logic/workflows', scheduleJob(targetId)),
    alertRule,
    alertRuleId: id('Microsoft.Insights/scheduledQueryRules', alertRule),
    actionGroup,
    actionGroupId: id('Microsoft.Insights/actionGroups', actionGroup),
    // Shown in the emails and texts of the action group: at most 12 characters.
    actionGroupShortName: 'handoff',
    ...(input.registry ? { registry: input.registry } : {}),
    imageName,
    imageUri: (version) => {
      // Image tags: up to 128 characters of `[a-zA-Z0-9_][a-zA-Z0-9_.-]*` (the distribution reference grammar).
      if (!/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$/.test(version)) {
        throwIfProblem({ message: `image version "${version}" is not a valid image tag (up to 128 letters, digits, _ . -, not starting with . or -)`, path: 'deploy.image_version', fix: 'use a tag such as 0.1', over: 0 });
      }
      if (!isValidRepositoryName(imageName)) {
        throwIfProblem({ message: `image name "${imageName}" is not valid in a container registry`, path: input.containerImage ? 'deploy.container_image' : 'deploy.task', fix: 'set deploy.container_image to lowercase letters and digits joined by . _ or -', over: 0 });
      }
      if (!input.registry) {
        throwIfProblem({ message: 'deploy.registry is not set, so there is no registry to run the image from', path: 'deploy.registry', fix: 'add `registry: <name>.azurecr.io` under deploy: (the Azure Container Registry `handoff container push` pushes to)', over: 0 });
      }
      return `${input.registry}/${imageName}:${version}`;
    },
    tags: { 'handoff-resource-group': rg, 'handoff-task': task },
  };
  if (location === '') throwIfProblem({ message: 'deploy.location is empty', path: 'deploy.location', fix: 'set deploy.location, e.g. westeurope', over: 0 });
  if (problems.length > 0) throw createNameError(problems);
  return names;
}

/** The azure keys names cannot be made without; the loader reports them at their line, this is for `--cloud-provider azure`. */
function requireAzureKeys(deploy: Partial<Deploy>): { subscriptionId: string; azureResourceGroup: string; location: string } {
  const missing = (['subscription_id', 'resource_group_name', 'location'] as const).filter((k) => !deploy[k]);
  if (missing.length > 0) {
    throw new UserError(`the azure provider needs ${missing.map((k) => `deploy.${k}`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not set`, {
      fix: 'add them under deploy: in project.yml (subscription_id: <subscription GUID>, resource_group_name: <Azure resource group>, location: <region>) and pass -p <project>',
    });
  }
  return { subscriptionId: deploy.subscription_id!, azureResourceGroup: deploy.resource_group_name!, location: deploy.location! };
}

/**
 * Every name of a deploy target from its `deploy` keys, without a call: the provider opens with them, and the deploy
 * commands build them first, where a refusal is located at its project.yml line.
 */
export function resolveAzureNames(target: DeployTarget): AzureNames {
  const deploy = target.deploy ?? {};
  return createAzureNames({
    resourceGroup: target.resourceGroup,
    task: target.task,
    stage: target.stage,
    ...requireAzureKeys(deploy),
    ...(target.bucket ? { bucket: target.bucket } : {}),
    ...(deploy.storage_account ? { storageAccount: deploy.storage_account } : {}),
    ...(deploy.key_vault ? { keyVault: deploy.key_vault } : {}),
    ...(deploy.environment ? { environment: deploy.environment } : {}),
    ...(deploy.registry ? { registry: deploy.registry } : {}),
    ...(target.containerImage ? { containerImage: target.containerImage } : {}),
  });
}

function checkPart(value: string, what: string, path: string): void {
  if (!NAME_PART.test(value)) {
    const suggestion = value.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    throwIfProblem({
      message: `${what} "${value}" can only contain letters, digits and hyphens (not at the start or end), because it becomes part of Azure resource and secret names`,
      path,
      fix: suggestion ? `rename the ${what}, e.g. "${suggestion}"` : `rename the ${what}`,
      over: 0,
    });
  }
}
