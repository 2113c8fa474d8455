// The gcp provider: the store in Cloud Storage, secrets in Secret Manager, runs as Cloud Run job executions, schedules in Cloud Scheduler.
import type { Deploy } from '../../project/types.js';
import type { BucketLifecycle, DeployTarget, Provider, ProviderOptions } from '../provider.js';
import { applyResourceSteps, planResourceSteps } from '../deploy/resource-plan.js';
import { createBucketStep } from './deploy/gcp-steps.js';
import { checkOwnership, findBucketConflict } from './deploy/check-ownership.js';
import { listGroupJobs } from './deploy/group-jobs.js';
import { createGcpDeployment } from './gcp-deployment.js';
import { createGcpRunLifecycle } from './gcp-runs.js';
import { createGcpScheduleLifecycle } from './gcp-schedules.js';
import { createGcpSecretStore } from './gcp-secret-store.js';
import { createStoreOwnerGuard } from '../store/store-owner.js';
import { createGcpNames, type GcpNames } from './names.js';
import type { ArtifactRegistryApi } from './sdk/artifact-registry.js';
import type { CloudLoggingApi } from './sdk/cloud-logging.js';
import type { CloudMonitoringApi } from './sdk/cloud-monitoring.js';
import type { CloudRunApi } from './sdk/cloud-run.js';
import type { CloudSchedulerApi } from './sdk/cloud-scheduler.js';
import { openGcpAuth, resolveGcpClientConfig, type GcpClientConfig } from './sdk/gcp-client-config.js';
import type { ServiceAccountsApi } from './sdk/iam-service-accounts.js';
import type { SecretManagerApi } from './sdk/secret-manager.js';
import { createStorageApi, type StorageApi } from './sdk/storage.js';
import { runInsideJob } from './sdk/gcp-errors.js';
import { requireStore } from '../store/require-store.js';

/** User metadata that marks an executable file (the same key as on S3). */
const MODE_METADATA = 'handoff-mode';

/** How often Cloud Run and Cloud Logging are polled while waiting; HANDOFF_GCP_POLL_MS shortens it against an emulator. */
function readPollMs(): number {
  const raw = Number(process.env.HANDOFF_GCP_POLL_MS);
  return Number.isFinite(raw) && raw > 0 ? raw : 2000;
}

/** The clients of one provider, each made (and its library loaded) on first use, so store commands load only Storage. */
export interface GcpApis {
  storage: StorageApi;
  secretManager(): Promise<SecretManagerApi>;
  cloudRun(): Promise<CloudRunApi>;
  scheduler(): Promise<CloudSchedulerApi>;
  logging(): Promise<CloudLoggingApi>;
  monitoring(): Promise<CloudMonitoringApi>;
  artifactRegistry(): Promise<ArtifactRegistryApi>;
  serviceAccounts(): Promise<ServiceAccountsApi>;
}

export interface GcpProvider extends Provider {
  readonly name: 'gcp';
  readonly names: GcpNames;
  readonly config: GcpClientConfig;
  /** The project's deploy keys (empty without a project). */
  readonly deploy: Deploy;
  readonly apis: GcpApis;
  readonly pollMs: number;
  /** Refuses (exit 2) when the bucket handoff named, or the task's prefix in it, is another project's; read once per process. */
  checkStoreOwner(): Promise<void>;
}

/** The registry host images go to: Artifact Registry's, or the emulator's (it serves the registry API too). */
export function resolveRegistryHost(config: GcpClientConfig): string {
  return config.endpoint ? `${config.endpoint.host}:${config.endpoint.port}` : `${config.region}-docker.pkg.dev`;
}

export function openGcpApis(config: GcpClientConfig): { apis: GcpApis; close(): void } {
  const closers: (() => Promise<void>)[] = [];
  const memo = <T,>(load: () => Promise<T>): (() => Promise<T>) => {
    let made: Promise<T> | undefined;
    return () =>
      (made ??= load().then((api) => {
        const closable = api as { close?(): Promise<void> };
        if (closable.close) closers.push(() => closable.close!());
        return api;
      }));
  };
  // The credentials are loaded and checked once, before the first client that needs them (see openGcpAuth).
  const gcpAuth = openGcpAuth(config);
  const auth = gcpAuth.checked;
  const apis: GcpApis = {
    storage: createStorageApi(config, gcpAuth),
    secretManager: memo(async () => (await import('./sdk/secret-manager.js')).createSecretManagerApi(config, await auth())),
    cloudRun: memo(async () => (await import('./sdk/cloud-run.js')).createCloudRunApi(config, await auth())),
    scheduler: memo(async () => (await import('./sdk/cloud-scheduler.js')).createCloudSchedulerApi(config, await auth())),
    logging: memo(async () => (await import('./sdk/cloud-logging.js')).createCloudLoggingApi(config, await auth())),
    monitoring: memo(async () => (await import('./sdk/cloud-monitoring.js')).createCloudMonitoringApi(config, await auth())),
    artifactRegistry: memo(async () => (await import('./sdk/artifact-registry.js')).createArtifactRegistryApi(config, await auth())),
    serviceAccounts: memo(async () => (await import('./sdk/iam-service-accounts.js')).createServiceAccountsApi(config, await auth())),
  };
  return {
    apis,
    close() {
      // Clients close their sockets in the background; a failure to close changes nothing for the command's result.
      for (const close of closers) void close().catch(() => undefined);
    },
  };
}

/** The client settings and every name of one task, checked against Google's rules (no call). */
export function resolveGcpTarget(target: DeployTarget): { deploy: Deploy; config: GcpClientConfig; names: GcpNames } {
  const deploy = (target.deploy ?? {}) as Deploy;
  const config = resolveGcpClientConfig({ deploy, profile: target.profile });
  const names = createGcpNames({
    resourceGroup: target.resourceGroup,
    task: target.task,
    stage: target.stage,
    project: config.project,
    region: config.region,
    ...(target.bucket ? { bucket: target.bucket } : {}),
    ...(target.containerImage ? { containerImage: target.containerImage } : {}),
    ...(deploy.artifact_registry ? { artifactRepository: deploy.artifact_registry } : {}),
    ...(deploy.service_account ? { serviceAccount: deploy.service_account } : {}),
    registryHost: resolveRegistryHost(config),
  });
  return { deploy, config, names };
}

/** Builds every name first (bad names fail before any call), then the clients. */
export async function createGcpProvider(target: DeployTarget, options: ProviderOptions = {}): Promise<GcpProvider> {
  const { deploy, config, names } = resolveGcpTarget(target);
  options.log?.('debug', `Google Cloud project ${config.project}, region ${config.region}${config.endpoint ? `, endpoint ${config.endpoint.url}` : ''}`);
  // Inside the task's Cloud Run job every call is the job's service account's: a refusal's fix names it, not the deployer.
  if (process.env.CLOUD_RUN_JOB) runInsideJob(names.taskServiceAccount, names.ownsTaskServiceAccount);
  const { apis, close } = openGcpApis(config);
  const pollMs = readPollMs();
  const bucketName = names.bucket;
  const location = `gs://${bucketName}`;

  // Every write to the store (objects and secrets) first makes sure the bucket handoff named is this project's: its
  // lowercase name is the same for `Etl` and `etl`, and for prod + `dev-etl` and dev + `etl`. Read once per process.
  let bucketChecked: Promise<void> | undefined;
  const checkBucketOwner = (): Promise<void> =>
    (bucketChecked ??= (async () => {
      // A run inside Cloud Run (which sets CLOUD_RUN_JOB) writes where its deploy, which passed this check, put it; its
      // identity holds access to its objects only and would be refused the bucket's labels.
      if (process.env.CLOUD_RUN_JOB) return;
      const conflict = await findBucketConflict(provider);
      if (conflict) throw conflict;
    })());
  // Inside any bucket, `<task>/` is shared by every project of that deploy.task that names the bucket in deploy.bucket
  // (and by any stage of one): the owner mark `<task>/.handoff-owner` says whose it is, as on AWS and Azure. A prefix
  // without the mark gets it with the project's next project.yml write (a run never writes it).
  const prefixOwner = createStoreOwnerGuard({
    names,
    store: { prefix: `${location}/${names.s3.taskPrefix}`, what: 'bucket', named: !names.ownsBucket },
    read: async (key) => (await apis.storage.getObject(bucketName, key))?.body,
    write: (key, body) => apis.storage.putObject(bucketName, key, body),
  });
  let storeChecked: Promise<void> | undefined;
  const checkStoreOwner = (): Promise<void> =>
    (storeChecked ??= (async () => {
      await checkBucketOwner();
      if (!process.env.CLOUD_RUN_JOB) await prefixOwner.check();
    })());
  const markStore = async (key: string): Promise<void> => {
    if (!process.env.CLOUD_RUN_JOB) await prefixOwner.markAfterWrite(key);
  };

  const bucket: BucketLifecycle = {
    async create(onProgress) {
      await checkBucketOwner();
      const planned = await planResourceSteps([createBucketStep(provider)]);
      const [result] = await applyResourceSteps(planned, (e) => {
        if (e.type === 'step-start') onProgress(`${e.action === 'create' ? 'Creating' : 'Updating'} the bucket ${location}`);
      });
      const action = result!.action === 'created' || result!.action === 'updated' ? result!.action : 'unchanged';
      const said = { created: 'created', updated: 'updated the settings of', unchanged: 'is already up to date:' }[action];
      return { bucket: bucketName, location, action, message: `${said} bucket ${location} (uniform access, public access prevented, versioned)` };
    },
    async delete() {
      await checkBucketOwner();
      if (!(await apis.storage.readBucket(bucketName))) return { bucket: bucketName, location, action: 'absent', message: `there is no bucket ${location}` };
      // As on AWS (DeletionPolicy Retain) and locally, deleting never destroys stored projects, artifacts or state.
      if (await apis.storage.holdsObjects(bucketName)) {
        return {
          bucket: bucketName,
          location,
          action: 'retained',
          message: `the bucket ${location} still holds projects, artifacts or their earlier versions, so it was kept; delete them yourself (gcloud storage rm -r ${location}) to remove it`,
        };
      }
      await apis.storage.deleteBucket(bucketName);
      return { bucket: bucketName, location, action: 'deleted', message: `deleted the empty bucket ${location}` };
    },
    async status() {
      return { bucket: bucketName, exists: (await apis.storage.readBucket(bucketName)) !== undefined, location };
    },
  };

  const provider: GcpProvider = {
    name: 'gcp',
    names,
    config,
    deploy,
    apis,
    pollMs,
    checkStoreOwner,
    objects: {
      // Cloud Storage keeps no file modes: an executable file carries the custom metadata `handoff-mode: 755`, kept by copies.
      put: async (key, body, put) => {
        await checkStoreOwner();
        await apis.storage.putObject(bucketName, key, body, put?.executable ? { [MODE_METADATA]: '755' } : undefined);
        await markStore(key);
      },
      get: async (key) => {
        const object = await apis.storage.getObject(bucketName, key);
        return object && { body: object.body, executable: object.metadata[MODE_METADATA] === '755' };
      },
      putFile: async (key, file, put) => {
        await checkStoreOwner();
        await apis.storage.putFile(bucketName, key, file, put?.executable ? { [MODE_METADATA]: '755' } : undefined);
        await markStore(key);
      },
      getFile: async (key, file) => {
        const object = await apis.storage.getFile(bucketName, key, file);
        return object && { executable: object.metadata[MODE_METADATA] === '755' };
      },
      list: (prefix) => apis.storage.listObjects(bucketName, prefix),
      delete: async (keys) => {
        await checkStoreOwner();
        await apis.storage.deleteObjects(bucketName, keys);
      },
      copy: async (fromKey, toKey) => {
        await checkStoreOwner();
        await apis.storage.copyObject(bucketName, fromKey, toKey);
      },
      describe: (key) => `gs://${bucketName}/${key}`,
    },
    parameters: createGcpSecretStore({
      names,
      open: apis.secretManager,
      beforeWrite: checkStoreOwner,
      async inUse(secretId) {
        const run = await apis.cloudRun();
        if (secretId === names.taskSecretId) return (await run.getJob(names.job)) !== undefined;
        if (secretId !== names.resourceGroupSecretId) return true;
        // The group's secret is read by its tasks in every region (Secret Manager is global).
        return (await listGroupJobs(run, names)).length > 0;
      },
    }),
    bucket,
    schedules: createGcpScheduleLifecycle({ names, deploy, openScheduler: apis.scheduler, openRun: apis.cloudRun, checkOwner: () => checkOwnership(provider) }),
    runs: createGcpRunLifecycle({
      names,
      openRun: apis.cloudRun,
      openLogging: apis.logging,
      pollMs,
      store: () => provider,
      checkStore: () => requireStore(provider, { before: 'run', ownsBucket: names.ownsBucket }),
    }),
    deployment: createGcpDeployment(() => provider),
    close,
  };
  return provider;
}
