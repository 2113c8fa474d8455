// One run at a time per workspace: a lock file naming its holder; a lock left by a dead process is taken over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { isProcessAlive } from '../process/process-alive.js';
import { randomHex } from '../random-suffix.js';
import { removeFile } from '../remove-file.js';
import { isoTime } from '../iso-time.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface WorkspaceLock {
  release(): void;
  /** Set when a lock left by a process that no longer runs was taken over. */
  recoveredFrom?: LockHolder;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parseHolder(text: string | undefined): LockHolder | undefined {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as LockHolder);
  } catch {
    return undefined;
  }
}

function readHolder(file: string): LockHolder | undefined {
  return parseHolder(readText(file));
}

/**
 * Creates `file` holding `text` unless it exists. link() of a finished temp file is the atomic test-and-set: the lock
 * is complete the moment it appears. (With an O_EXCL create and a write after it, a racing handoff could read it
 * empty, judge it stale and remove it, and both would run.)
 */
function createExclusive(file: string, text: string): boolean {
  const temp = `${file}.${process.pid}.${randomHex(8)}.tmp`;
  try {
    // Inside the try: a full disk fails this write after creating the file, which must not stay.
    fs.writeFileSync(temp, text);
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    // A filesystem without hard links: O_EXCL it is.
    try {
      fs.writeFileSync(file, text, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    removeFile(temp);
  }
}

/**
 * Removes a stale lock, but only if it still holds `staleText`: several handoffs may find the same stale lock at once,
 * and a later one must not remove the lock the first has taken meanwhile. A guard file lets one of them check and
 * remove at a time; false when another holds the guard.
 */
function removeStaleLock(file: string, staleText: string): boolean {
  const guard = `${file}.takeover`;
  if (!createExclusive(guard, JSON.stringify({ pid: process.pid, host: os.hostname() }))) {
    const holder = readHolder(guard);
    // A guard left by a handoff that died while taking over would block every later one. (No holder means the guard
    // was released meanwhile; removing the name then could remove the next racer's guard.)
    if (holder && holder.host === os.hostname() && !isProcessAlive(holder.pid)) removeFile(guard);
    return false;
  }
  try {
    if (readText(file) === staleText) removeFile(file);
  } finally {
    removeFile(guard);
  }
  return true;
}

/** Waits a little without giving up the thread (the lock is taken synchronously, before anything starts). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** What a lock protects, for its messages: a workspace (one run at a time) or the scheduler (one per HANDOFF_HOME). */
export interface LockSubject {
  /** e.g. `the workspace /tmp/ws` or `the scheduler of /root/.handoff` */
  name: string;
  /** What to do when another handoff holds it. */
  fix: string;
  /**
   * Whether the holder still runs; by default, whether its pid is alive. A lock that knows more about its holder can
   * tell a pid since reused by another process from the holder itself.
   */
  isHolderAlive?: (holder: LockHolder) => boolean;
}

/** The lock file of a workspace (the web UI reads its holder before it starts a run). */
export function workspaceLockFile(workspaceDir: string): string {
  return path.join(workspaceDir, '.handoff.lock');
}

export function acquireWorkspaceLock(workspaceDir: string, command: string): WorkspaceLock {
  return acquireLockFile(workspaceLockFile(workspaceDir), command, {
    name: `the workspace ${workspaceDir}`,
    fix: 'wait for that run to finish, or use another workspace with -w',
  });
}

const isPidAlive = (holder: LockHolder): boolean => isProcessAlive(holder.pid);

/** Reads who holds a lock file, if anyone alive does (a stale holder is reported as none). */
export function readLockHolder(file: string, isHolderAlive: (holder: LockHolder) => boolean = isPidAlive): LockHolder | undefined {
  const holder = readHolder(file);
  if (!holder) return undefined;
  return holder.host !== os.hostname() || isHolderAlive(holder) ? holder : undefined;
}

/** Takes a lock file naming this process; refuses, naming the holder, when a live handoff holds it. */
export function acquireLockFile(file: string, command: string, subject: LockSubject): WorkspaceLock {
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: isoTime(), command };
  let recoveredFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createExclusive(file, JSON.stringify(me))) {
      let released = false;
      return {
        recoveredFrom,
        release() {
          if (released) return;
          released = true;
          if (readHolder(file)?.pid === process.pid) removeFile(file);
        },
      };
    }
    const text = readText(file);
    if (text === undefined) continue; // released meanwhile
    const holder = parseHolder(text);
    // On another host we cannot tell whether the holder lives, so its lock stands.
    if (holder && holder.pid !== process.pid && (holder.host !== me.host || (subject.isHolderAlive ?? isPidAlive)(holder))) {
      throw new UserError(`${subject.name} is in use by another handoff (pid ${holder.pid}, "${holder.command}", since ${holder.startedAt})`, {
        fix: subject.fix,
      });
    }
    // The holder is gone (killed, machine restarted): its lock is stale.
    recoveredFrom = holder;
    if (!removeStaleLock(file, text)) pause(10);
  }
  throw new UserError(`could not lock ${subject.name}`, { fix: `remove ${file} if no handoff is running there` });
}
