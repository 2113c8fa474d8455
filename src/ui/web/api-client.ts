// The page's calls to the server's JSON API (same origin), each with the page's access token as a Bearer header.
import type { LogChunk, OverviewResponse, ProjectResponse, RunDetail, RunPoint, RunsPage, SchedulesResponse, StartRunResponse } from '../api-types.js';
import { pageToken } from './page-token.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** 401 and 403: no token, or one from an earlier `handoff ui` on this port. */
export function isAccessRefused(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

function authorization(): Record<string, string> {
  const token = pageToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: 'application/json', ...authorization() }, cache: 'no-store' });
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok) throw new ApiError(response.status, body.message ?? `${path}: HTTP ${response.status}`, body);
  return body as T;
}

/** The event stream's URL: EventSource cannot send headers, so its token goes in the query. */
export function eventsUrl(): string {
  return `/api/events?token=${encodeURIComponent(pageToken() ?? '')}`;
}

export const api = {
  overview: () => getJson<OverviewResponse>('/api/overview'),
  project: () => getJson<ProjectResponse>('/api/project'),
  schedules: () => getJson<SchedulesResponse>('/api/schedules'),
  runs: (offset: number, limit: number) => getJson<RunsPage>(`/api/runs?offset=${offset}&limit=${limit}`),
  runPoints: (limit: number) => getJson<{ points: RunPoint[] }>(`/api/run-points?limit=${limit}`),
  run: (runId: string) => getJson<RunDetail>(`/api/runs/${encodeURIComponent(runId)}`),
  log: (runId: string, stream: string, from: { offset?: number; tail?: number }) => {
    const query = new URLSearchParams({ stream });
    if (from.tail !== undefined) query.set('tail', String(from.tail));
    else query.set('offset', String(from.offset ?? 0));
    return getJson<LogChunk>(`/api/runs/${encodeURIComponent(runId)}/log?${query}`);
  },
  async startRun(): Promise<{ status: number; body: StartRunResponse }> {
    const response = await fetch('/api/runs', { method: 'POST', headers: authorization() });
    const body = (await response.json().catch(() => ({ message: `HTTP ${response.status}` }))) as StartRunResponse;
    return { status: response.status, body };
  },
};
