// SDK errors become UserErrors with a fix: missing or rejected credentials, missing bucket, access denied, no endpoint.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../errors.js';
import { toAwsError } from './aws-errors.js';

function sdkError(name: string, message = 'failed', status?: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('toAwsError', () => {
  it('maps each expected failure to a UserError with its fix', () => {
    const cases: [Error, RegExp, RegExp][] = [
      [sdkError('CredentialsProviderError', 'Could not load credentials from any providers'), /no AWS credentials found/, /--cloud-profile/],
      [sdkError('InvalidClientTokenId', 'bad', 403), /rejected the credentials \(InvalidClientTokenId\)/, /AWS_ACCESS_KEY_ID/],
      [sdkError('ExpiredToken', 'expired', 400), /have expired/, /aws sso login/],
      [sdkError('NoSuchBucket', 'no bucket', 404), /the bucket b1 does not exist/, /handoff cloud bucket create/],
      [sdkError('BucketAlreadyExists', 'not available', 409), /the bucket name b1 already exists \(bucket names are global\)/, /deploy\.bucket/],
      [sdkError('AccessDenied', 'denied', 403), /AWS denied access: not allowed to write s3:\/\/b1\/k/, /cloud role create/],
      [sdkError('AccessDeniedException', 'denied', 400), /AWS denied access/, /IAM policy/],
      [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), /cannot reach AWS \(ECONNREFUSED\)/, /./],
      [sdkError('SlowDown', 'Please reduce your request rate.', 503), /AWS is throttling requests \(SlowDown\) and still did after several attempts to write s3:\/\/b1\/k/, /wait a minute/],
      [sdkError('ThrottlingException', 'Rate exceeded', 400), /AWS is throttling requests \(ThrottlingException\)/, /Service Quotas/],
      [sdkError('InternalError', 'We encountered an internal error.', 500), /AWS failed to write s3:\/\/b1\/k: InternalError, HTTP 500/, /health\.aws\.amazon\.com/],
    ];
    for (const [error, message, fix] of cases) {
      const mapped = toAwsError(error, { action: 'write s3://b1/k', bucket: 'b1' });
      expect(mapped, error.name).toBeInstanceOf(UserError);
      expect(mapped.message).toMatch(message);
      expect((mapped as UserError).fix).toMatch(fix);
    }
  });

  it('maps a ValidationException of a request carrying user input (an SSM secret) to a UserError naming it, the value hidden', () => {
    const error = sdkError('ValidationException', "1 validation error detected: Value 'hunter2-secret' at 'value' failed to satisfy constraint", 400);
    const mapped = toAwsError(error, { action: 'write the SSM parameter /handoff/rg/t/B_EMPTY', hide: 'hunter2-secret', userInput: 'the secret B_EMPTY in the secrets file' });
    expect(mapped).toBeInstanceOf(UserError);
    expect((mapped as UserError).exitCode).toBe(2);
    expect(mapped.message).toBe("AWS refused to write the SSM parameter /handoff/rg/t/B_EMPTY: 1 validation error detected: Value '***' at 'value' failed to satisfy constraint");
    expect((mapped as UserError).fix).toContain('check the secret B_EMPTY in the secrets file');
  });

  it('wraps anything else with what was being done, hiding a secret value', () => {
    const mapped = toAwsError(sdkError('ValidationException', 'value hunter2-secret is invalid'), { action: 'write the SSM parameter /handoff/rg/t/k', hide: 'hunter2-secret' });
    expect(mapped).not.toBeInstanceOf(UserError);
    expect(mapped.message).toBe('write the SSM parameter /handoff/rg/t/k: ValidationException: value *** is invalid');
  });
});
