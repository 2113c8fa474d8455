// compareSchedule: a deployed schedule equals its declaration despite Scheduler's defaults, and each real difference is named.
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../project/types.js';
import { compareSchedule } from './aws-schedules.js';
import { createDeployNames } from './names.js';
import type { DeployedSchedule } from './sdk/scheduler.js';
import { createScheduleRequest } from './stacks/schedule-request.js';

const names = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });
const target = { kind: 'state-machine' as const, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:handoff-dev-etl-wordcount', roleArn: 'arn:aws:iam::123456789012:role/handoff/dev-etl/handoff-dev-etl-scheduler' };
const schedule: Schedule = { target_id: '1', cron: '0 6 * * ? *', envs: [{ key: '__VARS', value: 'start=$(date -I)' }], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]' };

/** What GetSchedule answers for a schedule created from `request`: Scheduler adds UTC and re-serializes nothing else. */
function asDeployed(request: ReturnType<typeof createScheduleRequest>): DeployedSchedule {
  return {
    Name: request.Name,
    GroupName: request.GroupName,
    ScheduleExpression: request.ScheduleExpression,
    ScheduleExpressionTimezone: request.ScheduleExpressionTimezone ?? 'UTC',
    State: request.State,
    Target: { Arn: request.Target.Arn, RoleArn: request.Target.RoleArn, Input: request.Target.Input },
  };
}

describe('compareSchedule', () => {
  const request = createScheduleRequest(names, schedule, { ...target, expression: 'cron(0 6 * * ? *)' });

  it('finds no difference for a schedule deployed as declared (UTC default, input as equal JSON)', () => {
    const deployed = asDeployed(request);
    deployed.Target.Input = JSON.stringify(JSON.parse(request.Target.Input), null, 2);
    expect(compareSchedule(request, deployed)).toEqual([]);
  });

  it('names every field that differs', () => {
    const deployed = asDeployed(request);
    deployed.ScheduleExpression = 'cron(0 7 * * ? *)';
    deployed.ScheduleExpressionTimezone = 'Europe/Paris';
    deployed.State = 'DISABLED';
    deployed.Target.Input = JSON.stringify({ Environment: [{ Name: 'HO_STAGE', Value: 'dev' }] });
    deployed.Target.Arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:other';
    expect(compareSchedule(request, deployed)).toEqual(['expression', 'timezone', 'enabled', 'target', 'envs']);
  });
});
