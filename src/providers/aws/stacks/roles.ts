// IAM roles: ECS execution, Step Functions runner, EventBridge Scheduler, the per-task role, and the cross-account deploy role.
import type { DeployNames } from '../names.js';
import {
  createPolicyDocument,
  createServiceTrustPolicy,
  type InlinePolicy,
  type PolicyDocument,
  type PolicyStatement,
} from './policy-document.js';
import { arnOf, sub, type Resource, type Value } from './template.js';

export interface RoleProps {
  RoleName: string;
  Path: string;
  Description: string;
  AssumeRolePolicyDocument: PolicyDocument;
  ManagedPolicyArns?: Value[];
  Policies?: InlinePolicy[];
}

export type RoleResource = Resource<'AWS::IAM::Role', RoleProps>;

function createRole(props: RoleProps): RoleResource {
  return { Type: 'AWS::IAM::Role', Properties: props };
}

/** ARN pattern of every role of this resource group; the path ends at `<RG>/`, so `dev-etl` never matches `dev-etl2`. */
function resourceGroupRolesArn(names: DeployNames): Value {
  return sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role${names.rolePath}*`);
}

/** Lets ECS pull the image from ECR and write the container's logs (AWS's managed policy for exactly that). */
export function createExecutionRole(names: DeployNames): RoleResource {
  return createRole({
    RoleName: names.executionRole,
    Path: names.rolePath,
    Description: `handoff ${names.resourceGroup}: lets ECS pull task images and write their logs`,
    AssumeRolePolicyDocument: createServiceTrustPolicy('ecs-tasks.amazonaws.com'),
    ManagedPolicyArns: [arnOf('iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy')],
  });
}

/**
 * The Step Functions runner's role: run task definitions on this resource group's cluster only, stop and watch them,
 * pass this group's roles to ECS, and manage the EventBridge rule that `ecs:runTask.sync` uses to learn that a task stopped.
 */
export function createRunnerRole(names: DeployNames, clusterArn: Value): RoleResource {
  const statements: PolicyStatement[] = [
    {
      Sid: 'RunTaskDefinitionsOnOwnCluster',
      Effect: 'Allow',
      Action: 'ecs:RunTask',
      Resource: sub(`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task-definition/${names.cluster}-*`),
      Condition: { ArnEquals: { 'ecs:cluster': clusterArn } },
    },
    {
      Sid: 'WatchAndStopOwnTasks',
      Effect: 'Allow',
      Action: ['ecs:StopTask', 'ecs:DescribeTasks'],
      Resource: sub(`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task/${names.cluster}/*`),
    },
    {
      Sid: 'PassOwnRolesToEcs',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: resourceGroupRolesArn(names),
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
    {
      // Step Functions creates and reads this managed rule itself for every `.sync` ECS integration.
      Sid: 'ManageRunTaskSyncRule',
      Effect: 'Allow',
      Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      Resource: sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/StepFunctionsGetEventsForECSTaskRule'),
    },
  ];
  return createRole({
    RoleName: names.runnerRole,
    Path: names.rolePath,
    Description: `handoff ${names.resourceGroup}: lets Step Functions run this resource group's Fargate tasks`,
    AssumeRolePolicyDocument: createServiceTrustPolicy('states.amazonaws.com'),
    Policies: [{ PolicyName: 'run-fargate-tasks', PolicyDocument: createPolicyDocument(statements) }],
  });
}

/** Lets EventBridge Scheduler start this resource group's state machines, and nothing else. */
export function createSchedulerRole(names: DeployNames): RoleResource {
  return createRole({
    RoleName: names.schedulerRole,
    Path: names.rolePath,
    Description: `handoff ${names.resourceGroup}: lets EventBridge Scheduler start this resource group's runners`,
    AssumeRolePolicyDocument: createServiceTrustPolicy('scheduler.amazonaws.com'),
    Policies: [
      {
        PolicyName: 'start-runners',
        PolicyDocument: createPolicyDocument([
          {
            Sid: 'StartOwnStateMachines',
            Effect: 'Allow',
            Action: 'states:StartExecution',
            // Runner names are `handoff-<RG>-<task>`. The pattern also matches a group named `<RG>-<more>`; that is
            // accepted here because this role can only start handoff runners, never change or read anything.
            Resource: sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${names.cluster}-*`),
          },
        ]),
      },
    ],
  });
}

/** The statements of the task role's own policy; exported so tests and `cloud plan` can show exactly what a task may touch. */
export function createTaskAccessStatements(names: DeployNames): PolicyStatement[] {
  const ssmArn = (name: string): Value => sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`);
  return [
    {
      Sid: 'ListOwnPrefix',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: arnOf(`s3:::${names.bucket}`),
      Condition: { StringLike: { 's3:prefix': [`${names.s3.taskPrefix}*`] } },
    },
    {
      Sid: 'ReadWriteOwnPrefix',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: arnOf(`s3:::${names.bucket}/${names.s3.taskPrefix}*`),
    },
    {
      Sid: 'ReadOwnSecrets',
      Effect: 'Allow',
      Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      Resource: [ssmArn(names.ssmTaskPath), ssmArn(`${names.ssmTaskPath}/*`)],
    },
    {
      // Resource-group secrets `/handoff/<RG>/<key>` are read with one non-recursive GetParametersByPath on the group's
      // path: SSM authorizes that call against the path, and non-recursive returns only the group level. A
      // `/handoff/<RG>/*` grant would also match `/handoff/<RG>/<other task>/<key>`, i.e. other tasks' secrets.
      Sid: 'ReadResourceGroupSecrets',
      Effect: 'Allow',
      Action: 'ssm:GetParametersByPath',
      Resource: ssmArn(names.ssmResourceGroupPath),
      Condition: { StringEquals: { 'ssm:Recursive': 'false' } },
    },
  ];
}

/**
 * The role the pipeline's container runs as: its own bucket prefix and its own secrets only, plus the project's
 * `deploy.task_policy` (already parsed) for whatever else the pipeline reads or writes.
 */
export function createTaskRole(names: DeployNames, taskPolicy?: Record<string, unknown>): RoleResource {
  const policies: InlinePolicy[] = [{ PolicyName: 'handoff-task-access', PolicyDocument: createPolicyDocument(createTaskAccessStatements(names)) }];
  if (taskPolicy !== undefined) policies.push({ PolicyName: 'project-task-policy', PolicyDocument: taskPolicy });
  return createRole({
    RoleName: names.taskRole,
    Path: names.rolePath,
    Description: `handoff ${names.resourceGroup}/${names.task}: what the pipeline container may access`,
    AssumeRolePolicyDocument: createServiceTrustPolicy('ecs-tasks.amazonaws.com'),
    Policies: policies,
  });
}

/**
 * The statements of the deploy role: what the handoff CLI needs for `cloud …` commands, limited to handoff's names
 * where the service supports resource-level permissions (the rest are read-only or creation calls that take `*`).
 */
export function createDeployStatements(options: { buckets?: string[] } = {}): PolicyStatement[] {
  const inAccount = (service: string, resource: string): Value => sub(`arn:\${AWS::Partition}:${service}:*:\${AWS::AccountId}:${resource}`);
  const bucketNames = ['handoff-*', ...(options.buckets ?? [])];
  return [
    {
      Sid: 'CloudFormationStacks',
      Effect: 'Allow',
      Action: [
        'cloudformation:CreateStack',
        'cloudformation:UpdateStack',
        'cloudformation:DeleteStack',
        'cloudformation:DescribeStacks',
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
      Sid: 'CloudFormationAccountLevel',
      Effect: 'Allow',
      Action: ['cloudformation:ValidateTemplate', 'cloudformation:ListStacks', 'cloudformation:ListExports', 'cloudformation:GetTemplateSummary'],
      Resource: '*',
    },
    {
      // EC2 networking calls mostly do not support resource-level permissions on create; they are limited by what
      // the resources stack asks for.
      Sid: 'Network',
      Effect: 'Allow',
      Action: [
        'ec2:CreateVpc',
        'ec2:DeleteVpc',
        'ec2:ModifyVpcAttribute',
        'ec2:DescribeVpcs',
        'ec2:DescribeVpcAttribute',
        'ec2:CreateSubnet',
        'ec2:DeleteSubnet',
        'ec2:ModifySubnetAttribute',
        'ec2:DescribeSubnets',
        'ec2:CreateInternetGateway',
        'ec2:DeleteInternetGateway',
        'ec2:AttachInternetGateway',
        'ec2:DetachInternetGateway',
        'ec2:DescribeInternetGateways',
        'ec2:CreateRouteTable',
        'ec2:DeleteRouteTable',
        'ec2:CreateRoute',
        'ec2:DeleteRoute',
        'ec2:AssociateRouteTable',
        'ec2:DisassociateRouteTable',
        'ec2:DescribeRouteTables',
        'ec2:CreateSecurityGroup',
        'ec2:DeleteSecurityGroup',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupEgress',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeAccountAttributes',
        'ec2:DescribeNetworkInterfaces',
        'ec2:CreateTags',
        'ec2:DeleteTags',
      ],
      Resource: '*',
    },
    {
      Sid: 'Ecs',
      Effect: 'Allow',
      Action: [
        'ecs:CreateCluster',
        'ecs:DeleteCluster',
        'ecs:DescribeClusters',
        'ecs:RegisterTaskDefinition',
        'ecs:DeregisterTaskDefinition',
        'ecs:DeleteTaskDefinitions',
        'ecs:DescribeTaskDefinition',
        'ecs:ListTaskDefinitions',
        'ecs:RunTask',
        'ecs:StopTask',
        'ecs:DescribeTasks',
        'ecs:ListTasks',
        'ecs:TagResource',
        'ecs:UntagResource',
      ],
      Resource: '*',
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
        'logs:ListTagsForResource',
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
      // Roles live under the `/handoff/` path; this deploy role itself does not, so it cannot rewrite its own policy.
      Sid: 'HandoffRoles',
      Effect: 'Allow',
      Action: [
        'iam:CreateRole',
        'iam:DeleteRole',
        'iam:GetRole',
        'iam:UpdateRole',
        'iam:UpdateAssumeRolePolicy',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:PutRolePolicy',
        'iam:GetRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:ListRolePolicies',
        'iam:AttachRolePolicy',
        'iam:DetachRolePolicy',
        'iam:ListAttachedRolePolicies',
        'iam:PassRole',
      ],
      Resource: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/handoff/*'),
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
      Sid: 'MetricsReading',
      Effect: 'Allow',
      Action: ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'],
      Resource: '*',
    },
  ];
}

/**
 * The deploy role (`cloud role create`): another account (`principalAccountId`) may assume it, optionally only with
 * `externalId`, to run handoff's cloud commands in this account.
 */
export function createDeployRole(input: { roleName: string; principalAccountId: string; externalId?: string; buckets?: string[] }): RoleResource {
  const trust: PolicyStatement = {
    Effect: 'Allow',
    Principal: { AWS: sub(`arn:\${AWS::Partition}:iam::${input.principalAccountId}:root`) },
    Action: 'sts:AssumeRole',
  };
  if (input.externalId !== undefined) trust.Condition = { StringEquals: { 'sts:ExternalId': input.externalId } };
  return createRole({
    RoleName: input.roleName,
    Path: '/',
    Description: `handoff deploy role for account ${input.principalAccountId}`,
    AssumeRolePolicyDocument: createPolicyDocument([trust]),
    Policies: [{ PolicyName: 'handoff-deploy', PolicyDocument: createPolicyDocument(createDeployStatements({ buckets: input.buckets })) }],
  });
}
