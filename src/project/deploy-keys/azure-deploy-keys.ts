// The `deploy` keys only the Azure provider (Container Apps jobs) reads, and its checks of them.
import { text } from '../schema-fields.js';
import { suggestKey } from '../suggest-key.js';
import { AZURE_LOCATION_PATTERN, AZURE_LOCATIONS, toLocationName } from './azure-locations.js';
import { readNumber, type CloudDeployRules, type DeployProblem } from './cloud-deploy-rules.js';
import { checkContainerAppsSize } from './container-apps-sizes.js';

export const azureDeployKeys = {
  subscription_id: text('Azure subscription id (a GUID) the task deploys to (required with cloud_provider azure).').optional(),
  resource_group_name: text(
    "Azure resource group that holds the task's Azure resources (required with cloud_provider azure). Not handoff's `resource_group`, which groups tasks and names the store.",
  ).optional(),
  location: text('Azure region of the resources, e.g. `westeurope` (required with cloud_provider azure).').optional(),
  storage_account: text("Storage account of the store's Blob containers (3-24 lowercase letters and digits); default: one handoff names after the subscription and Azure resource group.").optional(),
  key_vault: text('Key Vault of the secrets (3-24 letters, digits and hyphens); default: one handoff names after the subscription and Azure resource group.').optional(),
  environment: text('An existing Container Apps environment to run the jobs in (used as it is, never changed or deleted); default: one of the resource group\'s own, with its Log Analytics workspace.').optional(),
  registry: text('Login server of the Azure Container Registry the image is pushed to and pulled from, e.g. `myregistry.azurecr.io`.').optional(),
};

// Subscription ids are GUIDs (Azure Resource Manager, "Subscriptions - Get").
export const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource group names: 1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period
// (Azure naming rules, Microsoft.Resources/resourcegroups).
const RESOURCE_GROUP_NAME = /^[\p{L}\p{N}_.()-]{1,90}$/u;
// Storage account names: 3-24 lowercase letters and digits (Microsoft.Storage/storageAccounts).
export const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;
// Key Vault names: 3-24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no two
// hyphens in a row (Microsoft.KeyVault/vaults).
export const KEY_VAULT = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
// Container Apps environment names: lowercase letters, digits and hyphens, starting with a letter, ending with a letter
// or digit, no "--", under 60 characters (`az containerapp env create --name`).
export const ENVIRONMENT = /^[a-z](?!.*--)[a-z0-9-]{0,57}[a-z0-9]$/;
// A registry login server: a host name, optionally with a port (`myregistry.azurecr.io`, `127.0.0.1:5000`).
export const LOGIN_SERVER = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/;
// Log Analytics workspaces keep data 30 to 730 days (Log Analytics, "Data retention").
export const MIN_RETENTION = 30;
export const MAX_RETENTION = 730;

function readText(deploy: Record<string, unknown>, key: string): string | undefined {
  const value = deploy[key];
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : undefined;
}

export const azureDeployRules: CloudDeployRules = {
  provider: 'azure',
  keys: Object.keys(azureDeployKeys),
  required: ['subscription_id', 'resource_group_name', 'location'],
  check(deploy) {
    const problems: DeployProblem[] = [];
    const error = (path: (string | number)[], message: string, hint: string): void => void problems.push({ severity: 'error', path, message, hint });
    const warn = (path: (string | number)[], message: string, hint: string): void => void problems.push({ severity: 'warning', path, message, hint });

    const subscription = readText(deploy, 'subscription_id');
    if (subscription === undefined) {
      if (deploy.subscription_id === undefined) error([], 'deploy.subscription_id is missing: the azure provider deploys into an Azure subscription', 'add `subscription_id: <subscription id>` under deploy: (az account show --query id)');
    } else if (!SUBSCRIPTION_ID.test(subscription)) {
      error(['subscription_id'], `deploy.subscription_id "${subscription}" is not an Azure subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)`, 'use the id, not the name: az account list --query "[].id"');
    }

    const group = readText(deploy, 'resource_group_name');
    if (group === undefined) {
      if (deploy.resource_group_name === undefined) {
        error([], "deploy.resource_group_name is missing: the azure provider keeps the task's resources in an Azure resource group", 'add `resource_group_name: <Azure resource group>` under deploy: (it is created when missing); handoff\'s own resource_group stays as it is');
      }
    } else if (!RESOURCE_GROUP_NAME.test(group) || group.endsWith('.')) {
      error(['resource_group_name'], `deploy.resource_group_name "${group}" is not an Azure resource group name`, 'use 1-90 letters, digits, _ - . ( ), not ending with a period');
    }

    const location = readText(deploy, 'location');
    if (location === undefined) {
      if (deploy.location === undefined) error([], 'deploy.location is missing: the azure provider needs the Azure region of its resources', 'add `location: <region>` under deploy:, e.g. westeurope');
    } else if (!AZURE_LOCATION_PATTERN.test(location)) {
      // "West Europe" is how the portal shows it; the API takes the programmatic name.
      const name = toLocationName(location);
      const known = AZURE_LOCATIONS.includes(name) ? name : suggestKey(name, AZURE_LOCATIONS);
      error(['location'], `deploy.location "${location}" is not an Azure region name`, known ? `did you mean "${known}"?` : 'Azure region names are lowercase, without spaces: westeurope, eastus2 (az account list-locations -o table)');
    } else if (!AZURE_LOCATIONS.includes(location)) {
      const suggestion = suggestKey(location, AZURE_LOCATIONS);
      warn(['location'], `deploy.location "${location}" is not an Azure region handoff knows`, suggestion ? `did you mean "${suggestion}"? (a region Azure added recently works as written)` : 'check it with az account list-locations -o table');
    }

    const size = checkContainerAppsSize({ cpu: readNumber(deploy, 'cpu'), memory: readNumber(deploy, 'memory') });
    if ('problem' in size) error([size.problem.key], size.problem.message, size.problem.fix);

    const account = readText(deploy, 'storage_account');
    if (account !== undefined && !STORAGE_ACCOUNT.test(account)) {
      error(['storage_account'], `deploy.storage_account "${account}" is not a storage account name`, 'use 3-24 lowercase letters and digits (no hyphens)');
    }
    const vault = readText(deploy, 'key_vault');
    if (vault !== undefined && !KEY_VAULT.test(vault)) {
      error(['key_vault'], `deploy.key_vault "${vault}" is not a Key Vault name`, 'use 3-24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, without "--"');
    }
    const environment = readText(deploy, 'environment');
    if (environment !== undefined && !ENVIRONMENT.test(environment)) {
      error(['environment'], `deploy.environment "${environment}" is not a Container Apps environment name`, 'use lowercase letters, digits and hyphens, starting with a letter, under 60 characters');
    }
    const registry = readText(deploy, 'registry');
    if (registry !== undefined && !LOGIN_SERVER.test(registry)) {
      const host = registry.replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
      error(['registry'], `deploy.registry "${registry}" is not a registry login server`, LOGIN_SERVER.test(host) ? `write the login server only: ${host}` : 'write the login server, e.g. myregistry.azurecr.io');
    }

    const timeout = readNumber(deploy, 'task_timeout');
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1)) error(['task_timeout'], `deploy.task_timeout ${timeout} is not a number of seconds`, 'use a whole number of seconds, e.g. 3600');
    const retries = readNumber(deploy, 'max_retries');
    if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) error(['max_retries'], `deploy.max_retries ${retries} is not a number of retries`, 'use 0 (the default: a failed run is not re-run) or more');
    const retention = readNumber(deploy, 'log_retention_days');
    if (retention !== undefined && (retention < MIN_RETENTION || retention > MAX_RETENTION)) {
      error(['log_retention_days'], `deploy.log_retention_days ${retention} is outside what a Log Analytics workspace keeps`, `use ${MIN_RETENTION} to ${MAX_RETENTION} days`);
    }
    if (deploy.storage !== undefined) {
      warn(['storage'], 'deploy.storage is not used on Container Apps: a job\'s disk comes with its CPU and memory', 'remove it; raise deploy.cpu and deploy.memory for more disk');
    }
    return problems;
  },
};
