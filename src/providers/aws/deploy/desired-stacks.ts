// The stacks a project should have: each template built (and every deploy value checked) before anything is sent to AWS.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';
import { createDeployRoleName, type DeployNames } from '../names.js';
import { createBucketStack } from '../stacks/bucket-stack.js';
import { createResourcesStack } from '../stacks/resources-stack.js';
import { createRoleStack } from '../stacks/role-stack.js';
import { createTaskStack } from '../stacks/task-stack.js';
import type { DesiredStack } from './plan-deploy.js';

/** The deploy role's inputs: which account may assume it and with which external id. */
export interface RoleInput {
  principalAccountId: string;
  externalId?: string;
  /** `deploy.bucket` names outside the default `handoff-*` pattern. */
  buckets?: string[];
}

export function createBucketDesired(names: DeployNames): DesiredStack {
  return {
    kind: 'bucket',
    name: names.bucketStack,
    template: createBucketStack(names),
    capabilities: [],
    tags: { 'handoff:resource-group': names.resourceGroup },
    bucket: names.bucket,
  };
}

export function createResourcesDesired(names: DeployNames, deploy: Deploy): DesiredStack {
  return {
    kind: 'resources',
    name: names.resourcesStack,
    template: createResourcesStack(names, deploy),
    capabilities: ['CAPABILITY_NAMED_IAM'],
    tags: { 'handoff:resource-group': names.resourceGroup },
  };
}

/** The task stack; `taskPolicy` is `deploy.task_policy` already read (see readTaskPolicy). */
export function createTaskDesired(names: DeployNames, deploy: Deploy, input: { imageUri: string; taskPolicy?: unknown }): DesiredStack {
  return {
    kind: 'task',
    name: names.taskStack,
    template: createTaskStack(names, deploy, { imageUri: input.imageUri, ...(input.taskPolicy !== undefined ? { taskPolicy: input.taskPolicy } : {}) }),
    capabilities: ['CAPABILITY_NAMED_IAM'],
    tags: { 'handoff:resource-group': names.resourceGroup, 'handoff:task': names.task },
  };
}

export function createRoleDesired(input: RoleInput): DesiredStack {
  const name = createDeployRoleName(input.principalAccountId);
  return {
    kind: 'role',
    name,
    template: createRoleStack(input.principalAccountId, { externalId: input.externalId, buckets: input.buckets }),
    capabilities: ['CAPABILITY_NAMED_IAM'],
    tags: { 'handoff:deploy-role': input.principalAccountId },
  };
}

/** Reads and parses `deploy.task_policy` (relative to the project folder); undefined when it is not set. */
export async function readTaskPolicy(projectDir: string, deploy: Deploy): Promise<unknown> {
  if (!deploy.task_policy) return undefined;
  const file = path.resolve(projectDir, deploy.task_policy);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`deploy.task_policy names ${deploy.task_policy}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      fix: 'point deploy.task_policy at a JSON policy file, relative to the project folder',
      diagnostics: [{ severity: 'error', message: `${file} cannot be read`, path: 'deploy.task_policy' }],
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UserError(`deploy.task_policy ${deploy.task_policy} is not valid JSON: ${(error as Error).message}`, {
      fix: 'write the policy as a JSON IAM policy document',
      diagnostics: [{ severity: 'error', message: 'not valid JSON', path: 'deploy.task_policy' }],
    });
  }
}
