// The AWS provider's runs: Fargate tasks started with ECS RunTask, listed and stopped, and their CloudWatch logs.
import { UserError } from '../../errors.js';
import type { Deploy } from '../../project/types.js';
import { createRunEnvironment } from '../deploy/run-environment.js';
import type { CloudJob, LogLine, RunLifecycle } from '../provider.js';
import { pickJob } from '../pick-job.js';
import { readTimeoutStop, readUserStop, recordTimeoutStop, recordUserStop, type StopRecordStore } from '../store/user-stops.js';
import { assertOwner, createOwner, readContainersStage, readOwner } from './deploy/check-ownership.js';
import { describeFargateJob, TIMEOUT_STOP_REASON, USER_STOP_REASON } from './describe-fargate-job.js';
import type { DeployNames } from './names.js';
import type { CloudFormationApi } from './sdk/cloudformation.js';
import type { CloudWatchLogsApi } from './sdk/cloudwatch-logs.js';
import type { EcsApi } from './sdk/ecs.js';
import { resolveCapacity } from './stacks/capacity.js';
import { resolveRunnerSettings } from './stacks/state-machine.js';

/** ECS keeps stopped tasks visible for about an hour; a longer history is in the run records of the bucket. */
const MAX_JOBS = 20;

export interface AwsRunLifecycleInput {
  names: DeployNames;
  cloudFormation: CloudFormationApi;
  openEcs: () => Promise<EcsApi>;
  openLogs: () => Promise<CloudWatchLogsApi>;
  pollMs: number;
  /** The project's `deploy` the provider was opened with (capacity provider, platform version). */
  deploy?: Partial<Deploy>;
  /** The store a user's stop is recorded in (the provider's objects). */
  store: () => StopRecordStore;
  /** Refuses a run the store cannot feed (no bucket, no project.yml): require-store.ts. */
  checkStore: () => Promise<void>;
}

/** How long the run waits for its own task's id from the ECS task metadata endpoint. */
const METADATA_TIMEOUT_MS = 2000;

/**
 * Inside a Fargate task: the task's id, from the task metadata endpoint v4 that ECS names in the container's
 * ECS_CONTAINER_METADATA_URI_V4 (`GET ${uri}/task` answers `TaskARN`, `arn:…:task/<cluster>/<id>`); undefined outside ECS.
 */
export async function readOwnTaskId(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const uri = env.ECS_CONTAINER_METADATA_URI_V4;
  if (!uri) return undefined;
  const response = await fetch(`${uri}/task`, { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`the task metadata endpoint answered ${response.status}`);
  const arn = ((await response.json()) as { TaskARN?: unknown }).TaskARN;
  if (typeof arn !== 'string' || !arn.includes('/')) throw new Error('the task metadata endpoint named no TaskARN');
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** `arn:…:task-definition/<family>:<revision>` of exactly `family` (not `<family>2`). */
export function isOfFamily(taskDefinitionArn: string, family: string): boolean {
  const name = taskDefinitionArn.slice(taskDefinitionArn.lastIndexOf('/') + 1);
  return name.slice(0, name.lastIndexOf(':')) === family;
}

export function createAwsRunLifecycle(input: AwsRunLifecycleInput): RunLifecycle {
  const { names } = input;
  let ecs: EcsApi | undefined;
  const openEcs = async (): Promise<EcsApi> => (ecs ??= await input.openEcs());
  const notDeployed = (): UserError =>
    new UserError(`there is no task definition ${names.taskDefinitionFamily}: the task is not deployed`, { fix: 'run `handoff cloud task create` (or `handoff cloud deploy`) first' });

  /**
   * Subnets, security groups and public IP from the resources stack's outputs: the network belongs to the resource
   * group (its own VPC, its static IP's private subnets, or the subnets named in `deploy`), never to one task.
   */
  async function resolveNetwork(): Promise<{ subnets: string[]; securityGroups: string[]; assignPublicIp: 'ENABLED' | 'DISABLED' }> {
    const stack = await input.cloudFormation.describeStack(names.resourcesStack);
    const subnets = stack?.outputs.Subnets?.split(',').filter(Boolean) ?? [];
    const securityGroups = stack?.outputs.SecurityGroups?.split(',').filter(Boolean) ?? [];
    if (subnets.length === 0 || securityGroups.length === 0) {
      throw new UserError(`the resources stack ${names.resourcesStack} is not deployed, so there is no network to run the task in`, {
        fix: 'run `handoff cloud resources create` (or `handoff cloud deploy`) first',
      });
    }
    return { subnets, securityGroups, assignPublicIp: stack?.outputs.AssignPublicIp === 'DISABLED' ? 'DISABLED' : 'ENABLED' };
  }

  async function listJobs(): Promise<CloudJob[]> {
    const api = await openEcs();
    const arns = [
      ...(await api.listTasks(names.cluster, names.taskDefinitionFamily, 'RUNNING').catch(ignoreMissingCluster)),
      ...(await api.listTasks(names.cluster, names.taskDefinitionFamily, 'STOPPED').catch(ignoreMissingCluster)),
    ];
    const tasks = arns.length > 0 ? await api.describeTasks(names.cluster, [...new Set(arns)]) : [];
    const time = (t: (typeof tasks)[number]): number => (t.createdAt ?? t.startedAt)?.getTime() ?? 0;
    return tasks
      .sort((a, b) => time(b) - time(a))
      .slice(0, MAX_JOBS)
      .map((t) => describeFargateJob(t, names.containerName));
  }

  function ignoreMissingCluster(error: unknown): string[] {
    // ListTasks on a cluster that does not exist: nothing has run yet.
    if (/ClusterNotFound/i.test(String((error as Error)?.message ?? '')) || /ClusterNotFound/.test(String((error as { cause?: { name?: string } })?.cause?.name))) return [];
    throw error;
  }

  async function getJob(id: string): Promise<CloudJob> {
    const api = await openEcs();
    // A whole task id (or ARN) is looked up directly, so jobs older than the listing stay reachable while ECS keeps them.
    if (/^[0-9a-f-]{32,36}$/.test(id) || id.startsWith('arn:')) {
      const [task] = await api.describeTasks(names.cluster, [id]);
      // The cluster is the resource group's (or deploy.cluster, perhaps shared): only a run of this task's family is its.
      if (task && isOfFamily(task.taskDefinitionArn, names.taskDefinitionFamily)) return describeFargateJob(task, names.containerName);
    }
    return pickJob(await listJobs(), id, {
      task: `${names.resourceGroup}/${names.task}`,
      where: `on cluster ${names.cluster}`,
      unknownFix: 'see the ids with `handoff cloud job status` (ECS keeps stopped tasks for about an hour)',
    });
  }

  return {
    logSettleMs: Math.max(input.pollMs, 1000),
    pollMs: input.pollMs,
    async checkDeployed() {
      if (!(await (await openEcs()).describeTaskDefinition(names.taskDefinitionFamily))) throw notDeployed();
    },
    async start(request) {
      const environment = createRunEnvironment(names.stage, request.envs);
      const deploy = request.deploy ?? input.deploy ?? {};
      const capacity = resolveCapacity(deploy);
      const api = await openEcs();
      // The latest ACTIVE revision: what the last `cloud task create|update` registered.
      const definition = await api.describeTaskDefinition(names.taskDefinitionFamily);
      if (!definition) throw notDeployed();
      // Names meet across resource group and task (etl + daily-sync, etl-daily + sync): never start another's task.
      // The stage is compared by HO_STAGE, which every task definition handoff registers carries, even without tags
      // (stage prod + `dev-etl` has the family of stage dev + `etl`).
      const stage = readContainersStage(definition.containers);
      const owner = readOwner(definition.tags, stage) ?? (stage !== undefined ? { resourceGroup: names.resourceGroup, task: names.task, stage } : undefined);
      assertOwner(`the task definition ${names.taskDefinitionFamily}`, createOwner(names, 'task'), owner);
      // The container fetches the project from the store first: without it, the job could only fail in Fargate.
      await input.checkStore();
      const network = await resolveNetwork();
      const task = await api.runTask({
        cluster: names.cluster,
        taskDefinition: definition.arn,
        subnets: network.subnets,
        securityGroups: network.securityGroups,
        assignPublicIp: network.assignPublicIp,
        platformVersion: resolveRunnerSettings(deploy).platformVersion,
        ...(capacity.kind === 'strategy' ? { capacityProviderStrategy: capacity.strategy } : {}),
        containerName: names.containerName,
        environment,
        startedBy: 'handoff-cli',
      });
      const job = describeFargateJob(task, names.containerName);
      job.details.log_stream = `${names.logStreamPrefix}/${names.containerName}/${task.id}`;
      return job;
    },
    list: listJobs,
    get: getJob,
    async stop(id, why = 'user') {
      const job = await getJob(id);
      if (job.status !== 'running' && job.status !== 'pending') return job;
      // ECS ends a stopped task as `cloud run --timeout` ends one (SIGTERM, exit code 143): the record, written before the
      // stop, is how the run's handoff marks its lines for the failed-runs alarm; the stop's reason is what the task-stop
      // rule tells a user's stop by. A timeout's stop is recorded apart (no alarm reads it), so it is still counted.
      const recorded = why === 'user' ? await recordUserStop(input.store(), job.id) : undefined;
      // ECS keeps the stop's reason for `cloud job status`; the record is for the run's own record (runs list|show).
      if (why === 'timeout') await recordTimeoutStop(input.store(), job.id);
      await (await openEcs()).stopTask(names.cluster, String(job.details.task_arn), why === 'timeout' ? TIMEOUT_STOP_REASON : USER_STOP_REASON);
      const stopped = await getJob(job.id);
      return recorded !== undefined ? { ...stopped, details: { ...stopped.details, stop_request: recorded } } : stopped;
    },
    async readStopRequest() {
      const task = await readOwnTaskId();
      return task ? readUserStop(input.store(), task, `ECS task ${task}`) : undefined;
    },
    async readTimeoutStop() {
      const task = await readOwnTaskId();
      return task ? readTimeoutStop(input.store(), task) : undefined;
    },
    openLogs(query) {
      // awslogs names each run's stream `<prefix>/<container>/<ECS task id>`.
      const streamPrefix = `${names.logStreamPrefix}/${names.containerName}/${query.jobId ?? ''}`;
      const seen = new Set<string>();
      let from = query.startTime;
      let logs: CloudWatchLogsApi | undefined;
      let more = false;
      return {
        get more() {
          return more;
        },
        async read() {
          logs ??= await input.openLogs();
          const found = await logs.filterLogEvents({ logGroup: names.logGroup, streamPrefix, startTime: from, endTime: query.endTime, filterPattern: query.filterPattern });
          const events = found.events;
          more = found.more;
          const lines: LogLine[] = [];
          for (const e of events) {
            // Checked here as well as by the API, so a reader never mixes in another run's stream.
            if (seen.has(e.id) || !e.stream.startsWith(streamPrefix)) continue;
            seen.add(e.id);
            lines.push({ time: e.timestamp, jobId: e.stream.slice(e.stream.lastIndexOf('/') + 1), message: e.message.replace(/\n$/, '') });
            // The next read starts at the newest time seen; events at that same millisecond are skipped by id.
            if (from === undefined || e.timestamp > from) from = e.timestamp;
          }
          return lines;
        },
      };
    },
  };
}
