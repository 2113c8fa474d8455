// A bucket name that is already taken, explained: by this account (the same resource group in another region) or another.
import { UserError } from '../../../errors.js';
import type { AwsProvider } from '../aws-provider.js';

/** Whether an error of creating the bucket stack means "the name exists": S3's codes, or CloudFormation's reason. */
export function isBucketNameTaken(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ''} ${String((error as { cause?: { name?: string } })?.cause?.name ?? '')}`;
  return /BucketAlreadyExists|BucketAlreadyOwnedByYou|bucket names are global|AWS::S3::Bucket\) CREATE_FAILED: .*already exists/i.test(text);
}

/**
 * Turns "bucket name taken" into what is true: bucket names are global, so the same resource group deployed in a
 * second region meets its own bucket from the first; only a bucket another account owns is "taken by another account".
 * Any other error is returned as it is.
 */
export async function explainBucketCollision(provider: AwsProvider, error: unknown): Promise<unknown> {
  if (!isBucketNameTaken(error)) return error;
  const { names } = provider;
  const { createS3Api } = await import('../sdk/s3.js');
  const s3 = createS3Api(provider.clientConfig);
  try {
    const found = await s3.findBucketOwner(names.bucket, names.accountId);
    if (found.owner === 'own' && found.region && found.region !== names.region) {
      return new UserError(`the bucket ${names.bucket} already exists in this account in ${found.region}; bucket names are global, so a resource group deployed in ${names.region} too needs a bucket of its own there`, {
        fix: `set deploy.bucket (or -e bucket=…) to a name for ${names.region}, e.g. ${names.bucket}-${names.regionCode}; the bucket stack of ${found.region} keeps ${names.bucket}`,
        cause: error,
      });
    }
    if (found.owner === 'own' && names.bucketNamed) {
      // A bucket named in project.yml may be a team's data: never advise deleting it.
      return new UserError(`the bucket ${names.bucket} named by deploy.bucket already exists in this account${found.region ? ` in ${found.region}` : ''} outside the stack ${names.bucketStack}`, {
        fix: `run the command again: handoff uses an existing deploy.bucket as it is (no stack); if the stack ${names.bucketStack} was left half-made, \`handoff cloud bucket delete\` removes the stack and keeps the bucket`,
        cause: error,
      });
    }
    if (found.owner === 'own') {
      // The usual case: `cloud bucket delete` deleted the stack and kept the bucket with the artifacts and run records
      // in it (it is retained), and CloudFormation cannot take an existing bucket into a new stack.
      return new UserError(`the bucket ${names.bucket} already exists in this account${found.region ? ` in ${found.region}` : ''} outside the stack ${names.bucketStack}: most likely the one \`cloud bucket delete\` kept, with this resource group's artifacts and run records`, {
        fix: `to keep using it with everything in it, set deploy.bucket: ${names.bucket} (an existing deploy.bucket is used as it is, without a stack); to start afresh, save what you need and delete it (aws s3 rb s3://${names.bucket} --force), then create again; or set deploy.bucket to a new name`,
        cause: error,
      });
    }
    if (found.owner === 'other') {
      return new UserError(`the bucket name ${names.bucket} is taken by another AWS account (bucket names are global)`, {
        fix: 'set deploy.bucket to a name of your own (the default, handoff-<RG>-<account hash>, is unique to the account)',
        cause: error,
      });
    }
    return error;
  } finally {
    s3.destroy();
  }
}
