// One run at a time per workspace: a lock file naming its holder; a lock left by a dead process is taken over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';

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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** What a lock protects, for its messages: a workspace (one run at a time) or the scheduler (one per HANDOFF_HOME). */
export interface LockSubject {
  /** e.g. `the workspace /tmp/ws` or `the scheduler of /root/.handoff` */
  name: string;
  /** What to do when another handoff holds it. */
  fix: string;
}

export function acquireWorkspaceLock(workspaceDir: string, command: string): WorkspaceLock {
  return acquireLockFile(path.join(workspaceDir, '.handoff.lock'), command, {
    name: `the workspace ${workspaceDir}`,
    fix: 'wait for that run to finish, or use another workspace with -w',
  });
}

/** Reads who holds a lock file, if anyone alive does (a stale holder is reported as none). */
export function readLockHolder(file: string): LockHolder | undefined {
  const holder = readHolder(file);
  if (!holder) return undefined;
  return holder.host !== os.hostname() || isAlive(holder.pid) ? holder : undefined;
}

/** Takes a lock file naming this process; refuses, naming the holder, when a live handoff holds it. */
export function acquireLockFile(file: string, command: string, subject: LockSubject): WorkspaceLock {
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command };
  let recoveredFrom: LockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // 'wx' fails if the file exists: creating it is the atomic test-and-set.
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      let released = false;
      return {
        recoveredFrom,
        release() {
          if (released) return;
          released = true;
          if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      // On another host we cannot tell whether the holder lives, so its lock stands.
      if (holder && holder.pid !== process.pid && (holder.host !== me.host || isAlive(holder.pid))) {
        throw new UserError(`${subject.name} is in use by another handoff (pid ${holder.pid}, "${holder.command}", since ${holder.startedAt})`, {
          fix: subject.fix,
        });
      }
      // The holder is gone (killed, machine restarted): its lock is stale.
      recoveredFrom = holder;
      fs.rmSync(file, { force: true });
    }
  }
  throw new UserError(`could not lock ${subject.name}`, { fix: `remove ${file} if no handoff is running there` });
}
