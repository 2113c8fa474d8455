// The deploy of the clouds deployed resource by resource (Google Cloud, Azure): its plan as `cloud plan` prints it, and
// its apply in dependency order, so both clouds report and sequence a deploy the same way.
import { UserError } from '../../errors.js';
import type { Project } from '../../project/types.js';
import type { DeployEvent, DeployOutcome, PlanDescription } from '../deployment.js';
import type { Provider, ScheduleChange, ScheduleListing } from '../provider.js';
import { applyResourceSteps, describePlannedStep, type PlannedStep, type StepResult } from './resource-plan.js';
import { describeScheduleAction } from './schedule-listing.js';
import { applyProjectSync, describeProjectSync, isProjectSyncEmpty, type ProjectSyncPlan } from './sync-project.js';
import { plural } from '../../plural.js';

/** What such a deploy would do: every resource step read and compared, the project's sync, the schedules as deployed. */
export interface ResourceDeploymentPlan {
  readonly project: ProjectSyncPlan;
  /** The image the task's job runs. */
  readonly image: string;
  readonly steps: PlannedStep[];
  readonly schedules: ScheduleListing[];
}

/** `cloud task …` and the deploy commands need the project; others (`cloud resources status`) do not. */
export function requireProject(request: { project?: Project }): Project {
  if (!request.project) throw new UserError('this command needs the project folder', { fix: 'add -p <folder holding project.yml>' });
  return request.project;
}

/** A resource step's result as the reports print it, the same shape as `cloud plan`'s rows. */
export function describeStepResult(result: StepResult): { resource: string; what: string; kind: string; action: string } {
  return { resource: result.name, what: result.what, kind: result.kind, action: result.action };
}

export function describeResourceDeployment(plan: ResourceDeploymentPlan): PlanDescription {
  const resources = plan.steps.map(describePlannedStep);
  const schedules = plan.schedules.map((s) => ({ target_id: s.target_id, action: describeScheduleAction(s) }));
  const changes = resources.filter((r) => r.action !== 'unchanged').length + (isProjectSyncEmpty(plan.project) ? 0 : 1) + schedules.filter((s) => s.action !== 'unchanged').length;
  return { image: plan.image, resources, project: describeProjectSync(plan.project), schedules, changes };
}

/**
 * Applies the plan in dependency order: the store and the resource group's resources, the project (its secrets exist
 * before the task is granted them), the task, then the declared schedules (they start the task's job), removing the
 * schedules project.yml no longer declares.
 */
export async function applyResourceDeployment(provider: Provider, plan: ResourceDeploymentPlan, project: Project, onEvent: (event: DeployEvent) => void): Promise<DeployOutcome> {
  const results = await applyResourceSteps(plan.steps.filter((s) => s.step.kind !== 'task'), onEvent);
  const pushed = await applyProjectSync(provider, plan.project);
  if (!isProjectSyncEmpty(plan.project)) {
    onEvent({ type: 'notice', level: 'info', message: `Pushed project.yml (${pushed.config}), ${plural(pushed.files.written.length, 'file')}, ${plural(pushed.secrets.written.length, 'secret')}; removed ${plural(pushed.files.deleted.length, 'stale file')}` });
  }
  results.push(...(await applyResourceSteps(plan.steps.filter((s) => s.step.kind === 'task'), onEvent)));
  const schedules: ScheduleChange[] = project.schedules.length > 0 ? await provider.schedules.create(project.schedules) : [];
  for (const orphan of plan.schedules.filter((s) => s.status === 'orphaned')) schedules.push(...(await provider.schedules.delete(orphan.target_id)));
  const changed = results.some((r) => r.action !== 'unchanged') || !isProjectSyncEmpty(plan.project) || schedules.some((s) => s.action !== 'unchanged');
  return { changed, image: plan.image, report: { changed, image: plan.image, resources: results.map(describeStepResult), project: pushed, schedules } };
}
