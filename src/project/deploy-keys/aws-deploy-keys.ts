// The `deploy` keys only the AWS provider reads (region, network, bring-your-own resources, IAM, the runner), their model and checks.
import * as z from 'zod';
import type { KeyPath } from '../format-key-path.js';
import { text } from '../schema-fields.js';
import { readNumber, type CloudDeployRules, type DeployProblem } from './cloud-deploy-rules.js';
import { suggestKey } from '../suggest-key.js';
import { AWS_REGION_PATTERN, readKnownAwsRegions } from './aws-regions.js';
import { checkFargateSize } from './fargate-sizes.js';

export const platformConfigSchema = z
  .object({
    state_machine: z
      .boolean()
      .optional()
      .describe('Run scheduled runs through a Step Functions state machine that retries failed runs (default true); false: schedules start the Fargate task directly.'),
    state_machine_timeout: z.number().positive().optional().describe('Seconds before the state machine gives up on a run.'),
    retry_interval: z.number().min(0).optional().describe('Seconds between the state machine\'s retries.'),
    max_retries: z.number().int().min(0).optional().describe('How many times the state machine retries a failed run.'),
    backoff_rate: z.number().positive().optional().describe('Multiplier applied to the retry interval after each retry.'),
    role_arn: text('IAM role EventBridge Scheduler assumes to start scheduled runs, instead of the resource group\'s own scheduler role.').optional(),
  })
  .describe('Settings of the cloud platform beyond the container itself.');

const capacityProviders = ['FARGATE', 'FARGATE_SPOT'] as const;
export type FargateCapacityProvider = (typeof capacityProviders)[number];

export const awsDeployKeys = {
  cloud_platform: z.enum(['fargate']).optional().describe('Container platform of the cloud provider: `fargate`.'),
  platform_config: platformConfigSchema.optional().describe('Settings of the cloud platform beyond the container itself.'),
  cluster: text('An existing ECS cluster (name or ARN) to run in instead of creating `handoff-<RG>`; a resource group setting.').optional(),
  subnets: z.array(text('A subnet id.')).optional().describe('Existing subnets the tasks run in (with security_groups); a resource group setting. Default: a VPC handoff creates.'),
  security_groups: z.array(text('A security group id.')).optional().describe('Security groups of the tasks (with subnets); a resource group setting.'),
  assign_public_ip: z.boolean().optional().describe('Give tasks a public IP (needed in public subnets without a NAT gateway); a resource group setting. Default: true, false with static_ip.'),
  static_ip: z
    .boolean()
    .optional()
    .describe('Send the tasks\' outbound traffic through a NAT gateway with one Elastic IP, so a firewall can allow one address; a resource group setting.'),
  execution_role_arn: text('An existing ECS task execution role (pulls the image, writes logs) instead of the resource group\'s own; a resource group setting.').optional(),
  task_role_arn: text('An existing role the container runs as instead of the one handoff scopes to the task\'s own bucket prefix and secrets (least privilege is then yours).').optional(),
  task_definition: text('A JSON file (ECS RegisterTaskDefinition form) merged over the generated task definition: containers, environment, volumes, sidecars, ulimits.').optional(),
  capacity_provider: z.enum(capacityProviders).optional().describe('`FARGATE` (default) or `FARGATE_SPOT` for scheduled and manual runs.'),
  capacity_provider_weights: z
    .partialRecord(z.enum(capacityProviders), z.number().int().min(0).max(1000))
    .optional()
    .describe('Weights of the capacity provider strategy with FARGATE_SPOT, e.g. `{FARGATE_SPOT: 3, FARGATE: 1}` (the default).'),
  tags: z.record(z.string(), text('A tag value.')).optional().describe('Tags of the task: put on its stack and every AWS resource of it that takes tags, beside handoff\'s own `handoff:*` tags (the resource group\'s shared stacks get handoff\'s own only).'),
  platform_version: text('Fargate platform version, e.g. `LATEST` or `1.4.0`.').optional(),
  task_policy: text('Extra IAM policy (a JSON file) granted to the running task.').optional(),
};

export const awsDeployRules: CloudDeployRules = {
  provider: 'aws',
  // `region` is a common key (schema.ts) that AWS reads too.
  keys: [...Object.keys(awsDeployKeys), 'region'],
  check(deploy) {
    const problems: DeployProblem[] = [];
    // A region of another cloud (europe-west1) or a slip (eu-west1) is found here, at its line, not at the first call.
    if (typeof deploy.region === 'string' && !AWS_REGION_PATTERN.test(deploy.region)) {
      problems.push({ severity: 'error', path: ['region'], message: `deploy.region "${deploy.region}" is not an AWS region name`, hint: 'AWS regions look like eu-west-1 or us-east-1' });
    } else if (typeof deploy.region === 'string') {
      // A slip such as us-east-99 has a region's shape, and the error would come later from the endpoint, blaming AWS
      // or the network. Only a warning: a region newer than the installed SDK works as written.
      const regions = readKnownAwsRegions();
      if (regions && !regions.includes(deploy.region)) {
        const suggestion = suggestKey(deploy.region, regions);
        problems.push({
          severity: 'warning',
          path: ['region'],
          message: `deploy.region "${deploy.region}" is not a region the installed AWS SDK knows`,
          hint: `${suggestion ? `did you mean "${suggestion}"?` : 'check the name against the AWS regions'} (a region AWS added after this SDK works as written)`,
        });
      }
    }
    // The same check the task stack makes before anything is sent to AWS, found here at the line of the key.
    const checked = checkFargateSize({ cpu: readNumber(deploy, 'cpu'), memory: readNumber(deploy, 'memory'), storage: readNumber(deploy, 'storage') });
    if ('problem' in checked) {
      const key = checked.problem.path.replace(/^deploy\./, '');
      problems.push({ severity: 'error', path: [key], message: checked.problem.message, hint: checked.problem.fix });
    }
    return problems;
  },
};

export interface PlatformConfig {
  state_machine?: boolean;
  state_machine_timeout?: number;
  retry_interval?: number;
  max_retries?: number;
  backoff_rate?: number;
  role_arn?: string;
}

/** The AWS part of the normalized `deploy` (see Deploy in ../types.ts). */
export interface AwsDeploy {
  region?: string;
  cloud_platform?: 'fargate';
  platform_config?: PlatformConfig;
  cluster?: string;
  subnets?: string[];
  security_groups?: string[];
  assign_public_ip?: boolean;
  static_ip?: boolean;
  execution_role_arn?: string;
  task_role_arn?: string;
  task_definition?: string;
  capacity_provider?: FargateCapacityProvider;
  capacity_provider_weights?: Partial<Record<FargateCapacityProvider, number>>;
  tags?: Record<string, string>;
  platform_version?: string;
  task_policy?: string;
}

/** `region` is a common key of the schema; AWS normalizes it with its own keys. */
type RawAwsDeploy = z.output<z.ZodObject<typeof awsDeployKeys>> & { region?: string | number };

/** The AWS keys of a schema-valid `deploy`, text keys as text (YAML reads `region: 1` as a number). */
export function normalizeAwsDeploy(d: RawAwsDeploy, text: (value: string | number, at: KeyPath) => string): AwsDeploy {
  const optional = (value: string | number | undefined, key: string): string | undefined => (value === undefined ? undefined : text(value, ['deploy', key]));
  const out: AwsDeploy = {
    region: optional(d.region, 'region'),
    cloud_platform: d.cloud_platform,
    platform_config: d.platform_config
      ? { ...d.platform_config, role_arn: d.platform_config.role_arn === undefined ? undefined : text(d.platform_config.role_arn, ['deploy', 'platform_config', 'role_arn']) }
      : undefined,
    cluster: optional(d.cluster, 'cluster'),
    subnets: d.subnets?.map((s, i) => text(s, ['deploy', 'subnets', i])),
    security_groups: d.security_groups?.map((s, i) => text(s, ['deploy', 'security_groups', i])),
    assign_public_ip: d.assign_public_ip,
    static_ip: d.static_ip,
    execution_role_arn: optional(d.execution_role_arn, 'execution_role_arn'),
    task_role_arn: optional(d.task_role_arn, 'task_role_arn'),
    task_definition: optional(d.task_definition, 'task_definition'),
    capacity_provider: d.capacity_provider,
    capacity_provider_weights: d.capacity_provider_weights,
    tags: d.tags ? Object.fromEntries(Object.entries(d.tags).map(([k, v]) => [k, text(v, ['deploy', 'tags', k])])) : undefined,
    platform_version: optional(d.platform_version, 'platform_version'),
    task_policy: optional(d.task_policy, 'task_policy'),
  };
  for (const key of Object.keys(out) as (keyof AwsDeploy)[]) if (out[key] === undefined) delete out[key];
  if (out.platform_config) for (const key of Object.keys(out.platform_config) as (keyof PlatformConfig)[]) if (out.platform_config[key] === undefined) delete out.platform_config[key];
  return out;
}
