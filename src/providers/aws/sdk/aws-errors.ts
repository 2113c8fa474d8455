// Turns AWS SDK errors into typed UserErrors with a fix (missing credentials, missing bucket, access denied, …).
import { UserError } from '../../../errors.js';
import { isReading, StoreMissingError } from '../../store/store-missing.js';

/** What the failed call was doing, e.g. `read s3://bucket/task/project.yml`, and what it touched. */
export interface AwsCallContext {
  action: string;
  bucket?: string;
  /** Text to hide from any message (a secret value being written). */
  hide?: string;
  /**
   * What the request carries from the user's files (a secret's key and value, for SSM): AWS's ValidationException
   * then refuses that input, not a request handoff built wrong, and is a UserError naming it.
   */
  userInput?: string;
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const CREDENTIAL_REJECTED = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'AuthFailure',
  'InvalidSignatureException',
  'IncompleteSignature',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AllAccessDisabled', 'Forbidden']);
/** Throttling codes across the services handoff calls (S3 says SlowDown; the others, JSON or query APIs, say these). */
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** The SDK's error code of an error (`NoSuchBucket`, `ParameterNotFound`, …), or undefined for other errors. */
export function readAwsErrorCode(error: unknown): string | undefined {
  const e = error as SdkErrorShape | undefined;
  return e?.name && e.name !== 'Error' ? e.name : (e?.Code ?? e?.code);
}

export function readHttpStatus(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** Maps an SDK error to a UserError when the user can fix it; anything else is wrapped with the action as context. */
/**
 * Who is denied on a 403: the CLI's credentials, unless the provider said this process is the task's own container
 * (runInsideTask), whose calls (its store, its secrets) are made as the task role: telling the user to fix their own
 * credentials or the deploy role sent them to the wrong principal.
 */
let taskIdentity: { role: string; owned: boolean } | undefined;

/** Called by the provider inside the task's ECS container: its calls are the task role's (handoff's, or deploy.task_role_arn). */
export function runInsideTask(role: string, owned: boolean): void {
  taskIdentity = { role, owned };
}

function deniedFix(): string {
  if (!taskIdentity) return 'use credentials whose IAM policy allows this (--cloud-profile), or ask the account admin; the deploy role from `handoff cloud role create` has what handoff needs';
  const { role, owned } = taskIdentity;
  return owned
    ? `the task role ${role}, which the task runs as, lacks this: \`handoff cloud deploy -p <project>\` grants it its bucket prefix and SSM paths again (a policy changed by hand); anything else it needs goes in deploy.task_policy`
    : `the task role ${role} (deploy.task_role_arn, yours to grant), which the task runs as, lacks this: allow it the task's bucket prefix and SSM paths, as handoff's own task role is allowed`;
}

export function toAwsError(error: unknown, context: AwsCallContext): Error {
  if (error instanceof UserError) return error;
  const code = readAwsErrorCode(error) ?? '';
  const status = readHttpStatus(error);
  const raw = (error as SdkErrorShape | undefined)?.message ?? String(error);
  const message = context.hide ? raw.split(context.hide).join('***') : raw;
  const systemCode = (error as NodeJS.ErrnoException | undefined)?.code ?? findCauseCode(error);

  if (code === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new UserError(`no AWS credentials found (needed to ${context.action})`, {
      fix: 'use a profile with --cloud-profile NAME or AWS_PROFILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (aws sso login for SSO profiles)',
      cause: error,
    });
  }
  if (CREDENTIAL_REJECTED.has(code)) {
    return new UserError(`AWS rejected the credentials (${code}) while trying to ${context.action}`, {
      fix: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile (--cloud-profile); they may belong to another partition or be mistyped',
      cause: error,
    });
  }
  if (EXPIRED.has(code)) {
    return new UserError(`the AWS credentials have expired (${code}) while trying to ${context.action}`, {
      fix: 'refresh them (aws sso login, or new temporary credentials) and run again',
      cause: error,
    });
  }
  if (code === 'NoSuchBucket' || (status === 404 && context.bucket && code === 'NotFound')) {
    return new StoreMissingError(
      `the bucket ${context.bucket ?? ''} does not exist (needed to ${context.action})`.replace('  ', ' '),
      isReading(context.action),
      (args) => `create it with \`handoff cloud bucket create ${args}\`, or set deploy.bucket to an existing bucket`,
      error,
    );
  }
  if (code === 'BucketAlreadyExists' || code === 'BucketAlreadyOwnedByYou') {
    // Bucket names are global: the owner may be this account (another region) or another account; the deploy's
    // bucket step looks up which (explainBucketCollision) and says so.
    return new UserError(`the bucket name ${context.bucket ?? ''} already exists (bucket names are global), so it cannot be used to ${context.action}`.replace('  ', ' '), {
      fix: 'set deploy.bucket to a name of your own (the default, handoff-<RG>-<account hash>, is unique to the account, not to the region)',
      cause: error,
    });
  }
  if (DENIED.has(code) || status === 403) {
    return new UserError(`AWS denied access: not allowed to ${context.action} (${code || 'HTTP 403'})`, {
      fix: deniedFix(),
      cause: error,
    });
  }
  // Expected trouble at AWS's end, still there after the SDK's retries: not a bug, not bad input (exit 1).
  if (THROTTLED.has(code) || status === 429) {
    return new UserError(`AWS is throttling requests (${code || 'HTTP 429'}) and still did after several attempts to ${context.action}`, {
      fix: 'wait a minute and run the command again; if it keeps happening, other tools in this account may be using up the API rate (AWS Service Quotas shows the limits)',
      exitCode: 1,
      cause: error,
    });
  }
  if (status !== undefined && status >= 500) {
    return new UserError(`AWS failed to ${context.action}: ${code ? `${code}, ` : ''}HTTP ${status} (a server-side error, still there after several attempts)`, {
      fix: 'run the command again in a few minutes; https://health.aws.amazon.com shows outages',
      exitCode: 1,
      cause: error,
    });
  }
  if (code === 'ValidationException' && context.userInput) {
    return new UserError(`AWS refused to ${context.action}: ${message}`, {
      fix: `check ${context.userInput} (SSM takes values of 1 to 4 KiB, 8 KiB with -v allow_advanced_tier=true, and keys of letters, digits and _ . -)`,
      cause: error,
    });
  }
  if (systemCode && NETWORK.has(systemCode)) {
    const endpoint = process.env.AWS_ENDPOINT_URL;
    return new UserError(`cannot reach AWS (${systemCode}) while trying to ${context.action}${endpoint ? ` at AWS_ENDPOINT_URL=${endpoint}` : ''}`, {
      fix: endpoint ? 'check that the endpoint in AWS_ENDPOINT_URL is running, or unset it to use AWS' : 'check the network connection and proxy settings',
      cause: error,
    });
  }
  return new Error(`${context.action}: ${code ? `${code}: ` : ''}${message}`, { cause: error });
}

function findCauseCode(error: unknown): string | undefined {
  let cause = (error as { cause?: unknown } | undefined)?.cause;
  for (let i = 0; i < 3 && cause; i++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code) return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Runs one SDK call and maps its failure. */
export async function callAws<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toAwsError(error, context);
  }
}
