// The network of a resource group: a VPC with public subnets, an internet gateway and a security group without ingress.
import { getAZs, ref, select, type Resource, type Tag, type Value } from './template.js';

export interface VpcProps {
  CidrBlock: string;
  EnableDnsSupport: boolean;
  EnableDnsHostnames: boolean;
  Tags: Tag[];
}
export interface SubnetProps {
  VpcId: Value;
  CidrBlock: string;
  AvailabilityZone: Value;
  MapPublicIpOnLaunch: boolean;
  Tags: Tag[];
}
export interface InternetGatewayProps {
  Tags: Tag[];
}
export interface VpcGatewayAttachmentProps {
  VpcId: Value;
  InternetGatewayId: Value;
}
export interface RouteTableProps {
  VpcId: Value;
  Tags: Tag[];
}
export interface RouteProps {
  RouteTableId: Value;
  DestinationCidrBlock: string;
  GatewayId: Value;
}
export interface SubnetRouteTableAssociationProps {
  SubnetId: Value;
  RouteTableId: Value;
}
export interface SecurityGroupEgress {
  IpProtocol: string;
  CidrIp: string;
  Description?: string;
}
export interface SecurityGroupProps {
  GroupDescription: string;
  VpcId: Value;
  SecurityGroupEgress: SecurityGroupEgress[];
  Tags: Tag[];
}

function nameTag(name: string): Tag[] {
  return [{ Key: 'Name', Value: name }];
}

/** DNS support and hostnames on: Fargate tasks resolve ECR, S3, SSM and CloudWatch endpoints by name. */
export function createVpc(input: { name: string; cidr: string }): Resource<'AWS::EC2::VPC', VpcProps> {
  return {
    Type: 'AWS::EC2::VPC',
    Properties: { CidrBlock: input.cidr, EnableDnsSupport: true, EnableDnsHostnames: true, Tags: nameTag(input.name) },
  };
}

/**
 * A public subnet in the region's `azIndex`-th availability zone. Public, because tasks pull images and reach AWS APIs
 * through the internet gateway; a NAT gateway would cost more than the tasks themselves for most pipelines.
 */
export function createPublicSubnet(input: { name: string; vpcLogicalId: string; cidr: string; azIndex: number }): Resource<'AWS::EC2::Subnet', SubnetProps> {
  return {
    Type: 'AWS::EC2::Subnet',
    Properties: {
      VpcId: ref(input.vpcLogicalId),
      CidrBlock: input.cidr,
      AvailabilityZone: select(input.azIndex, getAZs()),
      MapPublicIpOnLaunch: true,
      Tags: nameTag(input.name),
    },
  };
}

export function createInternetGateway(name: string): Resource<'AWS::EC2::InternetGateway', InternetGatewayProps> {
  return { Type: 'AWS::EC2::InternetGateway', Properties: { Tags: nameTag(name) } };
}

export function createGatewayAttachment(vpcLogicalId: string, gatewayLogicalId: string): Resource<'AWS::EC2::VPCGatewayAttachment', VpcGatewayAttachmentProps> {
  return { Type: 'AWS::EC2::VPCGatewayAttachment', Properties: { VpcId: ref(vpcLogicalId), InternetGatewayId: ref(gatewayLogicalId) } };
}

export function createRouteTable(name: string, vpcLogicalId: string): Resource<'AWS::EC2::RouteTable', RouteTableProps> {
  return { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref(vpcLogicalId), Tags: nameTag(name) } };
}

/** The default route to the internet gateway; it can only be created once the gateway is attached to the VPC. */
export function createInternetRoute(input: { routeTableLogicalId: string; gatewayLogicalId: string; attachmentLogicalId: string }): Resource<'AWS::EC2::Route', RouteProps> {
  return {
    Type: 'AWS::EC2::Route',
    DependsOn: [input.attachmentLogicalId],
    Properties: { RouteTableId: ref(input.routeTableLogicalId), DestinationCidrBlock: '0.0.0.0/0', GatewayId: ref(input.gatewayLogicalId) },
  };
}

export function createSubnetRouteTableAssociation(subnetLogicalId: string, routeTableLogicalId: string): Resource<'AWS::EC2::SubnetRouteTableAssociation', SubnetRouteTableAssociationProps> {
  return { Type: 'AWS::EC2::SubnetRouteTableAssociation', Properties: { SubnetId: ref(subnetLogicalId), RouteTableId: ref(routeTableLogicalId) } };
}

/** No ingress at all: pipeline containers only make outbound connections. Egress is open so any source can be read. */
export function createSecurityGroup(input: { name: string; vpcLogicalId: string; description: string }): Resource<'AWS::EC2::SecurityGroup', SecurityGroupProps> {
  return {
    Type: 'AWS::EC2::SecurityGroup',
    Properties: {
      GroupDescription: input.description,
      VpcId: ref(input.vpcLogicalId),
      SecurityGroupEgress: [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0', Description: 'all outbound traffic' }],
      Tags: nameTag(input.name),
    },
  };
}
