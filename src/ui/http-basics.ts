// What both UI servers (the local one and the team server) share at the HTTP level: client errors, the request target,
// small bodies, query numbers, JSON answers with secrets masked, and the security headers of every answer.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** A client's mistake: answered with its status and message, never logged with a stack. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra fields of the JSON answer (e.g. `reason: 'expired'`, so the page can tell why). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * The Content-Security-Policy of every other answer (JSON, assets, errors, event streams): nothing may load or run,
 * be framed, post a form or set a base. An answer opened as a page by itself (an API URL, a 404) then runs nothing.
 */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The page's Content-Security-Policy: no inline script or style, nothing from elsewhere, never framed. */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The refusal pages carry their style inline and nothing else. */
export const REFUSED_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/**
 * Headers of every answer: a strict CSP (the page and the refusal pages replace it with their own in writeHead), no
 * sniffing, no referrer, never framed, not readable by other origins.
 */
export function setSecurityHeaders(res: ServerResponse, options: { tls?: boolean } = {}): void {
  res.setHeader('Content-Security-Policy', DEFAULT_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // Over TLS only: a browser that saw it once refuses plain HTTP to this host for a year.
  if (options.tls) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
}

/**
 * Cuts off clients that send their request slowly (Node's defaults wait a minute for headers and five for a body):
 * each held connection costs a socket, and a page never takes long to send a request.
 */
export function limitSlowClients(server: Server): void {
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
}

/** The request target as a URL; only the origin form (a path) is served, and nothing in it may throw later. */
export function parseRequestTarget(target: string | undefined): URL {
  if (!target?.startsWith('/')) throw new HttpError(400, 'the request target must be a path');
  try {
    // Prefixed, not resolved against a base: `//x/y` stays a path instead of naming a host.
    return new URL(`http://127.0.0.1${target}`);
  } catch {
    throw new HttpError(400, 'malformed URL');
  }
}

export function decodePathSegments(pathname: string): string[] {
  try {
    return pathname
      .split('/')
      .filter(Boolean)
      .map((segment) => decodeURIComponent(segment));
  } catch {
    throw new HttpError(400, 'malformed URL: a %-escape in the path is not valid UTF-8');
  }
}

/** Reads a small request body; a larger one is refused with 413 (by its Content-Length, before it is sent, if given). */
export function readSmallBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(req.headers['content-length']) > maxBytes) {
    return Promise.reject(new HttpError(413, `the request body is larger than ${maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      reject(new HttpError(413, `the request body is larger than ${maxBytes} bytes`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** A small JSON object body (`{}` when empty); anything else is a 400 or 415 that names what was expected. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await readSmallBody(req, maxBytes);
  if (body.length === 0) return {};
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send the body as application/json');
  return parseJsonObject(body);
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** An action's body read without refusing it yet: what it says, and why a strict read would refuse it. */
export interface LenientBody {
  /** The JSON object it holds, whatever its content type says (`{}` when it holds none, or has no type at all). */
  body: Record<string, unknown>;
  /** The refusal a strict read gives (413, 415, 400), to be answered once the caller's right to act is checked. */
  error?: HttpError;
}

/**
 * Reads an action's body as `readActionBody` does (no content type: read, bounded, and ignored; otherwise a JSON
 * object), but returns a refusal instead of throwing it. A server that audits refused attempts first needs to know the
 * attempt (a body that switches a schedule off is `schedule_disable`) and the caller's right to it; a body that is
 * wrong only counts after that.
 */
export async function readActionBodyLeniently(req: IncomingMessage, maxBytes: number): Promise<LenientBody> {
  let bytes: Buffer;
  try {
    bytes = await readSmallBody(req, maxBytes);
  } catch (error) {
    if (error instanceof HttpError) return { body: {}, error };
    throw error;
  }
  if (!req.headers['content-type'] || bytes.length === 0) return { body: {} };
  let body: Record<string, unknown> = {};
  let error: HttpError | undefined;
  try {
    body = parseJsonObject(bytes);
  } catch (problem) {
    error = problem as HttpError;
  }
  if (!/^application\/json\b/i.test(req.headers['content-type'])) error = new HttpError(415, 'send the body as application/json');
  return error ? { body, error } : { body };
}

export function readIntParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new HttpError(400, `${name} must be a whole number`);
  return Math.min(value, max);
}

/**
 * JSON text of a value with `mask` applied to each string in it (after toJSON, so a class instance's strings too), not
 * to the text: masking the text turned a log size of 1573 into `***` for a secret "1573" (invalid JSON, a 500 for the
 * whole team project list) and a secret equal to a key or literal (`status`, `true`) into a broken answer.
 */
export function maskedJson(value: unknown, mask: (text: string) => string): string {
  return JSON.stringify(value, (key, item: unknown) => (typeof item === 'string' && !IDENTIFIER_KEYS.has(key) ? mask(item) : item));
}

/**
 * Fields that hold ids handoff or the provider made (run ids, job ids), never text from a run: masked, a short
 * secret inside one broke the link to the run and showed the secret beside the unmasked start time. (Ids a caller
 * sends are never repeated in answers: see NO_SUCH_RUN.)
 */
const IDENTIFIER_KEYS = new Set(['runId', 'jobId', 'id', 'run_id']);

/** A JSON answer; `mask` replaces secret values in its strings (every answer goes through it). */
export function sendJson(res: ServerResponse, status: number, body: unknown, mask: (text: string) => string = (t) => t): void {
  const text = maskedJson(body, mask);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/** Answers a failed request: a client error with its status, anything else as 500 (told to `onError`, without details). */
export function sendFailure(res: ServerResponse, error: unknown, onError: ((error: unknown) => void) | undefined, mask?: (text: string) => string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) {
    // Nothing more is read from a client that sends too much: the connection ends with the answer. (A client still
    // sending then sees a reset rather than the 413; one that declared its size first gets the 413.)
    if (error.status === 413) res.setHeader('Connection', 'close');
    if (error.status === 429 && typeof error.extra.retryAfterSeconds === 'number') res.setHeader('Retry-After', String(error.extra.retryAfterSeconds));
    sendJson(res, error.status, { message: error.message, ...error.extra }, mask);
    return;
  }
  onError?.(error);
  sendJson(res, 500, { message: `handoff ui failed: ${(error as Error).message}` }, mask);
}
