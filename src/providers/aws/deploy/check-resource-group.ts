// Guards of the shared resources stack: which stacks import its exports, and that a task agrees with the group's settings.
import { UserError, type Diagnostic } from '../../../errors.js';
import type { DeployNames } from '../names.js';
import type { CloudFormationApi } from '../sdk/cloudformation.js';
import { diffResourceGroupSettings, type ResourceGroupRecord } from '../stacks/resource-group-settings.js';
import { RESOURCE_GROUP_METADATA } from '../stacks/resources-stack.js';
import type { Template } from '../stacks/template.js';

/**
 * The stacks that import any export of the resources stack. ListImports answers on AWS; where the endpoint lacks it
 * (moto), every stack's template is searched for `Fn::ImportValue` of those names instead, which is slower but the same.
 */
export async function findImportingStacks(api: CloudFormationApi, names: DeployNames): Promise<string[]> {
  const exportNames = Object.values(names.exports);
  const found = new Set<string>();
  let unsupported = false;
  for (const exportName of exportNames) {
    const importers = await api.listImports(exportName);
    if (importers === 'unsupported') {
      unsupported = true;
      break;
    }
    importers.forEach((s) => found.add(s));
  }
  if (unsupported) {
    for (const stack of await api.listStacks()) {
      if (stack.name === names.resourcesStack) continue;
      const body = await api.getTemplate(stack.id || stack.name);
      if (body && exportNames.some((e) => body.includes(`"${e}"`) && /Fn::ImportValue/.test(body))) found.add(stack.name);
    }
  }
  return [...found].sort();
}

/** The settings the deployed resources stack recorded, or undefined for a stack without them (or no stack). */
export function readRecordedSettings(templateBody: string | undefined): Partial<ResourceGroupRecord> | undefined {
  if (!templateBody) return undefined;
  try {
    const recorded = (JSON.parse(templateBody) as Template).Metadata?.[RESOURCE_GROUP_METADATA];
    return recorded && typeof recorded === 'object' ? (recorded as Partial<ResourceGroupRecord>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Network, cluster and execution role belong to the resource group: its resources stack is shared, and other tasks'
 * stacks import its subnets, cluster and roles. A task whose `deploy` disagrees with what the group's stack has would
 * replace the VPC (or change an export) under them, so it gets an error at each key instead, naming who depends on it.
 * Nothing is refused while no stack imports the group's exports: then the group's settings are free to change.
 */
export async function checkResourceGroupAgreement(input: {
  api: CloudFormationApi;
  names: DeployNames;
  deployedTemplate: string | undefined;
  desired: Template;
}): Promise<void> {
  const deployed = readRecordedSettings(input.deployedTemplate);
  const desired = readRecordedSettings(JSON.stringify(input.desired));
  if (!deployed || !desired) return;
  const differing = diffResourceGroupSettings(deployed, desired as ResourceGroupRecord);
  if (differing.length === 0) return;
  const importers = await findImportingStacks(input.api, input.names);
  if (importers.length === 0) return;
  const show = (value: unknown): string => (value === '' || (Array.isArray(value) && value.length === 0) ? 'not set' : JSON.stringify(value));
  const { resourcesStack, resourceGroup } = input.names;
  const diagnostics: Diagnostic[] = differing.map((key) => ({
    severity: 'error',
    path: `deploy.${key}`,
    message: `the resource group ${resourceGroup} has ${key} ${show(deployed[key])} (stack ${resourcesStack}); this project has ${show(desired[key])}`,
    hint: show(deployed[key]) === 'not set' ? `remove deploy.${key}, like the other tasks of the group` : `set deploy.${key} to ${show(deployed[key])}, like the other tasks of the group`,
  }));
  throw new UserError(
    `deploy.${differing.join(', deploy.')} of this project disagree${differing.length === 1 ? 's' : ''} with resource group ${resourceGroup}, whose network, cluster and execution role ${importers.join(', ')} use${importers.length === 1 ? 's' : ''}; nothing was changed`,
    {
      fix: `give this project the group's values (above, at their lines of project.yml), or to change the group: delete the tasks that use it (handoff cloud task delete for ${importers.join(', ')}), then deploy`,
      diagnostics,
    },
  );
}
