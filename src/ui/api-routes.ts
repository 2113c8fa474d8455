// Every endpoint of the web UI's API in one table: method, path, the permission it needs and the audit action of the
// state-changing ones. The servers route by it, and the role × endpoint tests read it, so no endpoint escapes either.
import type { AuditAction } from './api-types.js';
import type { Permission } from './accounts/roles.js';

export interface ApiRoute {
  /** Names the handler. */
  id: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Segments after `/api/` (server routes) or `/api/projects/<id>/` (project routes); `:name` matches one segment. */
  path: string;
  /** `anyone`: no credential needed (the login itself); `signed-in`: any role. */
  permission: Permission | 'anyone' | 'signed-in';
  /** What the audit log calls an attempt at this route (state-changing routes); a function when the body decides. */
  audit?: AuditAction | ((body: Record<string, unknown>) => AuditAction);
}

/** A project's pages and actions: served by the local UI under `/api/`, by the team server under `/api/projects/<id>/`. */
export const PROJECT_ROUTES: readonly ApiRoute[] = [
  { id: 'overview', method: 'GET', path: 'overview', permission: 'view' },
  { id: 'project', method: 'GET', path: 'project', permission: 'view' },
  { id: 'schedules', method: 'GET', path: 'schedules', permission: 'view' },
  { id: 'run-points', method: 'GET', path: 'run-points', permission: 'view' },
  { id: 'runs', method: 'GET', path: 'runs', permission: 'view' },
  { id: 'run', method: 'GET', path: 'runs/:runId', permission: 'view' },
  { id: 'run-log', method: 'GET', path: 'runs/:runId/log', permission: 'view' },
  { id: 'events', method: 'GET', path: 'events', permission: 'view' },
  { id: 'job', method: 'GET', path: 'jobs/:jobId', permission: 'view' },
  { id: 'job-log', method: 'GET', path: 'jobs/:jobId/log', permission: 'view' },
  { id: 'start-run', method: 'POST', path: 'runs', permission: 'operate', audit: 'run_start' },
  { id: 'stop-run', method: 'POST', path: 'runs/:runId/stop', permission: 'operate', audit: 'run_stop' },
  { id: 'start-cloud-run', method: 'POST', path: 'cloud-runs', permission: 'operate', audit: 'cloud_run_start' },
  { id: 'stop-job', method: 'POST', path: 'jobs/:jobId/stop', permission: 'operate', audit: 'job_stop' },
  {
    id: 'set-schedule',
    method: 'POST',
    path: 'schedules/:targetId',
    permission: 'operate',
    audit: (body) => (body.enabled === false ? 'schedule_disable' : 'schedule_enable'),
  },
];

/** The team server's own endpoints: sign-in, the project list, its event stream, and the admin pages. */
export const SERVER_ROUTES: readonly ApiRoute[] = [
  { id: 'login-options', method: 'GET', path: 'login', permission: 'anyone' },
  { id: 'login', method: 'POST', path: 'login', permission: 'anyone', audit: 'login' },
  { id: 'session', method: 'GET', path: 'session', permission: 'signed-in' },
  { id: 'logout', method: 'POST', path: 'logout', permission: 'signed-in', audit: 'logout' },
  { id: 'projects', method: 'GET', path: 'projects', permission: 'view' },
  { id: 'server-events', method: 'GET', path: 'events', permission: 'view' },
  { id: 'audit', method: 'GET', path: 'admin/audit', permission: 'administer' },
  { id: 'users', method: 'GET', path: 'admin/users', permission: 'administer' },
  { id: 'add-user', method: 'POST', path: 'admin/users', permission: 'administer', audit: 'user_add' },
  { id: 'set-user-role', method: 'POST', path: 'admin/users/:name/role', permission: 'administer', audit: 'user_role' },
  { id: 'set-user-password', method: 'POST', path: 'admin/users/:name/password', permission: 'administer', audit: 'user_passwd' },
  { id: 'remove-user', method: 'DELETE', path: 'admin/users/:name', permission: 'administer', audit: 'user_remove' },
  { id: 'sign-out-user', method: 'POST', path: 'admin/users/:name/signout', permission: 'administer', audit: 'user_signout' },
];

export type RouteMatch = { route: ApiRoute; params: Record<string, string> } | { route?: undefined; methodNotAllowed: boolean };

/** The route for a method and path segments; `methodNotAllowed` when the path exists with other methods only. */
export function matchRoute(routes: readonly ApiRoute[], method: string, segments: string[]): RouteMatch {
  let pathExists = false;
  for (const route of routes) {
    const pattern = route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((part, i) => {
      if (part.startsWith(':')) {
        params[part.slice(1)] = segments[i];
        return true;
      }
      return part === segments[i];
    });
    if (!fits) continue;
    pathExists = true;
    if (route.method === method) return { route, params };
  }
  return { methodNotAllowed: pathExists };
}

/** Whether a method changes state (and so needs the Origin check and, with a session cookie, the CSRF token). */
export function isMutating(method: string | undefined): boolean {
  return method !== 'GET' && method !== 'HEAD';
}
