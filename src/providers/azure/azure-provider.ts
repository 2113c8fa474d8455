// The azure provider: the store in a Blob container, secrets in Key Vault, runs as Container Apps job executions, schedules as schedule-trigger jobs.
import { runInsideJob } from './sdk/azure-errors.js';
import type { Deploy } from '../../project/types.js';
import type { DeployTarget, Provider, ProviderOptions } from '../provider.js';
import { createBundledSecretStore } from '../store/bundled-secret-store.js';
import { createStoreOwnerGuard } from '../store/store-owner.js';
import { createAzureBucketLifecycle } from './azure-bucket.js';
import { createAzureDeployment } from './azure-deployment.js';
import { findContainerConflict } from './deploy/check-ownership.js';
import { createAzureRunLifecycle } from './azure-runs.js';
import { KEY_VAULT_SECRET_MAX_BYTES } from './azure-secret-rules.js';
import { createAzureScheduleLifecycle } from './azure-schedules.js';
import { resolveAzureNames, type AzureNames } from './names.js';
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
  /** Refuses (exit 2) when the Blob container or the task's prefix in it is another project's; read once per process. */
  checkStoreOwner(): Promise<void>;
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
  const names = resolveAzureNames(target);
  if (target.profile) options.log?.('warning', '--cloud-profile is not used by the azure provider: credentials come from DefaultAzureCredential (environment, managed identity, Azure CLI)');
  const config = resolveAzureClientConfig({ subscriptionId: names.subscriptionId });
  options.log?.('debug', `Azure subscription ${names.subscriptionId}, resource group ${names.azureResourceGroup}, store ${names.storageAccount}/${names.blobContainer}, Key Vault ${names.keyVault}`);
  // Inside the task's Container Apps job (which sets CONTAINER_APP_JOB_NAME) every call is its managed identity's: a 403's fix names it.
  if (process.env.CONTAINER_APP_JOB_NAME) runInsideJob(names.identity);
  const apis = openAzureApis(config, names);
  const pollMs = readPollMs();
  const { blob } = apis;
  // Every write to the store (and its secrets) first makes sure the store is this project's: the default container's
  // lowercase name is the same for `Etl` and `etl`, and for prod + `dev-etl` and dev + `etl` (its metadata says whose it
  // is); inside any container, `<task>/` is shared by every project of that deploy.task that names the container in
  // deploy.bucket (the owner mark `<task>/.handoff-owner` says whose it is, as on AWS). Read once per process.
  const prefixOwner = createStoreOwnerGuard({
    names,
    store: { prefix: `${blob.url}/${names.s3.taskPrefix}`, what: 'Blob container', named: names.containerOwner === undefined },
    read: async (key) => {
      try {
        return (await blob.get(key))?.body;
      } catch (error) {
        // Secrets may be pushed before the container exists (secrets push first): then there is no prefix to own.
        if (!(await blob.exists())) return undefined;
        throw error;
      }
    },
    write: (key, body) => blob.put(key, body),
  });
  let ownerChecked: Promise<void> | undefined;
  const checkStoreOwner = (): Promise<void> =>
    (ownerChecked ??= (async () => {
      if (names.containerOwner !== undefined) {
        const conflict = findContainerConflict(names, await blob.readMetadata());
        if (conflict) throw conflict;
      }
      await prefixOwner.check();
    })());

  const provider: AzureProvider = {
    name: 'azure',
    names,
    config,
    deploy,
    apis,
    pollMs,
    checkStoreOwner,
    objects: {
      // Blob metadata names must be C# identifiers, so the mode key has no hyphen; values as on S3 (`755`).
      put: async (key, body, opts) => {
        await checkStoreOwner();
        await blob.put(key, body, opts?.executable ? { [MODE_METADATA]: '755' } : undefined);
        await prefixOwner.markAfterWrite(key);
      },
      get: async (key) => {
        const object = await blob.get(key);
        return object && { body: object.body, executable: object.metadata[MODE_METADATA] === '755' };
      },
      putFile: async (key, file, opts) => {
        await checkStoreOwner();
        await blob.putFile(key, file, opts?.executable ? { [MODE_METADATA]: '755' } : undefined);
        await prefixOwner.markAfterWrite(key);
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
