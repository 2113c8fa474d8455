// Login rate limiting with back-off: after a few failed logins from one address or for one account, each further try
// must wait twice as long as the one before (up to a cap); a successful login clears its account's and address's count.
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
}

interface Entry {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
  /** A refusal during this block was audited already (one audit line per block, not per request). */
  reported: boolean;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly freeFailures: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxKeys: number;

  constructor(options: LoginThrottleOptions = {}) {
    this.freeFailures = options.freeFailures ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 60 * 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  private keysOf(address: string, name: string): string[] {
    return [`address:${address}`, `name:${name.toLowerCase()}`];
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && now - entry.lastFailure > this.forgetAfterMs && now >= entry.blockedUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Whether a login may be tried now; `firstRefusal` is true once per block (for the audit log). */
  check(address: string, name: string, now = Date.now()): ThrottleDecision & { firstRefusal: boolean } {
    let until = 0;
    let firstRefusal = false;
    for (const key of this.keysOf(address, name)) {
      const entry = this.live(key, now);
      if (entry && entry.blockedUntil > now) {
        until = Math.max(until, entry.blockedUntil);
        if (!entry.reported) firstRefusal = entry.reported = true;
      }
    }
    if (until <= now) return { allowed: true, retryAfterSeconds: 0, firstRefusal: false };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)), firstRefusal };
  }

  /** Counts a failure; returns how long the next try must wait (0 while still within the free failures). */
  fail(address: string, name: string, now = Date.now()): number {
    let wait = 0;
    for (const key of this.keysOf(address, name)) {
      const entry = this.live(key, now) ?? { failures: 0, lastFailure: now, blockedUntil: 0, reported: false };
      entry.failures += 1;
      entry.lastFailure = now;
      if (entry.failures >= this.freeFailures) {
        const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (entry.failures - this.freeFailures));
        entry.blockedUntil = now + delay;
        entry.reported = false;
        wait = Math.max(wait, delay);
      }
      // Re-inserted, so the map's order is by last failure and the oldest keys go first when it is full.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    return wait;
  }

  succeed(address: string, name: string): void {
    for (const key of this.keysOf(address, name)) this.entries.delete(key);
  }
}
