// The `handoff-<RG>-bucket` stack: the resource group's S3 bucket (SPEC §8).
import type { DeployNames } from '../names.js';
import { createBucket, createBucketPolicy, type BucketEncryption } from './bucket.js';
import { createTagMap, toTagList } from './tags.js';
import { createTemplate, getAtt, ref, type Template } from './template.js';

/**
 * The bucket is the resource group's, shared by all its tasks: it carries handoff's own tags only, never one task's
 * deploy.tags (two projects with different tags would otherwise retag it on every deploy, each undoing the other).
 */
export function createBucketStack(names: DeployNames, options: { encryption?: BucketEncryption } = {}): Template {
  return createTemplate({
    description: `handoff bucket of resource group ${names.resourceGroup}: projects, files, artifacts and run records`,
    resources: {
      Bucket: createBucket({ name: names.bucket, encryption: options.encryption ?? 'AES256', tags: toTagList(createTagMap(names, {}, 'resource-group')) }),
      BucketPolicy: createBucketPolicy('Bucket'),
    },
    outputs: {
      BucketName: { Description: 'bucket name', Value: ref('Bucket') },
      BucketArn: { Description: 'bucket ARN', Value: getAtt('Bucket', 'Arn') },
    },
  });
}
