// The named rules of project.yml (check-rules.ts, each cloud's deploy checks) that plain JSON Schema can say, for editors.
import type { CloudProviderName } from './cloud-providers.js';
import { CLOUD_PROVIDERS } from './cloud-providers.js';
import { ENV_NAME_PATTERN, WORKSPACE_OWN_NAMES } from './check-rules.js';
import { CLOUD_DEPLOY_RULES } from './check-deploy-keys.js';
import { AWS_REGION_PATTERN } from './deploy-keys/aws-regions.js';
import { AZURE_LOCATION_PATTERN } from './deploy-keys/azure-locations.js';
import { ENVIRONMENT, KEY_VAULT, LOGIN_SERVER, MAX_RETENTION, MIN_RETENTION, STORAGE_ACCOUNT, SUBSCRIPTION_ID } from './deploy-keys/azure-deploy-keys.js';
import {
  FARGATE_DEFAULT_STORAGE_GIB,
  FARGATE_MAX_STORAGE_GIB,
  listFargateCpus,
  listFargateMemories,
} from './deploy-keys/fargate-sizes.js';
import { CLOUD_RUN_MAX_RETRIES, CLOUD_RUN_MAX_TASK_TIMEOUT, NOTIFICATION_CHANNEL, PROJECT_ID, REPOSITORY_ID, SERVICE_ACCOUNT_EMAIL } from './deploy-keys/gcp-deploy-keys.js';
import { GCP_REGION_PATTERN } from './deploy-keys/gcp-regions.js';

// Every constraint here refuses only what the loader refuses (an editor must never flag a project handoff runs); a rule
// JSON Schema cannot say exactly is left out or said in part. Not said at all: names unique at one level, venvs declared
// in installs, one interpreter per venv, unique schedule target_ids (relations between entries), nothing after a
// foreach or fork (an order of list items), cron and timezone syntax, and the Cloud Run and Container Apps sizes.
// json-schema-rules.test.ts holds each constraint to the loader with documents both must refuse or both accept.
// Patterns are for strings only (JSON Schema applies `pattern` to strings), and use what ECMAScript and Python's `re`
// read alike: [0-9] rather than \d, no Unicode property classes.

type JsonSchema = Record<string, unknown>;

/** A task name names log files: not blank, no "/", not "." or "..". */
export const TASK_NAME_SCHEMA_PATTERN = '^(?!\\.{1,2}$)[^/]*[^\\s/][^/]*$';

/** A venv is a folder of the workspace: not blank, no "/" or "\" (nor ":", PATH's separator), not "." or "..", not one of the workspace's own. */
export const VENV_NAME_SCHEMA_PATTERN = `^(?!(?:\\.|\\.\\.|${[...WORKSPACE_OWN_NAMES.keys()].map(escapeRegex).join('|')})$)[^/\\\\:]*[^\\s/\\\\:][^/\\\\:]*$`;

/** An interpreter: not blank, a command name or an absolute path, not a version such as `3.10`. */
export const PYTHON_SCHEMA_PATTERN = '^(?=[\\s\\S]*\\S)(?!\\s*[0-9]+(?:\\.[0-9]+)*\\s*$)(?:/[\\s\\S]*|[^/]*)$';

/** A pipeline element that reads the output before it: a foreach or fork that is not switched off. */
const readsUpstream: JsonSchema = {
  anyOf: [{ required: ['foreach'] }, { required: ['fork'] }],
  not: { required: ['active'], properties: { active: { const: false } } },
};

/** Adds the rules to the schema createProjectJsonSchema generated from the zod schema (changed in place). */
export function addRuleConstraints(schema: JsonSchema): void {
  const properties = schema.properties as Record<string, JsonSchema>;
  const defs = schema.$defs as Record<string, JsonSchema>;

  // venv-names, python without venv.
  const install = itemsOf(properties.installs);
  const installProperties = install.properties as Record<string, JsonSchema>;
  Object.assign(installProperties.venv!, { pattern: VENV_NAME_SCHEMA_PATTERN });
  // YAML reads `python: 3.10` as the number 3.1: any number printed as digits and dots is a version, not an interpreter.
  Object.assign(installProperties.python!, { pattern: PYTHON_SCHEMA_PATTERN, not: { type: 'number', minimum: 0.000001, exclusiveMaximum: 1e21 } });
  install.dependentRequired = { python: ['venv'] };

  // env-keys: the project's envs and each schedule's.
  const envKey = { pattern: ENV_NAME_PATTERN.source };
  Object.assign((itemsOf(properties.envs).properties as Record<string, JsonSchema>).key!, envKey);
  const scheduleProperties = itemsOf(properties.schedules).properties as Record<string, JsonSchema>;
  Object.assign((itemsOf(scheduleProperties.envs).properties as Record<string, JsonSchema>).key!, envKey);

  // task-has-one-body, body-not-empty, task-names; a foreach or fork cannot be a pipeline's first element.
  const task = defs.ProjectTask!;
  const taskProperties = task.properties as Record<string, JsonSchema>;
  Object.assign(taskProperties.name!, { pattern: TASK_NAME_SCHEMA_PATTERN });
  for (const body of ['commands', 'pipeline', 'tasks']) taskProperties[body]!.minItems = 1;
  task.oneOf = [{ required: ['commands'] }, { required: ['pipeline'] }, { required: ['tasks'] }];
  taskProperties.pipeline!.prefixItems = [{ not: readsUpstream }];

  // Empty foreach and fork lists; fork-children-are-pipelines.
  for (const option of (defs.ProjectPipelineElement!.anyOf as JsonSchema[]) ?? []) {
    const elementProperties = option.properties as Record<string, JsonSchema>;
    if (elementProperties.foreach) elementProperties.foreach.minItems = 1;
    if (elementProperties.fork) {
      elementProperties.fork.minItems = 1;
      elementProperties.fork.items = { allOf: [elementProperties.fork.items, { required: ['pipeline'] }] };
    }
  }

  addDeployConstraints(properties.deploy!);
}

/**
 * With `cloud_provider: gcp` (say), that cloud's required keys and its checks of values. Written as "another provider,
 * or these constraints" (anyOf) rather than if/then, which some validators do not read.
 */
function addDeployConstraints(deploy: JsonSchema): void {
  deploy.allOf = CLOUD_DEPLOY_RULES.map((rules) => ({
    anyOf: [
      { type: 'object', properties: { cloud_provider: { enum: CLOUD_PROVIDERS.filter((p) => p !== rules.provider) } } },
      { type: 'object', ...(rules.required && rules.required.length > 0 ? { required: [...rules.required] } : {}), ...cloudConstraints[rules.provider] },
    ],
  }));
}

/** Each cloud's checks of `deploy` (deploy-keys/) that JSON Schema can say. The clouds trim text keys, AWS's region aside. */
const cloudConstraints: Partial<Record<CloudProviderName, JsonSchema>> = {
  aws: {
    properties: {
      region: { pattern: AWS_REGION_PATTERN.source },
      cpu: { enum: listFargateCpus() },
      memory: { enum: [...new Set(listFargateCpus().flatMap(listFargateMemories))].sort((a, b) => a - b) },
      storage: { minimum: FARGATE_DEFAULT_STORAGE_GIB, maximum: FARGATE_MAX_STORAGE_GIB },
    },
    // With cpu given, memory must be one of that cpu's; without, any Fargate memory picks its smallest cpu.
    anyOf: [{ not: { required: ['cpu'] } }, ...listFargateCpus().map((cpu) => ({ properties: { cpu: { const: cpu }, memory: { enum: listFargateMemories(cpu) } } }))],
  },
  gcp: {
    properties: {
      gcp_project: { pattern: trimmed(PROJECT_ID) },
      region: { pattern: trimmed(GCP_REGION_PATTERN) },
      artifact_registry: { pattern: trimmed(REPOSITORY_ID) },
      service_account: { pattern: trimmed(SERVICE_ACCOUNT_EMAIL) },
      notification_channels: { items: { pattern: NOTIFICATION_CHANNEL.source } },
      task_timeout: { maximum: CLOUD_RUN_MAX_TASK_TIMEOUT },
      max_retries: { maximum: CLOUD_RUN_MAX_RETRIES },
    },
  },
  azure: {
    properties: {
      subscription_id: { pattern: trimmed(SUBSCRIPTION_ID) },
      location: { pattern: trimmed(AZURE_LOCATION_PATTERN) },
      storage_account: { pattern: trimmed(STORAGE_ACCOUNT) },
      key_vault: { pattern: trimmed(KEY_VAULT) },
      environment: { pattern: trimmed(ENVIRONMENT) },
      registry: { pattern: trimmed(LOGIN_SERVER) },
      log_retention_days: { minimum: MIN_RETENTION, maximum: MAX_RETENTION },
    },
  },
};

/** The pattern of a value the check reads trimmed (`readText`): blanks around it are allowed. */
function trimmed(pattern: RegExp): string {
  let inner = pattern.source.replace(/^\^/, '').replace(/\$$/, '');
  // JSON Schema patterns carry no flags: the one case-insensitive pattern (a GUID) has its letter ranges doubled.
  const flags = pattern.flags.replace('u', '');
  if (flags === 'i' && !/[g-zG-Z]/.test(inner.replace(/\\./g, ''))) inner = inner.replace(/a-f/g, 'a-fA-F');
  else if (flags !== '') throw new Error(`a JSON Schema pattern cannot carry the flags of ${String(pattern)}`);
  return `^\\s*(?:${inner})\\s*$`;
}

function itemsOf(list: JsonSchema | undefined): JsonSchema {
  return (list?.items ?? {}) as JsonSchema;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
