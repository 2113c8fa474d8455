// Turns a workspace's runs/ folder into UI events: runs added, changed or removed, and new lines of running runs' logs.
import fs from 'node:fs';
import type { LogChunk, RunSummary } from './api-types.js';
import { readLogChunk } from './read-log-chunk.js';
import type { RunSummaryCache } from './run-summary-cache.js';
import { resolveWorkspaceFile } from './workspace-file.js';

export interface RunWatchOptions {
  workspaceDir: string;
  cache: RunSummaryCache;
  onRun(change: 'added' | 'updated', run: RunSummary): void;
  /** A run's record was deleted (`runs prune`). */
  onRemoved(runId: string): void;
  onLog(chunk: LogChunk): void;
  /** The masker's values: a piece of a long line never ends inside one, so masking the piece masks it. */
  keepWhole?: () => readonly string[];
  /** Whether a Stop was sent to a running run (by any UI): a mark beside its logs, which no fs event of runs/ tells. */
  stoppingOf?: (runId: string) => { since: string } | undefined;
  /** Full rescan of the folder, in case fs.watch misses an event (network filesystems, some containers). */
  pollMs?: number;
  /** How often the logs of running runs are read. */
  tailMs?: number;
}

export interface RunWatch {
  /** Look at the folder now (e.g. right after starting a run), instead of at the next event or poll. */
  poke(): void;
  close(): void;
}

interface Known {
  /** `ended`: not read, known to have ended by the index of runs in progress. */
  status: RunSummary['status'] | 'ended';
  signature: string;
}

interface Tail {
  runId: string;
  /** `console`, or a process's stderr log by its key in the record (`<task>/<command>`). */
  stream: string;
  /** The log as its record names it, resolved at every read (it must stay inside the workspace). */
  relative: string;
  offset: number;
  /** Set when the run has ended: read on until then, because the log is flushed after the final record is written. */
  lingerUntil?: number;
}

const MAX_LOG_EVENT_BYTES = 256 * 1024;
/** A run that ended before it was first seen has its log streamed whole only up to this size (pages read the rest). */
const MAX_LATE_LOG_BYTES = 1024 * 1024;
/** How long a finished run's log is still read: its last lines reach the file just after the record says it ended. */
const LINGER_MS = 3000;
/**
 * The stderr logs of one run followed at once: the newest ones (a foreach may open a log per line; a page that opens
 * an older one reads it by offset). Each followed log costs a read every tailMs.
 */
const MAX_STDERR_TAILS = 32;

function signatureOf(summary: RunSummary): string {
  return `${summary.status}|${summary.endedAt ?? ''}|${summary.records ?? ''}|${summary.tasks.length}|${summary.abandoned ?? ''}|${summary.stopping?.since ?? ''}`;
}

export function watchRuns(options: RunWatchOptions): RunWatch {
  const { cache } = options;
  const known = new Map<string, Known>();
  /** By run id, then stream. */
  const tails = new Map<string, Map<string, Tail>>();
  let watcher: fs.FSWatcher | undefined;
  let scanTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const sizeOf = (file: string): number => {
    try {
      return fs.statSync(file).size;
    } catch {
      return 0;
    }
  };

  const readTail = (tail: Tail, final: boolean): void => {
    for (;;) {
      // Again each time: a command of the run may have replaced its log with a symlink out of the workspace.
      const file = resolveWorkspaceFile(options.workspaceDir, tail.relative);
      if (!file) return;
      const chunk = readLogChunk(file, { offset: tail.offset, maxBytes: MAX_LOG_EVENT_BYTES, wholeLinesOnly: !final, keepWhole: options.keepWhole?.() });
      if (chunk.end === chunk.start) return;
      tail.offset = chunk.end;
      options.onLog({ runId: tail.runId, stream: tail.stream, ...chunk });
      if (chunk.end >= chunk.size) return;
    }
  };

  /**
   * Follows the logs the run's record names (as the cache last read it): the console, and each process's stderr log as
   * it appears (the record names one within a second of its first line). `from` is where logs known at this first look
   * are read from; one that appears later is new, and read from its start.
   */
  const followLogs = (runId: string, from: 'start' | 'end', ended: boolean): void => {
    const logs = cache.logsOf(runId);
    if (!logs?.console) return;
    let runTails = tails.get(runId);
    const first = !runTails;
    if (!runTails) {
      if (ended && sizeOf(resolveWorkspaceFile(options.workspaceDir, logs.console) ?? '') > MAX_LATE_LOG_BYTES) return;
      runTails = new Map();
      tails.set(runId, runTails);
    }
    const wanted: Array<[string, string]> = [['console', logs.console], ...Object.entries(logs.stderr ?? {}).slice(-MAX_STDERR_TAILS)];
    const lingerUntil = ended ? Date.now() + LINGER_MS : undefined;
    for (const [stream, relative] of wanted) {
      if (runTails.has(stream)) continue;
      const file = resolveWorkspaceFile(options.workspaceDir, relative);
      if (!file) continue;
      runTails.set(stream, { runId, stream, relative, offset: first && from === 'end' ? sizeOf(file) : 0, lingerUntil });
    }
    // Older stderr logs pushed out by newer ones get a last read and are then left to the page's reads by offset.
    const kept = new Set(wanted.map(([stream]) => stream));
    for (const [stream, tail] of runTails) {
      if (kept.has(stream)) continue;
      readTail(tail, false);
      runTails.delete(stream);
    }
  };

  /** The listing of the last scan: the cache gives the same array while the same records are there. */
  let scanned: string[] | undefined;
  const scan = (initial: boolean): void => {
    if (closed) return;
    const ids = cache.listIds();
    // A rewrite of a running record (every few seconds) adds and removes nothing: only running runs need a look, not
    // 30,000 names at each event and each poll.
    const sameNames = ids === scanned;
    scanned = ids;
    if (!sameNames) {
      const present = new Set(ids);
      for (const id of known.keys()) {
        if (present.has(id)) continue;
        known.delete(id);
        tails.delete(id);
        options.onRemoved(id);
      }
    }
    for (const id of sameNames ? [...known].filter(([, k]) => k.status === 'running').map(([id]) => id) : ids) {
      const before = known.get(id);
      // Finished records do not change (pruning removes them), so only new and running ones are looked at.
      if (before && before.status !== 'running') continue;
      if (initial && !cache.mayBeRunning(id)) {
        // Ended, by the index of runs in progress: not read at start (30,000 records took 8 s), only known to be there.
        known.set(id, { status: 'ended', signature: '' });
        continue;
      }
      const read = cache.get(id);
      if (!read) continue;
      // Looked at on every scan of a running run (each poll): another UI's Stop changes no record.
      const stopping = read.status === 'running' ? options.stoppingOf?.(id) : undefined;
      const summary = stopping ? { ...read, stopping } : read;
      const signature = signatureOf(summary);
      if (!before) {
        known.set(id, { status: summary.status, signature });
        if (initial) {
          // Already there when the server started: only what running runs write from now on is news.
          if (summary.status === 'running') followLogs(id, 'end', false);
          continue;
        }
        options.onRun('added', summary);
        // A quick run may have ended before we looked (no runs/ folder to watch yet, a slow poll): stream its log too.
        followLogs(id, 'start', summary.status !== 'running');
        continue;
      }
      // A record rewritten during the run may name new stderr logs (the cache has just read it if it changed).
      if (tails.has(id)) followLogs(id, 'start', summary.status !== 'running');
      if (before.signature === signature) continue;
      known.set(id, { status: summary.status, signature });
      options.onRun('updated', summary);
      if (summary.status !== 'running') for (const tail of tails.get(id)?.values() ?? []) tail.lingerUntil ??= Date.now() + LINGER_MS;
    }
  };

  const readTails = (): void => {
    if (closed) return;
    const now = Date.now();
    for (const [runId, runTails] of tails) {
      for (const tail of runTails.values()) {
        const ending = tail.lingerUntil !== undefined;
        readTail(tail, ending);
        if (ending && now >= tail.lingerUntil!) runTails.delete(tail.stream);
      }
      if (runTails.size === 0) tails.delete(runId);
    }
  };

  const scheduleScan = (): void => {
    if (scanTimer || closed) return;
    // Coalesce the burst of events an atomic rename causes (temp file written, then renamed).
    scanTimer = setTimeout(() => {
      scanTimer = undefined;
      scan(false);
      readTails();
    }, 30);
  };

  let parentWatcher: fs.FSWatcher | undefined;
  const ensureWatcher = (): void => {
    if (watcher || closed) return;
    try {
      watcher = fs.watch(cache.runsDir, { persistent: false }, scheduleScan);
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
      parentWatcher?.close();
      parentWatcher = undefined;
    } catch {
      // No runs/ folder yet (no run so far): watch the workspace for it, and polling finds it in any case.
      watcher = undefined;
      if (!parentWatcher) {
        try {
          parentWatcher = fs.watch(options.workspaceDir, { persistent: false }, () => {
            ensureWatcher();
            scheduleScan();
          });
          parentWatcher.on('error', () => {
            parentWatcher?.close();
            parentWatcher = undefined;
          });
        } catch {
          parentWatcher = undefined;
        }
      }
    }
  };

  scan(true);
  ensureWatcher();
  const pollTimer = setInterval(() => {
    ensureWatcher();
    scan(false);
  }, options.pollMs ?? 1000);
  const tailTimer = setInterval(readTails, options.tailMs ?? 250);
  pollTimer.unref();
  tailTimer.unref();

  return {
    poke() {
      ensureWatcher();
      scan(false);
      readTails();
    },
    close() {
      closed = true;
      clearInterval(pollTimer);
      clearInterval(tailTimer);
      if (scanTimer) clearTimeout(scanTimer);
      watcher?.close();
      parentWatcher?.close();
    },
  };
}
