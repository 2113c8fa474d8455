// The network of a resource group: a VPC with public subnets, an internet gateway, a security group without ingress, and for
// static_ip a NAT gateway with one Elastic IP in front of private subnets.
import { getAtt, getAZs, ref, select, type Resource, type Tag, type Value } from './template.js';

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
  GatewayId?: Value;
  NatGatewayId?: Value;
}
export interface EipProps {
  Domain: 'vpc';
  Tags: Tag[];
}
export interface NatGatewayProps {
  AllocationId: Value;
  SubnetId: Value;
  ConnectivityType: 'public';
  Tags: Tag[];
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

/** DNS support and hostnames on: Fargate tasks resolve ECR, S3, SSM and CloudWatch endpoints by name. */
export function createVpc(input: { cidr: string; tags: Tag[] }): Resource<'AWS::EC2::VPC', VpcProps> {
  return {
    Type: 'AWS::EC2::VPC',
    Properties: { CidrBlock: input.cidr, EnableDnsSupport: true, EnableDnsHostnames: true, Tags: input.tags },
  };
}

/**
 * A subnet in the region's `azIndex`-th availability zone. Public ones by default, because tasks pull images and reach
 * AWS APIs through the internet gateway; a NAT gateway costs more than the tasks themselves for most pipelines, so
 * private subnets behind one exist only for static_ip.
 */
export function createSubnet(input: { vpcLogicalId: string; cidr: string; azIndex: number; public: boolean; tags: Tag[] }): Resource<'AWS::EC2::Subnet', SubnetProps> {
  return {
    Type: 'AWS::EC2::Subnet',
    Properties: {
      VpcId: ref(input.vpcLogicalId),
      CidrBlock: input.cidr,
      AvailabilityZone: select(input.azIndex, getAZs()),
      MapPublicIpOnLaunch: input.public,
      Tags: input.tags,
    },
  };
}

export function createInternetGateway(tags: Tag[]): Resource<'AWS::EC2::InternetGateway', InternetGatewayProps> {
  return { Type: 'AWS::EC2::InternetGateway', Properties: { Tags: tags } };
}

/** The one public address of static_ip: a client's firewall allows it. */
export function createElasticIp(input: { attachmentLogicalId: string; tags: Tag[] }): Resource<'AWS::EC2::EIP', EipProps> {
  // The address can only be used once the VPC has its internet gateway.
  return { Type: 'AWS::EC2::EIP', DependsOn: [input.attachmentLogicalId], Properties: { Domain: 'vpc', Tags: input.tags } };
}

/** A NAT gateway in a public subnet with the Elastic IP: the private subnets' way out, always from that address. */
export function createNatGateway(input: { eipLogicalId: string; subnetLogicalId: string; tags: Tag[] }): Resource<'AWS::EC2::NatGateway', NatGatewayProps> {
  return {
    Type: 'AWS::EC2::NatGateway',
    Properties: { AllocationId: getAtt(input.eipLogicalId, 'AllocationId'), SubnetId: ref(input.subnetLogicalId), ConnectivityType: 'public', Tags: input.tags },
  };
}

/** The private subnets' default route, through the NAT gateway. */
export function createNatRoute(input: { routeTableLogicalId: string; natGatewayLogicalId: string }): Resource<'AWS::EC2::Route', RouteProps> {
  return { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref(input.routeTableLogicalId), DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: ref(input.natGatewayLogicalId) } };
}

export function createGatewayAttachment(vpcLogicalId: string, gatewayLogicalId: string): Resource<'AWS::EC2::VPCGatewayAttachment', VpcGatewayAttachmentProps> {
  return { Type: 'AWS::EC2::VPCGatewayAttachment', Properties: { VpcId: ref(vpcLogicalId), InternetGatewayId: ref(gatewayLogicalId) } };
}

export function createRouteTable(vpcLogicalId: string, tags: Tag[]): Resource<'AWS::EC2::RouteTable', RouteTableProps> {
  return { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref(vpcLogicalId), Tags: tags } };
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
export function createSecurityGroup(input: { vpcLogicalId: string; description: string; tags: Tag[] }): Resource<'AWS::EC2::SecurityGroup', SecurityGroupProps> {
  return {
    Type: 'AWS::EC2::SecurityGroup',
    Properties: {
      GroupDescription: input.description,
      VpcId: ref(input.vpcLogicalId),
      SecurityGroupEgress: [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0', Description: 'all outbound traffic' }],
      Tags: input.tags,
    },
  };
}
