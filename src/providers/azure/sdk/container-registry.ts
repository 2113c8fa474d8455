// Azure Container Registry's token service (the `az acr login --expose-token` flow) and its tag list, over HTTPS.
import type { AzureClientConfig } from './azure-client-config.js';
import { UserError } from '../../../errors.js';
import { findNetworkCode } from '../../network-error.js';
import { callAzure } from './azure-errors.js';

/** The user name ACR expects with a refresh token as the password (`az acr login --expose-token` prints it). */
export const ACR_TOKEN_USER = '00000000-0000-0000-0000-000000000000';

export interface RegistryLogin {
  username: string;
  /** An ACR refresh token: pass it on stdin only. */
  password: string;
}

export interface ContainerRegistryApi {
  /** Exchanges the identity's Microsoft Entra token for a registry refresh token (valid for three hours). */
  login(): Promise<RegistryLogin>;
  /** The tags of a repository (empty when it does not exist yet). */
  listTags(repository: string, login: RegistryLogin): Promise<string[]>;
}

/** The tenant a Microsoft Entra access token was issued by (its `tid` claim), which the exchange wants. */
function readTenant(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: string };
    return payload.tid;
  } catch {
    return undefined;
  }
}

/**
 * ACR's documented token flow ("Azure Container Registry authentication with tokens"): POST the Entra access token
 * to `https://<login server>/oauth2/exchange` for a refresh token, which the container CLI logs in with; for API
 * calls, POST the refresh token to `/oauth2/token` for an access token of the repository's scope.
 */
export function createContainerRegistryApi(config: AzureClientConfig, loginServer: string): ContainerRegistryApi {
  const base = `https://${loginServer}`;
  /** fetch, with a registry that does not answer (a typo in deploy.registry does not resolve) said as such. */
  async function reach(url: string, init?: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      const network = findNetworkCode(error);
      if (!network) throw error;
      throw new UserError(`cannot reach the registry ${loginServer} (${network})`, {
        fix: 'check deploy.registry (an Azure Container Registry\'s login server, <name>.azurecr.io), the network connection and proxy settings',
        cause: error,
      });
    }
  }
  async function post(path: string, form: Record<string, string>): Promise<Record<string, string>> {
    const response = await reach(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    const text = await response.text();
    if (!response.ok) throw Object.assign(new Error(`${loginServer}${path} answered HTTP ${response.status}: ${text.slice(0, 200)}`), { statusCode: response.status });
    return JSON.parse(text) as Record<string, string>;
  }
  return {
    login: () =>
      callAzure(`log in to the registry ${loginServer}`, async () => {
        const token = await config.credential.getToken(config.armScope);
        if (!token) throw new Error('the credential gave no token');
        const tenant = readTenant(token.token);
        const answer = await post('/oauth2/exchange', { grant_type: 'access_token', service: loginServer, access_token: token.token, ...(tenant ? { tenant } : {}) });
        if (!answer.refresh_token) throw new Error(`${loginServer} gave no refresh token`);
        return { username: ACR_TOKEN_USER, password: answer.refresh_token };
      }),
    listTags: (repository, login) =>
      callAzure(`list the tags of ${loginServer}/${repository}`, async () => {
        const access = await post('/oauth2/token', { grant_type: 'refresh_token', service: loginServer, scope: `repository:${repository}:pull`, refresh_token: login.password });
        const tags: string[] = [];
        let url: string | undefined = `${base}/v2/${repository}/tags/list?n=1000`;
        while (url) {
          const response: Response = await reach(url, { headers: { authorization: `Bearer ${access.access_token}` } });
          if (response.status === 404) return [];
          if (!response.ok) throw Object.assign(new Error(`${loginServer} answered HTTP ${response.status} to the tag list of ${repository}`), { statusCode: response.status });
          tags.push(...(((await response.json()) as { tags?: string[] | null }).tags ?? []));
          // The registry API pages with a Link header: `</v2/<name>/tags/list?last=…&n=…>; rel="next"`.
          const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
          url = next ? new URL(next, base).toString() : undefined;
        }
        return tags;
      }),
  };
}
