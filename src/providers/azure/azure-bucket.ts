// The azure store's lifecycle (`cloud bucket create|delete|status`): the resource group's Blob container and what it needs.
import type { BucketLifecycle } from '../provider.js';
import { applyResourceSteps, planResourceSteps } from '../deploy/resource-plan.js';
import type { AzureProvider } from './azure-provider.js';
import { UserError } from '../../errors.js';
import { STORE_OWNER_FILE } from '../store/store-owner.js';

export function createAzureBucketLifecycle(getProvider: () => AzureProvider): BucketLifecycle {
  return {
    async create(onProgress) {
      const provider = getProvider();
      const { names } = provider;
      const { createBucketSteps } = await import('./deploy/azure-steps.js');
      const planned = await planResourceSteps(await createBucketSteps(provider));
      const results = await applyResourceSteps(planned, (event) => {
        if (event.type === 'step-start') onProgress(`${event.action === 'create' ? 'Creating' : 'Updating'} ${event.what} ${event.name}`);
        else if (event.type === 'step-done' && event.action !== 'unchanged') onProgress(`${event.what} ${event.name} ${event.action}`);
      });
      const container = results.find((r) => r.what === 'Blob container')!;
      const changed = results.some((r) => r.action !== 'unchanged');
      const action = container.action === 'created' ? 'created' : changed ? 'updated' : 'unchanged';
      const made = results.filter((r) => r.action !== 'unchanged').map((r) => `${r.what} ${r.name} ${r.action}`);
      return {
        bucket: names.blobContainer,
        location: provider.apis.blob.url,
        action,
        message: made.length > 0 ? made.join('; ') : `the Blob container ${names.blobContainer} in ${names.storageAccount} is already up to date`,
      };
    },
    async delete(onProgress) {
      const provider = getProvider();
      const { names, apis } = provider;
      const location = apis.blob.url;
      const arm = await apis.arm();
      const type = 'Microsoft.Storage/storageAccounts/blobServices/containers';
      if (!(await arm.get(names.blobContainerId, type))) {
        return { bucket: names.blobContainer, location, action: 'absent', message: `there is no Blob container ${names.blobContainer} in ${names.storageAccount}` };
      }
      // The group's tasks run from the container (their identities are granted on it): deleting it under them fails
      // every run and loses the owner marks. As `cloud resources delete`, refuse while tasks are deployed.
      const { findGroupTasks } = await import('./deploy/group-tasks.js');
      const tasks = await findGroupTasks(provider);
      if (tasks.length > 0) {
        throw new UserError(`the Blob container ${names.blobContainer} is the store of ${tasks.map((t) => `task ${t.task} (Container Apps job ${t.job})`).join(', ')}; nothing was deleted`, {
          fix: `delete those first (handoff cloud task delete -p <each task's project> for each task of resource group ${names.resourceGroup}), then the Blob container`,
        });
      }
      // Stored data is never deleted behind the user's back, as the AWS bucket is retained: an emptied container goes.
      // Owner marks are not data: `project delete` leaves them, and they go with the container.
      if (!(await apis.blob.isEmpty((key) => key.endsWith(`/${STORE_OWNER_FILE}`)))) {
        return {
          bucket: names.blobContainer,
          location,
          action: 'retained',
          message: `the Blob container ${names.blobContainer} still holds the store's data and is kept; empty it first (handoff project delete, artifacts delete) or delete it with az storage container delete`,
        };
      }
      onProgress(`Deleting the empty Blob container ${names.blobContainer}`);
      await arm.delete(names.blobContainerId, type);
      return {
        bucket: names.blobContainer,
        location,
        action: 'deleted',
        message: `deleted the empty Blob container ${names.blobContainer}; the storage account ${names.storageAccount} and Key Vault ${names.keyVault} stay (they may hold other resource groups' data)`,
      };
    },
    async status() {
      const provider = getProvider();
      return { bucket: provider.names.blobContainer, exists: await provider.apis.blob.exists(), location: provider.apis.blob.url };
    },
  };
}
