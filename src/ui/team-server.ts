// The team server (`handoff ui serve`): many projects, accounts with roles (or sign-on through a trusted proxy, or on
// loopback the printed token), sessions with CSRF tokens, every sign-in and action in the audit log, optional TLS.
// Each request passes, in order: 1. Host, 2. Origin (state-changing), 3. credential, 4. CSRF (cookie sessions),
// 5. the route's permission for the user's role. A refusal at 2, 4 or 5 of a caller whose credential holds is audited.
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { UserError } from '../errors.js';
import { createAccessToken } from './access-token.js';
import { AccountBook, accountChanges, toAccountView, type Account } from './accounts/account-file.js';
import { checkNewPassword, decoyHash, hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from './accounts/password-hash.js';
import { isRole, leastRoleFor, roleAllows, type Role } from './accounts/roles.js';
import { isMutating, matchRoute, PROJECT_ROUTES, SERVER_ROUTES, type ApiRoute } from './api-routes.js';
import type { AuditAction, AuditEntry, LoginOptionsResponse, ProjectCard, SessionResponse } from './api-types.js';
import { AUDIT_ACTIONS, AuditLogUnwritable, openAuditLog, type AuditLog } from './audit/audit-log.js';
import { createEventStream } from './event-stream.js';
import { decodePathSegments, HttpError, limitSlowClients, maskedJson, parseRequestTarget, readActionBodyLeniently, readIntParam, readJsonBody, sendFailure, sendJson, setSecurityHeaders } from './http-basics.js';
import { ProjectBackend, type ExplainLoadError } from './project-backend.js';
import { MAX_BODY_BYTES, serveProjectRoute } from './project-routes.js';
import { LoginThrottle } from './team/login-throttle.js';
import { failedLoginsFileOf } from './team/login-throttle-file.js';
import { clientAddressOf, createProxyTrust } from './team/proxy-auth.js';
import { credentialDigest, revocationOf, sameToken, SessionStore, type Session, type SessionKeeping } from './team/session-store.js';
import { isLoopbackHost } from '../providers/is-loopback-url.js';
import type { TeamConfig } from './team/team-config.js';
import { listen } from './ui-server.js';
import { createPageServer } from './web-assets.js';
import { plural } from '../plural.js';
import { isoTime } from '../iso-time.js';

export interface TeamServerOptions {
  config: TeamConfig;
  /** The handoff entry script that runs are started with (bin/handoff.js). */
  handoffEntry?: string;
  /** Never start or stop anything (every project read-only). */
  readOnly?: boolean;
  /** The token of the token mode (the one kept under HANDOFF_HOME); a random one, for this start only, otherwise. */
  token?: string;
  assetsDir?: string;
  onError?: (error: unknown) => void;
  /** Notices for the operator's terminal (no accounts yet, a proxy header from an untrusted address). */
  onNotice?: (message: string) => void;
  /** Where sessions (and failed sign-in counters, beside them) are kept across restarts (teamSessionsFile); in memory only without it. */
  sessionKeeping?: Omit<SessionKeeping, 'onNotice'>;
  /** A project.yml refusal as the CLI reports it (see ExplainLoadError). */
  explainLoadError?: ExplainLoadError;
}

export interface TeamServer {
  /** The URL to open (with the token in its fragment in token mode). */
  url: string;
  port: number;
  /** `session`: accounts or proxy sign-on; `token`: the printed token (loopback, no accounts). */
  auth: 'session' | 'token';
  token?: string;
  close(): Promise<void>;
}

/** Who is asking, once the credential is checked. */
interface Actor {
  user: string;
  role: Role;
  via: 'password' | 'proxy' | 'token';
  session?: Session;
  from: string;
}

/** Header state-changing requests of a cookie session must carry, with the token GET /api/session gave the page. */
const CSRF_HEADER = 'x-csrf-token';
const MAX_AUDIT_PAGE = 500;
/** Event streams over all projects and the project list together. */
const MAX_OPEN_STREAMS = 1000;
const CROSS_SITE_MESSAGE = 'requests from other sites are refused';

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

/** `host:port` as a URL writes it: an IPv6 address in brackets (`[::1]:8080`). */
export function formatHost(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`.toLowerCase();
}

/** The Host values this server answers to: its listen address (every interface's when it listens on all), loopback names, public_url and allowed_hosts. */
function collectAllowedHosts(config: TeamConfig, port: number): Set<string> {
  const hosts = new Set<string>();
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  if (!wildcard) hosts.add(formatHost(config.host, port));
  if (wildcard || isLoopbackHost(config.host)) for (const name of ['127.0.0.1', 'localhost', '::1']) hosts.add(formatHost(name, port));
  if (wildcard) {
    hosts.add(formatHost(os.hostname(), port));
    for (const addresses of Object.values(os.networkInterfaces())) for (const a of addresses ?? []) hosts.add(formatHost(a.address.replace(/%.*$/, ''), port));
  }
  if (config.publicUrl) hosts.add(config.publicUrl.host.toLowerCase());
  for (const entry of config.allowedHosts) hosts.add(entry.toLowerCase());
  return hosts;
}

function constantTimeEqual(a: string, b: string): boolean {
  return sameToken(a, b);
}

/** How its users are known: accounts or proxy sign-on (sessions), else the printed token (loopback only). */
export function teamAuthMode(config: TeamConfig): TeamServer['auth'] {
  return config.usersFile || config.proxyAuth ? 'session' : 'token';
}

export async function startTeamServer(options: TeamServerOptions): Promise<TeamServer> {
  const { config } = options;
  const authMode = teamAuthMode(config);
  const token = authMode === 'token' ? (options.token ?? createAccessToken()) : undefined;
  const tls = config.tls ? { cert: readPem(config.tls.cert, 'certificate'), key: readPem(config.tls.key, 'key') } : undefined;
  const secureCookies = Boolean(tls) || config.publicUrl?.protocol === 'https:';
  const cookieName = secureCookies ? '__Host-handoff_session' : 'handoff_session';
  const audit: AuditLog = openAuditLog(config.auditLog, (error) => options.onError?.(new Error(`cannot append to the audit log ${config.auditLog}`, { cause: error })));
  const accounts = config.usersFile ? new AccountBook(config.usersFile) : undefined;
  // Read now, so a broken accounts file stops the start with its message rather than the first login.
  const firstAccounts = accounts?.list() ?? [];
  if (accounts && firstAccounts.length === 0) options.onNotice?.(`there are no accounts in ${config.usersFile} yet: add one with \`handoff ui user add NAME --role admin --users ${config.usersFile}\``);
  const sessions = new SessionStore(
    { idleMs: config.sessions.idleMs, absoluteMs: config.sessions.absoluteMs },
    options.sessionKeeping && authMode === 'session' ? { ...options.sessionKeeping, onNotice: options.onNotice } : undefined,
  );
  // Kept sessions whose password changed or whose account went while the server was down leave the file at once
  // (each would be refused at its next request anyway).
  if (accounts) sessions.endWhere((session) => revocationOf(session, accounts.find(session.user)) !== undefined);
  // The failed sign-in counters are kept beside the sessions: a restart (or a crash loop) gives no one free tries again.
  const throttle = new LoginThrottle(options.sessionKeeping && authMode === 'session' ? { keeping: { file: failedLoginsFileOf(options.sessionKeeping.file), onNotice: options.onNotice } } : {});
  const proxy = createProxyTrust(config.proxyAuth);
  const pool = { open: 0, max: MAX_OPEN_STREAMS };
  const pages = createPageServer({ assetsDir: options.assetsDir, mode: 'team' });
  const serverEvents = createEventStream((text) => text, { maxClients: 512, maxBufferedBytes: 256 * 1024, pool });
  let warnedUntrustedHeader = false;

  const backends = new Map<string, ProjectBackend>();
  const cardTimers = new Map<string, NodeJS.Timeout>();
  /** A project's card, masked with that project's secrets (cards carry run reasons). */
  const maskedCard = async (backend: ProjectBackend): Promise<ProjectCard> => JSON.parse(maskedJson(await backend.card(), (text) => backend.mask(text))) as ProjectCard;
  const announceCard = (id: string): void => {
    if (cardTimers.has(id) || serverEvents.clientCount === 0) return;
    // Coalesce a burst of changes (a run's start, its records, its end) into one update of the project list.
    cardTimers.set(
      id,
      setTimeout(() => {
        cardTimers.delete(id);
        const backend = backends.get(id);
        if (backend) void maskedCard(backend).then((card) => serverEvents.send({ type: 'project', card }), options.onError);
      }, 500),
    );
  };
  for (const entry of config.projects) {
    backends.set(
      entry.id,
      new ProjectBackend({
        id: entry.id,
        projectDir: entry.projectDir,
        workspaceDir: entry.workspaceDir,
        stage: entry.stage,
        secretsDir: entry.secretsDir,
        varTokens: entry.varTokens,
        handoffEntry: options.handoffEntry,
        readOnly: options.readOnly,
        localRuns: entry.localRuns,
        allowRunsHint: `set local_runs: true for this project in ui.yml to run it on the server's machine`,
        provider: entry.provider,
        cloud: true,
        eventLimits: { maxClients: 256, maxBufferedBytes: 512 * 1024, pool },
        onError: options.onError,
        onChange: () => announceCard(entry.id),
        explainLoadError: options.explainLoadError,
      }),
    );
  }

  let port = 0;
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  const sessionCookie = (value: string, maxAgeSeconds: number): string =>
    `${cookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secureCookies ? '; Secure' : ''}`;

  /** 503 when the audit log cannot be written now; the server's log gets the cause. */
  const checkAudit = (): void => {
    try {
      audit.check();
    } catch (error) {
      if (!(error instanceof AuditLogUnwritable)) throw error;
      options.onError?.(error);
      throw new HttpError(503, `${error.message}; ask the server's operator to fix it`);
    }
  };

  const auditFor = (actor: Actor | undefined, entry: Omit<AuditEntry, 'time' | 'user' | 'from' | 'role'> & { user?: string | null; from?: string }): void => {
    audit.append({ user: entry.user !== undefined ? entry.user : (actor?.user ?? null), ...(actor ? { role: actor.role } : {}), from: entry.from ?? actor?.from ?? 'unknown', ...entry });
  };

  const roleOfAccount = (name: string, via: 'password' | 'proxy'): { account?: Account; role?: Role } => {
    const account = accounts?.find(name);
    if (account) return { account, role: account.role };
    if (via === 'proxy' && config.proxyAuth?.defaultRole) return { role: config.proxyAuth.defaultRole };
    return {};
  };

  /**
   * A session that no longer stands for its account is ended (the account removed, or its password changed since the
   * sign-in: whoever signed in with the old password must not stay in); says why, or undefined while it stands.
   */
  const revoke = (session: Session): string | undefined => {
    const revocation = revocationOf(session, accounts?.find(session.user));
    if (!revocation) return undefined;
    sessions.end(session.id);
    return revocation === 'removed' ? `the account "${session.user}" no longer exists` : `the password of "${session.user}" was changed; sign in again`;
  };

  /**
   * 3. The credential: the token (token mode), a trusted proxy's header, or the session cookie. Without `res` it only
   * looks (for a request refused anyway, to name who tried): no session made, no cookie set or cleared, none touched.
   */
  const authenticate = (req: IncomingMessage, res: ServerResponse | undefined, url: URL, from: string): Actor => {
    if (authMode === 'token') {
      const isEvents = url.pathname === '/api/events' || /^\/api\/projects\/[^/]+\/events$/.test(url.pathname);
      const given = bearerToken(req) ?? (isEvents && !isMutating(req.method) ? (url.searchParams.get('token') ?? undefined) : undefined);
      if (!given) throw new HttpError(401, 'open the URL that `handoff ui serve` printed: it carries the access token', { reason: 'token' });
      if (!constantTimeEqual(given, token!)) throw new HttpError(403, 'wrong access token (is this page from before `handoff ui serve --new-token`, or of another HANDOFF_HOME? open the URL it printed this time)', { reason: 'token' });
      return { user: 'token', role: 'admin', via: 'token', from };
    }
    const proxyUser = proxy.userOf(req);
    if (proxyUser !== undefined) {
      const { role } = roleOfAccount(proxyUser, 'proxy');
      if (!role) throw new HttpError(403, `the single sign-on user "${proxyUser}" has no account here; ask an admin to add one`, { reason: 'no-account' });
      const found = sessions.find(cookieValue(req, cookieName), Date.now(), res !== undefined);
      if (found.session && found.session.via === 'proxy' && found.session.user === proxyUser) return { user: proxyUser, role, via: 'proxy', session: found.session, from };
      // Without its cookie a request is answered as the proxy's user, statelessly: a script reading the API through the
      // proxy made a session (and a login line) per request, and 50 of them ended the user's other sessions. A
      // session is made where the page needs its CSRF token, GET /api/session; an action without one is refused.
      if (!res || req.method !== 'GET' || url.pathname !== '/api/session') return { user: proxyUser, role, via: 'proxy', from };
      const session = sessions.create(proxyUser, 'proxy', from);
      res.setHeader('Set-Cookie', sessionCookie(session.id, Math.floor(config.sessions.absoluteMs / 1000)));
      audit.append({ user: proxyUser, role, action: 'login', outcome: 'ok', from, detail: 'single sign-on through the proxy' });
      return { user: proxyUser, role, via: 'proxy', session, from };
    }
    if (res && proxy.hasUntrustedHeader(req) && !warnedUntrustedHeader) {
      warnedUntrustedHeader = true;
      options.onNotice?.(`a request from ${from} carried the sign-on header ${config.proxyAuth?.header}, but ${from} is not in proxy_auth.trusted_proxies: the header was ignored`);
    }
    const found = sessions.find(cookieValue(req, cookieName), Date.now(), res !== undefined);
    if (!found.session) {
      const expired = found.reason === 'expired' || found.reason === 'idle';
      if (found.reason !== 'none') res?.setHeader('Set-Cookie', sessionCookie('', 0));
      throw new HttpError(401, expired ? 'your session has ended; sign in again' : 'sign in first', { reason: expired ? 'expired' : 'signed-out' });
    }
    const revoked = revoke(found.session);
    if (revoked) {
      res?.setHeader('Set-Cookie', sessionCookie('', 0));
      throw new HttpError(401, revoked, { reason: 'signed-out' });
    }
    const { role } = roleOfAccount(found.session.user, found.session.via);
    if (!role) {
      sessions.end(found.session.id);
      throw new HttpError(401, `the account "${found.session.user}" no longer exists`, { reason: 'signed-out' });
    }
    return { user: found.session.user, role, via: found.session.via, session: found.session, from };
  };

  const sessionOf = (actor: Actor): SessionResponse => ({
    user: actor.user,
    role: actor.role,
    via: actor.via,
    ...(actor.session
      ? { csrfToken: actor.session.csrfToken, expiresAt: isoTime(actor.session.expiresAt), idleSeconds: Math.round(config.sessions.idleMs / 1000) }
      : {}),
  });

  // --- sign-in -----------------------------------------------------------------------------------------------------

  const login = async (req: IncomingMessage, res: ServerResponse, from: string): Promise<void> => {
    const body = await readJsonBody(req, MAX_BODY_BYTES);
    if (!req.headers['content-type']) throw new HttpError(415, 'send the login as application/json');
    if (!accounts) throw new HttpError(404, config.proxyAuth ? 'this server signs users in through its reverse proxy only' : 'this server has no accounts');
    const name = typeof body.user === 'string' ? body.user.trim().slice(0, 128) : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!name || !password) throw new HttpError(400, 'give a user name and a password');
    // The try is counted now, before the password check (which takes a while): tries sent in parallel each see the
    // ones before them, so a burst cannot pass the check all at once before the first failure is counted.
    // A sign-in is audited like any action: none without its line.
    checkAudit();
    const allowed = throttle.begin(from, name);
    if (!allowed.allowed) {
      if (allowed.firstRefusal) audit.append({ user: name, action: 'login_failed', outcome: 'denied', from, detail: 'too many failed logins: waiting', status: 429 });
      throw new HttpError(429, `too many failed logins; try again in ${allowed.retryAfterSeconds} s`, { retryAfterSeconds: allowed.retryAfterSeconds });
    }
    const { attempt } = allowed;
    let account: Account | undefined;
    let ok: boolean;
    try {
      account = accounts.find(name);
      // A wrong name costs as much time as a wrong password, so names cannot be told apart by timing.
      ok = account?.password && password.length <= MAX_PASSWORD_LENGTH ? await verifyPassword(password, account.password) : (await verifyPassword(password, await decoyHash()), false);
    } catch (error) {
      // A check that threw (an unreadable accounts file) is no verdict on the password.
      attempt.release();
      throw error;
    }
    if (!ok) {
      const wait = attempt.fail();
      audit.append({ user: name, action: 'login_failed', outcome: 'failed', from, detail: !account ? 'no such account' : account.password ? 'wrong password' : 'the account signs in through the proxy only', status: 401 });
      const waitSeconds = Math.ceil(wait / 1000);
      throw new HttpError(401, `wrong user name or password${waitSeconds > 0 ? `; wait ${waitSeconds} s before the next try` : ''}`, waitSeconds > 0 ? { retryAfterSeconds: waitSeconds } : {});
    }
    attempt.succeed();
    const previous = sessions.find(cookieValue(req, cookieName));
    if (previous.session) sessions.end(previous.session.id);
    // Bound to this password: a new one (or the account's removal), wherever it is made, ends the session.
    const session = sessions.create(account!.name, 'password', from, Date.now(), credentialDigest(account!.password));
    res.setHeader('Set-Cookie', sessionCookie(session.id, Math.floor(config.sessions.absoluteMs / 1000)));
    audit.append({ user: account!.name, role: account!.role, action: 'login', outcome: 'ok', from });
    sendJson(res, 200, sessionOf({ user: account!.name, role: account!.role, via: 'password', session, from }));
  };

  const logout = (res: ServerResponse, actor: Actor): void => {
    if (actor.session) sessions.end(actor.session.id);
    res.setHeader('Set-Cookie', sessionCookie('', 0));
    auditFor(actor, { action: 'logout', outcome: 'ok', ...(actor.via === 'proxy' ? { detail: 'the proxy may sign you in again at the next request' } : {}) });
    sendJson(res, 200, { message: 'signed out' });
  };

  // --- admin -------------------------------------------------------------------------------------------------------

  const requireAccounts = (): AccountBook => {
    if (!accounts) throw new HttpError(409, 'this server has no accounts file (users: in ui.yml, or --users)');
    return accounts;
  };

  const changeAccounts = (change: (users: Account[]) => Account[]): void => {
    try {
      requireAccounts().update(change);
    } catch (error) {
      if (error instanceof UserError) throw new HttpError(409, error.message);
      throw error;
    }
  };

  const readRole = (value: unknown): Role => {
    if (!isRole(value)) throw new HttpError(400, 'role must be viewer, operator or admin');
    return value;
  };

  const readNewPassword = (value: unknown): string => {
    if (typeof value !== 'string') throw new HttpError(400, 'give a password');
    const problem = checkNewPassword(value);
    if (problem) throw new HttpError(400, problem);
    return value;
  };

  /** Serves a server route; an account change returns its answer (sent after its audit line) instead of sending it. */
  const serveServerRoute = async (
    route: ApiRoute,
    params: Record<string, string>,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    actor: Actor,
    body: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown; target?: string; detail?: string } | undefined> => {
    switch (route.id) {
      case 'session':
        sendJson(res, 200, sessionOf(actor));
        return undefined;
      case 'logout':
        logout(res, actor);
        return undefined;
      case 'projects': {
        const cards = await Promise.all([...backends.values()].map(maskedCard));
        sendJson(res, 200, { projects: cards });
        return undefined;
      }
      case 'server-events':
        if (serverEvents.full) throw new HttpError(503, 'too many event streams are open');
        serverEvents.attach(res, streamValidity(actor));
        return undefined;
      case 'audit': {
        const action = url.searchParams.get('action') ?? undefined;
        if (action && !(AUDIT_ACTIONS as readonly string[]).includes(action)) throw new HttpError(400, `unknown action "${action}"`);
        const text = (name: string): string | undefined => url.searchParams.get(name)?.trim() || undefined;
        const outcome = text('outcome');
        if (outcome && !AUDIT_OUTCOMES.includes(outcome)) throw new HttpError(400, `outcome must be ${AUDIT_OUTCOMES.join(', ')}`);
        const page = audit.read({
          user: text('user'),
          action,
          project: text('project'),
          outcome,
          text: text('q'),
          since: readAuditTime(text('since'), 'since'),
          until: readAuditTime(text('until'), 'until'),
          limit: readIntParam(url, 'limit', 100, MAX_AUDIT_PAGE) || 100,
          before: url.searchParams.has('before') ? readIntParam(url, 'before', 0, Number.MAX_SAFE_INTEGER) : undefined,
        });
        sendJson(res, 200, page);
        return undefined;
      }
      case 'users':
        sendJson(res, 200, { users: requireAccounts().list().map(toAccountView), file: config.usersFile });
        return undefined;
      case 'add-user': {
        const name = typeof body.name === 'string' ? body.name.trim() : '';
        const role = readRole(body.role);
        const password = body.password === undefined || body.password === null ? null : readNewPassword(body.password);
        const passwordHash = password === null ? null : await hashPassword(password);
        changeAccounts((users) => accountChanges.add(users, { name, role, passwordHash }));
        return { status: 201, body: { message: `added ${name} (${role})` }, target: name, detail: `role ${role}${password === null ? ', no password (single sign-on only)' : ''}` };
      }
      case 'set-user-role': {
        const role = readRole(body.role);
        changeAccounts((users) => accountChanges.setRole(users, params.name, role));
        return { status: 200, body: { message: `${params.name} is now ${role}` }, target: params.name, detail: `role ${role}` };
      }
      case 'set-user-password': {
        const passwordHash = await hashPassword(readNewPassword(body.password));
        changeAccounts((users) => accountChanges.setPassword(users, params.name, passwordHash));
        const ended = sessions.endUser(params.name);
        return { status: 200, body: { message: `changed the password of ${params.name}; ${plural(ended, 'session')} ended` }, target: params.name };
      }
      case 'sign-out-user': {
        // What `handoff ui user signout NAME` does: every session of the name ends, on this server and (through the
        // sessions journal) on any other on this HANDOFF_HOME; its open event streams close within a second.
        // Not written (the journal's lock held by another server, a full disk): the sessions ended on this server only,
        // and the others would go on accepting them. Said as an error (503, audited failed), never as done.
        const { ended, unwritten } = sessions.endUserKept(params.name);
        if (unwritten !== undefined) throw new HttpError(503, `The sign-out of ${params.name} could not be written to ${options.sessionKeeping?.file} (${unwritten}): ${plural(ended, 'session')} ended on this server only; other servers on this HANDOFF_HOME still accept them. Try again (or run handoff ui user signout ${params.name}).`);
        return { status: 200, body: { message: `Signed ${params.name} out: ${plural(ended, 'session')} ended` }, target: params.name, detail: `${plural(ended, 'session')} ended` };
      }
      case 'remove-user': {
        changeAccounts((users) => accountChanges.remove(users, params.name));
        sessions.endUser(params.name);
        return { status: 200, body: { message: `removed ${params.name}` }, target: params.name };
      }
      default:
        throw new HttpError(404, 'no such endpoint');
    }
  };

  /**
   * An event stream lives as long as its session (checked every second), not past a logout or expiry, nor past a new
   * password or the account's removal (made on the admin page, or by `handoff ui user` in the accounts file).
   */
  const streamValidity = (actor: Actor): (() => boolean) | undefined => {
    const session = actor.session;
    // A proxy's user without a session: the stream lives while the account (or the default role) does.
    if (!session) return actor.via === 'proxy' ? () => accounts?.find(actor.user) !== undefined || Boolean(config.proxyAuth?.defaultRole) : undefined;
    return () => {
      if (!sessions.isLive(session.id)) return false;
      if (session.via === 'proxy') return accounts?.find(session.user) !== undefined || Boolean(config.proxyAuth?.defaultRole);
      return revoke(session) === undefined;
    };
  };

  // --- the request -------------------------------------------------------------------------------------------------

  /** 2. Whether a state-changing request comes from a page of another site (its Origin, or the browser's Sec-Fetch-Site). */
  const fromOtherSite = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    return (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) || site === 'cross-site' || site === 'same-site';
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL, from: string): Promise<void> => {
    const segments = decodePathSegments(url.pathname).slice(1);
    const mutating = isMutating(req.method);
    const method = req.method ?? 'GET';
    const inProject = segments[0] === 'projects' && segments.length > 2;
    const match = inProject ? matchRoute(PROJECT_ROUTES, method, segments.slice(2)) : matchRoute(SERVER_ROUTES, method, segments);
    // 2. Origin: a state-changing request from a page of another site is refused whatever it carries (the sign-in too).
    const crossSite = mutating && fromOtherSite(req);
    if (match.route?.permission === 'anyone') {
      if (crossSite) throw new HttpError(403, CROSS_SITE_MESSAGE);
      if (match.route.id === 'login') return login(req, res, from);
      sendJson(res, 200, { password: Boolean(accounts), proxy: Boolean(config.proxyAuth) } satisfies LoginOptionsResponse);
      return;
    }
    // 3. The credential. A request from another site gets 403 with or without one; its credential is only looked at,
    // so that the refusal is audited as the attempt of whoever it names.
    let actor: Actor;
    if (crossSite) {
      try {
        actor = authenticate(req, undefined, url, from);
      } catch (error) {
        if (error instanceof HttpError) throw new HttpError(403, CROSS_SITE_MESSAGE);
        throw error;
      }
      if (!match.route) throw new HttpError(403, CROSS_SITE_MESSAGE);
    } else {
      actor = authenticate(req, res, url, from);
      if (!match.route) throw new HttpError(match.methodNotAllowed ? 405 : 404, match.methodNotAllowed ? 'method not allowed here' : 'no such endpoint');
    }
    const route = match.route;
    const backend = inProject ? backends.get(segments[1]) : undefined;
    // Read before any refusal, leniently (the JSON, whatever its type says), so the audit line names the attempt
    // (a body that switches a schedule off is schedule_disable); a body the action cannot take counts after the role.
    const { body, error: bodyError } = mutating ? await readActionBodyLeniently(req, MAX_BODY_BYTES) : { body: {}, error: undefined };
    // Nothing more is read from a client that sends too much, whichever refusal it gets: the connection ends with it.
    if (bodyError?.status === 413) res.setHeader('Connection', 'close');
    const action: AuditAction | undefined = typeof route.audit === 'function' ? route.audit(body) : route.audit;
    const project = backend?.id;
    const target = match.params.runId ?? match.params.jobId ?? match.params.targetId ?? match.params.name ?? (typeof body.name === 'string' ? body.name.slice(0, 128) : undefined);
    // A project's audit lines are masked with its secrets, as its answers are: the target is an id the caller sent
    // (a guessed secret), the detail can quote it. The server's own lines (accounts, sign-in) hold no project secret.
    const auditProject: typeof auditFor = (who, entry) => auditFor(who, backend ? (JSON.parse(maskedJson(entry, (text) => backend.mask(text))) as typeof entry) : entry);
    const refuse = (status: number, message: string, detail: string): never => {
      if (action) auditProject(actor, { action, outcome: 'denied', project, target, detail, status });
      throw new HttpError(status, message);
    };
    if (crossSite) refuse(403, CROSS_SITE_MESSAGE, 'request from another site');
    if (inProject && !backend) throw new HttpError(404, `no project "${segments[1]}" on this server`);
    // 4. A cookie is sent by the browser with any request to this host: a state-changing one must also echo the
    // session's CSRF token, which only this server's own page can read.
    if (mutating && ((actor.via === 'proxy' && !actor.session) || (actor.session && !sameToken(String(req.headers[CSRF_HEADER] ?? ''), actor.session.csrfToken)))) {
      refuse(403, 'this request lacks the CSRF token of your session (X-CSRF-Token); reload the page', 'no valid CSRF token');
    }
    // 5. The role.
    const permission = route.permission;
    if (permission !== 'signed-in' && permission !== 'anyone' && !roleAllows(actor.role, permission)) {
      refuse(403, `your role (${actor.role}) may not do this; it needs ${leastRoleFor(permission)}`, `needs ${leastRoleFor(permission)}`);
    }
    if (bodyError) {
      if (action && action !== 'logout') auditProject(actor, { action, outcome: 'failed', project, target, detail: bodyError.message, status: bodyError.status });
      throw bodyError;
    }
    // An action whose line cannot be written is not done (README: the line is written before the answer).
    if (action && action !== 'logout') checkAudit();
    try {
      if (backend) {
        if (route.id === 'events') {
          if (backend.events.full) throw new HttpError(503, 'too many event streams are open; close some of the pages of this server');
          backend.events.attach(res, streamValidity(actor));
          return;
        }
        await serveProjectRoute(backend, {
          req,
          res,
          url,
          route,
          params: match.params,
          body,
          beforeAnswer: (result) => {
            if (action) auditProject(actor, { action, outcome: result.status < 400 ? 'ok' : 'failed', project, target: result.target ?? target, ...(result.detail ? { detail: result.detail } : {}), status: result.status });
          },
        });
        return;
      }
      const done = await serveServerRoute(route, match.params, req, res, url, actor, body);
      if (done) {
        // The audit line is written before the answer, so whoever reads the log after the answer finds it.
        if (action && action !== 'logout') auditFor(actor, { action, outcome: 'ok', target: done.target ?? target, ...(done.detail ? { detail: done.detail } : {}), status: done.status });
        sendJson(res, done.status, done.body);
      }
    } catch (error) {
      if (action && action !== 'logout') {
        const status = error instanceof HttpError ? error.status : 500;
        auditProject(actor, { action, outcome: 'failed', project, target, detail: (error as Error).message, status });
      }
      throw error;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res, { tls: Boolean(tls) });
    const from = clientAddressOf(req, proxy);
    let maskWith: ((text: string) => string) | undefined;
    try {
      const url = parseRequestTarget(req.url);
      const isApi = url.pathname.startsWith('/api/');
      // 1. Host: a page of another site that resolves its name to this server (DNS rebinding) names its own host.
      if (!allowedHosts.has(String(req.headers.host ?? '').toLowerCase())) {
        const reason = 'this server answers only to its own host names (add others with allowed_hosts: or public_url: in ui.yml)';
        if (isApi) throw new HttpError(403, reason);
        return pages.refuse(res, 403, reason, 'Open the address the server was set up with.');
      }
      if (!isApi) return pages.serve(req, res, url);
      // The project whose secrets mask the answer is named as handleApi routes it: decoded (`%70%31` is `p1`).
      const segments = decodePathSegments(url.pathname);
      const backend = segments[1] === 'projects' ? backends.get(segments[2] ?? '') : undefined;
      if (backend) maskWith = (text) => backend.mask(text);
      // 2. to 5. (the Origin check among them) in handleApi, which audits a refusal of a known caller.
      await handleApi(req, res, url, from);
    } catch (error) {
      sendFailure(res, error, options.onError, maskWith);
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error);
      res.destroy();
    });
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, onRequest) : http.createServer(onRequest);
  limitSlowClients(server);
  await listen(server, config.port, config.host);
  port = (server.address() as AddressInfo).port;
  allowedHosts = collectAllowedHosts(config, port);
  const scheme = tls ? 'https' : 'http';
  allowedOrigins = new Set([...allowedHosts].map((host) => `${scheme}://${host}`));
  if (config.publicUrl) allowedOrigins.add(config.publicUrl.origin.toLowerCase());
  for (const backend of backends.values()) backend.start();

  const shownHost = config.publicUrl ? undefined : config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const base = config.publicUrl ? config.publicUrl.origin : `${scheme}://${formatHost(shownHost!, port)}`;
  return {
    url: token ? `${base}/#token=${token}` : `${base}/`,
    port,
    auth: authMode,
    ...(token ? { token } : {}),
    async close() {
      sessions.flush();
      for (const timer of cardTimers.values()) clearTimeout(timer);
      serverEvents.close();
      await Promise.all([...backends.values()].map((b) => b.close()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const AUDIT_OUTCOMES: readonly string[] = ['ok', 'denied', 'failed'];

/**
 * A `since`/`until` of the audit API as the ISO time the entries are compared with (a 400 for what is not a time, which
 * matched nothing before); a date alone means its whole day: `until=2026-12-06` takes in that day's entries.
 */
function readAuditTime(value: string | undefined, name: 'since' | 'until'): string | undefined {
  if (value === undefined) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const time = Date.parse(dateOnly ? `${value}T00:00:00.000Z` : value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(time)) throw new HttpError(400, `${name} must be an ISO time such as 2026-12-06T08:00:00Z, or a date`);
  return isoTime(dateOnly && name === 'until' ? time + 86_400_000 - 1 : time);
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new UserError(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`, { fix: 'give the path of a PEM file this user can read' });
  }
}
