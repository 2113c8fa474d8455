// The task's Cloud Run job as data: what handoff declares (size, image, timeout, retries, identity, network) and its API form.
import { UserError } from '../../../errors.js';
import { checkCloudRunSize } from '../../../project/deploy-keys/cloud-run-sizes.js';
import type { Deploy } from '../../../project/types.js';
import type { GcpNames } from '../names.js';
import type { CloudRunJob } from '../sdk/cloud-run.js';

/** What handoff manages on the job; the deployed job is read back into the same shape to compare. */
export interface JobSpec {
  labels: Record<string, string>;
  image: string;
  /** The job's own environment: HO_STAGE (a run adds its envs as overrides). */
  env: { name: string; value: string }[];
  cpu: string;
  memory: string;
  maxRetries: number;
  timeoutSeconds: number;
  serviceAccount: string;
  /** Direct VPC egress, when deploy names a network or subnetwork. */
  vpc: { network?: string; subnetwork?: string } | null;
}

/** Twelve hours, like the AWS runner's default timeout: long enough for a day's load, short enough to stop a hang. */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 43_200;

/**
 * The job handoff declares for the project. Sizes are checked against Cloud Run's allowed pairs first (the loader did
 * so at the line of the key; `--cloud-provider gcp` on another project reaches here), so nothing is sent when they
 * cannot work. A run is not retried unless deploy.max_retries says so: a pipeline that failed half-way should not run
 * again unattended.
 */
export function createJobSpec(names: GcpNames, deploy: Deploy, image: string): JobSpec {
  const size = checkCloudRunSize({ cpu: deploy.cpu, memory: deploy.memory });
  if ('problem' in size) {
    const path = `deploy.${size.problem.key}`;
    throw new UserError(size.problem.message, { fix: size.problem.fix, diagnostics: [{ severity: 'error', message: size.problem.message, path, hint: size.problem.fix }] });
  }
  const vpc = deploy.network || deploy.subnetwork ? { ...(deploy.network ? { network: deploy.network } : {}), ...(deploy.subnetwork ? { subnetwork: deploy.subnetwork } : {}) } : null;
  return {
    labels: { ...names.labels },
    image,
    env: [{ name: 'HO_STAGE', value: names.stage }],
    cpu: size.size.limits.cpu,
    memory: size.size.limits.memory,
    maxRetries: deploy.max_retries ?? 0,
    timeoutSeconds: deploy.task_timeout ?? DEFAULT_TASK_TIMEOUT_SECONDS,
    serviceAccount: names.taskServiceAccount,
    vpc,
  };
}

/** The job as the Cloud Run Admin API v2 takes it (one task per execution, second-generation environment). */
export function toCloudRunJob(names: GcpNames, spec: JobSpec): CloudRunJob {
  return {
    name: names.job,
    labels: spec.labels,
    template: {
      taskCount: 1,
      template: {
        containers: [{ name: names.containerName, image: spec.image, env: spec.env, resources: { limits: { cpu: spec.cpu, memory: spec.memory } } }],
        maxRetries: spec.maxRetries,
        timeout: { seconds: spec.timeoutSeconds },
        serviceAccount: spec.serviceAccount,
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
        ...(spec.vpc ? { vpcAccess: { networkInterfaces: [spec.vpc], egress: 'PRIVATE_RANGES_ONLY' } } : {}),
      },
    },
  };
}

/** The deployed job in the shape of JobSpec; labels other than handoff's are left out (others may label it too). */
export function readJobSpec(job: CloudRunJob, labelKeys: readonly string[]): JobSpec {
  const task = job.template?.template;
  const container = task?.containers?.[0];
  const network = task?.vpcAccess?.networkInterfaces?.[0];
  const labels = Object.fromEntries(Object.entries(job.labels ?? {}).filter(([k]) => labelKeys.includes(k)));
  return {
    labels,
    image: container?.image ?? '',
    env: (container?.env ?? []).map((e) => ({ name: e.name ?? '', value: e.value ?? '' })),
    cpu: String(container?.resources?.limits?.cpu ?? ''),
    memory: String(container?.resources?.limits?.memory ?? ''),
    maxRetries: Number(task?.maxRetries ?? 0),
    timeoutSeconds: Number(task?.timeout?.seconds ?? 0),
    serviceAccount: task?.serviceAccount ?? '',
    vpc: network && (network.network || network.subnetwork) ? { ...(network.network ? { network: network.network } : {}), ...(network.subnetwork ? { subnetwork: network.subnetwork } : {}) } : null,
  };
}
