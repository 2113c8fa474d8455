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
  if (!resourceGroup) {
    throw new UserError(`no resource group: deploy.resource_group is not set${where}`, {
      fix: input.projectFile
        ? 'add "resource_group: <name>" under deploy: in project.yml (or pass -e resource_group=<name>)'
        : 'pass -p <project> whose project.yml has deploy.resource_group, or -e resource_group=<name> task=<name>',
    });
  }
  if (!task) {
    throw new UserError(`no task: deploy.task is not set${where}`, {
      fix: input.projectFile
        ? 'add "task: <name>" under deploy: in project.yml (or pass -e task=<name>)'
        : 'pass -p <project> whose project.yml has deploy.task, or -e resource_group=<name> task=<name>',
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
