// The audit log: one JSON object per line (who, what, when, from where, how it ended), appended by the team server and
// by `handoff ui user …`, and read newest first with filters for the admin page.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { AuditAction, AuditEntry, AuditPage } from '../api-types.js';
import { isoTime } from '../../iso-time.js';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'login',
  'login_failed',
  'logout',
  'run_start',
  'run_stop',
  'cloud_run_start',
  'job_stop',
  'schedule_enable',
  'schedule_disable',
  'user_add',
  'user_remove',
  'user_passwd',
  'user_role',
  'user_signout',
];

/** Text fields are cut to this length: an entry stays one short line whatever a client sends (a long user name). */
const MAX_FIELD = 300;

function clip(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // No control characters: a name with a newline must not forge a second line.
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > MAX_FIELD ? `${clean.slice(0, MAX_FIELD)}…` : clean;
}

export interface AuditLog {
  readonly file: string;
  append(entry: Omit<AuditEntry, 'time'> & { time?: string }): void;
  /**
   * Throws an AuditLogUnwritable when the log cannot be appended to now (replaced by a folder, its permissions or its
   * mount gone): an audited action asks first, and is refused rather than done without its line.
   */
  check(): void;
  read(filter: AuditFilter): AuditPage;
}

export interface AuditFilter {
  user?: string;
  action?: string;
  project?: string;
  outcome?: string;
  /** Text anywhere in the entry (target, detail, address…), case-insensitive. */
  text?: string;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  limit: number;
  /** A byte offset from an earlier page's `next`: read entries that start before it. */
  before?: number;
}

/** The audit log cannot be written: the action that asked is not done. */
export class AuditLogUnwritable extends Error {}

/**
 * Checks at start that the log can be written, and again before each audited action (`check`), so no audited action
 * happens without its line.
 */
export function openAuditLog(file: string, onError: (error: unknown) => void = () => undefined): AuditLog {
  const resolved = path.resolve(file);
  try {
    fs.mkdirSync(path.dirname(resolved), { recursive: true });
    fs.closeSync(fs.openSync(resolved, 'a', 0o600));
  } catch (error) {
    throw new UserError(`cannot write the audit log ${resolved}: ${(error as Error).message}`, { fix: 'choose another audit_log path (or --audit-log), or fix the folder\'s permissions' });
  }
  return {
    file: resolved,
    append(entry) {
      const line: AuditEntry = {
        time: entry.time ?? isoTime(),
        user: entry.user === null ? null : (clip(entry.user) ?? null),
        ...(entry.role ? { role: entry.role } : {}),
        action: entry.action,
        outcome: entry.outcome,
        from: clip(entry.from) ?? 'unknown',
        ...(entry.project !== undefined ? { project: clip(entry.project) } : {}),
        ...(entry.target !== undefined ? { target: clip(entry.target) } : {}),
        ...(entry.detail !== undefined ? { detail: clip(entry.detail) } : {}),
        ...(entry.status !== undefined ? { status: entry.status } : {}),
      };
      try {
        // One write of one line with O_APPEND: lines of the server and of `handoff ui user` never interleave.
        fs.appendFileSync(resolved, `${JSON.stringify(line)}\n`, { mode: 0o600 });
      } catch (error) {
        onError(error);
      }
    },
    check() {
      try {
        // An append of nothing opens the file as an append does (a folder, a lost permission or mount fail here).
        fs.appendFileSync(resolved, '', { mode: 0o600 });
      } catch (error) {
        throw new AuditLogUnwritable(`the audit log ${resolved} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}), so nothing that it records is done now`, { cause: error });
      }
    },
    read: (filter) => readAuditLog(resolved, filter),
  };
}

function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.user && (entry.user ?? '').toLowerCase() !== filter.user.toLowerCase()) return false;
  if (filter.action && entry.action !== filter.action) return false;
  if (filter.project && entry.project !== filter.project) return false;
  if (filter.outcome && entry.outcome !== filter.outcome) return false;
  if (filter.since && entry.time < filter.since) return false;
  if (filter.until && entry.time > filter.until) return false;
  if (filter.text && !JSON.stringify(entry).toLowerCase().includes(filter.text.toLowerCase())) return false;
  return true;
}

const CHUNK_BYTES = 64 * 1024;
/** One request reads at most this much of the log; the page says so and offers to read on. */
const MAX_SCAN_BYTES = 32 * 1024 * 1024;

/**
 * Reads the log backwards from `before` (default: its end) in chunks, newest entry first, until `limit` entries match
 * or the scan budget is spent. A line that is not JSON (a crash mid-write by hand) is skipped.
 */
export function readAuditLog(file: string, filter: AuditFilter): AuditPage {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { entries: [], truncated: false };
  }
  try {
    const size = fs.fstatSync(fd).size;
    let position = Math.min(filter.before ?? size, size);
    const entries: AuditEntry[] = [];
    // The start of a line that continues in the part of the file not read yet (with its newline).
    let carry = Buffer.alloc(0);
    let scanned = 0;
    while (position > 0) {
      const length = Math.min(CHUNK_BYTES, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      fs.readSync(fd, chunk, 0, length, position);
      scanned += length;
      const buffer = Buffer.concat([chunk, carry]);
      // Before the first newline may be the end of a line that began in an earlier chunk: keep it for the next read.
      const firstNewline = position > 0 ? buffer.indexOf(0x0a) : -1;
      if (position > 0 && firstNewline < 0) {
        carry = buffer;
        continue;
      }
      const wholeStart = position + firstNewline + 1;
      carry = buffer.subarray(0, firstNewline + 1);
      const lines = buffer.subarray(firstNewline + 1).toString('utf8').split('\n');
      const starts: number[] = [];
      let at = wholeStart;
      for (const line of lines) {
        starts.push(at);
        at += Buffer.byteLength(line) + 1;
      }
      for (let i = lines.length - 1; i >= 0; i--) {
        const line = lines[i];
        if (!line.trim()) continue;
        let entry: AuditEntry;
        try {
          entry = JSON.parse(line) as AuditEntry;
        } catch {
          continue;
        }
        if (!matches(entry, filter)) continue;
        entries.push(entry);
        if (entries.length >= filter.limit) return { entries, next: starts[i] > 0 ? starts[i] : undefined, truncated: false };
      }
      if (scanned >= MAX_SCAN_BYTES && wholeStart > 0) return { entries, next: wholeStart, truncated: true };
    }
    return { entries, truncated: false };
  } finally {
    fs.closeSync(fd);
  }
}
