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

export function listLocalSchedules(home: string): LocalScheduleEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync(schedulesDir(home));
  } catch {
    return [];
  }
  const out: LocalScheduleEntry[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(schedulesDir(home), name), 'utf8')) as LocalScheduleEntry);
    } catch {
      // A file being replaced right now, or broken by hand: the next reload reads it again.
    }
  }
  return out;
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
