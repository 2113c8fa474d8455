// Pure builders of a task's Container Apps job (the manual-trigger job `cloud run` starts), its size and its run env.
import { checkContainerAppsSize } from '../../../project/deploy-keys/container-apps-sizes.js';
import type { Deploy } from '../../../project/types.js';
import { UserError } from '../../../errors.js';
import type { Job } from '../sdk/container-apps.js';
import type { AzureNames } from '../names.js';

/** Seconds a replica may run unless deploy.task_timeout says otherwise (12 hours, as on the other clouds). */
export const DEFAULT_REPLICA_TIMEOUT = 43_200;

/** What a job needs that only Azure knows once things exist: the image, the identity, the environment. */
export interface JobInput {
  image: string;
  /** The identity's client id (AZURE_CLIENT_ID picks it for DefaultAzureCredential inside the container). */
  identityClientId: string;
  /** Registries pulled with the identity: the ACR of the image (absent for a registry outside Azure). */
  registryServer?: string;
  environmentId: string;
}

/** The container's environment: the stage, the identity to use, then the schedule's envs (which may not change those). */
function createEnv(names: AzureNames, input: JobInput, envs: readonly { key: string; value: string }[] = []): { name: string; value: string }[] {
  const env = [
    { name: 'HO_STAGE', value: names.stage },
    { name: 'AZURE_CLIENT_ID', value: input.identityClientId },
  ];
  for (const e of envs) {
    if (e.key === 'HO_STAGE' || e.key === 'AZURE_CLIENT_ID') continue;
    env.push({ name: e.key, value: e.value });
  }
  return env;
}

/** Checks deploy's size (the loader does too) and returns it in the API's form. */
export function resolveJobResources(deploy: Deploy): { cpu: number; memory: string } {
  const size = checkContainerAppsSize({ cpu: deploy.cpu, memory: deploy.memory });
  if ('problem' in size) {
    throw new UserError(size.problem.message, { fix: size.problem.fix, diagnostics: [{ severity: 'error', message: size.problem.message, path: `deploy.${size.problem.key}`, hint: size.problem.fix }] });
  }
  return size.size.resources;
}

function createJob(names: AzureNames, deploy: Deploy, input: JobInput, trigger: Pick<NonNullable<Job['configuration']>, 'triggerType' | 'manualTriggerConfig' | 'scheduleTriggerConfig'>, envs: readonly { key: string; value: string }[], tags: Record<string, string>): Job {
  return {
    location: names.location,
    tags,
    identity: { type: 'UserAssigned', userAssignedIdentities: { [names.identityId]: {} } },
    environmentId: input.environmentId,
    configuration: {
      ...trigger,
      replicaTimeout: deploy.task_timeout ?? DEFAULT_REPLICA_TIMEOUT,
      replicaRetryLimit: deploy.max_retries ?? 0,
      ...(input.registryServer ? { registries: [{ server: input.registryServer, identity: names.identityId }] } : {}),
    },
    template: { containers: [{ name: names.containerName, image: input.image, resources: resolveJobResources(deploy), env: createEnv(names, input, envs) }] },
  };
}

/** The task's job: started by `cloud run` (manual trigger), one replica, no retries unless deploy.max_retries asks. */
export function createTaskJob(names: AzureNames, deploy: Deploy, input: JobInput): Job {
  return createJob(names, deploy, input, { triggerType: 'Manual', manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 } }, [], names.tags);
}

/** The env of a run started now: the job's, with the run's envs added (HO_STAGE is the deployed stage's). */
export function mergeRunEnv(jobEnv: readonly { name?: string; value?: string }[], runEnv: readonly { name: string; value: string }[]): { name: string; value: string }[] {
  const merged = new Map<string, string>();
  for (const e of jobEnv) if (e.name) merged.set(e.name, e.value ?? '');
  for (const e of runEnv) merged.set(e.name, e.value);
  return [...merged].map(([name, value]) => ({ name, value }));
}
