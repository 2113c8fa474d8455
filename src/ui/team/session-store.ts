// Signed-in sessions of the team server: a random id (the cookie) per login, with the CSRF token that state-changing
// requests must echo, ended after a time without requests (idle) and at an absolute time. A password session is bound
// to the password it signed in with: once the account's password hash changes or the account is gone (from the admin
// page or `handoff ui user` on the accounts file), the session no longer stands. Kept in a file (session-file.ts) when
// given one, so a restart signs no one out and servers sharing the file share their sessions; in memory only otherwise.
import crypto from 'node:crypto';
import { SessionJournal, sessionKeyOf, withFileLock, type JournalRead, type JournalRecord, type KeptSession } from './session-file.js';

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

/** How often the checks of open event streams read what other servers wrote (requests read it each time). */
const STREAM_CATCH_UP_MS = 500;

/** Lines a sessions file may hold beyond twice its sessions before it is written anew. */
const REWRITE_AFTER_LINES = 1000;

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
  private sessions = new Map<string, Session>();
  /** Keys of sessions that ended by time, with why, until when (in the order they ended). */
  private readonly ended = new Map<string, { reason: 'expired' | 'idle'; until: number }>();
  /** Keys of sessions ended otherwise (sign-out, revocation), until they would have expired: none comes back. */
  private readonly tombstones = new Map<string, number>();
  /** Sessions whose last request is not written yet. */
  private readonly touched = new Set<string>();
  private readonly maxPerUser: number;
  private readonly maxSessions: number;
  private readonly journal: SessionJournal | undefined;
  private touchTimer: NodeJS.Timeout | undefined;
  /**
   * By account (lower case): the sessions a sign-out everywhere ended while the file could not be written (ended in this
   * memory only, said so with a 503), with when each would have expired. A retry says it ended them: whichever write
   * carried them to the other servers (the retry's, or an earlier one's), the sign-out asked for is only now confirmed.
   */
  private readonly endedUnconfirmed = new Map<string, Map<string, number>>();
  private unwritable = false;
  private lastNotice: string | undefined;
  private caughtUpAt = -Infinity;

  constructor(
    readonly limits: SessionLimits,
    private readonly keeping?: SessionKeeping,
    now = Date.now(),
  ) {
    this.maxPerUser = limits.maxPerUser ?? 50;
    this.maxSessions = limits.maxSessions ?? 20_000;
    if (!keeping) return;
    this.journal = new SessionJournal(keeping.file, keeping.server);
    if (keeping.forgetAll) keeping.onNotice?.('every kept session ended (--new-token): everyone signs in again');
    // Written anew at each start: those that ended while the server was down (or a file that could not be trusted)
    // leave it now, and the next sign-ins append to a short file.
    this.change(now, () => {
      if (keeping.forgetAll) {
        this.sessions.clear();
        this.tombstones.clear();
      }
      return 'rewrite';
    });
  }

  /** A new session with a new id (never one the client sent: no session fixation). */
  create(user: string, via: Session['via'], from: string, now = Date.now(), credential?: string): Session {
    const id = createSecret();
    const session: Session = { id, user, via, csrfToken: csrfTokenOf(id), createdAt: now, lastSeenAt: now, expiresAt: now + this.limits.absoluteMs, from, ...(credential !== undefined ? { credential } : {}) };
    const key = sessionKeyOf(id);
    this.change(now, () => {
      this.sweep(now);
      const records: JournalRecord[] = [];
      // Bounded per account and per kind: sessions made through the proxy never end the account's password sessions.
      const own = [...this.sessions].filter(([, s]) => s.user === user && s.via === via).sort(([, a], [, b]) => a.createdAt - b.createdAt);
      for (const [old] of own.slice(0, Math.max(0, own.length - this.maxPerUser + 1))) records.push(...this.endKey(old));
      while (this.sessions.size >= this.maxSessions) records.push(...this.endKey(this.sessions.keys().next().value!));
      this.sessions.set(key, session);
      records.push({ add: toKept(key, session) });
      return records;
    });
    return session;
  }

  /**
   * The live session of a cookie value, touched (its idle time starts again) unless `touch` is false (a request that
   * is refused anyway); an ended one is removed and says why. What other servers of the file wrote is read first.
   */
  find(id: string | undefined, now = Date.now(), touch = true): SessionLookup {
    if (!id) return { reason: 'none' };
    this.catchUp(now);
    const key = sessionKeyOf(id);
    const session = this.sessions.get(key);
    if (!session) {
      const ended = this.ended.get(key);
      return { reason: ended && now < ended.until ? ended.reason : 'unknown' };
    }
    const reason = this.endedByTime(session, now);
    if (reason) {
      this.forget(key, reason, now);
      return { reason };
    }
    if (!session.id) Object.assign(session, { id, csrfToken: csrfTokenOf(id) });
    if (touch) {
      session.lastSeenAt = now;
      if (this.journal) this.touched.add(key);
      this.writeSoon();
    }
    return { session };
  }

  /**
   * Whether a session still lives, without counting this as activity (an open event stream is not a user's request).
   * Asked every second for each open stream: what other servers wrote is read at most every STREAM_CATCH_UP_MS, so a
   * sign-out on one closes the streams of that session on the other too.
   */
  isLive(id: string, now = Date.now()): boolean {
    if (now - this.caughtUpAt >= STREAM_CATCH_UP_MS) this.catchUp(now);
    const session = this.sessions.get(sessionKeyOf(id));
    return session !== undefined && now < session.expiresAt && now - session.lastSeenAt < this.limits.idleMs;
  }

  /** Ends a session (sign-out, revocation): written before the caller answers, so neither a restart nor another server brings it back. */
  end(id: string, now = Date.now()): Session | undefined {
    const key = sessionKeyOf(id);
    const session = this.sessions.get(key);
    if (session) this.change(now, () => this.endKey(key));
    return session;
  }

  /** Ends every session of an account (removed, or its password changed: each server refuses them anyway then). */
  endUser(user: string, now = Date.now()): number {
    return this.endUserKept(user, now).ended;
  }

  /**
   * Ends every session of an account, and says whether that was written for the other servers and a restart (a sign-out
   * everywhere: nothing else ends them there). `unwritten` is why not (the sessions ended in this server's memory only;
   * the next change that can be written writes it).
   */
  endUserKept(user: string, now = Date.now()): { ended: number; unwritten?: string } {
    const account = user.toLowerCase();
    const { keys, unwritten } = this.endWhereKeys((session) => session.user.toLowerCase() === account, now);
    // Those an earlier sign-out of the account ended here only (a 503) count as ended by this one: it confirms them.
    for (const [name, ended] of this.endedUnconfirmed) {
      for (const [key, until] of ended) if (until <= now) ended.delete(key);
      if (ended.size === 0) this.endedUnconfirmed.delete(name);
    }
    const ended = new Map([...(this.endedUnconfirmed.get(account) ?? []), ...keys]);
    if (unwritten === undefined) this.endedUnconfirmed.delete(account);
    else if (ended.size > 0) this.endedUnconfirmed.set(account, ended);
    return unwritten === undefined ? { ended: ended.size } : { ended: ended.size, unwritten };
  }

  /** Ends the sessions that no longer stand (`ends` says so), e.g. those of accounts removed while the server was down. */
  endWhere(ends: (session: Session) => boolean, now = Date.now()): number {
    return this.endWhereKeys(ends, now).keys.size;
  }

  /** Ends the sessions `ends` says, and returns their keys (with when each would have expired) and why not written, if not. */
  private endWhereKeys(ends: (session: Session) => boolean, now: number): { keys: Map<string, number>; unwritten?: string } {
    const keys = new Map<string, number>();
    const unwritten = this.change(now, () => {
      for (const [key, session] of this.sessions) if (ends(session)) keys.set(key, session.expiresAt);
      return [...keys.keys()].flatMap((key) => this.endKey(key));
    });
    return unwritten === undefined ? { keys } : { keys, unwritten };
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Writes what requests changed since the last write (at the server's close). */
  flush(now = Date.now()): void {
    if (!this.touchTimer) return;
    clearTimeout(this.touchTimer);
    this.touchTimer = undefined;
    this.change(now, () => this.seenRecords());
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
    this.touched.delete(key);
    this.ended.set(key, { reason, until: now + ENDED_REMEMBERED_MS });
    // All are remembered equally long, so the oldest come first: drop those whose time is over, and any beyond the cap.
    for (const [k, ended] of this.ended) {
      if (now < ended.until && this.ended.size <= this.maxSessions) break;
      this.ended.delete(k);
    }
  }

  /** Ends a live session here and returns its tombstone for the journal. */
  private endKey(key: string): JournalRecord[] {
    const session = this.sessions.get(key);
    if (!session) return [];
    this.sessions.delete(key);
    this.touched.delete(key);
    this.bury(key, session.expiresAt);
    return [{ end: key, until: session.expiresAt }];
  }

  /** Remembers an ended session's key until it would have expired (bounded: the oldest go first). */
  private bury(key: string, until: number): void {
    this.tombstones.delete(key);
    this.tombstones.set(key, until);
    while (this.tombstones.size > this.maxSessions) this.tombstones.delete(this.tombstones.keys().next().value!);
  }

  /** Applies what other servers (or `handoff ui user signout`) appended since the last read. */
  private catchUp(now: number): void {
    this.caughtUpAt = now;
    if (!this.journal || !this.journal.changed()) return;
    this.apply(this.journal.read(), now);
  }

  private apply(read: JournalRead, now: number): void {
    if (read.notice && read.notice !== this.lastNotice) this.keeping?.onNotice?.(read.notice);
    this.lastNotice = read.notice;
    // A file that cannot be trusted adds nothing (at a start: everyone signs in again) and is written anew at the next change.
    if (read.notice) return;
    if (read.whole) {
      // The file was written anew (a start, or another server's rewrite): it holds every session that stands. What
      // this server knows of them (their cookie's id, a request not written yet) is kept.
      const known = this.sessions;
      this.sessions = new Map();
      for (const record of read.records) this.applyRecord(record);
      for (const [key, session] of this.sessions) {
        const mine = known.get(key);
        if (!mine) continue;
        if (mine.id) Object.assign(session, { id: mine.id, csrfToken: mine.csrfToken });
        session.lastSeenAt = Math.max(session.lastSeenAt, mine.lastSeenAt);
      }
      for (const key of this.touched) if (!this.sessions.has(key)) this.touched.delete(key);
    } else {
      for (const record of read.records) this.applyRecord(record);
    }
    // Judged by time once every line is read: a session's activity comes in lines after the one that made it.
    for (const key of read.whole ? [...this.sessions.keys()] : read.records.flatMap((r) => ('add' in r ? [r.add.key] : []))) {
      const session = this.sessions.get(key);
      const reason = session && this.endedByTime(session, now);
      if (reason) this.forget(key, reason, now);
    }
  }

  private applyRecord(record: JournalRecord): void {
    if ('add' in record) {
      const k = record.add;
      if (this.tombstones.has(k.key)) return;
      const known = this.sessions.get(k.key);
      if (known) {
        known.lastSeenAt = Math.max(known.lastSeenAt, k.lastSeenAt);
        return;
      }
      this.sessions.set(k.key, { id: '', csrfToken: '', user: k.user, via: k.via, createdAt: k.createdAt, lastSeenAt: k.lastSeenAt, expiresAt: k.expiresAt, from: k.from, ...(k.credential !== undefined ? { credential: k.credential } : {}) });
    } else if ('end' in record) {
      // Signed out (or revoked), whatever its time would say: a request still carrying it is told to sign in.
      this.ended.delete(record.end);
      this.sessions.delete(record.end);
      this.touched.delete(record.end);
      this.bury(record.end, record.until);
      // Ended by another (`handoff ui user signout`, or another server's sign-out everywhere) and said there: a sign-out
      // after a 503 here must not say it again. This server's own lines are never read back, so its writes keep them.
      for (const [account, keys] of this.endedUnconfirmed) if (keys.delete(record.end) && keys.size === 0) this.endedUnconfirmed.delete(account);
    } else {
      for (const [key, at] of Object.entries(record.seen)) {
        const session = this.sessions.get(key);
        if (session) session.lastSeenAt = Math.max(session.lastSeenAt, at);
      }
    }
  }

  /**
   * The journal's records for every session that stands (a rewrite). Ended ones are left out, tombstones too: the
   * rewrite is made holding the lock, after every line (every `end`) was read, so none of them can come back.
   */
  private snapshot(now: number): JournalRecord[] {
    this.touched.clear();
    for (const [key, until] of this.tombstones) if (until <= now) this.tombstones.delete(key);
    return [...this.sessions].filter(([, s]) => !this.endedByTime(s, now)).map(([key, s]) => ({ add: toKept(key, s) }));
  }

  private seenRecords(): JournalRecord[] {
    const seen: Record<string, number> = {};
    for (const key of this.touched) {
      const session = this.sessions.get(key);
      if (session) seen[key] = session.lastSeenAt;
    }
    this.touched.clear();
    return Object.keys(seen).length ? [{ seen }] : [];
  }

  private writeSoon(): void {
    if (!this.journal || this.touchTimer) return;
    this.touchTimer = setTimeout(() => {
      this.touchTimer = undefined;
      this.change(Date.now(), () => this.seenRecords());
    }, TOUCH_WRITE_DELAY_MS);
    this.touchTimer.unref();
  }

  /**
   * Makes a change (`mutate`, which returns its journal lines, or 'rewrite') and writes it before returning
   * (synchronously: the sign-in or sign-out is on disk before its answer). Kept in a file, the change is made holding
   * its lock, after what other servers appended is read, so each server's lines join the others' and none is lost.
   * A file that cannot be written leaves the sessions in memory, said once; the next change that can be written writes
   * the file anew from memory. Returns why it was not written (undefined: written, or kept in memory only by design).
   */
  private change(now: number, mutate: () => JournalRecord[] | 'rewrite'): string | undefined {
    const journal = this.journal;
    if (!journal) {
      mutate();
      return undefined;
    }
    let mutated = false;
    try {
      withFileLock(journal.file, () => {
        this.apply(journal.read(), now);
        const records = mutate();
        mutated = true;
        // Written whole when the file is not there to append to (new, untrusted), and once it holds many more lines
        // than what stands (sign-outs and activity): a write costs about what it adds, the file stays proportionate.
        // Also after a change that could not be written (`unwritable`): the file lacks it (a sign-out, say), and only
        // this server's memory holds it, so the file is written anew from memory, which took in the others' lines above.
        if (records === 'rewrite' || this.unwritable || !journal.positioned || journal.lines > REWRITE_AFTER_LINES + 2 * this.sessions.size) journal.rewrite(this.snapshot(now));
        else journal.append([...this.seenRecords(), ...records]);
      }, this.keeping?.onNotice);
      this.unwritable = false;
      return undefined;
    } catch (error) {
      if (!mutated) mutate();
      if (!this.unwritable) this.keeping?.onNotice?.(`the sessions cannot be kept in ${journal.file} (${(error as Error).message}): until a later write succeeds they are kept in this server's memory only (another server or a restart meanwhile does not see sign-ins and sign-outs made here)`);
      this.unwritable = true;
      return (error as Error).message;
    }
  }
}

function toKept(key: string, s: Session): KeptSession {
  return { key, user: s.user, via: s.via, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt, from: s.from, ...(s.credential !== undefined ? { credential: s.credential } : {}) };
}

/**
 * Ends every kept session of an account in a sessions file, for whichever server reads it (`handoff ui user signout`):
 * a running server applies it at its next request, a stopped one at its start. Returns how many were live.
 */
export function endKeptSessionsOf(file: string, server: string, user: string, now = Date.now()): number {
  const journal = new SessionJournal(file, server);
  return withFileLock(file, () => {
    const read = journal.read();
    if (read.notice) throw new Error(read.notice);
    const live = new Map<string, KeptSession>();
    const buried = new Set<string>();
    for (const record of read.records) {
      if ('add' in record && !buried.has(record.add.key)) live.set(record.add.key, record.add);
      else if ('end' in record) {
        live.delete(record.end);
        buried.add(record.end);
      }
    }
    const ends: JournalRecord[] = [...live.values()].filter((s) => s.user.toLowerCase() === user.toLowerCase() && s.expiresAt > now).map((s) => ({ end: s.key, until: s.expiresAt }));
    if (ends.length === 0) return 0;
    // An older handoff's file is written anew as a journal; a journal gets the tombstones appended.
    if (journal.positioned) journal.append(ends);
    else journal.rewrite([...[...live.values()].filter((s) => s.expiresAt > now).map((add) => ({ add })), ...ends]);
    return ends.length;
  });
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
