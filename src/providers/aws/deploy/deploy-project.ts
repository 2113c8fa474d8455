// `cloud deploy` and `cloud plan`: bucket, resources, project push, task and schedules — planned first, then applied in order.
import type { Project } from '../../../project/types.js';
import type { Secret } from '../../../secrets/local-secrets.js';
import type { ScheduleChange, ScheduleListing } from '../../provider.js';
import type { AwsProvider } from '../aws-provider.js';
import type { ResourceChange } from '../sdk/cloudformation.js';
import type { Template } from '../stacks/template.js';
import { applyStackStep, assertPlanApplicable, previewStackStep, readDeployedStacks, type ApplyOptions, type DeployEvent, type StackChange } from './apply-deploy.js';
import { explainBucketCollision } from './bucket-collision.js';
import { checkDeployValues } from './check-deploy-values.js';
import { assertStacksOwned } from './check-ownership.js';
import { checkResourceGroupAgreement } from './check-resource-group.js';
import { createBucketDesired, createResourcesDesired } from './desired-stacks.js';
import { isExistingNamedBucket } from './existing-bucket.js';
import { describeOtherTasks } from '../../deploy/other-tasks.js';
import { findOtherTasks } from './other-tasks.js';
import { locateDeployErrors } from '../../deploy/locate-deploy-error.js';
import { planDeploy, type DeployPlan, type ResourceDiff, type StackStep } from './plan-deploy.js';
import { applyKeptLogGroup, planBoundary, prepareTaskStack } from './prepare-stacks.js';
import type { ResolvedImage } from './resolve-image.js';
import { describeScheduleAction } from '../../deploy/schedule-listing.js';
import { applyProjectSync, describeProjectSync, isProjectSyncEmpty, planProjectSync, type ProjectSyncPlan, type ProjectSyncSummary } from '../../deploy/sync-project.js';
import { plural } from '../../../plural.js';

export interface DeployRequest {
  provider: AwsProvider;
  project: Project;
  /** The stage's local secrets (push: false ones are skipped), already loaded. */
  secrets: Secret[];
  allowAdvancedTier: boolean;
  /** `-v version=`: the image tag; else deploy.image_version, else the highest tag in ECR. */
  imageVersion?: string;
  onEvent?: (event: DeployEvent) => void;
  pollMs?: number;
}

/** Everything a deploy would do, computed without changing anything. */
export interface ProjectDeployPlan {
  image: ResolvedImage;
  stacks: DeployPlan;
  project: ProjectSyncPlan;
  /** Declared against deployed schedules (all `draft` before the task exists). */
  schedules: ScheduleListing[];
}

export interface DeployResult {
  image: string;
  stacks: StackChange[];
  project: ProjectSyncSummary;
  schedules: ScheduleChange[];
  changed: boolean;
}

/**
 * Checks every value that AWS would take without complaint but that cannot work (Fargate sizes, log retention, retry
 * settings, network ids, tags, task policy and definition files, schedule envs) by building every template and
 * schedule request, then reads what is deployed: the boundary, the stacks, the store, the schedules. Nothing is
 * written. Errors point into project.yml; a project that disagrees with its resource group's settings is refused.
 */
export async function planProjectDeploy(request: DeployRequest): Promise<ProjectDeployPlan> {
  const { provider, project } = request;
  const { names } = provider;
  const deploy = project.deploy;
  const notice = (message: string): void => request.onEvent?.({ type: 'notice', level: 'warning', message });
  return locateDeployErrors(project.file, async () => {
    // Pure checks first, every bad key at once: every template and schedule request is built before the deploy's
    // first AWS call (the CLI runs them before STS too: checkDeployBeforeCalls).
    await checkDeployValues(names, project);
    const resources = createResourcesDesired(names, deploy);
    const bucket = createBucketDesired(names);
    const task = await prepareTaskStack(provider, project, { imageVersion: request.imageVersion });
    task.warnings.forEach(notice);
    const boundary = await planBoundary(provider);
    const existingBucket = await isExistingNamedBucket(provider);
    if (existingBucket) request.onEvent?.({ type: 'notice', level: 'info', message: `deploy.bucket ${names.bucket} exists already: used as it is (no bucket stack)` });
    const desired = [...(boundary ? [boundary] : []), ...(existingBucket ? [] : [bucket]), resources, task.desired];
    const deployed = await readDeployedStacks(provider.cloudFormation, desired.map((d) => d.name));
    assertStacksOwned(desired, deployed);
    await checkResourceGroupAgreement({ api: provider.cloudFormation, names, deployedTemplate: deployed.get(resources.name)?.templateBody, desired: resources.template });
    const stacks = planDeploy(desired, deployed);
    const bucketExists = existingBucket || (deployed.get(bucket.name) !== undefined && (await provider.bucket.status()).exists);
    // The task's prefix in the bucket may be another project's (a shared deploy.bucket): refused before any write.
    if (bucketExists) await provider.checkStoreOwner();
    const projectPlan = await planProjectSync(provider, {
      projectFile: project.file,
      projectDir: project.dir,
      secrets: request.secrets,
      allowAdvancedTier: request.allowAdvancedTier,
      bucketExists,
      log: (level, message) => request.onEvent?.({ type: 'notice', level: level === 'warning' ? 'warning' : 'info', message }),
    });
    const schedules = await provider.schedules.list(project.schedules);
    // A renamed deploy.task deploys a new task beside the old one, whose schedules go on firing: say what else runs.
    const others = describeOtherTasks(names.resourceGroup, await findOtherTasks(provider));
    if (others) request.onEvent?.({ type: 'notice', level: 'info', message: others });
    return { image: task.image, stacks, project: projectPlan, schedules };
  });
}

/**
 * Applies a plan in dependency order: the permissions boundary (once per account), the bucket (the store), the
 * resources (network, cluster, roles), the project (config, files, secrets), the task (it imports the resources'
 * exports and runs the pushed project), then the schedules (they target the task's runner or its task definition),
 * removing schedules no longer declared. A second run changes nothing.
 */
export async function applyProjectDeploy(request: DeployRequest, plan: ProjectDeployPlan): Promise<DeployResult> {
  const { provider, project } = request;
  assertPlanApplicable(plan.stacks);
  const options = { onEvent: request.onEvent, pollMs: request.pollMs };
  const emit = request.onEvent ?? (() => undefined);
  const step = (kind: string): StackStep | undefined => plan.stacks.steps.find((s) => s.kind === kind);
  const stacks: StackChange[] = [];
  const boundary = step('boundary');
  if (boundary) stacks.push(await applyStackStep(provider.cloudFormation, boundary, options));
  // No bucket step when deploy.bucket names a bucket that exists (isExistingNamedBucket).
  const bucket = step('bucket');
  if (bucket) stacks.push(await applyBucketStep(provider, bucket, options));
  stacks.push(await applyStackStep(provider.cloudFormation, step('resources')!, options));
  const pushed = await applyProjectSync(provider, plan.project);
  if (!isProjectSyncEmpty(plan.project)) {
    emit({ type: 'notice', level: 'info', message: `Pushed project.yml (${pushed.config}), ${plural(pushed.files.written.length, 'file')}, ${plural(pushed.secrets.written.length, 'secret')}; removed ${plural(pushed.files.deleted.length, 'stale file')}` });
  }
  const task = step('task')!;
  stacks.push(await applyStackStep(provider.cloudFormation, task, options));
  await applyKeptLogGroup(provider, JSON.parse(task.templateBody) as Template, project.deploy);
  const schedules = project.schedules.length > 0 ? await provider.schedules.create(project.schedules) : [];
  for (const orphan of plan.schedules.filter((s) => s.status === 'orphaned')) schedules.push(...(await provider.schedules.delete(orphan.target_id)));
  const changed =
    stacks.some((s) => s.action !== 'unchanged') || !isProjectSyncEmpty(plan.project) || schedules.some((s) => s.action !== 'unchanged');
  return { image: plan.image.uri, stacks, project: pushed, schedules, changed };
}

/** The bucket stack, with a bucket name that is already taken explained: by this account (another region) or another. */
export async function applyBucketStep(provider: AwsProvider, step: StackStep, options: ApplyOptions): Promise<StackChange> {
  try {
    return await applyStackStep(provider.cloudFormation, step, options);
  } catch (error) {
    throw await explainBucketCollision(provider, error);
  }
}

export interface StackPreview {
  stack: string;
  kind: string;
  action: string;
  /** Local diff of the templates: `Modify TaskDefinition: Properties.ContainerDefinitions[0].Image`. */
  resources: string[];
  /** CloudFormation's own view from a change set (created and deleted again), for updates. */
  change_set?: string[];
  reason?: string;
}

function describeResourceDiff(d: ResourceDiff): string {
  return `${d.action} ${d.logicalId} (${d.resourceType})${d.paths.length ? `: ${d.paths.join(', ')}` : ''}`;
}

function describeChange(c: ResourceChange): string {
  const replacement = c.replacement === 'True' ? ', replaced' : c.replacement === 'Conditional' ? ', may be replaced' : '';
  return `${c.action} ${c.logicalId} (${c.resourceType}${replacement})${c.details.length ? `: ${c.details.join(', ')}` : ''}`;
}

/** A readable preview of stack steps; updates get a change set that is created, read and deleted (nothing is executed). */
export async function previewStacks(provider: AwsProvider, plan: DeployPlan): Promise<StackPreview[]> {
  const out: StackPreview[] = [];
  for (const step of plan.steps) {
    const preview: StackPreview = { stack: step.name, kind: step.kind, action: step.action, resources: step.resources.map(describeResourceDiff) };
    if (step.tagsChanged) preview.resources.push('tags change');
    if (step.action === 'blocked') preview.reason = `${step.blocked!.reason}; ${step.blocked!.fix}`;
    if (step.action === 'update') {
      const changes = await previewStackStep(provider.cloudFormation, step);
      if (changes === 'empty') preview.action = 'unchanged';
      else preview.change_set = changes.map(describeChange);
    }
    out.push(preview);
  }
  return out;
}

/** What `cloud plan` prints: every stack, the project push and the schedules, and how many things would change. */
export async function describeDeployPlan(provider: AwsProvider, plan: ProjectDeployPlan): Promise<{ image: string; stacks: StackPreview[]; project: ReturnType<typeof describeProjectSync>; schedules: { target_id: string; action: string }[]; changes: number }> {
  const stacks = await previewStacks(provider, plan.stacks);
  const schedules = plan.schedules.map((s) => ({ target_id: s.target_id, action: describeScheduleAction(s) }));
  const project = describeProjectSync(plan.project);
  const changes =
    stacks.filter((s) => s.action !== 'unchanged').length +
    (isProjectSyncEmpty(plan.project) ? 0 : 1) +
    schedules.filter((s) => s.action !== 'unchanged').length;
  return { image: plan.image.uri, stacks, project, schedules, changes };
}
