// The mark of a Stop asked from a web UI (W/runs/<run_id>/stop-requested.json), which every UI of the workspace reads.
import fs from 'node:fs';
import path from 'node:path';
import { tempNameOf } from '../providers/local/write-file-atomic.js';
import { removeFile } from '../remove-file.js';
import { runLogDir } from './run-record.js';

/**
 * handoff takes a second SIGTERM as "kill every process now", which cuts the commands' cleanup short, so one Stop is
 * sent per run. A UI that only remembered its own Stop offered it again after a restart, and another UI (another
 * terminal, another browser) never knew: the mark lives beside the run's logs, where each of them looks.
 */
const MARK_FILE = 'stop-requested.json';

export interface StopMark {
  /** The run's handoff that was signalled: a mark for another pid (a record rewritten since) is not this stop's. */
  pid: number;
  /** When the Stop was sent (ISO). */
  since: string;
}

function markPath(runsDir: string, runId: string): string {
  return path.join(runLogDir(runsDir, runId), MARK_FILE);
}

/**
 * Puts the mark in place unless one is there: `claimed` (this caller sends the signal), `taken` (another Stop came
 * first: send none), or `unwritable` (no log folder, a folder of another user: the caller remembers it itself). The
 * whole file is written under a temporary name, then linked to its name, which fails if the name exists: readers
 * never see half a mark, and of two UIs stopping at once only one gets to signal.
 */
export function claimStopMark(runsDir: string, runId: string, mark: StopMark): 'claimed' | 'taken' | 'unwritable' {
  const file = markPath(runsDir, runId);
  const temp = tempNameOf(file);
  try {
    fs.writeFileSync(temp, `${JSON.stringify(mark)}\n`, { flag: 'wx', mode: 0o644 });
  } catch {
    return 'unwritable';
  }
  try {
    fs.linkSync(temp, file);
    return 'claimed';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'taken' : 'unwritable';
  } finally {
    try {
      removeFile(temp);
    } catch {
      // the next atomic write in the folder removes temp files whose writer is gone
    }
  }
}

/** The mark of a Stop sent to this run's handoff (pid), if there is one that reads whole. */
export function readStopMark(runsDir: string, runId: string, pid: number): StopMark | undefined {
  let text: string;
  try {
    text = fs.readFileSync(markPath(runsDir, runId), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const mark = JSON.parse(text) as Partial<StopMark>;
    if (mark.pid === pid && typeof mark.since === 'string') return { pid, since: mark.since };
  } catch {
    // not a mark this code wrote: no stop is known
  }
  return undefined;
}

/** Takes the mark back: the signal it announced could not be sent. */
export function dropStopMark(runsDir: string, runId: string): void {
  try {
    removeFile(markPath(runsDir, runId));
  } catch {
    // gone already, or not ours: a stale mark only keeps the page from offering a Stop the server cannot send either
  }
}
