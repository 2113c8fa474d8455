// The part of a log file's name that a task's name gives (artifacts/<name>_stdout.log), made safe for any task name.

/** Keeps names as the original wrote them (`fetch_rates`), but a name can never climb out of artifacts/ or hide. */
export function toSafeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  return safe.length > 0 ? safe.slice(0, 200) : '_';
}
