// Schedules deployed to this machine (local provider): one JSON file each under HANDOFF_HOME/schedules/.
import fs from 'node:fs';
import path from 'node:path';
import { homeWriteError } from '../providers/local/handoff-home.js';
import { writeFileAtomicSync } from '../providers/local/write-file-atomic.js';
import type { DeployedSchedule } from './local-scheduler.js';

/** What the local scheduler needs beyond the schedule itself to start a run against the local store. */
export interface LocalScheduleEntry extends DeployedSchedule {
  /** deploy.resource_group as written (the run command adds the stage prefix itself). */
  bareResourceGroup: string;
  bucket?: string;
}

export function schedulesDir(home: string): string {
  return path.join(home, 'schedules');
}

function fileOf(home: string, id: string): string {
  return path.join(schedulesDir(home), `${id.replaceAll('/', '__')}.json`);
}

/** A schedule file that is not a schedule handoff can fire: its path and why. */
export interface UnreadableSchedule {
  file: string;
  reason: string;
}

/**
 * The deployed schedules. A file that cannot be read or lacks a field the scheduler needs is told to `onUnreadable`
 * and left out (it does not fire): the scheduler logs it, `scheduler status` names it, where it was dropped silently.
 */
export function listLocalSchedules(home: string, onUnreadable?: (bad: UnreadableSchedule) => void): LocalScheduleEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync(schedulesDir(home));
  } catch {
    return [];
  }
  const out: LocalScheduleEntry[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(schedulesDir(home), name);
    let entry: unknown;
    try {
      entry = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      // A file being replaced right now is never seen half-written (atomic rename); a missing one was just deleted.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onUnreadable?.({ file, reason: (error as Error).message });
      continue;
    }
    const problem = scheduleEntryProblem(entry);
    if (problem) onUnreadable?.({ file, reason: problem });
    // Envs were left out by hand or by an older build: none, rather than a TypeError at every fire.
    else out.push({ ...(entry as LocalScheduleEntry), envs: (entry as Partial<LocalScheduleEntry>).envs ?? [] });
  }
  return out;
}

const REQUIRED_TEXT = ['id', 'resourceGroup', 'bareResourceGroup', 'task', 'stage', 'targetId', 'expression', 'deployedAt'] as const;

/** What is wrong with a parsed schedule file for the scheduler, or undefined when it can fire. */
function scheduleEntryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'it is not a JSON object';
  const e = entry as Record<string, unknown>;
  for (const key of REQUIRED_TEXT) if (typeof e[key] !== 'string') return `${key} is not a string`;
  if (e.timezone !== undefined && typeof e.timezone !== 'string') return 'timezone is not a string';
  if (typeof e.enabled !== 'boolean') return 'enabled is not true or false';
  if (typeof e.catchUp !== 'boolean') return 'catchUp is not true or false';
  if (e.overlap !== 'skip' && e.overlap !== 'queue' && e.overlap !== 'allow') return 'overlap is not skip, queue or allow';
  if (e.bucket !== undefined && typeof e.bucket !== 'string') return 'bucket is not a string';
  if (e.envs !== undefined) {
    const ok = Array.isArray(e.envs) && e.envs.every((v) => typeof v === 'object' && v !== null && typeof v.key === 'string' && typeof v.value === 'string');
    if (!ok) return 'envs is not a list of {key, value} texts';
  }
  return undefined;
}

/** Writes (creates or replaces) a schedule atomically, so the scheduler never reads half a file. */
export function writeLocalSchedule(home: string, entry: LocalScheduleEntry): void {
  const file = fileOf(home, entry.id);
  try {
    writeFileAtomicSync(file, `${JSON.stringify(entry, null, 2)}\n`);
  } catch (error) {
    throw homeWriteError(`cannot write the schedule ${entry.id} to ${file}`, home, error);
  }
}

export function deleteLocalSchedule(home: string, id: string): boolean {
  const file = fileOf(home, id);
  if (!fs.existsSync(file)) return false;
  try {
    fs.rmSync(file);
  } catch (error) {
    throw homeWriteError(`cannot delete the schedule ${id} (${file})`, home, error);
  }
  return true;
}

/** The id of a schedule: exactly one task's schedules share the `<RG>/<task>/` prefix (no over-matching of names). */
export function localScheduleId(resourceGroup: string, task: string, targetId: string): string {
  return `${resourceGroup}/${task}/${targetId}`;
}
