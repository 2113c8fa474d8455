// The RunTask request of `cloud run`: launch type or Spot strategy, network, tags and overrides (moto cannot run a strategy).
import { describe, expect, it } from 'vitest';
import { resolveCapacity } from '../stacks/capacity.js';
import { createRunTaskRequest, type RunFargateTaskInput } from './ecs.js';

const base: RunFargateTaskInput = {
  cluster: 'handoff-dev-etl',
  taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/handoff-dev-etl-words:3',
  subnets: ['subnet-1', 'subnet-2'],
  securityGroups: ['sg-1'],
  assignPublicIp: 'DISABLED',
  platformVersion: 'LATEST',
  containerName: 'words',
  environment: [{ name: 'HO_STAGE', value: 'dev' }],
  startedBy: 'handoff-cli',
};

describe('createRunTaskRequest', () => {
  it('runs one task on FARGATE with the network, the environment and the task definition\'s tags', () => {
    expect(createRunTaskRequest(base)).toEqual({
      cluster: 'handoff-dev-etl',
      taskDefinition: base.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      propagateTags: 'TASK_DEFINITION',
      enableECSManagedTags: true,
      platformVersion: 'LATEST',
      startedBy: 'handoff-cli',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
      overrides: { containerOverrides: [{ name: 'words', environment: [{ name: 'HO_STAGE', value: 'dev' }] }] },
    });
  });

  it('uses the Spot strategy of deploy.capacity_provider instead of a launch type (the two are exclusive)', () => {
    const capacity = resolveCapacity({ capacity_provider: 'FARGATE_SPOT', capacity_provider_weights: { FARGATE_SPOT: 4, FARGATE: 1 } });
    expect(capacity.kind).toBe('strategy');
    const request = createRunTaskRequest({ ...base, capacityProviderStrategy: capacity.kind === 'strategy' ? capacity.strategy : undefined });
    expect(request.capacityProviderStrategy).toEqual([
      { capacityProvider: 'FARGATE_SPOT', weight: 4 },
      { capacityProvider: 'FARGATE', weight: 1 },
    ]);
    expect(request.launchType).toBeUndefined();
  });

  it('refuses weights that cannot work, at their key', () => {
    expect(() => resolveCapacity({ capacity_provider_weights: { FARGATE: 1 } })).toThrow(/capacity_provider is not FARGATE_SPOT/);
    expect(() => resolveCapacity({ capacity_provider: 'FARGATE_SPOT', capacity_provider_weights: { FARGATE_SPOT: 0, FARGATE: 0 } })).toThrow(/no capacity provider a weight above 0/);
    expect(resolveCapacity({ capacity_provider: 'FARGATE' })).toEqual({ kind: 'launch-type' });
  });
});
