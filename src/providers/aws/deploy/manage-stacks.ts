// One stack at a time (`cloud resources|task|role create|update|delete|status`): planned like a deploy, applied with change sets.
import { UserError } from '../../../errors.js';
import type { AwsProvider } from '../aws-provider.js';
import type { StackKind } from './plan-deploy.js';
import { planDeploy, type DesiredStack } from './plan-deploy.js';
import { applyStackStep, deleteStackStep, readDeployedStacks, type ApplyOptions, type StackChange } from './apply-deploy.js';

/**
 * `create` makes the stack or, when it exists, brings it up to date (so running it twice is harmless); `update`
 * refuses a stack that does not exist, so a typo in a resource group never creates a new one by accident.
 */
export async function upsertStack(provider: AwsProvider, desired: DesiredStack, mode: 'create' | 'update', options: ApplyOptions = {}): Promise<StackChange> {
  const plan = planDeploy([desired], await readDeployedStacks(provider.cloudFormation, [desired.name]));
  const step = plan.steps[0]!;
  if (mode === 'update' && step.action === 'create') {
    throw new UserError(`there is no stack ${desired.name} to update`, { fix: `create it first: handoff cloud ${desired.kind} create` });
  }
  return applyStackStep(provider.cloudFormation, step, options);
}

export interface StackStatus {
  stack: string;
  kind: StackKind;
  status: string;
  reason?: string;
  outputs?: Record<string, string>;
}

export async function readStackStatus(provider: AwsProvider, kind: StackKind, name: string): Promise<StackStatus> {
  const stack = await provider.cloudFormation.describeStack(name);
  if (!stack || stack.status === 'DELETE_COMPLETE') return { stack: name, kind, status: 'NOT_CREATED' };
  return { stack: name, kind, status: stack.status, ...(stack.statusReason ? { reason: stack.statusReason } : {}), outputs: stack.outputs };
}

/** Deletes the task stack after the task's schedules (they would otherwise keep firing at a runner that is gone). */
export async function deleteTaskStack(provider: AwsProvider, options: ApplyOptions = {}): Promise<{ stack: StackChange; schedules: string[] }> {
  const schedules = await provider.schedules.delete();
  const stack = await deleteStackStep(provider.cloudFormation, 'task', provider.names.taskStack, options);
  return { stack, schedules: schedules.map((s) => s.id) };
}

/** Deletes the resources stack; refused while this task's stack still imports its exports. */
export async function deleteResourcesStack(provider: AwsProvider, options: ApplyOptions = {}): Promise<StackChange> {
  const task = await provider.cloudFormation.describeStack(provider.names.taskStack);
  if (task && task.status !== 'DELETE_COMPLETE') {
    throw new UserError(`the task stack ${provider.names.taskStack} still uses the resources stack ${provider.names.resourcesStack}`, {
      fix: 'delete the task first: handoff cloud task delete (and the other tasks of the resource group)',
    });
  }
  return deleteStackStep(provider.cloudFormation, 'resources', provider.names.resourcesStack, options);
}

/** The task stack's status with the task definition ECS runs now (latest revision, image, size). */
export async function readTaskStatus(provider: AwsProvider): Promise<StackStatus & { task_definition?: Record<string, unknown> }> {
  const status = await readStackStatus(provider, 'task', provider.names.taskStack);
  const { createEcsApi } = await import('../sdk/ecs.js');
  const ecs = createEcsApi(provider.clientConfig);
  try {
    const definition = await ecs.describeTaskDefinition(provider.names.taskDefinitionFamily);
    if (!definition) return status;
    const container = definition.containers.find((c) => c.name === provider.names.containerName) ?? definition.containers[0];
    return {
      ...status,
      task_definition: {
        arn: definition.arn,
        revision: definition.revision,
        image: container?.image,
        ...(definition.cpu ? { cpu: definition.cpu } : {}),
        ...(definition.memory ? { memory: definition.memory } : {}),
      },
    };
  } finally {
    ecs.destroy();
  }
}
