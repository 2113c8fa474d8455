// Answers one project's API routes (the table in api-routes.ts) from its backend: pages as JSON, the event stream,
// and the actions, whose outcome the caller writes to the audit log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiRoute } from './api-routes.js';
import { HttpError, readIntParam, readJsonBody, readSmallBody, sendJson } from './http-basics.js';
import type { ActionResult, ProjectBackend } from './project-backend.js';

const MAX_PAGE = 200;
const MAX_POINTS = 1000;
const MAX_LOG_BYTES = 1024 * 1024;
/** Actions take no or tiny parameters; a body beyond this is refused rather than read. */
export const MAX_BODY_BYTES = 16 * 1024;

export interface RouteCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: ApiRoute;
  params: Record<string, string>;
  /** The parsed body of a state-changing request (read by the caller, which needs it for the audit log). */
  body: Record<string, unknown>;
  /** Told an action's outcome before it is answered, so its audit line is written before the client hears back. */
  beforeAnswer?: (result: ActionResult<unknown>) => void;
}

/** Reads the body of a state-changing request: JSON when there is one. */
export async function readActionBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!req.headers['content-type']) {
    // "Run now" sends nothing; whatever is sent without a type is read (bounded) and ignored.
    await readSmallBody(req, MAX_BODY_BYTES);
    return {};
  }
  return readJsonBody(req, MAX_BODY_BYTES);
}

/** Serves a GET route, or performs an action and answers it (after telling `beforeAnswer` its outcome). */
export async function serveProjectRoute(backend: ProjectBackend, call: RouteCall): Promise<void> {
  const { res, url, route, params, body } = call;
  const send = (status: number, value: unknown): undefined => {
    sendJson(res, status, value, (text) => backend.mask(text));
    return undefined;
  };
  const act = async (result: Promise<ActionResult<unknown>>): Promise<undefined> => {
    const done = await result;
    call.beforeAnswer?.(done);
    return send(done.status, done.body);
  };
  switch (route.id) {
    case 'overview':
      return send(200, await backend.overview());
    case 'project':
      return send(200, await backend.describe());
    case 'schedules':
      return send(200, await backend.schedules());
    case 'run-points':
      return send(200, { points: await backend.runPoints(readIntParam(url, 'limit', 200, MAX_POINTS)) });
    case 'runs':
      return send(200, await backend.runsPage(readIntParam(url, 'offset', 0, Number.MAX_SAFE_INTEGER), readIntParam(url, 'limit', 50, MAX_PAGE) || 50));
    case 'run':
      return send(200, await backend.runDetail(params.runId));
    case 'run-log': {
      const tail = url.searchParams.get('tail');
      const chunk = await backend.readLog(params.runId, url.searchParams.get('stream') ?? 'console', {
        offset: readIntParam(url, 'offset', 0, Number.MAX_SAFE_INTEGER),
        tail: tail !== null ? readIntParam(url, 'tail', 0, MAX_LOG_BYTES) : undefined,
      });
      return send(200, chunk);
    }
    case 'events':
      if (backend.events.full) throw new HttpError(503, 'too many event streams are open; close some of the pages of this UI');
      backend.events.attach(res);
      return undefined;
    case 'job':
      return send(200, await backend.job(params.jobId));
    case 'job-log':
      return send(200, await backend.jobLog(params.jobId, readIntParam(url, 'from', 0, Number.MAX_SAFE_INTEGER)));
    case 'start-run':
      return act(backend.startRun());
    case 'stop-run':
      return act(backend.stopRun(params.runId));
    case 'start-cloud-run':
      return act(backend.startCloudRun());
    case 'stop-job':
      return act(backend.stopJob(params.jobId));
    case 'set-schedule':
      if (typeof body.enabled !== 'boolean') throw new HttpError(400, 'send {"enabled": true} or {"enabled": false}');
      return act(backend.setScheduleEnabled(params.targetId, body.enabled));
    default:
      throw new HttpError(404, 'no such endpoint');
  }
}
