// The Fargate task definition that runs a deploy task's container image.
import type { FargateSize } from '../fargate-sizes.js';
import type { DeployNames } from '../names.js';
import { ref, type Resource, type Value } from './template.js';

export interface KeyValuePair {
  Name: string;
  Value: Value;
}

export interface ContainerDefinition {
  Name: string;
  Image: string;
  Essential: boolean;
  Memory: number;
  StopTimeout: number;
  Environment: KeyValuePair[];
  LogConfiguration: {
    LogDriver: 'awslogs';
    Options: { 'awslogs-group': Value; 'awslogs-region': Value; 'awslogs-stream-prefix': string };
  };
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
}

// Seconds between SIGTERM and SIGKILL when a task is stopped; 120 is Fargate's maximum. handoff uses the time to end
// its process groups and push artifacts (SPEC §5, signals).
export const CONTAINER_STOP_TIMEOUT_SECONDS = 120;

/**
 * One essential container per task definition. `size` must come from validateFargateSize. The container's memory
 * equals the task's, which Fargate ignores but moto (used in integration tests) requires.
 */
export function createEcsTaskDefinition(input: {
  names: DeployNames;
  size: FargateSize;
  imageUri: string;
  executionRoleArn: Value;
  taskRoleArn: Value;
  logGroupLogicalId: string;
  environment: KeyValuePair[];
}): Resource<'AWS::ECS::TaskDefinition', TaskDefinitionProps> {
  const { names, size } = input;
  const props: TaskDefinitionProps = {
    Family: names.taskDefinitionFamily,
    // CloudFormation documents Cpu and Memory as strings.
    Cpu: String(size.cpu),
    Memory: String(size.memory),
    NetworkMode: 'awsvpc',
    RequiresCompatibilities: ['FARGATE'],
    ExecutionRoleArn: input.executionRoleArn,
    TaskRoleArn: input.taskRoleArn,
    ContainerDefinitions: [
      {
        Name: names.containerName,
        Image: input.imageUri,
        Essential: true,
        Memory: size.memory,
        StopTimeout: CONTAINER_STOP_TIMEOUT_SECONDS,
        Environment: input.environment,
        LogConfiguration: {
          LogDriver: 'awslogs',
          Options: {
            'awslogs-group': ref(input.logGroupLogicalId),
            'awslogs-region': ref('AWS::Region'),
            'awslogs-stream-prefix': names.logStreamPrefix,
          },
        },
      },
    ],
  };
  if (size.storage !== undefined) props.EphemeralStorage = { SizeInGiB: size.storage };
  return { Type: 'AWS::ECS::TaskDefinition', Properties: props };
}
