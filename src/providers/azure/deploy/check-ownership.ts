// Refuses to change what another project's deploy made: Azure compares resource names case-blind (`handoff-dev-Etl_greet`
// is `handoff-dev-etl_greet`), and `<stage>-<resource group>` meets across stages (prod + `dev-etl` is dev + `etl`).
import { UserError } from '../../../errors.js';
import type { AzureProvider } from '../azure-provider.js';
import type { Job } from '../sdk/container-apps.js';

/** Whose a resource is, from its handoff tags and (for the task's job) the stage in its env. */
export interface AzureOwner {
  resourceGroup: string;
  task?: string;
  stage?: string;
}

/** The owner `tags` name; undefined when they name none (made by someone else, or before tags), so nothing to judge. */
export function readOwner(tags: Readonly<Record<string, string>> | undefined, stage?: string): AzureOwner | undefined {
  const resourceGroup = tags?.['handoff-resource-group'];
  if (resourceGroup === undefined) return undefined;
  const task = tags?.['handoff-task'];
  return { resourceGroup, ...(task !== undefined ? { task } : {}), ...(stage !== undefined ? { stage } : {}) };
}

/** The stage a job runs for: its container's HO_STAGE, which every job handoff makes carries. */
export function readJobStage(job: Job | undefined): string | undefined {
  return job?.template?.containers?.[0]?.env?.find((e) => e.name === 'HO_STAGE')?.value ?? undefined;
}

function describe(owner: AzureOwner): string {
  const stage = owner.stage !== undefined ? ` (stage ${owner.stage})` : '';
  return owner.task === undefined ? `resource group ${owner.resourceGroup}${stage}` : `task ${owner.task} of resource group ${owner.resourceGroup}${stage}`;
}

/** `deploy.resource_group` as written: the tag's resource group without its stage prefix. */
function bare(owner: AzureOwner): string {
  const prefix = `${owner.stage}-`;
  return owner.stage !== undefined && owner.stage !== 'prod' && owner.resourceGroup.startsWith(prefix) ? owner.resourceGroup.slice(prefix.length) : owner.resourceGroup;
}

/**
 * A refusal when `found` is not `mine`: tags are compared exactly, case and all, because Azure's names are not, and the
 * stage when both sides know it. Names stay as they are, so what is deployed keeps them; the later project is refused.
 */
export function findOwnershipConflict(what: string, mine: AzureOwner, found: AzureOwner | undefined): UserError | undefined {
  if (found === undefined) return undefined;
  const sameTask = mine.task === undefined || found.task === undefined || found.task === mine.task;
  const sameStage = mine.stage === undefined || found.stage === undefined || found.stage === mine.stage;
  if (found.resourceGroup === mine.resourceGroup && sameTask && sameStage) return undefined;
  const shown: AzureOwner = mine.task === undefined ? { resourceGroup: found.resourceGroup, ...(found.stage !== undefined ? { stage: found.stage } : {}) } : found;
  const why =
    found.resourceGroup !== mine.resourceGroup
      ? 'Azure compares resource names without case'
      : found.task !== mine.task
        ? 'Azure compares resource names without case'
        : `the stage prefixes the resource group with "-" (stage ${found.stage} with resource group ${bare(found)} and stage ${mine.stage} with ${bare(mine)} give the same names; prod has no prefix)`;
  return new UserError(`the ${what} belongs to ${describe(shown)}, not to this project's ${describe(mine)}: ${why}, so both projects name it alike; nothing was changed`, {
    fix: 'rename deploy.resource_group (or deploy.task) of this project so that its Azure names differ from the other one\'s in more than case; the other deployment keeps its names',
  });
}

/**
 * Reads what this task would write and throws (exit 2) when another project made it, before anything is written:
 * with `resources`, the Log Analytics workspace and Container Apps environment handoff makes for the resource group;
 * with `task`, the task's job (tags and stage), identity, alert rule and action group.
 */
export async function checkOwnership(provider: AzureProvider, scope: { resources?: boolean; task?: boolean }): Promise<void> {
  const { names } = provider;
  const arm = await provider.apis.arm();
  const group: AzureOwner = { resourceGroup: names.resourceGroup };
  const task: AzureOwner = { resourceGroup: names.resourceGroup, task: names.task, stage: names.stage };
  const refuseIf = (conflict: UserError | undefined): void => {
    if (conflict) throw conflict;
  };
  if (scope.resources && names.ownsEnvironment) {
    const workspace = await arm.get(names.logWorkspaceId, 'Microsoft.OperationalInsights/workspaces');
    refuseIf(findOwnershipConflict(`Log Analytics workspace ${names.logWorkspace}`, group, readOwner(workspace?.tags)));
    const environment = await (await provider.apis.containerApps()).getEnvironment(names.environment);
    refuseIf(findOwnershipConflict(`Container Apps environment ${names.environment}`, group, readOwner(environment?.tags)));
  }
  if (scope.task) {
    const job = await (await provider.apis.containerApps()).getJob(names.job);
    refuseIf(findOwnershipConflict(`Container Apps job ${names.job}`, task, readOwner(job?.tags, readJobStage(job))));
    const checks: [string, string, string][] = [
      ['managed identity', names.identityId, 'Microsoft.ManagedIdentity/userAssignedIdentities'],
      ['alert rule', names.alertRuleId, 'Microsoft.Insights/scheduledQueryRules'],
      ['action group', names.actionGroupId, 'Microsoft.Insights/actionGroups'],
    ];
    for (const [what, id, type] of checks) {
      const found = await arm.get(id, type);
      refuseIf(findOwnershipConflict(`${what} ${id.slice(id.lastIndexOf('/') + 1)}`, task, readOwner(found?.tags)));
    }
  }
}

/** The Blob container metadata key holding its owner mark (metadata names are C# identifiers: no hyphen). */
export const CONTAINER_OWNER_METADATA = 'handoffowner';

/**
 * A refusal when the default Blob container's owner mark is another project's (see AzureNames.containerOwner). A
 * container without the mark (made before it, or by the user) is not judged.
 */
export function findContainerConflict(names: { blobContainer: string; containerOwner?: string }, metadata: Readonly<Record<string, string>> | undefined): UserError | undefined {
  const found = metadata?.[CONTAINER_OWNER_METADATA];
  if (names.containerOwner === undefined || found === undefined || found === names.containerOwner) return undefined;
  const say = (owner: string): string => `stage ${owner.slice(0, owner.indexOf('/'))}, resource group ${owner.slice(owner.indexOf('/') + 1)}`;
  return new UserError(`the Blob container ${names.blobContainer} holds the store of ${say(found)}, not of this project's ${say(names.containerOwner)}: a Blob container name is lowercase and joins the stage and the resource group with "-", so both stores would be this one container; nothing was written`, {
    fix: 'rename deploy.resource_group of this project so that it differs from the other one\'s in more than case (or set deploy.bucket to a Blob container of its own)',
  });
}
