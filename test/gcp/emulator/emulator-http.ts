// The emulator's HTTP plumbing: requests with their caller, Google's error bodies, JSON replies, routes, and page tokens.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from './emulator-auth.js';

export interface EmulatorRequest {
  method: string;
  /** The path as sent (percent-encoding kept), without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Who the bearer token (or registry login) says is calling; undefined for a request without credentials. */
  principal?: Principal;
}

/** google.rpc.Code names and the HTTP status each maps to (Google API design guide, "Errors"). */
const HTTP_STATUS: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  INTERNAL: 500,
};

/** An error as Google's APIs send it: `{"error": {"code", "message", "status"}}`. */
export class GoogleApiError extends Error {
  constructor(
    readonly status: string,
    message: string,
    /** Cloud Storage's own: its errors carry `errors: [{reason, domain, message}]` and some their own HTTP status (412). */
    readonly storage?: { reason: string; httpStatus?: number },
  ) {
    super(message);
  }

  get httpStatus(): number {
    return this.storage?.httpStatus ?? HTTP_STATUS[this.status] ?? 500;
  }
}

export const fail = {
  notFound: (message: string) => new GoogleApiError('NOT_FOUND', message),
  alreadyExists: (message: string) => new GoogleApiError('ALREADY_EXISTS', message),
  permissionDenied: (message: string) => new GoogleApiError('PERMISSION_DENIED', message),
  unauthenticated: (message: string) => new GoogleApiError('UNAUTHENTICATED', message),
  invalidArgument: (message: string) => new GoogleApiError('INVALID_ARGUMENT', message),
  failedPrecondition: (message: string) => new GoogleApiError('FAILED_PRECONDITION', message),
  aborted: (message: string) => new GoogleApiError('ABORTED', message),
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: GoogleApiError): void {
  const body: Record<string, unknown> = { code: error.httpStatus, message: error.message, status: error.status };
  if (error.storage) body.errors = [{ message: error.message, domain: 'global', reason: error.storage.reason }];
  sendJson(res, error.httpStatus, { error: body });
}

export function readJson<T>(req: EmulatorRequest): T {
  if (req.body.length === 0) return {} as T;
  try {
    return JSON.parse(req.body.toString('utf8')) as T;
  } catch {
    throw fail.invalidArgument('Invalid JSON payload received.');
  }
}

export type Handler = (req: EmulatorRequest, res: ServerResponse, params: string[]) => void | Promise<void>;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** A route: the pattern's groups become `params`, percent-decoded. */
export function route(method: string, pattern: RegExp, handler: Handler): Route {
  return { method, pattern, handler };
}

/**
 * A page size the emulator uses when a request names none, instead of each API's own default (tests set a small one
 * so that list calls really page); a size the request names is honoured up to Google's usual maximum of 1000.
 */
let defaultPageSizeOverride: number | undefined;

export function setDefaultPageSize(size: number | undefined): void {
  defaultPageSizeOverride = size;
}

/** Page `items` the way list methods do: an opaque token is the index of the next item. */
export function paginate<T>(items: T[], requested: string | number | null | undefined, pageToken: string | null | undefined, apiDefault: number): { page: T[]; nextPageToken?: string } {
  const start = pageToken ? Number(Buffer.from(pageToken, 'base64url').toString('utf8')) : 0;
  const asked = Number(requested ?? 0);
  const size = asked > 0 ? Math.min(asked, 1000) : (defaultPageSizeOverride ?? apiDefault);
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
  return { page, ...(next ? { nextPageToken: next } : {}) };
}

/** RFC 3339 with nanoseconds trimmed to milliseconds, as Google's JSON timestamps read. */
export function timestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString();
}

/** A google.protobuf.Duration in JSON ("3600s") or object form, in seconds. */
export function readDuration(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return Number(value.replace(/s$/, ''));
  if (typeof value === 'object') return Number((value as { seconds?: unknown }).seconds ?? 0);
  return undefined;
}
