// `deploy.task_definition`: a task definition file of your own (ECS API form), checked and merged over the one handoff generates.
import { UserError, type Diagnostic } from '../../../errors.js';
import { suggestKey } from '../../../project/check-written-form.js';
import { plural } from '../../../plural.js';

/** The parts of the file handoff merges, already in CloudFormation's PascalCase form. */
export interface TaskDefinitionOverride {
  /** Containers by name: the one named like handoff's container is merged into it, the others are sidecars. */
  containers: Record<string, unknown>[];
  volumes: Record<string, unknown>[];
  /** Other task-level properties (RuntimePlatform, PidMode, ProxyConfiguration, Tags, the two role ARNs). */
  task: Record<string, unknown>;
}

// ContainerDefinition keys of the RegisterTaskDefinition API, with those Fargate refuses (ECS Developer Guide,
// "Amazon ECS task definition differences for the Fargate launch type").
const CONTAINER_KEYS = [
  'name', 'image', 'repositoryCredentials', 'cpu', 'memory', 'memoryReservation', 'portMappings', 'essential', 'restartPolicy',
  'entryPoint', 'command', 'environment', 'environmentFiles', 'mountPoints', 'volumesFrom', 'linuxParameters', 'secrets',
  'dependsOn', 'startTimeout', 'stopTimeout', 'versionConsistency', 'user', 'workingDirectory', 'readonlyRootFilesystem',
  'interactive', 'pseudoTerminal', 'dockerLabels', 'ulimits', 'logConfiguration', 'healthCheck', 'systemControls',
  'resourceRequirements', 'firelensConfiguration', 'credentialSpecs',
];
const CONTAINER_KEYS_NOT_ON_FARGATE = ['links', 'hostname', 'disableNetworking', 'privileged', 'dnsServers', 'dnsSearchDomains', 'extraHosts', 'dockerSecurityOptions'];
const TASK_KEYS = ['containerDefinitions', 'volumes', 'runtimePlatform', 'pidMode', 'proxyConfiguration', 'tags', 'taskRoleArn', 'executionRoleArn', 'networkMode', 'requiresCompatibilities'];
/** Task keys with a `deploy` key of their own: one way to set each thing. */
const TASK_KEYS_FROM_DEPLOY: Record<string, string> = { family: 'deploy.task', cpu: 'deploy.cpu', memory: 'deploy.memory', ephemeralStorage: 'deploy.storage' };
const TASK_KEYS_NOT_ON_FARGATE = ['ipcMode', 'placementConstraints', 'inferenceAccelerators'];
const DEPENDS_ON_CONDITIONS = ['START', 'COMPLETE', 'SUCCESS', 'HEALTHY'];
const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];
/** Keys whose value is a map of the user's own names (kept as written when keys are turned into CloudFormation's form). */
const MAP_KEYS = new Set(['options', 'dockerLabels', 'driverOpts', 'labels']);
/** CloudFormation spells a few keys differently from the ECS API. */
const CFN_KEY: Record<string, string> = { efsVolumeConfiguration: 'EFSVolumeConfiguration', fileSystemId: 'FilesystemId', iam: 'IAM' };

/**
 * Checks the parsed file (a RegisterTaskDefinition document, or just its `containerDefinitions` list as Terraform's
 * `container_definitions` takes it) and returns it in CloudFormation form. Every problem is reported at once, each
 * with its place in the file; `mainContainer` is the name of handoff's own container.
 */
export function parseTaskDefinitionOverride(document: unknown, input: { source: string; mainContainer: string }): TaskDefinitionOverride {
  const problems: Diagnostic[] = [];
  const at = (path: string): string => `${input.source}${path ? ` ${path}` : ''}`;
  const problem = (path: string, message: string, hint?: string): void => {
    problems.push({ severity: 'error', message: `${at(path)}: ${message}`, path: 'deploy.task_definition', ...(hint ? { hint } : {}) });
  };
  const task: Record<string, unknown> = Array.isArray(document) ? { containerDefinitions: document } : isObject(document) ? document : {};
  if (!Array.isArray(document) && !isObject(document)) problem('', 'is not a task definition', 'write a JSON object with "containerDefinitions", or a JSON list of container definitions');

  for (const [key, value] of Object.entries(task)) {
    if (TASK_KEYS_FROM_DEPLOY[key]) problem(key, `"${key}" is set by ${TASK_KEYS_FROM_DEPLOY[key]}`, `remove it from the file and set ${TASK_KEYS_FROM_DEPLOY[key]}`);
    else if (TASK_KEYS_NOT_ON_FARGATE.includes(key)) problem(key, `"${key}" is not supported on Fargate`, 'remove it');
    else if (!TASK_KEYS.includes(key)) problem(key, `unknown task definition key "${key}"`, hintFor(key, TASK_KEYS));
    else if (key === 'networkMode' && value !== 'awsvpc') problem(key, `networkMode must be "awsvpc" on Fargate, found ${JSON.stringify(value)}`, 'remove it');
    else if (key === 'requiresCompatibilities' && !(Array.isArray(value) && value.includes('FARGATE'))) problem(key, 'requiresCompatibilities must include "FARGATE"', 'remove it');
    else if ((key === 'taskRoleArn' || key === 'executionRoleArn') && !(typeof value === 'string' && /^arn:aws[a-z-]*:iam::\d{12}:role\//.test(value))) {
      problem(key, `${key} is not an IAM role ARN`, 'use arn:aws:iam::<account>:role/<name>');
    }
  }

  const volumeNames = new Set<string>();
  const volumes = Array.isArray(task.volumes) ? task.volumes : task.volumes === undefined ? [] : (problem('volumes', 'must be a list'), []);
  volumes.forEach((v, i) => {
    const path = `volumes[${i}]`;
    if (!isObject(v) || typeof v.name !== 'string' || v.name === '') return problem(path, 'needs a "name"');
    if (volumeNames.has(v.name)) problem(`${path}.name`, `volume "${v.name}" is declared twice`);
    volumeNames.add(v.name);
    for (const key of Object.keys(v)) {
      if (key === 'host' && isObject(v.host) && v.host.sourcePath !== undefined) problem(`${path}.host`, 'host paths are not supported on Fargate', 'remove "host" to get a volume on the task\'s ephemeral storage');
      else if (key === 'dockerVolumeConfiguration') problem(`${path}.${key}`, 'Docker volumes are not supported on Fargate', 'use efsVolumeConfiguration, or no configuration for ephemeral storage');
      else if (!['name', 'host', 'efsVolumeConfiguration', 'configuredAtLaunch'].includes(key)) problem(`${path}.${key}`, `unknown volume key "${key}"`, hintFor(key, ['name', 'efsVolumeConfiguration']));
    }
    if (v.efsVolumeConfiguration !== undefined && !(isObject(v.efsVolumeConfiguration) && typeof v.efsVolumeConfiguration.fileSystemId === 'string')) {
      problem(`${path}.efsVolumeConfiguration`, 'needs a "fileSystemId"');
    }
  });

  const containers = Array.isArray(task.containerDefinitions) ? task.containerDefinitions : undefined;
  if (task.containerDefinitions !== undefined && containers === undefined) problem('containerDefinitions', 'must be a list');
  const containerNames = new Set((containers ?? []).flatMap((c) => (isObject(c) && typeof c.name === 'string' ? [c.name] : [])));
  const seen = new Set<string>();
  (containers ?? []).forEach((c, i) => {
    const path = `containerDefinitions[${i}]`;
    if (!isObject(c) || typeof c.name !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(c.name)) {
      return problem(path, 'needs a "name" of letters, digits, _ and -', `name it "${input.mainContainer}" to change handoff's container, anything else to add a sidecar`);
    }
    if (seen.has(c.name)) problem(`${path}.name`, `container "${c.name}" is defined twice`);
    seen.add(c.name);
    const main = c.name === input.mainContainer;
    if (!main && typeof c.image !== 'string') problem(`${path}.image`, `sidecar "${c.name}" needs an "image"`);
    if (main && c.essential === false) problem(`${path}.essential`, "handoff's container must stay essential: its exit is the run's result", 'remove "essential"');
    for (const key of Object.keys(c)) {
      if (CONTAINER_KEYS_NOT_ON_FARGATE.includes(key)) problem(`${path}.${key}`, `"${key}" is not supported on Fargate`, 'remove it');
      else if (!CONTAINER_KEYS.includes(key)) problem(`${path}.${key}`, `unknown container key "${key}"`, hintFor(key, CONTAINER_KEYS));
    }
    checkNameValueList(c.environment, `${path}.environment`, 'value', problem);
    checkNameValueList(c.secrets, `${path}.secrets`, 'valueFrom', problem);
    if (main && Array.isArray(c.environment) && c.environment.some((e) => isObject(e) && e.name === 'HO_STAGE')) {
      problem(`${path}.environment`, 'HO_STAGE is the stage being deployed; the file cannot set it', 'remove HO_STAGE (deploy with -s <stage>)');
    }
    for (const [j, u] of listOf(c.ulimits, `${path}.ulimits`, problem)) {
      const ok = isObject(u) && ULIMIT_NAMES.includes(String(u.name)) && Number.isInteger(u.softLimit) && Number.isInteger(u.hardLimit) && (u.softLimit as number) <= (u.hardLimit as number);
      if (!ok) problem(`${path}.ulimits[${j}]`, 'needs "name" (nofile, nproc, …) and whole-number "softLimit" ≤ "hardLimit"', `e.g. {"name": "nofile", "softLimit": 65536, "hardLimit": 65536}`);
    }
    for (const [j, m] of listOf(c.mountPoints, `${path}.mountPoints`, problem)) {
      if (!isObject(m) || typeof m.containerPath !== 'string') problem(`${path}.mountPoints[${j}]`, 'needs "sourceVolume" and "containerPath"');
      else if (!volumeNames.has(String(m.sourceVolume))) {
        const close = suggestKey(String(m.sourceVolume), [...volumeNames]);
        problem(`${path}.mountPoints[${j}].sourceVolume`, `volume "${String(m.sourceVolume)}" is not declared in "volumes"`, close ? `did you mean "${close}"?` : `add {"name": "${String(m.sourceVolume)}"} to "volumes"`);
      }
    }
    for (const [j, d] of listOf(c.dependsOn, `${path}.dependsOn`, problem)) {
      if (!isObject(d) || !containerNames.has(String(d.containerName))) problem(`${path}.dependsOn[${j}]`, `container "${isObject(d) ? String(d.containerName) : ''}" is not defined in the file`);
      else if (!DEPENDS_ON_CONDITIONS.includes(String(d.condition))) problem(`${path}.dependsOn[${j}].condition`, `condition must be one of ${DEPENDS_ON_CONDITIONS.join(', ')}`);
    }
    for (const key of ['command', 'entryPoint']) {
      const value = c[key];
      if (value !== undefined && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) problem(`${path}.${key}`, 'must be a list of strings');
    }
  });

  if (problems.length > 0) {
    throw new UserError(`deploy.task_definition (${input.source}) has ${plural(problems.length, 'problem')}`, {
      fix: 'fix each problem listed; the file is the ECS RegisterTaskDefinition JSON (as `aws ecs register-task-definition --cli-input-json` reads it)',
      diagnostics: problems,
    });
  }
  const rest = Object.fromEntries(Object.entries(task).filter(([k]) => !['containerDefinitions', 'volumes', 'networkMode', 'requiresCompatibilities'].includes(k)));
  return {
    containers: (containers ?? []).map((c) => toCloudFormationKeys(c) as Record<string, unknown>),
    volumes: volumes.map((v) => toCloudFormationKeys(v) as Record<string, unknown>),
    task: toCloudFormationKeys(rest) as Record<string, unknown>,
  };
}

/** ECS API keys (camelCase) to CloudFormation's (PascalCase); maps of the user's own names keep their keys. */
export function toCloudFormationKeys(value: unknown, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => toCloudFormationKeys(v));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [keepKeys ? k : (CFN_KEY[k] ?? k.charAt(0).toUpperCase() + k.slice(1)), toCloudFormationKeys(v, MAP_KEYS.has(k))]),
  );
}

function checkNameValueList(list: unknown, path: string, valueKey: string, problem: (path: string, message: string, hint?: string) => void): void {
  for (const [i, e] of listOf(list, path, problem)) {
    if (!isObject(e) || typeof e.name !== 'string' || typeof e[valueKey] !== 'string') problem(`${path}[${i}]`, `needs "name" and "${valueKey}" as strings`);
  }
}

function listOf(value: unknown, path: string, problem: (path: string, message: string) => void): [number, unknown][] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problem(path, 'must be a list');
    return [];
  }
  return value.map((v, i) => [i, v]);
}

function hintFor(key: string, known: readonly string[]): string {
  const close = suggestKey(key, known);
  return close ? `did you mean "${close}"?` : `known keys: ${known.join(', ')}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
