// Who may talk to the UI server: this server's own Host names only, and for the API the random token of the printed
// URL, which the page keeps in its own origin's storage and sends as a Bearer header (never as a cookie).
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The event stream's query parameter for the token: EventSource cannot send headers. Everything else needs the header.
 * (A cookie is no alternative on 127.0.0.1: cookies are not separated by port, so every other local web server the
 * browser visits would receive it.)
 */
export const TOKEN_QUERY = 'token';

export function createAccessToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** The URL to open: the token is in the fragment, which the browser never sends to any server. */
export function formatPageUrl(port: number, token: string): string {
  return `http://127.0.0.1:${port}/#${TOKEN_QUERY}=${token}`;
}

export type AccessDecision = { ok: true; via: 'header' | 'query' } | { ok: false; status: 401 | 403; reason: string };

export interface AccessRequest {
  headers: IncomingHttpHeaders;
  /** Requests that change state: a foreign Origin is refused, and the token must come in the header. */
  mutating: boolean;
  /** The token query parameter, passed only for the event stream. */
  queryToken?: string | null;
}

/** The Host values a browser sends for this server; anything else is a DNS-rebinding page and is refused. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/** Every request, the page included, must name this server as its Host. */
export function checkHost(headers: IncomingHttpHeaders, port: number): AccessDecision | undefined {
  if (allowedHosts(port).has(String(headers.host ?? '').toLowerCase())) return undefined;
  return { ok: false, status: 403, reason: 'this server answers only to 127.0.0.1 and localhost' };
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header. */
function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

/**
 * An API request: a state-changing one from another origin is refused outright (a browser sends Origin with every
 * POST); then the token must match. A browser never adds the header by itself, so a page of another site cannot make
 * a request that carries it: no CSRF token is needed on top.
 */
export function decideAccess(request: AccessRequest, token: string, port: number): AccessDecision {
  const hostRefusal = checkHost(request.headers, port);
  if (hostRefusal) return hostRefusal;
  const origin = request.headers.origin;
  if (request.mutating && origin !== undefined && !allowedHosts(port).has(origin.replace(/^http:\/\//, '').toLowerCase())) {
    return { ok: false, status: 403, reason: 'requests from other sites are refused' };
  }
  const header = bearerToken(request.headers);
  const query = request.mutating ? undefined : (request.queryToken ?? undefined);
  const given = header ?? query;
  if (!given) return { ok: false, status: 401, reason: 'open the URL that `handoff ui` printed: it carries the access token' };
  if (!sameSecret(given, token)) return { ok: false, status: 403, reason: 'wrong access token (is this page from an earlier `handoff ui`? open the URL it printed this time)' };
  return { ok: true, via: header !== undefined ? 'header' : 'query' };
}
