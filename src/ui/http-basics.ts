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

/** The page's Content-Security-Policy: no inline script or style, nothing from elsewhere, never framed. */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The refusal pages carry their style inline and nothing else. */
export const REFUSED_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/** Headers of every answer: no sniffing, no referrer, never framed, not readable by other origins. */
export function setSecurityHeaders(res: ServerResponse, options: { tls?: boolean } = {}): void {
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
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

export function readIntParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new HttpError(400, `${name} must be a whole number`);
  return Math.min(value, max);
}

/** A JSON answer; `mask` replaces secret values in the text (every answer goes through it). */
export function sendJson(res: ServerResponse, status: number, body: unknown, mask: (text: string) => string = (t) => t): void {
  const text = mask(JSON.stringify(body));
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
