// Short summaries of run records, cached by file mtime and size, so a page of 1,000 runs reads only what changed.
import fs from 'node:fs';
import { isAbandoned, lastSignOfLife } from '../runs/run-history.js';
import { readRunRecord, runRecordPath, writeRunRecord, type RunRecord } from '../runs/run-record.js';
import { runIdsTheIndexMayCallRunning } from '../runs/running-index.js';
import type { RunPoint, RunSummary, RunsPage } from './api-types.js';

interface CachedSummary {
  mtimeMs: number;
  size: number;
  summary: RunSummary;
  /** Kept only while the record says running, to tell a live run from an abandoned one. */
  running?: RunRecord;
  /** For an abandoned run: when it was last seen alive (its logs no longer change). */
  abandonedAt?: string;
  /** Where its logs are (the console's, and each process's stderr as the record names them so far). */
  logs?: RunRecord['logs'];
}

export function summarizeRunRecord(record: RunRecord): RunSummary {
  const streams = record.records ?? {};
  // Records whose METRIC lines named no stream count too, as in `runs list` (pipelinewise taps log `"tags": {}`).
  const counts = [...Object.values(streams), ...(record.untaggedRecords ? [record.untaggedRecords] : [])];
  return {
    runId: record.runId,
    status: record.status,
    trigger: record.trigger,
    stage: record.stage,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    durationMs: record.durationMs,
    exitCode: record.exitCode,
    records: counts.length ? counts.reduce((a, b) => a + b, 0) : null,
    streams,
    ...(record.untaggedRecords ? { untaggedRecords: record.untaggedRecords } : {}),
    tasks: (record.tasks ?? []).map((t) => ({ name: t.name, status: t.status })),
    reason: record.reason,
  };
}

/**
 * A running record whose handoff is gone is shown as interrupted, as `runs list` would mark it (without writing): ended
 * when it was last seen alive (`lastSignOfLife`, which `runs list` writes too).
 */
export function showAbandoned(summary: RunSummary, record: RunRecord, endedAt: string, lastLines?: string): RunSummary {
  return {
    ...summary,
    status: 'interrupted',
    abandoned: true,
    endedAt,
    durationMs: Date.parse(endedAt) - Date.parse(record.startedAt),
    reason: `handoff (pid ${record.pid} on ${record.host}) stopped without finishing this run${lastLines ? `; its last output:\n${lastLines}` : ''}`,
  };
}

/**
 * A folder's modification time has the clock's coarse granularity (a few milliseconds): a listing taken this long
 * after the folder's last change has seen every change made at that time, so a later change moves the time on.
 */
const SETTLE_MS = 50;
/** Answers of `page` and `points` kept for an unchanged folder (the first page, the chart: what every viewer asks for). */
const MAX_MEMO = 16;
/** Files of unreadable records named in a page's note (the count says how many there are in all). */
const MAX_UNREADABLE_FILES = 20;
/** How often a run's last words are tried again when its record could not take them (the disk still full). */
const LAST_WORDS_RETRY_MS = 5_000;
/** Records read at a time by the background count, between which the server answers requests. */
const COUNT_SLICE = 200;

/** The runs that can be shown, newest first, and the records that cannot be read (cut short, not a record). */
export interface ShownRuns {
  ids: string[];
  unreadable: { runId: string; file: string }[];
  /** Records not read yet are among `ids` (the background count goes on): some of them may prove unreadable. */
  counting?: true;
}

export class RunSummaryCache {
  private readonly entries = new Map<string, CachedSummary>();
  /** The last listing of the folder, kept while the folder's modification time stays the same and had settled. */
  private listing: { signature: string; ids: string[]; settled: boolean } | undefined;
  private readonly memo = new Map<string, RunsPage | RunPoint[]>();
  /** Records that could not be read, by run id, until their file changes: not read again on every page. */
  private readonly unreadable = new Map<string, { mtimeMs: number; size: number; checkedWith?: string }>();
  /** What handoff printed last, for runs started from this UI that it left unfinished (see UiRunLaunch.onUnfinished). */
  private readonly lastWords = new Map<string, string>();
  /** `shownRuns` of the last settled listing. */
  private shown: { key: string; value: ShownRuns } | undefined;
  /** Looks at listings that had not settled, each its own key (see `shownIn`). */
  private unsettledLooks = 0;
  /** The last listing's run ids (newest first) and the same as a set. */
  private present: { ids: string[]; set: Set<string> } = { ids: [], set: new Set() };
  /**
   * While the records are counted in the background (`countInBackground`): where the count is in which listing, and
   * the runs the index of runs in progress says may be going on (undefined: any may). Undefined once all were read, or
   * when no count was started (then `shownRuns` reads every record at once).
   */
  private count: { ids: string[]; next: number; mayRun: Set<string> | undefined; timer?: NodeJS.Immediate } | undefined;

  constructor(readonly runsDir: string) {}

  /**
   * Run ids, newest first. A folder's modification time changes whenever a file is added, removed or renamed into it
   * (records are written by rename), so the listing is read and sorted again only then: many pages asking at once
   * cost one stat each instead of a read of a thousand names.
   */
  listIds(): string[] {
    let signature: string;
    let settled: boolean;
    try {
      const stat = fs.statSync(this.runsDir);
      signature = `${stat.mtimeMs}:${stat.ino}:${stat.size}`;
      settled = Date.now() - stat.mtimeMs >= SETTLE_MS;
    } catch {
      signature = 'missing';
      settled = false;
    }
    if (this.listing?.signature === signature && this.listing.settled) return this.listing.ids;
    const ids = this.readIds();
    if (this.listing?.signature !== signature) this.memo.clear();
    this.listing = { signature, ids, settled };
    if (ids !== this.present.ids) {
      // Names came or went (a run started, a prune): forget what is gone. A rewrite of a record (the running one, every
      // few seconds) keeps the same names, and the same array: sorting 30,000 names and matching each unreadable record
      // against all of them blocked the server for seconds per rewrite.
      const present = new Set(ids);
      for (const id of this.entries.keys()) if (!present.has(id)) this.entries.delete(id);
      for (const id of this.unreadable.keys()) if (!present.has(id)) this.unreadable.delete(id);
      this.present = { ids, set: present };
    }
    return ids;
  }

  /** The names in the folder, newest first: the previous array itself when the same names are there. */
  private readIds(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.runsDir);
    } catch {
      names = [];
    }
    const found: string[] = [];
    for (const name of names) if (name.endsWith('.json')) found.push(name.slice(0, -'.json'.length));
    const { ids, set } = this.present;
    if (found.length === ids.length && found.every((id) => set.has(id))) return ids;
    return found.sort().reverse();
  }

  /**
   * Reads the records that may say `running` now (by the index of runs in progress: the running runs and the newest
   * hour; all of them in a history never looked through), and the others a slice at a time in the background, so the
   * server answers at once: with a year of history (30,000 records) reading every one took 8 s before the UI's address
   * was printed. Until the count ends, pages are read newest first and say `counting` (their total may still fall by
   * unreadable records not read yet); `onCounted` is told when it has ended.
   */
  countInBackground(onCounted: () => void): void {
    const ids = this.listIds();
    const mayRun = runIdsTheIndexMayCallRunning(this.runsDir, ids);
    for (const id of mayRun ?? ids) this.lookup(id, undefined);
    this.count = { ids, next: 0, mayRun };
    const step = (): void => {
      const count = this.count;
      if (!count) return;
      const ids = this.listIds();
      // Names came or went: start over (the records already read are passed over at the cost of a lookup).
      if (ids !== count.ids) Object.assign(count, { ids, next: 0 });
      for (let read = 0; count.next < ids.length && read < COUNT_SLICE; count.next++) {
        if (this.isRead(ids[count.next]!)) continue;
        this.lookup(ids[count.next]!, undefined);
        read++;
      }
      if (count.next < ids.length) {
        count.timer = setImmediate(step);
        return;
      }
      this.count = undefined;
      this.memo.clear();
      this.shown = undefined;
      onCounted();
    };
    this.count.timer = setImmediate(step);
  }

  /** Ends a background count (the server closes). */
  stopCounting(): void {
    if (this.count?.timer) clearImmediate(this.count.timer);
    this.count = undefined;
  }

  /**
   * Whether the run's record may say `running` without having been read: false for a record the background count has
   * not reached that the index of runs in progress says has ended (a watcher need not read it to know it ended).
   */
  mayBeRunning(runId: string): boolean {
    return this.isRead(runId) || !this.count || this.count.mayRun === undefined || this.count.mayRun.has(runId);
  }

  private isRead(runId: string): boolean {
    return this.entries.has(runId) || this.unreadable.has(runId);
  }

  /** The summary of one run, read again only when its record file changed; undefined when it cannot be read. */
  get(runId: string): RunSummary | undefined {
    return this.read(runId, undefined);
  }

  /**
   * `get`, for callers that have just listed the folder: a finished run checked against the same settled listing is
   * not looked at again (records are written by rename, which changes the folder's time).
   */
  private read(runId: string, listing: string | undefined): RunSummary | undefined {
    const result = this.lookup(runId, listing);
    return result === 'unreadable' ? undefined : result;
  }

  /** `read`, telling a record that cannot be read ('unreadable') from one that is gone (undefined). */
  private lookup(runId: string, listing: string | undefined): RunSummary | 'unreadable' | undefined {
    const known = this.entries.get(runId);
    // A finished record is written once and only ever removed (prune): while the folder lists it, it is what was read.
    if (listing !== undefined && known && !known.running) return known.summary;
    const broken = this.unreadable.get(runId);
    if (listing !== undefined && broken?.checkedWith === listing) return 'unreadable';
    const file = runRecordPath(this.runsDir, runId);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      this.entries.delete(runId);
      this.unreadable.delete(runId);
      return undefined;
    }
    if (broken && broken.mtimeMs === stat.mtimeMs && broken.size === stat.size) {
      broken.checkedWith = listing;
      return 'unreadable';
    }
    let entry = this.entries.get(runId);
    if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) {
      const record = readRunRecord(file);
      if (!record) {
        this.entries.delete(runId);
        this.unreadable.set(runId, { mtimeMs: stat.mtimeMs, size: stat.size, checkedWith: listing });
        return 'unreadable';
      }
      this.unreadable.delete(runId);
      entry = { mtimeMs: stat.mtimeMs, size: stat.size, summary: summarizeRunRecord(record), running: record.status === 'running' ? record : undefined, logs: record.logs };
      this.entries.set(runId, entry);
    }
    if (entry.running && isAbandoned(entry.running)) {
      entry.abandonedAt ??= lastSignOfLife(this.runsDir, entry.running);
      return showAbandoned(entry.summary, entry.running, entry.abandonedAt, this.lastWords.get(runId) ?? entry.running.lastOutput);
    }
    return entry.summary;
  }

  /**
   * The runs whose records can be read, newest first, and those that cannot: pages and their total count only the
   * first (counted, unreadable records made pages come up short or empty, with nothing said). Every record is read
   * once; after that only a changed file is read again.
   */
  shownRuns(): ShownRuns {
    return this.shownIn(this.settledListing());
  }

  /**
   * `shownRuns` of a listing just read. Finished records are trusted while listed, settled or not; a listing that has
   * not settled gets a key of its own, so the unreadable ones are looked at again (each one a stat).
   */
  private shownIn({ ids, key }: { ids: string[]; key: string | undefined }): ShownRuns {
    if (key !== undefined && this.shown?.key === key && !this.count) return this.shown.value;
    const listing = key ?? `unsettled:${++this.unsettledLooks}`;
    const value: ShownRuns = { ids: [], unreadable: [], ...(this.count ? { counting: true as const } : {}) };
    for (const id of ids) {
      // Not read yet by the background count: shown, and counted, until read.
      if (this.count && !this.isRead(id)) {
        value.ids.push(id);
        continue;
      }
      const result = this.lookup(id, listing);
      if (result === 'unreadable') value.unreadable.push({ runId: id, file: runRecordPath(this.runsDir, id) });
      else if (result) value.ids.push(id);
    }
    if (key !== undefined && !this.count) this.shown = { key, value };
    return value;
  }

  /**
   * Keeps the last lines of a run's handoff that ended leaving its record unfinished, and writes them into the record
   * (`lastOutput`, the reason once the run is marked interrupted): kept only here, they were lost to `runs show`, a
   * restarted UI and the team server. The disk that stopped the run may still be full: the write is tried again until it
   * fits (or another handoff marked the run first), and meanwhile the lines are shown from here. The run is not marked
   * here: that ends what it left running, which may take a grace period, and is the next command's to do.
   */
  setLastWords(runId: string, lastLines: string): void {
    if (!lastLines) return;
    this.lastWords.set(runId, lastLines);
    this.memo.clear();
    this.writeLastWords(runId);
  }

  private writeLastWords(runId: string): void {
    const lastLines = this.lastWords.get(runId);
    if (lastLines === undefined) return;
    const record = readRunRecord(runRecordPath(this.runsDir, runId));
    if (!record || record.status !== 'running' || record.lastOutput === lastLines) return;
    if (isAbandoned(record)) {
      try {
        writeRunRecord(this.runsDir, { ...record, lastOutput: lastLines });
        return;
      } catch {
        // Most likely the full disk that stopped the run: tried again below.
      }
    }
    setTimeout(() => this.writeLastWords(runId), LAST_WORDS_RETRY_MS).unref();
  }

  lastWordsOf(runId: string): string | undefined {
    return this.lastWords.get(runId);
  }

  /** The pid of a running run's handoff, as of its record's last read by `get`. */
  pidOf(runId: string): number | undefined {
    return this.entries.get(runId)?.running?.pid;
  }

  /** The logs a run's record names, as of its last read by `get` (the event stream follows them while it runs). */
  logsOf(runId: string): RunRecord['logs'] | undefined {
    return this.entries.get(runId)?.logs;
  }

  /** The listing just read, as the key of what may be trusted without a stat; undefined while it has not settled. */
  private settledListing(): { ids: string[]; key: string | undefined } {
    const ids = this.listIds();
    return { ids, key: this.listing?.settled ? this.listing.signature : undefined };
  }

  /** Keeps an answer for the settled listing, unless it shows a running run (whose state moves on without a write). */
  private remember<T extends RunsPage | RunPoint[]>(key: string | undefined, name: string, value: T, running: boolean): T {
    if (key === undefined || running) return value;
    if (this.memo.size >= MAX_MEMO) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(`${key}|${name}`, value);
    return value;
  }

  page(offset: number, limit: number): RunsPage {
    const listing = this.settledListing();
    const { key } = listing;
    const name = `page:${offset}:${limit}`;
    const known = key !== undefined ? this.memo.get(`${key}|${name}`) : undefined;
    if (known) return known as RunsPage;
    const whole = this.count ? undefined : this.shownIn(listing);
    const runs = this.rows(listing, whole, offset, limit);
    // While counting, after the rows: a record they found unreadable is out of the total already.
    const { ids, unreadable, counting } = whole ?? this.shownIn(listing);
    const page: RunsPage = { total: ids.length, offset, limit, runs, ...unreadableNote(unreadable), ...(counting ? { counting } : {}) };
    return this.remember(key, name, page, counting === true || runs.some((r) => r.status === 'running'));
  }

  /**
   * The summaries of the shown runs from `offset` on, at most `limit`. While the count goes on, the records are read
   * newest first up to the page, passing over the unreadable ones, so the rows are right before the total is.
   */
  private rows(listing: { ids: string[]; key: string | undefined }, whole: ShownRuns | undefined, offset: number, limit: number): RunSummary[] {
    const runs: RunSummary[] = [];
    if (whole) {
      for (const id of whole.ids.slice(offset, offset + limit)) {
        const summary = this.read(id, listing.key);
        if (summary) runs.push(summary);
      }
      return runs;
    }
    let shown = 0;
    for (const id of listing.ids) {
      if (runs.length >= limit) break;
      const summary = this.read(id, listing.key);
      if (summary && shown++ >= offset) runs.push(summary);
    }
    return runs;
  }

  /** The newest `limit` runs as chart points, oldest first. */
  points(limit: number): RunPoint[] {
    const listing = this.settledListing();
    const { key } = listing;
    const name = `points:${limit}`;
    const known = key !== undefined ? this.memo.get(`${key}|${name}`) : undefined;
    if (known) return known as RunPoint[];
    const points: RunPoint[] = this.rows(listing, this.count ? undefined : this.shownIn(listing), 0, limit).map((s) => ({ runId: s.runId, status: s.status, startedAt: s.startedAt, durationMs: s.durationMs ?? null, records: s.records }));
    return this.remember(key, name, points.reverse(), this.count !== undefined || points.some((p) => p.status === 'running'));
  }

  /** Runs that are going on now (their handoff is alive): of the records read, those that said `running`, read again. */
  running(): RunSummary[] {
    const live: RunSummary[] = [];
    for (const id of this.shownRuns().ids) {
      if (!this.entries.get(id)?.running) continue;
      const s = this.get(id);
      if (s?.status === 'running') live.push(s);
    }
    return live;
  }
}

/** A page's note on the records that cannot be read: how many, and the files of the first ones. */
export function unreadableNote(unreadable: ShownRuns['unreadable']): Pick<RunsPage, 'unreadable'> {
  return unreadable.length === 0 ? {} : { unreadable: { count: unreadable.length, files: unreadable.slice(0, MAX_UNREADABLE_FILES).map((u) => u.file) } };
}
