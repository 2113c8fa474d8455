// Signed-in sessions of the team server: a random id (the cookie) per login, with the CSRF token that state-changing
// requests must echo, ended after a time without requests (idle) and at an absolute time. A password session is bound
// to the password it signed in with: once the account's password hash changes or the account is gone (from the admin
// page or `handoff ui user` on the accounts file), the session no longer stands. Kept in a file (session-file.ts) when
// given one, so a restart signs no one out; in memory only otherwise.
import crypto from 'node:crypto';
import { readKeptSessions, sessionKeyOf, writeKeptSessions, type KeptSession } from './session-file.js';

export interface Session {
  id: string;
  user: string;
  via: 'password' | 'proxy';
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  /** The client address at login, for the audit log of its logout. */
  from: string;
  /** Password sessions: a digest of the account's password hash at sign-in (credentialDigest), compared at each use. */
  credential?: string;
}

/** Why a session no longer stands for its account: `removed`, or `password` (a new password since its sign-in). */
export type Revocation = 'removed' | 'password';

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
  /** Sessions kept per account; a new login ends the oldest beyond this. */
  maxPerUser?: number;
  maxSessions?: number;
}

/** Where the sessions are kept across restarts. */
export interface SessionKeeping {
  file: string;
  /** Whose sessions (the accounts file, else ui.yml or the audit log), written into the file. */
  server: string;
  /** Every kept session ends at this start (`handoff ui serve --new-token`). */
  forgetAll?: boolean;
  /** What to tell the operator (a file that cannot be trusted or written); never a session's content. */
  onNotice?: (message: string) => void;
}

export type SessionLookup = { session: Session; reason?: undefined } | { session?: undefined; reason: 'none' | 'unknown' | 'expired' | 'idle' };

/**
 * How long the id of a session that ended by time is remembered: a request still carrying it (one sent at the same
 * moment as the request that found it ended, or another tab) is told the session ended, not that it never existed,
 * so the page says why it asks to sign in again whichever answer comes first.
 */
const ENDED_REMEMBERED_MS = 10 * 60_000;

/**
 * How long a session's last request may go unwritten: a request does not write the file (activity moves only the idle
 * time, and a crash loses at most this much of it); sign-ins and sign-outs are written before their answer.
 */
const TOUCH_WRITE_DELAY_MS = 5_000;

function createSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/**
 * The CSRF token of a session, derived from its id: nothing to keep for it, and the page's copy stays right across a
 * restart. One-way, so the token the page can read tells nothing of the HttpOnly cookie.
 */
function csrfTokenOf(id: string): string {
  return crypto.createHash('sha256').update(`handoff-ui-csrf:${id}`).digest('base64url');
}

export class SessionStore {
  /** By sessionKeyOf(id): a session read from the file learns its id (and CSRF token) from the first cookie that finds it. */
  private readonly sessions = new Map<string, Session>();
  /** Keys of sessions that ended by time, with why, until when (in the order they ended). */
  private readonly ended = new Map<string, { reason: 'expired' | 'idle'; until: number }>();
  private readonly maxPerUser: number;
  private readonly maxSessions: number;
  private touchTimer: NodeJS.Timeout | undefined;
  private unwritable = false;

  constructor(
    readonly limits: SessionLimits,
    private readonly keeping?: SessionKeeping,
    now = Date.now(),
  ) {
    this.maxPerUser = limits.maxPerUser ?? 50;
    this.maxSessions = limits.maxSessions ?? 20_000;
    if (!keeping) return;
    if (keeping.forgetAll) {
      keeping.onNotice?.('every kept session ended (--new-token): everyone signs in again');
      this.write();
      return;
    }
    const kept = readKeptSessions(keeping.file);
    if (kept.notice) keeping.onNotice?.(kept.notice);
    for (const k of kept.sessions.slice(-this.maxSessions)) {
      const session: Session = { id: '', csrfToken: '', user: k.user, via: k.via, createdAt: k.createdAt, lastSeenAt: k.lastSeenAt, expiresAt: k.expiresAt, from: k.from, ...(k.credential !== undefined ? { credential: k.credential } : {}) };
      const reason = this.endedByTime(session, now);
      if (reason) this.ended.set(k.key, { reason, until: now + ENDED_REMEMBERED_MS });
      else this.sessions.set(k.key, session);
    }
    // Those that ended while the server was down (or a file that could not be trusted) leave the file now.
    if (kept.notice || this.sessions.size !== kept.sessions.length) this.write();
  }

  /** A new session with a new id (never one the client sent: no session fixation). */
  create(user: string, via: Session['via'], from: string, now = Date.now(), credential?: string): Session {
    this.sweep(now);
    const id = createSecret();
    const session: Session = { id, user, via, csrfToken: csrfTokenOf(id), createdAt: now, lastSeenAt: now, expiresAt: now + this.limits.absoluteMs, from, ...(credential !== undefined ? { credential } : {}) };
    // Bounded per account and per kind: sessions made through the proxy never end the account's password sessions.
    const own = [...this.sessions].filter(([, s]) => s.user === user && s.via === via).sort(([, a], [, b]) => a.createdAt - b.createdAt);
    for (const [key] of own.slice(0, Math.max(0, own.length - this.maxPerUser + 1))) this.sessions.delete(key);
    while (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(sessionKeyOf(id), session);
    this.write();
    return session;
  }

  /**
   * The live session of a cookie value, touched (its idle time starts again) unless `touch` is false (a request that
   * is refused anyway); an ended one is removed and says why.
   */
  find(id: string | undefined, now = Date.now(), touch = true): SessionLookup {
    if (!id) return { reason: 'none' };
    const key = sessionKeyOf(id);
    const session = this.sessions.get(key);
    if (!session) {
      const ended = this.ended.get(key);
      return { reason: ended && now < ended.until ? ended.reason : 'unknown' };
    }
    const reason = this.endedByTime(session, now);
    if (reason) {
      this.forget(key, reason, now);
      this.write();
      return { reason };
    }
    if (!session.id) Object.assign(session, { id, csrfToken: csrfTokenOf(id) });
    if (touch) {
      session.lastSeenAt = now;
      this.writeSoon();
    }
    return { session };
  }

  /** Whether a session still lives, without counting this as activity (an open event stream is not a user's request). */
  isLive(id: string, now = Date.now()): boolean {
    const session = this.sessions.get(sessionKeyOf(id));
    return session !== undefined && now < session.expiresAt && now - session.lastSeenAt < this.limits.idleMs;
  }

  /** Ends a session (sign-out, revocation): written before the caller answers, so a restart does not bring it back. */
  end(id: string): Session | undefined {
    const key = sessionKeyOf(id);
    const session = this.sessions.get(key);
    if (this.sessions.delete(key)) this.write();
    return session;
  }

  /** Ends every session of an account (removed, or its password changed). */
  endUser(user: string): number {
    let ended = 0;
    for (const [key, session] of this.sessions) {
      if (session.user.toLowerCase() !== user.toLowerCase()) continue;
      this.sessions.delete(key);
      ended++;
    }
    if (ended > 0) this.write();
    return ended;
  }

  /** Ends the sessions that no longer stand (`ends` says so), e.g. those of accounts removed while the server was down. */
  endWhere(ends: (session: Session) => boolean): number {
    let ended = 0;
    for (const [key, session] of this.sessions) {
      if (!ends(session)) continue;
      this.sessions.delete(key);
      ended++;
    }
    if (ended > 0) this.write();
    return ended;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Writes what requests changed since the last write (at the server's close). */
  flush(): void {
    if (!this.touchTimer) return;
    clearTimeout(this.touchTimer);
    this.touchTimer = undefined;
    this.write();
  }

  /** Drops ended sessions (each login looks, so memory follows the number of live sessions). */
  private sweep(now: number): void {
    for (const [key, session] of this.sessions) {
      const reason = this.endedByTime(session, now);
      if (reason) this.forget(key, reason, now);
    }
  }

  private endedByTime(session: Session, now: number): 'expired' | 'idle' | undefined {
    if (now >= session.expiresAt) return 'expired';
    if (now - session.lastSeenAt >= this.limits.idleMs) return 'idle';
    return undefined;
  }

  /** Removes a session that ended by time and remembers its key for a while (bounded like the sessions). */
  private forget(key: string, reason: 'expired' | 'idle', now: number): void {
    this.sessions.delete(key);
    this.ended.set(key, { reason, until: now + ENDED_REMEMBERED_MS });
    // All are remembered equally long, so the oldest come first: drop those whose time is over, and any beyond the cap.
    for (const [k, ended] of this.ended) {
      if (now < ended.until && this.ended.size <= this.maxSessions) break;
      this.ended.delete(k);
    }
  }

  private writeSoon(): void {
    if (!this.keeping || this.touchTimer) return;
    this.touchTimer = setTimeout(() => {
      this.touchTimer = undefined;
      this.write();
    }, TOUCH_WRITE_DELAY_MS);
    this.touchTimer.unref();
  }

  /**
   * The whole file anew (synchronously: the sign-in or sign-out it records is on disk before its answer). One that
   * cannot be written leaves the sessions in memory, said once: a restart then signs everyone out.
   */
  private write(): void {
    if (!this.keeping) return;
    if (this.touchTimer) {
      clearTimeout(this.touchTimer);
      this.touchTimer = undefined;
    }
    const kept: KeptSession[] = [...this.sessions].map(([key, s]) => ({ key, user: s.user, via: s.via, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt, from: s.from, ...(s.credential !== undefined ? { credential: s.credential } : {}) }));
    try {
      writeKeptSessions(this.keeping.file, this.keeping.server, kept);
      this.unwritable = false;
    } catch (error) {
      if (!this.unwritable) this.keeping.onNotice?.(`the sessions cannot be kept in ${this.keeping.file} (${(error as Error).message}): a restart of the server signs everyone out`);
      this.unwritable = true;
    }
  }
}

/**
 * What a password session keeps of the credential it signed in with: a digest of the account's password hash (a new
 * password gives a new salt, so a new hash, even when the same password is set again). Not the hash itself: memory
 * holds nothing a password could be guessed against.
 */
export function credentialDigest(passwordHash: string | null): string {
  return crypto.createHash('sha256').update(`handoff-ui-session:${passwordHash ?? ''}`).digest('base64url');
}

/**
 * Whether a session still stands for its account as the accounts file says now (`account` undefined: no such account).
 * A password session needs its account with the same password hash as at sign-in; a proxy session has no password and
 * is not judged here (the account's existence or the default role decides, as for each request).
 */
export function revocationOf(session: Session, account: { password: string | null } | undefined): Revocation | undefined {
  if (session.via !== 'password') return undefined;
  if (!account) return 'removed';
  if (session.credential === undefined || !sameToken(credentialDigest(account.password), session.credential)) return 'password';
  return undefined;
}

/** Constant-time comparison of a CSRF token the client echoed with the session's. */
export function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
