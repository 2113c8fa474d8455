// `runs prune -p P`: the store's run records (`<task>/runs/`) pruned by the rules a workspace's runs are (planPrune), for every provider.
import type { Provider } from '../provider.js';
import { listStoredRunIds, readStoredRun } from './stored-runs.js';

/** What a prune of the store would remove and leave; removeStoredRuns applies it. */
export interface StoredPrunePlan {
  /** Every record under the prefix (read or not): the confirmation of --keep 0 counts them. */
  listed: number;
  removed: string[];
  keptRunning: string[];
  /** Records that cannot be read (cut short while pushed): neither counted nor removed, named by their address. */
  unreadable: { runId: string; where: string }[];
  /** Records kept by their id's start time, without being read (--older-than). */
  notRead: number;
}

/**
 * The same choice as a workspace's prune (planPrune): the newest `keep` readable records stay, and with `startedBefore`
 * only records started before it go; a record still `running` is never removed, one that cannot be read neither counts
 * nor goes. Run ids begin with their UTC start time, so with `startedBefore` a newer record is kept unread: each read is
 * one request to the cloud, and a year of a daily task's history is hundreds of them.
 */
export async function planStoredPrune(provider: Provider, keep: number, startedBefore?: number): Promise<StoredPrunePlan> {
  const ids = await listStoredRunIds(provider);
  const from = startedBefore === undefined ? undefined : new Date(startedBefore).toISOString().replace(/[-:]/g, '');
  const plan: StoredPrunePlan = { listed: ids.length, removed: [], keptRunning: [], unreadable: [], notRead: 0 };
  let kept = 0;
  // One by one, newest first: whether a record counts toward --keep decides the fate of every older one.
  for (const id of ids) {
    if (from !== undefined && kept >= keep && id >= from) {
      plan.notRead++;
      continue;
    }
    const record = await readStoredRun(provider, id);
    if (!record) plan.unreadable.push({ runId: id, where: provider.objects.describe(provider.names.s3.runRecordKey(id)) });
    else if (kept < keep) kept++;
    else (record.status === 'running' ? plan.keptRunning : plan.removed).push(id);
  }
  return plan;
}

/** Deletes these records from the store, in one batch delete (every provider's delete takes many keys). */
export async function removeStoredRuns(provider: Provider, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await provider.objects.delete(ids.map((id) => provider.names.s3.runRecordKey(id)));
}
