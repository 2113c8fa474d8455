// One history out of three sources: the workspace's run records, the records cloud runs pushed to the provider's store,
// and the provider's jobs (running ones have no record yet); a job and the record it wrote become one row.
import type { CloudJob } from '../../providers/provider.js';

export type RunEntry =
  | { kind: 'workspace'; key: string; runId: string }
  | { kind: 'store'; key: string; runId: string; job?: CloudJob }
  | { kind: 'job'; key: string; job: CloudJob };

/** A run id (`20260308T070012.345Z-ab12`) or an ISO time in the same sortable form. */
export function toSortKey(isoOrId: string): string {
  return isoOrId.includes('-') && isoOrId.includes(':') ? isoOrId.replace(/[-:]/g, '') : isoOrId;
}

/** The start time a run id carries (ids are made from the start time), in milliseconds. */
export function timeOfRunId(runId: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?Z/.exec(runId);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number((ms ?? '0').padEnd(3, '0')));
}

/**
 * A record may start this long before the provider says its job started, or end after it says it stopped (the
 * clocks of two machines). Small: a run's container starts well after its job, and a wider window would join a
 * running job to the record of the run just before it.
 */
const CLOCK_SLACK_MS = 5_000;

/** A job not started yet (no start time) is the newest of all. */
function jobKey(job: CloudJob): string {
  return job.startedAt ? toSortKey(job.startedAt) : `~${job.id}`;
}

/**
 * Newest first. A job is joined to a store record by the run id the provider reports for it (local provider), else to
 * the first record that started within the job's time (AWS and the other clouds know only the job). A workspace record
 * wins over a store record of the same id (a run of this machine that pushed its record).
 */
export function mergeRunEntries(input: { workspaceIds: string[]; storeIds: string[]; jobs: CloudJob[]; now?: number }): RunEntry[] {
  const now = input.now ?? Date.now();
  const workspace = new Set(input.workspaceIds);
  const entries: RunEntry[] = input.workspaceIds.map((runId) => ({ kind: 'workspace', key: runId, runId }));
  const store = new Map<string, Extract<RunEntry, { kind: 'store' }>>();
  for (const runId of input.storeIds) if (!workspace.has(runId)) store.set(runId, { kind: 'store', key: runId, runId });
  // Oldest job first, so each takes the earliest record after its start before a later job looks.
  const jobs = [...input.jobs].sort((a, b) => jobKey(a).localeCompare(jobKey(b)));
  const unmatched: CloudJob[] = [];
  for (const job of jobs) {
    const named = job.details.run_id !== undefined ? store.get(String(job.details.run_id)) : undefined;
    if (named && !named.job) {
      named.job = job;
      continue;
    }
    if (job.details.run_id !== undefined && workspace.has(String(job.details.run_id))) continue;
    const start = job.startedAt ? Date.parse(job.startedAt) : undefined;
    const end = job.stoppedAt ? Date.parse(job.stoppedAt) : now;
    let best: Extract<RunEntry, { kind: 'store' }> | undefined;
    let bestTime = Infinity;
    // A run pushes its record when it ends: a job still going has none in the store yet.
    const ended = job.status !== 'running' && job.status !== 'pending';
    if (start !== undefined && job.details.run_id === undefined && ended) {
      for (const entry of store.values()) {
        const time = timeOfRunId(entry.runId);
        if (entry.job || time === undefined || time < start - CLOCK_SLACK_MS || time > end + CLOCK_SLACK_MS) continue;
        if (Math.abs(time - start) < bestTime) {
          best = entry;
          bestTime = Math.abs(time - start);
        }
      }
    }
    if (best) best.job = job;
    else unmatched.push(job);
  }
  entries.push(...store.values());
  for (const job of unmatched) entries.push({ kind: 'job', key: jobKey(job), job });
  return entries.sort((a, b) => b.key.localeCompare(a.key));
}
