// Tests of how an execution reads as a cloud job: the statuses, and a failed one's class from its system events.
import { describe, expect, it } from 'vitest';
import { describeExecution, type SystemLogEvent } from './describe-execution.js';
import type { ContainerAppsExecution } from './sdk/container-apps.js';

const execution = (status: string): ContainerAppsExecution => ({ name: 'ho-dev-etl-words-abc123-x1y2z3a', status, startTime: new Date('2026-01-01T06:00:00Z'), endTime: new Date('2026-01-01T06:01:00Z'), env: {} });
const event = (reason: string, message = '', replica = 'ho-dev-etl-words-abc123-x1y2z3a-k9k9k'): SystemLogEvent => ({ replica, reason, message });
const source = { job: 'ho-dev-etl-words-abc123' };

describe('describeExecution', () => {
  it('maps running, pending, succeeded and stopped executions', () => {
    expect(describeExecution(execution('Running'), source, []).status).toBe('running');
    expect(describeExecution(execution('Processing'), source, []).status).toBe('pending');
    expect(describeExecution(execution('Succeeded'), source, [])).toMatchObject({ status: 'succeeded', exitCode: 0, trigger: 'cloud', startedAt: '2026-01-01T06:00:00.000Z' });
    expect(describeExecution(execution('Stopped'), source, [])).toMatchObject({ status: 'interrupted', failure: 'stopped' });
    expect(describeExecution(execution('Succeeded'), { job: 'j', targetId: 'nightly' }, [])).toMatchObject({ trigger: 'schedule', details: { target_id: 'nightly' } });
  });

  it('reads a failed execution\'s class from its own replicas\' events', () => {
    const failed = execution('Failed');
    expect(describeExecution(failed, source, [event('ContainerStarted'), event('ContainerTerminated', "Container 'handoff' was terminated with exit code '3'")])).toMatchObject({ status: 'failed', failure: 'exit_code', exitCode: 3 });
    expect(describeExecution(failed, source, [event('ContainerStarted'), event('ContainerTerminated', "Container 'handoff' was terminated with exit code '137'"), event('OOMKilled', 'OOMKilled: memory limit')])).toMatchObject({ failure: 'out_of_memory', exitCode: 137 });
    expect(describeExecution(failed, source, [event('ContainerStarted'), event('ContainerTerminated', "exit code '143'"), event('DeadlineExceeded', 'Job was active longer than specified deadline')])).toMatchObject({ failure: 'timeout', exitCode: 143 });
    expect(describeExecution(failed, source, [event('PullingImage'), event('ImagePullBackOff', 'Back-off pulling image "x"')])).toMatchObject({ failure: 'start_failure', reason: 'Back-off pulling image "x"' });
    // Another execution's events (a replica of a run whose name only starts the same) are not this one's.
    expect(describeExecution(failed, source, [event('ContainerTerminated', "exit code '9'", 'ho-dev-etl-words-abc123-x1y2z3ab-k9k9k')])).toMatchObject({ failure: 'unknown' });
  });

  it('says it is too early to tell when Log Analytics has no events yet, and still counts the run as failed', () => {
    expect(describeExecution(execution('Failed'), source, [])).toMatchObject({ status: 'failed', failure: 'unknown', reason: expect.stringContaining('not in Log Analytics yet') });
  });
});
