// One run at a time per workspace: a lock file naming its holder; a lock left by a dead process is taken over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';

interface LockHolder {
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

export function acquireWorkspaceLock(workspaceDir: string, command: string): WorkspaceLock {
  const file = path.join(workspaceDir, '.handoff.lock');
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
        throw new UserError(
          `the workspace ${workspaceDir} is in use by another handoff (pid ${holder.pid}, "${holder.command}", since ${holder.startedAt})`,
          { fix: 'wait for that run to finish, or use another workspace with -w' },
        );
      }
      // The holder is gone (killed, machine restarted): its lock is stale.
      recoveredFrom = holder;
      fs.rmSync(file, { force: true });
    }
  }
  throw new UserError(`could not lock the workspace ${workspaceDir}`, { fix: 'remove .handoff.lock in the workspace if no handoff is running there' });
}
