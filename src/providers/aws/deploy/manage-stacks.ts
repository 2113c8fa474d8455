// One stack at a time (`cloud resources|task|role create|update|delete|status`): planned like a deploy, applied with change sets.
import { UserError } from '../../../errors.js';
import type { Project } from '../../../project/types.js';
import type { AwsProvider } from '../aws-provider.js';
import { applyStackStep, deleteStackStep, readDeployedStacks, type ApplyOptions, type StackChange } from './apply-deploy.js';
import { explainBucketCollision } from './bucket-collision.js';
import { checkResourceGroupAgreement, findImportingStacks } from './check-resource-group.js';
import { assertStackOwned, assertStacksOwned, createOwner } from './check-ownership.js';
import { STACK_REGION_TAG } from '../stacks/deploy-role.js';
import { createResourcesDesired, createRoleDesired, type RoleInput } from './desired-stacks.js';
import { locateDeployErrors } from '../../deploy/locate-deploy-error.js';
import type { StackKind } from './plan-deploy.js';
import { planDeploy, type DesiredStack } from './plan-deploy.js';
import { applyKeptLogGroup, planBoundary, prepareTaskStack } from './prepare-stacks.js';
import type { ScheduleChange } from '../../provider.js';
import { usesStateMachine } from '../stacks/task-stack.js';

/**
 * `create` makes the stack or, when it exists, brings it up to date (so running it twice is harmless); `update`
 * refuses a stack that does not exist, so a typo in a resource group never creates a new one by accident. A resources
 * stack is checked against the tasks that use it first (checkResourceGroupAgreement).
 */
/**
 * `beforeApply` runs once the stack is known to be this project's to change and nothing has changed yet: a refusal
 * there (a task's missing bucket) comes after the more telling one that the stack is another's.
 */
export async function upsertStack(
  provider: AwsProvider,
  desired: DesiredStack,
  mode: 'create' | 'update',
  options: ApplyOptions & { beforeApply?: () => Promise<void> } = {},
): Promise<StackChange> {
  const deployed = await readDeployedStacks(provider.cloudFormation, [desired.name]);
  assertStacksOwned([desired], deployed);
  if (desired.kind === 'resources') {
    await checkResourceGroupAgreement({ api: provider.cloudFormation, names: provider.names, deployedTemplate: deployed.get(desired.name)?.templateBody, desired: desired.template });
  }
  const step = planDeploy([desired], deployed).steps[0]!;
  if (mode === 'update' && step.action === 'create') {
    throw new UserError(`there is no stack ${desired.name} to update`, { fix: `create it first: handoff cloud ${desired.kind} create` });
  }
  await options.beforeApply?.();
  try {
    return await applyStackStep(provider.cloudFormation, step, options);
  } catch (error) {
    throw desired.kind === 'bucket' ? await explainBucketCollision(provider, error) : error;
  }
}

/** The account's permissions boundary, made first when missing: every role the resources and task stacks make carries it. */
export async function ensureBoundary(provider: AwsProvider, options: ApplyOptions = {}): Promise<StackChange | undefined> {
  const boundary = await planBoundary(provider);
  return boundary ? upsertStack(provider, boundary, 'create', options) : undefined;
}

/** `cloud resources create|update`: the boundary when missing, then the resources stack; errors point into project.yml. */
export async function upsertResourcesStack(provider: AwsProvider, project: Project, mode: 'create' | 'update', options: ApplyOptions = {}): Promise<StackChange> {
  return locateDeployErrors(project.file, async () => {
    const desired = createResourcesDesired(provider.names, project.deploy);
    await ensureBoundary(provider, options);
    return upsertStack(provider, desired, mode, options);
  });
}

/** `cloud task create|update`: the task stack with the project's image, files and kept log group; warnings go to `onWarning`. */
export async function upsertTaskStack(
  provider: AwsProvider,
  project: Project,
  mode: 'create' | 'update',
  options: ApplyOptions & { imageVersion?: string; onWarning?: (message: string) => void; beforeApply?: () => Promise<void> } = {},
): Promise<StackChange & { schedules?: ScheduleChange[] }> {
  const task = await prepareTaskStack(provider, project, { imageVersion: options.imageVersion });
  task.warnings.forEach((w) => options.onWarning?.(w));
  const result = await upsertStack(provider, task.desired, mode, options);
  await applyKeptLogGroup(provider, task.desired.template, project.deploy);
  if (usesStateMachine(project.deploy) || result.action === 'unchanged') return result;
  // Without the runner, schedules start a task definition revision, and the update registered a new one and
  // deregistered theirs: the deployed schedules are written again (as `cloud deploy` does), or none would start.
  const listed = await provider.schedules.list(project.schedules);
  const deployed = new Set(listed.filter((s) => s.status !== 'draft' && s.status !== 'orphaned').map((s) => s.target_id));
  const schedules = project.schedules.filter((s) => deployed.has(s.target_id));
  // A schedule no longer in project.yml is not rewritten (its declaration is gone; removing schedules is `cloud deploy`'s
  // and `cloud schedule delete`'s), so it still starts the revision just deregistered, or the runner just removed: said.
  for (const orphan of listed.filter((s) => s.status === 'orphaned')) {
    options.onWarning?.(
      `schedule ${orphan.target_id} is deployed but not in ${project.file}: it still starts the task definition revision (or state machine) this update replaced, so each of its fires fails; \`handoff cloud schedule delete -p ${project.dir} -v target_id=${orphan.target_id}\` removes it (\`handoff cloud deploy\` removes every schedule no longer declared)`,
    );
  }
  return schedules.length > 0 ? { ...result, schedules: await provider.schedules.create(schedules) } : result;
}

/**
 * `cloud role create|update`: the boundary first (the deploy role's conditions name it), then the deploy role. The
 * role is global while its stack is regional: a role made from another region's stack is not made again here.
 */
export async function upsertRoleStack(provider: AwsProvider, input: RoleInput, mode: 'create' | 'update', options: ApplyOptions = {}): Promise<StackChange> {
  const desired = createRoleDesired(input);
  if (!(await provider.cloudFormation.describeStack(desired.name))) {
    const { createIamApi } = await import('../sdk/iam.js');
    const iam = createIamApi(provider.clientConfig);
    try {
      const found = await iam.getRoleTags(`arn:${provider.names.partition}:iam::${provider.names.accountId}:role/${desired.name}`);
      if (found.kind === 'found') {
        const region = found.value[STACK_REGION_TAG];
        throw new UserError(`the deploy role ${desired.name} exists already${region ? `, made by the stack ${desired.name} in ${region}` : ''}; IAM roles are global, so it serves ${provider.names.region} too`, {
          fix: region ? `use it as it is, or change it where its stack is: AWS_REGION=${region} handoff cloud role update` : 'use it as it is, or delete it before making it from this region',
        });
      }
    } finally {
      iam.destroy();
    }
  }
  await ensureBoundary(provider, options);
  return upsertStack(provider, desired, mode, options);
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

export interface TaskDeletion {
  stack: StackChange;
  schedules: ScheduleChange[];
  /** The log group: `kept` (read it with `cloud logs`), `deleted` (-v delete_logs=true) or `absent`. */
  logs: { group: string; action: 'kept' | 'deleted' | 'absent' };
}

/**
 * Deletes the task's schedules first (they would keep firing at a runner that is gone), then its stack. The log group
 * stays (DeletionPolicy Retain), so a deleted task's logs can still be read, unless `deleteLogs` asks for it to go.
 */
export async function deleteTaskStack(provider: AwsProvider, options: ApplyOptions & { deleteLogs?: boolean } = {}): Promise<TaskDeletion> {
  // The schedule lifecycle refuses a task stack or schedule group of another task before it deletes anything.
  const schedules = await provider.schedules.delete();
  const stack = await deleteStackStep(provider.cloudFormation, 'task', provider.names.taskStack, { ...options, owner: createOwner(provider.names, 'task') });
  const { createCloudWatchLogsApi } = await import('../sdk/cloudwatch-logs.js');
  const logs = createCloudWatchLogsApi(provider.clientConfig);
  try {
    const group = provider.names.logGroup;
    if (options.deleteLogs) return { stack, schedules, logs: { group, action: (await logs.deleteLogGroup(group)) ? 'deleted' : 'absent' } };
    return { stack, schedules, logs: { group, action: (await logs.describeLogGroup(group)) ? 'kept' : 'absent' } };
  } finally {
    logs.destroy();
  }
}

/**
 * Deletes the resources stack; refused while any stack still imports its exports (the group's tasks, or a stack of
 * your own), naming them. CloudFormation refuses too, but only after starting; moto does not refuse at all.
 */
export async function deleteResourcesStack(provider: AwsProvider, options: ApplyOptions = {}): Promise<StackChange> {
  const existing = await provider.cloudFormation.describeStack(provider.names.resourcesStack);
  if (existing) await assertStackOwned(provider.cloudFormation, `the stack ${existing.name}`, createOwner(provider.names, 'resource-group'), existing);
  const importers = await findImportingStacks(provider.cloudFormation, provider.names);
  if (importers.length > 0) {
    throw new UserError(`the resources stack ${provider.names.resourcesStack} is still used by ${importers.join(', ')}; nothing was deleted`, {
      fix: `delete those first (handoff cloud task delete -p <each task's project> for each task of resource group ${provider.names.resourceGroup})`,
    });
  }
  return deleteStackStep(provider.cloudFormation, 'resources', provider.names.resourcesStack, { ...options, owner: createOwner(provider.names, 'resource-group') });
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

/** The deploy role's inputs from `-v grantee_account_id=… external_id=…` and the project (its bucket and tags). */
export function createRoleInput(provider: AwsProvider, input: { granteeAccountId?: string; externalId?: string; project?: Project }): RoleInput {
  const bucket = input.project?.deploy.bucket;
  return {
    principalAccountId: input.granteeAccountId ?? provider.names.accountId,
    ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
    ...(bucket && !bucket.startsWith('handoff-') ? { buckets: [bucket] } : {}),
    ...(input.project?.deploy.tags ? { tags: input.project.deploy.tags } : {}),
  };
}

/** The deploy role's stack name, for status and delete. */
export function findRoleStackName(provider: AwsProvider, input: { granteeAccountId?: string; project?: Project }): string {
  return createRoleDesired(createRoleInput(provider, input)).name;
}
