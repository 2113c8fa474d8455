// The `handoff-<RG>-resources` stack: network, ECS cluster and shared roles of a resource group (SPEC §8).
import { UserError } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';
import type { DeployNames } from '../names.js';
import { createEcsCluster } from './cluster.js';
import {
  createGatewayAttachment,
  createInternetGateway,
  createInternetRoute,
  createPublicSubnet,
  createRouteTable,
  createSecurityGroup,
  createSubnetRouteTableAssociation,
  createVpc,
} from './network.js';
import { createExecutionRole, createRunnerRole, createSchedulerRole } from './roles.js';
import { createExport, createTemplate, getAtt, join, ref, type Output, type Resource, type Template, type Value } from './template.js';

export const VPC_CIDR = '10.0.0.0/16';
const SUBNET_CIDRS = ['10.0.0.0/24', '10.0.1.0/24'] as const;

/** Where tasks run: the network the stack creates, or the subnets and security groups named in `deploy`. */
export type NetworkChoice = { kind: 'created' } | { kind: 'existing'; subnets: string[]; securityGroups: string[] };

/**
 * Decides between a new VPC and `deploy.subnets` + `deploy.security_groups`. They go together: with existing subnets
 * handoff cannot create a security group, because it does not know their VPC.
 */
export function resolveNetworkChoice(deploy: Pick<Deploy, 'subnets' | 'security_groups'>): NetworkChoice {
  const subnets = deploy.subnets ?? [];
  const securityGroups = deploy.security_groups ?? [];
  if (subnets.length === 0 && securityGroups.length === 0) return { kind: 'created' };
  if (subnets.length === 0 || securityGroups.length === 0) {
    const missing = subnets.length === 0 ? 'deploy.subnets' : 'deploy.security_groups';
    const fix = 'set both deploy.subnets and deploy.security_groups, or neither to let handoff create a VPC';
    throw new UserError(`${missing} is missing: existing subnets and security groups are used together`, {
      fix,
      diagnostics: [{ severity: 'error', message: `${missing} is missing`, path: missing, hint: fix }],
    });
  }
  subnets.forEach((id, i) => checkId(id, /^subnet-[0-9a-f]{8,17}$/, `deploy.subnets[${i}]`, 'a subnet id such as subnet-0123456789abcdef0'));
  securityGroups.forEach((id, i) => checkId(id, /^sg-[0-9a-f]{8,17}$/, `deploy.security_groups[${i}]`, 'a security group id such as sg-0123456789abcdef0'));
  return { kind: 'existing', subnets, securityGroups };
}

export function createResourcesStack(names: DeployNames, deploy: Pick<Deploy, 'subnets' | 'security_groups'>): Template {
  const network = resolveNetworkChoice(deploy);
  const resources: Record<string, Resource> = {};
  const outputs: Record<string, Output> = {};
  let subnets: Value;
  let securityGroups: Value;

  if (network.kind === 'created') {
    resources.Vpc = createVpc({ name: names.cluster, cidr: VPC_CIDR });
    resources.InternetGateway = createInternetGateway(names.cluster);
    resources.InternetGatewayAttachment = createGatewayAttachment('Vpc', 'InternetGateway');
    resources.PublicRouteTable = createRouteTable(`${names.cluster}-public`, 'Vpc');
    resources.PublicRoute = createInternetRoute({
      routeTableLogicalId: 'PublicRouteTable',
      gatewayLogicalId: 'InternetGateway',
      attachmentLogicalId: 'InternetGatewayAttachment',
    });
    // Two subnets in two availability zones, so one zone's outage or capacity shortage does not stop every run.
    const subnetIds = ['PublicSubnetA', 'PublicSubnetB'];
    subnetIds.forEach((id, i) => {
      resources[id] = createPublicSubnet({ name: `${names.cluster}-public-${'ab'[i]}`, vpcLogicalId: 'Vpc', cidr: SUBNET_CIDRS[i]!, azIndex: i });
      resources[`${id}RouteTableAssociation`] = createSubnetRouteTableAssociation(id, 'PublicRouteTable');
    });
    resources.SecurityGroup = createSecurityGroup({
      name: names.cluster,
      vpcLogicalId: 'Vpc',
      description: `handoff ${names.resourceGroup} tasks: no inbound traffic`,
    });
    subnets = join(',', subnetIds.map((id) => ref(id)));
    securityGroups = ref('SecurityGroup');
    outputs.VpcId = { Description: 'VPC the tasks run in', Value: ref('Vpc') };
  } else {
    subnets = network.subnets.join(',');
    securityGroups = network.securityGroups.join(',');
  }

  resources.Cluster = createEcsCluster(names.cluster);
  resources.ExecutionRole = createExecutionRole(names);
  resources.RunnerRole = createRunnerRole(names, getAtt('Cluster', 'Arn'));
  resources.SchedulerRole = createSchedulerRole(names);

  const e = names.exports;
  outputs.ClusterName = { Description: 'ECS cluster name', Value: ref('Cluster') };
  outputs.ClusterArn = createExport('ECS cluster ARN', getAtt('Cluster', 'Arn'), e.clusterArn);
  outputs.Subnets = createExport('comma-separated subnet ids the tasks run in', subnets, e.subnets);
  outputs.SecurityGroups = createExport('comma-separated security group ids of the tasks', securityGroups, e.securityGroups);
  outputs.ExecutionRoleArn = createExport('ECS task execution role ARN', getAtt('ExecutionRole', 'Arn'), e.executionRoleArn);
  outputs.RunnerRoleArn = createExport('Step Functions runner role ARN', getAtt('RunnerRole', 'Arn'), e.runnerRoleArn);
  outputs.SchedulerRoleArn = createExport('EventBridge Scheduler role ARN', getAtt('SchedulerRole', 'Arn'), e.schedulerRoleArn);

  const where = network.kind === 'created' ? 'a VPC with two public subnets' : 'existing subnets and security groups';
  return createTemplate({
    description: `handoff resources of resource group ${names.resourceGroup}: ${where}, ECS cluster and roles`,
    resources,
    outputs,
  });
}

function checkId(id: string, pattern: RegExp, path: string, expected: string): void {
  if (!pattern.test(id)) {
    const fix = `use ${expected}`;
    throw new UserError(`${path} "${id}" is not ${expected.replace(/ such as .*/, '')}`, { fix, diagnostics: [{ severity: 'error', message: `"${id}" is not valid`, path, hint: fix }] });
  }
}
