// Applies a deploy plan: creates new stacks, updates existing ones through change sets, previews changes for `cloud plan`.
import { UserError } from '../../../errors.js';
import type { CloudFormationApi, ResourceChange, StackProgressEvent, StackSummary } from '../sdk/cloudformation.js';
import type { DeployedStack, DeployPlan, StackKind, StackStep } from './plan-deploy.js';
import { assertStackOwned, type Owner } from './check-ownership.js';

/** What the deploy reports while it works; the CLI renders them, tests read them. */
export type DeployEvent =
  | { type: 'stack-start'; kind: StackKind; name: string; action: 'create' | 'update' | 'delete' }
  | { type: 'stack-progress'; name: string; event: StackProgressEvent }
  | { type: 'stack-done'; kind: StackKind; name: string; action: StackChangeAction }
  | { type: 'notice'; level: 'info' | 'warning'; message: string };

export type StackChangeAction = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent';

export interface StackChange {
  kind: StackKind;
  name: string;
  action: StackChangeAction;
  /** The resources CloudFormation changed or would change (change set view), for updates. */
  changes?: ResourceChange[];
  outputs?: Record<string, string>;
}

export interface ApplyOptions {
  onEvent?: (event: DeployEvent) => void;
  pollMs?: number;
}

/** Reads the deployed status, template and tags of each stack name (undefined when there is no such stack). */
export async function readDeployedStacks(api: CloudFormationApi, names: string[]): Promise<Map<string, DeployedStack | undefined>> {
  const found = new Map<string, DeployedStack | undefined>();
  for (const name of names) {
    const stack = await api.describeStack(name);
    if (!stack || stack.status === 'DELETE_COMPLETE') {
      found.set(name, undefined);
      continue;
    }
    found.set(name, { status: stack.status, templateBody: await api.getTemplate(stack.id || name), tags: stack.tags });
  }
  return found;
}

/** Every blocked step as one UserError, before anything is applied. */
export function assertPlanApplicable(plan: DeployPlan): void {
  const blocked = plan.steps.filter((s) => s.action === 'blocked');
  if (blocked.length === 0) return;
  const first = blocked[0]!;
  throw new UserError(`${first.blocked!.reason}${blocked.length > 1 ? ` (and ${blocked.length - 1} more blocked stacks)` : ''}; nothing was changed`, {
    fix: first.blocked!.fix,
    diagnostics: blocked.slice(1).map((s) => ({ severity: 'error' as const, message: s.blocked!.reason, hint: s.blocked!.fix })),
  });
}

/**
 * Applies one step. A new stack is created directly (every resource is an addition; there is nothing to review). An
 * existing one gets a change set: when CloudFormation finds nothing to change it is deleted and the stack is reported
 * unchanged, otherwise it is executed and waited on. Progress events stream through `onEvent`.
 */
export async function applyStackStep(api: CloudFormationApi, step: StackStep, options: ApplyOptions = {}): Promise<StackChange> {
  const emit = options.onEvent ?? (() => undefined);
  const request = { name: step.name, templateBody: step.templateBody, capabilities: step.capabilities, tags: step.tags, bucket: step.bucket };
  const wait = { onEvent: (event: StackProgressEvent) => emit({ type: 'stack-progress', name: step.name, event }), pollMs: options.pollMs };
  if (step.action === 'blocked') assertPlanApplicable({ steps: [step] });
  if (step.action === 'unchanged') {
    emit({ type: 'stack-done', kind: step.kind, name: step.name, action: 'unchanged' });
    return { kind: step.kind, name: step.name, action: 'unchanged' };
  }
  // Events are compared against this moment so older events of an existing stack are not replayed.
  const since = new Date(Date.now() - 1000);
  let stack: StackSummary | undefined;
  let changes: ResourceChange[] | undefined;
  if (step.action === 'create') {
    emit({ type: 'stack-start', kind: step.kind, name: step.name, action: 'create' });
    const id = await api.createStack(request);
    stack = await api.waitForStack(id, step.name, since, wait);
    if (!stack) throw new Error(`the CloudFormation stack ${step.name} disappeared while it was being created`);
    emit({ type: 'stack-done', kind: step.kind, name: step.name, action: 'created' });
    return { kind: step.kind, name: step.name, action: 'created', outputs: stack.outputs };
  }
  const changeSet = await api.createChangeSet(request);
  if (changeSet.kind === 'empty') {
    await api.deleteChangeSet(changeSet.id, step.name);
    emit({ type: 'stack-done', kind: step.kind, name: step.name, action: 'unchanged' });
    return { kind: step.kind, name: step.name, action: 'unchanged' };
  }
  changes = changeSet.changes;
  emit({ type: 'stack-start', kind: step.kind, name: step.name, action: 'update' });
  await api.executeChangeSet(changeSet.id, step.name);
  stack = await api.waitForStack(changeSet.stackId, step.name, since, wait);
  if (!stack) throw new Error(`the CloudFormation stack ${step.name} disappeared while it was being updated`);
  emit({ type: 'stack-done', kind: step.kind, name: step.name, action: 'updated' });
  return { kind: step.kind, name: step.name, action: 'updated', changes, outputs: stack.outputs };
}

/** Applies every step in order, after checking that none is blocked. */
export async function applyDeployPlan(api: CloudFormationApi, plan: DeployPlan, options: ApplyOptions = {}): Promise<StackChange[]> {
  assertPlanApplicable(plan);
  const results: StackChange[] = [];
  for (const step of plan.steps) results.push(await applyStackStep(api, step, options));
  return results;
}

/** What `cloud plan` shows for an update: CloudFormation's own change set, created, read and deleted again. */
export async function previewStackStep(api: CloudFormationApi, step: StackStep): Promise<ResourceChange[] | 'empty'> {
  if (step.action !== 'update') return step.action === 'unchanged' ? 'empty' : [];
  const changeSet = await api.createChangeSet({ name: step.name, templateBody: step.templateBody, capabilities: step.capabilities, tags: step.tags, bucket: step.bucket });
  try {
    return changeSet.kind === 'empty' ? 'empty' : changeSet.changes;
  } finally {
    await api.deleteChangeSet(changeSet.id, step.name);
  }
}

/** Deletes a stack and waits; `absent` when there was none. */
export async function deleteStackStep(api: CloudFormationApi, kind: StackKind, name: string, options: ApplyOptions & { owner?: Owner } = {}): Promise<StackChange> {
  const emit = options.onEvent ?? (() => undefined);
  const existing = await api.describeStack(name);
  if (!existing || existing.status === 'DELETE_COMPLETE') {
    emit({ type: 'stack-done', kind, name, action: 'absent' });
    return { kind, name, action: 'absent' };
  }
  if (options.owner) await assertStackOwned(api, `the stack ${name}`, options.owner, existing);
  emit({ type: 'stack-start', kind, name, action: 'delete' });
  await api.deleteStack(name, { onEvent: (event) => emit({ type: 'stack-progress', name, event }), pollMs: options.pollMs });
  emit({ type: 'stack-done', kind, name, action: 'deleted' });
  return { kind, name, action: 'deleted' };
}
