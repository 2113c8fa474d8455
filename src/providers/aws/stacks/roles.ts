// IAM roles a resource group's tasks run with: ECS execution, Step Functions runner, EventBridge Scheduler and the per-task role.
import type { DeployNames } from '../names.js';
import {
  createPolicyDocument,
  createServiceTrustPolicy,
  type InlinePolicy,
  type PolicyDocument,
  type PolicyStatement,
} from './policy-document.js';
import { arnOf, sub, type Resource, type Tag, type Value } from './template.js';

export interface RoleProps {
  RoleName: string;
  Path: string;
  Description: string;
  AssumeRolePolicyDocument: PolicyDocument;
  /** Every role handoff makes carries the account's handoff boundary, so no policy put on it can exceed that. */
  PermissionsBoundary?: Value;
  ManagedPolicyArns?: Value[];
  Policies?: InlinePolicy[];
  Tags?: Tag[];
}

export type RoleResource = Resource<'AWS::IAM::Role', RoleProps>;

export interface PolicyProps {
  PolicyName: string;
  PolicyDocument: PolicyDocument;
  Roles: Value[];
}

/** The services handoff's roles hand roles to: ECS for tasks, Step Functions and Scheduler for runs. */
export const ECS_TASKS_SERVICE = 'ecs-tasks.amazonaws.com';

/** A tag that marks a role of your own as one handoff may pass to ECS (deploy.execution_role_arn, deploy.task_role_arn). */
export const PASSABLE_ROLE_TAG = 'handoff:passable';

function createRole(names: DeployNames, props: Omit<RoleProps, 'PermissionsBoundary' | 'Path'>): RoleResource {
  return { Type: 'AWS::IAM::Role', Properties: { ...props, Path: names.rolePath, PermissionsBoundary: names.permissionsBoundaryArn } };
}

/** ARN pattern of every role of this resource group; the path ends at `<RG>/`, so `dev-etl` never matches `dev-etl2`. */
function resourceGroupRolesArn(names: DeployNames): Value {
  return sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role${names.rolePath}*`);
}

/** Task definition families of this resource group: `handoff-<RG>-<task>`, any revision. */
function taskDefinitionsArn(names: DeployNames): Value {
  return sub(`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task-definition/${names.prefix}-*`);
}

/**
 * Starting this group's task definitions on its cluster, tagging the task as it starts (RunTask with propagated tags
 * needs ecs:TagResource), and passing the group's roles (plus `passRoles`, existing roles from `deploy`) to ECS.
 */
function createRunTaskStatements(names: DeployNames, clusterArn: Value, passRoles: string[]): PolicyStatement[] {
  return [
    {
      Sid: 'RunTaskDefinitionsOnOwnCluster',
      Effect: 'Allow',
      Action: 'ecs:RunTask',
      Resource: taskDefinitionsArn(names),
      Condition: { ArnEquals: { 'ecs:cluster': clusterArn } },
    },
    {
      Sid: 'TagTasksAsTheyStart',
      Effect: 'Allow',
      Action: 'ecs:TagResource',
      Resource: sub(`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task/${names.cluster}/*`),
      Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
    },
    {
      Sid: 'PassOwnRolesToEcs',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: passRoles.length > 0 ? [resourceGroupRolesArn(names), ...passRoles] : resourceGroupRolesArn(names),
      Condition: { StringEquals: { 'iam:PassedToService': ECS_TASKS_SERVICE } },
    },
  ];
}

/** Lets ECS pull the image from ECR and write the container's logs (AWS's managed policy for exactly that). */
export function createExecutionRole(names: DeployNames, tags: Tag[]): RoleResource {
  return createRole(names, {
    RoleName: names.executionRole,
    Description: `handoff ${names.resourceGroup}: lets ECS pull task images and write their logs`,
    AssumeRolePolicyDocument: createServiceTrustPolicy(ECS_TASKS_SERVICE),
    ManagedPolicyArns: [arnOf('iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy')],
    Tags: tags,
  });
}

/**
 * The Step Functions runner's role: run task definitions on this resource group's cluster only, stop and watch them,
 * pass this group's roles to ECS, and manage the EventBridge rule that `ecs:runTask.sync` uses to learn that a task stopped.
 */
export function createRunnerRole(names: DeployNames, input: { clusterArn: Value; passRoles: string[]; tags: Tag[] }): RoleResource {
  const statements: PolicyStatement[] = [
    ...createRunTaskStatements(names, input.clusterArn, input.passRoles),
    {
      Sid: 'WatchAndStopOwnTasks',
      Effect: 'Allow',
      Action: ['ecs:StopTask', 'ecs:DescribeTasks'],
      Resource: sub(`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:task/${names.cluster}/*`),
    },
    {
      // Step Functions creates and reads this managed rule itself for every `.sync` ECS integration.
      Sid: 'ManageRunTaskSyncRule',
      Effect: 'Allow',
      Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      Resource: sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/StepFunctionsGetEventsForECSTaskRule'),
    },
  ];
  return createRole(names, {
    RoleName: names.runnerRole,
    Description: `handoff ${names.resourceGroup}: lets Step Functions run this resource group's Fargate tasks`,
    AssumeRolePolicyDocument: createServiceTrustPolicy('states.amazonaws.com'),
    Policies: [{ PolicyName: 'run-fargate-tasks', PolicyDocument: createPolicyDocument(statements) }],
    Tags: input.tags,
  });
}

/**
 * Lets EventBridge Scheduler start this resource group's runs: its state machines, or, for tasks deployed with
 * `platform_config.state_machine: false`, its Fargate task definitions directly.
 */
export function createSchedulerRole(names: DeployNames, input: { clusterArn: Value; passRoles: string[]; tags: Tag[] }): RoleResource {
  return createRole(names, {
    RoleName: names.schedulerRole,
    Description: `handoff ${names.resourceGroup}: lets EventBridge Scheduler start this resource group's runs`,
    AssumeRolePolicyDocument: createServiceTrustPolicy('scheduler.amazonaws.com'),
    Policies: [
      {
        PolicyName: 'start-runs',
        PolicyDocument: createPolicyDocument([
          {
            Sid: 'StartOwnStateMachines',
            Effect: 'Allow',
            Action: 'states:StartExecution',
            // Runner names are `handoff-<RG>-<task>`. The pattern also matches a group named `<RG>-<more>`; that is
            // accepted here because this role can only start handoff runners, never change or read anything.
            Resource: sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${names.prefix}-*`),
          },
          ...createRunTaskStatements(names, input.clusterArn, input.passRoles),
        ]),
      },
    ],
    Tags: input.tags,
  });
}

/**
 * The statements of the task role's own policy; exported so tests and `cloud plan` can show exactly what a task may
 * touch. It reads its own prefix (project.yml, files/, last artifacts) but writes only artifacts/ and runs/: a run
 * must never change the project.yml or files/ that the next run fetches and executes.
 */
export function createTaskAccessStatements(names: DeployNames): PolicyStatement[] {
  const ssmArn = (name: string): Value => sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`);
  const objects = (prefix: string): Value => arnOf(`s3:::${names.bucket}/${prefix}*`);
  const artifactsPrefix = `${names.s3.taskPrefix}artifacts/`;
  return [
    {
      Sid: 'ListOwnPrefix',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: arnOf(`s3:::${names.bucket}`),
      Condition: { StringLike: { 's3:prefix': [`${names.s3.taskPrefix}*`] } },
    },
    {
      Sid: 'ReadOwnPrefix',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: objects(names.s3.taskPrefix),
    },
    {
      Sid: 'WriteOwnArtifactsAndRuns',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: [objects(artifactsPrefix), objects(names.s3.runsPrefix)],
    },
    {
      // The record of a user's `cloud job stop`, read once by the stopped run (src/providers/store/user-stops.ts).
      Sid: 'DeleteOwnStopRecords',
      Effect: 'Allow',
      Action: 's3:DeleteObject',
      Resource: objects(`${names.s3.taskPrefix}stops/`),
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
export function createTaskRole(names: DeployNames, input: { taskPolicy?: Record<string, unknown>; tags: Tag[] }): RoleResource {
  const policies: InlinePolicy[] = [{ PolicyName: 'handoff-task-access', PolicyDocument: createPolicyDocument(createTaskAccessStatements(names)) }];
  if (input.taskPolicy !== undefined) policies.push({ PolicyName: 'project-task-policy', PolicyDocument: input.taskPolicy });
  return createRole(names, {
    RoleName: names.taskRole,
    Description: `handoff ${names.resourceGroup}/${names.task}: what the pipeline container may access`,
    AssumeRolePolicyDocument: createServiceTrustPolicy(ECS_TASKS_SERVICE),
    Policies: policies,
    Tags: input.tags,
  });
}

/**
 * With `deploy.task_role_arn`, the resource group's runner and scheduler roles must pass that role to ECS: a policy of
 * the task's own, on those roles, so it goes with the task stack.
 */
export function createPassTaskRolePolicy(names: DeployNames, taskRoleArn: string): Resource<'AWS::IAM::Policy', PolicyProps> {
  return {
    Type: 'AWS::IAM::Policy',
    Properties: {
      PolicyName: `pass-task-role-${names.task}`,
      PolicyDocument: createPolicyDocument([
        { Sid: 'PassTaskRoleToEcs', Effect: 'Allow', Action: 'iam:PassRole', Resource: taskRoleArn, Condition: { StringEquals: { 'iam:PassedToService': ECS_TASKS_SERVICE } } },
      ]),
      Roles: [names.runnerRole, names.schedulerRole],
    },
  };
}
