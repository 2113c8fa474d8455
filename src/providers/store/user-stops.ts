// A user's `cloud job stop`, recorded in the store before the stop, for the stopped run's handoff to tell the cloud's failed-runs alarm.
import type { ObjectStore, StoreNames } from '../provider.js';

/**
 * What the run's own handoff puts on its lines when `cloud job stop` recorded that a user stopped it: every cloud ends
 * a stopped container and one past its timeout alike (SIGTERM, exit code 143), and the alarms read only the logs. The
 * failed-runs alarms of every cloud leave out the lines (Azure: the runs) that carry it.
 */
export const USER_STOP_MARK = '[handoff: stopped by a user]';

/** The store a stop record is written to and read from: the provider's objects, under the task's prefix. */
export interface StopRecordStore {
  objects: ObjectStore;
  names: Pick<StoreNames, 's3'>;
}

/** Where `cloud job stop` records that a user stopped a run: under the task's prefix, which the task's identity may read and delete. */
export function createStopRequestKey(taskPrefix: string, runId: string): string {
  return `${taskPrefix}stops/${runId}.json`;
}

/**
 * Writes the record before the stop is asked for, so it is there when the run's SIGTERM comes; the record's address,
 * or why there is none (a stop whose record could not be written is counted by the alarm, as a timeout is).
 */
export async function recordUserStop(store: StopRecordStore, runId: string): Promise<string> {
  const key = createStopRequestKey(store.names.s3.taskPrefix, runId);
  try {
    await store.objects.put(key, Buffer.from(`${JSON.stringify({ stopped_by: 'handoff cloud job stop', at: new Date().toISOString() })}\n`));
    await pruneStopRecords(store);
    return store.objects.describe(key);
  } catch (error) {
    return `not recorded (${error instanceof Error ? error.message : String(error)}): the failed-runs alarm counts this run`;
  }
}

/**
 * Inside the stopped run: the line to log when a user's stop of `runId` (`what`: "Execution x", "Task y") was recorded,
 * or undefined. The record is read once: it has done its work when the mark is in the log.
 */
export async function readUserStop(store: StopRecordStore, runId: string, what: string): Promise<string | undefined> {
  const key = createStopRequestKey(store.names.s3.taskPrefix, runId);
  if (!(await store.objects.get(key))) return undefined;
  await store.objects.delete([key]).catch(() => undefined);
  return `${what} was stopped by \`handoff cloud job stop\` (${store.objects.describe(key)}), not by a timeout: the failed-runs alarm leaves it out ${USER_STOP_MARK}`;
}

/**
 * Where `cloud run --wait --timeout` records that it stopped a run for its timeout: every cloud shows that stop as a
 * user's, and `cloud job status` reads this to say timed out. Not the user-stop key, so the failed-runs alarm (which
 * counts timeouts) and the run's handoff never see it.
 */
export function createTimeoutStopKey(taskPrefix: string, runId: string): string {
  return `${taskPrefix}stops/${runId}.timeout.json`;
}

/** Writes the timeout record before the stop; one that could not be written leaves the run shown as stopped. */
export async function recordTimeoutStop(store: StopRecordStore, runId: string, timeoutSeconds?: number): Promise<void> {
  const key = createTimeoutStopKey(store.names.s3.taskPrefix, runId);
  const body = { stopped_by: 'handoff cloud run --timeout', ...(timeoutSeconds !== undefined ? { timeout_seconds: timeoutSeconds } : {}), at: new Date().toISOString() };
  await store.objects.put(key, Buffer.from(`${JSON.stringify(body)}\n`)).catch(() => undefined);
  await pruneStopRecords(store);
}

/**
 * How long a stop record is kept (days): well past the longest a cloud lists a run whose record it could be (ECS lists
 * a stopped task for about an hour, Container Apps a job's latest 100 executions, Cloud Run the last 7 days' executions
 * and a job's newest 1,000, the local scheduler 30 days of jobs). Older, `cloud job status` no longer shows the run.
 */
export const STOP_RECORD_DAYS = 30;

/**
 * Removes the stop records under the task's stops/ older than STOP_RECORD_DAYS: timeout records, which are read for as
 * long as the cloud lists the run and never removed by it, and user-stop records of runs that had ended before their
 * stop (the run removes its own when it reads it). Done as a new record is written, so stops/ never outgrows the runs
 * a cloud still lists. Best effort: a store that cannot be listed or cleaned keeps them until the next stop.
 */
export async function pruneStopRecords(store: StopRecordStore, now = Date.now()): Promise<void> {
  const cutoff = now - STOP_RECORD_DAYS * 86_400_000;
  try {
    const old = (await store.objects.list(`${store.names.s3.taskPrefix}stops/`)).filter((o) => o.lastModified !== undefined && o.lastModified.getTime() < cutoff).map((o) => o.key);
    if (old.length > 0) await store.objects.delete(old);
  } catch {
    // Kept until the next stop's pruning.
  }
}

/** Why a run `cloud run --wait --timeout` stopped is shown as timed out: in `cloud job status` and its run record. */
export const TIMEOUT_STOP_REASON = 'timed out: stopped by `handoff cloud run --wait --timeout` for running past its timeout';

/**
 * The reason to show when handoff stopped `runId` for a `cloud run --timeout`, or undefined (a store that cannot be
 * read says no). The record is kept: `cloud job status` reads it for as long as the cloud lists the run.
 */
export async function readTimeoutStop(store: StopRecordStore, runId: string): Promise<string | undefined> {
  const key = createTimeoutStopKey(store.names.s3.taskPrefix, runId);
  const found = await store.objects.get(key).catch(() => undefined);
  if (!found) return undefined;
  let seconds: unknown;
  try {
    seconds = (JSON.parse(found.body.toString('utf8')) as { timeout_seconds?: unknown }).timeout_seconds;
  } catch {
    seconds = undefined;
  }
  return typeof seconds === 'number' ? `${TIMEOUT_STOP_REASON} (${seconds} s)` : TIMEOUT_STOP_REASON;
}
