// The gcp provider's Deployment: bucket, the group's scheduler identity, the task's identity, grants, job and monitoring, step by step.
import { UserError } from '../../errors.js';
import type { Project } from '../../project/types.js';
import { validateAlarmEmail } from '../deploy/alarm-email.js';
import { applyResourceSteps, planResourceSteps, type StepResult } from '../deploy/resource-plan.js';
import { applyResourceDeployment, describeResourceDeployment, describeStepResult, requireProject, type ResourceDeploymentPlan } from '../deploy/resource-deployment.js';
import { planProjectSync, type ProjectSyncPlan } from '../deploy/sync-project.js';
import type { DeployEvent, DeployRequest, Deployment, ManageRequest } from '../deployment.js';
import { createTaskDeletionReport, createTaskStatusReport, NOT_CREATED } from '../deploy/task-report.js';
import { checkServiceAccount, createBucketStep, createResourcesSteps, createTaskSteps, scopeTaskGrants, updatePolicy } from './deploy/gcp-steps.js';
import { checkOwnership } from './deploy/check-ownership.js';
import { describeGroupJobs, listGroupJobs } from './deploy/group-jobs.js';
import { resolveJobImage, type ResolvedImage } from './deploy/resolve-image.js';
import type { GcpProvider } from './gcp-provider.js';
import { createJobSpec, readJobSpec } from './resources/cloud-run-job.js';
import { createBucketGrants, createSecretGrants, toServiceAccountMember } from './resources/grants.js';
import { listGrants, type GrantScope, type IamPolicy } from './resources/iam-policy.js';
import { MONITORING_LABEL } from './resources/monitoring.js';
import { createScheduleSpec } from './resources/scheduler-job.js';
import { describeScheduleDeletion, findStraySchedules } from './gcp-schedules.js';
import { describeExecution } from './describe-execution.js';
import { requireStore } from '../store/require-store.js';

interface GcpDeploymentPlan extends ResourceDeploymentPlan {
  readonly request: DeployRequest;
}

/** Checks every value that Google would refuse or that cannot work, without any call: sizes, schedules, the image tag, the alarm address. */
function checkDeclared(p: GcpProvider, project: Project, version?: string): void {
  // Cloud Monitoring takes any text as an email channel's address: alerts would go nowhere, silently.
  if (project.deploy.alarm_email !== undefined) validateAlarmEmail(project.deploy.alarm_email);
  createJobSpec(p.names, project.deploy, p.names.imageUri(version ?? project.deploy.image_version ?? '0'));
  for (const schedule of project.schedules) createScheduleSpec(p.names, project.deploy, schedule);
}

async function resolveImage(p: GcpProvider, project: Project, version: string | undefined, onEvent: (e: DeployEvent) => void): Promise<ResolvedImage> {
  const image = await resolveJobImage(p, project, version);
  if (image.inRegistry === false) onEvent({ type: 'notice', level: 'warning', message: `the image ${image.uri} is not in Artifact Registry yet: push it (handoff container push) before the task runs` });
  return image;
}

function toRows(results: StepResult[]): { resource: string; what: string; kind: string; action: string }[] {
  return results.map(describeStepResult);
}

/** The Cloud Run jobs of the task's resource group, other than its own, that run as the task's identity. */
async function listTasksSharingAccount(p: GcpProvider): Promise<string[]> {
  const { names } = p;
  const jobs = await (await p.apis.cloudRun()).listJobs(names.location);
  return jobs
    .filter((job) => job.name !== names.job && job.labels?.['handoff-resource-group'] === names.labels['handoff-resource-group'] && job.template?.template?.serviceAccount === names.taskServiceAccount)
    .map((job) => String(job.name).split('/').pop()!);
}

/**
 * `cloud task create|update` writes into what `cloud bucket create` and `cloud resources create` make: the task's
 * identity is granted the bucket, and the group's scheduler identity may start the job. Checked before the first write,
 * with the command that makes the missing one (`cloud deploy` makes them in order).
 */
async function requireTaskPrerequisites(p: GcpProvider): Promise<void> {
  const { names } = p;
  await requireStore(p, { before: 'task', ownsBucket: names.ownsBucket });
  if (!(await (await p.apis.serviceAccounts()).get(names.schedulerServiceAccount))) {
    throw new UserError(`the resource group's scheduler identity ${names.schedulerServiceAccount} does not exist yet, and it is granted to start the task's job; nothing was created`, {
      fix: 'run `handoff cloud resources create` first (or `handoff cloud deploy`, which makes everything in order)',
    });
  }
}

export function createGcpDeployment(getProvider: () => GcpProvider): Deployment {
  /** `update` refuses what does not exist, so a typo never creates something new; `create` also brings it up to date. */
  async function upsert(kind: string, steps: Awaited<ReturnType<typeof planResourceSteps>>, action: 'create' | 'update', onEvent: (e: DeployEvent) => void): Promise<StepResult[]> {
    const anchor = steps.find((s) => s.step.what === (kind === 'task' ? 'Cloud Run job' : 'service account'));
    if (action === 'update' && anchor?.action === 'create') {
      throw new UserError(`there is no ${anchor.step.what} ${anchor.step.name} to update`, { fix: `create it first: handoff cloud ${kind} create` });
    }
    return applyResourceSteps(steps, onEvent);
  }

  async function deleteTask(p: GcpProvider, onEvent: (e: DeployEvent) => void): Promise<Record<string, unknown>> {
    const { names, apis } = p;
    await checkOwnership(p);
    // Schedules first: they would otherwise keep calling a job that is gone.
    const schedules = await p.schedules.delete();
    const done: StepResult[] = [];
    const remove = async (what: string, name: string, call: () => Promise<boolean>): Promise<void> => {
      onEvent({ type: 'step-start', kind: 'task', what, name, action: 'delete' });
      const action = (await call()) ? 'deleted' : 'absent';
      onEvent({ type: 'step-done', kind: 'task', what, name, action });
      done.push({ kind: 'task', what, name, action });
    };
    const monitoring = await apis.monitoring();
    for (const policy of await monitoring.findAlertPolicies(MONITORING_LABEL, names.jobId)) await remove('alert policy', policy.displayName ?? policy.name!, () => monitoring.deleteAlertPolicy(policy.name!));
    for (const channel of await monitoring.findNotificationChannels(MONITORING_LABEL, names.jobId)) await remove('notification channel', channel.displayName ?? channel.name!, () => monitoring.deleteNotificationChannel(channel.name!));
    const logging = await apis.logging();
    for (const metric of [names.failedMetric, names.timedOutMetric]) await remove('log-based metric', metric, () => logging.deleteMetric(metric));
    const run = await apis.cloudRun();
    // Read before the job goes: whether another task of the group runs as the same deploy.service_account.
    const sharedWith = names.ownsTaskServiceAccount ? [] : await listTasksSharingAccount(p);
    await remove('Cloud Run job', names.job, () => run.deleteJob(names.job));
    // The task's grants go; its secrets stay (they are the user's, as SSM parameters stay on AWS). Only what the
    // member holds is removed, so a second delete writes nothing and says `absent`.
    const member = toServiceAccountMember(names.taskServiceAccount);
    const secrets = await apis.secretManager();
    const revoke = async (read: () => Promise<IamPolicy>, write: (policy: IamPolicy) => Promise<unknown>, scope: GrantScope): Promise<boolean> => {
      if (listGrants(await read(), member).filter(scope).length === 0) return false;
      await updatePolicy(read, write, member, [], p.pollMs, scope);
      return true;
    };
    for (const secretId of [names.taskSecretId, names.resourceGroupSecretId]) {
      const name = `${secretId} → ${names.taskServiceAccount}`;
      if (secretId === names.resourceGroupSecretId && sharedWith.length > 0) {
        // The other tasks of the group running as this account read the group's secret through the same binding.
        onEvent({ type: 'notice', level: 'info', message: `${sharedWith.join(', ')} of the same resource group run${sharedWith.length === 1 ? 's' : ''} as ${names.taskServiceAccount} too: its access to ${secretId} stays` });
        onEvent({ type: 'step-done', kind: 'task', what: 'secret IAM binding', name, action: 'retained' });
        done.push({ kind: 'task', what: 'secret IAM binding', name, action: 'retained' });
        continue;
      }
      await remove('secret IAM binding', name, async () => {
        if (!(await secrets.exists(secretId))) return false;
        return revoke(() => secrets.getIamPolicy(secretId), (policy) => secrets.setIamPolicy(secretId, policy), scopeTaskGrants(names, createSecretGrants()));
      });
    }
    await remove('bucket IAM binding', `gs://${names.bucket} → ${names.taskServiceAccount}`, async () => {
      if (!(await apis.storage.readBucket(names.bucket))) return false;
      return revoke(() => apis.storage.getIamPolicy(names.bucket), (policy) => apis.storage.setIamPolicy(names.bucket, policy), scopeTaskGrants(names, createBucketGrants(names)));
    });
    if (names.ownsTaskServiceAccount) {
      const accounts = await apis.serviceAccounts();
      await remove('service account', names.taskServiceAccount, () => accounts.delete(names.taskServiceAccount));
    }
    const job = done.find((d) => d.what === 'Cloud Run job')!;
    return createTaskDeletionReport(
      { task: `${names.resourceGroup}/${names.task}`, action: job.action === 'deleted' ? 'deleted' : 'absent', schedules, resources: toRows(done) },
      { job: names.jobId },
    );
  }

  async function readTaskStatus(p: GcpProvider): Promise<Record<string, unknown>> {
    const { names } = p;
    const run = await p.apis.cloudRun();
    const job = await run.getJob(names.job);
    const task = `${names.resourceGroup}/${names.task}`;
    if (!job) return createTaskStatusReport({ task, status: NOT_CREATED }, { job: names.jobId });
    const spec = readJobSpec(job, Object.keys(names.labels));
    const [execution] = await run.listExecutions(names.job, 1);
    const latest = execution ? describeExecution(execution, [], names.schedulerServiceAccount) : undefined;
    const status = job.terminalCondition?.state === 'CONDITION_SUCCEEDED' ? 'READY' : String(job.terminalCondition?.state ?? 'UNKNOWN');
    return createTaskStatusReport({ task, status, ...(spec.image ? { image: spec.image } : {}) }, {
      job: names.jobId,
      cpu: spec.cpu,
      memory: spec.memory,
      timeout_seconds: spec.timeoutSeconds,
      max_retries: spec.maxRetries,
      service_account: spec.serviceAccount,
      executions: Number(job.executionCount ?? 0),
      ...(latest ? { latest_execution: { id: latest.id, status: latest.status } } : {}),
    });
  }

  async function manage(kind: string, action: 'create' | 'update' | 'delete' | 'status', request: ManageRequest): Promise<Record<string, unknown>> {
    const p = getProvider();
    if (kind === 'resources') {
      if (action === 'status') {
        const planned = await planResourceSteps(createResourcesSteps(p));
        return { resources: planned.map((s) => ({ resource: s.step.name, what: s.step.what, status: s.action === 'create' ? 'NOT_CREATED' : 'ACTIVE' })) };
      }
      // The scheduler identity is named by the staged resource group alone: prod + dev-etl and dev + etl, or Etl and
      // etl, would share (and delete) one.
      await checkOwnership(p, { group: true });
      if (action === 'delete') {
        // Every task of the resource group, in any region, is started by its scheduler identity: none may be left.
        const left = await listGroupJobs(await p.apis.cloudRun(), p.names);
        if (left.length > 0) {
          throw new UserError(`the resource group ${p.names.resourceGroup} still has Cloud Run jobs that its scheduler identity starts: ${describeGroupJobs(left)}; nothing was deleted`, {
            fix: `delete those tasks first: handoff cloud task delete -p <each task's project> (its deploy.region: ${[...new Set(left.map((j) => j.region))].join(', ')})`,
          });
        }
        const name = p.names.schedulerServiceAccount;
        request.onEvent({ type: 'step-start', kind, what: 'service account', name, action: 'delete' });
        const deleted = await (await p.apis.serviceAccounts()).delete(name);
        request.onEvent({ type: 'step-done', kind, what: 'service account', name, action: deleted ? 'deleted' : 'absent' });
        return { resources: [{ resource: name, what: 'service account', kind, action: deleted ? 'deleted' : 'absent' }] };
      }
      return { resources: toRows(await upsert(kind, await planResourceSteps(createResourcesSteps(p)), action, request.onEvent)) };
    }
    if (action === 'status') return readTaskStatus(p);
    if (action === 'delete') return deleteTask(p, request.onEvent);
    const project = requireProject(request);
    checkDeclared(p, project, request.imageVersion);
    const image = await resolveImage(p, project, request.imageVersion, request.onEvent);
    await checkServiceAccount(p);
    await checkOwnership(p, { task: true, group: true });
    await requireTaskPrerequisites(p);
    const results = await upsert(kind, await planResourceSteps(createTaskSteps(p, image.uri)), action, request.onEvent);
    const job = results.find((r) => r.what === 'Cloud Run job')!;
    return { job: p.names.jobId, action: job.action, image: image.uri, resources: toRows(results) };
  }

  return {
    manage,
    async plan(request) {
      const p = getProvider();
      const { project } = request;
      // Pure checks first: a size Cloud Run refuses or a cron it cannot take fails before the first call.
      checkDeclared(p, project, request.imageVersion);
      const image = await resolveImage(p, project, request.imageVersion, request.onEvent);
      await checkServiceAccount(p);
      await checkOwnership(p, { task: true, group: true });
      const steps = await planResourceSteps([createBucketStep(p), ...createResourcesSteps(p), ...createTaskSteps(p, image.uri)]);
      const bucketExists = steps[0]!.action !== 'create';
      // The task's prefix in the bucket may be another project's (a shared deploy.bucket): refused before any write.
      if (bucketExists) await p.checkStoreOwner();
      const projectPlan: ProjectSyncPlan = await planProjectSync(p, {
        projectFile: project.file,
        projectDir: project.dir,
        secrets: request.secrets,
        allowAdvancedTier: request.allowAdvancedTier,
        bucketExists,
        log: (level, message) => request.onEvent({ type: 'notice', level: level === 'warning' ? 'warning' : 'info', message }),
      });
      const schedules = await p.schedules.list(project.schedules);
      const strays = await findStraySchedules(await p.apis.scheduler(), p.names);
      if (strays.length > 0) {
        const ids = strays.map((j) => (j.name ?? '').slice((j.name ?? '').lastIndexOf('/') + 1)).join(', ');
        request.onEvent({
          type: 'notice',
          level: 'warning',
          message: `the Cloud Scheduler job${strays.length === 1 ? "" : "s"} ${ids} of an earlier deploy (whose resource group or stage differed only in case) also start${strays.length === 1 ? "s" : ""} ${p.names.jobId}, so those schedules fire twice; the deploy does not touch them. Delete them with: ${strays.map((j) => describeScheduleDeletion(j, p.names)).join('; ')} (\`handoff cloud task delete\` removes them with the task)`,
        });
      }
      const plan: GcpDeploymentPlan = { project: projectPlan, image: image.uri, steps, schedules, request };
      return plan;
    },
    async describePlan(plan) {
      return describeResourceDeployment(plan as GcpDeploymentPlan);
    },
    async apply(plan) {
      const { request } = plan as GcpDeploymentPlan;
      return applyResourceDeployment(getProvider(), plan as GcpDeploymentPlan, request.project, request.onEvent);
    },
    async export(request) {
      const p = getProvider();
      checkDeclared(p, request.project, request.imageVersion);
      const image = await resolveImage(p, request.project, request.imageVersion, (e) => {
        if (e.type === 'notice') request.onNotice(e.message);
      });
      const { exportTerraform } = await import('./export/terraform-export.js');
      return exportTerraform({ provider: p, project: request.project, image: image.uri, outDir: request.outDir });
    },
  };
}
