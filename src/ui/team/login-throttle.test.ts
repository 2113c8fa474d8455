import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';
import { failedLoginsFileOf } from './login-throttle-file.js';

describe('login throttle', () => {
  it('lets five failures through, then doubles the wait after each further one, up to the cap', () => {
    const throttle = new LoginThrottle({ freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 8000 });
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      expect(throttle.check('10.0.0.1', 'alice', now).allowed, `try ${i + 1}`).toBe(true);
      waits.push(throttle.fail('10.0.0.1', 'alice', now));
      now += waits.at(-1)!;
    }
    expect(waits).toEqual([0, 0, 0, 0, 1000, 2000, 4000, 8000, 8000]);
  });

  it('blocks by address (any name) and by name (any address) while waiting, and says for how long', () => {
    const throttle = new LoginThrottle({ freeFailures: 2, baseDelayMs: 10_000 });
    throttle.fail('10.0.0.1', 'alice', 0);
    throttle.fail('10.0.0.1', 'bob', 0);
    const byAddress = throttle.check('10.0.0.1', 'carol', 1000);
    expect(byAddress).toMatchObject({ allowed: false, retryAfterSeconds: 9, firstRefusal: true });
    expect(throttle.check('10.0.0.1', 'carol', 1000).firstRefusal).toBe(false);
    expect(throttle.check('10.0.0.2', 'carol', 1000).allowed).toBe(true);
    throttle.fail('10.0.0.3', 'dave', 0);
    throttle.fail('10.0.0.4', 'dave', 0);
    expect(throttle.check('10.0.0.5', 'DAVE', 5000).allowed).toBe(false);
    expect(throttle.check('10.0.0.5', 'dave', 10_000).allowed).toBe(true);
  });

  it('forgets a success\'s failures, and stays bounded under a flood of names', () => {
    const throttle = new LoginThrottle({ freeFailures: 1, maxKeys: 100 });
    throttle.fail('10.0.0.1', 'alice', 0);
    throttle.succeed('10.0.0.1', 'alice');
    expect(throttle.check('10.0.0.1', 'alice', 1).allowed).toBe(true);
    for (let i = 0; i < 10_000; i++) throttle.fail(`10.1.${i >> 8}.${i & 255}`, `name-${i}`, 0);
    expect((throttle as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(100);
  });

  it('counts a try from its start: parallel tries beyond the free failures are refused before any has failed', () => {
    const throttle = new LoginThrottle({ freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 8000 });
    // 30 tries at once, none ended yet (their password checks are still running).
    const decisions = Array.from({ length: 30 }, () => throttle.begin('10.0.0.1', 'alice', 0));
    const started = decisions.flatMap((d) => (d.allowed ? [d.attempt] : []));
    expect(started).toHaveLength(5);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused[0]).toMatchObject({ allowed: false, retryAfterSeconds: 1, firstRefusal: true });
    expect(refused.filter((d) => d.firstRefusal)).toHaveLength(1);
    // Another address is refused too (the name's count), as is another name from this address.
    expect(throttle.begin('10.0.0.2', 'alice', 0).allowed).toBe(false);
    expect(throttle.begin('10.0.0.1', 'bob', 0).allowed).toBe(false);
    const waits = started.map((attempt) => attempt.fail(10));
    expect(waits).toEqual([0, 0, 0, 0, 1000]);
    // An attempt ends once: a second verdict counts nothing.
    expect(started[0].fail(10)).toBe(0);
    expect(throttle.check('10.0.0.1', 'alice', 1009).allowed).toBe(false);
    // After the wait, one try at a time: the next one waits for it.
    const sixth = throttle.begin('10.0.0.1', 'alice', 1010);
    expect(sixth.allowed).toBe(true);
    expect(throttle.begin('10.0.0.1', 'alice', 1010)).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
    if (sixth.allowed) expect(sixth.attempt.fail(1020)).toBe(2000);
    expect(throttle.check('10.0.0.1', 'alice', 3000).allowed).toBe(false);
  });

  it('lets a released try count neither way, and a success clear the counts while other tries run on', () => {
    const throttle = new LoginThrottle({ freeFailures: 2, baseDelayMs: 1000 });
    const a = throttle.begin('10.0.0.1', 'alice', 0);
    const b = throttle.begin('10.0.0.1', 'alice', 0);
    expect(throttle.begin('10.0.0.1', 'alice', 0).allowed).toBe(false);
    if (!a.allowed || !b.allowed) throw new Error('both tries should start');
    a.attempt.release();
    a.attempt.release();
    const c = throttle.begin('10.0.0.1', 'alice', 0);
    expect(c.allowed).toBe(true);
    b.attempt.fail(1);
    if (c.allowed) c.attempt.succeed();
    expect(throttle.check('10.0.0.1', 'alice', 2)).toMatchObject({ allowed: true });
    expect((throttle as unknown as { entries: Map<string, unknown> }).entries.size).toBe(0);
  });

  it('keeps its counts in a file: a new throttle on it (a restart) refuses as the old one did, until they expire; names and addresses are digests', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-throttle-'));
    const file = path.join(dir, 'ui-serve-sessions', 's.failed-logins.json');
    const options = { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 8000, forgetAfterMs: 60_000, keeping: { file } };
    const first = new LoginThrottle(options, 0);
    for (let i = 0; i < 5; i++) first.fail('10.9.8.7', 'correct horse typed as a name', i);
    expect(first.check('10.9.8.7', 'someone', 10).allowed).toBe(false);
    // The restarted server: the same refusal by address and by name, not five new free tries.
    const restarted = new LoginThrottle(options, 100);
    expect(restarted.check('10.9.8.7', 'someone', 100)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(restarted.check('10.0.0.1', 'CORRECT HORSE TYPED AS A NAME', 100).allowed).toBe(false);
    expect(restarted.begin('10.0.0.1', 'other', 100).allowed).toBe(true);
    // The next failure doubles the wait, as it would have without the restart.
    expect(restarted.fail('10.9.8.7', 'someone', 1100)).toBe(2000);
    const text = fs.readFileSync(file, 'utf8');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(text).not.toContain('correct horse');
    expect(text).not.toContain('10.9.8.7');
    // Expired counts are not taken at a start; a success clears its counts in the file too.
    expect(new LoginThrottle(options, 1100 + 60_001 + 8000).check('10.9.8.7', 'someone', 1100 + 60_001 + 8000).allowed).toBe(true);
    const again = new LoginThrottle(options, 2000);
    again.succeed('10.9.8.7', 'correct horse typed as a name');
    expect(new LoginThrottle(options, 2001).check('10.9.8.7', 'correct horse typed as a name', 3200).allowed).toBe(true);
  });

  it('shares the counts of two throttles on one file (two servers at once): tries on either count on both', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-throttle-'));
    const options = { freeFailures: 5, baseDelayMs: 1000, keeping: { file: path.join(dir, 's.failed-logins.json') } };
    const a = new LoginThrottle(options, 0);
    const b = new LoginThrottle(options, 0);
    for (let i = 0; i < 3; i++) a.fail('10.0.0.1', `name-${i}`, i);
    for (let i = 3; i < 5; i++) b.fail('10.0.0.1', `name-${i}`, i);
    // Five failures from the address in all: both refuse it now, though neither saw five.
    expect(a.check('10.0.0.1', 'x', 10).allowed).toBe(false);
    expect(b.check('10.0.0.1', 'x', 10).allowed).toBe(false);
    // And the file holds the five, whichever wrote last.
    expect(new LoginThrottle(options, 20).check('10.0.0.1', 'x', 20).allowed).toBe(false);
  });

  it('adds a failure to the file instead of writing every count anew (a flood of made-up names); rewritten now and then, nothing lost', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-throttle-'));
    const file = path.join(dir, 's.failed-logins.json');
    const options = { freeFailures: 5, baseDelayMs: 1000, forgetAfterMs: 3_600_000, keeping: { file } };
    const throttle = new LoginThrottle(options, 0);
    for (let i = 0; i < 1000; i++) throttle.fail(`10.0.${i % 4}.1`, `made-up-${i}`, i);
    const before = fs.statSync(file);
    throttle.fail('10.0.0.1', 'one-more', 1000);
    const after = fs.statSync(file);
    expect(after.ino).toBe(before.ino);
    expect(after.size - before.size).toBeGreaterThan(0);
    expect(after.size - before.size).toBeLessThan(1000);
    // 3,000 more failures of the same few names: the file stays near the counts that stand, not a line per failure.
    for (let i = 0; i < 3000; i++) throttle.fail('10.0.9.9', `again-${i % 10}`, 2000 + i);
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    expect(lines).toBeLessThan(1000 + 2 * 1016 + 10);
    // A restart takes every count as it stands: the made-up names, the addresses, the names tried 300 times.
    const restarted = new LoginThrottle(options, 6000);
    expect(restarted.check('10.0.0.1', 'x', 6000).allowed).toBe(false);
    expect(restarted.check('10.0.0.2', 'made-up-1', 6000).allowed).toBe(true);
    expect(restarted.fail('10.1.1.1', 'again-3', 6000)).toBe(Math.min(5 * 60_000, 1000 * 2 ** (301 - 5)));
    // A success clears its counts in the file: after a restart the address is free again.
    restarted.succeed('10.0.9.9', 'again-4');
    expect(new LoginThrottle(options, 7000).check('10.0.9.9', 'someone', 7000).allowed).toBe(true);
  });

  it('reads a counts file of the older one-document format, and goes on in the journal format', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-throttle-'));
    const file = path.join(dir, 's.failed-logins.json');
    const options = { freeFailures: 1, baseDelayMs: 1000, keeping: { file } };
    const old = new LoginThrottle({ ...options, keeping: undefined }, 0);
    old.fail('10.0.0.1', 'alice', 0);
    const counter = { key: (old as unknown as { keysOf(a: string, n: string): string[] }).keysOf('10.0.0.1', 'alice')[0], failures: 1, lastFailure: 0, blockedUntil: 1000, forgetAt: 3_600_000 };
    fs.writeFileSync(file, `${JSON.stringify({ handoffUiFailedLogins: 1, counters: [counter] })}\n`, { mode: 0o600 });
    const throttle = new LoginThrottle(options, 10);
    expect(throttle.check('10.0.0.1', 'bob', 10)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    throttle.fail('10.0.0.2', 'carol', 20);
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe('{"handoffUiFailedLogins":2}');
    expect(new LoginThrottle(options, 30).check('10.0.0.1', 'bob', 30).allowed).toBe(false);
  });

  it('keeps its journal under its own name: an older handoff\'s one-document file beside it (a rolling upgrade or rollback) is merged at each read, and loses no count', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-throttle-'));
    const sessions = path.join(dir, 'ui-serve-sessions', '0123456789abcdef.json');
    const journal = failedLoginsFileOf(sessions);
    // The file an older handoff reads and writes (one document, rewritten whole from its memory at each failure).
    const older = path.join(dir, 'ui-serve-sessions', '0123456789abcdef.failed-logins.json');
    expect(journal).not.toBe(older);
    const options = { freeFailures: 5, baseDelayMs: 1000, forgetAfterMs: 3_600_000, keeping: { file: journal } };
    const server = new LoginThrottle(options, 0);
    for (let i = 0; i < 5; i++) server.fail('10.0.0.9', 'alice', i);
    // The older server, which did not see alice's failures, writes its own counts only (bob's five).
    const keyOf = (server as unknown as { keysOf(a: string, n: string): string[] }).keysOf('10.0.0.1', 'bob')[1];
    fs.writeFileSync(older, `${JSON.stringify({ handoffUiFailedLogins: 1, counters: [{ key: keyOf, failures: 5, lastFailure: 10, blockedUntil: 60_000, forgetAt: 3_600_010 }] })}\n`, { mode: 0o600 });
    server.fail('10.0.0.9', 'alice', 20);
    // Both count, on this server and on a restarted one: alice's failures were not lost, bob's are taken in.
    expect(server.check('10.0.0.2', 'bob', 30).allowed).toBe(false);
    const restarted = new LoginThrottle(options, 40);
    expect(restarted.check('10.0.0.3', 'alice', 40)).toMatchObject({ allowed: false });
    expect(restarted.check('10.0.0.3', 'bob', 40)).toMatchObject({ allowed: false });
    // The higher count wins: the older file's lower count for alice does not lower the journal's.
    fs.writeFileSync(older, `${JSON.stringify({ handoffUiFailedLogins: 1, counters: [] })}\n`, { mode: 0o600 });
    expect(new LoginThrottle(options, 50).fail('10.0.0.4', 'alice', 50)).toBe(4000);
    expect(fs.readFileSync(older, 'utf8')).not.toContain('handoffUiFailedLogins":2');
  });

  it('does not trust a counts file others could read (it starts from zero, with a notice)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-throttle-'));
    const file = path.join(dir, 's.failed-logins.json');
    const throttle = new LoginThrottle({ freeFailures: 1, keeping: { file } }, 0);
    throttle.fail('10.0.0.1', 'alice', 0);
    fs.chmodSync(file, 0o644);
    const notices: string[] = [];
    expect(new LoginThrottle({ freeFailures: 1, keeping: { file, onNotice: (m) => notices.push(m) } }, 1).check('10.0.0.1', 'alice', 1).allowed).toBe(true);
    expect(notices.join()).toContain('could be read by other users');
  });
});
