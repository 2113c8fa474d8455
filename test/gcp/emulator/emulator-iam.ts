// IAM in the emulator: service accounts (iam.googleapis.com v1), resource policies with etags, and the checks a call by a
// service account goes through — role permissions and the CEL conditions handoff writes.
import crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { toMember, type Principal } from './emulator-auth.js';
import { fail, readJson, route, sendJson, type EmulatorRequest, type Route } from './emulator-http.js';

export interface Binding {
  role: string;
  members: string[];
  condition?: { title?: string; description?: string; expression: string };
}

export interface Policy {
  version: number;
  etag: string;
  bindings: Binding[];
}

/** The permissions of the predefined roles handoff grants (IAM "roles and permissions" reference, the parts used here). */
const ROLE_PERMISSIONS: Record<string, string[]> = {
  'roles/storage.objectUser': ['storage.objects.create', 'storage.objects.delete', 'storage.objects.get', 'storage.objects.list', 'storage.objects.update'],
  'roles/storage.objectViewer': ['storage.objects.get', 'storage.objects.list'],
  'roles/storage.objectAdmin': ['storage.objects.create', 'storage.objects.delete', 'storage.objects.get', 'storage.objects.list', 'storage.objects.update'],
  'roles/secretmanager.secretAccessor': ['secretmanager.versions.access'],
  'roles/run.invoker': ['run.jobs.run', 'run.routes.invoke'],
  'roles/run.jobsExecutor': ['run.jobs.run', 'run.executions.cancel'],
  'roles/run.jobsExecutorWithOverrides': ['run.jobs.run', 'run.jobs.runWithOverrides', 'run.executions.cancel'],
};

/** What a condition may look at: the resource's name and, for a listing, the prefix asked for. */
export interface ConditionContext {
  resourceName: string;
  listPrefix?: string;
}

/**
 * Evaluates the CEL conditions handoff writes — `resource.name.startsWith("…")` and
 * `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("…")` — joined by `&&` or `||`. Anything
 * else is false (denied), so a condition the emulator does not understand never grants access.
 */
export function evaluateCondition(expression: string, context: ConditionContext): boolean {
  const term = (text: string): boolean => {
    const name = /^resource\.name\.startsWith\("((?:[^"\\]|\\.)*)"\)$/.exec(text.trim());
    if (name) return context.resourceName.startsWith(JSON.parse(`"${name[1]}"`) as string);
    const prefix = /^api\.getAttribute\("storage\.googleapis\.com\/objectListPrefix",\s*""\)\.startsWith\("((?:[^"\\]|\\.)*)"\)$/.exec(text.trim());
    if (prefix) return (context.listPrefix ?? '').startsWith(JSON.parse(`"${prefix[1]}"`) as string);
    return false;
  };
  return expression.split('||').some((any) => any.split('&&').every(term));
}

export class EmulatorIam {
  readonly serviceAccounts = new Map<string, { email: string; uniqueId: string; displayName: string; description: string; projectId: string }>();
  private readonly policies = new Map<string, Policy>();

  constructor(private readonly owner: Principal) {}

  policy(resource: string): Policy {
    return this.policies.get(resource) ?? { version: 1, etag: 'ACAB', bindings: [] };
  }

  /** Sets a resource's policy: the etag must match the current one (else ABORTED), and every service account must exist. */
  setPolicy(resource: string, policy: { version?: number; etag?: string; bindings?: Binding[] }): Policy {
    const current = this.policy(resource);
    if (policy.etag && policy.etag !== current.etag) throw fail.aborted('There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.');
    for (const binding of policy.bindings ?? []) {
      if (binding.condition && (policy.version ?? 1) < 3) throw fail.invalidArgument('Conditions require policy version 3.');
      for (const member of binding.members) {
        const account = /^serviceAccount:(.+)$/.exec(member)?.[1];
        if (account && account.endsWith('.iam.gserviceaccount.com') && !this.serviceAccounts.has(account)) {
          throw fail.invalidArgument(`Service account ${account} does not exist.`);
        }
      }
    }
    const saved: Policy = { version: policy.version ?? 1, etag: crypto.randomBytes(8).toString('base64'), bindings: structuredClone(policy.bindings ?? []) };
    this.policies.set(resource, saved);
    return saved;
  }

  deletePolicy(resource: string): void {
    this.policies.delete(resource);
  }

  /**
   * Whether `principal` may do `permission` on `resource`: the owner (the deployer) may do anything in the project;
   * anyone else only what a binding of the resource's policy grants, its condition holding.
   */
  allows(principal: Principal | undefined, permission: string, resource: string, context: ConditionContext): boolean {
    if (!principal) return false;
    if (principal.kind === this.owner.kind && principal.email === this.owner.email) return true;
    const member = toMember(principal);
    return this.policy(resource).bindings.some(
      (b) => b.members.includes(member) && (ROLE_PERMISSIONS[b.role] ?? []).includes(permission) && (!b.condition || evaluateCondition(b.condition.expression, context)),
    );
  }

  /** Throws 401 without credentials and 403 without the permission, in Google's words. */
  require(principal: Principal | undefined, permission: string, resource: string, context: ConditionContext = { resourceName: resource }): void {
    if (!principal) throw fail.unauthenticated('Request is missing required authentication credential. Expected OAuth 2 access token.');
    if (!this.allows(principal, permission, resource, context)) {
      throw fail.permissionDenied(`Permission '${permission}' denied on resource '${context.resourceName}' (or it may not exist).`);
    }
  }

  /** Only the owner may manage (create, update, delete, set policies): service accounts hold no project roles here. */
  requireOwner(principal: Principal | undefined, what: string): void {
    if (!principal) throw fail.unauthenticated('Request is missing required authentication credential. Expected OAuth 2 access token.');
    if (principal.kind !== this.owner.kind || principal.email !== this.owner.email) throw fail.permissionDenied(`Permission denied to ${what} for ${toMember(principal)}.`);
  }

  routes(): Route[] {
    const project = (p: string): string => decodeURIComponent(p);
    const sendAccount = (res: ServerResponse, email: string): void => {
      const a = this.serviceAccounts.get(email)!;
      sendJson(res, 200, { name: `projects/${a.projectId}/serviceAccounts/${a.email}`, projectId: a.projectId, uniqueId: a.uniqueId, email: a.email, displayName: a.displayName, description: a.description, oauth2ClientId: a.uniqueId });
    };
    const find = (req: EmulatorRequest, p: string, id: string): string => {
      this.requireOwner(req.principal, 'read service accounts');
      const email = decodeURIComponent(id);
      if (!this.serviceAccounts.has(email)) throw fail.notFound(`Unknown service account`);
      return email;
    };
    return [
      route('POST', /^\/v1\/projects\/([^/]+)\/serviceAccounts$/, (req, res, [p]) => {
        this.requireOwner(req.principal, 'create service accounts');
        const body = readJson<{ accountId?: string; serviceAccount?: { displayName?: string; description?: string } }>(req);
        const accountId = body.accountId ?? '';
        // Account ids: 6-30 characters, [a-z]([-a-z0-9]*[a-z0-9]).
        if (!/^[a-z]([-a-z0-9]*[a-z0-9])$/.test(accountId) || accountId.length < 6 || accountId.length > 30) {
          throw fail.invalidArgument('accountId does not match the regex [a-z]([-a-z0-9]*[a-z0-9]) or is not 6-30 characters.');
        }
        const email = `${accountId}@${project(p!)}.iam.gserviceaccount.com`;
        if (this.serviceAccounts.has(email)) throw fail.alreadyExists(`Service account ${accountId} already exists within project projects/${project(p!)}.`);
        this.serviceAccounts.set(email, { email, uniqueId: String(100_000_000_000 + this.serviceAccounts.size), displayName: body.serviceAccount?.displayName ?? '', description: body.serviceAccount?.description ?? '', projectId: project(p!) });
        sendAccount(res, email);
      }),
      route('GET', /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/]+)$/, (req, res, [p, id]) => sendAccount(res, find(req, p!, id!))),
      route('PATCH', /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/]+)$/, (req, res, [p, id]) => {
        const email = find(req, p!, id!);
        const body = readJson<{ serviceAccount?: { displayName?: string; description?: string } }>(req);
        const account = this.serviceAccounts.get(email)!;
        account.displayName = body.serviceAccount?.displayName ?? account.displayName;
        account.description = body.serviceAccount?.description ?? account.description;
        sendAccount(res, email);
      }),
      route('DELETE', /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/]+)$/, (req, res, [p, id]) => {
        this.serviceAccounts.delete(find(req, p!, id!));
        sendJson(res, 200, {});
      }),
    ];
  }
}
