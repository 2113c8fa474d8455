// Thin IAM wrappers: whether the handoff permissions boundary exists, and a role's tags (roles named in `deploy`).
import { GetPolicyCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { readAwsErrorCode, toAwsError } from './aws-errors.js';

/** What reading an IAM thing found: it, nothing, or no permission to look (the caller decides what that means). */
export type IamLookup<T> = { kind: 'found'; value: T } | { kind: 'missing' } | { kind: 'denied' };

export interface IamApi {
  getPolicy(arn: string): Promise<IamLookup<{ arn: string; description?: string }>>;
  /** The role's tags, by its ARN (the name is the part after the last `/`). */
  getRoleTags(roleArn: string): Promise<IamLookup<Record<string, string>>>;
  destroy(): void;
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException']);

export function createIamApi(config: AwsClientConfig): IamApi {
  // IAM is global: its endpoint ignores the region, but the client still needs one to sign with.
  const client = new IAMClient(toClientInput(config));
  async function lookup<T>(action: string, call: () => Promise<T>): Promise<IamLookup<T>> {
    try {
      return { kind: 'found', value: await call() };
    } catch (error) {
      const code = readAwsErrorCode(error) ?? '';
      if (code === 'NoSuchEntity' || code === 'NoSuchEntityException') return { kind: 'missing' };
      if (DENIED.has(code)) return { kind: 'denied' };
      throw toAwsError(error, { action });
    }
  }
  return {
    getPolicy(arn) {
      return lookup(`read the IAM policy ${arn} (iam:GetPolicy)`, async () => {
        const out = await client.send(new GetPolicyCommand({ PolicyArn: arn }));
        return { arn: out.Policy?.Arn ?? arn, ...(out.Policy?.Description ? { description: out.Policy.Description } : {}) };
      });
    },
    getRoleTags(roleArn) {
      const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
      return lookup(`read the IAM role ${roleArn} (iam:GetRole)`, async () => {
        const out = await client.send(new GetRoleCommand({ RoleName: name }));
        return Object.fromEntries((out.Role?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
      });
    },
    destroy() {
      client.destroy();
    },
  };
}
