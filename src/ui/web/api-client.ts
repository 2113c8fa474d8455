// The page's calls to the server's JSON API (same origin): a project's endpoints under a base path (`/api` in the
// local UI, `/api/projects/<id>` on the team server) and the team server's own. Credentials: the page token as a
// Bearer header when the page holds one; otherwise the session cookie (sent by the browser) plus the session's CSRF
// token on state-changing requests.
import type {
  AccountView,
  AuditPage,
  JobDetail,
  JobLogChunk,
  LoginOptionsResponse,
  LogChunk,
  OverviewResponse,
  ProjectResponse,
  ProjectsResponse,
  RunDetail,
  RunPoint,
  RunsPage,
  SchedulesResponse,
  SessionResponse,
  StartRunResponse,
} from '../api-types.js';
import { pageToken } from './page-token.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: { message?: string; reason?: string; retryAfterSeconds?: number },
  ) {
    super(message);
  }
}

/** 401 and 403: no token, or one from an earlier `handoff ui` on this port. */
export function isAccessRefused(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

/** The session's CSRF token (team server with accounts), kept in memory only. */
let csrfToken: string | undefined;
/** Told when a request finds the session ended (the page shows the sign-in form). */
let onSignedOut: ((reason: string) => void) | undefined;

export function setSession(session: { csrfToken?: string } | undefined, signedOut?: (reason: string) => void): void {
  csrfToken = session?.csrfToken;
  if (signedOut) onSignedOut = signedOut;
}

function credentialHeaders(mutating: boolean): Record<string, string> {
  const token = pageToken();
  if (token) return { Authorization: `Bearer ${token}` };
  return mutating && csrfToken ? { 'X-CSRF-Token': csrfToken } : {};
}

async function request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { Accept: 'application/json', ...credentialHeaders(method !== 'GET') };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  const parsed = (await response.json().catch(() => ({ message: `HTTP ${response.status}` }))) as T & { message?: string; reason?: string };
  if (response.status === 401 && (parsed.reason === 'expired' || parsed.reason === 'signed-out')) onSignedOut?.(parsed.reason);
  return { status: response.status, body: parsed };
}

async function getJson<T>(path: string): Promise<T> {
  const { status, body } = await request<T & { message?: string }>('GET', path);
  if (status >= 400) throw new ApiError(status, body.message ?? `${path}: HTTP ${status}`, body as ApiError['body']);
  return body;
}

/** A state-changing call whose answer the page shows whatever its status (409 busy, 403 refused, …). */
function send<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T & { message: string } }> {
  return request<T & { message: string }>(method, path, body);
}

/** The event stream's URL: EventSource cannot send headers, so a page token goes in the query (a cookie goes by itself). */
export function eventsUrl(path: string): string {
  const token = pageToken();
  return token ? `${path}?token=${encodeURIComponent(token)}` : path;
}

export type ProjectApi = ReturnType<typeof createProjectApi>;

export function createProjectApi(base: string) {
  const at = (path: string): string => `${base}/${path}`;
  const id = (value: string): string => encodeURIComponent(value);
  return {
    base,
    eventsUrl: () => eventsUrl(at('events')),
    overview: () => getJson<OverviewResponse>(at('overview')),
    project: () => getJson<ProjectResponse>(at('project')),
    schedules: () => getJson<SchedulesResponse>(at('schedules')),
    runs: (offset: number, limit: number) => getJson<RunsPage>(at(`runs?offset=${offset}&limit=${limit}`)),
    runPoints: (limit: number) => getJson<{ points: RunPoint[] }>(at(`run-points?limit=${limit}`)),
    run: (runId: string) => getJson<RunDetail>(at(`runs/${id(runId)}`)),
    log: (runId: string, stream: string, from: { offset?: number; tail?: number }) => {
      const query = new URLSearchParams({ stream });
      if (from.tail !== undefined) query.set('tail', String(from.tail));
      else query.set('offset', String(from.offset ?? 0));
      return getJson<LogChunk>(at(`runs/${id(runId)}/log?${query}`));
    },
    job: (jobId: string) => getJson<JobDetail>(at(`jobs/${id(jobId)}`)),
    jobLog: (jobId: string, from: number) => getJson<JobLogChunk>(at(`jobs/${id(jobId)}/log?from=${from}`)),
    startRun: () => send<StartRunResponse>('POST', at('runs')),
    stopRun: (runId: string) => send<object>('POST', at(`runs/${id(runId)}/stop`)),
    startCloudRun: () => send<{ job?: JobDetail['job'] }>('POST', at('cloud-runs')),
    stopJob: (jobId: string) => send<{ job?: JobDetail['job'] }>('POST', at(`jobs/${id(jobId)}/stop`)),
    setScheduleEnabled: (targetId: string, enabled: boolean) => send<object>('POST', at(`schedules/${id(targetId)}`), { enabled }),
  };
}

export interface AuditQuery {
  user?: string;
  action?: string;
  project?: string;
  outcome?: string;
  q?: string;
  since?: string;
  until?: string;
  before?: number;
  limit?: number;
}

/** The team server's own endpoints. */
export const serverApi = {
  session: () => request<SessionResponse & { message?: string; reason?: string }>('GET', '/api/session'),
  loginOptions: () => getJson<LoginOptionsResponse>('/api/login'),
  login: (user: string, password: string) => send<SessionResponse & { retryAfterSeconds?: number }>('POST', '/api/login', { user, password }),
  logout: () => send<object>('POST', '/api/logout'),
  projects: () => getJson<ProjectsResponse>('/api/projects'),
  eventsUrl: () => eventsUrl('/api/events'),
  audit: (query: AuditQuery) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    return getJson<AuditPage>(`/api/admin/audit?${params}`);
  },
  users: () => getJson<{ users: AccountView[]; file?: string }>('/api/admin/users'),
  addUser: (name: string, role: string, password: string | null) => send<object>('POST', '/api/admin/users', { name, role, password }),
  setUserRole: (name: string, role: string) => send<object>('POST', `/api/admin/users/${encodeURIComponent(name)}/role`, { role }),
  setUserPassword: (name: string, password: string) => send<object>('POST', `/api/admin/users/${encodeURIComponent(name)}/password`, { password }),
  removeUser: (name: string) => send<object>('DELETE', `/api/admin/users/${encodeURIComponent(name)}`),
  signOutUser: (name: string) => send<object>('POST', `/api/admin/users/${encodeURIComponent(name)}/signout`, {}),
};
