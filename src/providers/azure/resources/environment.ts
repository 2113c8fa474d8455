// Pure builders of a resource group's run environment: the Log Analytics workspace and the Container Apps environment.
import type { Deploy } from '../../../project/types.js';
import type { ManagedEnvironment } from '../sdk/container-apps.js';
import type { ArmResource } from '../sdk/arm.js';
import type { AzureNames } from '../names.js';

/** Log Analytics keeps 30 days unless told otherwise (its default, and the least a workspace keeps). */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

export function createWorkspaceBody(names: AzureNames, deploy: Deploy): ArmResource {
  return {
    location: names.location,
    tags: names.tags,
    properties: { sku: { name: 'PerGB2018' }, retentionInDays: deploy.log_retention_days ?? DEFAULT_LOG_RETENTION_DAYS },
  };
}

/**
 * A Consumption-only environment whose containers' output goes to the workspace (destination `log-analytics`), where
 * `cloud logs` and the failure alert read it. The shared key is the workspace's own, read when the environment is made.
 */
export function createEnvironmentBody(names: AzureNames, workspace: { customerId: string; sharedKey: string }): ManagedEnvironment {
  return {
    location: names.location,
    tags: names.tags,
    appLogsConfiguration: { destination: 'log-analytics', logAnalyticsConfiguration: { customerId: workspace.customerId, sharedKey: workspace.sharedKey } },
  };
}
