// Azure failures in handoff's words: missing credentials, missing permissions, throttling, and the rest with their context.
import { UserError } from '../../../errors.js';
import { findNetworkCode } from '../../network-error.js';
import { isReading, StoreMissingError } from '../../store/store-missing.js';

/** What a failed Azure call carries (RestError of @azure/core-rest-pipeline, or an identity error), read by shape. */
interface AzureFailure {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  details?: { error?: { code?: string; message?: string } };
}

function asFailure(error: unknown): AzureFailure {
  return (error && typeof error === 'object' ? error : { message: String(error) }) as AzureFailure;
}

/** The HTTP status of a failed call (undefined when it never reached Azure). */
export function readStatusCode(error: unknown): number | undefined {
  return asFailure(error).statusCode;
}

export function isNotFound(error: unknown): boolean {
  return readStatusCode(error) === 404;
}

/** Azure's error code: `{"error":{"code": …}}` in the body, which RestError exposes as `code` (and `details`). */
export function readErrorCode(error: unknown): string | undefined {
  const failure = asFailure(error);
  return failure.code ?? failure.details?.error?.code;
}

/** MSAL's codes for a sign-in endpoint that did not answer (msal-common ClientAuthErrorCodes). */
const MSAL_NETWORK = /\b(endpoints_resolution_error|network_error|no_network_connectivity)\b/;

const CREDENTIAL_ERRORS = new Set(['CredentialUnavailableError', 'AggregateAuthenticationError', 'AuthenticationError', 'AuthenticationRequiredError']);

/**
 * Whose role is missing on a 403: the identity the CLI signed in with, unless the provider said this process is the
 * task's Container Apps job (runInsideJob), whose calls (its store, its secrets) are its managed identity's.
 */
let jobIdentity: string | undefined;

/** Called by the provider inside the task's Container Apps job: its calls are made as the task's managed identity. */
export function runInsideJob(identity: string): void {
  jobIdentity = identity;
}

function forbiddenFix(): string {
  if (!jobIdentity) {
    return 'grant it a role on the resource (e.g. Contributor and User Access Administrator on the Azure resource group to deploy, Key Vault Secrets Officer on the vault and Storage Blob Data Contributor on the container for the store)';
  }
  return `the task's managed identity ${jobIdentity}, which the job runs as, lacks the role: \`handoff cloud deploy -p <project>\` grants it Storage Blob Data Contributor on its prefix of the store and Key Vault Secrets User on its secrets again (a role assignment removed by hand)`;
}

/**
 * Turns what users can fix into a UserError (no stack): no credentials, a credential Azure refused, a permission the
 * identity lacks. Anything else keeps its message with what handoff was doing. Credentials are never part of the text:
 * identity errors name the credential types they tried, not their secrets.
 */
export function toAzureError(error: unknown, what: string): Error {
  if (error instanceof UserError) return error;
  const failure = asFailure(error);
  const message = (failure.details?.error?.message ?? failure.message ?? String(error)).split('\n')[0]!.trim();
  // A configured credential whose sign-in endpoint did not answer: MSAL says so with an error code (the status 400 is
  // its own, not Entra ID's). Nothing refused the credentials, and telling users to rotate a working secret would
  // send them the wrong way.
  if (failure.name === 'AuthenticationError' && (MSAL_NETWORK.test(failure.message ?? '') || findNetworkCode(error))) {
    const authority = process.env.AZURE_AUTHORITY_HOST;
    const host = authority || 'https://login.microsoftonline.com';
    return new UserError(`cannot reach Microsoft Entra ID (${host}) while trying to ${what}: its sign-in endpoints did not answer, so the credentials were never checked`, {
      fix: `check the network connection and proxy settings${authority ? `, and AZURE_AUTHORITY_HOST=${authority} (running, and the right address?)` : ''}; an AZURE_TENANT_ID that is no tenant has no sign-in endpoints either`,
      cause: error,
    });
  }
  if (failure.name === 'AuthenticationError') {
    // Microsoft Entra ID's own reason (`AADSTS7000215: Invalid client secret provided.`) names no secret.
    const reason = /AADSTS\d+: [^.\n]*\./.exec(failure.message ?? '')?.[0];
    return new UserError(`Azure refused the credentials while trying to ${what}${reason ? `: ${reason}` : ''}`, {
      fix: 'check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (a secret that expired or was rotated is refused too), or run `az login` again',
      cause: error,
    });
  }
  if (failure.name && CREDENTIAL_ERRORS.has(failure.name)) {
    return new UserError(`no usable Azure credentials to ${what}`, {
      fix: 'set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal, run `az login`, or run where a managed identity is available (AZURE_CLIENT_ID names a user-assigned one)',
      cause: error,
    });
  }
  const code = readErrorCode(error);
  if (failure.statusCode === 401) {
    return new UserError(`Azure refused the credentials while trying to ${what}: ${message}`, { fix: 'check AZURE_TENANT_ID and that the credentials belong to the subscription (az account show)', cause: error });
  }
  if (failure.statusCode === 403 || code === 'AuthorizationFailed' || code === 'Forbidden') {
    return new UserError(`the Azure identity may not ${what}: ${message}`, {
      fix: forbiddenFix(),
      cause: error,
    });
  }
  if (failure.statusCode === 429) {
    return new UserError(`Azure throttled handoff while trying to ${what}: ${message}`, { fix: 'wait a minute and run the command again', cause: error });
  }
  if (code === 'SubscriptionNotFound' || code === 'InvalidSubscriptionId') {
    return new UserError(`Azure does not know the subscription while trying to ${what}: ${message}`, { fix: 'check deploy.subscription_id against `az account list --query "[].id"`', cause: error });
  }
  if (code === 'ContainerNotFound') {
    return new StoreMissingError(`the store's Blob container does not exist (while trying to ${what})`, isReading(what), (args) => `create it: handoff cloud bucket create ${args} (or handoff cloud deploy ${args})`, error);
  }
  if (code === 'VaultNotFound' || (failure.name === 'RestError' && /ENOTFOUND|getaddrinfo/.test(message) && /vault\.azure\.net/.test(message))) {
    return new StoreMissingError(`the Key Vault does not exist (while trying to ${what})`, isReading(what), (args) => `create it: handoff cloud bucket create ${args} (or handoff cloud deploy ${args}), or correct deploy.key_vault`, error);
  }
  const network = findNetworkCode(error);
  if (network) {
    // Against an emulator or a proxy (HANDOFF_AZURE_*ENDPOINT), that is what did not answer; otherwise the network.
    const endpoints = ['HANDOFF_AZURE_ENDPOINT', 'HANDOFF_AZURE_BLOB_ENDPOINT'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`);
    return new UserError(`cannot reach Azure (${network}) while trying to ${what}${endpoints.length > 0 ? ` (${endpoints.join(', ')})` : ''}`, {
      fix: endpoints.length > 0 ? `check that the endpoint in ${endpoints.map((e) => e.slice(0, e.indexOf('='))).join(' / ')} is running, or unset it to use Azure` : 'check the network connection and proxy settings, and the names in deploy: (storage_account, key_vault)',
      cause: error,
    });
  }
  if (code === 'MissingSubscriptionRegistration') {
    return new UserError(`${message} (while trying to ${what})`, { fix: 'register the resource provider once: az provider register --namespace <the namespace named above>', cause: error });
  }
  return new Error(`could not ${what}: ${message}${code ? ` (${code})` : ''}`, { cause: error });
}

/** Runs one Azure call, giving its failure handoff's words. */
export async function callAzure<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toAzureError(error, what);
  }
}
