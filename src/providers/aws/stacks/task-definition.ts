// The Fargate task definition that runs a deploy task's container image, with `deploy.task_definition` merged over it.
import type { FargateSize } from '../fargate-sizes.js';
import type { DeployNames } from '../names.js';
import type { TaskDefinitionOverride } from './task-definition-override.js';
import { ref, type Resource, type Tag, type Value } from './template.js';

export interface KeyValuePair {
  Name: string;
  Value: Value;
}

export interface ContainerDefinition {
  Name: string;
  Image: string;
  Essential: boolean;
  Memory?: number;
  StopTimeout?: number;
  Environment?: KeyValuePair[];
  LogConfiguration?: {
    LogDriver: string;
    Options?: Record<string, Value>;
  };
  /** Anything else `deploy.task_definition` sets (Ulimits, MountPoints, DependsOn, Secrets, …), in CloudFormation form. */
  [key: string]: unknown;
}

export interface TaskDefinitionProps {
  Family: string;
  Cpu: string;
  Memory: string;
  NetworkMode: 'awsvpc';
  RequiresCompatibilities: ['FARGATE'];
  ExecutionRoleArn: Value;
  TaskRoleArn: Value;
  EphemeralStorage?: { SizeInGiB: number };
  ContainerDefinitions: ContainerDefinition[];
  Volumes?: Record<string, unknown>[];
  Tags: Tag[];
  [key: string]: unknown;
}

// Seconds between SIGTERM and SIGKILL when a task is stopped; 120 is Fargate's maximum. handoff uses the time to end
// its process groups and push artifacts (SPEC §5, signals).
export const CONTAINER_STOP_TIMEOUT_SECONDS = 120;

/** Log stream prefix of sidecars from `deploy.task_definition` without logging of their own: apart from the runs'. */
const SIDECAR_LOG_PREFIX = 'sidecar';

/**
 * One essential container per task definition, plus the sidecars of `override`. `size` must come from
 * validateFargateSize. The container's memory equals the task's, which Fargate ignores but moto (used in integration
 * tests) requires. The override's container of handoff's name is merged key by key into handoff's (environment by
 * variable name), so handoff's image, logging and roles stay unless the file names them explicitly.
 */
export function createEcsTaskDefinition(input: {
  names: DeployNames;
  size: FargateSize;
  imageUri: string;
  executionRoleArn: Value;
  taskRoleArn: Value;
  logGroupName: Value;
  environment: KeyValuePair[];
  override?: TaskDefinitionOverride;
  tags: Tag[];
}): Resource<'AWS::ECS::TaskDefinition', TaskDefinitionProps> {
  const { names, size, override } = input;
  const logging = (prefix: string): ContainerDefinition['LogConfiguration'] => ({
    LogDriver: 'awslogs',
    Options: { 'awslogs-group': input.logGroupName, 'awslogs-region': ref('AWS::Region'), 'awslogs-stream-prefix': prefix },
  });
  let main: ContainerDefinition = {
    Name: names.containerName,
    Image: input.imageUri,
    Essential: true,
    Memory: size.memory,
    StopTimeout: CONTAINER_STOP_TIMEOUT_SECONDS,
    Environment: input.environment,
    LogConfiguration: logging(names.logStreamPrefix),
  };
  const sidecars: ContainerDefinition[] = [];
  for (const container of override?.containers ?? []) {
    if (container.Name === names.containerName) main = mergeContainer(main, container);
    // A sidecar is not essential unless the file says so: the run's result is handoff's container's exit alone.
    else sidecars.push({ Essential: false, LogConfiguration: logging(SIDECAR_LOG_PREFIX), ...(container as Omit<ContainerDefinition, 'Essential'>) } as ContainerDefinition);
  }
  const { TaskRoleArn, ExecutionRoleArn, Tags: fileTags, ...task } = override?.task ?? {};
  const props: TaskDefinitionProps = {
    Family: names.taskDefinitionFamily,
    // CloudFormation documents Cpu and Memory as strings.
    Cpu: String(size.cpu),
    Memory: String(size.memory),
    NetworkMode: 'awsvpc',
    RequiresCompatibilities: ['FARGATE'],
    ExecutionRoleArn: (ExecutionRoleArn as Value | undefined) ?? input.executionRoleArn,
    TaskRoleArn: (TaskRoleArn as Value | undefined) ?? input.taskRoleArn,
    ContainerDefinitions: [main, ...sidecars],
    ...task,
    Tags: [...input.tags, ...((fileTags as Tag[] | undefined) ?? []).filter((t) => !input.tags.some((own) => own.Key === t.Key))],
  };
  if (size.storage !== undefined) props.EphemeralStorage = { SizeInGiB: size.storage };
  if (override && override.volumes.length > 0) props.Volumes = override.volumes;
  return { Type: 'AWS::ECS::TaskDefinition', Properties: props };
}

/** The file's keys win; Environment is merged by name, so the file adds or replaces variables without dropping HO_STAGE. */
function mergeContainer(main: ContainerDefinition, file: Record<string, unknown>): ContainerDefinition {
  const merged: ContainerDefinition = { ...main, ...file } as ContainerDefinition;
  const fileEnvironment = (file.Environment as KeyValuePair[] | undefined) ?? [];
  if (file.Environment !== undefined) {
    const names = new Set(fileEnvironment.map((e) => e.Name));
    merged.Environment = [...(main.Environment ?? []).filter((e) => !names.has(e.Name)), ...fileEnvironment];
  }
  return merged;
}
