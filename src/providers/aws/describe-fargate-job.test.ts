// describeFargateJob: running and pending tasks, and why a stopped one ended (exit code, OOM, start failure, timeout, user stop).
import { describe, expect, it } from 'vitest';
import { describeFargateJob, TIMEOUT_STOP_REASON, USER_STOP_REASON } from './describe-fargate-job.js';
import type { FargateTask } from './sdk/ecs.js';

function task(overrides: Partial<FargateTask>): FargateTask {
  return {
    arn: 'arn:aws:ecs:us-east-1:123456789012:task/handoff-dev-etl/0123456789abcdef0123456789abcdef',
    id: '0123456789abcdef0123456789abcdef',
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/handoff-dev-etl-wordcount:3',
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    startedBy: 'handoff-cli',
    containers: [{ name: 'wordcount', exitCode: 0 }],
    environmentOverrides: {},
    ...overrides,
  };
}

describe('describeFargateJob', () => {
  it('reports pending and running tasks without an outcome', () => {
    expect(describeFargateJob(task({ lastStatus: 'PROVISIONING', containers: [{ name: 'wordcount' }] }), 'wordcount').status).toBe('pending');
    const running = describeFargateJob(task({ lastStatus: 'RUNNING', containers: [{ name: 'wordcount' }] }), 'wordcount');
    expect(running).toMatchObject({ status: 'running', trigger: 'cloud', details: { task_definition: 'handoff-dev-etl-wordcount:3' } });
    expect(running.exitCode).toBeUndefined();
  });

  it('classifies a stopped task by its essential container', () => {
    const cases: [Partial<FargateTask>, object][] = [
      [{ stopCode: 'EssentialContainerExited' }, { status: 'succeeded', exitCode: 0 }],
      [{ stopCode: 'EssentialContainerExited', containers: [{ name: 'sidecar', exitCode: 0 }, { name: 'wordcount', exitCode: 3 }] }, { status: 'failed', failure: 'exit_code', exitCode: 3 }],
      [
        { stopCode: 'EssentialContainerExited', containers: [{ name: 'wordcount', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }] },
        { status: 'failed', failure: 'out_of_memory', exitCode: 137 },
      ],
      [
        { stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull image manifest has been retried', containers: [{ name: 'wordcount' }] },
        { status: 'failed', failure: 'start_failure', reason: 'CannotPullContainerError: pull image manifest has been retried' },
      ],
      [{ stopCode: 'UserInitiated', stoppedReason: TIMEOUT_STOP_REASON, containers: [{ name: 'wordcount', exitCode: 143 }] }, { status: 'failed', failure: 'timeout', exitCode: 143 }],
      [{ stopCode: 'UserInitiated', stoppedReason: USER_STOP_REASON, containers: [{ name: 'wordcount', exitCode: 143 }] }, { status: 'interrupted', failure: 'stopped', exitCode: 143 }],
    ];
    for (const [overrides, expected] of cases) expect(describeFargateJob(task(overrides), 'wordcount'), JSON.stringify(overrides)).toMatchObject(expected);
  });

  it('names the starter when it was not handoff, e.g. a schedule through Step Functions', () => {
    expect(describeFargateJob(task({ startedBy: 'AWS Step Functions' }), 'wordcount').trigger).toBe('AWS Step Functions');
  });
});
