import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFileLock } from './session-file.js';
import { credentialDigest, endKeptSessionsOf, revocationOf, sameToken, SessionStore } from './session-store.js';

function keptIn(dir: string, notices: string[] = [], forgetAll = false) {
  return { file: path.join(dir, 'ui-serve-sessions', 's.json'), server: '/srv/users.json', forgetAll, onNotice: (m: string) => notices.push(m) };
}

describe('sessions', () => {
  it('end after the idle time without requests, and at the absolute time however active', () => {
    const store = new SessionStore({ idleMs: 1000, absoluteMs: 5000 });
    const a = store.create('alice', 'password', '10.0.0.1', 0);
    expect(a.id).toMatch(/^[\w-]{43}$/);
    expect(a.csrfToken).not.toBe(a.id);
    for (let t = 900; t < 5000; t += 900) expect(store.find(a.id, t).session?.user, `at ${t}`).toBe('alice');
    expect(store.find(a.id, 5000)).toEqual({ reason: 'expired' });
    const b = store.create('bob', 'password', '10.0.0.1', 0);
    expect(store.find(b.id, 1000)).toEqual({ reason: 'idle' });
    // A request still carrying it is told the same (it may have been sent with the one that found it ended), for
    // ten minutes; then the id means nothing.
    expect(store.find(b.id, 1001)).toEqual({ reason: 'idle' });
    expect(store.find(a.id, 6000)).toEqual({ reason: 'expired' });
    expect(store.find(b.id, 1000 + 10 * 60_000)).toEqual({ reason: 'unknown' });
    expect(store.find('never-issued', 1001)).toEqual({ reason: 'unknown' });
    expect(store.find(undefined)).toEqual({ reason: 'none' });
  });

  it('isLive does not count as activity; endUser ends every session of an account', () => {
    const store = new SessionStore({ idleMs: 1000, absoluteMs: 60_000 });
    const a = store.create('alice', 'password', 'x', 0);
    const b = store.create('Alice', 'proxy', 'x', 0);
    expect(store.isLive(a.id, 999)).toBe(true);
    expect(store.isLive(a.id, 1000)).toBe(false);
    expect(store.endUser('ALICE')).toBe(2);
    expect(store.find(b.id, 10).reason).toBe('unknown');
  });

  it('keeps a bounded number of sessions per account and in all', () => {
    const store = new SessionStore({ idleMs: 1e9, absoluteMs: 1e9, maxPerUser: 3, maxSessions: 10 });
    const first = store.create('alice', 'password', 'x', 0);
    for (let i = 1; i < 5; i++) store.create('alice', 'password', 'x', i);
    expect(store.find(first.id, 10).reason).toBe('unknown');
    for (let i = 0; i < 50; i++) store.create(`user-${i}`, 'password', 'x', 10 + i);
    expect(store.size).toBeLessThanOrEqual(10);
  });

  it('compares CSRF tokens exactly', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abd', 'abc')).toBe(false);
    expect(sameToken('ab', 'abc')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
  });

  it('binds a password session to the password hash it signed in with; a proxy session to nothing of the kind', () => {
    const store = new SessionStore({ idleMs: 1000, absoluteMs: 60_000 });
    const hash = 'scrypt$1024$8$1$c2FsdHNhbHQ=$a2V5';
    const session = store.create('alice', 'password', 'x', 0, credentialDigest(hash));
    expect(session.credential).not.toContain(hash);
    expect(revocationOf(session, { password: hash })).toBeUndefined();
    expect(revocationOf(session, { password: 'scrypt$1024$8$1$b3RoZXJzYWx0$a2V5' })).toBe('password');
    expect(revocationOf(session, { password: null })).toBe('password');
    expect(revocationOf(session, undefined)).toBe('removed');
    // A password session made without a credential (none known) never stands.
    expect(revocationOf(store.create('bob', 'password', 'x', 0), { password: hash })).toBe('password');
    const proxied = store.create('carol', 'proxy', 'x', 0);
    expect(revocationOf(proxied, undefined)).toBeUndefined();
  });

  it('bounds an account\'s sessions per kind: sessions through the proxy never end its password session', () => {
    const store = new SessionStore({ idleMs: 60_000, absoluteMs: 60_000, maxPerUser: 3 });
    const password = store.create('ada', 'password', 'x', 0);
    const proxied = Array.from({ length: 5 }, (_, i) => store.create('ada', 'proxy', 'x', i + 1));
    expect(store.find(password.id, 10).session?.user).toBe('ada');
    expect(proxied.filter((p) => store.find(p.id, 10).session).length).toBe(3);
  });

  it('finds a session without touching it when asked (a refused request is no activity)', () => {
    const store = new SessionStore({ idleMs: 1000, absoluteMs: 60_000 });
    const a = store.create('alice', 'password', 'x', 0);
    expect(store.find(a.id, 900, false).session?.user).toBe('alice');
    expect(store.find(a.id, 1000).reason).toBe('idle');
  });

  describe('kept in a file (across restarts)', () => {
    const limits = { idleMs: 1000, absoluteMs: 5000 };
    const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-sessions-'));

    it('a new store on the same file finds the session by its cookie, with the same CSRF token; the file is 0600 and holds no cookie value or CSRF token', () => {
      const dir = tmp();
      const a = new SessionStore(limits, keptIn(dir), 0).create('alice', 'password', '10.0.0.1', 0, credentialDigest('h'));
      const file = keptIn(dir).file;
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(file, 'utf8')).not.toContain(a.id);
      expect(fs.readFileSync(file, 'utf8')).not.toContain(a.csrfToken);
      const found = new SessionStore(limits, keptIn(dir), 500).find(a.id, 500).session;
      expect(found).toMatchObject({ id: a.id, csrfToken: a.csrfToken, user: 'alice', credential: credentialDigest('h'), expiresAt: 5000 });
    });

    it('writes a sign-out at once and the last request at flush; drops at start those that ended while it was down', () => {
      const dir = tmp();
      const store = new SessionStore(limits, keptIn(dir), 0);
      const out = store.create('alice', 'password', 'x', 0);
      const idle = store.create('bob', 'password', 'x', 0);
      const busy = store.create('carol', 'password', 'x', 0);
      store.end(out.id, 0);
      store.find(busy.id, 900);
      store.flush(900);
      const next = new SessionStore(limits, keptIn(dir), 1500);
      expect(next.find(out.id, 1500).reason).toBe('unknown');
      expect(next.find(idle.id, 1500).reason).toBe('idle');
      expect(next.find(busy.id, 1500).session?.user).toBe('carol');
      expect(fs.readFileSync(keptIn(dir).file, 'utf8').split('\n').filter((line) => line.startsWith('{"add"'))).toHaveLength(1);
    });

    it('ends every kept session when told to forget them (--new-token); drops a file others can read, with a notice', () => {
      const dir = tmp();
      const a = new SessionStore(limits, keptIn(dir), 0).create('alice', 'password', 'x', 0);
      const notices: string[] = [];
      expect(new SessionStore(limits, keptIn(dir, notices, true), 10).find(a.id, 10).reason).toBe('unknown');
      expect(notices.join()).toContain('--new-token');
      const b = new SessionStore(limits, keptIn(dir), 0).create('bob', 'password', 'x', 0);
      fs.chmodSync(keptIn(dir).file, 0o644);
      const widened: string[] = [];
      expect(new SessionStore(limits, keptIn(dir, widened), 10).find(b.id, 10).reason).toBe('unknown');
      expect(widened.join()).toContain('could be read by other users');
      expect(widened.join()).not.toContain(b.id);
      expect(fs.statSync(keptIn(dir).file).mode & 0o777).toBe(0o600);
    });

    it('two stores on one file (two servers at once): each finds the other\'s sessions; a sign-out on either holds on both and after a restart', () => {
      const dir = tmp();
      const long = { idleMs: 60_000, absoluteMs: 600_000 };
      const a = new SessionStore(long, keptIn(dir), 0);
      const b = new SessionStore(long, keptIn(dir), 0);
      const alice = a.create('alice', 'password', 'x', 10);
      const bob = b.create('bob', 'password', 'x', 20);
      const carol = a.create('carol', 'password', 'x', 30);
      expect(b.find(alice.id, 40).session).toMatchObject({ user: 'alice', csrfToken: alice.csrfToken });
      expect(a.find(bob.id, 40).session?.user).toBe('bob');
      // Signed out on the server that did not make it; then the other writes (a sign-in): the sign-out holds.
      b.end(carol.id, 45);
      expect(a.find(carol.id, 50).reason).toBe('unknown');
      a.end(alice.id, 55);
      const dave = a.create('dave', 'password', 'x', 60);
      expect(b.find(alice.id, 70).reason).toBe('unknown');
      // An open event stream's check (isLive) on one server sees a sign-out made on the other.
      expect(a.isLive(bob.id, 71)).toBe(true);
      b.end(bob.id, 72);
      expect(a.isLive(bob.id, 1000)).toBe(false);
      const bob2 = b.create('bob', 'password', 'x', 1001);
      a.flush(75);
      b.flush(75);
      const restarted = new SessionStore(long, keptIn(dir), 80);
      expect(restarted.find(alice.id, 80).reason).toBe('unknown');
      expect(restarted.find(carol.id, 80).reason).toBe('unknown');
      expect(restarted.find(bob.id, 80).reason).toBe('unknown');
      expect(restarted.find(bob2.id, 80).session?.user).toBe('bob');
      expect(restarted.find(dave.id, 80).session?.user).toBe('dave');
      // A restart rewrote the file: the other store reads it whole and keeps what it knows of the sessions that stand.
      expect(b.find(dave.id, 90).session?.user).toBe('dave');
      expect(b.find(bob2.id, 90).session?.csrfToken).toBe(bob2.csrfToken);
    });

    it('an append cut short before (a full disk) does not swallow the next one: a sign-out after it holds', () => {
      const dir = tmp();
      const long = { idleMs: 60_000, absoluteMs: 600_000 };
      const a = new SessionStore(long, keptIn(dir), 0);
      const b = new SessionStore(long, keptIn(dir), 0);
      const alice = a.create('alice', 'password', 'x', 10);
      expect(b.find(alice.id, 20).session?.user).toBe('alice');
      fs.appendFileSync(keptIn(dir).file, '{"add":{"key":"cut-sh');
      b.end(alice.id, 30);
      const bob = b.create('bob', 'password', 'x', 40);
      const restarted = new SessionStore(long, keptIn(dir), 50);
      expect(restarted.find(alice.id, 50).reason).toBe('unknown');
      expect(restarted.find(bob.id, 50).session?.user).toBe('bob');
    });

    it('a sign-out that could not be written (the file held by another process) is written with the next change that can be', () => {
      const dir = tmp();
      const long = { idleMs: 60_000, absoluteMs: 600_000 };
      const notices: string[] = [];
      const a = new SessionStore(long, keptIn(dir, notices), 0);
      const alice = a.create('alice', 'password', 'x', 10);
      // Held by a live process (init) for longer than a change waits: the sign-out stays in memory, with a notice.
      const lock = `${keptIn(dir).file}.lock`;
      fs.writeFileSync(lock, '1');
      a.end(alice.id, 20);
      expect(notices.join('\n')).toContain('kept in this server\'s memory only');
      fs.rmSync(lock);
      const bob = a.create('bob', 'password', 'x', 30);
      const restarted = new SessionStore(long, keptIn(dir), 40);
      expect(restarted.find(alice.id, 40).reason).toBe('unknown');
      expect(restarted.find(bob.id, 40).session?.user).toBe('bob');
    });

    it('a sign-in adds a line to the file instead of writing it anew; a file of many sign-outs is rewritten now and then', () => {
      const dir = tmp();
      const file = keptIn(dir).file;
      const store = new SessionStore({ idleMs: 1e9, absoluteMs: 1e9 }, keptIn(dir), 0);
      for (let i = 0; i < 500; i++) store.create(`user-${i}`, 'password', 'x', i);
      const before = fs.statSync(file);
      store.create('one-more', 'password', 'x', 3000);
      const after = fs.statSync(file);
      expect(after.ino).toBe(before.ino);
      expect(after.size - before.size).toBeGreaterThan(0);
      expect(after.size - before.size).toBeLessThan(1000);
      // 1,500 sign-ins each signed out: the file stays near the sessions that stand (501), not 3,500 lines.
      for (let i = 0; i < 1500; i++) store.end(store.create('churn', 'password', 'x', 4000 + i).id, 4000 + i);
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
      expect(lines).toBeLessThan(1000 + 2 * 501 + 10);
      expect(new SessionStore({ idleMs: 1e9, absoluteMs: 1e9 }, keptIn(dir), 10_000).size).toBe(501);
    });

    it('ends the kept sessions of one account from outside (handoff ui user signout): a running store refuses them at their next use', () => {
      const dir = tmp();
      const store = new SessionStore(limits, keptIn(dir), 0);
      const ada = store.create('ada', 'password', 'x', 0);
      const ada2 = store.create('ada', 'proxy', 'x', 0);
      const bob = store.create('bob', 'password', 'x', 0);
      expect(endKeptSessionsOf(keptIn(dir).file, '/srv/users.json', 'ADA', 10)).toBe(2);
      expect(store.find(ada.id, 20).reason).toBe('unknown');
      expect(store.find(ada2.id, 20).reason).toBe('unknown');
      expect(store.find(bob.id, 20).session?.user).toBe('bob');
      expect(endKeptSessionsOf(keptIn(dir).file, '/srv/users.json', 'ada', 30)).toBe(0);
      expect(endKeptSessionsOf(path.join(dir, 'none.json'), '/srv/users.json', 'ada', 30)).toBe(0);
    });

    it('takes over a lock left by a process that died holding it, at once', () => {
      const dir = tmp();
      const file = keptIn(dir).file;
      const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(`${file}.lock`, String(gone));
      const notices: string[] = [];
      const a = new SessionStore(limits, keptIn(dir, notices), 0).create('alice', 'password', 'x', 0);
      expect(notices).toEqual([]);
      expect(fs.existsSync(`${file}.lock`)).toBe(false);
      expect(new SessionStore(limits, keptIn(dir), 10).find(a.id, 10).session?.user).toBe('alice');
    });

    it('judges a lock of another host or container by its age only (its pid means nothing here), then takes it over with a notice naming it', () => {
      const dir = tmp();
      const file = keptIn(dir).file;
      const lock = `${file}.lock`;
      // A pid that is gone here, written by a server of another container on this HANDOFF_HOME: it may well be alive
      // there. A fresh lock of it is waited for (and the change stays in memory), not taken over at once.
      const notices: string[] = [];
      const store = new SessionStore(limits, keptIn(dir, notices), 0);
      const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
      fs.writeFileSync(lock, JSON.stringify({ pid: gone, host: 'other-container|boot|pid:[1]' }));
      store.create('alice', 'password', 'x', 0);
      expect(notices.join('\n')).toContain("kept in this server's memory only");
      expect(fs.existsSync(lock)).toBe(true);
      // Left for longer than any write holds it: a crash there. Taken over, said with the lock file's name.
      const old = new Date(Date.now() - 11_000);
      fs.utimesSync(lock, old, old);
      const bob = store.create('bob', 'password', 'x', 10);
      expect(notices.join('\n')).toContain(`took over ${lock}`);
      expect(fs.existsSync(lock)).toBe(false);
      expect(new SessionStore(limits, keptIn(dir), 20).find(bob.id, 20).session?.user).toBe('bob');
    }, 30_000);

    it('a holder taken over (it held the lock past the stale age) does not remove the lock of the process that took it over', () => {
      const dir = tmp();
      const file = keptIn(dir).file;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const lock = `${file}.lock`;
      const theirs = JSON.stringify({ pid: 1, host: 'other-container|boot|pid:[1]' });
      withFileLock(file, () => {
        // Meanwhile another server judged this lock stale, removed it and made its own.
        fs.rmSync(lock);
        fs.writeFileSync(lock, theirs, { mode: 0o600 });
      });
      expect(fs.readFileSync(lock, 'utf8')).toBe(theirs);
      // Its own lock it removes, as ever.
      fs.rmSync(lock);
      withFileLock(file, () => expect(fs.existsSync(lock)).toBe(true));
      expect(fs.existsSync(lock)).toBe(false);
    });

    it('says when a sign-out everywhere could not be written (the file held by another container): ended here only', () => {
      const dir = tmp();
      const long = { idleMs: 60_000, absoluteMs: 600_000 };
      const a = new SessionStore(long, keptIn(dir), 0);
      a.create('vic', 'password', 'x', 10);
      const written = a.endUserKept('vic', 20);
      expect(written).toEqual({ ended: 1 });
      a.create('vic', 'password', 'x', 30);
      const lock = `${keptIn(dir).file}.lock`;
      fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: 'other-container|boot|pid:[1]' }));
      const unwritten = a.endUserKept('vic', 40);
      expect(unwritten.ended).toBe(1);
      expect(unwritten.unwritten).toContain(`${keptIn(dir).file}.lock stays held by another process`);
    }, 30_000);

    it('a sign-out everywhere after a 503 does not say again the sessions another process ended and said meanwhile (handoff ui user signout)', () => {
      const dir = tmp();
      const long = { idleMs: 60_000, absoluteMs: 600_000 };
      const a = new SessionStore(long, keptIn(dir), 0);
      a.create('vic', 'password', 'x', 10);
      a.create('vic', 'password', 'x', 11);
      const lock = `${keptIn(dir).file}.lock`;
      fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: 'other-container|boot|pid:[1]' }));
      expect(a.endUserKept('vic', 20)).toMatchObject({ ended: 2, unwritten: expect.any(String) });
      fs.rmSync(lock);
      // Not written by this server: the file still has both; the command ends them there and says so.
      expect(endKeptSessionsOf(keptIn(dir).file, '/srv/users.json', 'vic', 30)).toBe(2);
      // The retry here reads those ends: nothing left for it to say (it said 2 again before: counted twice).
      expect(a.endUserKept('vic', 40)).toEqual({ ended: 0 });
    }, 30_000);

    it('sees a rewrite by another server even when the new file has the old one\'s inode (reused) and is longer', () => {
      const dir = tmp();
      const file = keptIn(dir).file;
      const long = { idleMs: 60_000, absoluteMs: 600_000 };
      const a = new SessionStore(long, keptIn(dir), 0);
      const alice = a.create('alice', 'password', 'x', 0);
      const bob = a.create('bob', 'password', 'x', 0);
      a.end(alice.id, 10);
      expect(a.find(bob.id, 20).session?.user).toBe('bob');
      // The inode server a has read, kept aside so that the file system can "reuse" it for the rewrite below.
      const inode = path.join(dir, 'ui-serve-sessions', 'same-inode');
      fs.linkSync(file, inode);
      // Server b starts (rewrites the file: header, bob), signs bob out, and many sign in: the `end` of bob lies
      // before the byte server a had read up to.
      const b = new SessionStore(long, keptIn(dir), 30);
      b.end(bob.id, 40);
      for (let i = 0; i < 5; i++) b.create(`user-${i}`, 'password', 'x', 50);
      const rewritten = fs.readFileSync(file);
      fs.writeFileSync(inode, rewritten);
      fs.renameSync(inode, file);
      expect(a.find(bob.id, 60).reason).toBe('unknown');
      expect(a.size).toBe(5);
    });

    it('goes on in memory when the file cannot be written, said once', () => {
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'ui-serve-sessions'), 'a file where the folder would be');
      const notices: string[] = [];
      const store = new SessionStore(limits, keptIn(dir, notices), 0);
      const a = store.create('alice', 'password', 'x', 0);
      store.create('bob', 'password', 'x', 0);
      expect(store.find(a.id, 10).session?.user).toBe('alice');
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain("kept in this server's memory only");
    });
  });
});
