// Test helper: one loopback HTTPS server that answers the Azure calls handoff makes — Microsoft Entra ID tokens, managed identity,
// Resource Manager (resource groups, storage, Key Vault, identities, Log Analytics, Container Apps, alerts, role assignments),
// Key Vault secrets, Log Analytics queries and the ACR token service in front of a real registry — following the documented REST
// shapes (Azure error bodies, long-running operations with Azure-AsyncOperation and Location, nextLink paging), keeping state,
// recording requests and running job executions for real.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { LoopbackCertificate } from './emulator/certificate.js';
import { createExecutionRunner, type ContainerSpec, type ExecutionRecord } from './emulator/executions.js';
import { runKql, type Row } from './emulator/kql.js';
import { createTokenSigner, toResource, type TokenClaims } from './emulator/tokens.js';

export interface AzureEmulatorOptions {
  certificate: LoopbackCertificate;
  /** `bin/handoff.js` that replicas run. */
  handoffBin: string;
  /** Azurite: `https://127.0.0.1:<port>/{account}`, and the account and key the control plane creates containers with. */
  blob: { endpoint: string; account: string; key: string };
  /** A registry (docker-registry) the ACR front proxies `/v2/` to: `http://127.0.0.1:<port>`. */
  registryBackend?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The object id of the caller, when the request carried a valid token. */
  principal?: string;
  /** JSON bodies as sent (token requests are recorded by field name only). */
  body?: unknown;
}

interface Stored {
  id: string;
  type: string;
  body: Record<string, unknown>;
}

interface RoleAssignment {
  id: string;
  name: string;
  scope: string;
  properties: Record<string, unknown>;
}

interface SecretVersion {
  version: string;
  value: string;
  tags: Record<string, string>;
  contentType?: string;
  created: number;
  updated: number;
  /** attributes.enabled: a disabled version keeps its value, but Key Vault answers 403 (SecretDisabled) to reading it. */
  enabled: boolean;
}

interface Operation {
  pollsLeft: number;
  /** What the operation returns once done (200 body), and what happens then. */
  result?: Record<string, unknown>;
  complete: () => void;
}

class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Key Vault's `innererror` (e.g. SecretDisabled). */
    readonly innererror?: { code: string },
  ) {
    super(message);
  }
}

const ROLE = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  keyVaultAdministrator: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  containerAppsJobsOperator: 'b9a307c4-5aa3-4b52-ba60-2b17c136cd7b',
} as const;
const BUILT_IN_ROLES = new Set<string>(Object.values(ROLE));

/** The API versions the SDKs handoff uses send, per resource type (lowercase). */
const API_VERSIONS: Record<string, string[]> = {
  resourcegroups: ['2025-04-01'],
  resources: ['2025-04-01'],
  'microsoft.storage/storageaccounts': ['2023-05-01'],
  'microsoft.storage/storageaccounts/blobservices/containers': ['2023-05-01'],
  'microsoft.keyvault/vaults': ['2023-07-01'],
  'microsoft.managedidentity/userassignedidentities': ['2023-01-31'],
  'microsoft.operationalinsights/workspaces': ['2022-10-01', '2020-08-01'],
  'microsoft.insights/scheduledqueryrules': ['2023-12-01'],
  'microsoft.insights/actiongroups': ['2023-01-01'],
  'microsoft.containerregistry/registries': ['2023-07-01'],
  'microsoft.app/managedenvironments': ['2025-07-01'],
  'microsoft.app/jobs': ['2025-07-01'],
  'microsoft.authorization/roleassignments': ['2022-04-01'],
  'microsoft.logic/workflows': ['2019-05-01'],
};
/** Long-running PUTs and DELETEs, and how Azure reports them. */
const ASYNC_TYPES = new Set(['microsoft.app/managedenvironments', 'microsoft.app/jobs']);
const LOCATION_TYPES = new Set(['microsoft.storage/storageaccounts']);
const PAGE_SIZE = 2;

const uuid = (): string => crypto.randomUUID();

function pageOf<T>(items: T[], query: Record<string, string>, nextBase: string): { value: T[]; nextLink?: string } {
  const skip = Number(query.$skiptoken ?? 0);
  const value = items.slice(skip, skip + PAGE_SIZE);
  if (skip + PAGE_SIZE >= items.length) return { value };
  const next = new URL(nextBase);
  next.searchParams.set('$skiptoken', String(skip + PAGE_SIZE));
  return { value, nextLink: next.toString() };
}

/** The resource type of an ARM id: `Microsoft.App/jobs`, `Microsoft.Storage/storageAccounts/blobServices/containers`. */
function typeOf(id: string): { type: string; name: string; parent?: string } {
  const parts = id.split('/').filter(Boolean);
  const at = parts.map((p) => p.toLowerCase()).lastIndexOf('providers');
  const rest = parts.slice(at + 1);
  const types = [rest[0]!];
  for (let i = 1; i < rest.length; i += 2) types.push(rest[i]!);
  const name = rest[rest.length - 1]!;
  const parent = rest.length > 3 ? `/${parts.slice(0, parts.length - 2).join('/')}` : undefined;
  return { type: types.join('/'), name, ...(parent ? { parent } : {}) };
}

/** Container Apps Consumption sizes: 0.25 to 4 vCPU in 0.25 steps, memory twice the vCPUs in Gi. */
function checkContainerResources(resources: { cpu?: number; memory?: string } | undefined): void {
  const cpu = Number(resources?.cpu);
  const memory = /^([0-9.]+)Gi$/.exec(String(resources?.memory ?? ''))?.[1];
  if (!Number.isFinite(cpu) || cpu < 0.25 || cpu > 4 || Math.round(cpu * 4) !== cpu * 4 || Number(memory) !== cpu * 2) {
    throw new ArmError(400, 'ContainerAppInvalidResourceTotal', `The total requested CPU and memory resources for this application (CPU: ${resources?.cpu}, memory: ${resources?.memory}) is invalid. Total CPU and memory for all containers defined in a Container App must add up to one of the following CPU - Memory combinations: [cpu: 0.25, memory: 0.5Gi]; [cpu: 0.5, memory: 1.0Gi]; ... [cpu: 4.0, memory: 8.0Gi]`);
  }
}

const WINDOWS_ZONES = new Set<string>(WINDOWS_TO_IANA_MAP.map((z) => z.windowsName));
const WEEK_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * The parts of the workflow definition language handoff writes, checked as Logic Apps does on save: Recurrence
 * triggers ("Schedule and run recurring workflows": a time zone only with a start time given without an offset, a
 * Windows zone name, schedule fields only with the frequencies that take them) and Http actions.
 */
function checkWorkflowDefinition(definition: unknown, identity: { type?: string } | undefined): void {
  const fail = (message: string): never => {
    throw new ArmError(400, 'InvalidWorkflowDefinition', message);
  };
  const d = definition as { triggers?: Record<string, { type?: string; recurrence?: Record<string, unknown> }>; actions?: Record<string, { type?: string; inputs?: Record<string, unknown> }> } | undefined;
  if (!d || typeof d !== 'object' || !d.triggers || !d.actions) return fail('The workflow definition needs triggers and actions.');
  for (const [name, trigger] of Object.entries(d.triggers)) {
    if (trigger.type !== 'Recurrence') return fail(`The emulator knows Recurrence triggers only; '${name}' is '${trigger.type}'.`);
    const r = trigger.recurrence ?? {};
    if (!['Second', 'Minute', 'Hour', 'Day', 'Week', 'Month'].includes(String(r.frequency))) fail(`The recurrence frequency '${r.frequency}' of trigger '${name}' is not valid.`);
    if (!Number.isInteger(r.interval) || Number(r.interval) < 1) fail(`The recurrence interval of trigger '${name}' must be a positive integer.`);
    if (r.timeZone !== undefined) {
      if (!WINDOWS_ZONES.has(String(r.timeZone))) fail(`The time zone '${r.timeZone}' of trigger '${name}' is not a valid time zone.`);
      if (typeof r.startTime !== 'string' || /(Z|[+-]\d\d:\d\d)$/.test(r.startTime)) fail(`The recurrence of trigger '${name}' has a time zone, so its start time must be given, without a UTC offset.`);
    }
    const schedule = (r.schedule ?? {}) as { hours?: number[]; minutes?: number[]; weekDays?: string[]; monthDays?: number[] };
    const within = (values: number[] | undefined, min: number, max: number): boolean => (values ?? []).every((v) => Number.isInteger(v) && v >= min && v <= max);
    if (!within(schedule.hours, 0, 23) || !within(schedule.minutes, 0, 59) || !within(schedule.monthDays, 1, 31)) fail(`The schedule of trigger '${name}' has an hour, minute or month day out of range.`);
    if ((schedule.hours || schedule.minutes) && !['Day', 'Week', 'Month'].includes(String(r.frequency))) fail(`Hours and minutes of trigger '${name}' need the frequency Day, Week or Month.`);
    if (schedule.weekDays && (r.frequency !== 'Week' || !schedule.weekDays.every((w) => WEEK_DAYS.includes(w)))) fail(`The week days of trigger '${name}' need the frequency Week and day names.`);
    if (schedule.monthDays && r.frequency !== 'Month') fail(`The month days of trigger '${name}' need the frequency Month.`);
  }
  for (const [name, action] of Object.entries(d.actions)) {
    if (action.type !== 'Http') return fail(`The emulator knows Http actions only; '${name}' is '${action.type}'.`);
    const inputs = action.inputs ?? {};
    if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(String(inputs.method)) || typeof inputs.uri !== 'string' || !/^https:\/\//.test(inputs.uri)) fail(`The inputs of action '${name}' need a method and an https uri.`);
    const auth = inputs.authentication as { type?: string; audience?: string } | undefined;
    if (auth?.type === 'ManagedServiceIdentity' && identity?.type !== 'SystemAssigned') fail(`Action '${name}' authenticates with the workflow's managed identity, but the workflow has no system-assigned identity.`);
  }
}

export async function startAzureEmulator(options: AzureEmulatorOptions) {
  const tenantId = uuid();
  const subscriptionId = uuid();
  const servicePrincipal = { clientId: uuid(), secret: crypto.randomBytes(18).toString('base64url'), objectId: uuid() };
  const identityHeader = crypto.randomBytes(12).toString('hex');
  const signer = createTokenSigner();
  const requests: RecordedRequest[] = [];
  const resources = new Map<string, Stored>();
  const roleAssignments = new Map<string, RoleAssignment>();
  const vaults = new Map<string, Map<string, { name: string; versions: SecretVersion[] }>>();
  const operations = new Map<string, Operation>();
  const executions = new Map<string, ExecutionRecord[]>();
  const tables = { ContainerAppConsoleLogs_CL: [] as Row[], ContainerAppSystemLogs_CL: [] as Row[] };
  const refreshTokens = new Map<string, string>();
  const registryTokens = new Set<string>();
  const imageProjects = new Map<string, string>();
  const pushedImages = new Set<string>();
  const blobAccountUrl = options.blob.endpoint.replace('{account}', options.blob.account);

  /**
   * The control plane makes and removes Blob containers in Azurite, as Resource Manager does in Azure. This process does
   * not trust the test CA (NODE_EXTRA_CA_CERTS is read at start), so the call goes out with the CA given to the request
   * and an account SAS made by the SDK offline, instead of through a Blob client.
   */
  async function changeContainer(name: string, method: 'PUT' | 'DELETE', metadata: Record<string, string> = {}): Promise<void> {
    const sas = generateAccountSASQueryParameters(
      { expiresOn: new Date(Date.now() + 3_600_000), permissions: AccountSASPermissions.parse('rwdlac'), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), services: AccountSASServices.parse('b').toString() },
      new StorageSharedKeyCredential(options.blob.account, options.blob.key),
    ).toString();
    // Resource Manager's properties.metadata is the container's own metadata (x-ms-meta-*), set on every PUT.
    const headers = { 'x-ms-version': '2021-12-02', 'content-length': 0, ...Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-ms-meta-${k}`, v])) };
    const send = (query: string) =>
      new Promise<number>((resolve, reject) => {
        const request = https.request(`${blobAccountUrl}/${name}?restype=container${query}&${sas}`, { method, ca: fs.readFileSync(options.certificate.caFile), headers }, (answer) => {
          answer.resume();
          answer.on('end', () => resolve(answer.statusCode ?? 0));
        });
        request.on('error', reject);
        request.end();
      });
    let status = await send('');
    if (method === 'PUT' && status === 409) status = (await send('&comp=metadata')) === 200 ? 409 : 500;
    // 201 created, 202 deleted; 409 (already there) and 404 (already gone) leave the container as wanted.
    if (![201, 202, 404, 409].includes(status)) throw new Error(`Azurite answered ${status} to ${method} container ${name}`);
  }
  let base = '';
  let registryServer = '';

  const runner = createExecutionRunner({
    handoffBin: options.handoffBin,
    console: tables.ContainerAppConsoleLogs_CL,
    system: tables.ContainerAppSystemLogs_CL,
    resolveImage: (image) => imageProjects.get(image),
    caFile: options.certificate.caFile,
    platformEnv: () => ({
      IDENTITY_ENDPOINT: `${base}/msi/token`,
      IDENTITY_HEADER: identityHeader,
      HANDOFF_AZURE_ENDPOINT: base,
      HANDOFF_AZURE_BLOB_ENDPOINT: options.blob.endpoint,
      NODE_EXTRA_CA_CERTS: options.certificate.caFile,
      HANDOFF_AZURE_POLL_MS: '200',
    }),
  });

  // -- identities and role assignments ---------------------------------------------------------------------------------

  function assign(scope: string, principalId: string, roleId: string, principalType = 'ServicePrincipal'): void {
    const name = uuid();
    const id = `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    roleAssignments.set(id.toLowerCase(), { id, name, scope, properties: { roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`, principalId, principalType, scope } });
  }
  // The test's service principal owns the subscription (management actions only: Owner has no data actions).
  assign(`/subscriptions/${subscriptionId}`, servicePrincipal.objectId, ROLE.owner);

  /** Whether `principal` holds one of `roles` at `scope` or above it. */
  function holds(principal: string, scope: string, roles: readonly string[]): boolean {
    const target = scope.toLowerCase();
    for (const a of roleAssignments.values()) {
      if (a.properties.principalId !== principal) continue;
      const at = a.scope.toLowerCase();
      if (target !== at && !target.startsWith(`${at}/`)) continue;
      const role = String(a.properties.roleDefinitionId).split('/').pop()!.toLowerCase();
      if (roles.includes(role)) return true;
    }
    return false;
  }

  function findIdentityByClientId(clientId: string): Stored | undefined {
    return [...resources.values()].find((r) => r.type.toLowerCase() === 'microsoft.managedidentity/userassignedidentities' && (r.body.properties as Record<string, unknown>).clientId === clientId);
  }

  function principalExists(id: string): boolean {
    if (id === servicePrincipal.objectId) return true;
    if ([...resources.values()].some((r) => r.type.toLowerCase() === 'microsoft.logic/workflows' && (r.body.identity as { principalId?: string } | undefined)?.principalId === id)) return true;
    return [...resources.values()].some((r) => r.type.toLowerCase() === 'microsoft.managedidentity/userassignedidentities' && (r.body.properties as Record<string, unknown>).principalId === id);
  }

  // -- HTTP plumbing -----------------------------------------------------------------------------------------------------

  function send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-request-id': uuid(), ...headers, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function sendError(res: http.ServerResponse, error: ArmError, headers: Record<string, string> = {}): void {
    send(res, error.status, { error: { code: error.code, message: error.message, ...(error.innererror ? { innererror: error.innererror } : {}) } }, headers);
  }

  function authenticate(req: http.IncomingMessage, audience: string): TokenClaims | undefined {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) return undefined;
    const claims = signer.verify(header.slice(7));
    if (!claims) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid or expired.');
    if (claims.aud !== audience) throw new ArmError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${claims.aud}'. It should exactly match with one of the allowed audiences '${audience}'.`);
    return claims;
  }

  function requireCaller(req: http.IncomingMessage, audience: string): TokenClaims {
    const claims = authenticate(req, audience);
    if (!claims) throw new ArmError(401, 'AuthenticationFailed', 'Authentication failed. The Authorization header is missing.');
    return claims;
  }

  // -- Microsoft Entra ID and managed identity ---------------------------------------------------------------------------

  function handleIdentity(req: http.IncomingMessage, res: http.ServerResponse, url: URL, form: URLSearchParams): boolean {
    const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (metadata) {
      const tenant = metadata[1]!;
      send(res, 200, {
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        issuer: `${base}/${tenant}/v2.0`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        tenant_region_scope: null,
      });
      return true;
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (token && req.method === 'POST') {
      if (token[1] !== tenantId) {
        send(res, 400, { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${token[1]}' not found.` });
        return true;
      }
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== servicePrincipal.clientId || form.get('client_secret') !== servicePrincipal.secret) {
        send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
        return true;
      }
      const issued = signer.issue({ resource: toResource(form.get('scope') ?? ''), objectId: servicePrincipal.objectId, tenantId, appId: servicePrincipal.clientId });
      send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: issued.token });
      return true;
    }
    if (url.pathname === '/msi/token' && req.method === 'GET') {
      // The App Service / Container Apps managed identity endpoint (IDENTITY_ENDPOINT, header X-IDENTITY-HEADER).
      if (req.headers['x-identity-header'] !== identityHeader) {
        send(res, 401, { statusCode: 401, message: 'Unauthorized: X-IDENTITY-HEADER is missing or wrong' });
        return true;
      }
      const identity = findIdentityByClientId(url.searchParams.get('client_id') ?? '');
      if (!identity) {
        send(res, 400, { statusCode: 400, message: 'No managed identity with that client_id is assigned to this resource' });
        return true;
      }
      const properties = identity.body.properties as Record<string, string>;
      const issued = signer.issue({ resource: toResource(url.searchParams.get('resource') ?? ''), objectId: properties.principalId!, tenantId, appId: properties.clientId! });
      send(res, 200, { access_token: issued.token, expires_on: String(issued.expiresOn), resource: url.searchParams.get('resource'), token_type: 'Bearer', client_id: properties.clientId });
      return true;
    }
    return false;
  }

  // -- Key Vault ---------------------------------------------------------------------------------------------------------

  function handleKeyVault(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: unknown): void {
    const match = /^\/keyvault\/([^/]+)\/secrets\/([^/]+)(?:\/([^/]*))?$/.exec(url.pathname);
    if (!match) throw new ArmError(404, 'NotFound', `no Key Vault operation at ${url.pathname}`);
    const [, vaultName, secretName] = match as unknown as [string, string, string];
    // Challenge-based authentication: a request without a token learns the tenant and the resource.
    if (!req.headers.authorization) {
      send(res, 401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, { 'www-authenticate': `Bearer authorization="${base}/${tenantId}", resource="https://vault.azure.net"` });
      return;
    }
    const caller = requireCaller(req, 'https://vault.azure.net');
    const vault = [...resources.values()].find((r) => r.type.toLowerCase() === 'microsoft.keyvault/vaults' && r.id.split('/').pop()!.toLowerCase() === vaultName.toLowerCase());
    if (!vault) throw new ArmError(404, 'VaultNotFound', `The vault ${vaultName} does not exist.`);
    const scope = `${vault.id}/secrets/${secretName}`;
    // Set Secret (PUT) and Update Secret (PATCH of a version's attributes, tags, content type) change it.
    const writing = req.method === 'PUT' || req.method === 'PATCH';
    const allowed = writing ? [ROLE.keyVaultSecretsOfficer, ROLE.keyVaultAdministrator] : [ROLE.keyVaultSecretsUser, ROLE.keyVaultSecretsOfficer, ROLE.keyVaultAdministrator];
    if (!holds(caller.oid, scope, allowed)) {
      const action = writing ? 'Microsoft.KeyVault/vaults/secrets/setSecret/action' : 'Microsoft.KeyVault/vaults/secrets/getSecret/action';
      throw new ArmError(403, 'Forbidden', `Caller is not authorized to perform action on resource. If role assignments, deny assignments or role definitions were changed recently, please observe propagation time. Caller: appid=${caller.appid};oid=${caller.oid} Action: '${action}' Resource: '${scope.toLowerCase()}'`);
    }
    if (url.searchParams.get('api-version') !== '2025-07-01') throw new ArmError(400, 'BadParameter', 'The specified version of the API is not supported.');
    const secrets = vaults.get(vaultName.toLowerCase()) ?? new Map<string, { name: string; versions: SecretVersion[] }>();
    vaults.set(vaultName.toLowerCase(), secrets);
    // Vaults share this one host, told apart by a path prefix (a vault is a host name in Azure); ids keep Key Vault's
    // form `<host>/secrets/<name>/<version>`, which the SDK parses and checks.
    const render = (name: string, v: SecretVersion) => ({
      value: v.value,
      id: `${base}/secrets/${name}/${v.version}`,
      ...(v.contentType ? { contentType: v.contentType } : {}),
      tags: v.tags,
      attributes: { enabled: v.enabled, created: Math.floor(v.created / 1000), updated: Math.floor(v.updated / 1000), recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
    });
    const notFound = (): ArmError => new ArmError(404, 'SecretNotFound', `A secret with (name/id) ${secretName} was not found in this key vault.`);
    if (req.method === 'GET' && match[3] === 'versions') {
      // Get Secret Versions: SecretItems (no value), oldest first here, `maxresults` (at most 25) a page, `nextLink` to the next.
      const entry = secrets.get(secretName.toLowerCase());
      if (!entry) throw notFound();
      const size = Math.min(Number(url.searchParams.get('maxresults') ?? 25) || 25, 25);
      const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
      const items = entry.versions.slice(skip, skip + size).map((v) => {
        const { value: _value, ...item } = render(entry.name, v);
        return item;
      });
      const next = skip + size < entry.versions.length ? `${base}/keyvault/${vaultName}/secrets/${entry.name}/versions?api-version=2025-07-01&maxresults=${size}&$skiptoken=${skip + size}` : null;
      send(res, 200, { value: items, nextLink: next });
      return;
    }
    if (req.method === 'PATCH') {
      // Update Secret: a version's attributes (enabled), tags and content type; the answer is the bundle without its value.
      const entry = secrets.get(secretName.toLowerCase());
      const version = entry?.versions.find((v) => v.version === match[3]);
      if (!entry || !version) throw notFound();
      const input = body as { attributes?: { enabled?: boolean }; tags?: Record<string, string>; contentType?: string };
      if (typeof input?.attributes?.enabled === 'boolean') version.enabled = input.attributes.enabled;
      if (input?.tags) version.tags = input.tags;
      if (input?.contentType !== undefined) version.contentType = input.contentType;
      version.updated = Date.now();
      const { value: _value, ...bundle } = render(entry.name, version);
      send(res, 200, bundle);
      return;
    }
    if (writing) {
      if (!/^[0-9a-zA-Z-]{1,127}$/.test(secretName)) throw new ArmError(400, 'BadParameter', `The request URI contains an invalid name: ${secretName}`);
      const input = body as { value?: string; tags?: Record<string, string>; contentType?: string };
      if (typeof input?.value !== 'string') throw new ArmError(400, 'BadParameter', 'Property value is required.');
      if (input.value.length > 25_600) throw new ArmError(400, 'BadParameter', 'Secret value is too large: at most 25 KB.');
      const entry = secrets.get(secretName.toLowerCase()) ?? { name: secretName, versions: [] };
      const now = Date.now();
      const version: SecretVersion = { version: crypto.randomBytes(16).toString('hex'), value: input.value, tags: input.tags ?? {}, ...(input.contentType ? { contentType: input.contentType } : {}), created: now, updated: now, enabled: true };
      entry.versions.push(version);
      secrets.set(secretName.toLowerCase(), entry);
      send(res, 200, render(entry.name, version));
      return;
    }
    const entry = secrets.get(secretName.toLowerCase());
    const wanted = match[3];
    const version = entry && (wanted ? entry.versions.find((v) => v.version === wanted) : entry.versions[entry.versions.length - 1]);
    if (!entry || !version) throw notFound();
    if (!version.enabled) throw new ArmError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', { code: 'SecretDisabled' });
    send(res, 200, render(entry.name, version));
  }

  // -- Log Analytics -----------------------------------------------------------------------------------------------------

  function handleLogs(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: unknown): void {
    const match = /^\/v1\/workspaces\/([^/]+)\/query$/.exec(url.pathname);
    if (!match || req.method !== 'POST') throw new ArmError(404, 'PathNotFoundError', `The requested path does not exist: ${url.pathname}`);
    const caller = requireCaller(req, 'https://api.loganalytics.io');
    const workspace = [...resources.values()].find((r) => r.type.toLowerCase() === 'microsoft.operationalinsights/workspaces' && (r.body.properties as Record<string, unknown>).customerId === match[1]);
    if (!workspace) throw new ArmError(404, 'WorkspaceNotFoundError', `The workspace ${match[1]} could not be found`);
    if (!holds(caller.oid, workspace.id, [ROLE.owner, ROLE.contributor, ROLE.reader])) throw new ArmError(403, 'InsufficientAccessError', 'The provided credentials have insufficient access to perform the requested operation');
    const { query, timespan } = body as { query: string; timespan?: string };
    const [start, end] = (timespan ?? '').split('/').map((t) => Date.parse(t));
    let result;
    try {
      result = runKql(query, tables, Number.isFinite(start) && Number.isFinite(end) ? { start: start!, end: end! } : undefined);
    } catch (error) {
      throw new ArmError(400, 'BadArgumentError', `The request had some invalid properties: ${(error as Error).message}`);
    }
    const columns = result.columns.map((name) => ({ name, type: name === 'TimeGenerated' ? 'datetime' : 'string' }));
    send(res, 200, { tables: [{ name: 'PrimaryResult', columns, rows: result.rows.map((r) => result.columns.map((c) => r[c] ?? null)) }] });
  }

  // -- Azure Container Registry token service and registry front ----------------------------------------------------------

  async function handleRegistry(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: Buffer, form: URLSearchParams): Promise<void> {
    if (url.pathname === '/oauth2/exchange' && req.method === 'POST') {
      const claims = signer.verify(form.get('access_token') ?? '');
      if (!claims || form.get('grant_type') !== 'access_token' || form.get('service') !== registryServer) return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'the access token is not valid for this registry' }] });
      const refresh = `acr-refresh-${crypto.randomBytes(24).toString('hex')}`;
      refreshTokens.set(refresh, claims.oid);
      return send(res, 200, { refresh_token: refresh });
    }
    if (url.pathname === '/oauth2/token') {
      // POST grant_type=refresh_token (API clients), or GET with Basic auth <user>:<refresh token> (docker/podman login).
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const password = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : (form.get('refresh_token') ?? form.get('password') ?? '');
      if (!refreshTokens.has(password)) return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
      const access = `acr-access-${crypto.randomBytes(24).toString('hex')}`;
      registryTokens.add(access);
      return send(res, 200, { access_token: access, token: access });
    }
    // /v2/…: the distribution API, behind ACR's bearer challenge.
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !registryTokens.has(bearer)) {
      return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': `Bearer realm="${base}/oauth2/token",service="${registryServer}"` });
    }
    if (!options.registryBackend) return send(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    await new Promise<void>((resolve, reject) => {
      const headers = { ...req.headers };
      delete headers.authorization;
      delete headers.host;
      const upstream = http.request(`${options.registryBackend}${url.pathname}${url.search}`, { method: req.method, headers }, (answer) => {
        const out = { ...answer.headers };
        if (typeof out.location === 'string') out.location = out.location.replace(options.registryBackend!, base);
        if (manifest && req.method === 'PUT' && answer.statusCode === 201) pushedImages.add(`${registryServer}/${manifest[1]}:${manifest[2]}`);
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
        answer.on('end', resolve);
      });
      upstream.on('error', reject);
      upstream.end(raw);
    });
  }

  // -- Resource Manager ---------------------------------------------------------------------------------------------------

  function requireApiVersion(url: URL, type: string): void {
    const version = url.searchParams.get('api-version');
    if (!version) throw new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    const known = API_VERSIONS[type.toLowerCase()];
    if (known && !known.includes(version)) throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '${known.join(',')}'.`);
  }

  function authorizeArm(caller: TokenClaims, id: string, write: boolean, roleWrite = false, alsoAllowed: readonly string[] = []): void {
    const roles = [...(roleWrite ? [ROLE.owner, ROLE.userAccessAdministrator] : write ? [ROLE.owner, ROLE.contributor] : [ROLE.owner, ROLE.contributor, ROLE.reader]), ...alsoAllowed];
    if (!holds(caller.oid, id, roles)) {
      throw new ArmError(403, 'AuthorizationFailed', `The client '${caller.appid}' with object id '${caller.oid}' does not have authorization to perform action over scope '${id}' or the scope is invalid.`);
    }
  }

  /** An operation that finishes after one poll: `Azure-AsyncOperation` (status body) or `Location` (result body). */
  function startOperation(location: string, style: 'async' | 'location', complete: () => void, result?: Record<string, unknown>): Record<string, string> {
    const id = uuid();
    operations.set(id, { pollsLeft: 1, complete, ...(result ? { result } : {}) });
    const path = `/subscriptions/${subscriptionId}/providers/Microsoft.App/locations/${encodeURIComponent(location)}/${style === 'async' ? 'operationStatuses' : 'operationResults'}/${id}?api-version=2025-07-01`;
    return style === 'async' ? { 'azure-asyncoperation': `${base}${path}` } : { location: `${base}${path}` };
  }

  function handleOperation(res: http.ServerResponse, url: URL, kind: string, id: string): void {
    const operation = operations.get(id);
    if (!operation) throw new ArmError(404, 'OperationNotFound', `operation ${id} not found`);
    if (operation.pollsLeft > 0) {
      operation.pollsLeft--;
      return kind === 'operationstatuses' ? send(res, 200, { id, name: id, status: 'InProgress' }) : send(res, 202, undefined, { location: `${base}${url.pathname}${url.search}` });
    }
    operation.complete();
    if (kind === 'operationstatuses') return send(res, 200, { id, name: id, status: 'Succeeded', startTime: new Date().toISOString() });
    return operation.result ? send(res, 200, operation.result) : send(res, 204);
  }

  function envelope(stored: Stored): Record<string, unknown> {
    return stored.body;
  }

  /** Checks a PUT body as Azure would for the fields handoff sets, and fills in what Azure adds. */
  async function validate(id: string, type: string, original: Record<string, unknown>): Promise<Record<string, unknown>> {
    let input = original;
    const lower = type.toLowerCase();
    const { name, parent } = typeOf(id);
    const properties = { ...((input.properties as Record<string, unknown>) ?? {}) };
    const need = (ok: unknown, message: string): void => {
      if (!ok) throw new ArmError(400, 'InvalidRequestContent', message);
    };
    if (parent && !resources.has(parent.replace(/\/blobServices\/default$/i, '').toLowerCase())) throw new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${parent}' not found.`);
    switch (lower) {
      case 'microsoft.storage/storageaccounts':
        if (!/^[a-z0-9]{3,24}$/.test(name)) throw new ArmError(400, 'AccountNameInvalid', `${name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.`);
        need(input.location && input.kind && (input.sku as { name?: string })?.name, 'location, kind and sku are required');
        properties.primaryEndpoints = { blob: `${options.blob.endpoint.replace('{account}', name)}/` };
        break;
      case 'microsoft.storage/storageaccounts/blobservices/containers':
        if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(name)) throw new ArmError(400, 'ContainerOperationFailure', `The specified resource name contains invalid characters: ${name}`);
        await changeContainer(name, 'PUT', (properties.metadata as Record<string, string> | undefined) ?? {});
        break;
      case 'microsoft.keyvault/vaults':
        if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(name)) throw new ArmError(400, 'VaultNameNotValid', `The vault name '${name}' is invalid.`);
        need(properties.tenantId === tenantId, 'properties.tenantId must be the tenant of the subscription');
        need((properties.sku as { name?: string })?.name, 'properties.sku is required');
        properties.vaultUri = `${base}/keyvault/${name}/`;
        break;
      case 'microsoft.managedidentity/userassignedidentities': {
        const existing = resources.get(id.toLowerCase());
        Object.assign(properties, existing ? existing.body.properties : { principalId: uuid(), clientId: uuid(), tenantId });
        break;
      }
      case 'microsoft.operationalinsights/workspaces': {
        const existing = resources.get(id.toLowerCase());
        const keep = existing?.body.properties as Record<string, unknown> | undefined;
        properties.customerId = keep?.customerId ?? uuid();
        properties.sharedKeys = keep?.sharedKeys ?? { primarySharedKey: crypto.randomBytes(32).toString('base64'), secondarySharedKey: crypto.randomBytes(32).toString('base64') };
        break;
      }
      case 'microsoft.app/managedenvironments': {
        const logs = properties.appLogsConfiguration as { destination?: string; logAnalyticsConfiguration?: { customerId?: string; sharedKey?: string } } | undefined;
        if (logs?.destination === 'log-analytics') {
          const workspace = [...resources.values()].find((r) => (r.body.properties as Record<string, unknown>).customerId === logs.logAnalyticsConfiguration?.customerId);
          const keys = workspace && ((workspace.body.properties as Record<string, unknown>).sharedKeys as { primarySharedKey: string });
          if (!keys || keys.primarySharedKey !== logs.logAnalyticsConfiguration?.sharedKey) throw new ArmError(400, 'InvalidLogAnalyticsConfiguration', 'The Log Analytics workspace customer id or shared key is invalid.');
          // The shared key is a secret: Azure never returns it.
          properties.appLogsConfiguration = { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: logs.logAnalyticsConfiguration?.customerId } };
        }
        properties.defaultDomain = `${name}.${String(input.location).replace(/\s/g, '').toLowerCase()}.azurecontainerapps.io`;
        break;
      }
      case 'microsoft.app/jobs': {
        if (!/^[a-z](?!.*--)[a-z0-9-]{0,30}[a-z0-9]$/.test(name)) throw new ArmError(400, 'JobNameInvalid', `Invalid Job name '${name}'. A name must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character and cannot have '--'. The length must not be more than 32 characters.`);
        const environment = resources.get(String(properties.environmentId ?? '').toLowerCase());
        if (!environment) throw new ArmError(400, 'ManagedEnvironmentNotFound', `The environment '${properties.environmentId}' was not found.`);
        const configuration = properties.configuration as Record<string, unknown> | undefined;
        need(configuration && Number.isInteger(configuration.replicaTimeout) && Number(configuration.replicaTimeout) > 0, 'properties.configuration.replicaTimeout is required');
        const trigger = configuration!.triggerType;
        if (trigger === 'Manual') need(configuration!.manualTriggerConfig, 'manualTriggerConfig is required with triggerType Manual');
        else if (trigger === 'Schedule') need(/^\S+( \S+){4}$/.test(String((configuration!.scheduleTriggerConfig as { cronExpression?: string })?.cronExpression ?? '')), 'scheduleTriggerConfig.cronExpression must be a 5-field cron');
        else throw new ArmError(400, 'InvalidTriggerType', `triggerType '${String(trigger)}' is not one of Manual, Schedule, Event`);
        const containers = ((properties.template as { containers?: ContainerSpec[] })?.containers ?? []) as ContainerSpec[];
        need(containers.length > 0 && containers.every((c) => c.name && c.image), 'template.containers need a name and an image');
        checkContainerResources(containers[0]!.resources);
        const identities = Object.keys(((input.identity as { userAssignedIdentities?: Record<string, unknown> })?.userAssignedIdentities ?? {}) as Record<string, unknown>);
        for (const identity of identities) if (!resources.has(identity.toLowerCase())) throw new ArmError(400, 'InvalidUserAssignedIdentity', `The user assigned identity '${identity}' was not found.`);
        for (const registry of (configuration!.registries ?? []) as { identity?: string }[]) {
          if (registry.identity && !identities.some((i) => i.toLowerCase() === registry.identity!.toLowerCase())) throw new ArmError(400, 'InvalidRegistryIdentity', `The registry identity '${registry.identity}' is not assigned to the job.`);
        }
        break;
      }
      case 'microsoft.insights/scheduledqueryrules': {
        need(input.kind === 'LogAlert', 'kind must be LogAlert');
        for (const scope of (properties.scopes ?? []) as string[]) if (!resources.has(scope.toLowerCase())) throw new ArmError(400, 'ScopeNotFound', `The scope '${scope}' was not found.`);
        const criteria = properties.criteria as { allOf?: { query?: string }[] } | undefined;
        need(criteria?.allOf?.[0]?.query, 'criteria.allOf[0].query is required');
        for (const group of ((properties.actions as { actionGroups?: string[] })?.actionGroups ?? []) as string[]) if (!resources.has(group.toLowerCase())) throw new ArmError(400, 'ActionGroupNotFound', `The action group '${group}' was not found.`);
        break;
      }
      case 'microsoft.logic/workflows': {
        if (!/^[-\w.()]{1,80}$/.test(name)) throw new ArmError(400, 'InvalidWorkflowName', `The workflow name '${name}' is not valid.`);
        need(input.location, 'location is required');
        checkWorkflowDefinition(properties.definition, input.identity as { type?: string } | undefined);
        need(['Enabled', 'Disabled', undefined].includes(properties.state as string | undefined), "properties.state must be 'Enabled' or 'Disabled'");
        properties.state ??= 'Enabled';
        const existing = resources.get(id.toLowerCase());
        const now = new Date().toISOString();
        properties.createdTime = (existing?.body.properties as Record<string, unknown> | undefined)?.createdTime ?? now;
        properties.changedTime = now;
        properties.version = crypto.randomBytes(8).toString('hex');
        // A system-assigned identity lives as long as the workflow: the same principal on every PUT.
        if ((input.identity as { type?: string } | undefined)?.type === 'SystemAssigned') {
          const kept = (existing?.body.identity as { principalId?: string } | undefined)?.principalId;
          input = { ...input, identity: { type: 'SystemAssigned', principalId: kept ?? uuid(), tenantId } };
        }
        break;
      }
      case 'microsoft.insights/actiongroups':
        need(String(properties.groupShortName ?? '').length >= 1 && String(properties.groupShortName).length <= 12, 'groupShortName must be 1-12 characters');
        break;
      default:
        throw new ArmError(400, 'NoRegisteredProviderFound', `No registered resource provider found for location and API version for type '${type}'.`);
    }
    return {
      ...input,
      id,
      name,
      type,
      properties: { ...properties, provisioningState: 'Succeeded' },
      ...(lower === 'microsoft.app/jobs' && input.identity
        ? { identity: { ...(input.identity as object), userAssignedIdentities: Object.fromEntries(Object.keys((input.identity as { userAssignedIdentities: object }).userAssignedIdentities).map((k) => [k, { principalId: (resources.get(k.toLowerCase())!.body.properties as Record<string, unknown>).principalId, clientId: (resources.get(k.toLowerCase())!.body.properties as Record<string, unknown>).clientId }])) } }
        : {}),
    };
  }

  function renderPublic(stored: Stored): Record<string, unknown> {
    const body = structuredClone(envelope(stored));
    const properties = body.properties as Record<string, unknown> | undefined;
    if (properties?.sharedKeys) delete properties.sharedKeys;
    return body;
  }

  function roleAssignmentBody(a: RoleAssignment): Record<string, unknown> {
    return { id: a.id, name: a.name, type: 'Microsoft.Authorization/roleAssignments', properties: { ...a.properties, scope: a.scope } };
  }

  function scopeExists(scope: string): boolean {
    const lower = scope.toLowerCase();
    if (lower === `/subscriptions/${subscriptionId}`) return true;
    if (/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/.test(lower)) return resources.has(lower);
    const secret = /^(.*\/providers\/microsoft\.keyvault\/vaults\/([^/]+))\/secrets\/([^/]+)$/.exec(lower);
    if (secret) return resources.has(secret[1]!) && (vaults.get(secret[2]!)?.has(secret[3]!) ?? false);
    return resources.has(lower);
  }

  function handleRoleAssignments(req: http.IncomingMessage, res: http.ServerResponse, url: URL, caller: TokenClaims, scope: string, name: string | undefined, body: unknown): void {
    requireApiVersion(url, 'microsoft.authorization/roleassignments');
    if (!name) {
      authorizeArm(caller, scope, false);
      if (url.searchParams.get('$filter') !== 'atScope()') throw new ArmError(400, 'UnsupportedQuery', 'the emulator answers $filter=atScope() only');
      const target = scope.toLowerCase();
      const found = [...roleAssignments.values()].filter((a) => target === a.scope.toLowerCase() || target.startsWith(`${a.scope.toLowerCase()}/`)).map(roleAssignmentBody);
      return send(res, 200, pageOf(found, Object.fromEntries(url.searchParams), `${base}${url.pathname}${url.search}`));
    }
    const id = `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    const existing = roleAssignments.get(id.toLowerCase());
    if (req.method === 'GET') {
      if (!existing) throw new ArmError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
      return send(res, 200, roleAssignmentBody(existing));
    }
    authorizeArm(caller, scope, true, true);
    if (req.method === 'DELETE') {
      if (!existing) return send(res, 204);
      roleAssignments.delete(id.toLowerCase());
      return send(res, 200, roleAssignmentBody(existing));
    }
    if (req.method !== 'PUT') throw new ArmError(405, 'MethodNotAllowed', `${req.method} is not allowed`);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(name)) throw new ArmError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
    const properties = ((body as { properties?: Record<string, unknown> })?.properties ?? {}) as Record<string, unknown>;
    const role = String(properties.roleDefinitionId ?? '').split('/').pop()!.toLowerCase();
    if (!BUILT_IN_ROLES.has(role)) throw new ArmError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${role}' does not exist.`);
    if (!scopeExists(scope)) throw new ArmError(400, 'InvalidResourceId', `The scope '${scope}' does not exist.`);
    if (!principalExists(String(properties.principalId))) throw new ArmError(400, 'PrincipalNotFound', `Principal ${properties.principalId} does not exist in the directory ${tenantId}.`);
    if (properties.condition && properties.conditionVersion !== '2.0') throw new ArmError(400, 'InvalidConditionVersion', 'conditionVersion must be 2.0 with a condition');
    const same = [...roleAssignments.values()].find((a) => a.scope.toLowerCase() === scope.toLowerCase() && a.properties.principalId === properties.principalId && String(a.properties.roleDefinitionId).toLowerCase() === String(properties.roleDefinitionId).toLowerCase());
    if (same && same.name !== name) throw new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
    if (existing && (existing.properties.principalId !== properties.principalId || String(existing.properties.roleDefinitionId).toLowerCase() !== String(properties.roleDefinitionId).toLowerCase())) {
      throw new ArmError(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
    }
    const assignment: RoleAssignment = { id, name, scope, properties: { ...properties, scope } };
    roleAssignments.set(id.toLowerCase(), assignment);
    send(res, existing ? 200 : 201, roleAssignmentBody(assignment));
  }

  function handleJobAction(req: http.IncomingMessage, res: http.ServerResponse, url: URL, job: Stored, action: string, executionName: string | undefined, sub: string | undefined, body: unknown): void {
    requireApiVersion(url, 'microsoft.app/jobs');
    const list = executions.get(job.id.toLowerCase()) ?? [];
    executions.set(job.id.toLowerCase(), list);
    const properties = job.body.properties as { configuration: { replicaTimeout: number; replicaRetryLimit?: number }; template: { containers: ContainerSpec[] } };
    const render = (e: ExecutionRecord) => ({ name: e.name, id: e.id, type: 'Microsoft.App/jobs/executions', properties: { status: e.status, startTime: e.startTime, ...(e.endTime ? { endTime: e.endTime } : {}), template: e.template } });
    if (action === 'start' && req.method === 'POST') {
      const override = body as { containers?: ContainerSpec[] } | undefined;
      const template = override?.containers?.length ? { containers: override.containers } : structuredClone(properties.template);
      checkContainerResources(template.containers[0]!.resources);
      const execution = runner.start({ name: String(job.body.name), id: job.id, replicaTimeout: properties.configuration.replicaTimeout, replicaRetryLimit: properties.configuration.replicaRetryLimit ?? 0 }, template);
      list.push(execution);
      const result = { id: execution.id, name: execution.name };
      return send(res, 202, result, startOperation(String(job.body.location), 'location', () => undefined, result));
    }
    if (action === 'executions' && !executionName && req.method === 'GET') {
      const sorted = [...list].sort((a, b) => b.startTime.localeCompare(a.startTime)).map(render);
      return send(res, 200, pageOf(sorted, Object.fromEntries(url.searchParams), `${base}${url.pathname}${url.search}`));
    }
    const execution = list.find((e) => e.name === executionName);
    if (!execution) throw new ArmError(404, 'ResourceNotFound', `The execution '${executionName}' of job '${job.body.name}' was not found.`);
    if (!sub && req.method === 'GET') return send(res, 200, render(execution));
    if (sub === 'stop' && req.method === 'POST') {
      runner.stop(execution);
      return send(res, 202, undefined, startOperation(String(job.body.location), 'location', () => undefined));
    }
    throw new ArmError(404, 'NotFound', `no job operation ${action}`);
  }

  async function handleArm(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: unknown): Promise<void> {
    const caller = requireCaller(req, 'https://management.azure.com');
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, '');
    const lower = path.toLowerCase();
    const write = req.method !== 'GET' && req.method !== 'HEAD';

    const operation = /^\/subscriptions\/[^/]+\/providers\/[^/]+\/locations\/[^/]+\/(operationstatuses|operationresults)\/([^/]+)$/.exec(lower);
    if (operation) return handleOperation(res, url, operation[1]!, operation[2]!);

    const roles = /^(.*)\/providers\/microsoft\.authorization\/roleassignments(?:\/([^/]+))?$/.exec(lower);
    if (roles) return handleRoleAssignments(req, res, url, caller, path.slice(0, roles[1]!.length), roles[2] ? path.slice(path.length - roles[2].length) : undefined, body);

    if (new RegExp(`^/subscriptions/${subscriptionId}/resources$`).test(lower)) {
      requireApiVersion(url, 'resources');
      authorizeArm(caller, `/subscriptions/${subscriptionId}`, false);
      const filter = url.searchParams.get('$filter') ?? '';
      const type = /resourceType eq '([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
      const name = /name eq '([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
      const found = [...resources.values()]
        .filter((r) => r.type !== 'resourceGroups' && (!type || r.type.toLowerCase() === type) && (!name || String(r.body.name).toLowerCase() === name))
        .map((r) => ({ id: r.id, name: r.body.name, type: r.type, location: r.body.location, tags: r.body.tags }));
      return send(res, 200, pageOf(found, Object.fromEntries(url.searchParams), `${base}${url.pathname}${url.search}`));
    }

    if (!lower.startsWith(`/subscriptions/${subscriptionId.toLowerCase()}`)) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${path.split('/')[2]}' could not be found.`);

    const group = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)$/.exec(lower);
    if (group) {
      requireApiVersion(url, 'resourcegroups');
      authorizeArm(caller, path, write);
      const existing = resources.get(lower);
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (!existing) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${path.split('/').pop()}' could not be found.`);
        return send(res, 200, existing.body);
      }
      if (req.method === 'PUT') {
        const input = body as { location?: string; tags?: Record<string, string> };
        if (!input?.location) throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
        const stored: Stored = { id: path, type: 'resourceGroups', body: { id: path, name: path.split('/').pop(), type: 'Microsoft.Resources/resourceGroups', location: input.location, tags: input.tags ?? {}, properties: { provisioningState: 'Succeeded' } } };
        resources.set(lower, existing ?? stored);
        return send(res, existing ? 200 : 201, (existing ?? stored).body);
      }
      throw new ArmError(405, 'MethodNotAllowed', `${req.method} is not supported here`);
    }

    const job = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.app\/jobs\/[^/]+)\/(start|executions)(?:\/([^/]+))?(?:\/(stop))?$/.exec(lower);
    if (job) {
      const stored = resources.get(job[1]!);
      if (!stored) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.App/jobs/${job[1]!.split('/').pop()}' under resource group was not found.`);
      // Container Apps Jobs Operator reads, starts and stops a job's executions, and changes nothing else.
      authorizeArm(caller, stored.id, req.method !== 'GET', false, [ROLE.containerAppsJobsOperator]);
      const name = job[3] ? path.split('/')[job[1]!.split('/').length + 1] : undefined;
      return handleJobAction(req, res, url, stored, job[2]!, name, job[4], body);
    }

    const keys = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.operationalinsights\/workspaces\/[^/]+)\/sharedkeys$/.exec(lower);
    if (keys && req.method === 'POST') {
      requireApiVersion(url, 'microsoft.operationalinsights/workspaces');
      const stored = resources.get(keys[1]!);
      if (!stored) throw new ArmError(404, 'ResourceNotFound', 'The workspace was not found.');
      authorizeArm(caller, stored.id, true);
      return send(res, 200, (stored.body.properties as Record<string, unknown>).sharedKeys);
    }

    const collection = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)\/providers\/([^/]+\/[^/]+)$/.exec(lower);
    if (collection && req.method === 'GET') {
      requireApiVersion(url, collection[2]!);
      authorizeArm(caller, path, false);
      const prefix = `${lower}/`;
      const found = [...resources.values()].filter((r) => r.id.toLowerCase().startsWith(prefix) && !r.id.slice(prefix.length).includes('/')).map(renderPublic);
      return send(res, 200, pageOf(found, Object.fromEntries(url.searchParams), `${base}${url.pathname}${url.search}`));
    }

    const resource = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)\/providers\/.+$/.exec(lower);
    if (!resource) throw new ArmError(404, 'NotFound', `no Resource Manager operation at ${path}`);
    const { type } = typeOf(path);
    requireApiVersion(url, type);
    authorizeArm(caller, path, write);
    const existing = resources.get(lower);
    const groupId = `/subscriptions/${subscriptionId}/resourcegroups/${resource[1]}`;
    if (req.method === 'GET') {
      if (!existing) throw new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${path.split('/').pop()}' under resource group '${resource[1]}' was not found.`);
      return send(res, 200, renderPublic(existing));
    }
    if (req.method === 'DELETE') {
      if (!existing) return send(res, 204);
      const remove = async (): Promise<void> => {
        resources.delete(lower);
        if (type.toLowerCase() === 'microsoft.storage/storageaccounts/blobservices/containers') await changeContainer(typeOf(path).name, 'DELETE');
      };
      if (ASYNC_TYPES.has(type.toLowerCase())) return send(res, 202, undefined, startOperation(String(existing.body.location), 'location', () => void remove()));
      await remove();
      return send(res, 200);
    }
    if (req.method !== 'PUT') throw new ArmError(405, 'MethodNotAllowed', `${req.method} is not supported on ${type}`);
    if (!resources.has(groupId)) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resource[1]}' could not be found.`);
    const input = (body ?? {}) as Record<string, unknown>;
    // Resource Manager never moves a resource by a PUT in another region: it refuses, naming both.
    const region = (location: unknown): string => String(location).toLowerCase().replace(/\s+/g, '');
    if (existing?.body.location !== undefined && input.location !== undefined && region(existing.body.location) !== region(input.location)) {
      throw new ArmError(409, 'InvalidResourceLocation', `The resource '${path.split('/').pop()}' already exists in location '${String(existing.body.location)}' in resource group '${resource[1]}'. A resource with the same name cannot be created in location '${String(input.location)}'. Please select a new resource name.`);
    }
    const stored: Stored = { id: existing?.id ?? path, type, body: await validate(existing?.id ?? path, type, input) };
    const lowerType = type.toLowerCase();
    if (ASYNC_TYPES.has(lowerType)) {
      // Created at once with provisioningState InProgress, Succeeded once the operation is polled to its end.
      (stored.body.properties as Record<string, unknown>).provisioningState = 'InProgress';
      resources.set(lower, stored);
      const headers = startOperation(String(input.location), 'async', () => void ((stored.body.properties as Record<string, unknown>).provisioningState = 'Succeeded'));
      return send(res, existing ? 200 : 201, renderPublic(stored), headers);
    }
    if (LOCATION_TYPES.has(lowerType) && !existing) {
      (stored.body.properties as Record<string, unknown>).provisioningState = 'ResolvingDNS';
      resources.set(lower, stored);
      return send(res, 202, undefined, startOperation(String(input.location), 'location', () => void ((stored.body.properties as Record<string, unknown>).provisioningState = 'Succeeded'), stored.body));
    }
    resources.set(lower, stored);
    send(res, existing ? 200 : 201, renderPublic(stored));
  }

  // -- the server ---------------------------------------------------------------------------------------------------------

  const server = https.createServer({ cert: options.certificate.cert, key: options.certificate.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        // Resource Manager clients that take a whole id (`/{resourceId}` with an id starting with /) send `//subscriptions/…`.
        const url = new URL((req.url ?? '/').replace(/^\/{2,}/, '/'), base);
        const type = String(req.headers['content-type'] ?? '');
        const form = type.includes('application/x-www-form-urlencoded') ? new URLSearchParams(raw.toString('utf8')) : new URLSearchParams();
        let body: unknown;
        if (type.includes('json') && raw.length > 0) {
          try {
            body = JSON.parse(raw.toString('utf8'));
          } catch {
            return sendError(res, new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.'));
          }
        }
        const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams) };
        if (body !== undefined) record.body = body;
        if (form.size > 0) record.body = { fields: [...form.keys()] };
        const claims = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const principal = claims ? signer.verify(claims)?.oid : undefined;
        if (principal) record.principal = principal;
        requests.push(record);
        try {
          if (handleIdentity(req, res, url, form)) return;
          if (url.pathname.startsWith('/oauth2/') || url.pathname === '/v2' || url.pathname.startsWith('/v2/')) return await handleRegistry(req, res, url, raw, form);
          if (url.pathname.startsWith('/keyvault/')) return handleKeyVault(req, res, url, body);
          if (url.pathname.startsWith('/v1/')) return handleLogs(req, res, url, body);
          if (url.pathname.toLowerCase().startsWith('/subscriptions/')) return await handleArm(req, res, url, body);
          sendError(res, new ArmError(404, 'NotFound', `nothing at ${url.pathname}`));
        } catch (error) {
          if (error instanceof ArmError) return sendError(res, error);
          sendError(res, new ArmError(500, 'InternalServerError', (error as Error).stack ?? String(error)));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `https://127.0.0.1:${port}`;
  registryServer = `127.0.0.1:${port}`;

  // The registry the user names exists already, in a resource group of its own (handoff never creates one).
  const registryId = `/subscriptions/${subscriptionId}/resourceGroups/shared-images/providers/Microsoft.ContainerRegistry/registries/handofftest`;
  resources.set(`/subscriptions/${subscriptionId}/resourcegroups/shared-images`, { id: `/subscriptions/${subscriptionId}/resourceGroups/shared-images`, type: 'resourceGroups', body: { id: `/subscriptions/${subscriptionId}/resourceGroups/shared-images`, name: 'shared-images', location: 'westeurope', tags: {}, properties: { provisioningState: 'Succeeded' } } });
  resources.set(registryId.toLowerCase(), { id: registryId, type: 'Microsoft.ContainerRegistry/registries', body: { id: registryId, name: 'handofftest', type: 'Microsoft.ContainerRegistry/registries', location: 'westeurope', tags: {}, sku: { name: 'Basic' }, properties: { loginServer: registryServer, adminUserEnabled: false, provisioningState: 'Succeeded' } } });

  return {
    url: base,
    port,
    tenantId,
    subscriptionId,
    servicePrincipal,
    registryServer,
    registryId,
    requests,
    tables,
    /** The environment that points the CLI (and the Azure SDKs in it) at this emulator, with the service principal's credentials. */
    env(): Record<string, string> {
      return {
        AZURE_TENANT_ID: tenantId,
        AZURE_CLIENT_ID: servicePrincipal.clientId,
        AZURE_CLIENT_SECRET: servicePrincipal.secret,
        AZURE_AUTHORITY_HOST: base,
        HANDOFF_AZURE_ENDPOINT: base,
        HANDOFF_AZURE_BLOB_ENDPOINT: options.blob.endpoint,
        NODE_EXTRA_CA_CERTS: options.certificate.caFile,
        HANDOFF_AZURE_POLL_MS: '200',
      };
    },
    /** Stands a project in for an image of the registry: its replicas run `handoff run -p <projectDir>`. */
    registerImage(image: string, projectDir: string): void {
      imageProjects.set(image, projectDir);
    },
    resource(id: string): Record<string, unknown> | undefined {
      return resources.get(id.toLowerCase())?.body;
    },
    resourcesOfType(type: string): Record<string, unknown>[] {
      return [...resources.values()].filter((r) => r.type.toLowerCase() === type.toLowerCase()).map((r) => r.body);
    },
    roleAssignments(): { scope: string; principalId: string; role: string; condition?: string }[] {
      return [...roleAssignments.values()].map((a) => ({ scope: a.scope, principalId: String(a.properties.principalId), role: String(a.properties.roleDefinitionId).split('/').pop()!, ...(a.properties.condition ? { condition: String(a.properties.condition) } : {}) }));
    },
    secretValue(vault: string, name: string): string | undefined {
      const versions = vaults.get(vault.toLowerCase())?.get(name.toLowerCase())?.versions;
      return versions?.[versions.length - 1]?.value;
    },
    /** A token of the service principal (the deployer) for `resource` (`https://vault.azure.net`), for a test's own requests. */
    deployerToken(resource: string): string {
      return signer.issue({ resource, objectId: servicePrincipal.objectId, tenantId, appId: servicePrincipal.clientId }).token;
    },
    /** Every version of a secret, oldest first: its value and whether it is enabled (readable). */
    secretVersions(vault: string, name: string): { version: string; value: string; enabled: boolean }[] {
      return (vaults.get(vault.toLowerCase())?.get(name.toLowerCase())?.versions ?? []).map((v) => ({ version: v.version, value: v.value, enabled: v.enabled }));
    },
    /** `<registry>/<repository>:<tag>` of every manifest pushed through the registry front. */
    pushedImages,
    /**
     * Fires a workflow's trigger now, as its recurrence would at a due time, and runs its Http actions for real: each
     * request goes to the address the action names, with a token for the workflow's system-assigned identity.
     * Returns each action's outcome as a run of the workflow reports it.
     */
    async fireWorkflow(workflowName: string): Promise<{ action: string; status: 'Succeeded' | 'Failed'; code: number; body: string }[]> {
      const workflow = [...resources.values()].find((r) => r.type.toLowerCase() === 'microsoft.logic/workflows' && String(r.body.name).toLowerCase() === workflowName.toLowerCase());
      if (!workflow) throw new Error(`no workflow ${workflowName}`);
      const properties = workflow.body.properties as { state: string; definition: { actions: Record<string, { inputs: { method: string; uri: string; queries?: Record<string, string>; authentication?: { type: string; audience?: string } } }> } };
      if (properties.state !== 'Enabled') return [];
      const principalId = (workflow.body.identity as { principalId?: string } | undefined)?.principalId;
      const outcomes = [];
      for (const [action, { inputs }] of Object.entries(properties.definition.actions)) {
        const url = new URL(inputs.uri);
        for (const [k, v] of Object.entries(inputs.queries ?? {})) url.searchParams.set(k, v);
        const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': '0' };
        if (inputs.authentication?.type === 'ManagedServiceIdentity') {
          // Resource Manager takes its audience with or without the trailing slash.
          const resource = String(inputs.authentication.audience ?? 'https://management.azure.com/').replace(/\/$/, '');
          headers.authorization = `Bearer ${signer.issue({ resource, objectId: principalId!, tenantId, appId: principalId! }).token}`;
        }
        const answer = await new Promise<{ code: number; body: string }>((resolve, reject) => {
          const request = https.request(url, { method: inputs.method, headers, ca: fs.readFileSync(options.certificate.caFile) }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          });
          request.on('error', reject);
          request.end();
        });
        outcomes.push({ action, status: answer.code < 300 ? ('Succeeded' as const) : ('Failed' as const), ...answer });
      }
      return outcomes;
    },
    executionsOf(jobName: string): ExecutionRecord[] {
      return [...executions.entries()].filter(([id]) => id.endsWith(`/${jobName.toLowerCase()}`)).flatMap(([, list]) => list);
    },
    async close(): Promise<void> {
      await runner.stopAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export type AzureEmulator = Awaited<ReturnType<typeof startAzureEmulator>>;
