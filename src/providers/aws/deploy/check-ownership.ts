// Whose is a stack or schedule group: its handoff tags against this task's, so two tasks whose names meet never change each other's.
import { UserError } from '../../../errors.js';
import { TAG_RESOURCE_GROUP, TAG_TASK, type DeployNames } from '../names.js';
import type { DeployedStack, DesiredStack } from './plan-deploy.js';

/** Who a stack or schedule group belongs to, from its tags: a resource group's shared stacks carry no task. */
export interface Owner {
  resourceGroup: string;
  task?: string;
}

/** The owner a resource's tags name; undefined when they name none (not made by handoff, or made before its tags). */
export function readOwner(tags: Readonly<Record<string, string>>): Owner | undefined {
  const resourceGroup = tags[TAG_RESOURCE_GROUP];
  if (resourceGroup === undefined) return undefined;
  return { resourceGroup, ...(tags[TAG_TASK] !== undefined ? { task: tags[TAG_TASK] } : {}) };
}

/** This task's owner marks: the task's own resources (`task`) or its resource group's shared stacks. */
export function createOwner(names: DeployNames, scope: 'resource-group' | 'task'): Owner {
  return { resourceGroup: names.resourceGroup, ...(scope === 'task' ? { task: names.task } : {}) };
}

function describeOwner(owner: Owner): string {
  return owner.task === undefined ? `resource group ${owner.resourceGroup} (its shared stacks)` : `task ${owner.task} of resource group ${owner.resourceGroup}`;
}

/**
 * A refusal when `tags` name another owner than `expected`. Every per-task name is `handoff-<RG>-<task>` and both parts
 * may hold hyphens, so resource group `etl` with task `daily-sync` meets `etl-daily` with `sync` (and task
 * `daily-resources` meets `etl-daily`'s resources stack). The names stay as they are, so existing deployments keep
 * theirs; the later project is refused instead. Untagged resources are not judged: there is nothing to compare.
 */
export function findOwnershipConflict(what: string, expected: Owner, tags: Readonly<Record<string, string>>): UserError | undefined {
  const found = readOwner(tags);
  if (found === undefined) return undefined;
  if (found.resourceGroup === expected.resourceGroup && found.task === expected.task) return undefined;
  const mine = describeOwner(expected);
  return new UserError(`${what} belongs to ${describeOwner(found)}, not to this project's ${mine}: their AWS names are the same (handoff-<stage>-<resource group>-<task>); nothing was changed`, {
    fix:
      expected.task !== undefined
        ? `rename deploy.task (or deploy.resource_group) in this project.yml so that "<resource group>-<task>" differs from the other one's; the other deployment keeps its names`
        : `rename deploy.resource_group in this project.yml, or give the other task another name (\`handoff cloud task delete\` in its project, rename its deploy.task, deploy it again)`,
  });
}

/** Throws the refusal of findOwnershipConflict. */
export function assertOwner(what: string, expected: Owner, tags: Readonly<Record<string, string>>): void {
  const conflict = findOwnershipConflict(what, expected, tags);
  if (conflict) throw conflict;
}

/** Refuses a deploy whose bucket, resources or task stack exists with another owner's tags, before anything is changed. */
export function assertStacksOwned(desired: readonly DesiredStack[], deployed: ReadonlyMap<string, DeployedStack | undefined>): void {
  for (const stack of desired) {
    if (stack.kind !== 'bucket' && stack.kind !== 'resources' && stack.kind !== 'task') continue;
    const expected = readOwner(stack.tags);
    const current = deployed.get(stack.name);
    if (expected && current) assertOwner(`the stack ${stack.name}`, expected, current.tags);
  }
}
