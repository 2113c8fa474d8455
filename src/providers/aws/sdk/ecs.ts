// Thin ECS wrappers for Fargate runs: RunTask, DescribeTasks, StopTask, ListTasks (every page), DescribeTaskDefinition.
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
  paginateListTasks,
  type Task,
} from '@aws-sdk/client-ecs';
import { UserError } from '../../../errors.js';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { callAws, readAwsErrorCode, toAwsError } from './aws-errors.js';

export interface EcsContainerState {
  name: string;
  lastStatus?: string;
  exitCode?: number;
  /** Why the container stopped, e.g. `OutOfMemoryError: Container killed due to memory usage`. */
  reason?: string;
}

/** The parts of an ECS task (a Fargate run) handoff reads. */
export interface FargateTask {
  arn: string;
  /** The last part of the ARN: what `cloud job stop -v id=` takes and what names the log stream. */
  id: string;
  taskDefinitionArn: string;
  lastStatus: string;
  desiredStatus: string;
  startedBy?: string;
  createdAt?: Date;
  startedAt?: Date;
  stoppedAt?: Date;
  /** `TaskFailedToStart`, `EssentialContainerExited`, `UserInitiated`, `ServiceSchedulerInitiated`, … */
  stopCode?: string;
  stoppedReason?: string;
  containers: EcsContainerState[];
  /** The environment given as container overrides, by container name. */
  environmentOverrides: Record<string, { name: string; value: string }[]>;
}

export interface EcsTaskDefinitionInfo {
  arn: string;
  family: string;
  revision: number;
  cpu?: string;
  memory?: string;
  status?: string;
  containers: { name: string; image?: string; memory?: number; environment: { name: string; value: string }[] }[];
  /** Its tags (handoff's own `handoff:*` say whose it is). */
  tags: Record<string, string>;
}

export interface RunFargateTaskInput {
  cluster: string;
  taskDefinition: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
  platformVersion?: string;
  containerName: string;
  environment: { name: string; value: string }[];
  /** Shows in the console and ListTasks(startedBy); at most 128 characters. */
  startedBy: string;
  /** A capacity provider strategy (FARGATE_SPOT); absent means the FARGATE launch type. */
  capacityProviderStrategy?: { capacityProvider: string; weight: number }[];
}

export interface EcsApi {
  runTask(input: RunFargateTaskInput): Promise<FargateTask>;
  describeTasks(cluster: string, arns: string[]): Promise<FargateTask[]>;
  stopTask(cluster: string, arn: string, reason: string): Promise<FargateTask | undefined>;
  /** Task ARNs of a family in the cluster with that desired status, across all pages. */
  listTasks(cluster: string, family: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<string[]>;
  /** The latest ACTIVE revision of a family (or the given `family:revision` / ARN); undefined when there is none. */
  describeTaskDefinition(familyOrArn: string): Promise<EcsTaskDefinitionInfo | undefined>;
  destroy(): void;
}

/** DescribeTasks takes at most 100 tasks per request (ECS API reference). */
const DESCRIBE_BATCH = 100;

function toFargateTask(task: Task): FargateTask {
  const arn = task.taskArn ?? '';
  const environmentOverrides: Record<string, { name: string; value: string }[]> = {};
  for (const o of task.overrides?.containerOverrides ?? []) {
    if (o.name) environmentOverrides[o.name] = (o.environment ?? []).map((e) => ({ name: e.name ?? '', value: e.value ?? '' }));
  }
  return {
    arn,
    id: arn.slice(arn.lastIndexOf('/') + 1),
    taskDefinitionArn: task.taskDefinitionArn ?? '',
    lastStatus: task.lastStatus ?? 'UNKNOWN',
    desiredStatus: task.desiredStatus ?? 'UNKNOWN',
    startedBy: task.startedBy || undefined,
    createdAt: task.createdAt,
    startedAt: task.startedAt,
    stoppedAt: task.stoppedAt,
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason || undefined,
    containers: (task.containers ?? []).map((c) => ({
      name: c.name ?? '',
      lastStatus: c.lastStatus,
      ...(c.exitCode !== undefined && c.exitCode !== null ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
    environmentOverrides,
  };
}

/** The RunTask request of one run: one task, its network, FARGATE or the Spot strategy, and the run's environment. */
export function createRunTaskRequest(input: RunFargateTaskInput): RunTaskCommandInput {
  return {
    cluster: input.cluster,
    taskDefinition: input.taskDefinition,
    ...(input.capacityProviderStrategy ? { capacityProviderStrategy: input.capacityProviderStrategy } : { launchType: 'FARGATE' }),
    count: 1,
    // The run carries the task definition's tags (handoff:resource-group, deploy.tags): for cost reports, and the
    // deploy role may stop only runs with that tag.
    propagateTags: 'TASK_DEFINITION',
    enableECSManagedTags: true,
    ...(input.platformVersion ? { platformVersion: input.platformVersion } : {}),
    startedBy: input.startedBy.slice(0, 128),
    networkConfiguration: { awsvpcConfiguration: { subnets: input.subnets, securityGroups: input.securityGroups, assignPublicIp: input.assignPublicIp } },
    overrides: { containerOverrides: [{ name: input.containerName, environment: input.environment }] },
  };
}

export function createEcsApi(config: AwsClientConfig): EcsApi {
  const client = new ECSClient(toClientInput(config));
  return {
    async runTask(input) {
      const out = await callAws({ action: `start a Fargate task of ${input.taskDefinition} on cluster ${input.cluster} (ecs:RunTask)` }, () =>
        client.send(new RunTaskCommand(createRunTaskRequest(input))),
      );
      const task = out.tasks?.[0];
      if (!task) {
        const failure = out.failures?.[0];
        throw new UserError(`ECS did not start the task: ${failure?.reason ?? 'no reason given'}${failure?.detail ? ` (${failure.detail})` : ''}`, {
          exitCode: 1,
          fix: 'check the subnets and security groups (deploy.subnets, deploy.security_groups) and Fargate capacity in the region, then run again',
        });
      }
      return toFargateTask(task);
    },
    async describeTasks(cluster, arns) {
      const found: FargateTask[] = [];
      for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
        const batch = arns.slice(i, i + DESCRIBE_BATCH);
        const out = await callAws({ action: `describe ${batch.length} tasks on cluster ${cluster} (ecs:DescribeTasks)` }, () =>
          client.send(new DescribeTasksCommand({ cluster, tasks: batch })),
        );
        found.push(...(out.tasks ?? []).map(toFargateTask));
      }
      return found;
    },
    async stopTask(cluster, arn, reason) {
      const out = await callAws({ action: `stop the task ${arn} (ecs:StopTask)` }, () => client.send(new StopTaskCommand({ cluster, task: arn, reason: reason.slice(0, 255) })));
      return out.task ? toFargateTask(out.task) : undefined;
    },
    async listTasks(cluster, family, desiredStatus) {
      return callAws({ action: `list the tasks of ${family} on cluster ${cluster} (ecs:ListTasks)` }, async () => {
        const arns: string[] = [];
        for await (const page of paginateListTasks({ client }, { cluster, family, desiredStatus })) arns.push(...(page.taskArns ?? []));
        return arns;
      });
    },
    async describeTaskDefinition(familyOrArn) {
      try {
        const out = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: familyOrArn, include: ['TAGS'] }));
        const td = out.taskDefinition;
        if (!td?.taskDefinitionArn) return undefined;
        return {
          arn: td.taskDefinitionArn,
          family: td.family ?? '',
          revision: td.revision ?? 0,
          cpu: td.cpu,
          memory: td.memory,
          status: td.status,
          containers: (td.containerDefinitions ?? []).map((c) => ({
            name: c.name ?? '',
            image: c.image,
            memory: c.memory,
            environment: (c.environment ?? []).map((e) => ({ name: e.name ?? '', value: e.value ?? '' })),
          })),
          tags: Object.fromEntries((out.tags ?? []).flatMap((t) => (t.key !== undefined ? [[t.key, t.value ?? '']] : []))),
        };
      } catch (error) {
        // ECS answers ClientException "Unable to describe task definition" for an unknown family.
        const code = readAwsErrorCode(error);
        if (code === 'ClientException' || code === 'InvalidParameterException' || code === 'TaskDefinitionNotFoundException') return undefined;
        throw toAwsError(error, { action: `describe the task definition ${familyOrArn} (ecs:DescribeTaskDefinition)` });
      }
    },
    destroy() {
      client.destroy();
    },
  };
}
