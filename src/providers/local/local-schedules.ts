// The local provider's schedules: `cloud schedule create|list|delete` against the registry the local scheduler reads.
import type { Schedule } from '../../project/types.js';
import { deleteLocalSchedule, listLocalSchedules, localScheduleId, writeLocalSchedule, type LocalScheduleEntry } from '../../schedule/schedule-registry.js';
import { readSchedulerHolder } from '../../schedule/scheduler-service.js';
import type { DeployTarget, ScheduleChange, ScheduleComparison, ScheduleLifecycle, ScheduleListing, StoreNames } from '../provider.js';
import { listNextFires } from '../deploy/schedule-listing.js';
import { isoTime } from '../../iso-time.js';

export type { ScheduleChange, ScheduleComparison, ScheduleListing };

/** The local provider's `schedules`: the functions below over the registry under HANDOFF_HOME. */
export function createLocalScheduleLifecycle(home: string, target: DeployTarget, names: StoreNames): ScheduleLifecycle {
  return {
    create: async (schedules) => createLocalSchedules(home, target, names, schedules),
    list: async (declared) => listLocalScheduleStatus(home, target, names, declared),
    delete: async (targetId) => deleteLocalSchedules(home, names, targetId),
    checkFiring: async () =>
      readSchedulerHolder(home) ? undefined : 'the local scheduler is not running: start it with `handoff scheduler start` so these schedules fire',
  };
}

function toEntry(schedule: Schedule, target: DeployTarget, names: StoreNames, deployedAt: string): LocalScheduleEntry {
  return {
    id: localScheduleId(names.resourceGroup, names.task, schedule.target_id),
    resourceGroup: names.resourceGroup,
    bareResourceGroup: target.resourceGroup,
    task: names.task,
    stage: target.stage,
    targetId: schedule.target_id,
    expression: schedule.cron,
    ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
    enabled: schedule.enabled,
    overlap: schedule.overlap,
    catchUp: schedule.catch_up,
    envs: schedule.envs,
    deployedAt,
    ...(target.bucket ? { bucket: target.bucket } : {}),
  };
}

/** The fields that decide when and how a schedule runs (deployedAt aside). */
function sameDefinition(a: LocalScheduleEntry, b: LocalScheduleEntry): boolean {
  const strip = ({ deployedAt: _d, ...rest }: LocalScheduleEntry): string => JSON.stringify(rest, Object.keys(rest).sort());
  return strip(a) === strip(b);
}

function ofTask(home: string, names: StoreNames): LocalScheduleEntry[] {
  const prefix = `${names.resourceGroup}/${names.task}/`;
  return listLocalSchedules(home).filter((s) => s.id.startsWith(prefix));
}

/** Idempotent upsert of the task's schedules (all, or the one `targetId`); a rate keeps its anchor when unchanged. */
export function createLocalSchedules(home: string, target: DeployTarget, names: StoreNames, schedules: Schedule[], now = new Date()): ScheduleChange[] {
  const deployed = new Map(ofTask(home, names).map((s) => [s.targetId, s]));
  return schedules.map((schedule) => {
    const existing = deployed.get(schedule.target_id);
    const entry = toEntry(schedule, target, names, existing?.deployedAt ?? isoTime(now));
    if (existing && sameDefinition(existing, entry)) return { target_id: schedule.target_id, id: entry.id, action: 'unchanged' };
    // A changed schedule starts afresh (a rate counts from now), as an updated EventBridge schedule does.
    const written = existing ? { ...entry, deployedAt: isoTime(now) } : entry;
    writeLocalSchedule(home, written);
    return { target_id: schedule.target_id, id: entry.id, action: existing ? 'updated' : 'created' };
  });
}

/** Declared (project.yml) against deployed: scheduled, draft (not deployed), edited (differs), orphaned (not declared). */
export function listLocalScheduleStatus(home: string, target: DeployTarget, names: StoreNames, declared: Schedule[], now = new Date()): ScheduleListing[] {
  const deployed = new Map(ofTask(home, names).map((s) => [s.targetId, s]));
  const out: ScheduleListing[] = [];
  /** A rate counts from when it was deployed, as the local scheduler fires it, not from now. */
  const next = (expression: string, timezone: string | undefined, enabled: boolean, deployedAt?: string): string[] => listNextFires(expression, timezone, enabled, now, deployedAt);
  for (const schedule of declared) {
    const existing = deployed.get(schedule.target_id);
    deployed.delete(schedule.target_id);
    const entry = toEntry(schedule, target, names, existing?.deployedAt ?? isoTime(now));
    const status: ScheduleComparison = !existing ? 'draft' : sameDefinition(existing, entry) ? 'scheduled' : 'edited';
    out.push({ target_id: schedule.target_id, status, expression: schedule.cron, timezone: schedule.timezone ?? 'UTC', enabled: schedule.enabled, next: status === 'draft' ? [] : next(schedule.cron, schedule.timezone, schedule.enabled, status === 'scheduled' ? existing!.deployedAt : undefined) });
  }
  for (const orphan of deployed.values()) {
    out.push({ target_id: orphan.targetId, status: 'orphaned', expression: orphan.expression, timezone: orphan.timezone ?? 'UTC', enabled: orphan.enabled, next: next(orphan.expression, orphan.timezone, orphan.enabled, orphan.deployedAt) });
  }
  return out;
}

/** Deletes exactly this task's schedules (or the one `targetId`), never another task's whose name shares a prefix. */
export function deleteLocalSchedules(home: string, names: StoreNames, targetId?: string): ScheduleChange[] {
  return ofTask(home, names)
    .filter((s) => targetId === undefined || s.targetId === targetId)
    .map((s) => {
      deleteLocalSchedule(home, s.id);
      return { target_id: s.targetId, id: s.id, action: 'deleted' as const };
    });
}
