// The stacks a project should have: each template built (and every deploy value checked) before anything is sent to AWS.
import type { Deploy } from '../../../project/types.js';
import { createDeployRoleName, PERMISSIONS_BOUNDARY_NAME, type DeployNames } from '../names.js';
import { createBucketStack } from '../stacks/bucket-stack.js';
import { createPermissionsBoundaryStack } from '../stacks/permissions-boundary.js';
import { createResourcesStack } from '../stacks/resources-stack.js';
import { createRoleStack } from '../stacks/role-stack.js';
import { createTagMap, toTagList, validateUserTags } from '../stacks/tags.js';
import { createTaskStack, type TaskStackInput } from '../stacks/task-stack.js';
import type { DesiredStack } from './plan-deploy.js';

/** The deploy role's inputs: which account may assume it and with which external id. */
export interface RoleInput {
  principalAccountId: string;
  externalId?: string;
  /** `deploy.bucket` names outside the default `handoff-*` pattern. */
  buckets?: string[];
  /** `deploy.tags`, put on the role and its stack. */
  tags?: Record<string, string>;
}

/** The resource group's stacks (bucket, resources) are shared by its tasks: handoff's own tags only, not a task's deploy.tags. */
export function createBucketDesired(names: DeployNames): DesiredStack {
  return {
    kind: 'bucket',
    name: names.bucketStack,
    template: createBucketStack(names),
    capabilities: [],
    tags: createTagMap(names, {}, 'resource-group'),
    bucket: names.bucket,
  };
}

export function createResourcesDesired(names: DeployNames, deploy: Deploy): DesiredStack {
  return {
    kind: 'resources',
    name: names.resourcesStack,
    template: createResourcesStack(names, deploy),
    capabilities: ['CAPABILITY_NAMED_IAM'],
    tags: createTagMap(names, {}, 'resource-group'),
  };
}

/** The task stack; the files `deploy` names (task_policy, task_definition) are read beforehand (readTaskFiles). */
export function createTaskDesired(names: DeployNames, deploy: Deploy, input: TaskStackInput): DesiredStack {
  return {
    kind: 'task',
    name: names.taskStack,
    template: createTaskStack(names, deploy, input),
    capabilities: ['CAPABILITY_NAMED_IAM'],
    tags: createTagMap(names, validateUserTags(deploy.tags), 'task'),
  };
}

export function createRoleDesired(input: RoleInput): DesiredStack {
  const name = createDeployRoleName(input.principalAccountId);
  const userTags = validateUserTags(input.tags);
  return {
    kind: 'role',
    name,
    template: createRoleStack(input.principalAccountId, { externalId: input.externalId, buckets: input.buckets, tags: toTagList(userTags) }),
    capabilities: ['CAPABILITY_NAMED_IAM'],
    tags: { 'handoff:deploy-role': input.principalAccountId, ...userTags },
  };
}

/** The account's permissions boundary: one stack per account (IAM names are global), made where it is first needed. */
export function createBoundaryDesired(): DesiredStack {
  return {
    kind: 'boundary',
    name: PERMISSIONS_BOUNDARY_NAME,
    template: createPermissionsBoundaryStack(),
    capabilities: ['CAPABILITY_NAMED_IAM'],
    tags: { 'handoff:permissions-boundary': 'true' },
  };
}
