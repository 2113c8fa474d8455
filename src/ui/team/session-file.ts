// The team server's kept sessions: a journal under $HANDOFF_HOME (JSON Lines, mode 0600), so a restart (an upgrade, a
// crash, a reboot) signs no one out, and two servers on one HANDOFF_HOME (an overlapping rolling restart) share them:
// each appends what it changed (a sign-in, a sign-out, activity) under a lock, reads what the others appended, and
// rewrites the journal whole (atomically) only when it holds many more lines than there are sessions. A sign-in costs a
// line, not the whole file. Each session is kept under a digest of its cookie value, never the value; an ended one
// leaves a tombstone (its `end` line, and in each server's memory until it would have expired), so nothing brings it back.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeFolders } from '../../make-folders.js';
import { isProcessAlive } from '../../process/process-alive.js';
import { resolveHandoffHome } from '../../providers/local/handoff-home.js';
import { writeFileAtomicSync } from '../../providers/local/write-file-atomic.js';

/** A session as kept on disk: `key` is sessionKeyOf(cookie value). */
export interface KeptSession {
  key: string;
  user: string;
  via: 'password' | 'proxy';
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  from: string;
  credential?: string;
}

/** One line of the journal after its header: a session made, one ended (its tombstone), or activity (last request times). */
export type JournalRecord = { add: KeptSession } | { end: string; until: number } | { seen: Record<string, number> };

/**
 * The first line: the format, whose sessions these are (the accounts file, else ui.yml or the audit log), and the
 * file's generation (random, new at each rewrite). A reader that has read up to some byte goes on from there only while
 * the generation is the one it read: a rewrite whose new file got the old one's inode back (a file system reuses freed
 * inodes) and is as long or longer would otherwise be read from the middle, its first lines (a sign-out) missed.
 */
interface JournalHeader {
  handoffUiSessions: 2;
  server: string;
  generation?: string;
}

/** What a read found: the records appended since the last read, or every record (`whole`) when the file was replaced. */
export interface JournalRead {
  whole: boolean;
  records: JournalRecord[];
  /** The file cannot be trusted or read: its records are not taken; say so, and write it anew at the next change. */
  notice?: string;
}

/** The folder under HANDOFF_HOME (beside ui-serve-token). */
export const SESSIONS_FOLDER = 'ui-serve-sessions';

/** Another process holds the lock longer than this only if it died holding it. */
const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 5_000;
/** A takeover guard is held for microseconds: one older than this was left by a crash in its takeover. */
const GUARD_STALE_MS = 1_000;
const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/**
 * The file of one team server's sessions: one per accounts file (else per ui.yml or audit log), so two servers of one
 * HANDOFF_HOME with different accounts never take each other's sessions.
 */
export function teamSessionsFile(server: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = crypto.createHash('sha256').update(path.resolve(server)).digest('hex').slice(0, 16);
  return path.join(resolveHandoffHome(env).dir, SESSIONS_FOLDER, `${name}.json`);
}

/** The digest a session is kept and looked up under: the cookie value itself is nowhere but in the browser. */
export function sessionKeyOf(id: string): string {
  return crypto.createHash('sha256').update(`handoff-ui-session:${id}`).digest('base64url');
}

function isKept(value: unknown): value is KeptSession {
  const s = value as KeptSession;
  return (
    typeof s?.key === 'string' &&
    typeof s.user === 'string' &&
    (s.via === 'password' || s.via === 'proxy') &&
    [s.createdAt, s.lastSeenAt, s.expiresAt].every((n) => Number.isFinite(n)) &&
    typeof s.from === 'string' &&
    (s.credential === undefined || typeof s.credential === 'string')
  );
}

function toRecord(value: unknown): JournalRecord | undefined {
  const r = value as Record<string, unknown> | null;
  if (!r || typeof r !== 'object') return undefined;
  if ('add' in r) return isKept(r.add) ? { add: r.add } : undefined;
  if ('end' in r) return typeof r.end === 'string' && Number.isFinite(r.until) ? { end: r.end, until: r.until as number } : undefined;
  if ('seen' in r && r.seen && typeof r.seen === 'object') {
    const seen = Object.fromEntries(Object.entries(r.seen as Record<string, unknown>).filter(([, at]) => Number.isFinite(at))) as Record<string, number>;
    return { seen };
  }
  return undefined;
}

/**
 * Why a sessions file (or any file kept beside it) is not to be trusted, if it is not: not a plain file, one others may
 * read or another user's (its sessions could have been planted or read). Never its content.
 */
export function distrustOf(file: string, stat: fs.Stats, dropped: string): string | undefined {
  if (!stat.isFile()) return `${file} is not a plain file: ${dropped}`;
  if ((stat.mode & 0o077) !== 0) return `${file} could be read by other users (mode ${(stat.mode & 0o777).toString(8)}): ${dropped}`;
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return `${file} belongs to another user: ${dropped}`;
  return undefined;
}

/**
 * Who holds a lock: its pid, and where that pid means something (hostname, boot id and pid namespace). Two containers
 * (or two machines over NFS) on one HANDOFF_HOME see each other's pids as dead, or as some unrelated live process: a pid
 * is judged only on the host (and namespace) that wrote it; elsewhere only the lock's age tells a crash.
 */
interface LockHolder {
  pid: number;
  host?: string;
}

let hostOfThisProcess: string | undefined;

/** This process's host identity: hostname, boot id (a reboot reuses pids) and pid namespace (containers). */
export function lockHostIdentity(): string {
  if (hostOfThisProcess === undefined) {
    const read = (f: () => string) => {
      try {
        return f().trim();
      } catch {
        return '?';
      }
    };
    hostOfThisProcess = `${os.hostname()}|${read(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'))}|${read(() => fs.readlinkSync('/proc/self/ns/pid'))}`;
  }
  return hostOfThisProcess;
}

/** A lock's holder: `{"pid":…,"host":…}`, or a bare pid (an older handoff's lock, judged as of this host). */
function holderOf(text: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'number') return { pid: parsed };
    const h = parsed as LockHolder | null;
    if (h && Number.isInteger(h.pid) && typeof h.host === 'string') return { pid: h.pid, host: h.host };
  } catch {
    // Not yet written (the holder is between its create and its write), or not a lock of ours: judged by age alone.
  }
  return undefined;
}

/**
 * Runs `action` holding `<file>.lock` (made with O_EXCL, holding the holder's pid, host and a token of this hold): the
 * servers of one HANDOFF_HOME append and rewrite one at a time, so no line is lost to a rewrite. Held for the time of a
 * write. A lock left by a crash is taken over: at once when its holder is of this host and its pid is gone; after
 * LOCK_STALE_MS of age otherwise (a holder on another host or container, whose pid means nothing here), said in
 * `onNotice`. Ages are told by the file system's clock (that of the server holding HANDOFF_HOME, over NFS), not this
 * machine's. Taking over is itself done one process at a time (see takeOver), so two waiters that both judged a lock
 * stale never both hold it. At the end the lock is removed only if it is still this hold's: a holder that was taken over
 * (it held the lock past LOCK_STALE_MS) must not remove the lock of the process that took it over (see releaseLock).
 */
export function withFileLock<T>(file: string, action: () => T, onNotice?: (message: string) => void): T {
  const lock = `${file}.lock`;
  const started = Date.now();
  const me = JSON.stringify({ pid: process.pid, host: lockHostIdentity(), token: crypto.randomBytes(9).toString('base64url') });
  // The file system's clock minus this machine's, learnt (with one file made and removed) at the first lock judged by age.
  let skew: number | undefined;
  const ageOf = (stat: fs.Stats): number => {
    skew ??= fileSystemNow(path.dirname(lock)) - Date.now();
    return Date.now() + skew - stat.mtimeMs;
  };
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx', 0o600);
      try {
        fs.writeSync(fd, me);
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        makeFolders(path.dirname(file), 0o700);
        continue;
      }
      if (code !== 'EEXIST') throw error;
    }
    let stat: fs.Stats;
    let holder: LockHolder | undefined;
    try {
      stat = fs.statSync(lock);
      holder = holderOf(fs.readFileSync(lock, 'utf8'));
    } catch {
      continue;
    }
    // This process's own pid on this host is a crash too (every hold here is synchronous, so it holds none now: a lock
    // of a dead process whose pid came back). A holder of another host is judged by the lock's age only.
    const here = holder !== undefined && (holder.host === undefined || holder.host === lockHostIdentity());
    const dead = here && holder!.pid > 0 && (holder!.pid === process.pid || !isProcessAlive(holder!.pid));
    const age = dead ? 0 : ageOf(stat);
    if ((dead || age > LOCK_STALE_MS) && takeOver(lock, stat, ageOf)) {
      if (!dead && !here) {
        const by = holder ? `by process ${holder.pid} of another host or container (${holder.host}), which cannot be checked from here` : 'by a holder that did not write its name (it stopped between making the lock and writing it)';
        onNotice?.(`took over ${lock}: it was left ${Math.round(age / 1000)} s ago ${by}; if that server still runs, give each server its own HANDOFF_HOME or stop one`);
      }
      continue;
    }
    // Not taken over (held, or another waiter is taking it over): wait, but not past LOCK_WAIT_MS in all.
    if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`${lock} stays held by another process`);
    Atomics.wait(SLEEP, 0, 0, 2);
  }
  try {
    return action();
  } finally {
    releaseLock(lock, me);
  }
}

/**
 * Removes the lock if it still holds this hold's token (`me`): else it was taken over meanwhile (this hold lasted past
 * LOCK_STALE_MS) and is another's now. A read then a remove would remove a lock taken over between the two, so the lock
 * is moved to a name of this process's first (rename is atomic) and the token read again there: this hold's is removed;
 * another's (the takeover landed between the read and the move) is linked back at once, the same file (inode, time),
 * so its holder still holds it. Only a third process making a lock in the microseconds it was away could keep it out.
 * The other side of that: a lock found gone may be one such release's for a moment (it moved this hold's lock aside
 * and puts it back), so a gone lock is looked at again for a few ms (see tokenOf), and released again if it comes back.
 */
function releaseLock(lock: string, me: string): void {
  for (let round = 0; round < RELEASE_ROUNDS; round++) {
    // Taken over before the release (the usual case of a hold that lasted too long): left as it is, not even moved.
    // Gone (for good): taken over and released meanwhile.
    if (tokenOf(lock) !== me) return;
    const aside = `${lock}.release-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
    try {
      fs.renameSync(lock, aside);
    } catch {
      continue; // Gone the moment after it was read: another release may be putting it back (looked at again above).
    }
    try {
      if (fs.readFileSync(aside, 'utf8') !== me) fs.linkSync(aside, lock);
    } catch {
      // A lock made in the moment the lock was away stands (see above): the moved one goes.
    } finally {
      removeQuietly(aside);
    }
    return;
  }
}

/** Release rounds: a lock put back by another release is let go again (each round waits a few ms at most). */
const RELEASE_ROUNDS = 3;
/** How often, 1 ms apart, a gone lock is looked at again before it is taken as gone (a release puts one back in microseconds). */
const GONE_LOOKS = 5;

/**
 * The lock's content, or undefined when it is gone. Gone, it is looked at again GONE_LOOKS times 1 ms apart: another
 * process's release may hold it aside for a moment (it moved it to read the token) and link it back.
 */
function tokenOf(lock: string): string | undefined {
  for (let look = 0; ; look++) {
    try {
      return fs.readFileSync(lock, 'utf8');
    } catch {
      if (look >= GONE_LOOKS) return undefined;
      Atomics.wait(SLEEP, 0, 0, 1);
    }
  }
}

/**
 * Removes a file moved aside (a lock or guard), ignoring a failure: the lock is free either way, and what the hold did
 * (a sign-out written) must not be reported as failed for a file left beside it (said in docs/reliability.md: nothing
 * sweeps it, it is a few bytes).
 */
function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Left: see above.
  }
}

/** The file system's time now: the time of a file just made there (removed at once); this machine's if none can be made. */
function fileSystemNow(folder: string): number {
  const probe = path.join(folder, `.clock-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  try {
    const fd = fs.openSync(probe, 'wx', 0o600);
    try {
      return fs.fstatSync(fd).mtimeMs;
    } finally {
      fs.closeSync(fd);
      fs.rmSync(probe, { force: true });
    }
  } catch {
    return Date.now();
  }
}

/**
 * Removes the stale lock `judged` (its stat when judged stale), and only that one: two waiters may judge the same lock
 * stale, and the first to remove it may have made its own before the second removes "it". So a takeover is made
 * holding `<lock>.takeover` (O_EXCL), and removes the lock only if it is still the same file (inode, size, time),
 * judged after it was moved aside (a lock made since is put back).
 * Returns whether this call removed it (false: the caller waits its turn, within its wait). A guard is held for
 * microseconds: one older than GUARD_STALE_MS was left by a crash in between, and is removed (see removeStaleGuard).
 */
function takeOver(lock: string, judged: fs.Stats, ageOf: (stat: fs.Stats) => number): boolean {
  const guard = `${lock}.takeover`;
  let mine: fs.Stats;
  try {
    const fd = fs.openSync(guard, 'wx', 0o600);
    try {
      mine = fs.fstatSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      const held = fs.statSync(guard);
      if (ageOf(held) > GUARD_STALE_MS) removeStaleGuard(guard, held);
    } catch {
      // Gone meanwhile: the other takeover ended.
    }
    return false;
  }
  try {
    // Moved aside before it is looked at, not looked at then removed: between the two the stale holder (only slow) may
    // release it and a waiter make its own, which a removal would take (two writers). Moved, what was moved is
    // compared with the lock judged stale: another (a lock made since) is linked back at once, the same file.
    const aside = `${lock}.taken-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
    try {
      fs.renameSync(lock, aside);
    } catch {
      return false; // Gone meanwhile (released): the caller tries to make its own.
    }
    let stale = false;
    try {
      const moved = fs.statSync(aside);
      stale = sameFile(moved, judged) && moved.size === judged.size && moved.mtimeMs === judged.mtimeMs;
      if (!stale) fs.linkSync(aside, lock);
    } catch {
      // A lock made in the moment the lock was away stands; the moved one goes (as in releaseLock).
    } finally {
      removeQuietly(aside);
    }
    return stale;
  } finally {
    // This takeover's guard only (one judged stale and removed by a waiter may have been followed by the waiter's own).
    try {
      if (sameFile(fs.statSync(guard), mine)) fs.rmSync(guard, { force: true });
    } catch {
      // Gone: removed as stale by a waiter.
    }
  }
}

/**
 * Removes a guard left by a crash. Two waiters may judge it stale at once, and the first may have made its own guard
 * before the second removes "it": so it is moved to a name of this process's first, and removed only if what was moved
 * is the guard judged stale; another (a new takeover's) is put back.
 */
function removeStaleGuard(guard: string, judged: fs.Stats): void {
  const aside = `${guard}.stale-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  fs.renameSync(guard, aside);
  try {
    if (!sameFile(fs.statSync(aside), judged) || fs.statSync(aside).mtimeMs !== judged.mtimeMs) fs.linkSync(aside, guard);
  } catch {
    // A guard made meanwhile stands: the moved one goes, its takeover checks the lock it removes anyway.
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function sameFile(a: fs.Stats, b: fs.Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

/** One server's view of the journal: where it has read to, so each read takes only what was appended since. */
export class SessionJournal {
  private offset = 0;
  private ino = -1;
  private size = -1;
  private mtimeMs = -1;
  /** The generation read in the header ('' for a journal of a handoff before generations). */
  private generation = '';
  /** Lines in the file now (header aside): how much a rewrite would save. */
  lines = 0;

  constructor(
    readonly file: string,
    readonly server: string,
  ) {}

  /** Whether the file changed since the last read (one stat: asked at each request). */
  changed(): boolean {
    try {
      const stat = fs.statSync(this.file);
      // The time too: a rewrite of the same size on a reused inode changes nothing else a stat shows.
      return stat.ino !== this.ino || stat.size !== this.size || stat.mtimeMs !== this.mtimeMs;
    } catch {
      return this.ino !== -1;
    }
  }

  /**
   * What was appended since the last read; everything (`whole`) when the file is new to this reader or was replaced (a
   * rewrite by another server). A line still being written is left for the next read. A missing file is no session.
   */
  read(): JournalRead {
    const dropped = 'its sessions were dropped (everyone signs in again)';
    let fd: number;
    try {
      fd = fs.openSync(this.file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Gone (removed by hand): nothing to read; the next change writes it anew from what this server holds.
      if (code === 'ENOENT') {
        this.forgetPosition();
        return { whole: false, records: [] };
      }
      this.forgetPosition();
      return { whole: true, records: [], notice: code === 'ELOOP' ? `${this.file} is not a plain file: ${dropped}` : `${this.file} cannot be read (${(error as Error).message}): ${dropped}` };
    }
    try {
      const stat = fs.fstatSync(fd);
      const distrust = distrustOf(this.file, stat, dropped);
      if (distrust) {
        this.forgetPosition();
        return { whole: true, records: [], notice: distrust };
      }
      const whole = stat.ino !== this.ino || stat.size < this.offset || generationOf(fd) !== this.generation;
      const from = whole ? 0 : this.offset;
      this.ino = stat.ino;
      this.size = stat.size;
      this.mtimeMs = stat.mtimeMs;
      if (whole) this.lines = 0;
      const buffer = Buffer.alloc(Math.max(0, stat.size - from));
      const length = buffer.length ? fs.readSync(fd, buffer, 0, buffer.length, from) : 0;
      const text = buffer.subarray(0, length).toString('utf8');
      const complete = text.lastIndexOf('\n') + 1;
      this.offset = from + Buffer.byteLength(text.slice(0, complete));
      const lines = text.slice(0, complete).split('\n').filter(Boolean);
      if (whole) {
        const first = parseLine(lines.shift());
        // The one-document file of the handoff before the journal: its sessions, then written anew as a journal.
        if ((first as { handoffUiSessions?: number } | undefined)?.handoffUiSessions === 1 && Array.isArray((first as { sessions?: unknown }).sessions)) {
          this.forgetPosition();
          return { whole: true, records: ((first as { sessions: unknown[] }).sessions.filter(isKept) as KeptSession[]).map((add) => ({ add })) };
        }
        if ((first as JournalHeader | undefined)?.handoffUiSessions !== 2) {
          this.forgetPosition();
          return { whole: true, records: [], notice: `${this.file} is not a handoff sessions file: ${dropped}` };
        }
        this.generation = generationIn(first);
      }
      this.lines += lines.length;
      return { whole, records: lines.flatMap((line) => toRecord(parseLine(line)) ?? []) };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Whether records can be appended: the file was read (a missing, untrusted or older file is written anew instead). */
  get positioned(): boolean {
    return this.ino !== -1;
  }

  /** Appends records (call under withFileLock, after reading what others appended, when `positioned`). */
  append(records: JournalRecord[]): void {
    if (records.length === 0) return;
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    // An append cut short before (a full disk) left a line without its end: this one must not be glued onto it, or
    // the reader drops both (and a sign-out among them would be undone).
    fs.appendFileSync(this.file, endsLine(this.file) ? text : `\n${text}`, { mode: 0o600 });
    const stat = fs.statSync(this.file);
    // What this server appended is read already; another's line could only be appended under the lock it holds.
    Object.assign(this, { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, offset: stat.size, lines: this.lines + records.length });
  }

  /** Writes the journal anew with these records only (under withFileLock): atomically, 0600, in a 0700 folder. */
  rewrite(records: JournalRecord[]): void {
    const header: JournalHeader = { handoffUiSessions: 2, server: this.server, generation: crypto.randomBytes(12).toString('base64url') };
    writeFileAtomicSync(this.file, [header, ...records].map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600, dirMode: 0o700 });
    const stat = fs.statSync(this.file);
    Object.assign(this, { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, offset: stat.size, lines: records.length, generation: header.generation });
  }

  /** The next read takes the file whole (it is not to be appended to before it is written anew). */
  private forgetPosition(): void {
    Object.assign(this, { ino: -1, size: -1, mtimeMs: -1, offset: 0, lines: 0, generation: '' });
  }
}

function generationIn(header: unknown): string {
  const generation = (header as JournalHeader | undefined)?.generation;
  return typeof generation === 'string' ? generation : '';
}

/** The generation in the first line of an open journal (a header is a few hundred bytes; undefined if none is whole). */
function generationOf(fd: number): string | undefined {
  for (const size of [4096, 64 * 1024]) {
    const head = Buffer.alloc(size);
    const length = fs.readSync(fd, head, 0, size, 0);
    const end = head.subarray(0, length).indexOf(0x0a);
    if (end >= 0) return generationIn(parseLine(head.subarray(0, end).toString('utf8')));
    if (length < size) return undefined;
  }
  return undefined;
}

function parseLine(line: string | undefined): unknown {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Whether the file is empty or its last byte ends a line. */
export function endsLine(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}
