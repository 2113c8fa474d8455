// Finds the last Singer STATE in a pipeline's stdout log and saves it atomically, only for runs that succeeded.
import fs from 'node:fs';
import path from 'node:path';

/** How much of the end of a stdout log is searched for the last STATE; state lines are small and come last. */
const TAIL_BYTES = 4 * 1024 * 1024;

function readTail(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The state a task's last command left at the end of its stdout log, whatever its shape (SPEC §5):
 * - its last line, when that is a JSON object without a Singer `type`: a target echoes each state value as a bare
 *   line (`{"bookmarks": …}`, `{"start_date": …}`, anything);
 * - otherwise the value of the last `{"type": "STATE", "value": …}` message (a tap, or a command passing messages on).
 */
export function findLastSingerState(stdoutLog: string): unknown {
  const text = readTail(stdoutLog);
  if (!text) return undefined;
  const lines = text.split('\n');
  let lastLine = true;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line === '') continue;
    const isLast = lastLine;
    lastLine = false;
    if (!line.startsWith('{') || (!isLast && !line.includes('"STATE"'))) continue;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) continue;
    const m = message as Record<string, unknown>;
    if (m.type === 'STATE' && 'value' in m) return m.value;
    if (isLast && m.type === undefined) return m;
  }
  return undefined;
}

/** Writes the state file atomically (temp file + rename), so a crash never leaves a half-written bookmark. */
export function saveStateAtomically(stateFile: string, state: unknown): void {
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  const temp = `${stateFile}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(state)}\n`);
  fs.renameSync(temp, stateFile);
}
