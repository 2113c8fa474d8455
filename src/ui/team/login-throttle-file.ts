// The team server's failed sign-in counters, kept beside its sessions under $HANDOFF_HOME (mode 0600, written
// atomically), so a restart (or a crash loop) gives no address and no name its free tries again. Each counter is kept
// under a digest of its address or name (a name tried may be a password typed into the wrong box), with its expiry.
import fs from 'node:fs';
import { writeFileAtomicSync } from '../../providers/local/write-file-atomic.js';
import { distrustOf } from './session-file.js';

/** A counter as kept: `key` is a digest of `address:…` or `name:…`; `forgetAt` is when it no longer counts. */
export interface KeptFailures {
  key: string;
  failures: number;
  lastFailure: number;
  blockedUntil: number;
  forgetAt: number;
}

interface FailuresFileContent {
  /** Format version, and a marker that tells this file from any other JSON. */
  handoffUiFailedLogins: 1;
  counters: KeptFailures[];
}

/** The counters' file of a sessions file: `<digest>.failed-logins.json` beside `<digest>.json`. */
export function failedLoginsFileOf(sessionsFile: string): string {
  return `${sessionsFile.replace(/\.json$/, '')}.failed-logins.json`;
}

function isKept(value: unknown): value is KeptFailures {
  const c = value as KeptFailures;
  return typeof c?.key === 'string' && [c.failures, c.lastFailure, c.blockedUntil, c.forgetAt].every((n) => Number.isFinite(n));
}

/**
 * The counters not yet expired, or none with a notice when the file cannot be trusted (another user's, one others may
 * read: counters could have been planted to lock accounts out, or removed). A missing file is none.
 */
export function readKeptFailures(file: string, now: number): { counters: KeptFailures[]; notice?: string } {
  const dropped = 'the failed sign-in counters start again from zero';
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return { counters: [] };
  }
  const distrust = distrustOf(file, stat, dropped);
  if (distrust) return { counters: [], notice: distrust };
  try {
    const content = JSON.parse(fs.readFileSync(file, 'utf8')) as FailuresFileContent;
    if (content?.handoffUiFailedLogins !== 1 || !Array.isArray(content.counters)) return { counters: [], notice: `${file} is not a handoff failed sign-ins file: ${dropped}` };
    return { counters: content.counters.filter(isKept).filter((c) => now < c.forgetAt) };
  } catch (error) {
    return { counters: [], notice: `${file} cannot be read (${error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message}): ${dropped}` };
  }
}

/** Writes every counter at once, atomically (a crash leaves the old file or the new one), 0600 in a 0700 folder. */
export function writeKeptFailures(file: string, counters: KeptFailures[]): void {
  const content: FailuresFileContent = { handoffUiFailedLogins: 1, counters };
  writeFileAtomicSync(file, `${JSON.stringify(content)}\n`, { mode: 0o600, dirMode: 0o700 });
}
