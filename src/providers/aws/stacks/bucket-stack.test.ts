// Tests of the bucket stack: encryption, public access block, versioning and retention on delete.
import { describe, expect, it } from 'vitest';
import { createDeployNames } from '../names.js';
import { createBucketStack } from './bucket-stack.js';
import type { BucketProps } from './bucket.js';

const names = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });

describe('createBucketStack', () => {
  it('makes an encrypted, private, versioned bucket that is retained on delete and replacement', () => {
    const bucket = createBucketStack(names).Resources.Bucket!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    const props = bucket.Properties as BucketProps;
    expect(props.BucketName).toBe('handoff-dev-etl-f0cc306f');
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
    expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('uses KMS with a bucket key when asked', () => {
    const props = createBucketStack(names, { encryption: 'aws:kms' }).Resources.Bucket!.Properties as BucketProps;
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }]);
  });

  it('denies plain-HTTP access and outputs the bucket name and ARN', () => {
    const t = createBucketStack(names);
    expect(JSON.stringify(t.Resources.BucketPolicy!.Properties)).toContain('"aws:SecureTransport":"false"');
    expect(t.Outputs!.BucketName!.Value).toEqual({ Ref: 'Bucket' });
    expect(t.Outputs!.BucketArn!.Value).toEqual({ 'Fn::GetAtt': ['Bucket', 'Arn'] });
  });
});
