// Azure Resource Manager through @azure/arm-resources: resource groups, and any resource by id (read, put, delete, actions).
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { ResourceManagementClient, type GenericResource } from '@azure/arm-resources';
import type { AzureClientConfig } from './azure-client-config.js';
import { toArmClientOptions, toLroOptions } from './azure-client-config.js';
import { callAzure, isNotFound, toAzureError } from './azure-errors.js';

/**
 * The API version of each resource type handoff writes by id, from each provider's REST reference. A type's version
 * fixes the shape of its body, so they change only together with the builders in resources/.
 */
export const API_VERSIONS: Readonly<Record<string, string>> = {
  'Microsoft.Storage/storageAccounts': '2023-05-01',
  'Microsoft.Storage/storageAccounts/blobServices/containers': '2023-05-01',
  'Microsoft.KeyVault/vaults': '2023-07-01',
  'Microsoft.KeyVault/vaults/secrets': '2023-07-01',
  'Microsoft.ManagedIdentity/userAssignedIdentities': '2023-01-31',
  'Microsoft.OperationalInsights/workspaces': '2022-10-01',
  'Microsoft.Insights/scheduledQueryRules': '2023-12-01',
  'Microsoft.Insights/actionGroups': '2023-01-01',
  'Microsoft.ContainerRegistry/registries': '2023-07-01',
  'Microsoft.Logic/workflows': '2019-05-01',
};

/** A resource as Resource Manager returns it: the envelope, and `properties` as the resource type defines them. */
export type ArmResource = GenericResource & { properties?: Record<string, unknown> };

export interface ArmApi {
  /** The resource group's location and tags, or undefined when there is none. */
  getResourceGroup(name: string): Promise<{ location: string; tags: Record<string, string> } | undefined>;
  /** Creates the resource group when missing (an existing one is left as it is). */
  ensureResourceGroup(name: string, location: string, tags: Record<string, string>): Promise<'created' | 'exists'>;
  get(id: string, type: string): Promise<ArmResource | undefined>;
  /** PUT (create or replace) and wait for the long-running operation. */
  put(id: string, type: string, body: ArmResource): Promise<ArmResource>;
  /** DELETE and wait; false when there was nothing to delete. */
  delete(id: string, type: string): Promise<boolean>;
  /** POST to an action of a resource (`…/sharedKeys`) and return its JSON answer. */
  post(id: string, action: string, apiVersion: string): Promise<Record<string, unknown>>;
  /** Ids of the subscription's resources of a type, optionally with one name. */
  listIds(type: string, name?: string): Promise<string[]>;
}

/** Resource Manager ids are case-insensitive; the API version is looked up by the type in the id. */
function apiVersionOf(type: string): string {
  const version = API_VERSIONS[type];
  if (!version) throw new Error(`no API version is known for ${type}`);
  return version;
}

export function createArmApi(config: AzureClientConfig): ArmApi {
  const client = new ResourceManagementClient(config.credential, config.subscriptionId, toArmClientOptions(config));
  const lro = toLroOptions(config);
  async function getResourceGroup(name: string): Promise<{ location: string; tags: Record<string, string> } | undefined> {
    try {
      const group = await client.resourceGroups.get(name);
      return { location: group.location, tags: group.tags ?? {} };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toAzureError(error, `read the Azure resource group ${name}`);
    }
  }
  async function get(id: string, type: string): Promise<ArmResource | undefined> {
    try {
      return (await client.resources.getById(id, apiVersionOf(type))) as ArmResource;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toAzureError(error, `read ${id}`);
    }
  }
  return {
    getResourceGroup,
    async ensureResourceGroup(name, location, tags) {
      if (await getResourceGroup(name)) return 'exists';
      await callAzure(`create the Azure resource group ${name}`, () => client.resourceGroups.createOrUpdate(name, { location, tags }));
      return 'created';
    },
    get,
    put: (id, type, body) => callAzure(`create or update ${id}`, async () => (await client.resources.beginCreateOrUpdateByIdAndWait(id, apiVersionOf(type), body, lro)) as ArmResource),
    async delete(id, type) {
      if (!(await get(id, type))) return false;
      await callAzure(`delete ${id}`, () => client.resources.beginDeleteByIdAndWait(id, apiVersionOf(type), lro));
      return true;
    },
    post: (id, action, apiVersion) =>
      callAzure(`call ${action} of ${id}`, async () => {
        // An action that no typed client of ours has (a workspace's shared keys): sent through the same pipeline, so
        // it carries the same credential, retries and error handling.
        const request = createPipelineRequest({ url: `${config.armEndpoint}${id}/${action}?api-version=${apiVersion}`, method: 'POST' });
        const response = await client.sendRequest(request);
        const body = response.bodyAsText ? (JSON.parse(response.bodyAsText) as Record<string, unknown>) : {};
        if (response.status >= 400) {
          const error = (body.error ?? {}) as { code?: string; message?: string };
          throw Object.assign(new Error(error.message ?? `HTTP ${response.status}`), { statusCode: response.status, code: error.code, name: 'RestError' });
        }
        return body;
      }),
    listIds: (type, name) =>
      callAzure(`list the subscription's ${type}`, async () => {
        const ids: string[] = [];
        const filter = `resourceType eq '${type}'${name ? ` and name eq '${name}'` : ''}`;
        for await (const resource of client.resources.list({ filter })) if (resource.id) ids.push(resource.id);
        return ids;
      }),
  };
}
