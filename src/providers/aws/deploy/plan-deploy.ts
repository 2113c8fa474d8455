// Pure deploy planning: desired stack templates against what is deployed → per stack create, update, unchanged or blocked, with a resource diff.
import type { StackCapability } from '../sdk/cloudformation.js';
import type { Template } from '../stacks/template.js';
import { diffPaths, toCanonicalJson } from '../../deploy/canonical-json.js';

export { diffPaths, toCanonicalJson };

/** The stacks handoff deploys, in the order a full deploy applies them (each may import the previous one's exports). */
export type StackKind = 'boundary' | 'bucket' | 'resources' | 'task' | 'role';

/** One stack as it should be: its name, template and the tags and capabilities it is deployed with. */
export interface DesiredStack {
  kind: StackKind;
  name: string;
  template: Template;
  capabilities: StackCapability[];
  tags: Record<string, string>;
  /** The bucket the stack makes, for error messages (bucket stack only). */
  bucket?: string;
}

/** What CloudFormation has for a stack name: nothing, or its status, the template it was deployed with and its tags. */
export interface DeployedStack {
  status: string;
  /** TemplateBody from GetTemplate; undefined when it could not be read. */
  templateBody?: string;
  tags: Record<string, string>;
}

export type StackAction = 'create' | 'update' | 'unchanged' | 'blocked';

/** One resource that differs between the deployed and the desired template, with the property paths that changed. */
export interface ResourceDiff {
  action: 'Add' | 'Modify' | 'Remove';
  logicalId: string;
  resourceType: string;
  /** For Modify: the changed paths below the resource, e.g. `Properties.ContainerDefinitions[0].Image`. */
  paths: string[];
}

export interface StackStep {
  kind: StackKind;
  name: string;
  action: StackAction;
  /** Why the stack cannot be changed now (blocked), with the fix. */
  blocked?: { reason: string; fix: string };
  /** The template exactly as it is sent. */
  templateBody: string;
  capabilities: StackCapability[];
  tags: Record<string, string>;
  bucket?: string;
  /** Resource-level differences computed locally (empty for unchanged). */
  resources: ResourceDiff[];
  /** Outputs that appear, disappear or change value expression. */
  outputs: string[];
  /** True when only the tags differ. */
  tagsChanged: boolean;
}

export interface DeployPlan {
  steps: StackStep[];
}

/** Stack statuses a change set cannot start from: the stack is busy until CloudFormation finishes. */
function isBusy(status: string): boolean {
  return status.endsWith('_IN_PROGRESS');
}

/**
 * Compares each desired stack with the deployed one. A stack that does not exist is created; one whose deployed
 * template and tags equal the desired ones (as JSON values, so key order and whitespace do not matter) is unchanged;
 * any other is updated through a change set. A failed first create (ROLLBACK_COMPLETE) or a stack that is busy blocks.
 */
export function planDeploy(desired: DesiredStack[], deployed: ReadonlyMap<string, DeployedStack | undefined>): DeployPlan {
  return {
    steps: desired.map((stack) => {
      const templateBody = JSON.stringify(stack.template);
      const base = { kind: stack.kind, name: stack.name, templateBody, capabilities: stack.capabilities, tags: stack.tags, ...(stack.bucket ? { bucket: stack.bucket } : {}) };
      const current = deployed.get(stack.name);
      if (!current || current.status === 'DELETE_COMPLETE') {
        return { ...base, action: 'create' as const, resources: diffResources(undefined, stack.template), outputs: Object.keys(stack.template.Outputs ?? {}), tagsChanged: false };
      }
      if (current.status === 'ROLLBACK_COMPLETE' || current.status === 'ROLLBACK_FAILED' || current.status === 'DELETE_FAILED') {
        return {
          ...base,
          action: 'blocked' as const,
          blocked: {
            reason: `stack ${stack.name} is in ${current.status} after a failed ${current.status.startsWith('DELETE') ? 'delete' : 'create'} and cannot be updated`,
            fix: `delete it first (handoff cloud ${stack.kind} delete), then deploy again`,
          },
          resources: [],
          outputs: [],
          tagsChanged: false,
        };
      }
      if (isBusy(current.status)) {
        return {
          ...base,
          action: 'blocked' as const,
          blocked: { reason: `stack ${stack.name} is busy (${current.status})`, fix: 'wait until CloudFormation finishes, then run the command again' },
          resources: [],
          outputs: [],
          tagsChanged: false,
        };
      }
      const deployedTemplate = parseTemplate(current.templateBody);
      const resources = diffResources(deployedTemplate, stack.template);
      const outputs = diffOutputs(deployedTemplate, stack.template);
      const tagsChanged = toCanonicalJson(current.tags) !== toCanonicalJson(stack.tags);
      const same = deployedTemplate !== undefined && toCanonicalJson(deployedTemplate) === toCanonicalJson(stack.template) && !tagsChanged;
      return { ...base, action: same ? ('unchanged' as const) : ('update' as const), resources: same ? [] : resources, outputs: same ? [] : outputs, tagsChanged };
    }),
  };
}

/** Deployed template text as an object; undefined when it is not JSON (a stack changed by hand in YAML counts as different). */
function parseTemplate(body: string | undefined): Template | undefined {
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body) as Template;
  } catch {
    return undefined;
  }
}

/** Resources added, removed and modified (with the paths that changed), by logical id, in the desired template's order. */
export function diffResources(from: Template | undefined, to: Template): ResourceDiff[] {
  const before = from?.Resources ?? {};
  const diffs: ResourceDiff[] = [];
  for (const [id, resource] of Object.entries(to.Resources)) {
    const old = before[id];
    if (!old) diffs.push({ action: 'Add', logicalId: id, resourceType: resource.Type, paths: [] });
    else if (toCanonicalJson(old) !== toCanonicalJson(resource)) diffs.push({ action: 'Modify', logicalId: id, resourceType: resource.Type, paths: diffPaths(old, resource, '') });
  }
  for (const [id, resource] of Object.entries(before)) {
    if (!(id in to.Resources)) diffs.push({ action: 'Remove', logicalId: id, resourceType: resource.Type, paths: [] });
  }
  return diffs;
}

function diffOutputs(from: Template | undefined, to: Template): string[] {
  const before = from?.Outputs ?? {};
  const after = to.Outputs ?? {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => toCanonicalJson(before[k]) !== toCanonicalJson(after[k]));
}
