// The resources of a Google Cloud deploy as steps (bucket; the group's scheduler identity; the task's identity, grants, job, monitoring).
import { UserError } from '../../../errors.js';
import type { ResourceStep } from '../../deploy/resource-plan.js';
import type { GcpProvider } from '../gcp-provider.js';
import type { GcpNames } from '../names.js';
import { createJobSpec, readJobSpec, toCloudRunJob, type JobSpec } from '../resources/cloud-run-job.js';
import { createBucketGrants, createJobGrants, createSecretGrants, toServiceAccountMember } from '../resources/grants.js';
import { ALL_GRANTS, listGrants, scopeToGrants, setGrants, type Grant, type GrantScope, type IamPolicy } from '../resources/iam-policy.js';
import { createAlertPolicySpec, createMetricSpecs, createNotificationChannelSpec, MONITORING_LABEL, type MetricSpec } from '../resources/monitoring.js';
import type { AlertPolicy } from '../sdk/cloud-monitoring.js';
import { classifyGcpError, describeGcpError, isNotFound } from '../sdk/gcp-errors.js';

/** The bucket settings handoff manages: uniform access, public access prevented, versioning, its labels. */
interface BucketDesired {
  uniformBucketLevelAccess: boolean;
  publicAccessPrevention: 'enforced' | 'inherited';
  versioning: boolean;
  labels: Record<string, string>;
}

/** How long a write that names a service account made moments ago is retried: IAM takes a while to know a new account. */
const NEW_ACCOUNT_WAIT_MS = 90_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sets an IAM policy with read-modify-write: on a concurrent change (ABORTED: the etag moved on) it reads again, and
 * while a just-created service account is still unknown to IAM ("does not exist") it waits and tries again.
 */
export async function updatePolicy(read: () => Promise<IamPolicy>, write: (policy: IamPolicy) => Promise<unknown>, member: string, grants: Grant[], pollMs: number, scope: GrantScope = ALL_GRANTS): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await write(setGrants(await read(), member, grants, scope));
      return;
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      // Only the member's own account may be waited for: "The specified bucket does not exist." or another account's
      // absence will not change by waiting.
      const account = member.startsWith('serviceAccount:') ? member.slice('serviceAccount:'.length) : undefined;
      const unknownAccount = account !== undefined && describeGcpError(cause).includes(`Service account ${account} does not exist`);
      const retry = classifyGcpError(cause) === 'ABORTED' || (unknownAccount && Date.now() - started < NEW_ACCOUNT_WAIT_MS);
      if (!retry) throw error;
      await sleep(Math.min(pollMs, 5_000));
    }
  }
}

export function createBucketStep(p: GcpProvider): ResourceStep<BucketDesired> {
  const { names } = p;
  // The bucket is the resource group's, shared by its tasks: labelled with the group only.
  const labels = names.bucketLabels;
  const desired: BucketDesired = { uniformBucketLevelAccess: true, publicAccessPrevention: 'enforced', versioning: true, labels };
  const settings = { ...desired, location: names.region };
  return {
    kind: 'bucket',
    what: 'bucket',
    name: `gs://${names.bucket}`,
    desired,
    async read() {
      const found = await p.apis.storage.readBucket(names.bucket);
      if (!found) return undefined;
      // Labels others put on the bucket are theirs; only handoff's are compared.
      const labels = Object.fromEntries(Object.entries(found.labels).filter(([k]) => k in desired.labels));
      return { uniformBucketLevelAccess: found.uniformBucketLevelAccess, publicAccessPrevention: found.publicAccessPrevention, versioning: found.versioning, labels };
    },
    create: () => p.apis.storage.createBucket(names.bucket, settings),
    async update() {
      const found = await p.apis.storage.readBucket(names.bucket);
      // A patch: others' labels stay; the task label earlier versions put on the shared bucket goes (it named one task of many).
      const staleTask: Record<string, null> = found && 'handoff-task' in found.labels ? { 'handoff-task': null } : {};
      await p.apis.storage.updateBucket(names.bucket, { ...settings, location: found?.location ?? names.region, labels: { ...labels, ...staleTask } });
    },
  };
}

function createServiceAccountStep(p: GcpProvider, kind: string, accountId: string, email: string, displayName: string, description: string): ResourceStep<{ displayName: string; description: string }> {
  return {
    kind,
    what: 'service account',
    name: email,
    desired: { displayName, description },
    async read() {
      const found = await (await p.apis.serviceAccounts()).get(email);
      return found ? { displayName: found.displayName, description: found.description } : undefined;
    },
    async create() {
      await (await p.apis.serviceAccounts()).create(accountId, displayName, description);
    },
    async update() {
      await (await p.apis.serviceAccounts()).update(email, displayName, description);
    },
  };
}

/** `cloud resources`: the resource group's scheduler identity (its schedules start their jobs as it, and nothing else). */
export function createResourcesSteps(p: GcpProvider): ResourceStep[] {
  const { names } = p;
  return [
    createServiceAccountStep(
      p,
      'resources',
      names.schedulerServiceAccountId,
      names.schedulerServiceAccount,
      `handoff ${names.resourceGroup} scheduler`,
      `Starts the Cloud Run jobs of handoff resource group ${names.resourceGroup} on their schedules`,
    ),
  ];
}

/**
 * An IAM step: the grants one member holds on one resource (within `scope`, when the member is not the task's own),
 * set by read-modify-write (everyone else's kept).
 */
function createGrantStep(
  p: GcpProvider,
  input: { what: string; name: string; member: string; grants: Grant[]; scope?: GrantScope; read: () => Promise<IamPolicy | undefined>; write: (policy: IamPolicy) => Promise<unknown>; before?: () => Promise<void> },
): ResourceStep<Grant[]> {
  const scope = input.scope ?? ALL_GRANTS;
  const apply = async (): Promise<void> => {
    await input.before?.();
    await updatePolicy(async () => (await input.read()) ?? { version: 3, bindings: [] }, input.write, input.member, input.grants, p.pollMs, scope);
  };
  return {
    kind: 'task',
    what: input.what,
    name: input.name,
    desired: listGrants({ version: 3, bindings: input.grants.map((g) => ({ ...g, members: [input.member] })) }, input.member),
    async read() {
      const policy = await input.read();
      if (!policy) return undefined;
      const grants = listGrants(policy, input.member).filter(scope);
      return grants.length > 0 ? grants : undefined;
    },
    create: apply,
    update: apply,
  };
}

function createMetricStep(p: GcpProvider, spec: MetricSpec): ResourceStep<{ description: string; filter: string }> {
  const metric = { name: spec.name, description: spec.description, filter: spec.filter, metricDescriptor: { metricKind: 'DELTA' as const, valueType: 'INT64' as const, unit: '1' } };
  return {
    kind: 'task',
    what: 'log-based metric',
    name: spec.name,
    desired: { description: spec.description, filter: spec.filter },
    async read() {
      const found = await (await p.apis.logging()).getMetric(spec.name);
      return found ? { description: found.description ?? '', filter: found.filter ?? '' } : undefined;
    },
    create: async () => (await p.apis.logging()).createMetric(metric),
    update: async () => (await p.apis.logging()).updateMetric(metric),
  };
}

/** The alert policy as compared: its conditions' metric filters, channels (sorted) and text. */
function readAlertPolicy(policy: AlertPolicy): unknown {
  return {
    displayName: policy.displayName ?? '',
    conditions: (policy.conditions ?? []).map((c) => ({ displayName: c.displayName ?? '', filter: c.conditionThreshold?.filter ?? '' })),
    notificationChannels: [...(policy.notificationChannels ?? [])].sort(),
    documentation: policy.documentation?.content ?? '',
  };
}

/** The task's monitoring: two log-based metrics, the optional email channel (deploy.alarm_email), the alert policy. */
function createMonitoringSteps(p: GcpProvider): ResourceStep[] {
  const { names, deploy } = p;
  const steps: ResourceStep[] = createMetricSpecs(names).map((m) => createMetricStep(p, m));
  const channelSpec = createNotificationChannelSpec(names, deploy);
  // The channel's name is Google's to give: known when it exists, made by the channel step before the policy needs it.
  let channelName: string | undefined;
  const findChannel = async (): Promise<string | undefined> => (channelName ??= (await (await p.apis.monitoring()).findNotificationChannels(MONITORING_LABEL, names.jobId))[0]?.name ?? undefined);
  if (channelSpec) {
    const channel = { displayName: channelSpec.displayName, type: 'email', labels: { email_address: channelSpec.email }, userLabels: channelSpec.userLabels };
    steps.push({
      kind: 'task',
      what: 'notification channel',
      name: `${channelSpec.displayName} (${channelSpec.email})`,
      desired: { displayName: channelSpec.displayName, email: channelSpec.email },
      async read() {
        const found = (await (await p.apis.monitoring()).findNotificationChannels(MONITORING_LABEL, names.jobId))[0];
        if (!found) return undefined;
        channelName = found.name ?? undefined;
        return { displayName: found.displayName ?? '', email: found.labels?.email_address ?? '' };
      },
      async create() {
        channelName = (await (await p.apis.monitoring()).createNotificationChannel(channel)).name ?? undefined;
      },
      async update() {
        await (await p.apis.monitoring()).updateNotificationChannel({ ...channel, name: await findChannel() });
      },
    });
  }
  const toPolicy = async (): Promise<AlertPolicy> => {
    const spec = createAlertPolicySpec(names, deploy, channelSpec ? await findChannel() : undefined);
    return {
      displayName: spec.displayName,
      userLabels: spec.userLabels,
      combiner: 'OR',
      enabled: { value: true },
      notificationChannels: spec.notificationChannels,
      documentation: { content: spec.documentation, mimeType: 'text/markdown' },
      conditions: spec.conditions.map((c) => ({
        displayName: c.displayName,
        conditionThreshold: {
          filter: c.filter,
          comparison: 'COMPARISON_GT',
          thresholdValue: 0,
          duration: { seconds: 0 },
          aggregations: [{ alignmentPeriod: { seconds: 60 }, perSeriesAligner: 'ALIGN_COUNT' }],
          trigger: { count: 1 },
        },
      })),
    };
  };
  // Before the channel exists its name is not known: the plan shows where alerts will go; once the channel step has
  // read or made it (it runs first), the declared policy names it.
  const placeholder = channelSpec ? `(the email channel for ${channelSpec.email})` : undefined;
  const declaredPolicy = (): unknown => {
    const spec = createAlertPolicySpec(names, deploy, channelSpec ? (channelName ?? placeholder) : undefined);
    return {
      displayName: spec.displayName,
      conditions: spec.conditions.map((c) => ({ displayName: c.displayName, filter: c.filter })),
      notificationChannels: [...spec.notificationChannels].sort(),
      documentation: spec.documentation,
    };
  };
  const alertStep: ResourceStep = {
    kind: 'task',
    what: 'alert policy',
    name: names.alertPolicyDisplayName,
    get desired() {
      return declaredPolicy();
    },
    async read() {
      const found = (await (await p.apis.monitoring()).findAlertPolicies(MONITORING_LABEL, names.jobId))[0];
      return found ? readAlertPolicy(found) : undefined;
    },
    create: async () => void (await (await p.apis.monitoring()).createAlertPolicy(await toPolicy())),
    async update() {
      const api = await p.apis.monitoring();
      const existing = (await api.findAlertPolicies(MONITORING_LABEL, names.jobId))[0];
      await api.updateAlertPolicy({ ...(await toPolicy()), name: existing?.name });
    },
  };
  steps.push(alertStep);
  if (!channelSpec) {
    // deploy.alarm_email was removed: the channel handoff made for it goes, after the policy above stops naming it.
    // The shared plan has no delete action, so this step declares "no channel" and its update deletes what is there.
    const find = async () => (await p.apis.monitoring()).findNotificationChannels(MONITORING_LABEL, names.jobId);
    steps.push({
      kind: 'task',
      what: 'notification channel',
      name: `${names.notificationChannelDisplayName} (none: deploy.alarm_email is not set)`,
      desired: { emails: [] },
      read: async () => ({ emails: (await find()).map((c) => c.labels?.email_address ?? '') }),
      create: async () => undefined,
      async update() {
        const api = await p.apis.monitoring();
        for (const channel of await find()) await api.deleteNotificationChannel(channel.name!);
      },
    });
  }
  return steps;
}

/**
 * `cloud task`: the task's identity (unless deploy.service_account names one) with exactly its grants — objects under
 * its bucket prefix and its two secrets — then the job, who may start it (the group's scheduler identity), and its
 * monitoring. Every value is checked (sizes, names) when the steps are built, before anything is read or written.
 */
export function createTaskSteps(p: GcpProvider, image: string): ResourceStep[] {
  const { names, deploy } = p;
  const jobSpec: JobSpec = createJobSpec(names, deploy, image);
  const taskMember = toServiceAccountMember(names.taskServiceAccount);
  const steps: ResourceStep[] = [];
  if (names.ownsTaskServiceAccount) {
    steps.push(
      createServiceAccountStep(p, 'task', names.taskServiceAccountId, names.taskServiceAccount, `handoff ${names.resourceGroup}/${names.task}`, `Runs the Cloud Run job ${names.jobId}: its own bucket prefix and secrets only`),
    );
  }
  const storage = p.apis.storage;
  steps.push(
    createGrantStep(p, {
      what: 'bucket IAM binding',
      name: `gs://${names.bucket} → ${names.taskServiceAccount} (objects under ${names.s3.taskPrefix})`,
      member: taskMember,
      grants: createBucketGrants(names),
      scope: scopeTaskGrants(names, createBucketGrants(names)),
      read: async () => ((await storage.readBucket(names.bucket)) ? storage.getIamPolicy(names.bucket) : undefined),
      write: (policy) => storage.setIamPolicy(names.bucket, policy),
    }),
  );
  for (const secretId of [names.taskSecretId, names.resourceGroupSecretId]) {
    steps.push(
      createGrantStep(p, {
        what: 'secret IAM binding',
        name: `${secretId} → ${names.taskServiceAccount}`,
        member: taskMember,
        grants: createSecretGrants(),
        scope: scopeTaskGrants(names, createSecretGrants()),
        read: async () => {
          const api = await p.apis.secretManager();
          return (await api.exists(secretId)) ? api.getIamPolicy(secretId) : undefined;
        },
        write: async (policy) => (await p.apis.secretManager()).setIamPolicy(secretId, policy),
        // The grant is on the secret, so it must exist (empty until secrets are pushed) for a later push to be readable.
        before: async () => {
          const api = await p.apis.secretManager();
          if (await api.ensureSecret(secretId, secretId === names.taskSecretId ? names.labels : names.resourceGroupLabels)) await api.writeVersion(secretId, '{}');
        },
      }),
    );
  }
  steps.push({
    kind: 'task',
    what: 'Cloud Run job',
    name: names.job,
    desired: jobSpec,
    async read() {
      const job = await (await p.apis.cloudRun()).getJob(names.job);
      return job ? readJobSpec(job, Object.keys(names.labels)) : undefined;
    },
    create: async () => (await p.apis.cloudRun()).createJob(names.location, names.jobId, toCloudRunJob(names, jobSpec)),
    // UpdateJob replaces the whole job: labels others put on it are sent back, and its etag makes a change made
    // meanwhile fail the write (then it is read again) instead of being overwritten.
    async update() {
      const api = await p.apis.cloudRun();
      for (let attempt = 1; ; attempt++) {
        const found = await api.getJob(names.job);
        const job = toCloudRunJob(names, jobSpec);
        try {
          await api.updateJob({ ...job, labels: { ...(found?.labels ?? {}), ...job.labels }, ...(found?.etag ? { etag: found.etag } : {}) });
          return;
        } catch (error) {
          if (attempt >= 3 || classifyGcpError((error as { cause?: unknown }).cause ?? error) !== 'ABORTED') throw error;
        }
      }
    },
  });
  steps.push(
    createGrantStep(p, {
      what: 'job IAM binding',
      name: `${names.jobId} → ${names.schedulerServiceAccount} (may start it)`,
      member: toServiceAccountMember(names.schedulerServiceAccount),
      grants: createJobGrants(),
      read: async () => {
        const api = await p.apis.cloudRun();
        try {
          return await api.getIamPolicy(names.job);
        } catch (error) {
          if (isNotFound((error as { cause?: unknown }).cause ?? error)) return undefined;
          throw error;
        }
      },
      write: async (policy) => (await p.apis.cloudRun()).setIamPolicy(names.job, policy),
    }),
  );
  steps.push(...createMonitoringSteps(p));
  return steps;
}

/**
 * Which of the task identity's grants the task's steps manage: all of them when handoff made the identity for the task;
 * for deploy.service_account, which other tasks of the group (sharing the bucket and the group's secret) and the user
 * may use too, only this task's own, so a deploy adds its grants and takes away no one else's.
 */
export function scopeTaskGrants(names: GcpNames, grants: Grant[]): GrantScope {
  return names.ownsTaskServiceAccount ? ALL_GRANTS : scopeToGrants(grants);
}

/** Refuses to deploy a job whose identity would not exist: deploy.service_account must name an existing account. */
export async function checkServiceAccount(p: GcpProvider): Promise<void> {
  if (p.names.ownsTaskServiceAccount) return;
  if (!(await (await p.apis.serviceAccounts()).get(p.names.taskServiceAccount))) {
    throw new UserError(`deploy.service_account ${p.names.taskServiceAccount} does not exist in ${p.names.project}`, {
      fix: 'create it (gcloud iam service-accounts create), or remove deploy.service_account to let handoff make one for the task',
    });
  }
}
