// The lock of the team server's sessions journal (and of its failed sign-in counts), raced on by real processes: two
// servers (here two node processes running src/ui/team/session-file.ts, bundled as it is into the CLI) that both find a lock left by a crash must not both take
// it over, or both would append and rewrite the journal at once (and lose lines).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { makeTempDir, repoRoot } from './helpers/cli.js';

// Each round: hold the lock while checking that no one else is inside (a marker made with O_EXCL), then leave a lock
// as a crashed holder would (a pid that is gone), so that the next round of both processes starts with a stale lock.
const RACER = `
import fs from 'node:fs';
const [mod, file, rounds, goAt, gone] = process.argv.slice(2);
const { withFileLock } = await import(mod);
const marker = file + '.inside';
let overlaps = 0, held = 0;
while (Date.now() < Number(goAt)) {}
for (let i = 0; i < Number(rounds); i++) {
  withFileLock(file, () => {
    held++;
    try { fs.closeSync(fs.openSync(marker, 'wx')); } catch { overlaps++; return; }
    const until = Date.now() + 1;
    while (Date.now() < until) {}
    fs.rmSync(marker);
  });
  try { fs.writeFileSync(file + '.lock', gone, { flag: 'wx' }); } catch {}
}
console.log(JSON.stringify({ overlaps, held }));
`;

// One try at the lock, as a server's change makes it: what it got (or the error it threw).
const TAKER = `
const [mod, file] = process.argv.slice(2);
const { withFileLock } = await import(mod);
try { withFileLock(file, () => {}); console.log(JSON.stringify({ took: true })); }
catch (error) { console.log(JSON.stringify({ error: error.message })); }
`;

// A holder whose release is overtaken: it holds the lock, and the moment its release has read the lock (its own token
// still), a real process takes the lock over (the lock set 11 s back: a hold past the stale age) and keeps it (it exits
// inside its hold, as a crash would, so its lock stays to be looked at). The holder's release must not remove it.
const OVERTAKEN = `
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
const [mod, file, takerScript] = process.argv.slice(2);
const { withFileLock } = await import(mod);
const lock = file + '.lock';
const realRead = fs.readFileSync;
let releasing = false, overtaken = false;
fs.readFileSync = function (target, ...rest) {
  const text = realRead.call(fs, target, ...rest);
  if (releasing && !overtaken && target === lock) {
    overtaken = true;
    const old = new Date(Date.now() - 11_000);
    fs.utimesSync(lock, old, old);
    const taker = spawnSync(process.execPath, [takerScript, mod, file], { encoding: 'utf8' });
    if (taker.status !== 0) throw new Error('taker failed: ' + taker.stderr);
  }
  return text;
};
withFileLock(file, () => { releasing = true; });
console.log(JSON.stringify({ overtaken }));
`;

// Takes the lock over (it is judged stale by age) and exits inside its hold, its lock left with its token.
const KEEPER = `
const [mod, file] = process.argv.slice(2);
const { withFileLock } = await import(mod);
withFileLock(file, () => process.exit(0));
`;

// Waits (busy: these processes are inside a synchronous hold) for a marker file another process makes.
const WAIT_FOR = `
const waitFor = (file) => {
  const until = Date.now() + 30_000;
  while (!fs.existsSync(file)) if (Date.now() > until) throw new Error('no ' + file);
};
`;

// A slow holder A whose release moves aside the lock of a short hold B that took it over meanwhile. In order: A's
// release reads its own token; B (a real process) takes the lock over (A's lock set 11 s back), holds it and its release
// reads its own token; A moves the lock (B's) aside; B's move finds it gone; A reads B's token there and links it back.
// B must then still let go of its lock: else it stays, and every server waits 5 s and fails ("stays held").
const SLOW_HOLDER = `
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
const [mod, file, shortScript, markers] = process.argv.slice(2);
${WAIT_FOR}
const { withFileLock } = await import(mod);
const lock = file + '.lock';
const mark = (name) => fs.writeFileSync(path.join(markers, name), '');
const real = { read: fs.readFileSync, rename: fs.renameSync, link: fs.linkSync };
let releasing = false, short;
fs.readFileSync = function (target, ...rest) {
  const text = real.read.call(fs, target, ...rest);
  if (releasing && target === lock && !short) {
    const old = new Date(Date.now() - 11_000);
    fs.utimesSync(lock, old, old);
    short = spawn(process.execPath, [shortScript, mod, file, markers], { stdio: ['ignore', 'inherit', 'inherit'] });
    waitFor(path.join(markers, 'b-read'));
  }
  return text;
};
fs.renameSync = function (from, to) {
  real.rename.call(fs, from, to);
  if (releasing && from === lock && String(to).includes('.release-')) {
    mark('a-moved');
    waitFor(path.join(markers, 'b-move-failed'));
  }
};
fs.linkSync = function (from, to) {
  real.link.call(fs, from, to);
  if (releasing && to === lock) mark('a-linked');
};
withFileLock(file, () => { releasing = true; });
const code = await new Promise((resolve) => short.on('exit', resolve));
console.log(JSON.stringify({ short: code, linkedBack: fs.existsSync(path.join(markers, 'a-linked')) }));
`;

// B: takes the lock over from A, holds it a moment; its release is paused as SLOW_HOLDER says (its looks at a gone
// lock after its failed move wait until A linked it back, so the order does not depend on the machine's load).
const SHORT_HOLDER = `
import fs from 'node:fs';
import path from 'node:path';
const [mod, file, markers] = process.argv.slice(2);
${WAIT_FOR}
const { withFileLock } = await import(mod);
const lock = file + '.lock';
const mark = (name) => fs.writeFileSync(path.join(markers, name), '');
const real = { read: fs.readFileSync, rename: fs.renameSync };
let releasing = false, moveFailed = false, readOwn = false;
fs.readFileSync = function (target, ...rest) {
  if (releasing && target === lock && moveFailed) waitFor(path.join(markers, 'a-linked'));
  const text = real.read.call(fs, target, ...rest);
  if (releasing && target === lock && !readOwn) {
    readOwn = true;
    mark('b-read');
    waitFor(path.join(markers, 'a-moved'));
  }
  return text;
};
fs.renameSync = function (from, to) {
  try {
    real.rename.call(fs, from, to);
  } catch (error) {
    if (releasing && from === lock && !moveFailed) {
      moveFailed = true;
      mark('b-move-failed');
    }
    throw error;
  }
};
withFileLock(file, () => { releasing = true; });
`;

// A waiter T that judged a lock stale (another container's, 11 s old): between its judging and its removal, the stale
// holder (only slow) releases it and another server C makes its own (fresh) lock. T must leave C's lock.
const JUDGE = `
import fs from 'node:fs';
const [mod, file] = process.argv.slice(2);
const { withFileLock } = await import(mod);
const lock = file + '.lock';
const guard = lock + '.takeover';
const real = { open: fs.openSync, stat: fs.statSync, rename: fs.renameSync };
let armed = false, done = false;
const meanwhile = () => {
  armed = false;
  done = true;
  fs.rmSync(lock);
  fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: 'other-container|boot|pid:[1]', token: 'C' }), { mode: 0o600 });
};
fs.openSync = function (target, flags, ...rest) {
  const fd = real.open.call(fs, target, flags, ...rest);
  if (target === guard && flags === 'wx' && !done) armed = true;
  return fd;
};
fs.statSync = function (target, ...rest) {
  const stat = real.stat.call(fs, target, ...rest);
  if (armed && target === lock) meanwhile();
  return stat;
};
fs.renameSync = function (from, to) {
  if (armed && from === lock) meanwhile();
  return real.rename.call(fs, from, to);
};
try { withFileLock(file, () => {}); console.log(JSON.stringify({ took: true, meanwhile: done })); }
catch (error) { console.log(JSON.stringify({ error: error.message, meanwhile: done })); }
`;

// A hold whose release cannot remove the file it moved aside: the hold's result stands (a sign-out written is not
// reported as failed).
const UNREMOVABLE = `
import fs from 'node:fs';
const [mod, file] = process.argv.slice(2);
const { withFileLock } = await import(mod);
const realRm = fs.rmSync;
fs.rmSync = function (target, ...rest) {
  if (String(target).includes('.release-')) throw Object.assign(new Error('EIO: i/o error, rm'), { code: 'EIO' });
  return realRm.call(fs, target, ...rest);
};
try { console.log(JSON.stringify({ result: withFileLock(file, () => 'written') })); }
catch (error) { console.log(JSON.stringify({ error: error.message })); }
`;

// A server on a machine whose clock is off from the file system's (an NFS server's) by SKEW ms: its Date.now() is
// shifted (the file system's clock, which stamps the lock, is the real one). One try at the lock, with its notices.
const SKEWED = `
const [mod, file, skew] = process.argv.slice(2);
const real = Date.now;
Date.now = () => real.call(Date) + Number(skew);
const { withFileLock } = await import(mod);
const notices = [];
try { withFileLock(file, () => {}, (m) => notices.push(m)); console.log(JSON.stringify({ took: true, notices })); }
catch (error) { console.log(JSON.stringify({ error: error.message, notices })); }
`;

function race(script: string, args: string[]): Promise<{ overlaps: number; held: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`racer exited ${code}: ${err}`))));
  });
}

describe('the sessions journal lock', () => {
  it('is taken over by one process only when two real processes race on a stale lock, again and again', async () => {
    const dir = makeTempDir('handoff-lock-race-');
    const file = path.join(dir, 'ui-serve-sessions', 's.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const script = path.join(dir, 'racer.mjs');
    fs.writeFileSync(script, RACER);
    const gone = String(spawnSync(process.execPath, ['-e', '0']).pid);
    fs.writeFileSync(`${file}.lock`, gone);
    const bundle = path.join(dir, 'session-file.mjs');
    await build({ entryPoints: [path.join(repoRoot, 'src', 'ui', 'team', 'session-file.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const mod = pathToFileURL(bundle).href;
    const goAt = String(Date.now() + 1500);
    const results = await Promise.all([race(script, [mod, file, '400', goAt, gone]), race(script, [mod, file, '400', goAt, gone])]);
    expect(results.map((r) => r.held)).toEqual([400, 400]);
    expect(results.map((r) => r.overlaps)).toEqual([0, 0]);
  });

  it('a takeover guard that stays does not freeze a waiter: it gives up after its wait (a live guard), or removes one left by a crash', async () => {
    const dir = makeTempDir('handoff-lock-guard-');
    const file = path.join(dir, 'ui-serve-sessions', 's.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const script = path.join(dir, 'taker.mjs');
    fs.writeFileSync(script, TAKER);
    const bundle = path.join(dir, 'session-file.mjs');
    await build({ entryPoints: [path.join(repoRoot, 'src', 'ui', 'team', 'session-file.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const take = (): Promise<{ took?: boolean; error?: string }> =>
      new Promise((resolve, reject) => {
        // Killed if it spins on (the failure this test is about), rather than hanging the test.
        const child = spawn(process.execPath, [script, pathToFileURL(bundle).href, file], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('exit', (code, signal) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`taker exited ${code ?? signal}`))));
      });
    const gone = String(spawnSync(process.execPath, ['-e', '0']).pid);
    const guard = `${file}.lock.takeover`;
    // A lock left by a crash, and a takeover guard that another process keeps (touched all along): the waiter cannot
    // take the lock over, and says so once its wait is over.
    fs.writeFileSync(`${file}.lock`, gone);
    fs.writeFileSync(guard, '');
    const keep = setInterval(() => fs.utimesSync(guard, new Date(), new Date()), 50);
    try {
      expect(await take()).toEqual({ error: `${file}.lock stays held by another process` });
    } finally {
      clearInterval(keep);
    }
    // A guard left by a crash a few seconds ago: removed, the lock taken over.
    const old = new Date(Date.now() - 3_000);
    fs.utimesSync(guard, old, old);
    expect(await take()).toEqual({ took: true });
    expect(fs.existsSync(guard)).toBe(false);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  }, 180_000);

  it('a release overtaken by a takeover between its read of the lock and its removal leaves the taker\'s lock (real processes)', async () => {
    const dir = makeTempDir('handoff-lock-release-');
    const file = path.join(dir, 'ui-serve-sessions', 's.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const holder = path.join(dir, 'holder.mjs');
    const keeper = path.join(dir, 'keeper.mjs');
    fs.writeFileSync(holder, OVERTAKEN);
    fs.writeFileSync(keeper, KEEPER);
    const bundle = path.join(dir, 'session-file.mjs');
    await build({ entryPoints: [path.join(repoRoot, 'src', 'ui', 'team', 'session-file.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const run = spawnSync(process.execPath, [holder, pathToFileURL(bundle).href, file, keeper], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ overtaken: true });
    // The taker's lock stands (its pid, its token), and nothing of the release is left beside it.
    const lock = JSON.parse(fs.readFileSync(`${file}.lock`, 'utf8')) as { pid: number; token: string };
    expect(lock.pid).not.toBe(run.pid);
    expect(lock.token).toEqual(expect.any(String));
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['s.json.lock']);
  }, 120_000);

  it('a short hold taken over from a slow one lets go of its lock even when the slow one\'s release had it aside at that moment (real processes)', async () => {
    const dir = makeTempDir('handoff-lock-aside-');
    const file = path.join(dir, 'ui-serve-sessions', 's.json');
    const markers = path.join(dir, 'markers');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.mkdirSync(markers);
    const slow = path.join(dir, 'slow.mjs');
    const short = path.join(dir, 'short.mjs');
    fs.writeFileSync(slow, SLOW_HOLDER);
    fs.writeFileSync(short, SHORT_HOLDER);
    const bundle = path.join(dir, 'session-file.mjs');
    await build({ entryPoints: [path.join(repoRoot, 'src', 'ui', 'team', 'session-file.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const run = spawnSync(process.execPath, [slow, pathToFileURL(bundle).href, file, short, markers], { encoding: 'utf8', timeout: 90_000 });
    expect(run.stderr).toBe('');
    // The slow one linked the short one's lock back (the race took place), and the short one still let go of it.
    expect(JSON.parse(run.stdout)).toEqual({ short: 0, linkedBack: true });
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  }, 120_000);

  it('a takeover leaves a lock made between its judging the old one stale and its removal (real process)', async () => {
    const dir = makeTempDir('handoff-lock-judged-');
    const file = path.join(dir, 'ui-serve-sessions', 's.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const script = path.join(dir, 'judge.mjs');
    fs.writeFileSync(script, JUDGE);
    const bundle = path.join(dir, 'session-file.mjs');
    await build({ entryPoints: [path.join(repoRoot, 'src', 'ui', 'team', 'session-file.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const lock = `${file}.lock`;
    fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: 'other-container|boot|pid:[1]', token: 'A' }), { mode: 0o600 });
    const old = new Date(Date.now() - 11_000);
    fs.utimesSync(lock, old, old);
    const run = spawnSync(process.execPath, [script, pathToFileURL(bundle).href, file], { encoding: 'utf8', timeout: 90_000 });
    expect(run.stderr).toBe('');
    // C's lock (fresh, of another container) is waited for, not taken: the waiter gives up after its wait.
    expect(JSON.parse(run.stdout)).toEqual({ error: `${lock} stays held by another process`, meanwhile: true });
    expect(JSON.parse(fs.readFileSync(lock, 'utf8'))).toMatchObject({ token: 'C' });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['s.json.lock']);
  }, 120_000);

  it('a hold\'s result stands when its release cannot remove what it moved aside (real process)', async () => {
    const dir = makeTempDir('handoff-lock-rm-');
    const file = path.join(dir, 'ui-serve-sessions', 's.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const script = path.join(dir, 'unremovable.mjs');
    fs.writeFileSync(script, UNREMOVABLE);
    const bundle = path.join(dir, 'session-file.mjs');
    await build({ entryPoints: [path.join(repoRoot, 'src', 'ui', 'team', 'session-file.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const run = spawnSync(process.execPath, [script, pathToFileURL(bundle).href, file], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ result: 'written' });
    // The lock is free (only the moved file is left beside it).
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  }, 60_000);

  it('judges a lock\'s age by the file system\'s clock, not a skewed machine clock: taken over only when really old, never when fresh', async () => {
    const dir = makeTempDir('handoff-lock-skew-');
    const script = path.join(dir, 'skewed.mjs');
    fs.writeFileSync(script, SKEWED);
    const bundle = path.join(dir, 'session-file.mjs');
    await build({ entryPoints: [path.join(repoRoot, 'src', 'ui', 'team', 'session-file.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const hour = 3_600_000;
    // Each case its own sessions folder: a lock of a server of another container (its pid means nothing here, so only
    // its age tells a crash), stamped `ageMs` ago by the file system's (the real) clock; the taker's clock off by `skewMs`.
    const cases = [
      { name: 'fresh, taker 1 h ahead', ageMs: 0, skewMs: hour },
      { name: 'fresh, taker 1 h behind', ageMs: 0, skewMs: -hour },
      { name: 'from the future by 1 h, taker right', ageMs: -hour, skewMs: 0 },
      { name: '11 s old, taker 1 h behind', ageMs: 11_000, skewMs: -hour },
      { name: '11 s old, taker 1 h ahead', ageMs: 11_000, skewMs: hour },
    ];
    const results = await Promise.all(
      cases.map(({ name, ageMs, skewMs }, i) => {
        const file = path.join(dir, `home-${i}`, 'ui-serve-sessions', 's.json');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, host: 'other-container|boot|pid:[1]' }), { mode: 0o600 });
        const at = new Date(Date.now() - ageMs);
        fs.utimesSync(`${file}.lock`, at, at);
        return new Promise<{ name: string; took?: boolean; error?: string; notices: string[] }>((resolve, reject) => {
          const child = spawn(process.execPath, [script, pathToFileURL(bundle).href, file, String(skewMs)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('exit', (code, signal) => (code === 0 ? resolve({ name, ...JSON.parse(out) }) : reject(new Error(`${name}: exited ${code ?? signal}`))));
        });
      }),
    );
    const [aheadFresh, behindFresh, future, behindOld, aheadOld] = results;
    // Fresh by the file system's clock (or stamped ahead of it): waited for, never taken over, whatever the taker's clock.
    for (const fresh of [aheadFresh, behindFresh, future]) {
      expect(fresh, fresh.name).toMatchObject({ error: expect.stringMatching(/s\.json\.lock stays held by another process$/) });
      expect(fresh.notices, fresh.name).toEqual([]);
    }
    // 11 s old by the file system's clock: taken over, with its real age in the notice (not one hour off). The age is
    // 11 s plus however long the taker took to start (more under load): any age up to a minute shows the clock used.
    for (const old of [behindOld, aheadOld]) {
      expect(old, old.name).toMatchObject({ took: true });
      expect(old.notices, old.name).toEqual([expect.stringMatching(/ it was left \d+ s ago by process 1 of another host or container/)]);
      const age = Number(/ it was left (\d+) s ago/.exec(old.notices[0]!)![1]);
      expect(age, old.name).toBeGreaterThanOrEqual(11);
      expect(age, old.name).toBeLessThanOrEqual(60);
    }
  }, 120_000);
});
