// IAM service accounts (iam.googleapis.com v1 REST, which no @google-cloud client covers), called with google-auth-library.
import type { GoogleAuth } from 'google-auth-library';
import { resolveApiBase, type GcpClientConfig } from './gcp-client-config.js';
import { callGcp, isAlreadyExists, isNotFound } from './gcp-errors.js';

export interface ServiceAccount {
  email: string;
  displayName: string;
  description: string;
}

export interface ServiceAccountsApi {
  get(email: string): Promise<ServiceAccount | undefined>;
  /** Creates `<accountId>@<project>.iam.gserviceaccount.com`; an existing one is left as it is (false). */
  create(accountId: string, displayName: string, description: string): Promise<boolean>;
  update(email: string, displayName: string, description: string): Promise<void>;
  /** False when there was none. */
  delete(email: string): Promise<boolean>;
}

export function createServiceAccountsApi(config: GcpClientConfig, auth: GoogleAuth): ServiceAccountsApi {
  const base = `${resolveApiBase(config, 'iam.googleapis.com')}/v1/projects/${config.project}/serviceAccounts`;
  return {
    get: (email) =>
      callGcp(`read the service account ${email}`, async () => {
        try {
          const response = await auth.request<{ email: string; displayName?: string; description?: string }>({ url: `${base}/${encodeURIComponent(email)}` });
          return { email: response.data.email, displayName: response.data.displayName ?? '', description: response.data.description ?? '' };
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    create: (accountId, displayName, description) =>
      callGcp(`create the service account ${accountId}`, async () => {
        try {
          await auth.request({ url: base, method: 'POST', data: { accountId, serviceAccount: { displayName, description } } });
          return true;
        } catch (error) {
          if (isAlreadyExists(error)) return false;
          throw error;
        }
      }),
    update: (email, displayName, description) =>
      callGcp(`update the service account ${email}`, async () => {
        await auth.request({ url: `${base}/${encodeURIComponent(email)}`, method: 'PATCH', data: { serviceAccount: { displayName, description }, updateMask: 'displayName,description' } });
      }),
    delete: (email) =>
      callGcp(`delete the service account ${email}`, async () => {
        try {
          await auth.request({ url: `${base}/${encodeURIComponent(email)}`, method: 'DELETE' });
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      }),
  };
}
