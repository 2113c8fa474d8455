// Turns an ECS task into a cloud job: running or finished, and for a finished one its exit code and why it stopped.
import type { CloudJob } from '../provider.js';
import type { FargateTask } from './sdk/ecs.js';
import { isoTime } from '../../iso-time.js';

/** The stop reason `cloud job stop` gives ECS, so a stop by the user reads as interrupted, not as a failure. */
export const USER_STOP_REASON = 'stopped by handoff cloud job stop';
/** The stop reason `cloud run --wait --timeout` gives ECS when the run takes too long. */
export const TIMEOUT_STOP_REASON = 'handoff: the run timed out';

const PENDING = new Set(['PROVISIONING', 'PENDING', 'ACTIVATING']);

/**
 * Classifies a task (ECS task lifecycle: PROVISIONING … RUNNING … STOPPED). A stopped task failed to start when ECS
 * says so (stopCode TaskFailedToStart, or no container ever exited), ran out of memory when its container's reason
 * says OutOfMemoryError (the kernel's SIGKILL: exit code 137), timed out when handoff stopped it for --timeout, was
 * interrupted when a user stopped it, and otherwise ended with its essential container's exit code.
 */
export function describeFargateJob(task: FargateTask, containerName: string): CloudJob {
  const container = task.containers.find((c) => c.name === containerName) ?? task.containers[0];
  const job: CloudJob = {
    id: task.id,
    status: 'unknown',
    trigger: task.startedBy === 'handoff-cli' ? 'cloud' : task.startedBy,
    ...(task.startedAt || task.createdAt ? { startedAt: isoTime((task.startedAt ?? task.createdAt)!) } : {}),
    ...(task.stoppedAt ? { stoppedAt: isoTime(task.stoppedAt) } : {}),
    details: { task_arn: task.arn, task_definition: task.taskDefinitionArn.slice(task.taskDefinitionArn.lastIndexOf('/') + 1), last_status: task.lastStatus },
  };
  if (task.lastStatus !== 'STOPPED') {
    job.status = PENDING.has(task.lastStatus) ? 'pending' : 'running';
    return job;
  }
  const exitCode = container?.exitCode;
  if (exitCode !== undefined) job.exitCode = exitCode;
  const reason = [task.stoppedReason, container?.reason].filter(Boolean).join('; ');
  if (reason) job.reason = reason;
  if (task.stoppedReason === TIMEOUT_STOP_REASON) return { ...job, status: 'failed', failure: 'timeout' };
  if (/OutOfMemory/i.test(container?.reason ?? '')) return { ...job, status: 'failed', failure: 'out_of_memory', exitCode: exitCode ?? 137 };
  if (task.stopCode === 'UserInitiated' || task.stoppedReason === USER_STOP_REASON) return { ...job, status: 'interrupted', failure: 'stopped' };
  if (task.stopCode === 'TaskFailedToStart' || (exitCode === undefined && task.stopCode !== 'EssentialContainerExited')) {
    return { ...job, status: 'failed', failure: 'start_failure' };
  }
  if (exitCode === 0) return { ...job, status: 'succeeded' };
  if (exitCode === undefined) return { ...job, status: 'unknown' };
  return { ...job, status: 'failed', failure: 'exit_code' };
}
