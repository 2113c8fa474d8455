// Cloud Scheduler (v1 REST) in the emulator: jobs with unix-cron in a time zone, pause and resume, and a clock a test
// advances to fire them — each fire makes the job's HTTP call as its service account, with retries by its retry config.
import { Cron } from 'croner';
import { fail, paginate, readJson, route, sendJson, timestamp, type Route } from './emulator-http.js';
import type { EmulatorIam } from './emulator-iam.js';
import type { EmulatorRun } from './emulator-run.js';

type Json = Record<string, unknown>;

/** One fire of a scheduler job: when, and what the call did (the execution it started, or why it failed). */
export interface Fire {
  job: string;
  at: string;
  attempts: number;
  execution?: string;
  error?: { status: string; message: string };
}

export class EmulatorScheduler {
  readonly jobs = new Map<string, Json>();
  readonly fires: Fire[] = [];
  /** The scheduler's clock: real time until a test moves it. */
  private now = Date.now();

  constructor(
    private readonly iam: EmulatorIam,
    private readonly run: EmulatorRun,
  ) {}

  private job(name: string): Json {
    const job = this.jobs.get(name);
    if (!job) throw fail.notFound(`Job not found: ${name}.`);
    return job;
  }

  /** Cloud Scheduler's checks: a unix-cron of 5 fields, a known time zone, an HTTP target whose token account exists. */
  private validate(job: Json): void {
    const schedule = String(job.schedule ?? '');
    // Job.description: "must not contain more than 500 characters" (google/cloud/scheduler/v1/job.proto).
    if (typeof job.description === 'string' && [...job.description].length > 500) throw fail.invalidArgument('Job description must not contain more than 500 characters.');
    if (schedule.trim().split(/\s+/).length !== 5) throw fail.invalidArgument(`Schedule or time zone is invalid: "${schedule}" is not a unix-cron expression.`);
    try {
      new Cron(schedule, { timezone: String(job.timeZone || 'UTC'), paused: true });
    } catch (error) {
      throw fail.invalidArgument(`Schedule or time zone is invalid: ${(error as Error).message}`);
    }
    const target = job.httpTarget as Json | undefined;
    if (!target?.uri) throw fail.invalidArgument('Job must have an HTTP target with a URI.');
    const account = String(((target.oauthToken as Json | undefined)?.serviceAccountEmail as string | undefined) ?? '');
    if (account && !this.iam.serviceAccounts.has(account)) throw fail.invalidArgument(`Service account ${account} does not exist.`);
  }

  private nextFire(job: Json, after: number): number | undefined {
    const next = new Cron(String(job.schedule), { timezone: String(job.timeZone || 'UTC'), paused: true }).nextRun(new Date(after));
    return next?.getTime();
  }

  private describe(job: Json): Json {
    const next = job.state === 'ENABLED' ? this.nextFire(job, this.now) : undefined;
    return { ...job, ...(next ? { scheduleTime: timestamp(next) } : {}) };
  }

  routes(): Route[] {
    const jobPath = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/:]+)/.source;
    const byJob = (suffix: string): RegExp => new RegExp(`${jobPath}${suffix}$`);
    const setState = (state: string) => (req: Parameters<Route['handler']>[0], res: Parameters<Route['handler']>[1], [name]: string[]) => {
      this.iam.requireOwner(req.principal, 'pause or resume jobs');
      const job = this.job(name!);
      job.state = state;
      sendJson(res, 200, this.describe(job));
    };
    return [
      route('POST', /^\/v1\/(projects\/[^/]+\/locations\/[^/]+)\/jobs$/, (req, res, [parent]) => {
        this.iam.requireOwner(req.principal, 'create scheduler jobs');
        const body = readJson<Json>(req);
        const name = String(body.name ?? '');
        if (!name.startsWith(`${parent}/jobs/`) || !/^[A-Za-z0-9_-]{1,500}$/.test(name.slice(name.lastIndexOf('/') + 1))) throw fail.invalidArgument(`Job name "${name}" is invalid.`);
        if (this.jobs.has(name)) throw fail.alreadyExists(`Job ${name} already exists.`);
        this.validate(body);
        const job: Json = { ...body, state: 'ENABLED', userUpdateTime: timestamp(), lastFiredAt: this.now };
        this.jobs.set(name, job);
        sendJson(res, 200, this.describe(job));
      }),
      route('GET', /^\/v1\/(projects\/[^/]+\/locations\/[^/]+)\/jobs$/, (req, res, [parent]) => {
        this.iam.requireOwner(req.principal, 'list scheduler jobs');
        const jobs = [...this.jobs.values()].filter((j) => String(j.name).startsWith(`${parent}/jobs/`)).map((j) => this.describe(j));
        const { page, nextPageToken } = paginate(jobs, req.query.get('pageSize'), req.query.get('pageToken'), 500);
        sendJson(res, 200, { jobs: page, ...(nextPageToken ? { nextPageToken } : {}) });
      }),
      route('GET', byJob(''), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'read scheduler jobs');
        sendJson(res, 200, this.describe(this.job(name!)));
      }),
      route('PATCH', byJob(''), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'update scheduler jobs');
        const before = this.job(name!);
        const body = readJson<Json>(req);
        this.validate(body);
        // The state is the job's own (pause/resume), not part of an update.
        const job: Json = { ...body, name, state: before.state, userUpdateTime: timestamp(), lastFiredAt: before.lastFiredAt };
        this.jobs.set(name!, job);
        sendJson(res, 200, this.describe(job));
      }),
      route('DELETE', byJob(''), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'delete scheduler jobs');
        this.job(name!);
        this.jobs.delete(name!);
        sendJson(res, 200, {});
      }),
      route('POST', byJob(':pause'), setState('PAUSED')),
      route('POST', byJob(':resume'), setState('ENABLED')),
    ];
  }

  /**
   * Moves the clock forward by `ms` and fires every enabled job whose schedule falls in between, each fire once (a
   * missed fire is not repeated, as Cloud Scheduler does). A fire calls the job's target as its service account; a
   * refused call is retried up to the job's retry count. Returns the fires.
   */
  advance(ms: number): Fire[] {
    const from = this.now;
    this.now += ms;
    const fired: Fire[] = [];
    for (const job of this.jobs.values()) {
      if (job.state !== 'ENABLED') continue;
      const next = this.nextFire(job, Math.max(from, Number(job.lastFiredAt ?? from)));
      if (next === undefined || next > this.now) continue;
      job.lastFiredAt = next;
      fired.push(this.fire(job, next));
    }
    this.fires.push(...fired);
    return fired;
  }

  private fire(job: Json, at: number): Fire {
    const target = job.httpTarget as Json;
    const account = String((target.oauthToken as Json | undefined)?.serviceAccountEmail ?? '');
    const retries = Number((job.retryConfig as Json | undefined)?.retryCount ?? 0);
    const fire: Fire = { job: String(job.name), at: timestamp(at), attempts: 0 };
    const jobName = this.run.findJobOfUri(String(target.uri));
    const body = JSON.parse(Buffer.from(String(target.body ?? ''), 'base64').toString('utf8') || '{}') as { overrides?: Json };
    for (let attempt = 0; attempt <= retries; attempt++) {
      fire.attempts++;
      try {
        if (!jobName) throw fail.notFound(`No Cloud Run job at ${String(target.uri)}`);
        const operation = this.run.run({ kind: 'serviceAccount', email: account }, jobName, body.overrides);
        fire.execution = String((operation.metadata as Json).name);
        delete fire.error;
        job.status = {};
        break;
      } catch (error) {
        const e = error as { status?: string; message: string };
        fire.error = { status: e.status ?? 'INTERNAL', message: e.message };
        job.status = { code: e.status === 'PERMISSION_DENIED' ? 7 : 5, message: e.message };
      }
    }
    job.lastAttemptTime = timestamp(at);
    return fire;
  }
}
