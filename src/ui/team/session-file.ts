// The team server's kept sessions: a JSON file under $HANDOFF_HOME (mode 0600, written atomically), so a restart (an
// upgrade, a crash, a reboot) signs no one out. Each session is kept under a digest of its cookie value, never the value.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { resolveHandoffHome } from '../../providers/local/handoff-home.js';
import { writeFileAtomicSync } from '../../providers/local/write-file-atomic.js';

/** A session as kept on disk: `key` is sessionKeyOf(cookie value). */
export interface KeptSession {
  key: string;
  user: string;
  via: 'password' | 'proxy';
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  from: string;
  credential?: string;
}

interface SessionFileContent {
  /** Format version, and a marker that tells this file from any other JSON. */
  handoffUiSessions: 1;
  /** Whose sessions these are (the accounts file, else ui.yml or the audit log), for whoever opens the file. */
  server: string;
  sessions: KeptSession[];
}

/** The folder under HANDOFF_HOME (beside ui-serve-token). */
export const SESSIONS_FOLDER = 'ui-serve-sessions';

/**
 * The file of one team server's sessions: one per accounts file (else per ui.yml or audit log), so two servers of one
 * HANDOFF_HOME with different accounts never take each other's sessions.
 */
export function teamSessionsFile(server: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = crypto.createHash('sha256').update(path.resolve(server)).digest('hex').slice(0, 16);
  return path.join(resolveHandoffHome(env).dir, SESSIONS_FOLDER, `${name}.json`);
}

/** The digest a session is kept and looked up under: the cookie value itself is nowhere but in the browser. */
export function sessionKeyOf(id: string): string {
  return crypto.createHash('sha256').update(`handoff-ui-session:${id}`).digest('base64url');
}

function isKept(value: unknown): value is KeptSession {
  const s = value as KeptSession;
  return (
    typeof s?.key === 'string' &&
    typeof s.user === 'string' &&
    (s.via === 'password' || s.via === 'proxy') &&
    [s.createdAt, s.lastSeenAt, s.expiresAt].every((n) => Number.isFinite(n)) &&
    typeof s.from === 'string' &&
    (s.credential === undefined || typeof s.credential === 'string')
  );
}

/**
 * The kept sessions, or none with a notice (never a session's content) when the file cannot be trusted: a file others
 * may read or another user's (its sessions could have been planted or read), or not one of ours. A missing file is none.
 */
export function readKeptSessions(file: string): { sessions: KeptSession[]; notice?: string } {
  const dropped = 'its sessions were dropped (everyone signs in again)';
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return { sessions: [] };
  }
  if (!stat.isFile()) return { sessions: [], notice: `${file} is not a plain file: ${dropped}` };
  if ((stat.mode & 0o077) !== 0) return { sessions: [], notice: `${file} could be read by other users (mode ${(stat.mode & 0o777).toString(8)}): ${dropped}` };
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return { sessions: [], notice: `${file} belongs to another user: ${dropped}` };
  let content: SessionFileContent;
  try {
    content = JSON.parse(fs.readFileSync(file, 'utf8')) as SessionFileContent;
  } catch (error) {
    return { sessions: [], notice: `${file} cannot be read (${error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message}): ${dropped}` };
  }
  if (content?.handoffUiSessions !== 1 || !Array.isArray(content.sessions)) return { sessions: [], notice: `${file} is not a handoff sessions file: ${dropped}` };
  return { sessions: content.sessions.filter(isKept) };
}

/** Writes every session at once, atomically (a crash leaves the old file or the new one, never half of one), 0600. */
export function writeKeptSessions(file: string, server: string, sessions: KeptSession[]): void {
  const content: SessionFileContent = { handoffUiSessions: 1, server, sessions };
  writeFileAtomicSync(file, `${JSON.stringify(content)}\n`, { mode: 0o600, dirMode: 0o700 });
}
