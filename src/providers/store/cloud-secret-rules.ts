// The secrets file against the secret store of the cloud a project deploys to, before any push, credentials or call.
import { UserError } from '../../errors.js';
import type { Project } from '../../project/types.js';
import type { Secret } from '../../secrets/local-secrets.js';
import type { CloudProviderName } from '../provider.js';
import { findProviderEntry } from '../provider-registry.js';
import { resolveDeployTarget } from './deploy-target.js';
import { checkSecretsForStore, type SecretPushEntry } from './store-secrets.js';

export interface CloudSecretsCheck {
  provider: CloudProviderName;
  /** Why a push to that store would refuse the secrets, each problem a diagnostic at its line; absent when it would not. */
  refusal?: UserError;
  /** Secrets that need SSM's Advanced tier: a push takes them only with -v allow_advanced_tier=true. */
  advanced: SecretPushEntry[];
}

/**
 * Checks `secrets` with the rules of the store `deploy.cloud_provider` (or `--cloud-provider`) names, by the push's own
 * check. Undefined when there is nothing to check: no secrets, the local provider (whose secrets may be meant for local
 * runs only), or no resource group or task to name the secrets with (a deploy needs them and says so).
 */
export async function checkSecretsForCloud(input: { project: Project; stage: string; cloudProvider?: string; secrets: Secret[] }): Promise<CloudSecretsCheck | undefined> {
  if (input.secrets.length === 0) return undefined;
  let target;
  try {
    target = resolveDeployTarget({ deploy: input.project.deploy, stage: input.stage, ...(input.cloudProvider !== undefined ? { cloudProvider: input.cloudProvider } : {}) });
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
  if (target.provider === 'local') return undefined;
  const rules = await findProviderEntry(target.provider).secretRules?.(target);
  if (!rules) return undefined;
  // Advanced is allowed here: it is a choice made at push (-v allow_advanced_tier=true), not a problem of the file.
  const { plan, refusal } = checkSecretsForStore(rules, input.secrets, { allowAdvancedTier: true });
  return { provider: target.provider, ...(refusal ? { refusal } : {}), advanced: plan.filter((e) => e.tier === 'Advanced') };
}
