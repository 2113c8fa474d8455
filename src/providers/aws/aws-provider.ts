// The AWS provider: the store in S3, secrets in SSM, the bucket as a stack, schedules in EventBridge Scheduler, runs on Fargate.
import type { BucketLifecycle, DeployTarget, Provider, ProviderOptions } from '../provider.js';
import { createAwsDeployment } from './aws-deployment.js';
import { createAwsRunLifecycle } from './aws-runs.js';
import { createAwsScheduleLifecycle } from './aws-schedules.js';
import { createBucketDesired } from './deploy/desired-stacks.js';
import { assertStackOwned, createOwner } from './deploy/check-ownership.js';
import { createStoreOwnerGuard } from '../store/store-owner.js';
import { isExistingNamedBucket } from './deploy/existing-bucket.js';
import { findGroupTasks } from './deploy/other-tasks.js';
import { UserError } from '../../errors.js';
import { upsertStack } from './deploy/manage-stacks.js';
import { createDeployNames, type DeployNames } from './names.js';
import { resolveAwsClientConfig, type AwsClientConfig } from './sdk/aws-client-config.js';
import { createCloudFormationApi, type CloudFormationApi, type StackProgressEvent } from './sdk/cloudformation.js';
import { createTagMap, validateUserTags } from './stacks/tags.js';
import { runInsideTask } from './sdk/aws-errors.js';
import { createS3Api } from './sdk/s3.js';
import { createSsmApi, type ParameterTier } from './sdk/ssm.js';
import { getCallerIdentity } from './sdk/sts.js';
import { requireStore } from '../store/require-store.js';

/** User metadata that marks an executable file. */
const MODE_METADATA = 'handoff-mode';

/** How often CloudFormation, ECS and CloudWatch Logs are polled while waiting; HANDOFF_AWS_POLL_MS shortens it against an emulator. */
export function readPollMs(): number | undefined {
  const raw = Number(process.env.HANDOFF_AWS_POLL_MS);
  return Number.isFinite(raw) && raw > 0 ? raw : undefined;
}

export interface AwsProvider extends Provider {
  readonly name: 'aws';
  readonly names: DeployNames;
  readonly clientConfig: AwsClientConfig;
  /** The CloudFormation client the provider's own lifecycles use; the deploy sequence shares it. */
  readonly cloudFormation: CloudFormationApi;
  /** Polling interval while waiting on CloudFormation (HANDOFF_AWS_POLL_MS), undefined for the default. */
  readonly pollMs?: number;
  /** Refuses (exit 2) when the task's prefix in the bucket is another project's (store-owner.ts); read once per process. */
  checkStoreOwner(): Promise<void>;
}

/**
 * Resolves region (`deploy.region` first, then AWS_REGION and the profile's) and account (STS doubles as the
 * credentials check), then builds every name of the task.
 */
export async function createAwsProvider(target: DeployTarget, options: ProviderOptions = {}): Promise<AwsProvider> {
  const deploy = target.deploy;
  const clientConfig = await resolveAwsClientConfig({ profile: target.profile, region: deploy?.region });
  const identity = await getCallerIdentity(clientConfig);
  options.log?.('debug', `AWS account ${identity.accountId} (${identity.arn}), region ${clientConfig.region}`);
  const names = createDeployNames({
    resourceGroup: target.resourceGroup,
    task: target.task,
    stage: target.stage,
    accountId: identity.accountId,
    region: clientConfig.region,
    bucket: target.bucket,
    containerImage: target.containerImage,
    ...(deploy?.cluster !== undefined ? { cluster: deploy.cluster } : {}),
  });
  // Inside the task's Fargate container (ECS names its metadata endpoint) every call is the task role's: a 403's fix names it.
  if (process.env.ECS_CONTAINER_METADATA_URI_V4) runInsideTask(deploy?.task_role_arn ?? names.taskRole, deploy?.task_role_arn === undefined);
  const s3 = createS3Api(clientConfig);
  const ssm = createSsmApi(clientConfig);
  const cloudFormation = createCloudFormationApi(clientConfig);
  const describeEvent = (e: StackProgressEvent): string =>
    `${names.bucketStack}: ${e.logicalId} (${e.resourceType}) ${e.status}${e.reason ? `: ${e.reason}` : ''}`;

  const bucket: BucketLifecycle = {
    async create(onProgress) {
      if (await isExistingNamedBucket(provider)) {
        return { bucket: names.bucket, location: `s3://${names.bucket}`, action: 'unchanged', message: `the bucket s3://${names.bucket} (deploy.bucket) exists already and is used as it is; handoff makes no stack for it` };
      }
      // The same path as every stack: created directly, or updated through a change set that may change nothing.
      const result = await upsertStack(provider, createBucketDesired(names), 'create', {
        pollMs: readPollMs(),
        onEvent: (e) => {
          if (e.type === 'stack-progress') onProgress(describeEvent(e.event));
        },
      });
      const action = result.action === 'created' || result.action === 'updated' ? result.action : 'unchanged';
      const verb = { created: 'created', updated: 'updated', unchanged: 'is already up to date:' }[action];
      return {
        bucket: names.bucket,
        location: `s3://${names.bucket}`,
        action,
        message: `stack ${names.bucketStack} ${verb} bucket s3://${names.bucket}`,
      };
    },
    async delete(onProgress) {
      const existing = await cloudFormation.describeStack(names.bucketStack);
      if (existing) await assertStackOwned(cloudFormation, `the stack ${names.bucketStack}`, createOwner(names, 'resource-group'), existing);
      // The group's tasks run from the bucket (their roles name it): deleting its stack under them leaves a bucket that
      // the next deploy cannot take back into a stack. As `cloud resources delete`, refuse while tasks are deployed.
      if (existing && existing.status !== 'DELETE_COMPLETE') {
        const tasks = await findGroupTasks(provider);
        if (tasks.length > 0) {
          throw new UserError(`the bucket s3://${names.bucket} is the store of ${tasks.map((t) => `task ${t.task} (stack ${t.stack})`).join(', ')}; nothing was deleted`, {
            fix: `delete those first (handoff cloud task delete -p <each task's project> for each task of resource group ${names.resourceGroup}), then the bucket stack`,
          });
        }
      }
      const deleted = await cloudFormation.deleteStack(names.bucketStack, { onEvent: (e) => onProgress(describeEvent(e)), pollMs: readPollMs() });
      if (!deleted) {
        return { bucket: names.bucket, location: `s3://${names.bucket}`, action: 'absent', message: `there is no stack ${names.bucketStack}` };
      }
      return {
        bucket: names.bucket,
        location: `s3://${names.bucket}`,
        action: 'retained',
        message: `deleted the stack ${names.bucketStack}; the bucket s3://${names.bucket} and its contents are retained (DeletionPolicy Retain)`,
      };
    },
    async status() {
      const stack = await cloudFormation.describeStack(names.bucketStack);
      return {
        bucket: names.bucket,
        exists: await s3.bucketExists(names.bucket),
        location: `s3://${names.bucket}`,
        stack: stack ? { name: stack.name, status: stack.status } : { name: names.bucketStack, status: 'NOT_CREATED' },
      };
    },
  };

  const bucketName = names.bucket;
  // Every write to the store first makes sure `<task>/` is this project's: a shared deploy.bucket holds every task of
  // that name, and the default bucket of prod + `dev-etl` is dev + `etl`'s. Read once per process; a prefix without
  // the mark gets it with the project's next project.yml write (the task role in a run never writes it).
  const owner = createStoreOwnerGuard({
    names,
    store: { prefix: `s3://${bucketName}/${names.s3.taskPrefix}`, what: 'bucket', named: names.bucketNamed },
    read: async (key) => (await s3.getObject(bucketName, key))?.body,
    write: (key, body) => s3.putObject(bucketName, key, body),
  });
  const checkStoreOwner = owner.check;
  const markStore = owner.markAfterWrite;
  // Secrets are written before a first deploy's bucket exists (secrets push): then only the stacks can say whose the
  // paths are. `/handoff/<RG>/<task>` and `/handoff/<RG>` are shared by prod + `dev-etl` and dev + `etl`.
  let secretsOwnerChecked: Promise<void> | undefined;
  const checkSecretsOwner = (): Promise<void> =>
    (secretsOwnerChecked ??= (async () => {
      const task = await cloudFormation.describeStack(names.taskStack);
      if (task && task.status !== 'DELETE_COMPLETE') await assertStackOwned(cloudFormation, `the stack ${names.taskStack}`, createOwner(names, 'task'), task);
      const resources = await cloudFormation.describeStack(names.resourcesStack);
      if (resources && resources.status !== 'DELETE_COMPLETE') await assertStackOwned(cloudFormation, `the stack ${names.resourcesStack}`, createOwner(names, 'resource-group'), resources);
      if (await s3.bucketExists(bucketName)) await checkStoreOwner();
    })());
  const pollMs = readPollMs();
  const opened: { destroy(): void }[] = [];
  // The ECS, Logs and Scheduler SDK modules load only when a command uses them, so store commands stay quick.
  const track = <T extends { destroy(): void }>(api: T): T => {
    opened.push(api);
    return api;
  };
  // SSM moves a Standard parameter up to Advanced, never back down ("you can't revert an advanced parameter to a
  // standard parameter", Systems Manager User Guide, "Managing parameter tiers"): a value that shrank below 4 KiB is
  // written Advanced again, or AWS would refuse the write in the middle of a push. Read once per path.
  const advancedByPath = new Map<string, Promise<Set<string>>>();
  const keepAdvancedTier = async (name: string, tier: ParameterTier): Promise<ParameterTier> => {
    if (tier === 'Advanced') return tier;
    const path = name.slice(0, name.lastIndexOf('/'));
    let advanced = advancedByPath.get(path);
    if (advanced === undefined) advancedByPath.set(path, (advanced = ssm.listAdvancedNames(path)));
    if (!(await advanced).has(name)) return tier;
    options.log?.('info', `the SSM parameter ${name} stays in the Advanced tier: SSM does not move a parameter back to Standard (delete the secret and push it again for Standard)`);
    return 'Advanced';
  };

  const provider: AwsProvider = {
    name: 'aws',
    names,
    clientConfig,
    cloudFormation,
    pollMs,
    checkStoreOwner,
    schedules: createAwsScheduleLifecycle({
      names,
      cloudFormation,
      openScheduler: async () => (await import('./sdk/scheduler.js')).createSchedulerApi(clientConfig),
      openEcs: async () => track((await import('./sdk/ecs.js')).createEcsApi(clientConfig)),
      ...(deploy ? { deploy } : {}),
    }),
    runs: createAwsRunLifecycle({
      names,
      cloudFormation,
      openEcs: async () => track((await import('./sdk/ecs.js')).createEcsApi(clientConfig)),
      openLogs: async () => track((await import('./sdk/cloudwatch-logs.js')).createCloudWatchLogsApi(clientConfig)),
      pollMs: pollMs ?? 2000,
      ...(deploy ? { deploy } : {}),
      store: () => provider,
      checkStore: () => requireStore(provider, { before: 'run', ...(deploy ? { ownsBucket: deploy.bucket === undefined } : {}) }),
    }),
    objects: {
      // S3 keeps no file modes: an executable file carries `x-amz-meta-handoff-mode: 755` (CopyObject keeps it).
      put: async (key, body, options) => {
        await checkStoreOwner();
        await s3.putObject(bucketName, key, body, options?.executable ? { [MODE_METADATA]: '755' } : undefined);
        await markStore(key);
      },
      get: async (key) => {
        const object = await s3.getObject(bucketName, key);
        return object && { body: object.body, executable: object.metadata[MODE_METADATA] === '755' };
      },
      putFile: async (key, file, options) => {
        await checkStoreOwner();
        await s3.putFile(bucketName, key, file, options?.executable ? { [MODE_METADATA]: '755' } : undefined);
        await markStore(key);
      },
      getFile: async (key, file) => {
        const object = await s3.getFile(bucketName, key, file);
        return object && { executable: object.metadata[MODE_METADATA] === '755' };
      },
      list: (prefix) => s3.listObjects(bucketName, prefix),
      delete: async (keys) => {
        await checkStoreOwner();
        await s3.deleteObjects(bucketName, keys);
      },
      copy: async (fromKey, toKey) => {
        await checkStoreOwner();
        await s3.copyObject(bucketName, fromKey, toKey);
      },
      describe: (key) => `s3://${bucketName}/${key}`,
    },
    parameters: {
      // A task's secret carries handoff's tags and deploy.tags, like the task's resources; a resource group's secret is
      // shared by its tasks, so it carries handoff's own tags only (as the group's stacks do).
      put: async (name, value, tier) => {
        await checkSecretsOwner();
        await ssm.putSecureString(
          name,
          value,
          await keepAdvancedTier(name, tier),
          name.startsWith(`${names.ssmTaskPath}/`) ? createTagMap(names, validateUserTags(deploy?.tags), 'task') : createTagMap(names, {}, 'resource-group'),
        );
      },
      listByPath: (path) => ssm.getParametersByPath(path),
      delete: async (parameterNames) => {
        await checkSecretsOwner();
        return ssm.deleteParameters(parameterNames);
      },
      describe: (name) => `ssm:${name} (${clientConfig.region})`,
    },
    bucket,
    deployment: createAwsDeployment(() => provider),
    close() {
      s3.destroy();
      ssm.destroy();
      cloudFormation.destroy();
      for (const api of opened) api.destroy();
    },
  };
  return provider;
}
