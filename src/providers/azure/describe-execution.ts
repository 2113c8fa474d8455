// Turns a Container Apps job execution and its system log events into a cloud job: running or finished, and how it ended.
import type { CloudJob } from '../provider.js';
import type { ContainerAppsExecution } from './sdk/container-apps.js';
import { isoTime } from '../../iso-time.js';

/** One row of ContainerAppSystemLogs_CL about an execution's replicas. */
export interface SystemLogEvent {
  time?: number;
  /** `<execution>-<suffix>`. */
  replica: string;
  reason: string;
  message: string;
}

// Reasons of a container that never started (image pull, back-off): Kubernetes' as Container Apps reports them.
const START_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'ImagePullFailure', 'BackOff', 'ContainerBackOff', 'ContainerCreateFailure', 'FailedScheduling']);
// A replica stopped for running past the job's replica timeout (the Kubernetes Job's active deadline).
const TIMEOUT = 'DeadlineExceeded';
/** `Container 'handoff' was terminated with exit code '137'`. */
const EXIT_CODE = /exit code '?(-?\d+)'?/i;

/** Where the execution came from: `cloud` for the task's job, `schedule` for a schedule's job (with its target id). */
export interface ExecutionSource {
  job: string;
  targetId?: string;
}

/**
 * Classifies an execution (JobExecutionRunningState: Processing, Running, Succeeded, Failed, Stopped, Degraded,
 * Unknown). Container Apps reports no exit code on the execution, so a failed one is read from its system events:
 * a replica past its timeout timed out; a container the kernel killed for memory ran out of memory; one that ended
 * with a code failed with it; one that never started (image pull, back-off, or no container event at all) failed to
 * start, which is never a success. A stopped execution was interrupted, unless handoff stopped it for
 * `cloud run --timeout` (`timeoutStops`, from the store's records): then it timed out.
 */
export function describeExecution(execution: ContainerAppsExecution, source: ExecutionSource, events: readonly SystemLogEvent[], timeoutStops: ReadonlyMap<string, string> = new Map()): CloudJob {
  const job: CloudJob = {
    id: execution.name,
    status: 'unknown',
    trigger: source.targetId !== undefined ? 'schedule' : 'cloud',
    ...(execution.startTime ? { startedAt: isoTime(execution.startTime) } : {}),
    ...(execution.endTime ? { stoppedAt: isoTime(execution.endTime) } : {}),
    details: { container_apps_job: source.job, ...(source.targetId !== undefined ? { target_id: source.targetId } : {}), azure_status: execution.status },
  };
  const status = execution.status ?? 'Unknown';
  if (status === 'Processing') return { ...job, status: 'pending' };
  if (status === 'Running') return { ...job, status: 'running' };
  if (status === 'Succeeded') return { ...job, status: 'succeeded', exitCode: 0 };
  const timeoutStop = status === 'Stopped' ? timeoutStops.get(execution.name) : undefined;
  if (timeoutStop) return { ...job, status: 'failed', failure: 'timeout', reason: timeoutStop };
  if (status === 'Stopped') return { ...job, status: 'interrupted', failure: 'stopped' };
  if (status !== 'Failed' && status !== 'Degraded') return job;

  const own = events.filter((e) => e.replica.startsWith(`${execution.name}-`) || e.replica === execution.name);
  // Log Analytics shows events minutes after they happen in Azure: without any, it is too early to say why.
  if (own.length === 0) return { ...job, status: 'failed', failure: 'unknown', reason: 'Azure reports the execution failed; its system events are not in Log Analytics yet' };
  const last = <T,>(items: T[]): T | undefined => items[items.length - 1];
  const terminated = last(own.filter((e) => e.reason === 'ContainerTerminated' || e.reason === 'OOMKilled'));
  const exitCode = terminated ? Number(EXIT_CODE.exec(terminated.message)?.[1] ?? NaN) : NaN;
  const reasonOf = (e: SystemLogEvent | undefined): Partial<CloudJob> => (e ? { reason: e.message } : {});
  if (own.some((e) => e.reason === TIMEOUT)) return { ...job, ...reasonOf(own.find((e) => e.reason === TIMEOUT)), status: 'failed', failure: 'timeout', ...(Number.isFinite(exitCode) ? { exitCode } : {}) };
  if (terminated && (terminated.reason === 'OOMKilled' || /OOMKilled|out of memory/i.test(terminated.message))) return { ...job, ...reasonOf(terminated), status: 'failed', failure: 'out_of_memory', exitCode: Number.isFinite(exitCode) ? exitCode : 137 };
  if (terminated && Number.isFinite(exitCode)) return { ...job, ...reasonOf(terminated), status: 'failed', exitCode, failure: exitCode === 0 ? 'unknown' : 'exit_code' };
  const startFailure = last(own.filter((e) => START_FAILURES.has(e.reason)));
  if (startFailure || !own.some((e) => e.reason === 'ContainerStarted')) {
    return { ...job, ...reasonOf(startFailure), ...(startFailure ? {} : { reason: 'no container of the execution started' }), status: 'failed', failure: 'start_failure' };
  }
  return { ...job, status: 'failed', failure: 'unknown' };
}
