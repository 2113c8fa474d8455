// Google Cloud errors in one shape, whichever library raised them: gax (gRPC codes), Cloud Storage and REST (HTTP statuses).
import { findNetworkCode } from '../../network-error.js';
import { UserError } from '../../../errors.js';

/** The canonical codes handoff tells apart (google.rpc.Code names, which the REST error body carries as `status`). */
export type GcpErrorKind = 'NOT_FOUND' | 'ALREADY_EXISTS' | 'PERMISSION_DENIED' | 'UNAUTHENTICATED' | 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION' | 'ABORTED' | 'OTHER';

// google.rpc.Code numbers (gax errors) and the HTTP statuses the REST APIs map them to (google.rpc.Code documentation).
const BY_RPC_CODE: Record<number, GcpErrorKind> = { 3: 'INVALID_ARGUMENT', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS', 7: 'PERMISSION_DENIED', 9: 'FAILED_PRECONDITION', 10: 'ABORTED', 16: 'UNAUTHENTICATED' };
const BY_HTTP_STATUS: Record<number, GcpErrorKind> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 412: 'FAILED_PRECONDITION' };

interface ErrorShape {
  code?: unknown;
  status?: unknown;
  response?: { status?: number; data?: { error?: { status?: string; message?: string } } };
  message?: string;
}

/** What kind of failure an error from any Google client is. */
export function classifyGcpError(error: unknown): GcpErrorKind {
  const e = (error ?? {}) as ErrorShape;
  const status = e.response?.data?.error?.status;
  if (typeof status === 'string' && status in REVERSE) return status as GcpErrorKind;
  // gax errors carry the gRPC code (0-16); Cloud Storage's ApiError an HTTP status; gaxios errors a response.
  if (typeof e.code === 'number') return (e.code >= 100 ? BY_HTTP_STATUS[e.code] : BY_RPC_CODE[e.code]) ?? 'OTHER';
  if (typeof e.response?.status === 'number') return BY_HTTP_STATUS[e.response.status] ?? 'OTHER';
  return 'OTHER';
}

const REVERSE = Object.fromEntries([...Object.values(BY_RPC_CODE), ...Object.values(BY_HTTP_STATUS)].map((k) => [k, true]));

export function isNotFound(error: unknown): boolean {
  return classifyGcpError(error) === 'NOT_FOUND';
}

export function isAlreadyExists(error: unknown): boolean {
  return classifyGcpError(error) === 'ALREADY_EXISTS';
}

/** Google's own words for the failure (the REST body's message when there is one). */
export function describeGcpError(error: unknown): string {
  const e = (error ?? {}) as ErrorShape;
  return e.response?.data?.error?.message ?? e.message ?? String(error);
}

/** Credentials that could not be found or read: the library's words, with how to set up ADC. */
function isMissingCredentials(error: unknown): boolean {
  return /Could not load the default credentials|Unable to detect a Project Id|Could not refresh access token|invalid_grant|The file at .* does not exist|Unexpected token .* in JSON|is not valid JSON/i.test(describeGcpError(error));
}

function credentialsError(error: unknown, action: string): UserError {
  return new UserError(`no usable Google Cloud credentials while trying to ${action}: ${describeGcpError(error)}`, {
    fix: 'log in with `gcloud auth application-default login`, or point GOOGLE_APPLICATION_CREDENTIALS (or --cloud-profile) at a credentials file',
    cause: error,
  });
}

/**
 * A failure while loading the credentials and getting a first token: whatever the library says (no ADC, a file that is
 * missing, not JSON, lacks a field, holds a key that is not PEM, a refused token), the credentials are the user's to
 * fix; only an unreachable token endpoint is the network's.
 */
export function wrapCredentialsError(error: unknown, action: string): Error {
  if (error instanceof UserError) return error;
  if (findNetworkCode(error)) return wrapGcpError(error, action);
  return credentialsError(error, action);
}

/**
 * Who is refused when Google Cloud answers PERMISSION_DENIED: the deploying identity (the CLI's credentials), unless the
 * provider said the calls are the Cloud Run job's own (runInsideJob). Inside the job it reads its store, secrets and
 * logs as the task's service account; telling the user to grant the deployer a role sent them to the wrong principal.
 */
let jobIdentity: { serviceAccount: string; owned: boolean } | undefined;

/**
 * Called by the provider when this process is the task's Cloud Run job (CLOUD_RUN_JOB set): its calls are made as
 * `serviceAccount`, which `cloud deploy` made and granted (`owned`), or the project's deploy.service_account.
 */
export function runInsideJob(serviceAccount: string, owned: boolean): void {
  jobIdentity = { serviceAccount, owned };
}

function permissionFix(): string {
  if (!jobIdentity) return 'grant the deploying identity the roles it needs in the project (see README, "Deploy to Google Cloud"), or check that the API is enabled';
  const { serviceAccount, owned } = jobIdentity;
  return owned
    ? `grant the job's service account ${serviceAccount} the role it lacks: \`handoff cloud deploy -p <project>\` grants it its bucket prefix and secrets again (a grant removed or narrowed by hand), or check that the API is enabled`
    : `grant the job's service account ${serviceAccount} (deploy.service_account, yours to grant) the role it lacks: object access on the task's bucket prefix, read access on its secrets, as \`handoff cloud deploy -p <project>\` grants its own; or check that the API is enabled`;
}

/**
 * Turns a failed call into what the user can act on: missing or refused credentials and permissions become UserErrors
 * naming what was being done; anything else keeps its cause, wrapped with the action.
 */
export function wrapGcpError(error: unknown, action: string): Error {
  if (error instanceof UserError) return error;
  const kind = classifyGcpError(error);
  const said = describeGcpError(error);
  if (isMissingCredentials(error) || kind === 'UNAUTHENTICATED') return credentialsError(error, action);
  const network = findNetworkCode(error);
  if (network) {
    const endpoint = process.env.HANDOFF_GCP_ENDPOINT;
    return new UserError(`cannot reach Google Cloud (${network}) while trying to ${action}${endpoint ? ` at HANDOFF_GCP_ENDPOINT=${endpoint}` : ''}`, {
      fix: endpoint ? 'check that the endpoint in HANDOFF_GCP_ENDPOINT is running, or unset it to use Google Cloud' : 'check the network connection and proxy settings',
      cause: error,
    });
  }
  if (kind === 'PERMISSION_DENIED') {
    return new UserError(`Google Cloud denied permission to ${action}: ${said}`, {
      fix: permissionFix(),
      cause: error,
    });
  }
  if (kind === 'INVALID_ARGUMENT' || kind === 'FAILED_PRECONDITION') {
    return new UserError(`Google Cloud refused to ${action}: ${said}`, { fix: 'check the deploy keys in project.yml against the message', cause: error });
  }
  return new Error(`could not ${action}: ${said}`, { cause: error });
}

/** Runs a call and wraps its failure with the action it was for. */
export async function callGcp<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw wrapGcpError(error, action);
  }
}
