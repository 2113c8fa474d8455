// Thin SSM Parameter Store wrappers: SecureString put, get by path (every page), delete (in batches), with typed errors.
import { AddTagsToResourceCommand, DeleteParametersCommand, PutParameterCommand, SSMClient, paginateDescribeParameters, paginateGetParametersByPath } from '@aws-sdk/client-ssm';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { callAws } from './aws-errors.js';

export type ParameterTier = 'Standard' | 'Advanced';

export interface SsmParameter {
  name: string;
  value: string;
}

export interface SsmApi {
  /** Writes (or overwrites) a SecureString encrypted with the account's default key for SSM, then sets `tags` on it. */
  putSecureString(name: string, value: string, tier: ParameterTier, tags?: Record<string, string>): Promise<void>;
  /**
   * Every parameter directly under `path` (decrypted), across all pages. Not recursive on purpose: the task role may
   * read `/handoff/<RG>` and `/handoff/<RG>/<task>` one level at a time, never the other tasks' secrets below them.
   */
  getParametersByPath(path: string): Promise<SsmParameter[]>;
  /** The names of the Advanced-tier parameters directly under `path` (DescribeParameters; values are not read). */
  listAdvancedNames(path: string): Promise<Set<string>>;
  /** Deletes the names; returns the ones that did not exist. */
  deleteParameters(names: string[]): Promise<{ deleted: string[]; missing: string[] }>;
  destroy(): void;
}

/** DeleteParameters takes at most 10 names per request (SSM API reference). */
const DELETE_BATCH = 10;

export function createSsmApi(config: AwsClientConfig): SsmApi {
  const client = new SSMClient(toClientInput(config));
  return {
    async putSecureString(name, value, tier, tags) {
      await callAws({ action: `write the SSM parameter ${name}`, hide: value, userInput: `the secret ${name.slice(name.lastIndexOf('/') + 1)} in the secrets file` }, () =>
        client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Tier: tier, Overwrite: true })),
      );
      // PutParameter takes tags only when it creates the parameter; AddTagsToResource sets them either way.
      if (tags && Object.keys(tags).length > 0) {
        await callAws({ action: `tag the SSM parameter ${name}` }, () =>
          client.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })),
        );
      }
    },
    async getParametersByPath(path) {
      return callAws({ action: `read the SSM parameters under ${path}` }, async () => {
        const found: SsmParameter[] = [];
        const pages = paginateGetParametersByPath({ client }, { Path: path, Recursive: false, WithDecryption: true, MaxResults: 10 });
        for await (const page of pages) {
          for (const p of page.Parameters ?? []) {
            if (p.Name !== undefined) found.push({ name: p.Name, value: p.Value ?? '' });
          }
        }
        return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      });
    },
    async listAdvancedNames(path) {
      return callAws({ action: `describe the SSM parameters under ${path}` }, async () => {
        const found = new Set<string>();
        // Filtered here rather than with a Tier filter: the Path filter alone is what every SSM (and moto) answers alike.
        const pages = paginateDescribeParameters({ client }, { ParameterFilters: [{ Key: 'Path', Option: 'OneLevel', Values: [path] }], MaxResults: 50 });
        for await (const page of pages) {
          for (const p of page.Parameters ?? []) if (p.Name !== undefined && p.Tier === 'Advanced') found.add(p.Name);
        }
        return found;
      });
    },
    async deleteParameters(names) {
      const deleted: string[] = [];
      const missing: string[] = [];
      for (let i = 0; i < names.length; i += DELETE_BATCH) {
        const batch = names.slice(i, i + DELETE_BATCH);
        const out = await callAws({ action: `delete the SSM parameters ${batch.join(', ')}` }, () => client.send(new DeleteParametersCommand({ Names: batch })));
        deleted.push(...(out.DeletedParameters ?? []));
        missing.push(...(out.InvalidParameters ?? []));
      }
      return { deleted, missing };
    },
    destroy() {
      client.destroy();
    },
  };
}
