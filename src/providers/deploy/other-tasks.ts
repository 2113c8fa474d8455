// The info line plan and deploy print about the resource group's other deployed tasks: a renamed deploy.task leaves the old task (and its schedules) running, and handoff cannot tell a rename from a second task.
import { plural } from '../../plural.js';

/** Another task deployed in the same resource group and stage, found by each cloud its own way. */
export interface OtherTask {
  task: string;
  /** Where it is, as the cloud names it: `stack handoff-dev-etl-words`, `Container Apps job ho-dev-etl-words-1a2b3c`. */
  where: string;
  enabledSchedules: number;
}

/** What else runs in the group, and how to remove it if it was renamed; undefined when nothing else does. */
export function describeOtherTasks(resourceGroup: string, others: readonly OtherTask[]): string | undefined {
  if (others.length === 0) return undefined;
  const list = others.map((o) => `task ${o.task} (${o.where}, ${plural(o.enabledSchedules, 'enabled schedule')})`).join(', ');
  return `also deployed in resource group ${resourceGroup}: ${list}; if one is this task under its former deploy.task, \`handoff cloud task delete -p <project> -e task=<former task>\` removes it and its schedules`;
}
