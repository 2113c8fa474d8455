// The AWS provider: the store in S3, secrets in SSM Parameter Store, the bucket as the `handoff-<RG>-bucket` stack.
import type { BucketLifecycle, DeployTarget, Provider, ProviderOptions } from '../provider.js';
import { createDeployNames, type DeployNames } from './names.js';
import { createBucketStack } from './stacks/bucket-stack.js';
import { resolveAwsClientConfig, type AwsClientConfig } from './sdk/aws-client-config.js';
import { createCloudFormationApi, type StackProgressEvent } from './sdk/cloudformation.js';
import { createS3Api } from './sdk/s3.js';
import { createSsmApi } from './sdk/ssm.js';
import { getCallerIdentity } from './sdk/sts.js';

/** User metadata that marks an executable file. */
const MODE_METADATA = 'handoff-mode';

/** How often CloudFormation is polled while a stack changes; HANDOFF_AWS_POLL_MS shortens it against an emulator. */
function readPollMs(): number | undefined {
  const raw = Number(process.env.HANDOFF_AWS_POLL_MS);
  return Number.isFinite(raw) && raw > 0 ? raw : undefined;
}

export interface AwsProvider extends Provider {
  readonly names: DeployNames;
  readonly clientConfig: AwsClientConfig;
}

/** Resolves region and account (STS doubles as the credentials check), then builds every name of the task. */
export async function createAwsProvider(target: DeployTarget, options: ProviderOptions = {}): Promise<AwsProvider> {
  const clientConfig = await resolveAwsClientConfig({ profile: target.profile });
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
  });
  const s3 = createS3Api(clientConfig);
  const ssm = createSsmApi(clientConfig);
  const cloudFormation = createCloudFormationApi(clientConfig);
  const describeEvent = (e: StackProgressEvent): string =>
    `${names.bucketStack}: ${e.logicalId} (${e.resourceType}) ${e.status}${e.reason ? `: ${e.reason}` : ''}`;

  const bucket: BucketLifecycle = {
    async create(onProgress) {
      const result = await cloudFormation.deployStack({
        bucket: names.bucket,
        name: names.bucketStack,
        template: createBucketStack(names),
        tags: { 'handoff:resource-group': names.resourceGroup },
        onEvent: (e) => onProgress(describeEvent(e)),
        pollMs: readPollMs(),
      });
      const verb = { created: 'created', updated: 'updated', unchanged: 'is already up to date:' }[result.action];
      return {
        bucket: names.bucket,
        location: `s3://${names.bucket}`,
        action: result.action,
        message: `stack ${names.bucketStack} ${verb} bucket s3://${names.bucket}`,
      };
    },
    async delete(onProgress) {
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
  return {
    name: 'aws',
    names,
    clientConfig,
    objects: {
      // S3 keeps no file modes: an executable file carries `x-amz-meta-handoff-mode: 755` (CopyObject keeps it).
      put: (key, body, options) => s3.putObject(bucketName, key, body, options?.executable ? { [MODE_METADATA]: '755' } : undefined),
      get: async (key) => {
        const object = await s3.getObject(bucketName, key);
        return object && { body: object.body, executable: object.metadata[MODE_METADATA] === '755' };
      },
      list: (prefix) => s3.listObjects(bucketName, prefix),
      delete: (keys) => s3.deleteObjects(bucketName, keys),
      copy: (fromKey, toKey) => s3.copyObject(bucketName, fromKey, toKey),
      describe: (key) => `s3://${bucketName}/${key}`,
    },
    parameters: {
      put: (name, value, tier) => ssm.putSecureString(name, value, tier),
      listByPath: (path) => ssm.getParametersByPath(path),
      delete: (parameterNames) => ssm.deleteParameters(parameterNames),
      describe: (name) => `ssm:${name} (${clientConfig.region})`,
    },
    bucket,
    close() {
      s3.destroy();
      ssm.destroy();
      cloudFormation.destroy();
    },
  };
}
