// A cloud job's log as the page reads it: lines fetched through the provider's log reader, numbered from the first,
// kept (bounded) so every page that opens the job gets the same lines, and followed while the job runs.
import type { CloudJob, LogReader, RunLifecycle } from '../../providers/provider.js';
import type { JobLogChunk } from '../api-types.js';

export interface JobLogBufferOptions {
  runs: RunLifecycle;
  jobId: string;
  /** New lines (numbered from `start`), and `done` once the job ended and its log settled. */
  onLines(start: number, lines: string[], done: boolean): void;
  /** The job changed status while it was followed. */
  onJob(job: CloudJob): void;
  /** Whether anyone still looks (an open event stream of the project): following stops when nobody does. */
  isWatched(): boolean;
  onError?(error: unknown): void;
  maxLines?: number;
  maxBytes?: number;
}

const MAX_LINES = 20_000;
const MAX_BYTES = 4 * 1024 * 1024;
/** One answer holds at most this many lines; the page asks again from `end`. */
const MAX_LINES_PER_CHUNK = 5_000;
/** Following a job nobody has asked about for this long stops (it starts again at the next request). */
const UNASKED_MS = 60_000;

function isFinished(job: CloudJob): boolean {
  return job.status !== 'running' && job.status !== 'pending';
}

export class JobLogBuffer {
  private readonly reader: LogReader;
  private lines: string[] = [];
  private bytes = 0;
  private firstKept = 0;
  private end = 0;
  private done = false;
  private reading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastAsked = Date.now();
  private lastStatus: string | undefined;
  private quietSince: number | undefined;
  private closed = false;

  constructor(private readonly options: JobLogBufferOptions) {
    this.reader = options.runs.openLogs({ jobId: options.jobId });
  }

  /**
   * Reads what is new (one read at a time; a caller during a read waits for it). A read is bounded by the provider
   * (`more` says there is more already), so a huge log is taken in steps, other requests answered in between.
   */
  private readNew(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const fresh = (await this.reader.read()).map((line) => line.message);
        if (fresh.length > 0) {
          const start = this.end;
          this.push(fresh);
          this.quietSince = undefined;
          this.options.onLines(start, fresh, false);
        }
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  /**
   * Keeps the last lines within the bounds, in time linear in what is kept and added: only the tail of `fresh` that
   * can stay is stored, and the oldest lines go in one splice (a shift per line moved the whole array each time).
   */
  private push(fresh: string[]): void {
    const maxLines = this.options.maxLines ?? MAX_LINES;
    const maxBytes = this.options.maxBytes ?? MAX_BYTES;
    this.end += fresh.length;
    for (let i = Math.max(0, fresh.length - maxLines); i < fresh.length; i++) {
      this.lines.push(fresh[i]);
      this.bytes += fresh[i].length + 1;
    }
    let drop = 0;
    while (drop < this.lines.length && (this.lines.length - drop > maxLines || this.bytes > maxBytes)) {
      this.bytes -= this.lines[drop].length + 1;
      drop += 1;
    }
    if (drop > 0) this.lines.splice(0, drop);
    this.firstKept = this.end - this.lines.length;
  }

  /** Lines from number `from` on; the first request also starts following the job. */
  async read(from: number): Promise<JobLogChunk> {
    this.lastAsked = Date.now();
    if (!this.done) {
      await this.readNew();
      this.follow();
    }
    const start = Math.max(from, this.firstKept);
    const slice = this.lines.slice(start - this.firstKept, start - this.firstKept + MAX_LINES_PER_CHUNK);
    return { jobId: this.options.jobId, start, end: start + slice.length, lines: slice, firstKept: this.firstKept, done: this.done && start + slice.length >= this.end };
  }

  /**
   * Polls at the provider's pace while the job runs and someone looks; after it ends, until its log is quiet. While
   * the provider has more lines already (a long log being caught up), reads on at once without asking for the job.
   */
  private follow(): void {
    if (this.timer || this.done || this.closed) return;
    let job: CloudJob | undefined;
    const tick = async (): Promise<void> => {
      this.timer = undefined;
      if (this.closed) return;
      const watched = this.options.isWatched() || Date.now() - this.lastAsked < UNASKED_MS;
      if (!watched) return;
      let catchingUp = false;
      try {
        if (!job || !isFinished(job)) {
          job = await this.options.runs.get(this.options.jobId);
          if (job.status !== this.lastStatus) {
            if (this.lastStatus !== undefined) this.options.onJob(job);
            this.lastStatus = job.status;
          }
        }
        const before = this.end;
        await this.readNew();
        // (A read that brought nothing cannot move on: it waits for the next poll.)
        catchingUp = this.reader.more === true && this.end > before;
        if (!catchingUp && isFinished(job)) {
          this.quietSince ??= Date.now();
          if (Date.now() - this.quietSince >= this.options.runs.logSettleMs) {
            this.done = true;
            this.options.onLines(this.end, [], true);
            return;
          }
        }
      } catch (error) {
        this.options.onError?.(error);
      }
      if (!this.closed) this.timer = setTimeout(() => void tick(), catchingUp ? 0 : Math.max(this.options.runs.pollMs, 250));
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  get lastAskedAt(): number {
    return this.lastAsked;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
