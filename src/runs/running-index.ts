// The index of runs in progress (W/runs/.running/<run_id>): finding abandoned runs reads these, not the whole history.
import fs from 'node:fs';
import path from 'node:path';
import { isoTime } from '../iso-time.js';

/**
 * A run can only be left `running` by its handoff (killed), so only the records that say `running` need a look to find
 * abandoned ones. handoff writes a marker here before a record says `running` and removes it once it says anything else;
 * with a year of history, reading every record for that took 9 s on every `runs` command.
 */
const INDEX_DIR = '.running';
/**
 * When the history was last looked through (this empty file's modification time) for records that say `running` without a marker (written by a handoff
 * older than the index, or killed between writing its record and its marker): a later look starts from there.
 */
const SCANNED_FILE = '.scanned';
/**
 * How far before the last look a record's run id (its start time) may be and still be read again: a run's id is made
 * just before its first record is written, by this host's clock or another's (a workspace shared between hosts).
 */
const SCAN_OVERLAP_MS = 3_600_000;
/** A marker without a record is a writer between the two (marker first) unless it is older than this. */
const MARKER_WITHOUT_RECORD_MS = 60_000;

function indexDir(runsDir: string): string {
  return path.join(runsDir, INDEX_DIR);
}

function markerPath(runsDir: string, runId: string): string {
  return path.join(indexDir(runsDir), runId);
}

/** Adds the run to the index, before its record says `running` (a failure here is the record's write failing). */
export function markRunning(runsDir: string, runId: string): void {
  const marker = markerPath(runsDir, runId);
  if (fs.existsSync(marker)) return;
  makeIndexDir(runsDir);
  fs.writeFileSync(marker, '');
}

/** The index's folder, inside runs/ only: a look at a workspace without runs makes no runs/ folder. */
function makeIndexDir(runsDir: string): void {
  try {
    fs.mkdirSync(indexDir(runsDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Takes the run out of the index, after its record says it ended. One left behind is dropped by the next look. */
export function unmarkRunning(runsDir: string, runId: string): void {
  try {
    fs.unlinkSync(markerPath(runsDir, runId));
  } catch {
    // Not there (the run never said `running` here), or a folder that cannot be written: the next look drops it.
  }
}

/** A run id's sortable start, as `createTimeSortableId` writes it (ids sort by start time, whatever their suffix). */
function sortableTime(time: number): string {
  return isoTime(time).replace(/[-:]/g, '');
}

function readNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** When the history was last looked through (the time of `.scanned`), or NaN: never, or by a handoff older than the index. */
function lastScan(runsDir: string): number {
  try {
    return fs.statSync(path.join(indexDir(runsDir), SCANNED_FILE)).mtimeMs;
  } catch {
    return Number.NaN;
  }
}

/**
 * Of `ids` (a listing of runs/), those whose records may say `running` by the index: its entries and the ids newer than
 * an hour before the last look, as `runIdsThatMayBeRunning` reads them, but without writing. Undefined while the
 * history was never looked through (any record may say `running`). For readers that must not write (the web UI).
 */
export function runIdsTheIndexMayCallRunning(runsDir: string, ids: string[]): Set<string> | undefined {
  const scannedAt = lastScan(runsDir);
  if (!Number.isFinite(scannedAt)) return undefined;
  const from = sortableTime(scannedAt - SCAN_OVERLAP_MS);
  const candidates = new Set(readNames(indexDir(runsDir)).filter((n) => !n.startsWith('.')));
  for (const id of ids) if (id >= from) candidates.add(id);
  return candidates;
}

/**
 * The ids of the records that say `running`, newest first, reading only the indexed runs and the records whose ids
 * are newer than an hour before the last look. The first look in a workspace (none recorded, or the index was
 * deleted) reads the whole history once. Each record found `running` without a marker gets one (it may be an older
 * handoff's, alive now and killed later); a marker whose record says anything else is removed.
 */
export function runIdsThatMayBeRunning(runsDir: string, readRecord: (runId: string) => { status: string } | undefined): string[] {
  const now = Date.now();
  const markers = new Set(readNames(indexDir(runsDir)).filter((n) => !n.startsWith('.')));
  // Never looked through (or by a handoff older than the index): the whole history, once.
  const scannedAt = lastScan(runsDir);
  const from = Number.isFinite(scannedAt) ? sortableTime(scannedAt - SCAN_OVERLAP_MS) : '';
  /** Whether every record found `running` is in the index now, so the next look may start from this one. */
  let indexed = true;
  const candidates = new Set(markers);
  for (const name of readNames(runsDir)) {
    if (!name.endsWith('.json')) continue;
    const id = name.slice(0, -'.json'.length);
    if (id >= from) candidates.add(id);
  }
  const running: string[] = [];
  for (const id of [...candidates].sort().reverse()) {
    const record = readRecord(id);
    if (record?.status === 'running') {
      running.push(id);
      if (!markers.has(id)) {
        try {
          markRunning(runsDir, id);
        } catch {
          // A workspace that cannot be written: this look found it all the same; the next one starts no later.
          indexed = false;
        }
      }
    } else if (markers.has(id) && (record || markerAge(runsDir, id, now) > MARKER_WITHOUT_RECORD_MS)) {
      unmarkRunning(runsDir, id);
    }
  }
  if (indexed) noteScan(runsDir, now);
  return running;
}

function markerAge(runsDir: string, runId: string, now: number): number {
  try {
    return now - fs.statSync(markerPath(runsDir, runId)).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Records when this look began, as the time of an empty file: no byte of data, which on a full disk is what the
 * record of an abandoned run needs next. A workspace that cannot be written is looked through whole next time too.
 */
function noteScan(runsDir: string, startedAt: number): void {
  const file = path.join(indexDir(runsDir), SCANNED_FILE);
  try {
    makeIndexDir(runsDir);
    fs.closeSync(fs.openSync(file, 'a'));
    fs.utimesSync(file, startedAt / 1000, startedAt / 1000);
  } catch {
    // Not written: the last look stays the one recorded (or none).
  }
}
