// The one place Azure clients get their configuration: the credential (DefaultAzureCredential), endpoints and scopes.
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { isLoopbackUrl } from '../../is-loopback-url.js';
import { callAzure } from './azure-errors.js';

/** What every client of this folder is built from. */
export interface AzureClientConfig {
  subscriptionId: string;
  credential: TokenCredential;
  /** Azure Resource Manager: `https://management.azure.com`, or HANDOFF_AZURE_ENDPOINT. */
  armEndpoint: string;
  /** Always Azure's own audiences: an emulator takes the same tokens, so nothing changes but the address. */
  armScope: string;
  /** `https://<vault>.vault.azure.net`, or `<HANDOFF_AZURE_ENDPOINT>/keyvault/<vault>`. */
  vaultUrl(vault: string): string;
  /** `https://<account>.blob.core.windows.net`, or HANDOFF_AZURE_BLOB_ENDPOINT with `{account}` filled in. */
  blobUrl(account: string): string;
  /** Log Analytics' query API: `https://api.loganalytics.io`, or HANDOFF_AZURE_ENDPOINT. */
  logsEndpoint: string;
  /** True when the endpoints are an emulator's (HANDOFF_AZURE_ENDPOINT): its vault URLs are not on vault.azure.net. */
  emulated: boolean;
  /** Long-running operations are polled this often (HANDOFF_AZURE_POLL_MS; absent: the SDK's default or Azure's Retry-After). */
  lroPollMs?: number;
}

export const ARM_SCOPE = 'https://management.azure.com/.default';
export const LOGS_AUDIENCE = 'https://api.loganalytics.io';

/**
 * DefaultAzureCredential: AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET (or a certificate), workload
 * identity, the managed identity of the machine or job (AZURE_CLIENT_ID picks a user-assigned one), then the Azure
 * CLI's login. An AZURE_AUTHORITY_HOST on loopback is an emulator's token endpoint: MSAL would ask Microsoft's
 * instance discovery whether that authority is genuine, which only works for Microsoft's own, so discovery is off there
 * (`disableInstanceDiscovery`, documented for private clouds and Azure Stack).
 */
export function createAzureCredential(env: NodeJS.ProcessEnv = process.env): TokenCredential {
  return new DefaultAzureCredential(isLoopbackUrl(env.AZURE_AUTHORITY_HOST) ? { disableInstanceDiscovery: true } : {});
}

/**
 * HANDOFF_AZURE_ENDPOINT puts Resource Manager, Key Vault, Log Analytics and the registry token service at one base
 * URL (an emulator); HANDOFF_AZURE_BLOB_ENDPOINT puts Blob storage elsewhere (Azurite: `https://127.0.0.1:10000/{account}`).
 * Both must be https: the Azure SDKs send bearer tokens over TLS only.
 */
export function resolveAzureClientConfig(input: { subscriptionId: string; env?: NodeJS.ProcessEnv; credential?: TokenCredential }): AzureClientConfig {
  const env = input.env ?? process.env;
  const endpoint = env.HANDOFF_AZURE_ENDPOINT?.replace(/\/+$/, '');
  const blob = env.HANDOFF_AZURE_BLOB_ENDPOINT?.replace(/\/+$/, '');
  const pollMs = Number(env.HANDOFF_AZURE_POLL_MS);
  return {
    subscriptionId: input.subscriptionId,
    credential: input.credential ?? createAzureCredential(env),
    armEndpoint: endpoint ?? 'https://management.azure.com',
    armScope: ARM_SCOPE,
    vaultUrl: (vault) => (endpoint ? `${endpoint}/keyvault/${vault}` : `https://${vault}.vault.azure.net`),
    blobUrl: (account) => (blob ? (blob.includes('{account}') ? blob.replace('{account}', account) : blob) : `https://${account}.blob.core.windows.net`),
    logsEndpoint: endpoint ?? LOGS_AUDIENCE,
    emulated: endpoint !== undefined,
    ...(Number.isFinite(pollMs) && pollMs > 0 ? { lroPollMs: pollMs } : {}),
  };
}

/** Options of a long-running operation's wait. */
export function toLroOptions(config: AzureClientConfig): { updateIntervalInMs?: number } {
  return config.lroPollMs ? { updateIntervalInMs: config.lroPollMs } : {};
}

/** Options every Resource Manager client takes: the endpoint (an emulator's when set) and Azure's own scope. */
export function toArmClientOptions(config: AzureClientConfig): { endpoint: string; $host: string; credentialScopes: string[] } {
  return { endpoint: config.armEndpoint, $host: config.armEndpoint, credentialScopes: [config.armScope] };
}

/** Who the credential is: the object id Azure grants roles to, its tenant, and whether it is an application or a user. */
export interface CallerIdentity {
  objectId: string;
  tenantId: string;
  principalType: 'ServicePrincipal' | 'User';
}

/**
 * Reads the caller from a Resource Manager token's claims (`oid`, `tid`, `idtyp`): the token is the credential's own
 * answer, so no directory (Graph) permission is needed. Only claims are read; the token itself is never kept or shown.
 */
export async function readCallerIdentity(config: AzureClientConfig): Promise<CallerIdentity> {
  const token = await callAzure('find out who the Azure credential is', () => config.credential.getToken(config.armScope));
  if (!token) throw new Error('the Azure credential gave no token');
  let claims: { oid?: string; tid?: string; idtyp?: string; upn?: string; appid?: string };
  try {
    claims = JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as typeof claims;
  } catch {
    claims = {};
  }
  if (!claims.oid || !claims.tid) throw new Error('the Azure access token does not name its caller (no oid or tid claim)');
  return { objectId: claims.oid, tenantId: claims.tid, principalType: claims.idtyp === 'user' || (claims.upn && !claims.idtyp) ? 'User' : 'ServicePrincipal' };
}
