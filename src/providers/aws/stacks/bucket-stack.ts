// The `handoff-<RG>-bucket` stack: the resource group's S3 bucket (SPEC §8).
import type { DeployNames } from '../names.js';
import { createBucket, createBucketPolicy, type BucketEncryption } from './bucket.js';
import { createTagMap, toTagList, validateUserTags } from './tags.js';
import { createTemplate, getAtt, ref, type Template } from './template.js';

export function createBucketStack(names: DeployNames, options: { encryption?: BucketEncryption; tags?: Record<string, string> } = {}): Template {
  return createTemplate({
    description: `handoff bucket of resource group ${names.resourceGroup}: projects, files, artifacts and run records`,
    resources: {
      Bucket: createBucket({ name: names.bucket, encryption: options.encryption ?? 'AES256', tags: toTagList(createTagMap(names, validateUserTags(options.tags), 'resource-group')) }),
      BucketPolicy: createBucketPolicy('Bucket'),
    },
    outputs: {
      BucketName: { Description: 'bucket name', Value: ref('Bucket') },
      BucketArn: { Description: 'bucket ARN', Value: getAtt('Bucket', 'Arn') },
    },
  });
}
