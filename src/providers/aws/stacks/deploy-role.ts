// The deploy role (`cloud role create`): what the handoff CLI needs for `cloud …` commands, and nothing that could make an admin.
import { PERMISSIONS_BOUNDARY_NAME, PERMISSIONS_BOUNDARY_PATH, TAG_RESOURCE_GROUP } from '../names.js';
import { createPolicyDocument, type PolicyDocument, type PolicyStatement } from './policy-document.js';
import { ECS_TASKS_SERVICE, PASSABLE_ROLE_TAG, type RoleResource } from './roles.js';
import { arnOf, ref, sub, type Resource, type Tag, type Value } from './template.js';

/** The deploy role's tag naming the region of the stack that manages it (the role itself serves every region). */
export const STACK_REGION_TAG = 'handoff:stack-region';

/** Actions that create an EC2 resource; tagging is allowed only as part of them (ec2:CreateAction). */
export const EC2_CREATE_ACTIONS = ['CreateVpc', 'CreateSubnet', 'CreateInternetGateway', 'CreateRouteTable', 'CreateSecurityGroup', 'AllocateAddress', 'CreateNatGateway'] as const;
/** Actions that create an ECS resource carrying tags. */
export const ECS_CREATE_ACTIONS = ['CreateCluster', 'RegisterTaskDefinition', 'RunTask'] as const;
/** The services the deploy role may hand roles to: ECS (task definitions, runs), Step Functions and Scheduler. */
export const DEPLOY_PASSED_TO_SERVICES = [ECS_TASKS_SERVICE, 'states.amazonaws.com', 'scheduler.amazonaws.com'];

const RESOURCE_GROUP_TAG_PRESENT = { Null: { [`aws:ResourceTag/${TAG_RESOURCE_GROUP}`]: 'false' } };
const REQUEST_TAG_PRESENT = { Null: { [`aws:RequestTag/${TAG_RESOURCE_GROUP}`]: 'false' } };

/**
 * The deploy role's statements. Everything it may change is handoff's: by name (`handoff-*` stacks, buckets, log
 * groups, runners, schedules, roles under `/handoff/`) or, for EC2 and ECS resources whose ids are random, by the
 * `handoff:resource-group` tag (required on create, required to change or delete). Every role it can create or change
 * must carry the handoff permissions boundary; it can pass roles only to the services that run tasks; and it can
 * never touch the boundary, its own role or a role's boundary, nor assume handoff's roles. Reads are account-wide.
 */
export function createDeployStatements(options: { buckets?: string[] } = {}): PolicyStatement[] {
  const inAccount = (service: string, resource: string): Value => sub(`arn:\${AWS::Partition}:${service}:*:\${AWS::AccountId}:${resource}`);
  const bucketNames = ['handoff-*', ...(options.buckets ?? [])];
  const ec2Resources = inAccount('ec2', '*');
  const handoffRoles = sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role${PERMISSIONS_BOUNDARY_PATH}*`);
  const boundaryArn = sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy${PERMISSIONS_BOUNDARY_PATH}${PERMISSIONS_BOUNDARY_NAME}`);
  return [
    {
      Sid: 'CloudFormationStacks',
      Effect: 'Allow',
      Action: [
        'cloudformation:CreateStack',
        'cloudformation:UpdateStack',
        'cloudformation:DeleteStack',
        'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeStackResources',
        'cloudformation:GetTemplate',
        'cloudformation:CreateChangeSet',
        'cloudformation:DescribeChangeSet',
        'cloudformation:ExecuteChangeSet',
        'cloudformation:DeleteChangeSet',
        'cloudformation:ListChangeSets',
      ],
      Resource: [inAccount('cloudformation', 'stack/handoff-*/*'), inAccount('cloudformation', 'changeSet/*/*')],
    },
    {
      Sid: 'CloudFormationReading',
      Effect: 'Allow',
      Action: ['cloudformation:DescribeStacks', 'cloudformation:ValidateTemplate', 'cloudformation:ListStacks', 'cloudformation:ListExports', 'cloudformation:ListImports', 'cloudformation:GetTemplateSummary'],
      Resource: '*',
    },
    {
      Sid: 'NetworkReading',
      Effect: 'Allow',
      Action: [
        'ec2:DescribeVpcs',
        'ec2:DescribeVpcAttribute',
        'ec2:DescribeSubnets',
        'ec2:DescribeInternetGateways',
        'ec2:DescribeRouteTables',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeAccountAttributes',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeAddresses',
        'ec2:DescribeNatGateways',
      ],
      Resource: '*',
    },
    {
      // Only the network resources a resources stack makes, and only with the resource group's tag on them.
      Sid: 'NetworkCreateTagged',
      Effect: 'Allow',
      Action: EC2_CREATE_ACTIONS.map((a) => `ec2:${a}`),
      Resource: ec2Resources,
      Condition: REQUEST_TAG_PRESENT,
    },
    {
      Sid: 'NetworkTagOnCreate',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: ec2Resources,
      Condition: { StringEquals: { 'ec2:CreateAction': [...EC2_CREATE_ACTIONS] } },
    },
    {
      Sid: 'NetworkChangeTagged',
      Effect: 'Allow',
      Action: [
        'ec2:DeleteVpc',
        'ec2:ModifyVpcAttribute',
        'ec2:DeleteSubnet',
        'ec2:ModifySubnetAttribute',
        'ec2:DeleteInternetGateway',
        'ec2:AttachInternetGateway',
        'ec2:DetachInternetGateway',
        'ec2:DeleteRouteTable',
        'ec2:CreateRoute',
        'ec2:ReplaceRoute',
        'ec2:DeleteRoute',
        'ec2:AssociateRouteTable',
        'ec2:DisassociateRouteTable',
        'ec2:DeleteSecurityGroup',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupEgress',
        'ec2:ReleaseAddress',
        'ec2:DeleteNatGateway',
        'ec2:CreateTags',
        'ec2:DeleteTags',
      ],
      Resource: ec2Resources,
      Condition: RESOURCE_GROUP_TAG_PRESENT,
    },
    {
      Sid: 'EcsReading',
      Effect: 'Allow',
      Action: ['ecs:DescribeClusters', 'ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions', 'ecs:DescribeTasks', 'ecs:ListTasks', 'ecs:DescribeCapacityProviders'],
      Resource: '*',
    },
    {
      Sid: 'EcsCreateTagged',
      Effect: 'Allow',
      Action: ['ecs:CreateCluster', 'ecs:RegisterTaskDefinition'],
      Resource: [inAccount('ecs', 'cluster/handoff-*'), inAccount('ecs', 'task-definition/handoff-*:*')],
      Condition: REQUEST_TAG_PRESENT,
    },
    {
      Sid: 'EcsTagOnCreate',
      Effect: 'Allow',
      Action: 'ecs:TagResource',
      Resource: [inAccount('ecs', 'cluster/handoff-*'), inAccount('ecs', 'task-definition/handoff-*:*'), inAccount('ecs', 'task/*/*')],
      Condition: { StringEquals: { 'ecs:CreateAction': [...ECS_CREATE_ACTIONS] } },
    },
    {
      Sid: 'EcsChangeTagged',
      Effect: 'Allow',
      Action: ['ecs:DeleteCluster', 'ecs:UpdateCluster', 'ecs:PutClusterCapacityProviders', 'ecs:TagResource', 'ecs:UntagResource'],
      Resource: inAccount('ecs', 'cluster/handoff-*'),
      Condition: RESOURCE_GROUP_TAG_PRESENT,
    },
    {
      // Families are `handoff-<RG>-<task>`; revisions of other families are out of reach.
      Sid: 'EcsOwnTaskDefinitions',
      Effect: 'Allow',
      Action: ['ecs:DeregisterTaskDefinition', 'ecs:DeleteTaskDefinitions', 'ecs:RunTask'],
      Resource: inAccount('ecs', 'task-definition/handoff-*:*'),
    },
    {
      // Runs carry the resource group's tag (propagated from the task definition): only those can be stopped.
      Sid: 'EcsStopTaggedTasks',
      Effect: 'Allow',
      Action: 'ecs:StopTask',
      Resource: inAccount('ecs', 'task/*/*'),
      Condition: RESOURCE_GROUP_TAG_PRESENT,
    },
    {
      Sid: 'EcrLogin',
      Effect: 'Allow',
      Action: 'ecr:GetAuthorizationToken',
      Resource: '*',
    },
    {
      Sid: 'EcrRepositories',
      Effect: 'Allow',
      Action: [
        'ecr:CreateRepository',
        'ecr:DescribeRepositories',
        'ecr:DescribeImages',
        'ecr:ListImages',
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
        'ecr:TagResource',
      ],
      Resource: inAccount('ecr', 'repository/*'),
    },
    {
      Sid: 'Buckets',
      Effect: 'Allow',
      Action: [
        's3:CreateBucket',
        's3:DeleteBucket',
        's3:ListBucket',
        's3:ListBucketVersions',
        's3:GetBucketLocation',
        's3:GetBucketPolicy',
        's3:PutBucketPolicy',
        's3:DeleteBucketPolicy',
        's3:GetBucketVersioning',
        's3:PutBucketVersioning',
        's3:GetEncryptionConfiguration',
        's3:PutEncryptionConfiguration',
        's3:GetBucketPublicAccessBlock',
        's3:PutBucketPublicAccessBlock',
        's3:GetLifecycleConfiguration',
        's3:PutLifecycleConfiguration',
        's3:GetBucketTagging',
        's3:PutBucketTagging',
      ],
      Resource: bucketNames.map((b) => arnOf(`s3:::${b}`)),
    },
    {
      Sid: 'BucketObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:GetObjectVersion', 's3:DeleteObjectVersion', 's3:AbortMultipartUpload'],
      Resource: bucketNames.map((b) => arnOf(`s3:::${b}/*`)),
    },
    {
      Sid: 'Secrets',
      Effect: 'Allow',
      Action: [
        'ssm:PutParameter',
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:GetParametersByPath',
        'ssm:DeleteParameter',
        'ssm:DeleteParameters',
        'ssm:AddTagsToResource',
        'ssm:ListTagsForResource',
      ],
      Resource: [inAccount('ssm', 'parameter/handoff'), inAccount('ssm', 'parameter/handoff/*')],
    },
    {
      Sid: 'SecretsListing',
      Effect: 'Allow',
      Action: 'ssm:DescribeParameters',
      Resource: '*',
    },
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogGroup',
        'logs:DeleteLogGroup',
        'logs:PutRetentionPolicy',
        'logs:DeleteRetentionPolicy',
        'logs:PutMetricFilter',
        'logs:DeleteMetricFilter',
        'logs:DescribeMetricFilters',
        'logs:DescribeLogStreams',
        'logs:GetLogEvents',
        'logs:FilterLogEvents',
        'logs:StartLiveTail',
        'logs:TagResource',
        'logs:UntagResource',
        'logs:TagLogGroup',
        'logs:ListTagsForResource',
        'logs:ListTagsLogGroup',
      ],
      Resource: [inAccount('logs', 'log-group:/handoff/*'), inAccount('logs', 'log-group:/handoff/*:*')],
    },
    {
      Sid: 'LogsListing',
      Effect: 'Allow',
      Action: 'logs:DescribeLogGroups',
      Resource: '*',
    },
    {
      Sid: 'Runners',
      Effect: 'Allow',
      Action: [
        'states:CreateStateMachine',
        'states:UpdateStateMachine',
        'states:DeleteStateMachine',
        'states:DescribeStateMachine',
        'states:StartExecution',
        'states:StopExecution',
        'states:DescribeExecution',
        'states:ListExecutions',
        'states:TagResource',
        'states:UntagResource',
        'states:ListTagsForResource',
      ],
      Resource: [inAccount('states', 'stateMachine:handoff-*'), inAccount('states', 'execution:handoff-*:*')],
    },
    {
      Sid: 'RunnersListing',
      Effect: 'Allow',
      Action: 'states:ListStateMachines',
      Resource: '*',
    },
    {
      Sid: 'Schedules',
      Effect: 'Allow',
      Action: [
        'scheduler:CreateSchedule',
        'scheduler:UpdateSchedule',
        'scheduler:DeleteSchedule',
        'scheduler:GetSchedule',
        'scheduler:CreateScheduleGroup',
        'scheduler:DeleteScheduleGroup',
        'scheduler:GetScheduleGroup',
        'scheduler:TagResource',
        'scheduler:UntagResource',
        'scheduler:ListTagsForResource',
      ],
      Resource: [inAccount('scheduler', 'schedule/handoff-*/*'), inAccount('scheduler', 'schedule-group/handoff-*')],
    },
    {
      Sid: 'SchedulesListing',
      Effect: 'Allow',
      Action: ['scheduler:ListSchedules', 'scheduler:ListScheduleGroups'],
      Resource: '*',
    },
    {
      // Reading any role: handoff checks that roles named in deploy are tagged handoff:passable before it uses them.
      Sid: 'RolesReading',
      Effect: 'Allow',
      Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListRoleTags'],
      Resource: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'),
    },
    {
      // Whether the account has its boundary yet (a deploy makes it only when it is missing, which this role cannot).
      Sid: 'BoundaryReading',
      Effect: 'Allow',
      Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
      Resource: boundaryArn,
    },
    {
      // A role can be created, and given policies, only under /handoff/ and only with the boundary on it: whatever
      // policy is put on it, it can never do more than the boundary allows.
      Sid: 'BoundedRolesOnly',
      Effect: 'Allow',
      Action: ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary'],
      Resource: handoffRoles,
      Condition: { StringEquals: { 'iam:PermissionsBoundary': boundaryArn } },
    },
    {
      // The one managed policy handoff attaches (to the execution role), and only to a bounded role.
      Sid: 'AttachExecutionPolicyToBoundedRoles',
      Effect: 'Allow',
      Action: 'iam:AttachRolePolicy',
      Resource: handoffRoles,
      Condition: {
        StringEquals: { 'iam:PermissionsBoundary': boundaryArn },
        ArnEquals: { 'iam:PolicyARN': sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy') },
      },
    },
    {
      Sid: 'ChangeHandoffRoles',
      Effect: 'Allow',
      Action: ['iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole'],
      Resource: handoffRoles,
    },
    {
      Sid: 'PassHandoffRoles',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: handoffRoles,
      Condition: { StringEquals: { 'iam:PassedToService': DEPLOY_PASSED_TO_SERVICES } },
    },
    {
      // Roles of your own (deploy.execution_role_arn, task_role_arn, platform_config.role_arn) once an admin tagged them.
      Sid: 'PassTaggedRoles',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'),
      Condition: { StringEquals: { 'iam:PassedToService': DEPLOY_PASSED_TO_SERVICES, [`aws:ResourceTag/${PASSABLE_ROLE_TAG}`]: 'true' } },
    },
    {
      // ECS needs its service-linked role the first time a cluster is created in an account.
      Sid: 'EcsServiceLinkedRole',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:AWSServiceName': 'ecs.amazonaws.com' } },
    },
    {
      Sid: 'AlarmTopics',
      Effect: 'Allow',
      Action: [
        'sns:CreateTopic',
        'sns:DeleteTopic',
        'sns:GetTopicAttributes',
        'sns:SetTopicAttributes',
        'sns:Subscribe',
        'sns:Unsubscribe',
        'sns:GetSubscriptionAttributes',
        'sns:ListSubscriptionsByTopic',
        'sns:TagResource',
        'sns:UntagResource',
      ],
      Resource: inAccount('sns', 'handoff-*'),
    },
    {
      Sid: 'Alarms',
      Effect: 'Allow',
      Action: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
      Resource: inAccount('cloudwatch', 'alarm:handoff-*'),
    },
    {
      // The rule that publishes failed runs' task stops to the alarm topic.
      Sid: 'TaskStopRules',
      Effect: 'Allow',
      Action: ['events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:PutTargets', 'events:RemoveTargets', 'events:ListTargetsByRule', 'events:TagResource', 'events:UntagResource'],
      Resource: inAccount('events', 'rule/handoff-*'),
    },
    {
      Sid: 'MetricsReading',
      Effect: 'Allow',
      Action: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'],
      Resource: '*',
    },
    {
      // Belt and braces: even a later Allow elsewhere cannot let this role loosen the boundary or wear a handoff role.
      Sid: 'NeverEscalate',
      Effect: 'Deny',
      Action: [
        'iam:DeleteRolePermissionsBoundary',
        'iam:CreatePolicyVersion',
        'iam:DeletePolicy',
        'iam:DeletePolicyVersion',
        'iam:SetDefaultPolicyVersion',
        'iam:CreateUser',
        'iam:CreateAccessKey',
        'iam:AttachUserPolicy',
        'iam:PutUserPolicy',
      ],
      Resource: '*',
    },
    {
      Sid: 'NeverWearHandoffRoles',
      Effect: 'Deny',
      Action: 'sts:AssumeRole',
      Resource: handoffRoles,
    },
  ];
}

/** IAM's limit for one managed policy document, counted without whitespace (IAM quotas). */
export const MANAGED_POLICY_MAX_CHARACTERS = 6144;

/** The size IAM counts for a policy: no whitespace, with the partition and account as the longest real values. */
export function measurePolicySize(document: unknown): number {
  return JSON.stringify(document)
    .replace(/\{"Fn::Sub":("[^"]*")\}/g, '$1')
    .replaceAll('${AWS::Partition}', 'aws-us-gov')
    .replaceAll('${AWS::AccountId}', '210987654321').length;
}

/**
 * The deploy role's statements in as few documents as fit IAM's managed policy size, in order: together they are
 * more than a role's inline policies may hold (10,240 characters), so they are managed policies attached to the role.
 */
export function splitDeployPolicies(statements: PolicyStatement[]): PolicyStatement[][] {
  const documents: PolicyStatement[][] = [[]];
  for (const statement of statements) {
    const current = documents[documents.length - 1]!;
    if (current.length > 0 && measurePolicySize(createPolicyDocument([...current, statement])) > MANAGED_POLICY_MAX_CHARACTERS) documents.push([statement]);
    else current.push(statement);
  }
  return documents;
}

export interface ManagedPolicyProps {
  ManagedPolicyName: string;
  Path: string;
  Description: string;
  PolicyDocument: PolicyDocument;
  Roles: Value[];
}

/**
 * The deploy role: another account (`principalAccountId`) may assume it, optionally only with `externalId`, to run
 * handoff's cloud commands in this account. It lives outside `/handoff/`, so it cannot rewrite its own policies; they
 * are managed policies of its stack (see splitDeployPolicies), attached to it by name.
 */
export function createDeployRole(input: { roleName: string; principalAccountId: string; externalId?: string; buckets?: string[]; tags?: Tag[] }): {
  role: RoleResource;
  policies: Resource<'AWS::IAM::ManagedPolicy', ManagedPolicyProps>[];
} {
  const trust: PolicyStatement = {
    Effect: 'Allow',
    Principal: { AWS: sub(`arn:\${AWS::Partition}:iam::${input.principalAccountId}:root`) },
    Action: 'sts:AssumeRole',
  };
  if (input.externalId !== undefined) trust.Condition = { StringEquals: { 'sts:ExternalId': input.externalId } };
  const documents = splitDeployPolicies(createDeployStatements({ buckets: input.buckets }));
  return {
    role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: input.roleName,
        Path: '/',
        Description: `handoff deploy role for account ${input.principalAccountId}`,
        AssumeRolePolicyDocument: createPolicyDocument([trust]),
        // IAM roles are global: the tag says which region's stack manages this one.
        Tags: [{ Key: STACK_REGION_TAG, Value: ref('AWS::Region') }, ...(input.tags ?? [])],
      },
    },
    policies: documents.map((statements, i) => ({
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        ManagedPolicyName: `${input.roleName}-${i + 1}`,
        Path: '/',
        Description: `handoff deploy role for account ${input.principalAccountId}, part ${i + 1} of ${documents.length}`,
        PolicyDocument: createPolicyDocument(statements),
        Roles: [ref('DeployRole')],
      },
    })),
  };
}
