// The `deploy` keys only the AWS provider reads (Fargate networking, IAM policy, the Step Functions runner), and its checks.
import * as z from 'zod';
import { text } from '../schema-fields.js';
import { readNumber, type CloudDeployRules } from './cloud-deploy-rules.js';
import { checkFargateSize } from './fargate-sizes.js';

export const platformConfigSchema = z
  .object({
  state_machine: z.boolean().optional().describe('Run the task through a Step Functions state machine that retries failed runs.'),
  state_machine_timeout: z.number().positive().optional().describe('Seconds before the state machine gives up on a run.'),
  retry_interval: z.number().min(0).optional().describe('Seconds between the state machine\'s retries.'),
  max_retries: z.number().int().min(0).optional().describe('How many times the state machine retries a failed run.'),
  backoff_rate: z.number().positive().optional().describe('Multiplier applied to the retry interval after each retry.'),
  role_arn: text('IAM role the state machine runs as.').optional(),
  })
  .describe('Settings of the cloud platform beyond the container itself.');

export const awsDeployKeys = {
  cloud_platform: z.enum(['fargate']).optional().describe('Container platform of the cloud provider: `fargate`.'),
  platform_config: platformConfigSchema.optional().describe('Settings of the cloud platform beyond the container itself.'),
  subnets: z.array(text('A subnet id.')).optional().describe('Subnets the task runs in; default: the resource group\'s own.'),
  security_groups: z.array(text('A security group id.')).optional().describe('Security groups of the task; default: the resource group\'s own.'),
  assign_public_ip: z.boolean().optional().describe('Give the task a public IP (needed in public subnets without a NAT gateway).'),
  platform_version: text('Fargate platform version, e.g. `LATEST` or `1.4.0`.').optional(),
  task_policy: text('Extra IAM policy (JSON) granted to the running task.').optional(),
};

export const awsDeployRules: CloudDeployRules = {
  provider: 'aws',
  keys: Object.keys(awsDeployKeys),
  check(deploy) {
    // The same check the task stack makes before anything is sent to AWS, found here at the line of the key.
    const checked = checkFargateSize({ cpu: readNumber(deploy, 'cpu'), memory: readNumber(deploy, 'memory'), storage: readNumber(deploy, 'storage') });
    if (!('problem' in checked)) return [];
    const key = checked.problem.path.replace(/^deploy\./, '');
    return [{ severity: 'error', path: [key], message: checked.problem.message, hint: checked.problem.fix }];
  },
};
