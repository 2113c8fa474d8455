// The run record: one JSON file per run (W/runs/<run_id>.json), written atomically at start, while running and at the end.
import fs from 'node:fs';
import path from 'node:path';
import { fileIn, toSafeFileName } from '../runner/artifact-names.js';
import type { RunStatus, TaskResult } from '../runner/events.js';
import { removeFile } from '../remove-file.js';
import { markRunning, unmarkRunning } from './running-index.js';

export type RunTrigger = 'manual' | 'schedule' | 'ui' | 'cloud';

export interface SavedState {
  /** True when artifacts/state.json was written by this run. */
  saved: boolean;
  /** The task whose last STATE this is. */
  task?: string;
  /** The state value itself (kept so a bad bookmark can be rolled back with `runs state <id> --restore`). */
  value?: unknown;
  /** True when `value` had secrets in it, masked here (keys too): it is not the state, so it cannot be restored. */
  masked?: boolean;
  /** Why nothing was saved, or what was kept. */
  reason?: string;
  /** Other tasks whose state this run dropped (one state.json holds one state), with the warning that said so. */
  dropped?: string[];
  warning?: string;
}

/** A command running when the record was written: its pid and the launcher it runs under (see handoff-launch.c). */
export interface LiveProcess {
  task: string;
  process: string;
  pid?: number;
  /** The command's start time in clock ticks since boot (/proc/<pid>/stat), read as the record was written. */
  startTicks?: string;
  launcher: { pid: number; startTicks?: string };
}

export interface RunRecord {
  /** Format version of this file. */
  schema: 1;
  runId: string;
  /**
   * `name`: deploy.task, else the folder's name. `resourceGroup`: deploy.resource_group as written, when set (records
   * of handoff 0.5 on). The two and the stage name the store a push puts the record in, wherever the project was run
   * from (its folder, or the copy `handoff run` fetched).
   */
  project: { name: string; dir: string; resourceGroup?: string };
  stage: string;
  trigger: RunTrigger;
  /** The local provider's job that started this run ($HANDOFF_JOB_ID): `cloud job status` finds the run by it. */
  jobId?: string;
  handoffVersion: string;
  host: string;
  pid: number;
  status: RunStatus;
  startedAt: string;
  /** Refreshed while the run goes on, so a run whose handoff was killed can be told apart from a long one. */
  heartbeatAt: string;
  endedAt?: string;
  durationMs?: number;
  exitCode?: number;
  tasks: TaskResult[];
  /** Singer records per stream, over all tasks. */
  records: Record<string, number>;
  /** Singer records whose METRIC lines named no stream (`"tags": {}`), over all tasks; part of the run's total. */
  untaggedRecords?: number;
  state?: SavedState;
  /** One sentence on why the run failed or was interrupted. */
  reason?: string;
  /**
   * What its handoff printed last (its warnings and errors), written by the UI that started the run when that handoff
   * ended without finishing the record (a full disk): the reason given once the run is marked interrupted.
   */
  lastOutput?: string;
  /**
   * While the run goes on: the commands running at the last write. A handoff that finds the run abandoned (its handoff
   * killed) ends what is left of them before it runs anything (see run-history.ts). Gone once the run ends.
   */
  live?: LiveProcess[];
  /** Log files of this run, relative to the workspace. */
  logs: { console: string; stderr: Record<string, string> };
}

export function runRecordPath(runsDir: string, runId: string): string {
  return path.join(runsDir, `${runId}.json`);
}

export function runLogDir(runsDir: string, runId: string): string {
  return path.join(runsDir, runId);
}

/** The run's own log of one process's stderr: W/runs/<run_id>/<task>.<process>.stderr.log. */
export function processStderrLogPath(runsDir: string, runId: string, task: string, processName: string): string {
  return fileIn(runLogDir(runsDir, runId), `${toSafeFileName(task)}.${toSafeFileName(processName)}.stderr.log`);
}

/**
 * Writes the record atomically: readers (runs list, the UI) never see half a file. A record that says `running` is in
 * the index of runs in progress first (see running-index.ts), and leaves it once it says anything else.
 */
export function writeRunRecord(runsDir: string, record: RunRecord): void {
  const file = runRecordPath(runsDir, record.runId);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    if (record.status === 'running') markRunning(runsDir, record.runId);
    fs.writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
    fs.renameSync(temp, file);
  } catch (error) {
    // A half-written temp file (disk full) must not be left beside the record.
    removeFile(temp);
    throw error;
  }
  if (record.status !== 'running') unmarkRunning(runsDir, record.runId);
}

/**
 * The last resort when the final record cannot be written (a full disk: writeRunRecord needs new blocks for its temp
 * file): the end is written over the record file in place, within the blocks it already has, so the run is not later
 * taken for one whose handoff was killed. Compact JSON first; if even that is longer than the file, the tasks keep
 * their names, status and exit codes only. Not atomic: a reader at that instant may see it cut short and skip it once.
 * False when nothing fits (the record then says `running`, and is marked interrupted later).
 */
export function overwriteRunRecordInPlace(runsDir: string, record: RunRecord): boolean {
  const file = runRecordPath(runsDir, record.runId);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch {
    return false;
  }
  try {
    // The file's last block is allocated whole (4 KiB on ext4 and tmpfs): writing up to its end takes no new space.
    const stat = fs.fstatSync(fd);
    const room = Math.max(stat.size, stat.blocks * 512);
    const slim = (t: TaskResult): TaskResult => ({ ...t, processes: [], subtasks: t.subtasks.map(slim), stdoutLog: undefined });
    const candidates = [record, { ...record, tasks: record.tasks.map(slim), reason: `${record.reason ?? ''} (its processes are not in the record: the disk was full)`.trim() }];
    for (const candidate of candidates) {
      const bytes = Buffer.from(`${JSON.stringify(candidate)}\n`);
      if (bytes.length > room) continue;
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at, at);
      fs.ftruncateSync(fd, bytes.length);
      if (record.status !== 'running') unmarkRunning(runsDir, record.runId);
      return true;
    }
    return false;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The record in `file`, or undefined when it cannot be read or is not a whole record (cut short, emptied, written by
 * something else): what every reader relies on is checked here, so no listing crashes on one bad file.
 */
export function readRunRecord(file: string): RunRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return parseRunRecord(text);
}

/** A record's text as a record, or undefined when it is not a whole one: the same check for a file and a store object. */
export function parseRunRecord(text: string): RunRecord | undefined {
  try {
    const record = JSON.parse(text) as Partial<RunRecord> | null;
    return isWholeRecord(record) ? record : undefined;
  } catch {
    return undefined;
  }
}

function isWholeRecord(record: Partial<RunRecord> | null): record is RunRecord {
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.runId === 'string' &&
    typeof record.status === 'string' &&
    typeof record.startedAt === 'string' &&
    typeof record.trigger === 'string' &&
    isObject(record.project) &&
    typeof record.project.name === 'string' &&
    typeof record.project.dir === 'string' &&
    Array.isArray(record.tasks) &&
    record.tasks.every(isWholeTask) &&
    (record.records === undefined || isCounts(record.records)) &&
    isObject(record.logs) &&
    typeof record.logs.console === 'string'
  );
}

/** Every field `runs list|show|logs` and the UI read without a check of their own, down through sub-tasks. */
function isWholeTask(task: unknown): boolean {
  if (!isObject(task)) return false;
  const t = task as Partial<TaskResult>;
  return (
    typeof t.name === 'string' &&
    typeof t.status === 'string' &&
    Array.isArray(t.processes) &&
    t.processes.every((p) => isObject(p) && typeof p.commandLine === 'string') &&
    Array.isArray(t.subtasks) &&
    t.subtasks.every(isWholeTask) &&
    (t.records === undefined || isCounts(t.records))
  );
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Records per stream: numbers by name (an array would be summed as if its items were streams). */
function isCounts(value: unknown): boolean {
  return isObject(value) && Object.values(value).every((n) => typeof n === 'number');
}
