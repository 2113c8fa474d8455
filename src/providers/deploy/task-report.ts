// The keys `cloud task status` and `cloud task delete` print on every cloud, so a script reads them the same way anywhere.
import type { ScheduleChange } from '../provider.js';

/** What `cloud task status` says of a task that is not deployed, on every cloud. */
export const NOT_CREATED = 'NOT_CREATED';

/**
 * `cloud task status`: `task` (`<RG>/<task>`), `status` (the cloud's own word for the task's state, `NOT_CREATED`
 * when there is none), `deployed` and `image` (null when not deployed) first, then the cloud's own keys.
 */
export function createTaskStatusReport(common: { task: string; status: string; image?: string }, own: Record<string, unknown>): Record<string, unknown> {
  const deployed = common.status !== NOT_CREATED;
  return { task: common.task, status: common.status, deployed, image: (deployed ? common.image : undefined) ?? null, ...own };
}

/** One thing `cloud task delete` removed, kept or found absent. */
export interface TaskResourceRow {
  resource: string;
  what: string;
  kind: string;
  action: string;
}

/**
 * `cloud task delete`: `task`, `action` (of the task's runnable part: the stack, Cloud Run job or Container Apps job),
 * `schedules_deleted` (each schedule's id in the cloud), `schedules` (with their target ids, as `cloud schedule delete`
 * prints them) and `resources` (each thing removed), then the cloud's own keys.
 */
export function createTaskDeletionReport(
  common: { task: string; action: 'deleted' | 'absent'; schedules: ScheduleChange[]; resources: TaskResourceRow[] },
  own: Record<string, unknown>,
): Record<string, unknown> {
  return { task: common.task, action: common.action, schedules_deleted: common.schedules.map((s) => s.id), schedules: common.schedules, resources: common.resources, ...own };
}
