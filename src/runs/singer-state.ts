// Finds the last Singer STATE in a pipeline's stdout log and saves it atomically, only for runs that succeeded.
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import type { Task } from '../project/types.js';

/** How much of the end of a stdout log is searched for the last STATE; state lines are small and come last. */
export const STATE_TAIL_BYTES = 4 * 1024 * 1024;

/**
 * What the end of a stdout log holds: a state, none, or one handoff refuses (the previous state.json is kept):
 * `too_large` when the line that may hold it is longer than what is read, `not_utf8` when its bytes are not UTF-8 (it
 * would be saved with U+FFFD in place of those bytes, a bookmark the tap never wrote).
 */
export type FoundState = { kind: 'state'; value: unknown } | { kind: 'none' } | { kind: 'too_large' } | { kind: 'not_utf8' };

const NONE: FoundState = { kind: 'none' };

/**
 * The tasks whose stdout can hold the run's state (SPEC §5: the last command of a pipeline), by task path: a pipeline
 * task ending in a command, at any level of `tasks:`, and the children of a fork that ends a pipeline (each ends it).
 * Never a `commands:` task (a report printing JSON is no bookmark) nor a foreach line.
 */
export function singerStateSources(tasks: readonly Task[], into = new Set<string>()): Set<string> {
  for (const task of tasks) {
    if (task.body.kind === 'tasks') singerStateSources(task.body.tasks, into);
    if (task.body.kind !== 'pipeline') continue;
    const last = task.body.elements[task.body.elements.length - 1];
    if (last?.kind === 'fork') singerStateSources(last.tasks, into);
    else if (last?.kind === 'command') into.add(task.path);
  }
  return into;
}

/** The last bytes of a file as latin1 text (one character per byte, so no line is decoded before it is chosen). */
function readTail(file: string): { text: string; cut: boolean } | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, STATE_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    return { text: buffer.toString('latin1'), cut: length < size };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** ASCII whitespace only: a byte such as 0xA0 may be part of a UTF-8 character here. */
const trimAscii = (line: string): string => line.replace(/^[ \t\r\f\v]+|[ \t\r\f\v]+$/g, '');

/**
 * The state a task's last command left at the end of its stdout log, whatever its shape (SPEC §5):
 * - its last line, when that is a JSON object without a Singer `type`: a target echoes each state value as a bare
 *   line (`{"bookmarks": …}`, `{"start_date": …}`, anything);
 * - otherwise the value of the last `{"type": "STATE", "value": …}` message (a tap, or a command passing messages on).
 */
export function findLastSingerState(stdoutLog: string): FoundState {
  const tail = readTail(stdoutLog);
  if (!tail) return NONE;
  const lines = tail.text.split('\n');
  let lastLine = true;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = trimAscii(lines[i]);
    if (line === '') continue;
    const isLast = lastLine;
    lastLine = false;
    // The tail begins inside this line: a last line that looks like a JSON object (or a STATE message) is a state too
    // large to read, which must not pass for "no state".
    if (i === 0 && tail.cut) return (isLast && line.endsWith('}')) || line.includes('"STATE"') ? { kind: 'too_large' } : NONE;
    if (!line.startsWith('{') || (!isLast && !line.includes('"STATE"'))) continue;
    const bytes = Buffer.from(line, 'latin1');
    let message: unknown;
    try {
      message = JSON.parse(bytes.toString('utf8'));
    } catch {
      continue;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) continue;
    const m = message as Record<string, unknown>;
    let value: unknown;
    if (m.type === 'STATE' && 'value' in m) value = m.value;
    else if (isLast && m.type === undefined) value = m;
    else continue;
    return isUtf8(bytes) ? { kind: 'state', value } : { kind: 'not_utf8' };
  }
  return NONE;
}

/** Writes the state file atomically (temp file + rename), so a crash never leaves a half-written bookmark. */
export function saveStateAtomically(stateFile: string, state: unknown): void {
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  const temp = `${stateFile}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(state)}\n`);
  fs.renameSync(temp, stateFile);
}
