// The settings a resource group's tasks share through its resources stack (network, cluster, execution role), checked and compared.
import { UserError, type Diagnostic } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';

/** Where tasks run: a VPC handoff creates (with a NAT gateway for static_ip), or subnets and security groups named in `deploy`. */
export type NetworkChoice = { kind: 'created' } | { kind: 'static_ip' } | { kind: 'existing'; subnets: string[]; securityGroups: string[] };

export interface ResourceGroupSettings {
  network: NetworkChoice;
  /** Whether tasks get a public IP: true in handoff's public subnets, false behind the static IP's NAT gateway. */
  assignPublicIp: boolean;
  /** `deploy.cluster` as written, when the resource group runs in an existing cluster. */
  cluster?: string;
  /** `deploy.execution_role_arn`, when the resource group uses an existing execution role. */
  executionRoleArn?: string;
}

/** The `deploy` keys that belong to the resource group: every task of the group must agree on them. */
export const RESOURCE_GROUP_KEYS = ['subnets', 'security_groups', 'static_ip', 'assign_public_ip', 'cluster', 'execution_role_arn'] as const;
export type ResourceGroupKey = (typeof RESOURCE_GROUP_KEYS)[number];

/** What the resources stack records of the settings (in its template's Metadata), keyed like `deploy`; `''`/`[]`: not set. */
export type ResourceGroupRecord = Record<ResourceGroupKey, string | string[] | boolean>;

const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/**
 * Reads the resource group's settings from `deploy`. Existing subnets and security groups go together (handoff cannot
 * make a security group without knowing their VPC); static_ip needs the VPC handoff makes, whose NAT gateway it adds.
 */
export function resolveResourceGroupSettings(deploy: Pick<Deploy, ResourceGroupKey>): ResourceGroupSettings {
  const problems: Diagnostic[] = [];
  const problem = (path: string, message: string, hint: string): void => {
    problems.push({ severity: 'error', message, path, hint });
  };
  const subnets = deploy.subnets ?? [];
  const securityGroups = deploy.security_groups ?? [];
  let network: NetworkChoice = deploy.static_ip ? { kind: 'static_ip' } : { kind: 'created' };
  if (subnets.length > 0 || securityGroups.length > 0) {
    if (subnets.length === 0 || securityGroups.length === 0) {
      const missing = subnets.length === 0 ? 'deploy.subnets' : 'deploy.security_groups';
      problem(missing, `${missing} is missing: existing subnets and security groups are used together`, 'set both deploy.subnets and deploy.security_groups, or neither to let handoff create a VPC');
    }
    subnets.forEach((id, i) => {
      if (!/^subnet-[0-9a-f]{8,17}$/.test(id)) problem(`deploy.subnets[${i}]`, `deploy.subnets[${i}] "${id}" is not a subnet id`, 'use a subnet id such as subnet-0123456789abcdef0');
    });
    securityGroups.forEach((id, i) => {
      if (!/^sg-[0-9a-f]{8,17}$/.test(id)) problem(`deploy.security_groups[${i}]`, `deploy.security_groups[${i}] "${id}" is not a security group id`, 'use a security group id such as sg-0123456789abcdef0');
    });
    if (deploy.static_ip) {
      problem('deploy.static_ip', 'deploy.static_ip makes a NAT gateway in the VPC handoff creates, but deploy.subnets names subnets of your own', 'remove static_ip and route your subnets through your own NAT gateway, or remove subnets and security_groups');
    }
    network = { kind: 'existing', subnets, securityGroups };
  }
  if (network.kind === 'created' && deploy.assign_public_ip === false) {
    problem(
      'deploy.assign_public_ip',
      'deploy.assign_public_ip: false leaves tasks in the public subnets handoff makes without a way out (no NAT gateway): they could not pull their image',
      'remove assign_public_ip, or set static_ip: true for private subnets behind a NAT gateway',
    );
  }
  if (deploy.static_ip && deploy.assign_public_ip === true) {
    problem('deploy.assign_public_ip', 'deploy.assign_public_ip: true contradicts deploy.static_ip: tasks behind the NAT gateway have no public IP', 'remove assign_public_ip');
  }
  if (deploy.execution_role_arn !== undefined && !ROLE_ARN.test(deploy.execution_role_arn)) {
    problem('deploy.execution_role_arn', `deploy.execution_role_arn "${deploy.execution_role_arn}" is not an IAM role ARN`, 'use arn:aws:iam::<account>:role/<name>');
  }
  if (problems.length > 0) throw new UserError(problems[0]!.message, { fix: problems[0]!.hint, diagnostics: problems });
  return {
    network,
    assignPublicIp: network.kind === 'static_ip' ? false : deploy.assign_public_ip !== false,
    ...(deploy.cluster !== undefined ? { cluster: deploy.cluster } : {}),
    ...(deploy.execution_role_arn !== undefined ? { executionRoleArn: deploy.execution_role_arn } : {}),
  };
}

/**
 * The settings as the resources stack records them, one entry per `deploy` key; not set is `''` or `[]` (template
 * Metadata may not hold null).
 */
export function recordResourceGroupSettings(settings: ResourceGroupSettings): ResourceGroupRecord {
  const existing = settings.network.kind === 'existing' ? settings.network : undefined;
  return {
    subnets: existing ? existing.subnets : [],
    security_groups: existing ? existing.securityGroups : [],
    static_ip: settings.network.kind === 'static_ip',
    assign_public_ip: settings.assignPublicIp,
    cluster: settings.cluster ?? '',
    execution_role_arn: settings.executionRoleArn ?? '',
  };
}

/**
 * The keys whose deployed value differs from this project's, in RESOURCE_GROUP_KEYS order. A public IP that differs
 * only because static_ip does is not named: it follows static_ip.
 */
export function diffResourceGroupSettings(deployed: Partial<ResourceGroupRecord>, desired: ResourceGroupRecord): ResourceGroupKey[] {
  const differing = RESOURCE_GROUP_KEYS.filter((key) => key in deployed && JSON.stringify(deployed[key]) !== JSON.stringify(desired[key]));
  return differing.includes('static_ip') ? differing.filter((key) => key !== 'assign_public_ip') : differing;
}

/** Checks an IAM role ARN given in `deploy` (execution_role_arn, task_role_arn, platform_config.role_arn). */
export function checkRoleArn(value: string | undefined, path: string): void {
  if (value === undefined || ROLE_ARN.test(value)) return;
  const fix = 'use arn:aws:iam::<account>:role/<name>';
  throw new UserError(`${path} "${value}" is not an IAM role ARN`, { fix, diagnostics: [{ severity: 'error', message: 'not an IAM role ARN', path, hint: fix }] });
}
