// Pure builders of the store's Azure resources: the storage account, the Blob container and the Key Vault.
import type { ArmResource } from '../sdk/arm.js';
import type { AzureNames } from '../names.js';
import { CONTAINER_OWNER_METADATA } from '../deploy/check-ownership.js';

/** The tag on the Azure resource group, storage account and Key Vault handoff made (deploy and export alike). */
export const MANAGED_TAGS: Readonly<Record<string, string>> = { 'handoff-managed': 'true' };

/**
 * A storage account for the store: general-purpose v2, locally redundant, HTTPS and TLS 1.2 only, no anonymous blob
 * access and no shared keys, so every access goes through Microsoft Entra ID and its role assignments.
 */
export function createStorageAccountBody(names: AzureNames): ArmResource {
  return {
    location: names.location,
    tags: { ...MANAGED_TAGS },
    kind: 'StorageV2',
    sku: { name: 'Standard_LRS' },
    properties: { minimumTlsVersion: 'TLS1_2', supportsHttpsTrafficOnly: true, allowBlobPublicAccess: false, allowSharedKeyAccess: false },
  };
}

/** The Blob container's owner mark when handoff named it (AzureNames.containerOwner), which check-ownership.ts reads. */
export function createContainerMetadata(names: Pick<AzureNames, 'containerOwner'>): Record<string, string> | undefined {
  return names.containerOwner ? { [CONTAINER_OWNER_METADATA]: names.containerOwner } : undefined;
}

/** The resource group's Blob container: private, marked with its owner when handoff named it. */
export function createBlobContainerBody(names: Pick<AzureNames, 'containerOwner'>): ArmResource {
  const metadata = createContainerMetadata(names);
  return { properties: { publicAccess: 'None', ...(metadata ? { metadata } : {}) } };
}

/**
 * A Key Vault for the secrets, authorized by Azure roles (not access policies) so a task's identity can be granted
 * exactly its own secrets, with soft delete as Azure requires.
 */
export function createKeyVaultBody(names: AzureNames, tenantId: string): ArmResource {
  return {
    location: names.location,
    tags: { ...MANAGED_TAGS },
    properties: { tenantId, sku: { family: 'A', name: 'standard' }, enableRbacAuthorization: true, enableSoftDelete: true, softDeleteRetentionInDays: 90 },
  };
}
