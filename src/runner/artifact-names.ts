// Names of the log files a task writes under artifacts/ (the original's names, made safe for any task name).
import path from 'node:path';

/** Keeps names as the original wrote them (`fetch_rates`), but a name can never climb out of artifacts/ or hide. */
export function toSafeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  return safe.length > 0 ? safe.slice(0, 200) : '_';
}

/**
 * `dir/name` for a name made by toSafeFileName (no separator, no leading dot): path.join would only normalize `dir`
 * again, which costs a foreach more than the rest of its per-line naming.
 */
export function fileIn(dir: string, name: string): string {
  return dir.endsWith(path.sep) ? `${dir}${name}` : `${dir}${path.sep}${name}`;
}

/** `file` relative to `dir` when it lies inside it (the common case, without path.relative's work), else path.relative. */
export function relativeTo(dir: string, file: string): string {
  const prefix = dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`;
  return file.startsWith(prefix) && !file.includes(`${path.sep}..`) ? file.slice(prefix.length) : path.relative(dir, file);
}

export function stdoutLogPath(artifactsDir: string, taskName: string): string {
  return fileIn(artifactsDir, `${toSafeFileName(taskName)}_stdout.log`);
}

export function stderrLogPath(artifactsDir: string, taskName: string): string {
  return fileIn(artifactsDir, `${toSafeFileName(taskName)}_stderr.log`);
}
