// Tests of how a Cloud Run execution reads as a cloud job: running, succeeded, and each way of failing.
import { describe, expect, it } from 'vitest';
import { describeExecution } from './describe-execution.js';
import type { CloudRunExecution, CloudRunTask } from './sdk/cloud-run.js';

const at = (iso: string) => ({ seconds: String(Date.parse(iso) / 1000), nanos: 0 });
const SCHEDULER = 'ho-dev-etl--sched@acme-data.iam.gserviceaccount.com';

function execution(extra: Partial<CloudRunExecution>): CloudRunExecution {
  return { name: 'projects/p/locations/r/jobs/j/executions/j-abc12', creator: 'me@example.com', taskCount: 1, createTime: at('2026-01-01T00:00:00Z'), ...extra };
}
const failed = (extra: Partial<CloudRunExecution> = {}) =>
  execution({ startTime: at('2026-01-01T00:00:01Z'), completionTime: at('2026-01-01T00:01:00Z'), failedCount: 1, conditions: [{ type: 'Completed', state: 'CONDITION_FAILED', executionReason: 'NON_ZERO_EXIT_CODE', message: 'failed' }], ...extra });
const task = (result: CloudRunTask['lastAttemptResult'], started = true): CloudRunTask => ({ name: 't', ...(started ? { startTime: at('2026-01-01T00:00:02Z') } : {}), lastAttemptResult: result });

describe('describeExecution', () => {
  it('pending until it starts, running while a task runs', () => {
    expect(describeExecution(execution({}), [], SCHEDULER)).toMatchObject({ id: 'j-abc12', status: 'pending', trigger: 'cloud' });
    expect(describeExecution(execution({ startTime: at('2026-01-01T00:00:01Z'), runningCount: 1, creator: SCHEDULER }), [], SCHEDULER)).toMatchObject({ status: 'running', trigger: 'schedule' });
  });

  it('succeeded with exit code 0', () => {
    const done = execution({ startTime: at('2026-01-01T00:00:01Z'), completionTime: at('2026-01-01T00:01:00Z'), succeededCount: 1, conditions: [{ type: 'Completed', state: 'CONDITION_SUCCEEDED' }] });
    expect(describeExecution(done, [], SCHEDULER)).toMatchObject({ status: 'succeeded', exitCode: 0, stoppedAt: '2026-01-01T00:01:00.000Z' });
  });

  it('tells an exit code, a timeout, out of memory, a start failure and a stop apart', () => {
    expect(describeExecution(failed(), [task({ exitCode: 3, status: { code: 2, message: 'Container called exit(3).' } })], SCHEDULER)).toMatchObject({ status: 'failed', failure: 'exit_code', exitCode: 3 });
    expect(describeExecution(failed(), [task({ exitCode: 143, status: { code: 4, message: 'Task t timed out after 60s.' } })], SCHEDULER)).toMatchObject({ failure: 'timeout' });
    expect(describeExecution(failed(), [task({ exitCode: 137, status: { code: 2, message: 'Memory limit of 512 MiB exceeded' } })], SCHEDULER)).toMatchObject({ failure: 'out_of_memory' });
    // A task that never started is a failure, never a success.
    expect(describeExecution(failed({ conditions: [{ type: 'Completed', state: 'CONDITION_FAILED', message: "Image 'x' not found." }] }), [{ name: 't' }], SCHEDULER)).toMatchObject({ status: 'failed', failure: 'start_failure', reason: "Image 'x' not found." });
    expect(describeExecution(failed({ cancelledCount: 1, failedCount: 0, conditions: [{ type: 'Completed', state: 'CONDITION_FAILED', executionReason: 'CANCELLED' }] }), [], SCHEDULER)).toMatchObject({ status: 'interrupted', failure: 'stopped' });
  });
});
