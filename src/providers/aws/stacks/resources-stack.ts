// The `handoff-<RG>-resources` stack: network, ECS cluster and shared roles of a resource group (SPEC §8).
import type { Deploy } from '../../../project/types.js';
import type { DeployNames } from '../names.js';
import { createEcsCluster } from './cluster.js';
import {
  createElasticIp,
  createGatewayAttachment,
  createInternetGateway,
  createInternetRoute,
  createNatGateway,
  createNatRoute,
  createRouteTable,
  createSecurityGroup,
  createSubnet,
  createSubnetRouteTableAssociation,
  createVpc,
} from './network.js';
import { recordResourceGroupSettings, resolveResourceGroupSettings, type ResourceGroupKey } from './resource-group-settings.js';
import { createExecutionRole, createRunnerRole, createSchedulerRole } from './roles.js';
import { createTagMap, toTagList } from './tags.js';
import { createExport, createTemplate, getAtt, join, ref, type Output, type Resource, type Template, type Value } from './template.js';

export const VPC_CIDR = '10.0.0.0/16';
const PUBLIC_SUBNET_CIDRS = ['10.0.0.0/24', '10.0.1.0/24'] as const;
const PRIVATE_SUBNET_CIDRS = ['10.0.2.0/24', '10.0.3.0/24'] as const;

/** Where the resources stack records its settings, for the next deploy of any task of the group to compare with. */
export const RESOURCE_GROUP_METADATA = 'handoff:resource-group-settings';

/** The `deploy` keys the resources stack reads: the resource group's settings, not deploy.tags (see below). */
export type ResourcesStackDeploy = Pick<Deploy, ResourceGroupKey>;

export function createResourcesStack(names: DeployNames, deploy: ResourcesStackDeploy): Template {
  const settings = resolveResourceGroupSettings(deploy);
  // Shared by every task of the group, so handoff's own tags only: one task's deploy.tags here would be undone by the
  // next deploy of a task with other tags, and redone by this one's, forever.
  const tags = createTagMap(names, {}, 'resource-group');
  const tagged = (name?: string) => toTagList(tags, name);
  const resources: Record<string, Resource> = {};
  const outputs: Record<string, Output> = {};
  let subnets: Value;
  let securityGroups: Value;
  const network = settings.network;

  if (network.kind === 'existing') {
    subnets = network.subnets.join(',');
    securityGroups = network.securityGroups.join(',');
  } else {
    const name = names.networkName;
    resources.Vpc = createVpc({ cidr: VPC_CIDR, tags: tagged(name) });
    resources.InternetGateway = createInternetGateway(tagged(name));
    resources.InternetGatewayAttachment = createGatewayAttachment('Vpc', 'InternetGateway');
    resources.PublicRouteTable = createRouteTable('Vpc', tagged(`${name}-public`));
    resources.PublicRoute = createInternetRoute({ routeTableLogicalId: 'PublicRouteTable', gatewayLogicalId: 'InternetGateway', attachmentLogicalId: 'InternetGatewayAttachment' });
    // Two subnets in two availability zones, so one zone's outage or capacity shortage does not stop every run.
    const publicSubnets = ['PublicSubnetA', 'PublicSubnetB'];
    publicSubnets.forEach((id, i) => {
      resources[id] = createSubnet({ vpcLogicalId: 'Vpc', cidr: PUBLIC_SUBNET_CIDRS[i]!, azIndex: i, public: true, tags: tagged(`${name}-public-${'ab'[i]}`) });
      resources[`${id}RouteTableAssociation`] = createSubnetRouteTableAssociation(id, 'PublicRouteTable');
    });
    let taskSubnets = publicSubnets;
    if (network.kind === 'static_ip') {
      // One NAT gateway with one Elastic IP: every run's outbound traffic leaves from that address.
      resources.StaticIp = createElasticIp({ attachmentLogicalId: 'InternetGatewayAttachment', tags: tagged(`${name}-static-ip`) });
      resources.NatGateway = createNatGateway({ eipLogicalId: 'StaticIp', subnetLogicalId: 'PublicSubnetA', tags: tagged(`${name}-nat`) });
      resources.PrivateRouteTable = createRouteTable('Vpc', tagged(`${name}-private`));
      resources.PrivateRoute = createNatRoute({ routeTableLogicalId: 'PrivateRouteTable', natGatewayLogicalId: 'NatGateway' });
      taskSubnets = ['PrivateSubnetA', 'PrivateSubnetB'];
      taskSubnets.forEach((id, i) => {
        resources[id] = createSubnet({ vpcLogicalId: 'Vpc', cidr: PRIVATE_SUBNET_CIDRS[i]!, azIndex: i, public: false, tags: tagged(`${name}-private-${'ab'[i]}`) });
        resources[`${id}RouteTableAssociation`] = createSubnetRouteTableAssociation(id, 'PrivateRouteTable');
      });
      outputs.StaticIp = { Description: 'the one public IP address of every run\'s outbound traffic', Value: ref('StaticIp') };
    }
    resources.SecurityGroup = createSecurityGroup({ vpcLogicalId: 'Vpc', description: `handoff ${names.resourceGroup} tasks: no inbound traffic`, tags: tagged(name) });
    subnets = join(',', taskSubnets.map((id) => ref(id)));
    securityGroups = ref('SecurityGroup');
    outputs.VpcId = { Description: 'VPC the tasks run in', Value: ref('Vpc') };
  }

  let clusterArn: Value = names.clusterArn;
  if (names.ownCluster) {
    resources.Cluster = createEcsCluster(names.cluster, tagged());
    clusterArn = getAtt('Cluster', 'Arn');
  }
  let executionRoleArn: Value;
  if (settings.executionRoleArn !== undefined) {
    executionRoleArn = settings.executionRoleArn;
  } else {
    resources.ExecutionRole = createExecutionRole(names, tagged());
    executionRoleArn = getAtt('ExecutionRole', 'Arn');
  }
  const passRoles = settings.executionRoleArn !== undefined ? [settings.executionRoleArn] : [];
  resources.RunnerRole = createRunnerRole(names, { clusterArn, passRoles, tags: tagged() });
  resources.SchedulerRole = createSchedulerRole(names, { clusterArn, passRoles, tags: tagged() });

  const e = names.exports;
  outputs.ClusterName = { Description: 'ECS cluster name', Value: names.ownCluster ? ref('Cluster') : names.cluster };
  outputs.ClusterArn = createExport('ECS cluster ARN', clusterArn, e.clusterArn);
  outputs.Subnets = createExport('comma-separated subnet ids the tasks run in', subnets, e.subnets);
  outputs.SecurityGroups = createExport('comma-separated security group ids of the tasks', securityGroups, e.securityGroups);
  outputs.AssignPublicIp = createExport('whether tasks get a public IP in these subnets', settings.assignPublicIp ? 'ENABLED' : 'DISABLED', e.assignPublicIp);
  outputs.ExecutionRoleArn = createExport('ECS task execution role ARN', executionRoleArn, e.executionRoleArn);
  outputs.RunnerRoleArn = createExport('Step Functions runner role ARN', getAtt('RunnerRole', 'Arn'), e.runnerRoleArn);
  outputs.SchedulerRoleArn = createExport('EventBridge Scheduler role ARN', getAtt('SchedulerRole', 'Arn'), e.schedulerRoleArn);

  const where = { created: 'a VPC with two public subnets', static_ip: 'a VPC with a NAT gateway and one static IP', existing: 'existing subnets and security groups' }[network.kind];
  return createTemplate({
    description: `handoff resources of resource group ${names.resourceGroup}: ${where}, ECS cluster and roles`,
    metadata: { [RESOURCE_GROUP_METADATA]: recordResourceGroupSettings(settings) },
    resources,
    outputs,
  });
}
