// Signed-in sessions of the team server, in memory: a random id (the cookie) per login, with the CSRF token that
// state-changing requests must echo, ended after a time without requests (idle) and at an absolute time. A password
// session is bound to the password it signed in with: once the account's password hash changes or the account is gone
// (from the admin page or `handoff ui user` on the accounts file), the session no longer stands.
import crypto from 'node:crypto';

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

export type SessionLookup = { session: Session; reason?: undefined } | { session?: undefined; reason: 'none' | 'unknown' | 'expired' | 'idle' };

/**
 * How long the id of a session that ended by time is remembered: a request still carrying it (one sent at the same
 * moment as the request that found it ended, or another tab) is told the session ended, not that it never existed,
 * so the page says why it asks to sign in again whichever answer comes first.
 */
const ENDED_REMEMBERED_MS = 10 * 60_000;

function createSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** Ids of sessions that ended by time, with why, until when (in the order they ended). */
  private readonly ended = new Map<string, { reason: 'expired' | 'idle'; until: number }>();
  private readonly maxPerUser: number;
  private readonly maxSessions: number;

  constructor(readonly limits: SessionLimits) {
    this.maxPerUser = limits.maxPerUser ?? 50;
    this.maxSessions = limits.maxSessions ?? 20_000;
  }

  /** A new session with a new id (never one the client sent: no session fixation). */
  create(user: string, via: Session['via'], from: string, now = Date.now(), credential?: string): Session {
    this.sweep(now);
    const session: Session = { id: createSecret(), user, via, csrfToken: createSecret(), createdAt: now, lastSeenAt: now, expiresAt: now + this.limits.absoluteMs, from, ...(credential !== undefined ? { credential } : {}) };
    // Bounded per account and per kind: sessions made through the proxy never end the account's password sessions.
    const own = [...this.sessions.values()].filter((s) => s.user === user && s.via === via).sort((a, b) => a.createdAt - b.createdAt);
    for (const old of own.slice(0, Math.max(0, own.length - this.maxPerUser + 1))) this.sessions.delete(old.id);
    while (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(session.id, session);
    return session;
  }

  /**
   * The live session of a cookie value, touched (its idle time starts again) unless `touch` is false (a request that
   * is refused anyway); an ended one is removed and says why.
   */
  find(id: string | undefined, now = Date.now(), touch = true): SessionLookup {
    if (!id) return { reason: 'none' };
    const session = this.sessions.get(id);
    if (!session) {
      const ended = this.ended.get(id);
      return { reason: ended && now < ended.until ? ended.reason : 'unknown' };
    }
    const reason = this.endedByTime(session, now);
    if (reason) {
      this.forget(session, reason, now);
      return { reason };
    }
    if (touch) session.lastSeenAt = now;
    return { session };
  }

  /** Whether a session still lives, without counting this as activity (an open event stream is not a user's request). */
  isLive(id: string, now = Date.now()): boolean {
    const session = this.sessions.get(id);
    return session !== undefined && now < session.expiresAt && now - session.lastSeenAt < this.limits.idleMs;
  }

  end(id: string): Session | undefined {
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    return session;
  }

  /** Ends every session of an account (removed, or its password changed). */
  endUser(user: string): number {
    let ended = 0;
    for (const session of this.sessions.values()) {
      if (session.user.toLowerCase() !== user.toLowerCase()) continue;
      this.sessions.delete(session.id);
      ended++;
    }
    return ended;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Drops ended sessions (each login looks, so memory follows the number of live sessions). */
  private sweep(now: number): void {
    for (const session of this.sessions.values()) {
      const reason = this.endedByTime(session, now);
      if (reason) this.forget(session, reason, now);
    }
  }

  private endedByTime(session: Session, now: number): 'expired' | 'idle' | undefined {
    if (now >= session.expiresAt) return 'expired';
    if (now - session.lastSeenAt >= this.limits.idleMs) return 'idle';
    return undefined;
  }

  /** Removes a session that ended by time and remembers its id for a while (bounded like the sessions). */
  private forget(session: Session, reason: 'expired' | 'idle', now: number): void {
    this.sessions.delete(session.id);
    this.ended.set(session.id, { reason, until: now + ENDED_REMEMBERED_MS });
    // All are remembered equally long, so the oldest come first: drop those whose time is over, and any beyond the cap.
    for (const [id, ended] of this.ended) {
      if (now < ended.until && this.ended.size <= this.maxSessions) break;
      this.ended.delete(id);
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
