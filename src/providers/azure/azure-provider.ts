// The azure provider: the store in a Blob container, secrets in Key Vault, runs as Container Apps job executions, schedules as schedule-trigger jobs.
import { UserError } from '../../errors.js';
import type { Deploy } from '../../project/types.js';
import type { DeployTarget, Provider, ProviderOptions } from '../provider.js';
import { createBundledSecretStore } from '../store/bundled-secret-store.js';
import { createAzureBucketLifecycle } from './azure-bucket.js';
import { createAzureDeployment } from './azure-deployment.js';
import { findContainerConflict } from './deploy/check-ownership.js';
import { createAzureRunLifecycle } from './azure-runs.js';
import { KEY_VAULT_SECRET_MAX_BYTES } from './azure-secret-rules.js';
import { createAzureScheduleLifecycle } from './azure-schedules.js';
import { createAzureNames, type AzureNames } from './names.js';
import type { ArmApi } from './sdk/arm.js';
import { resolveAzureClientConfig, type AzureClientConfig } from './sdk/azure-client-config.js';
import { createBlobApi, type BlobApi } from './sdk/blob.js';
import type { ContainerAppsApi } from './sdk/container-apps.js';
import type { ContainerRegistryApi } from './sdk/container-registry.js';
import type { KeyVaultApi } from './sdk/key-vault.js';
import type { LogAnalyticsApi } from './sdk/log-analytics.js';
import type { RoleAssignmentsApi } from './sdk/role-assignments.js';

/** User metadata that marks an executable file (the same key as on S3 and Cloud Storage). */
const MODE_METADATA = 'handoffmode';

/** How often Container Apps and Log Analytics are polled while waiting; HANDOFF_AZURE_POLL_MS shortens it against an emulator. */
export function readPollMs(): number | undefined {
  const raw = Number(process.env.HANDOFF_AZURE_POLL_MS);
  return Number.isFinite(raw) && raw > 0 ? raw : undefined;
}

/** The clients of one provider, each made (and its library loaded) on first use, so store commands load only Blob and Key Vault. */
export interface AzureApis {
  blob: BlobApi;
  keyVault(): Promise<KeyVaultApi>;
  arm(): Promise<ArmApi>;
  containerApps(): Promise<ContainerAppsApi>;
  roles(): Promise<RoleAssignmentsApi>;
  logs(): Promise<LogAnalyticsApi>;
  registry(loginServer: string): Promise<ContainerRegistryApi>;
}

export interface AzureProvider extends Provider {
  readonly name: 'azure';
  readonly names: AzureNames;
  readonly config: AzureClientConfig;
  /** The project's deploy keys. */
  readonly deploy: Partial<Deploy>;
  readonly apis: AzureApis;
  readonly pollMs?: number;
}

/** The azure keys a provider cannot open without; the loader reports them at their line, this is for `--cloud-provider azure`. */
function requireAzureKeys(deploy: Partial<Deploy>): { subscriptionId: string; azureResourceGroup: string; location: string } {
  const missing = (['subscription_id', 'resource_group_name', 'location'] as const).filter((k) => !deploy[k]);
  if (missing.length > 0) {
    throw new UserError(`the azure provider needs ${missing.map((k) => `deploy.${k}`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not set`, {
      fix: 'add them under deploy: in project.yml (subscription_id: <subscription GUID>, resource_group_name: <Azure resource group>, location: <region>) and pass -p <project>',
    });
  }
  return { subscriptionId: deploy.subscription_id!, azureResourceGroup: deploy.resource_group_name!, location: deploy.location! };
}

export function openAzureApis(config: AzureClientConfig, names: AzureNames): AzureApis {
  const memo = <T,>(load: () => Promise<T>): (() => Promise<T>) => {
    let made: Promise<T> | undefined;
    return () => (made ??= load());
  };
  return {
    blob: createBlobApi(config, names.storageAccount, names.blobContainer),
    keyVault: memo(async () => (await import('./sdk/key-vault.js')).createKeyVaultApi(config, names.keyVault)),
    arm: memo(async () => (await import('./sdk/arm.js')).createArmApi(config)),
    containerApps: memo(async () => (await import('./sdk/container-apps.js')).createContainerAppsApi(config, names.azureResourceGroup)),
    roles: memo(async () => (await import('./sdk/role-assignments.js')).createRoleAssignmentsApi(config)),
    logs: memo(async () => (await import('./sdk/log-analytics.js')).createLogAnalyticsApi(config)),
    registry: async (loginServer) => (await import('./sdk/container-registry.js')).createContainerRegistryApi(config, loginServer),
  };
}

/** Builds every name first (Azure's rules are checked before any call), then opens the clients lazily. */
export async function createAzureProvider(target: DeployTarget, options: ProviderOptions = {}): Promise<AzureProvider> {
  const deploy = target.deploy ?? {};
  const keys = requireAzureKeys(deploy);
  if (target.profile) options.log?.('warning', '--cloud-profile is not used by the azure provider: credentials come from DefaultAzureCredential (environment, managed identity, Azure CLI)');
  const names = createAzureNames({
    resourceGroup: target.resourceGroup,
    task: target.task,
    stage: target.stage,
    ...keys,
    ...(target.bucket ? { bucket: target.bucket } : {}),
    ...(deploy.storage_account ? { storageAccount: deploy.storage_account } : {}),
    ...(deploy.key_vault ? { keyVault: deploy.key_vault } : {}),
    ...(deploy.environment ? { environment: deploy.environment } : {}),
    ...(deploy.registry ? { registry: deploy.registry } : {}),
    ...(target.containerImage ? { containerImage: target.containerImage } : {}),
  });
  const config = resolveAzureClientConfig({ subscriptionId: keys.subscriptionId });
  options.log?.('debug', `Azure subscription ${names.subscriptionId}, resource group ${names.azureResourceGroup}, store ${names.storageAccount}/${names.blobContainer}, Key Vault ${names.keyVault}`);
  const apis = openAzureApis(config, names);
  const pollMs = readPollMs();
  const { blob } = apis;
  // Every write to the store (and its secrets) first makes sure the default container is this project's: its lowercase
  // name is the same for `Etl` and `etl`, and for prod + `dev-etl` and dev + `etl`. Read once per process.
  let ownerChecked: Promise<void> | undefined;
  const checkStoreOwner = (): Promise<void> =>
    (ownerChecked ??= (async () => {
      if (names.containerOwner === undefined) return;
      const conflict = findContainerConflict(names, await blob.readMetadata());
      if (conflict) throw conflict;
    })());

  const provider: AzureProvider = {
    name: 'azure',
    names,
    config,
    deploy,
    apis,
    pollMs,
    objects: {
      // Blob metadata names must be C# identifiers, so the mode key has no hyphen; values as on S3 (`755`).
      put: async (key, body, opts) => {
        await checkStoreOwner();
        await blob.put(key, body, opts?.executable ? { [MODE_METADATA]: '755' } : undefined);
      },
      get: async (key) => {
        const object = await blob.get(key);
        return object && { body: object.body, executable: object.metadata[MODE_METADATA] === '755' };
      },
      putFile: async (key, file, opts) => {
        await checkStoreOwner();
        await blob.putFile(key, file, opts?.executable ? { [MODE_METADATA]: '755' } : undefined);
      },
      getFile: async (key, file) => {
        const object = await blob.getFile(key, file);
        return object && { executable: object.metadata[MODE_METADATA] === '755' };
      },
      list: (prefix) => blob.list(prefix),
      delete: async (keys) => {
        await checkStoreOwner();
        await blob.delete(keys);
      },
      copy: async (fromKey, toKey) => {
        await checkStoreOwner();
        await blob.copy(fromKey, toKey);
      },
      describe: (key) => `${blob.url}/${key}`,
    },
    parameters: createBundledSecretStore({
      what: 'Key Vault',
      secretOf: (path) => names.secretName(path),
      read: async (secret) => (await apis.keyVault()).readLatest(secret),
      write: async (secret, text) => {
        // The task's secret path is `/handoff/<stage>-<RG>/<task>`, which prod + `dev-etl` shares with dev + `etl`.
        await checkStoreOwner();
        await (await apis.keyVault()).write(secret, text, names.tags);
      },
      describe: (secret, key) => `keyvault:${names.keyVault}/secrets/${secret} (key ${key})`,
      maxBytes: KEY_VAULT_SECRET_MAX_BYTES,
      deleteHint: (secret) => `az keyvault secret delete --vault-name ${names.keyVault} --name ${secret}, then purge it`,
    }),
    bucket: createAzureBucketLifecycle(() => provider),
    schedules: createAzureScheduleLifecycle(() => provider),
    runs: createAzureRunLifecycle(() => provider),
    deployment: createAzureDeployment(() => provider),
    close() {
      // The Azure clients hold no sockets of their own beyond Node's shared agent.
    },
  };
  return provider;
}
