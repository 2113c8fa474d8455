// Tests of the resources stack: created network vs. existing subnets/security groups, roles and exports.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../errors.js';
import { createDeployNames } from '../names.js';
import type { PolicyDocument } from './policy-document.js';
import { createResourcesStack } from './resources-stack.js';
import type { RoleProps } from './roles.js';

const names = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });
const existing = { subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], security_groups: ['sg-0123456789abcdef0'] };

function typesOf(template: ReturnType<typeof createResourcesStack>): string[] {
  return Object.values(template.Resources).map((r) => r.Type);
}

describe('createResourcesStack', () => {
  it('creates a VPC with DNS, two public subnets in two zones, routes to an internet gateway, and a closed security group', () => {
    const t = createResourcesStack(names, {});
    expect(t.Resources.Vpc!.Properties).toMatchObject({ EnableDnsSupport: true, EnableDnsHostnames: true });
    expect(t.Resources.PublicSubnetA!.Properties).toMatchObject({ AvailabilityZone: { 'Fn::Select': ['0', { 'Fn::GetAZs': '' }] }, MapPublicIpOnLaunch: true });
    expect(t.Resources.PublicSubnetB!.Properties).toMatchObject({ AvailabilityZone: { 'Fn::Select': ['1', { 'Fn::GetAZs': '' }] } });
    expect(t.Resources.PublicRoute!.Properties).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: { Ref: 'InternetGateway' } });
    expect(t.Resources.PublicRoute!.DependsOn).toEqual(['InternetGatewayAttachment']);
    const sg = t.Resources.SecurityGroup!.Properties as Record<string, unknown>;
    expect(sg.SecurityGroupIngress).toBeUndefined();
    expect(sg.SecurityGroupEgress).toEqual([{ IpProtocol: '-1', CidrIp: '0.0.0.0/0', Description: 'all outbound traffic' }]);
    expect(t.Outputs!.Subnets!.Value).toEqual({ 'Fn::Join': [',', [{ Ref: 'PublicSubnetA' }, { Ref: 'PublicSubnetB' }]] });
    expect(t.Outputs!.SecurityGroups!.Value).toEqual({ Ref: 'SecurityGroup' });
  });

  it('creates no network resources with existing subnets and security groups, and exports those ids', () => {
    const t = createResourcesStack(names, existing);
    expect(typesOf(t).filter((type) => type.startsWith('AWS::EC2::'))).toEqual([]);
    expect(Object.keys(t.Resources).sort()).toEqual(['Cluster', 'ExecutionRole', 'RunnerRole', 'SchedulerRole']);
    expect(t.Outputs!.Subnets).toEqual({
      Description: 'comma-separated subnet ids the tasks run in',
      Value: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
      Export: { Name: 'handoff-dev-etl-resources-Subnets' },
    });
    expect(t.Outputs!.SecurityGroups!.Value).toBe('sg-0123456789abcdef0');
    expect(t.Outputs!.VpcId).toBeUndefined();
  });

  it('needs subnets and security groups together, and checks their ids', () => {
    expect(() => createResourcesStack(names, { subnets: existing.subnets })).toThrow(/deploy.security_groups is missing/);
    expect(() => createResourcesStack(names, { security_groups: existing.security_groups })).toThrow(/deploy.subnets is missing/);
    const err = (() => {
      try {
        createResourcesStack(names, { subnets: ['subnet-1', 'bad'], security_groups: ['sg-0123456789abcdef0'] });
      } catch (e) {
        return e as UserError;
      }
      throw new Error('expected an error');
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err.diagnostics[0]!.path).toBe('deploy.subnets[0]');
  });

  it('puts static_ip\'s tasks in private subnets behind one NAT gateway and Elastic IP, and refuses settings that cannot work', () => {
    const t = createResourcesStack(names, { static_ip: true });
    expect(typesOf(t).filter((type) => ['AWS::EC2::EIP', 'AWS::EC2::NatGateway'].includes(type))).toEqual(['AWS::EC2::EIP', 'AWS::EC2::NatGateway']);
    expect(t.Outputs!.Subnets!.Value).toEqual({ 'Fn::Join': [',', [{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }]] });
    expect(t.Outputs!.AssignPublicIp!.Value).toBe('DISABLED');
    expect(t.Resources.PrivateRoute!.Properties).toMatchObject({ NatGatewayId: { Ref: 'NatGateway' }, DestinationCidrBlock: '0.0.0.0/0' });
    expect(() => createResourcesStack(names, { static_ip: true, ...existing })).toThrow(/static_ip makes a NAT gateway in the VPC handoff creates/);
    expect(() => createResourcesStack(names, { static_ip: true, assign_public_ip: true })).toThrow(/contradicts deploy.static_ip/);
    expect(() => createResourcesStack(names, { assign_public_ip: false })).toThrow(/without a way out/);
    expect(createResourcesStack(names, { ...existing, assign_public_ip: false }).Outputs!.AssignPublicIp!.Value).toBe('DISABLED');
  });

  it('uses an existing cluster and execution role, records the group\'s settings, and lets the runner pass that role', () => {
    const byo = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1', cluster: 'data-platform' });
    const role = 'arn:aws:iam::123456789012:role/ecs-execution';
    const t = createResourcesStack(byo, { ...existing, cluster: 'data-platform', execution_role_arn: role });
    expect(Object.keys(t.Resources).sort()).toEqual(['RunnerRole', 'SchedulerRole']);
    expect(t.Outputs!.ClusterArn!.Value).toBe('arn:aws:ecs:us-east-1:123456789012:cluster/data-platform');
    expect(t.Outputs!.ExecutionRoleArn!.Value).toBe(role);
    expect(JSON.stringify(t.Resources.RunnerRole)).toContain(role);
    expect(t.Metadata!['handoff:resource-group-settings']).toEqual({
      subnets: existing.subnets,
      security_groups: existing.security_groups,
      static_ip: false,
      assign_public_ip: true,
      cluster: 'data-platform',
      execution_role_arn: role,
    });
    expect(() => createResourcesStack(byo, { execution_role_arn: 'ecs-execution' })).toThrow(/is not an IAM role ARN/);
  });

  it('exports what the task stack imports, under the names from names.ts', () => {
    const t = createResourcesStack(names, {});
    const exported = Object.values(t.Outputs!).flatMap((o) => (o.Export ? [o.Export.Name] : []));
    expect(exported.sort()).toEqual(Object.values(names.exports).sort());
  });

  it('gives ECS the managed execution policy and the runner only its own cluster, roles and the .sync rule', () => {
    const t = createResourcesStack(names, {});
    const execution = t.Resources.ExecutionRole!.Properties as RoleProps;
    expect(execution.ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' }]);

    const runner = t.Resources.RunnerRole!.Properties as RoleProps;
    expect(runner.AssumeRolePolicyDocument.Statement[0]!.Principal).toEqual({ Service: 'states.amazonaws.com' });
    const statements = (runner.Policies![0]!.PolicyDocument as PolicyDocument).Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.RunTaskDefinitionsOnOwnCluster!.Condition).toEqual({ ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': ['Cluster', 'Arn'] } } });
    expect(bySid.PassOwnRolesToEcs!.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/handoff/dev-etl/*' });
    expect(bySid.ManageRunTaskSyncRule!.Action).toEqual(['events:PutTargets', 'events:PutRule', 'events:DescribeRule']);
    expect(bySid.ManageRunTaskSyncRule!.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/StepFunctionsGetEventsForECSTaskRule',
    });

    const scheduler = t.Resources.SchedulerRole!.Properties as RoleProps;
    expect(scheduler.AssumeRolePolicyDocument.Statement[0]!.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect((scheduler.Policies![0]!.PolicyDocument as PolicyDocument).Statement[0]).toMatchObject({ Action: 'states:StartExecution' });
  });
});
