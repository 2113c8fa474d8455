// The team server's failed sign-in counters, kept beside its sessions under $HANDOFF_HOME (mode 0600), so a restart
// (or a crash loop) gives no address and no name its free tries again. Each counter is kept under a digest of its
// address or name (a name tried may be a password typed into the wrong box), with its expiry. The file is a journal
// (JSON Lines): a failure appends the counters it changed (a few hundred bytes, not every counter: a flood of made-up
// names would otherwise rewrite ~1.5 MB at each failure); the last line of a key wins; it is rewritten whole
// (atomically) when it holds many more lines than counters.
import fs from 'node:fs';
import { writeFileAtomicSync } from '../../providers/local/write-file-atomic.js';
import { distrustOf, endsLine } from './session-file.js';

/** A counter as kept: `key` is a digest of `address:…` or `name:…`; `forgetAt` is when it no longer counts. */
export interface KeptFailures {
  key: string;
  failures: number;
  lastFailure: number;
  blockedUntil: number;
  forgetAt: number;
}

/** The first line. Format 1 (the handoff before the journal) was one document: this header with every counter. */
interface FailuresFileHeader {
  /** Format version, and a marker that tells this file from any other JSON. */
  handoffUiFailedLogins: 1 | 2;
  counters?: KeptFailures[];
}

/**
 * The counters' journal of a sessions file: `<digest>.failed-logins.jsonl` beside `<digest>.json`. Not the
 * `.failed-logins.json` of the handoff before the journal: an older server (in a rolling upgrade's overlap, or after a
 * rollback) would read the journal as "not valid JSON", start from zero and rewrite it from its memory only.
 */
export function failedLoginsFileOf(sessionsFile: string): string {
  return `${sessionsFile.replace(/\.json$/, '')}.failed-logins.jsonl`;
}

/**
 * The one-document file an older handoff keeps beside the journal (read and merged while it exists; never written).
 * Not kept up to date for the older server either: that is a whole rewrite (~1.4 MB at 10,000 counters, 16-21 ms) at
 * each failure under a second lock, for as long as the file exists (nothing tells when no older server is left), to
 * spare the older server's own back-off during an overlap of minutes; its own failures it counts anyway.
 */
export function olderFailedLoginsFileOf(journal: string): string | undefined {
  return journal.endsWith('.failed-logins.jsonl') ? journal.replace(/\.jsonl$/, '.json') : undefined;
}

function isKept(value: unknown): value is KeptFailures {
  const c = value as KeptFailures;
  return typeof c?.key === 'string' && [c.failures, c.lastFailure, c.blockedUntil, c.forgetAt].every((n) => Number.isFinite(n));
}

/**
 * The counters not yet expired of the journal and of an older handoff's file beside it (its server may run at the same
 * time, or ran before a rollback): a key in both counts with the higher count (and the later wait), so neither loses
 * the other's failures. `lines` are the journal's; `notice` (the journal) and `olderNotice` say a file that cannot be trusted (its counters not
 * taken).
 */
export function readKeptFailures(file: string, now: number): { counters: KeptFailures[]; lines: number; notice?: string; olderNotice?: string } {
  const kept = readOneFile(file, now);
  const older = olderFailedLoginsFileOf(file);
  if (older === undefined || !fs.existsSync(older)) return kept;
  const other = readOneFile(older, now);
  const merged = new Map(kept.counters.map((c) => [c.key, c]));
  for (const c of other.counters) {
    const mine = merged.get(c.key);
    merged.set(c.key, !mine ? c : { key: c.key, failures: Math.max(mine.failures, c.failures), lastFailure: Math.max(mine.lastFailure, c.lastFailure), blockedUntil: Math.max(mine.blockedUntil, c.blockedUntil), forgetAt: Math.max(mine.forgetAt, c.forgetAt) });
  }
  return { counters: [...merged.values()], lines: kept.lines, ...(kept.notice ? { notice: kept.notice } : {}), ...(other.notice ? { olderNotice: other.notice } : {}) };
}

/**
 * The counters not yet expired of one file, or none with a notice when the file cannot be trusted (another user's, one
 * others may read: counters could have been planted to lock accounts out, or removed). A missing file is none.
 */
function readOneFile(file: string, now: number): { counters: KeptFailures[]; lines: number; notice?: string } {
  const dropped = 'the failed sign-in counters start again from zero';
  const none = { counters: [], lines: 0 };
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return none;
  }
  const distrust = distrustOf(file, stat, dropped);
  if (distrust) return { ...none, notice: distrust };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { ...none, notice: `${file} cannot be read (${(error as Error).message}): ${dropped}` };
  }
  const lines = text.split('\n').filter(Boolean);
  const header = parse(lines.shift()) as FailuresFileHeader | undefined;
  if (header?.handoffUiFailedLogins === 1 && Array.isArray(header.counters)) return { counters: header.counters.filter(isKept).filter((c) => now < c.forgetAt), lines: 0 };
  if (header?.handoffUiFailedLogins !== 2) return { ...none, notice: `${file} is not a handoff failed sign-ins file: ${dropped}` };
  // The last line of a key wins (a success's clear is a line with no failures); a line cut short (a full disk) is skipped.
  const last = new Map<string, KeptFailures>();
  for (const line of lines) {
    const counter = parse(line);
    if (!isKept(counter)) continue;
    last.delete(counter.key);
    last.set(counter.key, counter);
  }
  return { counters: [...last.values()].filter((c) => c.failures > 0 && now < c.forgetAt), lines: lines.length };
}

function parse(line: string | undefined): unknown {
  try {
    return line === undefined ? undefined : JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Writes every counter at once, atomically (a crash leaves the old file or the new one), 0600 in a 0700 folder. */
export function writeKeptFailures(file: string, counters: KeptFailures[]): void {
  const header: FailuresFileHeader = { handoffUiFailedLogins: 2 };
  writeFileAtomicSync(file, [header, ...counters].map((line) => `${JSON.stringify(line)}\n`).join(''), { mode: 0o600, dirMode: 0o700 });
}

/**
 * Appends the counters a change made (under the file's lock, to a file of this format read before): a cleared one
 * with no failures. An append cut short before (a full disk) is ended first, so this line is not glued onto it.
 */
export function appendKeptFailures(file: string, counters: KeptFailures[]): void {
  if (counters.length === 0) return;
  const text = counters.map((c) => `${JSON.stringify(c)}\n`).join('');
  fs.appendFileSync(file, endsLine(file) ? text : `\n${text}`, { mode: 0o600 });
}
