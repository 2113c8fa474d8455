// The built-in Azure roles handoff grants, by their fixed ids ("Azure built-in roles"), and who gets which where.
import type { AzureNames } from '../names.js';
import { createRoleAssignmentName } from '../names.js';
import type { RoleGrant } from '../sdk/role-assignments.js';

export const BUILT_IN_ROLES = {
  /** Read, write and delete blobs (and list them). */
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  /** Read secret contents. */
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  /** Everything on secrets but managing access. */
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  /** Pull images. */
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  /** Read, start and stop Container Apps jobs (nothing that changes a job). */
  containerAppsJobsOperator: 'b9a307c4-5aa3-4b52-ba60-2b17c136cd7b',
} as const;

export function toRoleDefinitionId(subscriptionId: string, roleId: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

const BLOBS = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';

/**
 * An Azure ABAC condition that limits a blob role to names under `prefix` (Blob Storage, "Example Azure role
 * assignment conditions": blob path for reads, writes and deletes, the list request's prefix for listing), the Azure
 * counterpart of an IAM policy on a bucket prefix.
 */
export function createPrefixCondition(prefix: string): string {
  const quoted = `'${prefix.replace(/'/g, "''")}'`;
  return [
    '(',
    ` (!(ActionMatches{'${BLOBS}/read'} AND NOT SubOperationMatches{'Blob.List'})`,
    `  AND !(ActionMatches{'${BLOBS}/write'})`,
    `  AND !(ActionMatches{'${BLOBS}/add/action'})`,
    `  AND !(ActionMatches{'${BLOBS}/delete'}))`,
    ` OR (@Resource[${BLOBS}:path] StringStartsWith ${quoted})`,
    ')',
    'AND',
    '(',
    ` !(ActionMatches{'${BLOBS}/read'} AND SubOperationMatches{'Blob.List'})`,
    ` OR (@Request[${BLOBS}:prefix] StringStartsWith ${quoted})`,
    ')',
  ].join('\n');
}

function grant(names: AzureNames, scope: string, principalId: string, roleId: string, description: string, condition?: string): RoleGrant {
  const roleDefinitionId = toRoleDefinitionId(names.subscriptionId, roleId);
  return { name: createRoleAssignmentName(scope, principalId, roleDefinitionId), scope, roleDefinitionId, principalId, principalType: 'ServicePrincipal', description, ...(condition ? { condition } : {}) };
}

/** The Key Vault secret of a secret name, as a role assignment scope. */
export function toSecretScope(names: AzureNames, secretName: string): string {
  return `${names.keyVaultId}/secrets/${secretName}`;
}

/**
 * What the task's identity may do, and nothing more: read and write blobs under `<task>/` of its own container, read
 * its own two Key Vault secrets (the task's and the resource group's), and pull from the registry it runs from.
 */
export function createTaskGrants(names: AzureNames, principalId: string, registryId?: string): RoleGrant[] {
  const by = `handoff ${names.resourceGroup}/${names.task}`;
  return [
    grant(names, names.blobContainerId, principalId, BUILT_IN_ROLES.storageBlobDataContributor, `${by}: blobs under ${names.s3.taskPrefix} of its store`, createPrefixCondition(names.s3.taskPrefix)),
    grant(names, toSecretScope(names, names.taskSecretName), principalId, BUILT_IN_ROLES.keyVaultSecretsUser, `${by}: its task secrets`),
    grant(names, toSecretScope(names, names.resourceGroupSecretName), principalId, BUILT_IN_ROLES.keyVaultSecretsUser, `${by}: its resource group's secrets`),
    ...(registryId ? [grant(names, registryId, principalId, BUILT_IN_ROLES.acrPull, `${by}: pull its image`)] : []),
  ];
}

/**
 * What the identity that deploys needs on the store it made: blobs of the container and the vault's secrets (an
 * RBAC vault grants nobody data access by default, not even its creator).
 */
export function createDeployerGrants(names: AzureNames, principalId: string, principalType: RoleGrant['principalType']): RoleGrant[] {
  const by = `handoff deployer of ${names.resourceGroup}`;
  return [
    { ...grant(names, names.blobContainerId, principalId, BUILT_IN_ROLES.storageBlobDataContributor, `${by}: the store`), principalType },
    { ...grant(names, names.keyVaultId, principalId, BUILT_IN_ROLES.keyVaultSecretsOfficer, 'handoff deployer: the secrets of this vault'), principalType },
  ];
}

/**
 * What a schedule's Logic App may do: start (and read, and stop) its own schedule job, the one job it fires, and
 * nothing else; its runs then act with that job's own identity, as a schedule trigger's do.
 */
export function createScheduleStarterGrant(names: AzureNames, targetId: string, principalId: string): RoleGrant {
  return grant(names, names.scheduleJobId(targetId), principalId, BUILT_IN_ROLES.containerAppsJobsOperator, `handoff ${names.resourceGroup}/${names.task}: schedule ${targetId} starts its job`);
}
