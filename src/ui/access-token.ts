// Who may talk to the UI server: the random token of the printed URL, then an HttpOnly cookie; Host and Origin checks.
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Requests that change something (start a run) must carry the token in this header, not only the cookie. */
export const TOKEN_HEADER = 'x-handoff-token';

export function createAccessToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** One cookie per port: two `handoff ui` servers on this machine must not overwrite each other's cookie. */
export function tokenCookieName(port: number): string {
  return `handoff_ui_${port}`;
}

export function formatTokenCookie(port: number, token: string): string {
  // No Secure flag: the server speaks plain HTTP on loopback, and a Secure cookie would never be sent back.
  return `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export type AccessDecision = { ok: true; via: 'query' | 'cookie' | 'header' } | { ok: false; status: 401 | 403; reason: string };

export interface AccessRequest {
  headers: IncomingHttpHeaders;
  /** The `token` query parameter, if any. */
  queryToken: string | null;
  /** Requests that change state: the token header is required and a foreign Origin is refused. */
  mutating: boolean;
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Host values a browser sends for this server; anything else is a DNS-rebinding page and is refused. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function decideAccess(request: AccessRequest, token: string, port: number): AccessDecision {
  const hosts = allowedHosts(port);
  if (!hosts.has(String(request.headers.host ?? '').toLowerCase())) {
    return { ok: false, status: 403, reason: 'this server answers only to 127.0.0.1 and localhost' };
  }
  const origin = request.headers.origin;
  if (request.mutating && origin !== undefined && !hosts.has(origin.replace(/^http:\/\//, '').toLowerCase())) {
    return { ok: false, status: 403, reason: 'requests from other sites are refused' };
  }
  const header = request.headers[TOKEN_HEADER];
  const headerToken = Array.isArray(header) ? header[0] : header;
  if (request.mutating) {
    if (!headerToken) return { ok: false, status: 401, reason: `this request needs the access token in the ${TOKEN_HEADER} header` };
    return sameSecret(headerToken, token) ? { ok: true, via: 'header' } : { ok: false, status: 403, reason: 'wrong access token' };
  }
  const candidates: Array<['query' | 'cookie' | 'header', string | undefined]> = [
    ['header', headerToken],
    ['query', request.queryToken ?? undefined],
    ['cookie', readCookie(request.headers.cookie, tokenCookieName(port))],
  ];
  const given = candidates.filter((c): c is ['query' | 'cookie' | 'header', string] => !!c[1]);
  if (given.length === 0) return { ok: false, status: 401, reason: 'open the URL that `handoff ui` printed: it carries the access token' };
  const match = given.find(([, value]) => sameSecret(value, token));
  return match ? { ok: true, via: match[0] } : { ok: false, status: 403, reason: 'wrong access token' };
}
