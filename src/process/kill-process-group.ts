// Sends a signal to a whole process group (the command and everything it started), ignoring groups already gone.

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
