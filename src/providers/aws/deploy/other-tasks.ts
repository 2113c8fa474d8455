// The resource group's deployed tasks: for plan and deploy to name the others, for `cloud bucket delete` to refuse while they use the bucket; a renamed deploy.task leaves the old task (and its schedules) running, and handoff cannot tell a rename from a second task.
import { plural } from '../../../plural.js';
import type { AwsProvider } from '../aws-provider.js';
import { readOwner } from './check-ownership.js';

export interface OtherTask {
  task: string;
  stack: string;
  enabledSchedules: number;
}

/** The deployed task stacks of this resource group and stage (by their handoff tags), this task's too unless `others`. */
export async function findGroupTasks(provider: AwsProvider, options: { others?: boolean } = {}): Promise<{ task: string; stack: string }[]> {
  const { names, cloudFormation } = provider;
  const shared = new Set([names.bucketStack, names.resourcesStack]);
  const candidates = (await cloudFormation.listStacks()).filter((s) => s.name.startsWith(`${names.prefix}-`) && !shared.has(s.name) && s.status !== 'DELETE_COMPLETE');
  const found: { task: string; stack: string }[] = [];
  for (const candidate of candidates) {
    const stack = await cloudFormation.describeStack(candidate.name);
    const owner = stack && readOwner(stack.tags);
    if (!owner || owner.resourceGroup !== names.resourceGroup || owner.task === undefined || (options.others && owner.task === names.task)) continue;
    if (owner.stage !== undefined && owner.stage !== names.stage) continue;
    found.push({ task: owner.task, stack: candidate.name });
  }
  return found.sort((a, b) => a.task.localeCompare(b.task));
}

/**
 * The task stacks of this resource group and stage other than this task's, each with how many of its schedules are
 * enabled. Only read: nothing is changed.
 */
export async function findOtherTasks(provider: AwsProvider): Promise<OtherTask[]> {
  const found: OtherTask[] = (await findGroupTasks(provider, { others: true })).map((t) => ({ ...t, enabledSchedules: 0 }));
  if (found.length === 0) return found;
  const scheduler = (await import('../sdk/scheduler.js')).createSchedulerApi(provider.clientConfig);
  try {
    for (const other of found) {
      // The schedule group has the task stack's name (handoff-<RG>-<task>).
      for (const name of await scheduler.listScheduleNames(other.stack)) {
        if ((await scheduler.getSchedule(other.stack, name))?.State === 'ENABLED') other.enabledSchedules++;
      }
    }
  } finally {
    scheduler.destroy();
  }
  return found;
}

/** The info line plan and deploy print: what else runs in the group, and how to remove it if it was renamed. */
export function describeOtherTasks(resourceGroup: string, others: readonly OtherTask[]): string | undefined {
  if (others.length === 0) return undefined;
  const list = others.map((o) => `task ${o.task} (stack ${o.stack}, ${plural(o.enabledSchedules, 'enabled schedule')})`).join(', ');
  return `also deployed in resource group ${resourceGroup}: ${list}; if one is this task under its former deploy.task, \`handoff cloud task delete -p <project> -e task=<former task>\` removes it and its schedules`;
}
