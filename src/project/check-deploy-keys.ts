// The `deploy` rules that depend on the chosen cloud: its own checks (sizes, required keys) and keys of another cloud.
import type { KeyPath } from './format-key-path.js';
import { awsDeployRules } from './deploy-keys/aws-deploy-keys.js';
import type { CloudDeployRules } from './deploy-keys/cloud-deploy-rules.js';
import { gcpDeployRules } from './deploy-keys/gcp-deploy-keys.js';
import { isRecord } from './describe-value.js';

/** Each cloud's rules; a cloud adds its entry here with its keys file. */
export const CLOUD_DEPLOY_RULES: readonly CloudDeployRules[] = [awsDeployRules, gcpDeployRules];

type Report = (severity: 'error' | 'warning', path: KeyPath, message: string, hint?: string, at?: 'key' | 'value') => void;

/**
 * With a cloud chosen in `deploy.cloud_provider`, runs that cloud's checks and warns about keys only another cloud
 * reads (they would be ignored silently otherwise). The local provider reads none of them, and a project may keep a
 * cloud's keys while it runs locally, so it gets no warnings.
 */
export function checkDeployKeys(data: Record<string, unknown>, report: Report): void {
  const deploy = data.deploy;
  if (!isRecord(deploy)) return;
  const chosen = typeof deploy.cloud_provider === 'string' ? deploy.cloud_provider : 'local';
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
    report(
      'warning',
      ['deploy', key],
      `deploy.${key} is read only by the ${providers.join(' and ')} provider${providers.length > 1 ? 's' : ''}; this project deploys to ${chosen}, which ignores it`,
      `remove it, or set cloud_provider: ${providers.join(' or ')}`,
      'key',
    );
  }
  for (const problem of rules.check(deploy)) report(problem.severity, ['deploy', ...problem.path], problem.message, problem.hint, problem.path.length > 0 ? 'value' : 'key');
}
