// The one place Azure clients get their configuration: the credential (DefaultAzureCredential), endpoints and scopes.
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';

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
}

export const ARM_SCOPE = 'https://management.azure.com/.default';
export const LOGS_AUDIENCE = 'https://api.loganalytics.io';

/** True for a URL on this machine's loopback (an emulator in tests). */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

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
  return {
    subscriptionId: input.subscriptionId,
    credential: input.credential ?? createAzureCredential(env),
    armEndpoint: endpoint ?? 'https://management.azure.com',
    armScope: ARM_SCOPE,
    vaultUrl: (vault) => (endpoint ? `${endpoint}/keyvault/${vault}` : `https://${vault}.vault.azure.net`),
    blobUrl: (account) => (blob ? (blob.includes('{account}') ? blob.replace('{account}', account) : blob) : `https://${account}.blob.core.windows.net`),
    logsEndpoint: endpoint ?? LOGS_AUDIENCE,
    emulated: endpoint !== undefined,
  };
}

/** Options every Resource Manager client takes: the endpoint (an emulator's when set) and Azure's own scope. */
export function toArmClientOptions(config: AzureClientConfig): { endpoint: string; $host: string; credentialScopes: string[] } {
  return { endpoint: config.armEndpoint, $host: config.armEndpoint, credentialScopes: [config.armScope] };
}
