// Turns a Cloud Run execution into a cloud job: running or finished, and for a finished one its exit code and why it ended.
import type { CloudJob } from '../provider.js';
import type { CloudRunExecution, CloudRunTask } from './sdk/cloud-run.js';
import { isoTime } from '../../iso-time.js';

// google.rpc.Code DEADLINE_EXCEEDED: how a task that hit its timeout ends (Cloud Run, "task timeout").
const DEADLINE_EXCEEDED = 4;

function toIso(timestamp: CloudRunExecution['startTime']): string | undefined {
  if (!timestamp || timestamp.seconds === undefined || timestamp.seconds === null) return undefined;
  const ms = Number(timestamp.seconds) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6);
  return ms > 0 ? isoTime(ms) : undefined;
}

/** The execution's id as `cloud job status` shows it: the last part of its name. */
export function toExecutionId(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/**
 * Classifies an execution (Cloud Run Admin API v2: an execution ends when its completion time is set; its "Completed"
 * condition and counts say how). A run the user stopped is interrupted; one whose task never started (no attempt
 * result) failed to start, which is never a success; a task past its timeout ends with DEADLINE_EXCEEDED; one the
 * kernel killed for memory exits with 137 and says so; otherwise the task's exit code decides. A cancel that
 * `cloud run --wait --timeout` made (`timeoutStop`: the reason its record in the store gives) timed out.
 */
export function describeExecution(execution: CloudRunExecution, tasks: CloudRunTask[], schedulerAccount: string, timeoutStop?: string): CloudJob {
  const id = toExecutionId(execution.name ?? '');
  const completed = execution.conditions?.find((c) => c.type === 'Completed');
  const startedAt = toIso(execution.startTime) ?? toIso(execution.createTime);
  const stoppedAt = toIso(execution.completionTime);
  const job: CloudJob = {
    id,
    status: 'unknown',
    trigger: execution.creator && execution.creator === schedulerAccount ? 'schedule' : 'cloud',
    ...(startedAt ? { startedAt } : {}),
    ...(stoppedAt ? { stoppedAt } : {}),
    details: { execution: execution.name ?? undefined, tasks: `${execution.succeededCount ?? 0}/${execution.taskCount ?? 1} succeeded` },
  };
  if (!stoppedAt) {
    job.status = toIso(execution.startTime) && (execution.runningCount ?? 0) > 0 ? 'running' : 'pending';
    return job;
  }
  if (completed?.message) job.reason = completed.message;
  if (completed?.state === 'CONDITION_SUCCEEDED' && (execution.failedCount ?? 0) === 0 && (execution.cancelledCount ?? 0) === 0) {
    return { ...job, status: 'succeeded', exitCode: 0 };
  }
  const cancelled = (execution.cancelledCount ?? 0) > 0 || completed?.executionReason === 'CANCELLED';
  if (cancelled && timeoutStop) return { ...job, status: 'failed', failure: 'timeout', reason: timeoutStop };
  if (cancelled) return { ...job, status: 'interrupted', failure: 'stopped' };
  const task = tasks.find((t) => t.lastAttemptResult && ((t.lastAttemptResult.exitCode ?? 0) !== 0 || t.lastAttemptResult.status?.code)) ?? tasks[0];
  const attempt = task?.lastAttemptResult;
  const message = attempt?.status?.message ?? '';
  if (message && !job.reason) job.reason = message;
  if (!task || !attempt || (!toIso(task.startTime) && !attempt.exitCode)) return { ...job, status: 'failed', failure: 'start_failure' };
  const exitCode = attempt.exitCode ?? undefined;
  if (exitCode !== undefined && exitCode !== null) job.exitCode = exitCode;
  if (attempt.status?.code === DEADLINE_EXCEEDED) return { ...job, status: 'failed', failure: 'timeout' };
  if (exitCode === 137 && /memory/i.test(message)) return { ...job, status: 'failed', failure: 'out_of_memory' };
  if (exitCode !== undefined && exitCode !== null && exitCode !== 0) return { ...job, status: 'failed', failure: 'exit_code' };
  return { ...job, status: 'failed', failure: 'unknown' };
}
