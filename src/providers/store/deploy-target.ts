// Chooses the provider and the task whose store a command uses: deploy in project.yml, -e overrides, --cloud-provider.
import { UserError } from '../../errors.js';
import type { Deploy } from '../../project/types.js';
import { parseCloudProvider, type DeployTarget } from '../provider.js';

export interface DeployTargetInput {
  /** `deploy` of project.yml, when a project is at hand. */
  deploy?: Partial<Deploy>;
  /** project.yml's path, named in errors. */
  projectFile?: string;
  /** Parsed `-e` values: `resource_group`, `task` and `bucket` override `deploy`. */
  envs?: Record<string, unknown>;
  /** `--cloud-provider`, which wins over `deploy.cloud_provider`. */
  cloudProvider?: string;
  /** `--cloud-profile`. */
  profile?: string;
  stage: string;
  /**
   * The process environment, read only to explain a missing name: the original handoff's container variables
   * (HO_RESOURCE_GROUP, HO_TASK, HO_BUCKET) are never taken as the store's names (see originalVariablesHint).
   */
  hostEnv?: Record<string, string | undefined>;
}

/** The `-e` keys that name the store rather than set an environment variable. */
export const TARGET_ENV_KEYS = ['resource_group', 'task', 'bucket'] as const;

export function resolveDeployTarget(input: DeployTargetInput): DeployTarget {
  const envs = input.envs ?? {};
  const text = (v: unknown): string | undefined => (v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim());
  const provider = input.cloudProvider
    ? parseCloudProvider(input.cloudProvider, '--cloud-provider')
    : input.deploy?.cloud_provider
      ? parseCloudProvider(input.deploy.cloud_provider, 'deploy.cloud_provider')
      : 'local';
  const resourceGroup = text(envs.resource_group) ?? text(input.deploy?.resource_group);
  const task = text(envs.task) ?? text(input.deploy?.task);
  const where = input.projectFile ? ` in ${input.projectFile}` : '';
  const original = resourceGroup && task ? undefined : originalVariablesHint(input.hostEnv ?? {}, input.stage, resourceGroup, task);
  if (!resourceGroup) {
    throw new UserError(`no resource group: deploy.resource_group is not set${where}${original?.said ?? ''}`, {
      fix:
        original?.fix ??
        (input.projectFile
          ? 'add "resource_group: <name>" under deploy: in project.yml (or pass -e resource_group=<name>)'
          : 'pass -p <a project folder> whose project.yml has deploy.resource_group, or -e resource_group=<name> task=<name>'),
    });
  }
  if (!task) {
    throw new UserError(`no task: deploy.task is not set${where}${original?.said ?? ''}`, {
      fix:
        original?.fix ??
        (input.projectFile
          ? 'add "task: <name>" under deploy: in project.yml (or pass -e task=<name>)'
          : 'pass -p <a project folder> whose project.yml has deploy.task, or -e resource_group=<name> task=<name>'),
    });
  }
  return {
    provider,
    stage: input.stage,
    resourceGroup,
    task,
    bucket: text(envs.bucket) ?? text(input.deploy?.bucket),
    profile: input.profile,
    ...(input.deploy?.container_image ? { containerImage: input.deploy.container_image } : {}),
    ...(input.deploy ? { deploy: input.deploy } : {}),
  };
}

/**
 * When the original handoff's container variables are set (a task definition, Dockerfile or CI job written for it),
 * the error says that handoff does not read them and gives the -e that does the same. They are not read silently:
 * the original's HO_RESOURCE_GROUP carries the stage prefix (`dev-etl`), to which handoff would add its own
 * (`dev-dev-etl`), a store nobody made, and a guess at stripping it could pick another stage's store.
 */
function originalVariablesHint(
  env: Record<string, string | undefined>,
  stage: string,
  resourceGroup: string | undefined,
  task: string | undefined,
): { said: string; fix: string } | undefined {
  const value = (name: string): string | undefined => (env[name]?.trim() ? env[name]?.trim() : undefined);
  const set = ['HO_RESOURCE_GROUP', 'HO_TASK', 'HO_BUCKET'].filter((name) => value(name) !== undefined);
  if (!set.some((name) => name !== 'HO_BUCKET')) return undefined;
  const prefixed = value('HO_RESOURCE_GROUP');
  const bare = prefixed?.startsWith(`${stage}-`) ? prefixed.slice(stage.length + 1) : undefined;
  const names = [
    `resource_group=${resourceGroup ?? bare ?? '<name without the stage prefix>'}`,
    `task=${task ?? value('HO_TASK') ?? '<name>'}`,
    ...(value('HO_BUCKET') !== undefined ? [`bucket=${value('HO_BUCKET')}`] : []),
  ];
  const shown = set.map((name) => `${name}=${value(name)}`).join(', ');
  return {
    said: ` (${shown} ${set.length === 1 ? 'is' : 'are'} set: the original handoff's container variables, which handoff does not read)`,
    fix:
      `pass -e ${names.join(' ')}` +
      (prefixed !== undefined ? ` (handoff adds the stage prefix itself: the original's HO_RESOURCE_GROUP=${prefixed} carries it)` : '') +
      ', or -p <a project folder> whose project.yml has deploy.resource_group and deploy.task',
  };
}
