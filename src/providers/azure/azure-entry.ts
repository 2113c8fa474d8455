// The azure provider's registry entry: opened on demand, ACR for `container push`, credentials for `container run`, its resources for the deploy commands.
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import { isLoopbackUrl } from '../is-loopback-url.js';
import type { ProviderEntry } from '../provider-registry.js';
import { plural } from '../../plural.js';
import { resolveAzureRegistry } from './deploy/image-registry.js';

/** `<name>.azurecr.io` (and the sovereign clouds' registry domains). */
const ACR_LOGIN_SERVER = /^[a-z0-9]{5,50}\.azurecr\.(io|cn|us)$/;

/** Settings a container needs to reach the same tenant, identity and endpoints as this shell (passed by name, never on a command line). */
const AZURE_PASS_THROUGH = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_AUTHORITY_HOST', 'AZURE_SUBSCRIPTION_ID', 'HANDOFF_AZURE_ENDPOINT', 'HANDOFF_AZURE_BLOB_ENDPOINT'];
/** Where the CA file an emulator's certificate is trusted with is mounted in the container. */
const CONTAINER_CA_PATH = '/etc/handoff/extra-ca.pem';

const DEPLOY_HELP = `azure — Azure resources, each created or updated only when it differs (a second run reports "unchanged"):
  bucket     the Azure resource group (deploy.resource_group_name), the storage account, the Blob container
             handoff-<RG>-<hash> (cloud bucket create) and the Key Vault, with your data access to both
  resources  a Log Analytics workspace handoff-<RG> and the Container Apps environment handoff-<rg> sending logs there
             (none with deploy.environment, which names an existing environment)
  task       the managed identity handoff-<RG>_<task> with roles on its own blobs (<task>/), its two Key Vault
             secrets and the registry; the Container Apps job ho-<rg>-<task>-<hash> (manual trigger, replica timeout
             deploy.task_timeout, retries deploy.max_retries); the alert rule on failed runs (mails deploy.alarm_email)
  schedules  one Container Apps job with a schedule trigger per schedules: entry, its cron moved to UTC
<RG> is <stage>-<resource_group> except for prod. The image is -v version=, else deploy.image_version, else the highest
version tag in deploy.registry (handoff container push). Container Apps cpu/memory pairs and schedules are checked
before anything is sent to Azure. Credentials: DefaultAzureCredential (environment, managed identity, Azure CLI).`;

export const azureProviderEntry: ProviderEntry = {
  name: 'azure',
  async secretRules(target) {
    return (await import('./azure-secret-rules.js')).createAzureSecretRules(target);
  },
  async open(target, options) {
    const { createAzureProvider } = await import('./azure-provider.js');
    return createAzureProvider(target, options);
  },
  images: {
    owns: (domain) => ACR_LOGIN_SERVER.test(domain),
    checkDomain: (project) => void resolveAzureRegistry(project.deploy),
    async prepare({ project, image, log }) {
      // deploy.registry, where the job runs its image from (an image_domain may only repeat it).
      const server = resolveAzureRegistry(project.deploy);
      if (!server) {
        throw new UserError('deploy.registry is not set, so there is no Azure Container Registry to push to', {
          fix: 'add `registry: <name>.azurecr.io` under deploy: (handoff creates nothing outside the registry you name: the repository appears with the first push)',
        });
      }
      const { resolveAzureClientConfig } = await import('./sdk/azure-client-config.js');
      const { createContainerRegistryApi } = await import('./sdk/container-registry.js');
      // The registry's token service takes any tenant's token; the subscription is not needed to log in.
      const registry = createContainerRegistryApi(resolveAzureClientConfig({ subscriptionId: project.deploy.subscription_id ?? '' }), server);
      const login = await registry.login();
      const existing = await registry.listTags(image, login);
      log(existing.length > 0 ? `Repository ${server}/${image} has ${plural(existing.length, 'tag')}` : `Repository ${server}/${image} is new: the registry makes it with this push`);
      return { registry: server, repository: image, created: existing.length === 0, login };
    },
  },
  containerAccess({ env }) {
    const passed: Record<string, string> = {};
    for (const key of AZURE_PASS_THROUGH) {
      const value = env[key];
      if (value) passed[key] = value;
    }
    const mounts: string[] = [];
    const notices: string[] = [];
    // An emulator's self-signed certificate, trusted on this machine through NODE_EXTRA_CA_CERTS, must be in the container too.
    if (env.NODE_EXTRA_CA_CERTS) {
      if (!fs.existsSync(env.NODE_EXTRA_CA_CERTS)) throw new UserError(`NODE_EXTRA_CA_CERTS names ${env.NODE_EXTRA_CA_CERTS}, which does not exist`, { fix: 'point it at the CA file, or unset it' });
      mounts.push(`${env.NODE_EXTRA_CA_CERTS}:${CONTAINER_CA_PATH}:ro`);
      passed.NODE_EXTRA_CA_CERTS = CONTAINER_CA_PATH;
    }
    if (!passed.AZURE_CLIENT_SECRET) notices.push('no AZURE_CLIENT_SECRET in the environment: the container has no Azure CLI login, so it needs a service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET)');
    // Emulators on this machine's loopback are only reachable from the host's network namespace.
    const loopback = [env.HANDOFF_AZURE_ENDPOINT, env.HANDOFF_AZURE_BLOB_ENDPOINT, env.AZURE_AUTHORITY_HOST].some(isLoopbackUrl);
    if (loopback) notices.push('the Azure endpoints are on this machine, so the container shares the host network');
    return { env: passed, mounts, hostNetwork: loopback, notices };
  },
  deployment: {
    what: 'Azure resources (Container Apps jobs)',
    kinds: {
      resources: { holds: 'the Log Analytics workspace and Container Apps environment of the resource group (handoff-<RG>)', projectFor: ['create', 'update'] },
      task: { holds: "the task's managed identity and its role assignments, Container Apps job and failure alert", projectFor: ['create', 'update'] },
    },
    exportFormats: ['terraform'],
    help: DEPLOY_HELP,
    // Names Azure would refuse (lengths, characters) and what it would accept but cannot work (sizes, schedules), checked
    // before the first call, where the refusal is located at its project.yml line.
    async checkProject({ target, project }) {
      const { resolveAzureNames } = await import('./names.js');
      const { checkDeployInput } = await import('./azure-deployment.js');
      checkDeployInput(resolveAzureNames({ ...target, deploy: project.deploy }), project);
    },
  },
};
