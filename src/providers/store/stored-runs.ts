// The run records a task's runs pushed to its store (`<task>/runs/<run_id>.json`): listed and read as `runs list|show` do a workspace's.
import { UserError } from '../../errors.js';
import type { RunRecord } from '../../runs/run-record.js';
import type { Provider } from '../provider.js';

/** How many records are fetched at once: each is one GET, and a long history should not wait for them one by one. */
const FETCH_CONCURRENCY = 8;

/** The run ids of the store's records, newest first (run ids begin with their UTC start time). */
export async function listStoredRunIds(provider: Provider): Promise<string[]> {
  const prefix = provider.names.s3.runsPrefix;
  return (await provider.objects.list(prefix))
    .map((o) => o.key.slice(prefix.length))
    .filter((name) => /^[\w.-]+\.json$/.test(name))
    .map((name) => name.slice(0, -'.json'.length))
    .sort()
    .reverse();
}

/** One stored record, or undefined when there is none or it is not a run record (a file cut short). */
export async function readStoredRun(provider: Provider, runId: string): Promise<RunRecord | undefined> {
  const stored = await provider.objects.get(provider.names.s3.runRecordKey(runId));
  if (!stored) return undefined;
  try {
    const record = JSON.parse(stored.body.toString('utf8')) as RunRecord;
    return typeof record?.runId === 'string' && Array.isArray(record.tasks) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** The newest `limit` records (all without one); a record that cannot be read is reported and left out. */
export async function listStoredRuns(
  provider: Provider,
  limit: number | undefined,
  onUnreadable: (runId: string, where: string) => void,
  onListed?: (count: number) => void,
): Promise<RunRecord[]> {
  const ids = await listStoredRunIds(provider);
  // The listing names every record: how many a limit leaves out costs nothing to tell.
  onListed?.(ids.length);
  const wanted = limit === undefined ? ids : ids.slice(0, limit);
  const records: (RunRecord | undefined)[] = new Array(wanted.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < wanted.length) {
      const i = next++;
      records[i] = await readStoredRun(provider, wanted[i]!);
      if (!records[i]) onUnreadable(wanted[i]!, provider.objects.describe(provider.names.s3.runRecordKey(wanted[i]!)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, wanted.length) }, worker));
  return records.filter((r): r is RunRecord => r !== undefined);
}

/** `latest`, a whole id or a unique prefix of one, among the store's records. */
export async function findStoredRun(provider: Provider, idOrPrefix: string): Promise<RunRecord> {
  const where = provider.objects.describe(provider.names.s3.runsPrefix);
  const ids = await listStoredRunIds(provider);
  if (ids.length === 0) {
    throw new UserError(`no run records in ${where}`, { fix: 'runs push their record to the store with `handoff run -a` (as the cloud runs do); see local runs with -w W' });
  }
  let id: string;
  if (idOrPrefix === 'latest' || idOrPrefix === 'last') {
    id = ids[0]!;
  } else {
    const matches = ids.filter((i) => i.startsWith(idOrPrefix));
    if (matches.length === 0) throw new UserError(`no run "${idOrPrefix}" in ${where}`, { fix: 'see the ids with `handoff runs list -p P`' });
    if (matches.length > 1 && !matches.includes(idOrPrefix)) {
      throw new UserError(`"${idOrPrefix}" matches ${matches.length} runs (${matches.slice(0, 3).join(', ')}…)`, { fix: 'give more of the run id' });
    }
    id = matches.includes(idOrPrefix) ? idOrPrefix : matches[0]!;
  }
  const record = await readStoredRun(provider, id);
  if (!record) throw new UserError(`the record of run ${id} in ${where} cannot be read`, { fix: 'it may have been cut short while pushed; pick another run' });
  return record;
}
