// Refuses a deploy.location that differs from where the deployed resources are: Resource Manager never moves a resource, it refuses the PUT, so such a deploy would fail half-way.
import { UserError } from '../../../errors.js';
import type { AzureProvider } from '../azure-provider.js';

/** Region names as Azure compares them: `West Europe` is `westeurope`. */
function toRegion(location: string): string {
  return location.toLowerCase().replace(/\s+/g, '');
}

/**
 * Reads where what this command would update is deployed and throws (exit 2, at deploy.location) when it is another
 * region, before anything is written: with `resources`, handoff's Log Analytics workspace and Container Apps
 * environment; with `task`, the task's identity, job and alert rule. Resources not deployed yet are made where
 * deploy.location says.
 */
export async function checkLocation(provider: AzureProvider, scope: { resources?: boolean; task?: boolean }): Promise<void> {
  const { names } = provider;
  const arm = await provider.apis.arm();
  const apps = await provider.apis.containerApps();
  const deployed: [string, string | undefined][] = [];
  if (scope.resources && names.ownsEnvironment) {
    deployed.push([`Log Analytics workspace ${names.logWorkspace}`, (await arm.get(names.logWorkspaceId, 'Microsoft.OperationalInsights/workspaces'))?.location]);
    deployed.push([`Container Apps environment ${names.environment}`, (await apps.getEnvironment(names.environment))?.location]);
  }
  if (scope.task) {
    deployed.push([`managed identity ${names.identity}`, (await arm.get(names.identityId, 'Microsoft.ManagedIdentity/userAssignedIdentities'))?.location]);
    deployed.push([`Container Apps job ${names.job}`, (await apps.getJob(names.job))?.location]);
    deployed.push([`alert rule ${names.alertRule}`, (await arm.get(names.alertRuleId, 'Microsoft.Insights/scheduledQueryRules'))?.location]);
  }
  const moved = deployed.filter((d): d is [string, string] => d[1] !== undefined && toRegion(d[1]) !== toRegion(names.location));
  if (moved.length === 0) return;
  const where = toRegion(moved[0]![1]);
  const message = `deploy.location is ${names.location}, but ${moved.map(([what, location]) => `${what} is in ${toRegion(location)}`).join(', ')}: Azure does not move a resource to another region (Resource Manager refuses to update it there), so this deploy would fail half-way; nothing was changed`;
  const fix = `keep deploy.location: ${where}; to move, delete what is deployed first (handoff cloud task delete -p <each task's project> for each task of resource group ${names.resourceGroup}, then handoff cloud resources delete) and deploy again`;
  throw new UserError(message, { fix, diagnostics: [{ severity: 'error', message: `the deployed resources are in ${where}`, path: 'deploy.location', hint: fix }] });
}
