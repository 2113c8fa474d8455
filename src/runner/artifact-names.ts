// Names of the log files a task writes under artifacts/ (the original's names, made safe for any task name).
import path from 'node:path';

/** Keeps names as the original wrote them (`fetch_rates`), but a name can never climb out of artifacts/ or hide. */
export function toSafeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  return safe.length > 0 ? safe.slice(0, 200) : '_';
}

export function stdoutLogPath(artifactsDir: string, taskName: string): string {
  return path.join(artifactsDir, `${toSafeFileName(taskName)}_stdout.log`);
}

export function stderrLogPath(artifactsDir: string, taskName: string): string {
  return path.join(artifactsDir, `${toSafeFileName(taskName)}_stderr.log`);
}
