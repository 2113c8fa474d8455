// Login rate limiting with back-off: after a few failed logins from one address or for one account, each further try
// must wait twice as long as the one before (up to a cap); a successful login clears its account's and address's count.
// A try counts from its start (`begin`), not from its verdict: the password check takes a while, and tries sent in
// parallel would otherwise all pass the check before the first failure is counted. Given a file, the counts are kept
// in it (login-throttle-file.ts) at each failure and success, so a restart does not give anyone free tries again.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { appendKeptFailures, olderFailedLoginsFileOf, readKeptFailures, writeKeptFailures, type KeptFailures } from './login-throttle-file.js';
import { withFileLock } from './session-file.js';
export interface ThrottleDecision {
  allowed: boolean;
  /** Seconds until a try is allowed again (when not allowed). */
  retryAfterSeconds: number;
}

export interface LoginThrottleOptions {
  /** Failures allowed before the back-off starts. */
  freeFailures?: number;
  /** The first wait; each further failure doubles it. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A key without failures for this long is forgotten. */
  forgetAfterMs?: number;
  /** Bound on remembered keys (addresses and names), so a flood of made-up names cannot grow the server. */
  maxKeys?: number;
  /** Where the counts are kept across restarts; in memory only without it. */
  keeping?: { file: string; onNotice?: (message: string) => void };
}

/** A login under way, counted against its address and name until it ends one way or the other. */
export interface LoginAttempt {
  /** Counts the failure; returns how long the next try must wait (0 while still within the free failures). */
  fail(now?: number): number;
  /** Clears the failures of its address and name. */
  succeed(): void;
  /** Ends the attempt without a verdict (its check threw): it counts neither way. Nothing after fail or succeed. */
  release(): void;
}

export type BeginDecision = { allowed: true; retryAfterSeconds: 0; firstRefusal: false; attempt: LoginAttempt } | { allowed: false; retryAfterSeconds: number; firstRefusal: boolean };

interface Entry {
  failures: number;
  /** Tries begun and not yet ended: each may still fail, so they count as failures for whether another may start. */
  pending: number;
  lastFailure: number;
  blockedUntil: number;
  /** A refusal during this block was audited already (one audit line per block, not per request). */
  reported: boolean;
}

/** A counts file is written whole once it holds this many lines beyond twice the counters that stand. */
const REWRITE_AFTER_LINES = 1000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly freeFailures: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxKeys: number;
  private readonly keeping: LoginThrottleOptions['keeping'];
  private unwritable = false;
  /** The file as this server last read or wrote it (size, time, inode). */
  private stamp: string | undefined;
  private lastNotice: string | undefined;
  /** The file was read (or written) in the journal format: a change can be appended to it. */
  private appendable = false;
  /** Lines in the file (header aside): how much a rewrite would save. */
  private fileLines = 0;

  constructor(options: LoginThrottleOptions = {}, now = Date.now()) {
    this.freeFailures = options.freeFailures ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 60 * 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.keeping = options.keeping;
    this.refresh(now);
  }

  /**
   * Takes in the counts of the file when it changed since this server last read or wrote it (another server of the
   * HANDOFF_HOME counted failures too: during an overlapping rolling restart, tries on either count on both). Merged by
   * the larger count and wait, so none is lowered by the other's older view.
   */
  private refresh(now: number): void {
    if (!this.keeping) return;
    const stamp = stampsOf(this.keeping.file);
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    const kept = readKeptFailures(this.keeping.file, now);
    const notice = [kept.notice, kept.olderNotice].filter(Boolean).join('; ') || undefined;
    if (notice && notice !== this.lastNotice) this.keeping.onNotice?.(notice);
    this.lastNotice = notice;
    // Missing, untrusted or of the older one-document format: written anew (whole) at the next change.
    this.appendable = stampOf(this.keeping.file) !== undefined && !kept.notice && kept.lines > 0;
    this.fileLines = kept.lines;
    for (const c of kept.counters.slice(-this.maxKeys)) {
      const entry = this.entries.get(c.key);
      if (!entry) this.remember(c.key, { failures: c.failures, pending: 0, lastFailure: c.lastFailure, blockedUntil: c.blockedUntil, reported: false });
      else Object.assign(entry, { failures: Math.max(entry.failures, c.failures), lastFailure: Math.max(entry.lastFailure, c.lastFailure), blockedUntil: Math.max(entry.blockedUntil, c.blockedUntil) });
    }
  }

  /** Digests, not the address and name: what is kept must not show a password typed into the name box. */
  private keysOf(address: string, name: string): string[] {
    return [`address:${address}`, `name:${name.toLowerCase()}`].map((key) => crypto.createHash('sha256').update(`handoff-ui-login:${key}`).digest('base64url'));
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && now - entry.lastFailure > this.forgetAfterMs && now >= entry.blockedUntil && entry.pending === 0) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private delayAfter(failures: number): number {
    return failures < this.freeFailures ? 0 : Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (failures - this.freeFailures));
  }

  /**
   * Whether a login may be tried now; `firstRefusal` is true once per block (for the audit log). Tries under way count
   * as failures: within the free failures that many may run at once; beyond them one at a time, each after its wait.
   */
  check(address: string, name: string, now = Date.now()): ThrottleDecision & { firstRefusal: boolean } {
    this.refresh(now);
    let until = 0;
    let firstRefusal = false;
    for (const key of this.keysOf(address, name)) {
      const entry = this.live(key, now);
      if (!entry) continue;
      let blockedUntil = entry.blockedUntil;
      // Were every try under way to fail, the wait they would start; it starts when they end, so not before now.
      if (entry.pending > 0 && entry.failures + entry.pending >= this.freeFailures) blockedUntil = Math.max(blockedUntil, now + Math.max(1000, this.delayAfter(entry.failures + entry.pending)));
      if (blockedUntil > now) {
        until = Math.max(until, blockedUntil);
        if (!entry.reported) firstRefusal = entry.reported = true;
      }
    }
    if (until <= now) return { allowed: true, retryAfterSeconds: 0, firstRefusal: false };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)), firstRefusal };
  }

  /**
   * Checks and, when allowed, counts the try at once (in the same turn of the event loop, so parallel tries see it);
   * the attempt must then end with fail, succeed or release.
   */
  begin(address: string, name: string, now = Date.now()): BeginDecision {
    const decision = this.check(address, name, now);
    if (!decision.allowed) return { allowed: false, retryAfterSeconds: decision.retryAfterSeconds, firstRefusal: decision.firstRefusal };
    for (const key of this.keysOf(address, name)) {
      const entry = this.live(key, now) ?? this.remember(key, { failures: 0, pending: 0, lastFailure: now, blockedUntil: 0, reported: false });
      entry.pending += 1;
    }
    let ended = false;
    const end = (): boolean => {
      if (ended) return false;
      ended = true;
      for (const key of this.keysOf(address, name)) {
        const entry = this.entries.get(key);
        if (entry && entry.pending > 0) entry.pending -= 1;
      }
      return true;
    };
    return {
      allowed: true,
      retryAfterSeconds: 0,
      firstRefusal: false,
      attempt: {
        fail: (at = Date.now()) => (end() ? this.fail(address, name, at) : 0),
        succeed: () => {
          if (end()) this.succeed(address, name);
        },
        release: () => void end(),
      },
    };
  }

  /** Counts a failure; returns how long the next try must wait (0 while still within the free failures). */
  fail(address: string, name: string, now = Date.now()): number {
    let wait = 0;
    this.change(now, () => {
      for (const key of this.keysOf(address, name)) {
        const entry = this.live(key, now) ?? { failures: 0, pending: 0, lastFailure: now, blockedUntil: 0, reported: false };
        entry.failures += 1;
        entry.lastFailure = now;
        if (entry.failures >= this.freeFailures) {
          const delay = this.delayAfter(entry.failures);
          entry.blockedUntil = now + delay;
          entry.reported = false;
          wait = Math.max(wait, delay);
        }
        // Re-inserted, so the map's order is by last failure and the oldest keys go first when it is full.
        this.entries.delete(key);
        this.remember(key, entry);
      }
      return this.keysOf(address, name);
    });
    return wait;
  }

  /**
   * Makes a change of the counts (`mutate` says whether it changed any) and writes them before returning (before the
   * sign-in's answer: a crash right after it forgets none). Kept in a file, the change is made holding its lock, after
   * taking in what another server wrote, so the failures counted on either add up. One that cannot be written leaves
   * the counts in memory, said once.
   */
  private change(now: number, mutate: () => string[]): void {
    const keeping = this.keeping;
    if (!keeping) {
      mutate();
      return;
    }
    let mutated = false;
    try {
      withFileLock(keeping.file, () => {
        this.refresh(now);
        mutated = true;
        const changed = mutate();
        if (changed.length === 0) return;
        const counted = [...this.entries].filter(([, e]) => e.failures > 0);
        // Appended (the changed counters only) to a file read in this format, unless it holds many more lines than
        // counters, or a change could not be written before (the file lacks it): then written whole from memory.
        if (this.appendable && !this.unwritable && this.fileLines + changed.length <= REWRITE_AFTER_LINES + 2 * counted.length) {
          appendKeptFailures(keeping.file, changed.map((key) => this.keptOf(key, now)));
          this.fileLines += changed.length;
        } else {
          writeKeptFailures(keeping.file, counted.map(([key]) => this.keptOf(key, now)));
          this.fileLines = counted.length;
          this.appendable = true;
        }
        this.stamp = stampsOf(keeping.file);
      }, keeping.onNotice);
      this.unwritable = false;
    } catch (error) {
      if (!mutated) mutate();
      if (!this.unwritable) keeping.onNotice?.(`the failed sign-in counters cannot be kept in ${keeping.file} (${(error as Error).message}): a restart of the server starts them from zero`);
      this.unwritable = true;
    }
  }

  /** A counter as kept; one with no failures (cleared by a success) is kept as such, so it overrides earlier lines. */
  private keptOf(key: string, now: number): KeptFailures {
    const e = this.entries.get(key);
    if (!e || e.failures === 0) return { key, failures: 0, lastFailure: now, blockedUntil: 0, forgetAt: now };
    return { key, failures: e.failures, lastFailure: e.lastFailure, blockedUntil: e.blockedUntil, forgetAt: Math.max(e.lastFailure + this.forgetAfterMs, e.blockedUntil) };
  }

  /** Stores an entry, dropping the oldest beyond the bound (but none with tries under way: their counts must stay). */
  private remember(key: string, entry: Entry): Entry {
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKeys) {
      for (const [old, value] of this.entries) {
        if (this.entries.size <= this.maxKeys) break;
        if (value.pending === 0 && old !== key) this.entries.delete(old);
      }
    }
    return entry;
  }

  /** Clears the failures of an address and a name; tries of theirs still under way keep counting until they end. */
  succeed(address: string, name: string, now = Date.now()): void {
    this.change(now, () => {
      const cleared: string[] = [];
      for (const key of this.keysOf(address, name)) {
        const entry = this.entries.get(key);
        if (!entry) continue;
        if (entry.failures > 0) cleared.push(key);
        if (entry.pending === 0) this.entries.delete(key);
        else Object.assign(entry, { failures: 0, blockedUntil: 0, reported: false });
      }
      return cleared;
    });
  }
}

/** What tells a change of the journal or of an older handoff's file beside it (read with it). */
function stampsOf(file: string): string | undefined {
  const older = olderFailedLoginsFileOf(file);
  const stamps = [stampOf(file), older === undefined ? undefined : stampOf(older)];
  return stamps.every((s) => s === undefined) ? undefined : stamps.join('|');
}

/** What tells a change of the counts' file: its size, time and inode (undefined when there is none). */
function stampOf(file: string): string | undefined {
  try {
    const stat = fs.statSync(file);
    return `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  } catch {
    return undefined;
  }
}
