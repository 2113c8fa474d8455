// Reads a workspace's run history: lists records, finds one by id, marks abandoned runs, prunes, restores state.
import fs from 'node:fs';
import os from 'node:os';
import { UserError } from '../errors.js';
import { endAbandonedProcesses } from '../process/end-abandoned-processes.js';
import { isHandoffProcess } from '../process/process-alive.js';
import { readProcessStartTime } from '../process/process-identity.js';
import { HEARTBEAT_MS } from './run-recorder.js';
import { readRunRecord, runLogDir, runRecordPath, writeRunRecord, type RunRecord } from './run-record.js';
import { saveStateAtomically } from './singer-state.js';
import { runIdsThatMayBeRunning } from './running-index.js';
import { plural } from '../plural.js';
import { removeFile } from '../remove-file.js';
import { isoTime } from '../iso-time.js';

/** Run ids in the runs folder, newest first (ids sort by start time). */
export function listRunIds(runsDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .sort()
    .reverse();
}

/**
 * The newest `limit` records that can be read (all of them without a limit), newest first; each one that cannot be read
 * is told to `onUnreadable` and left out, and does not count against the limit.
 */
export function listRunRecords(runsDir: string, limit?: number, onUnreadable?: (runId: string, file: string) => void): RunRecord[] {
  const records: RunRecord[] = [];
  for (const id of listRunIds(runsDir)) {
    if (limit !== undefined && records.length >= limit) break;
    const file = runRecordPath(runsDir, id);
    const record = readRunRecord(file);
    if (record) records.push(record);
    else onUnreadable?.(id, file);
  }
  return records;
}

/** `latest`, a whole id, or a unique prefix of one. */
export function findRunRecord(runsDir: string, idOrPrefix: string): RunRecord {
  const ids = listRunIds(runsDir);
  if (ids.length === 0) {
    throw new UserError(`no runs recorded in ${runsDir}`, { fix: 'run the project first (handoff run local -p P -w W), or check -w' });
  }
  if (idOrPrefix === 'latest' || idOrPrefix === 'last') {
    // The newest run whose record can be read: one cut short (a disk that filled up) does not hide the others.
    const [latest] = listRunRecords(runsDir, 1);
    if (!latest) throw new UserError(`no run record in ${runsDir} can be read`, { fix: `check the files in ${runsDir}` });
    return latest;
  }
  const matches = ids.filter((id) => id.startsWith(idOrPrefix));
  if (matches.length === 0) throw new UserError(`no run "${idOrPrefix}" in ${runsDir}`, { fix: 'see the ids with `handoff runs list -w W`' });
  if (matches.length > 1 && !matches.includes(idOrPrefix)) {
    throw new UserError(`"${idOrPrefix}" matches ${matches.length} runs (${matches.slice(0, 3).join(', ')}…)`, { fix: 'give more of the run id' });
  }
  const id = matches.includes(idOrPrefix) ? idOrPrefix : matches[0];
  const record = readRunRecord(runRecordPath(runsDir, id));
  if (!record) throw new UserError(`the record of run ${id} cannot be read`, { fix: `check ${runRecordPath(runsDir, id)}` });
  return record;
}

/**
 * /proc gives a process's start to a clock tick after the boot time, which it gives to the second: a run's handoff
 * started at most this long after the run's recorded start, as read back.
 */
const PROCESS_START_SLACK_MS = 2_000;

/**
 * Whether the record's pid (on this host) is still the run's own handoff. Once that handoff is gone (killed, the machine
 * restarted), its pid goes to any later process, another handoff too: one that started after the run did is not it.
 * Without /proc, a live handoff command line is all there is to go by.
 */
export function isRunHandoff(record: RunRecord): boolean {
  if (!isHandoffProcess(record.pid)) return false;
  const started = readProcessStartTime(record.pid);
  return started === undefined || started <= Date.parse(record.startedAt) + PROCESS_START_SLACK_MS;
}

/** Whether a record that says `running` belongs to a handoff that is gone (killed with SIGKILL, machine stopped). */
export function isAbandoned(record: RunRecord, now = Date.now()): boolean {
  if (record.status !== 'running') return false;
  if (record.host === os.hostname()) return !isRunHandoff(record);
  return now - Date.parse(record.heartbeatAt) > 3 * HEARTBEAT_MS;
}

/**
 * When a run whose handoff is gone was last seen alive: its last heartbeat, or later the last write to its own logs in
 * runs/<id>/ (the console log, which a running handoff touches every second, and its processes' stderr logs). Only
 * handoff writes those, so none is later than its end; the record's heartbeat alone is up to 10 s old, and a run killed
 * 3 s in was shown as lasting the 114 ms to its first record write.
 */
export function lastSignOfLife(runsDir: string, record: RunRecord): string {
  let latest = Date.parse(record.heartbeatAt);
  try {
    const folder = runLogDir(runsDir, record.runId);
    for (const name of fs.readdirSync(folder)) {
      if (name !== 'console.log' && !name.endsWith('.stderr.log')) continue;
      const mtime = fs.statSync(`${folder}/${name}`).mtimeMs;
      if (mtime > latest) latest = mtime;
    }
  } catch {
    // No log folder (a record copied without it): the heartbeat is all there is.
  }
  return Number.isFinite(latest) ? isoTime(Math.floor(latest)) : record.heartbeatAt;
}

/** The environment variable every command of a run carries (its run id), by which its processes are recognised. */
export const RUN_ID_VARIABLE = 'HANDOFF_RUN_ID';

/** `HANDOFF_RUN_ID=<run>` as every process of the run has it in its environment; undefined outside a run. */
export function runEnvironmentMarker(env: NodeJS.ProcessEnv): string | undefined {
  const runId = env[RUN_ID_VARIABLE];
  return runId ? `${RUN_ID_VARIABLE}=${runId}` : undefined;
}

export interface AbandonedRunEnded {
  runId: string;
  /** Processes the run had left running, ended before it was marked (SIGTERM, grace period, SIGKILL). */
  endedPids: number[];
}

/**
 * Marks abandoned runs `interrupted` with the reason. On this host it first ends what the run left running (its
 * commands outlive a handoff killed together with their launchers): each process recognised by its recorded launcher
 * or the run id in its environment, never by a pid alone. Returns what it did per run.
 */
export function markAbandonedRuns(runsDir: string, options: { now?: number; graceMs?: number } = {}): AbandonedRunEnded[] {
  const marked: AbandonedRunEnded[] = [];
  for (const id of runIdsThatMayBeRunning(runsDir, (runId) => readRunRecord(runRecordPath(runsDir, runId)))) {
    const record = readRunRecord(runRecordPath(runsDir, id));
    if (!record || !isAbandoned(record, options.now)) continue;
    marked.push(markAbandonedRun(runsDir, record, options));
  }
  return marked;
}

/**
 * Marks one abandoned run `interrupted` (see markAbandonedRuns). A record with `lastOutput` (what its handoff printed
 * last, added by the UI that started it) ended on its own without finishing its record (a full disk): the reason gives
 * those lines, not a guess that it was killed.
 */
function markAbandonedRun(runsDir: string, record: RunRecord, options: { graceMs?: number }): AbandonedRunEnded {
  const sameHost = record.host === os.hostname();
  const endedPids = sameHost
    ? endAbandonedProcesses(
        {
          launchers: (record.live ?? []).map((p) => p.launcher),
          commands: (record.live ?? []).flatMap((p) => (p.pid !== undefined ? [{ pid: p.pid, startTicks: p.startTicks }] : [])),
          environmentMarker: `${RUN_ID_VARIABLE}=${record.runId}`,
        },
        options.graceMs ?? DEFAULT_ABANDONED_GRACE_MS,
      )
    : [];
  const { live: _live, lastOutput, ...rest } = record;
  const endedAt = lastSignOfLife(runsDir, record);
  const ended = endedPids.length > 0 ? `; handoff ended the ${plural(endedPids.length, 'process', 'processes')} it had left running` : '';
  const reason = lastOutput
    ? `handoff (pid ${record.pid}) stopped without finishing this run${ended}; its last output:\n${lastOutput}`
    : sameHost
      ? `handoff (pid ${record.pid}) stopped without finishing this run: it was killed (e.g. SIGKILL) or the machine stopped${ended}`
      : `no heartbeat from handoff on ${record.host} since ${record.heartbeatAt}: it was killed or lost`;
  writeRunRecord(runsDir, {
    ...rest,
    status: 'interrupted',
    endedAt,
    durationMs: Date.parse(endedAt) - Date.parse(record.startedAt),
    reason,
    state: record.state ?? { saved: false, reason: 'the run did not finish: artifacts/state.json was left as it was' },
  });
  return { runId: record.runId, endedPids };
}

/** Grace period for an abandoned run's processes when the caller has none of its own (the run's default). */
const DEFAULT_ABANDONED_GRACE_MS = 5000;

/** What a prune would remove and leave (planPrune); removeRuns applies it. */
export interface PrunePlan {
  removed: string[];
  keptRunning: string[];
  unreadable: { runId: string; file: string }[];
  notRead: number;
  /** The projects of the records read (each once, in the order met): a history may hold another project's runs. */
  projects: RunRecord['project'][];
  /** Records read of other projects than `belongs` takes: neither counted nor removed. */
  otherProjects: number;
}

/**
 * Deletes all but the newest `keep` runs that can be read, and with `startedBefore` only those started before it (records and their log folders); returns the deleted ids.
 * A record that cannot be read (cut short, not a record) neither counts toward `keep` nor is deleted: counted, broken
 * records newer than the good ones took every place, and a good history was deleted for them. They are returned to
 * be named, as `runs list` names them.
 */
export function pruneRuns(runsDir: string, keep: number, startedBefore?: number, belongs?: (project: RunRecord['project']) => boolean): PrunePlan {
  const plan = planPrune(runsDir, keep, startedBefore, belongs);
  removeRuns(runsDir, plan.removed);
  return plan;
}

/** pruneRuns without removing anything: which runs it would remove. With `belongs`, only that project's runs count. */
export function planPrune(runsDir: string, keep: number, startedBefore?: number, belongs?: (project: RunRecord['project']) => boolean): PrunePlan {
  const removed: string[] = [];
  // A run still going on is never removed, whatever --keep says: its handoff writes into its folder.
  const keptRunning: string[] = [];
  const unreadable: { runId: string; file: string }[] = [];
  const projects = new Map<string, RunRecord['project']>();
  // With --older-than, a run started since the cutoff is kept by its id (its start time) without being read: a year
  // of history was read whole (4.4 s for 30,000 records) to remove the few runs of the day past it.
  const from = startedBefore === undefined ? undefined : isoTime(startedBefore).replace(/[-:]/g, '');
  let notRead = 0;
  let kept = 0;
  let otherProjects = 0;
  for (const id of listRunIds(runsDir)) {
    if (from !== undefined && kept >= keep && id >= from) {
      notRead++;
      continue;
    }
    const file = runRecordPath(runsDir, id);
    const record = readRunRecord(file);
    if (!record) {
      unreadable.push({ runId: id, file });
      continue;
    }
    if (!projects.has(`${record.project.dir}\0${record.project.name}`)) projects.set(`${record.project.dir}\0${record.project.name}`, record.project);
    if (belongs && !belongs(record.project)) otherProjects++;
    else if (kept < keep) kept++;
    else (record.status === 'running' ? keptRunning : removed).push(id);
  }
  return { removed, keptRunning, unreadable, notRead, projects: [...projects.values()], otherProjects };
}

/** Removes these runs' records and log folders. */
export function removeRuns(runsDir: string, ids: readonly string[]): void {
  for (const id of ids) {
    removeFile(runRecordPath(runsDir, id));
    fs.rmSync(runLogDir(runsDir, id), { recursive: true, force: true });
  }
}

/** Puts a recorded run's Singer state back into artifacts/state.json (to roll back a bad bookmark). */
export function restoreRunState(runsDir: string, stateFile: string, idOrPrefix: string): RunRecord {
  const record = findRunRecord(runsDir, idOrPrefix);
  if (!record.state || record.state.value === undefined) {
    throw new UserError(`run ${record.runId} recorded no Singer state`, { fix: 'pick a run whose `runs show` lists a state' });
  }
  if (record.state.masked) {
    // Its secrets are *** in the record: restoring it would write *** into the bookmark, silently.
    throw new UserError(`the state run ${record.runId} recorded holds secret values, which its record keeps masked (***): it cannot be restored from the record`, {
      fix: 'edit artifacts/state.json by hand; a run pushed with -a also left its state.json in the store, under <task>/artifacts/archives/<time of the push>/',
    });
  }
  saveStateAtomically(stateFile, record.state.value);
  return record;
}
