// The resource group's deployed task stacks: for plan and deploy to name the others (deploy/other-tasks.ts words it), for `cloud bucket delete` to refuse while they use the bucket.
import type { OtherTask } from '../../deploy/other-tasks.js';
import type { AwsProvider } from '../aws-provider.js';
import { readOwner } from './check-ownership.js';

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
  const stacks = await findGroupTasks(provider, { others: true });
  if (stacks.length === 0) return [];
  const found: OtherTask[] = [];
  const scheduler = (await import('../sdk/scheduler.js')).createSchedulerApi(provider.clientConfig);
  try {
    for (const { task, stack } of stacks) {
      let enabledSchedules = 0;
      // The schedule group has the task stack's name (handoff-<RG>-<task>).
      for (const name of await scheduler.listScheduleNames(stack)) {
        if ((await scheduler.getSchedule(stack, name))?.State === 'ENABLED') enabledSchedules++;
      }
      found.push({ task, where: `stack ${stack}`, enabledSchedules });
    }
  } finally {
    scheduler.destroy();
  }
  return found;
}
