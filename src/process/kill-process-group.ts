// Sends a signal to a whole process group (the command and everything it started), ignoring groups already gone.
import fs from 'node:fs';

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
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so split after its last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}
