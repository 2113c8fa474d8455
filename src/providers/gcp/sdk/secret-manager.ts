// Secret Manager through @google-cloud/secret-manager: one secret per secret path, its latest version, and its IAM policy.
import type { GoogleAuth } from 'google-auth-library';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { IamPolicy } from '../resources/iam-policy.js';
import { toGaxOptions, type GcpClientConfig } from './gcp-client-config.js';
import { callGcp, classifyGcpError, isAlreadyExists, isNotFound } from './gcp-errors.js';

export interface SecretManagerApi {
  /** The latest enabled version's bytes as text; undefined when the secret or any enabled version is missing. */
  readLatest(secretId: string): Promise<string | undefined>;
  /** Creates the secret (automatic replication) when missing; true when it was made now. */
  ensureSecret(secretId: string, labels: Record<string, string>): Promise<boolean>;
  /** Adds a version holding `data` and destroys the older enabled ones (each active version is billed). */
  writeVersion(secretId: string, data: string): Promise<void>;
  /** Deletes the secret and all its versions; false when there was none. */
  deleteSecret(secretId: string): Promise<boolean>;
  exists(secretId: string): Promise<boolean>;
  getIamPolicy(secretId: string): Promise<IamPolicy>;
  setIamPolicy(secretId: string, policy: IamPolicy): Promise<void>;
  close(): Promise<void>;
}

export function createSecretManagerApi(config: GcpClientConfig, auth: GoogleAuth): SecretManagerApi {
  const client = new SecretManagerServiceClient(toGaxOptions(config, auth));
  const parent = `projects/${config.project}`;
  const nameOf = (secretId: string): string => `${parent}/secrets/${secretId}`;

  return {
    readLatest: (secretId) =>
      callGcp(`read the secret ${secretId}`, async () => {
        try {
          const [version] = await client.accessSecretVersion({ name: `${nameOf(secretId)}/versions/latest` });
          const data = version.payload?.data;
          return data === undefined || data === null ? '' : Buffer.from(data as Uint8Array | string).toString('utf8');
        } catch (error) {
          // No secret, or a secret whose versions are all destroyed or disabled (FAILED_PRECONDITION): nothing stored.
          if (isNotFound(error) || classifyGcpError(error) === 'FAILED_PRECONDITION') return undefined;
          throw error;
        }
      }),
    ensureSecret: (secretId, labels) =>
      callGcp(`create the secret ${secretId}`, async () => {
        try {
          await client.createSecret({ parent, secretId, secret: { replication: { automatic: {} }, labels } });
          return true;
        } catch (error) {
          if (isAlreadyExists(error)) return false;
          throw error;
        }
      }),
    writeVersion: (secretId, data) =>
      callGcp(`write a version of the secret ${secretId}`, async () => {
        const [added] = await client.addSecretVersion({ parent: nameOf(secretId), payload: { data: Buffer.from(data, 'utf8') } });
        const [versions] = await client.listSecretVersions({ parent: nameOf(secretId), filter: 'state:ENABLED' });
        for (const v of versions) {
          if (v.name && v.name !== added.name) await client.destroySecretVersion({ name: v.name });
        }
      }),
    deleteSecret: (secretId) =>
      callGcp(`delete the secret ${secretId}`, async () => {
        try {
          await client.deleteSecret({ name: nameOf(secretId) });
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      }),
    exists: (secretId) =>
      callGcp(`read the secret ${secretId}`, async () => {
        try {
          await client.getSecret({ name: nameOf(secretId) });
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      }),
    getIamPolicy: (secretId) =>
      callGcp(`read the IAM policy of the secret ${secretId}`, async () => {
        const [policy] = await client.getIamPolicy({ resource: nameOf(secretId), options: { requestedPolicyVersion: 3 } });
        return {
          version: policy.version ?? 1,
          ...(policy.etag ? { etag: Buffer.from(policy.etag as Uint8Array).toString('base64') } : {}),
          bindings: (policy.bindings ?? []).map((b) => ({
            role: b.role ?? '',
            members: b.members ?? [],
            ...(b.condition ? { condition: { title: b.condition.title ?? '', ...(b.condition.description ? { description: b.condition.description } : {}), expression: b.condition.expression ?? '' } } : {}),
          })),
        };
      }),
    setIamPolicy: (secretId, policy) =>
      callGcp(`set the IAM policy of the secret ${secretId}`, async () => {
        await client.setIamPolicy({ resource: nameOf(secretId), policy: { version: policy.version, bindings: policy.bindings, ...(policy.etag ? { etag: Buffer.from(policy.etag, 'base64') } : {}) } });
      }),
    close: () => client.close(),
  };
}
