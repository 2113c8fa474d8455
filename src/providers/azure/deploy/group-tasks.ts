// The resource group's deployed tasks on Azure, found by their jobs' handoff tags: for plan and deploy to name the others (a renamed deploy.task), for `cloud bucket delete` to refuse while they use the store.
import type { OtherTask } from '../../deploy/other-tasks.js';
import type { AzureProvider } from '../azure-provider.js';
import { WORKFLOW_TYPE } from '../resources/schedule-workflow.js';
import type { Job } from '../sdk/container-apps.js';
import { readJobStage } from './check-ownership.js';

export interface GroupTask {
  task: string;
  /** The task's own job (manual trigger, `cloud run`'s), or a schedule job when only those are left. */
  job: string;
  /** Its schedules' jobs (the `handoff-target-id` tag). */
  scheduleJobs: Job[];
}

/**
 * The tasks of this resource group and stage with a job deployed (by the `handoff-resource-group` and `handoff-task`
 * tags, exactly, and the stage in the job's HO_STAGE, since prod + `dev-etl` tags its jobs as dev + `etl` does); this
 * task too unless `others`.
 */
export async function findGroupTasks(provider: AzureProvider, options: { others?: boolean } = {}): Promise<GroupTask[]> {
  const { names } = provider;
  const jobs = await (await provider.apis.containerApps()).listJobs({ 'handoff-resource-group': names.resourceGroup });
  const tasks = new Map<string, GroupTask>();
  for (const job of jobs) {
    const task = job.tags?.['handoff-task'];
    const stage = readJobStage(job);
    if (task === undefined || (stage !== undefined && stage !== names.stage) || (options.others && task === names.task)) continue;
    const found = tasks.get(task) ?? { task, job: job.name ?? '', scheduleJobs: [] };
    if (job.tags?.['handoff-target-id'] !== undefined) found.scheduleJobs.push(job);
    else found.job = job.name ?? found.job;
    tasks.set(task, found);
  }
  return [...tasks.values()].sort((a, b) => a.task.localeCompare(b.task));
}

/**
 * The other tasks of the group, each with how many of its schedules fire: a schedule-trigger job always does (Container
 * Apps cannot pause one), a manual one when its Logic App is enabled. Only read: nothing is changed.
 */
export async function findOtherTasks(provider: AzureProvider): Promise<OtherTask[]> {
  const others = await findGroupTasks(provider, { others: true });
  if (others.length === 0) return [];
  const arm = await provider.apis.arm();
  const found: OtherTask[] = [];
  for (const other of others) {
    let enabledSchedules = 0;
    for (const job of other.scheduleJobs) {
      if (job.configuration?.triggerType === 'Schedule') {
        enabledSchedules++;
        continue;
      }
      // The Logic App has its job's name (names.scheduleWorkflowId).
      const workflow = job.id ? await arm.get(job.id.replace(/\/providers\/Microsoft\.App\/jobs\//i, '/providers/Microsoft.Logic/workflows/'), WORKFLOW_TYPE) : undefined;
      if (workflow && workflow.properties?.state !== 'Disabled') enabledSchedules++;
    }
    found.push({ task: other.task, where: `Container Apps job ${other.job}`, enabledSchedules });
  }
  return found;
}
