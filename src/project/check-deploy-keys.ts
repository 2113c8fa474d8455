// The `deploy` rules that depend on the chosen cloud: its own checks (sizes, required keys) and keys of another cloud.
import type { KeyPath } from './format-key-path.js';
import { awsDeployRules } from './deploy-keys/aws-deploy-keys.js';
import { azureDeployRules } from './deploy-keys/azure-deploy-keys.js';
import type { CloudDeployRules } from './deploy-keys/cloud-deploy-rules.js';
import { gcpDeployRules } from './deploy-keys/gcp-deploy-keys.js';
import { isRecord } from './describe-value.js';

/** Each cloud's rules; a cloud adds its entry here with its keys file. */
export const CLOUD_DEPLOY_RULES: readonly CloudDeployRules[] = [awsDeployRules, gcpDeployRules, azureDeployRules];

type Report = (severity: 'error' | 'warning', path: KeyPath, message: string, hint?: string, at?: 'key' | 'value') => void;

/**
 * With a cloud chosen, runs that cloud's checks and warns about keys only another cloud reads (they would be ignored
 * silently otherwise). The cloud is the one the command uses: `--cloud-provider` (`cloudProvider`) when given, else
 * `deploy.cloud_provider`. The local provider reads none of them, and a project may keep a cloud's keys while it runs
 * locally, so it gets no warnings.
 */
export function checkDeployKeys(data: Record<string, unknown>, report: Report, cloudProvider?: string): void {
  const deploy = data.deploy;
  if (!isRecord(deploy)) return;
  const written = typeof deploy.cloud_provider === 'string' ? deploy.cloud_provider : 'local';
  // Written as parseCloudProvider reads it; an unknown name is refused where the provider is opened.
  const chosen = cloudProvider?.trim().toLowerCase() ?? written;
  const overridden = chosen !== written;
  const rules = CLOUD_DEPLOY_RULES.find((r) => r.provider === chosen);
  if (!rules) return;
  // A key several other clouds read (region) is one warning naming them all.
  const readers = new Map<string, string[]>();
  for (const other of CLOUD_DEPLOY_RULES) {
    if (other === rules) continue;
    for (const key of other.keys) {
      if (!Object.hasOwn(deploy, key) || rules.keys.includes(key)) continue;
      readers.set(key, [...(readers.get(key) ?? []), other.provider]);
    }
  }
  for (const [key, providers] of readers) {
    const readBy = `deploy.${key} is read only by the ${providers.join(' and ')} provider${providers.length > 1 ? 's' : ''}`;
    if (overridden) {
      // The project is written for another cloud; the key is right there, only not for this command.
      report('warning', ['deploy', key], `${readBy}; this command uses --cloud-provider ${chosen}, which ignores it`, providers.includes(written) ? `it is for project.yml's own cloud_provider, ${written}, used without --cloud-provider` : `remove it, or use --cloud-provider ${providers.join(' or ')}`, 'key');
    } else {
      report('warning', ['deploy', key], `${readBy}; this project deploys to ${chosen}, which ignores it`, `remove it, or set cloud_provider: ${providers.join(' or ')}`, 'key');
    }
  }
  // Say why a cloud other than project.yml's checks its keys, so the user does not look for the mistake in the file.
  const why = overridden ? ` (checked for --cloud-provider ${chosen}; project.yml deploys to ${written})` : '';
  for (const problem of rules.check(deploy)) {
    report(problem.severity, ['deploy', ...problem.path], `${problem.message}${why}`, problem.hint, problem.path.length > 0 ? 'value' : 'key');
  }
}
