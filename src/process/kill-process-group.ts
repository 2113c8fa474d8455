// Sends a signal to a whole process group (the command and everything it started), ignoring groups already gone.
import { listProcessStats } from './process-identity.js';

export function killProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    // A negative pid addresses the process group whose leader is `pid` (each command is spawned as a group leader).
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return false;
    throw error;
  }
}

/** Whether a process of the group is still alive (signal 0 checks without sending anything). */
export function isProcessGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // kill() counts zombies, which are dead and only wait for init to collect them (some inits, and a container's
  // pid 1, take their time or never do): on Linux, look for a member that is not one.
  return hasLiveMember(pid) ?? true;
}

function hasLiveMember(pgid: number): boolean | undefined {
  return listProcessStats()?.some((p) => p.pgrp === pgid && p.state !== 'Z');
}
