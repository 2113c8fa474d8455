// The `handoff-role-<account>` stack: the deploy role another account assumes to run handoff's cloud commands.
import { createDeployRoleName } from '../names.js';
import { createDeployRole } from './deploy-role.js';
import { createTemplate, getAtt, ref, type Tag, type Template } from './template.js';

/**
 * `principalAccountId` is the account allowed to assume the role (and names it); `externalId`, when given, must be
 * passed by the assuming side. `buckets` adds `deploy.bucket` names outside the default `handoff-*` pattern.
 */
export function createRoleStack(principalAccountId: string, options: { externalId?: string; buckets?: string[]; tags?: Tag[] } = {}): Template {
  const roleName = createDeployRoleName(principalAccountId);
  const { role, policies } = createDeployRole({ roleName, principalAccountId, externalId: options.externalId, buckets: options.buckets, tags: options.tags });
  return createTemplate({
    description: `handoff deploy role that account ${principalAccountId} can assume`,
    resources: {
      DeployRole: role,
      ...Object.fromEntries(policies.map((p, i) => [`DeployPolicy${i + 1}`, p])),
    },
    outputs: {
      RoleName: { Description: 'deploy role name', Value: ref('DeployRole') },
      RoleArn: { Description: 'deploy role ARN, for the assuming account\'s profile (role_arn)', Value: getAtt('DeployRole', 'Arn') },
    },
  });
}
