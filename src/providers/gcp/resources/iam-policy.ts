// IAM policies as data: the bindings one principal holds, and a policy with exactly those bindings for it (others kept).
import { toCanonicalJson } from '../../deploy/canonical-json.js';

/** A CEL condition on a binding (IAM Conditions); policies holding one must be version 3. */
export interface IamCondition {
  title: string;
  description?: string;
  expression: string;
}

export interface IamBinding {
  role: string;
  members: string[];
  condition?: IamCondition;
}

export interface IamPolicy {
  version: number;
  etag?: string;
  bindings: IamBinding[];
}

/** What one principal is granted: a role, with a condition or not. */
export interface Grant {
  role: string;
  condition?: IamCondition;
}

function grantKey(grant: Grant): string {
  return toCanonicalJson({ role: grant.role, condition: grant.condition ?? null });
}

/** The grants `member` holds in `policy`, in a stable order (so two readings compare equal). */
export function listGrants(policy: IamPolicy, member: string): Grant[] {
  return policy.bindings
    .filter((b) => b.members.includes(member))
    .map((b) => ({ role: b.role, ...(b.condition ? { condition: { title: b.condition.title, ...(b.condition.description ? { description: b.condition.description } : {}), expression: b.condition.expression } } : {}) }))
    .sort((a, b) => (grantKey(a) < grantKey(b) ? -1 : grantKey(a) > grantKey(b) ? 1 : 0));
}

/**
 * Which of a member's grants a step manages: all of them for an identity handoff made for the task; for one the user
 * names (deploy.service_account), only the grants of this task, so those of other tasks sharing it and the user's own
 * stay.
 */
export type GrantScope = (grant: Grant) => boolean;

export const ALL_GRANTS: GrantScope = () => true;

/** The grants that are one of `grants` by role and condition title (a task's conditions carry its name in the title). */
export function scopeToGrants(grants: Grant[]): GrantScope {
  const keys = new Set(grants.map((g) => `${g.role}\n${g.condition?.title ?? ''}`));
  return (grant) => keys.has(`${grant.role}\n${grant.condition?.title ?? ''}`);
}

/**
 * The policy with `member` holding exactly `grants` within `scope`: removed from every other binding in scope
 * (bindings left empty go), added to the binding of each grant (made when missing). Its bindings out of scope and
 * everyone else's stay as they were; the etag is kept, so a concurrent change makes the write fail instead of being
 * overwritten.
 */
export function setGrants(policy: IamPolicy, member: string, grants: Grant[], scope: GrantScope = ALL_GRANTS): IamPolicy {
  const wanted = new Map(grants.map((g) => [grantKey(g), g]));
  const bindings: IamBinding[] = [];
  for (const binding of policy.bindings) {
    const key = grantKey(binding);
    // A binding of the member out of scope is not this step's to take away.
    const kept = !wanted.has(key) && !scope(binding);
    const others = kept ? binding.members : binding.members.filter((m) => m !== member);
    const members = wanted.has(key) ? [...others, member] : others;
    wanted.delete(key);
    if (members.length > 0) bindings.push({ ...binding, members });
  }
  for (const grant of wanted.values()) bindings.push({ role: grant.role, members: [member], ...(grant.condition ? { condition: grant.condition } : {}) });
  const conditional = bindings.some((b) => b.condition);
  return { version: conditional ? 3 : Math.max(policy.version, 1), ...(policy.etag ? { etag: policy.etag } : {}), bindings };
}
