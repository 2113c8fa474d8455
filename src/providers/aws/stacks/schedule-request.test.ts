// Tests of the EventBridge Scheduler request built for a schedule.
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../project/types.js';
import { createDeployNames } from '../names.js';
import { createScheduleRequest } from './schedule-request.js';

const names = createDeployNames({ resourceGroup: 'etl', task: 'wordcount', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });
const target = {
  kind: 'state-machine' as const,
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:handoff-dev-etl-wordcount',
  roleArn: 'arn:aws:iam::123456789012:role/handoff/dev-etl/handoff-dev-etl-scheduler',
  expression: 'cron(0 3 * * ? *)',
};

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  return { target_id: '1', cron: '0 3 * * ? *', envs: [], enabled: true, overlap: 'skip', catch_up: false, path: 'schedules[0]', ...overrides };
}

describe('createScheduleRequest', () => {
  it('sends the zone\'s canonical name, as validate and schedule list read it (europe/paris is Europe/Paris)', () => {
    expect(createScheduleRequest(names, schedule({ timezone: 'europe/paris' }), target).ScheduleExpressionTimezone).toBe('Europe/Paris');
  });

  it('refuses a description over 512 characters at its key instead of cutting it', () => {
    expect(() => createScheduleRequest(names, schedule({ description: 'd'.repeat(513) }), target)).toThrow(/has 513 characters; EventBridge Scheduler allows 512/);
    try {
      createScheduleRequest(names, schedule({ description: 'd'.repeat(513) }), target);
    } catch (error) {
      expect((error as { diagnostics: { path: string }[] }).diagnostics[0]!.path).toBe('schedules[0].description');
    }
  });

  it('targets the runner in the task schedule group with HO_STAGE, __VARS, the schedule envs, their names and HANDOFF_TRIGGER=schedule (which an env cannot change)', () => {
    const request = createScheduleRequest(
      names,
      schedule({
        timezone: 'Europe/Berlin',
        description: 'nightly load',
        envs: [
          { key: '__VARS', value: 'start=$(date -I -d yesterday)' },
          { key: 'TARGET', value: 'warehouse' },
          { key: 'HANDOFF_TRIGGER', value: 'manual' },
        ],
      }),
      target,
    );
    expect(request).toEqual({
      Name: 'target-1',
      GroupName: 'handoff-dev-etl-wordcount',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Description: 'nightly load',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: target.stateMachineArn, RoleArn: target.roleArn, Input: expect.any(String) },
    });
    expect(JSON.parse(request.Target.Input)).toEqual({
      Environment: [
        { Name: 'HO_STAGE', Value: 'dev' },
        { Name: '__VARS', Value: 'start=$(date -I -d yesterday)' },
        { Name: 'TARGET', Value: 'warehouse' },
        // The run takes TARGET over a project.yml env of that key (src/providers/deploy/run-environment.ts).
        { Name: 'HANDOFF_ENV_OVERRIDES', Value: 'TARGET' },
        { Name: 'HANDOFF_TRIGGER', Value: 'schedule' },
      ],
    });
  });

  it('sends an empty __VARS when the schedule has none, and a disabled state for enabled: false', () => {
    const request = createScheduleRequest(names, schedule({ target_id: '7', enabled: false, name: 'weekly' }), { ...target, expression: 'rate(7 days)' });
    expect(request.Name).toBe('target-7');
    expect(request.State).toBe('DISABLED');
    expect(request.ScheduleExpression).toBe('rate(7 days)');
    expect(request.ScheduleExpressionTimezone).toBeUndefined();
    expect(request.Description).toBe('weekly');
    expect(JSON.parse(request.Target.Input)).toEqual({ Environment: [{ Name: 'HO_STAGE', Value: 'dev' }, { Name: '__VARS', Value: '' }, { Name: 'HANDOFF_TRIGGER', Value: 'schedule' }] });
  });

  it('rejects expressions that are not AWS schedule expressions and a contradicting HO_STAGE', () => {
    expect(() => createScheduleRequest(names, schedule(), { ...target, expression: '0 3 * * ? *' })).toThrow(/not an AWS schedule expression/);
    expect(() => createScheduleRequest(names, schedule({ envs: [{ key: 'HO_STAGE', value: 'prod' }] }), target)).toThrow(/HO_STAGE=prod/);
    expect(() => createScheduleRequest(names, schedule({ envs: [{ key: 'BIG', value: 'x'.repeat(9000) }] }), target)).toThrow(/8192/);
    expect(() => createScheduleRequest(names, schedule({ target_id: 'a/b' }), target)).toThrow(/schedule name/);
  });
});
