// The permissions boundary on every role handoff makes, and its stack: the ceiling no policy put on those roles can pass.
import { PERMISSIONS_BOUNDARY_NAME, PERMISSIONS_BOUNDARY_PATH } from '../names.js';
import { createPolicyDocument, type PolicyDocument } from './policy-document.js';
import { ECS_TASKS_SERVICE, PASSABLE_ROLE_TAG } from './roles.js';
import { createTemplate, ref, sub, type Resource, type Template } from './template.js';

export interface ManagedPolicyProps {
  ManagedPolicyName: string;
  Path: string;
  Description: string;
  PolicyDocument: PolicyDocument;
}

/**
 * What handoff's roles may ever do, whatever policy is put on them: the data-plane services pipelines use and what
 * ECS, Step Functions and Scheduler need to run tasks. No IAM action but passing handoff's own roles (or roles tagged
 * `handoff:passable`) to ECS, and no assuming roles of this account, so a role under it can never act as an admin,
 * even if the deploy role rewrote its inline policies.
 */
export function createPermissionsBoundaryDocument(): PolicyDocument {
  return createPolicyDocument([
    {
      Sid: 'DataPipelineServices',
      Effect: 'Allow',
      Action: [
        's3:*',
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:GetParametersByPath',
        'secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret',
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:DescribeKey',
        'dynamodb:*',
        'athena:*',
        'glue:Get*',
        'glue:BatchGet*',
        'glue:CreatePartition',
        'glue:BatchCreatePartition',
        'glue:UpdatePartition',
        'glue:UpdateTable',
        'redshift-data:*',
        'redshift:GetClusterCredentials',
        'rds-db:connect',
        'sqs:*',
        'sns:Publish',
        'kinesis:*',
        'firehose:*',
        'cloudwatch:PutMetricData',
        'execute-api:Invoke',
      ],
      Resource: '*',
    },
    {
      Sid: 'RunContainers',
      Effect: 'Allow',
      Action: [
        'ecr:GetAuthorizationToken',
        'ecr:BatchCheckLayerAvailability',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchGetImage',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'ecs:RunTask',
        'ecs:StopTask',
        'ecs:DescribeTasks',
        'ecs:TagResource',
        'states:StartExecution',
        'events:PutTargets',
        'events:PutRule',
        'events:DescribeRule',
      ],
      Resource: '*',
    },
    {
      Sid: 'PassHandoffRolesToEcs',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role${PERMISSIONS_BOUNDARY_PATH}*`),
      Condition: { StringEquals: { 'iam:PassedToService': ECS_TASKS_SERVICE } },
    },
    {
      Sid: 'PassTaggedRolesToEcs',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'),
      Condition: { StringEquals: { 'iam:PassedToService': ECS_TASKS_SERVICE, [`aws:ResourceTag/${PASSABLE_ROLE_TAG}`]: 'true' } },
    },
    {
      // Pipelines often read another account's data through a role there; this account's roles stay out of reach.
      Sid: 'AssumeRolesOfOtherAccounts',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:ResourceAccount': ref('AWS::AccountId') } },
    },
  ]);
}

/** The managed policy as a resource; its name is fixed per account, so the stack exists once per account. */
export function createPermissionsBoundaryPolicy(): Resource<'AWS::IAM::ManagedPolicy', ManagedPolicyProps> {
  return {
    Type: 'AWS::IAM::ManagedPolicy',
    Properties: {
      ManagedPolicyName: PERMISSIONS_BOUNDARY_NAME,
      Path: PERMISSIONS_BOUNDARY_PATH,
      Description: 'handoff: the most any role handoff makes may do (its permissions boundary)',
      PolicyDocument: createPermissionsBoundaryDocument(),
    },
  };
}

/** The `handoff-permissions-boundary` stack: made by `cloud role create` or by the first deploy of an administrator. */
export function createPermissionsBoundaryStack(): Template {
  return createTemplate({
    description: 'handoff permissions boundary: the ceiling of every role handoff makes in this account',
    resources: { Boundary: createPermissionsBoundaryPolicy() },
    outputs: { BoundaryArn: { Description: 'ARN of the boundary policy', Value: ref('Boundary') } },
  });
}
