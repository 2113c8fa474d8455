// Whose is a stack or schedule group: its handoff tags against this task's, so two tasks whose names meet never change each other's.
import { UserError } from '../../../errors.js';
import { TAG_RESOURCE_GROUP, TAG_STAGE, TAG_TASK, type DeployNames } from '../names.js';
import type { CloudFormationApi } from '../sdk/cloudformation.js';
import type { DeployedStack, DesiredStack } from './plan-deploy.js';

/** Who a stack or schedule group belongs to, from its tags: a resource group's shared stacks carry no task. */
export interface Owner {
  /** The staged resource group (`<stage>-<RG>`, bare for prod), as in every name. */
  resourceGroup: string;
  task?: string;
  /** Known from the `handoff:stage` tag, or for a task made before that tag, from its task definition's HO_STAGE. */
  stage?: string;
}

/**
 * The owner a resource's tags name; undefined when they name none (not made by handoff, or made before its tags).
 * `fallbackStage` stands in for a `handoff:stage` tag the resource does not carry (deployed before handoff set it).
 */
export function readOwner(tags: Readonly<Record<string, string>>, fallbackStage?: string): Owner | undefined {
  const resourceGroup = tags[TAG_RESOURCE_GROUP];
  if (resourceGroup === undefined) return undefined;
  const stage = tags[TAG_STAGE] ?? fallbackStage;
  return { resourceGroup, ...(tags[TAG_TASK] !== undefined ? { task: tags[TAG_TASK] } : {}), ...(stage !== undefined ? { stage } : {}) };
}

/** This task's owner marks: the task's own resources (`task`) or its resource group's shared stacks. */
export function createOwner(names: DeployNames, scope: 'resource-group' | 'task'): Owner {
  return { resourceGroup: names.resourceGroup, stage: names.stage, ...(scope === 'task' ? { task: names.task } : {}) };
}

/** The stage a task stack's template runs its container with: every task definition handoff makes sets HO_STAGE. */
export function readTemplateStage(templateBody: string | undefined): string | undefined {
  if (templateBody === undefined) return undefined;
  try {
    const template = JSON.parse(templateBody) as { Resources?: Record<string, { Type?: string; Properties?: { ContainerDefinitions?: { Environment?: { Name?: unknown; Value?: unknown }[] }[] } }> };
    for (const resource of Object.values(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::ECS::TaskDefinition') continue;
      for (const container of resource.Properties?.ContainerDefinitions ?? []) {
        const value = container.Environment?.find((e) => e.Name === 'HO_STAGE')?.Value;
        if (typeof value === 'string') return value;
      }
    }
  } catch {
    // Not JSON (a template of someone else's): there is no stage to read.
  }
  return undefined;
}

/** The stage a task definition (`cloud run`'s) runs its containers with: its HO_STAGE. */
export function readContainersStage(containers: readonly { environment: readonly { name: string; value: string }[] }[]): string | undefined {
  for (const container of containers) {
    const value = container.environment.find((e) => e.name === 'HO_STAGE')?.value;
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * The owner of a deployed stack. A task stack deployed before the `handoff:stage` tag has its stage read from its
 * template's HO_STAGE (one GetTemplate call), so stacks of earlier versions are judged by stage as well.
 */
export async function readStackOwner(api: CloudFormationApi, stack: { name: string; tags: Readonly<Record<string, string>>; templateBody?: string }): Promise<Owner | undefined> {
  const owner = readOwner(stack.tags);
  if (owner === undefined || owner.stage !== undefined || owner.task === undefined) return owner;
  const stage = readTemplateStage(stack.templateBody ?? (await api.getTemplate(stack.name)));
  return stage === undefined ? owner : { ...owner, stage };
}

/** `deploy.resource_group` as written: the staged name without its `<stage>-` prefix (prod has none). */
function bareResourceGroup(owner: Owner): string {
  const prefix = `${owner.stage}-`;
  return owner.stage !== undefined && owner.stage !== 'prod' && owner.resourceGroup.startsWith(prefix) ? owner.resourceGroup.slice(prefix.length) : owner.resourceGroup;
}

/** Where resource group or task differ, the staged names are what meet: the stage is not the point. */
function describeOwner(owner: Owner): string {
  return owner.task === undefined ? `resource group ${owner.resourceGroup} (its shared stacks)` : `task ${owner.task} of resource group ${owner.resourceGroup}`;
}

/** How a stage collision is told: stage and resource group as written in the two projects. */
function describeStaged(owner: Owner): string {
  return `stage ${owner.stage} + resource group ${bareResourceGroup(owner)}${owner.task !== undefined ? ` (task ${owner.task})` : ''}`;
}

/**
 * A refusal when the resource's owner is not `expected`. Every per-task name is `handoff-<RG>-<task>` and both parts
 * may hold hyphens, so resource group `etl` with task `daily-sync` meets `etl-daily` with `sync` (and task
 * `daily-resources` meets `etl-daily`'s resources stack); `<RG>` is `<stage>-<resource group>`, so stage prod with
 * `dev-etl` meets stage dev with `etl`. The stage is compared when both sides know it. The names stay as they are, so
 * existing deployments keep theirs; the later project is refused instead. Untagged resources are not judged.
 */
export function findOwnershipConflict(what: string, expected: Owner, found: Owner | undefined): UserError | undefined {
  if (found === undefined) return undefined;
  const sameStage = expected.stage === undefined || found.stage === undefined || found.stage === expected.stage;
  if (found.resourceGroup === expected.resourceGroup && found.task === expected.task && sameStage) return undefined;
  if (found.resourceGroup === expected.resourceGroup && found.task === expected.task) {
    return new UserError(
      `${what} belongs to ${describeStaged(found)}, not to this project's ${describeStaged(expected)}: the stage prefixes the resource group with "-" (prod has no prefix), so both get the names handoff-${expected.resourceGroup}-…; nothing was changed`,
      { fix: `rename deploy.resource_group of this project (or deploy it to another stage) so that "<stage>-<resource group>" differs from the other one's; the other deployment keeps its names` },
    );
  }
  return new UserError(`${what} belongs to ${describeOwner(found)}, not to this project's ${describeOwner(expected)}: their AWS names are the same (handoff-<stage>-<resource group>-<task>); nothing was changed`, {
    fix:
      expected.task !== undefined
        ? `rename deploy.task (or deploy.resource_group) in this project.yml so that "<resource group>-<task>" differs from the other one's; the other deployment keeps its names`
        : `rename deploy.resource_group in this project.yml, or give the other task another name (\`handoff cloud task delete\` in its project, rename its deploy.task, deploy it again)`,
  });
}

/** Throws the refusal of findOwnershipConflict. */
export function assertOwner(what: string, expected: Owner, found: Owner | undefined): void {
  const conflict = findOwnershipConflict(what, expected, found);
  if (conflict) throw conflict;
}

/** Reads a deployed stack's owner (its stage from the template when its tags are older) and refuses another's. */
export async function assertStackOwned(api: CloudFormationApi, what: string, expected: Owner, stack: { name: string; tags: Readonly<Record<string, string>>; templateBody?: string }): Promise<void> {
  assertOwner(what, expected, await readStackOwner(api, stack));
}

/** Refuses a deploy whose bucket, resources or task stack exists with another owner's tags, before anything is changed. */
export function assertStacksOwned(desired: readonly DesiredStack[], deployed: ReadonlyMap<string, DeployedStack | undefined>): void {
  for (const stack of desired) {
    if (stack.kind !== 'bucket' && stack.kind !== 'resources' && stack.kind !== 'task') continue;
    const expected = readOwner(stack.tags);
    const current = deployed.get(stack.name);
    // The deployed template is at hand: a task stack of an earlier version has its stage there (HO_STAGE).
    if (expected && current) assertOwner(`the stack ${stack.name}`, expected, readOwner(current.tags, readOwner(current.tags)?.task !== undefined ? readTemplateStage(current.templateBody) : undefined));
  }
}
