// A bucket named in project.yml that exists already: used as it is (bring your own, like deploy.cluster), never made or deleted by a stack.
import { UserError } from '../../../errors.js';
import type { AwsProvider } from '../aws-provider.js';

/**
 * True when `deploy.bucket` (or `-e bucket=`) names a bucket of this account in this region that no handoff stack
 * holds: the deploy uses it as it is and makes no bucket stack (CloudFormation cannot take an existing bucket into a
 * new stack, and a bucket the user named may hold a team's data). One in another region is refused before anything is
 * changed. The default `handoff-<RG>-<hash>` name is never "brought": an existing one is what `cloud bucket delete` kept.
 */
export async function isExistingNamedBucket(provider: AwsProvider): Promise<boolean> {
  const { names } = provider;
  if (!names.bucketNamed) return false;
  const stack = await provider.cloudFormation.describeStack(names.bucketStack);
  if (stack && stack.status !== 'DELETE_COMPLETE') return false;
  const { createS3Api } = await import('../sdk/s3.js');
  const s3 = createS3Api(provider.clientConfig);
  try {
    const found = await s3.findBucketOwner(names.bucket, names.accountId);
    if (found.owner !== 'own') return false;
    if (found.region && found.region !== names.region) {
      throw new UserError(`deploy.bucket ${names.bucket} is in ${found.region}, but the task deploys to ${names.region}; nothing was changed`, {
        fix: `deploy to ${found.region} (deploy.region), or set deploy.bucket to a bucket in ${names.region} (a new name makes one)`,
      });
    }
    return true;
  } finally {
    s3.destroy();
  }
}
