// A project's runs in its provider, for the team server: cloud jobs, the run records they pushed to the store, their
// logs, starting and stopping jobs, and its deployed schedules; only through the Provider interface, so every provider
// works the same. Provider calls are cached briefly and shared between requests, so many viewers cost one call.
import type { Project, Schedule } from '../../project/types.js';
import type { CloudJob, DeployTarget, Provider, ScheduleListing } from '../../providers/provider.js';
import { readStoreSecrets } from '../../providers/store/store-secrets.js';
import { parseRunRecord, type RunRecord } from '../../runs/run-record.js';
import type { CloudJobView, JobLogChunk } from '../api-types.js';
import { JobLogBuffer } from './job-log-buffer.js';

export interface CloudSideOptions {
  provider: Provider;
  target: DeployTarget;
  onJob(job: CloudJobView): void;
  onJobLog(jobId: string, start: number, lines: string[], done: boolean): void;
  /** Whether anyone looks at the project now (open event streams): jobs are watched only then. */
  isWatched(): boolean;
  onError?(error: unknown): void;
}

/** Jobs are listed at most this often however many pages ask (AWS: ListTasks + DescribeTasks). */
const JOBS_TTL_MS = 3_000;
/** The store's run records are listed at most this often. */
const STORE_TTL_MS = 10_000;
/** Secret values of the store (for masking) are read again after this long. */
const SECRETS_TTL_MS = 5 * 60_000;
const MAX_LOG_BUFFERS = 20;
/** Stored records kept whole (for the run page); summaries of all are kept by the caller. */
const MAX_RECORDS = 200;

export function toJobView(job: CloudJob): CloudJobView {
  const details: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(job.details)) if (value !== undefined) details[key] = value;
  return { ...job, details };
}

/** A value read through a provider: shared while in flight, reused while fresh, the last good one kept on failure. */
class Cached<T> {
  private value: T | undefined;
  private at = 0;
  private inFlight: Promise<T> | undefined;
  error: string | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly load: () => Promise<T>,
  ) {}

  get(fresh = false): Promise<T> {
    if (!fresh && this.value !== undefined && Date.now() - this.at < this.ttlMs) return Promise.resolve(this.value);
    this.inFlight ??= this.load()
      .then(
        (value) => {
          this.value = value;
          this.at = Date.now();
          this.error = undefined;
          return value;
        },
        (error: unknown) => {
          this.error = (error as Error).message;
          if (this.value !== undefined) return this.value;
          throw error;
        },
      )
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  invalidate(): void {
    this.at = 0;
  }
}

export class CloudSide {
  readonly provider: Provider;
  readonly target: DeployTarget;
  private readonly jobs: Cached<CloudJob[]>;
  private readonly storeIds: Cached<string[]>;
  private readonly secretValues: Cached<string[]>;
  private readonly records = new Map<string, RunRecord>();
  private readonly logs = new Map<string, JobLogBuffer>();
  private readonly jobSignatures = new Map<string, string>();
  private watchTimer: NodeJS.Timeout | undefined;
  /** The jobs were listed once: from then on, a job not seen before is news. */
  private primed = false;
  private closed = false;

  constructor(private readonly options: CloudSideOptions) {
    this.provider = options.provider;
    this.target = options.target;
    const { runs, objects, names } = options.provider;
    this.jobs = new Cached(JOBS_TTL_MS, () => runs.list());
    this.storeIds = new Cached(STORE_TTL_MS, async () =>
      (await objects.list(names.s3.runsPrefix))
        .map((o) => o.key.slice(names.s3.runsPrefix.length))
        .filter((name) => /^[\w.-]+\.json$/.test(name))
        .map((name) => name.slice(0, -'.json'.length))
        .sort()
        .reverse(),
    );
    this.secretValues = new Cached(SECRETS_TTL_MS, async () => (await readStoreSecrets(options.provider)).map((s) => s.value));
    this.watch();
  }

  /** Jobs newest first (the provider's recent ones); an error when the provider cannot be reached and nothing is cached. */
  listJobs(): Promise<CloudJob[]> {
    return this.jobs.get();
  }

  listStoreIds(): Promise<string[]> {
    return this.storeIds.get();
  }

  /** The last problem reading jobs or the store (shown beside the runs, which are still listed from what is known). */
  get problem(): string | undefined {
    return this.jobs.error ?? this.storeIds.error;
  }

  /** Values of the secrets pushed to the store, so the page masks them too; none when they cannot be read. */
  async readSecretValues(): Promise<string[]> {
    try {
      return await this.secretValues.get();
    } catch {
      return [];
    }
  }

  /** A run record from the store (cached: a finished run's record does not change); undefined when it cannot be read. */
  async readRecord(runId: string): Promise<RunRecord | undefined> {
    const record = await this.readStoredRecord(runId);
    return record === 'unreadable' ? undefined : record;
  }

  /**
   * `readRecord`, telling an object that is not a whole run record ('unreadable': cut short, not JSON, checked as a
   * workspace's records are) from one that is not there (undefined). A request that fails throws.
   */
  async readStoredRecord(runId: string): Promise<RunRecord | 'unreadable' | undefined> {
    const cached = this.records.get(runId);
    if (cached) return cached;
    const stored = await this.provider.objects.get(this.provider.names.s3.runRecordKey(runId));
    if (!stored) return undefined;
    const record = parseRunRecord(stored.body.toString('utf8'));
    if (!record) return 'unreadable';
    if (this.records.size >= MAX_RECORDS) this.records.delete(this.records.keys().next().value!);
    this.records.set(runId, record);
    return record;
  }

  /** Where a run's record is in the store, for messages (`s3://bucket/…/runs/<id>.json`, a path). */
  describeRecord(runId: string): string {
    return this.provider.objects.describe(this.provider.names.s3.runRecordKey(runId));
  }

  async getJob(jobId: string): Promise<CloudJob> {
    return this.provider.runs.get(jobId);
  }

  async startJob(project: Project): Promise<CloudJob> {
    const job = await this.provider.runs.start({ envs: {}, deploy: project.deploy });
    this.jobs.invalidate();
    return job;
  }

  async stopJob(jobId: string): Promise<CloudJob> {
    const job = await this.provider.runs.stop(jobId);
    this.jobs.invalidate();
    return job;
  }

  async readJobLog(jobId: string, from: number): Promise<JobLogChunk> {
    let buffer = this.logs.get(jobId);
    if (!buffer) {
      if (this.logs.size >= MAX_LOG_BUFFERS) {
        // The buffer nobody asked about for the longest goes.
        const oldest = [...this.logs.entries()].sort((a, b) => a[1].lastAskedAt - b[1].lastAskedAt)[0];
        oldest[1].close();
        this.logs.delete(oldest[0]);
      }
      buffer = new JobLogBuffer({
        runs: this.provider.runs,
        jobId,
        onLines: (start, lines, done) => this.options.onJobLog(jobId, start, lines, done),
        onJob: (job) => {
          this.jobs.invalidate();
          this.options.onJob(toJobView(job));
        },
        isWatched: this.options.isWatched,
        onError: this.options.onError,
      });
      this.logs.set(jobId, buffer);
    }
    return buffer.read(from);
  }

  /** The schedules as deployed: `list([])` reports every deployed one as it is (enabled or not), then compared with project.yml. */
  async listSchedules(declared: Schedule[]): Promise<{ deployed: Map<string, ScheduleListing>; compared: ScheduleListing[] }> {
    const [asDeployed, compared] = await Promise.all([this.provider.schedules.list([]), this.provider.schedules.list(declared)]);
    return { deployed: new Map(asDeployed.map((s) => [s.target_id, s])), compared };
  }

  /** Deploys one schedule as project.yml declares it, switched on or off (an idempotent upsert). */
  async setScheduleEnabled(schedule: Schedule, enabled: boolean): Promise<void> {
    await this.provider.schedules.create([{ ...schedule, enabled }]);
  }

  /** While anyone looks, jobs are listed at the provider's pace and changes are sent as events. */
  private watch(): void {
    const tick = async (): Promise<void> => {
      if (this.closed) return;
      if (this.options.isWatched()) {
        try {
          const jobs = await this.jobs.get(true);
          for (const job of jobs) {
            const signature = `${job.status}|${job.stoppedAt ?? ''}|${job.exitCode ?? ''}|${job.details.run_id ?? ''}`;
            if (this.jobSignatures.get(job.id) === signature) continue;
            const known = this.jobSignatures.has(job.id);
            this.jobSignatures.set(job.id, signature);
            // The first listing only learns what exists; later ones report what changed.
            if (!known && !this.primed) continue;
            this.options.onJob(toJobView(job));
            // A job that just ended may have pushed its record to the store.
            if (job.status !== 'running' && job.status !== 'pending') this.storeIds.invalidate();
          }
          this.primed = true;
        } catch (error) {
          this.options.onError?.(error);
        }
      }
      if (!this.closed) this.watchTimer = setTimeout(() => void tick(), Math.max(this.provider.runs.pollMs, 2000)).unref();
    };
    this.watchTimer = setTimeout(() => void tick(), 0).unref();
  }

  close(): void {
    this.closed = true;
    if (this.watchTimer) clearTimeout(this.watchTimer);
    for (const buffer of this.logs.values()) buffer.close();
    this.logs.clear();
    this.provider.close();
  }
}
