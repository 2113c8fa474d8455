// Whether a process is still alive, and whether it is a handoff (a recorded pid may since belong to another program).
import fs from 'node:fs';

/** Signal 0 checks without sending anything; EPERM means it exists but belongs to someone else. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive and running handoff: a pid reused by another program after handoff was killed does not count. */
export function isHandoffProcess(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('handoff');
  } catch {
    // No /proc (not Linux): trust that the pid is alive.
    return true;
  }
}
