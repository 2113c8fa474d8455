// Cloud Run Admin API v2 in the emulator: jobs (long-running operations), executions and tasks, job IAM, and executions
// that really run — the job's image with podman, or `handoff run` of the image's project — logging to Cloud Logging.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { EmulatorAuth, Principal } from './emulator-auth.js';
import { fail, paginate, readDuration, readJson, route, sendJson, timestamp, type Route } from './emulator-http.js';
import type { EmulatorIam } from './emulator-iam.js';
import type { EmulatorLogging } from './emulator-logging.js';

type Json = Record<string, unknown>;

/** What an execution runs: the image with podman, or (no container runtime) the project the image was built from. */
export interface ImageSource {
  /** The project folder whose image this is: `handoff run -p <dir>` stands in for the image's entry point. */
  projectDir: string;
}

interface Execution {
  json: Json;
  task: Json;
  operation: string;
  child?: ChildProcess;
  cancelled: boolean;
  done: Promise<void>;
}

/** Cloud Run's allowed vCPU counts and memory ranges for jobs (MiB), as it validates a job's limits. */
const SIZES: Record<string, [number, number]> = { '1': [512, 4096], '2': [512, 8192], '4': [2048, 16384], '6': [4096, 24576], '8': [4096, 32768] };
// Some of the regions Cloud Run lists (a page of 4 at a time, so a client must follow nextPageToken).
const CLOUD_RUN_REGIONS = ['asia-northeast1', 'europe-west1', 'europe-west4', 'us-central1', 'us-east1', 'southamerica-east1'];
// Cloud Run gives a stopped container this long between SIGTERM and SIGKILL.
const STOP_GRACE_MS = 10_000;

function parseMemory(text: string): number {
  const m = /^(\d+)(Mi|Gi|M|G)?$/.exec(text);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'Gi' || m[2] === 'G' ? n * 1024 : n;
}

export class EmulatorRun {
  readonly jobs = new Map<string, Json>();
  readonly executions = new Map<string, Execution>();
  readonly operations = new Map<string, Json>();
  /** Images tests "built": what an execution of each runs when podman is not used. */
  readonly images = new Map<string, ImageSource>();

  constructor(
    private readonly iam: EmulatorIam,
    private readonly auth: EmulatorAuth,
    private readonly logging: EmulatorLogging,
    private readonly settings: { url: () => string; repoRoot: string; workDir: string; containers: 'podman' | 'process' | 'auto'; pollMs: number },
  ) {}

  private job(name: string): Json {
    const job = this.jobs.get(name);
    if (!job) throw fail.notFound(`Resource '${name.slice(name.lastIndexOf('/') + 1)}' of kind 'JOB' in region '${name.split('/')[3]}' in project '${name.split('/')[1]}' does not exist.`);
    return job;
  }

  private operation(location: string, type: string, metadata: Json, done: boolean): Json {
    const name = `${location}/operations/${crypto.randomUUID()}`;
    const op: Json = { name, metadata: { '@type': `type.googleapis.com/google.cloud.run.v2.${type}`, ...metadata }, done };
    if (done) op.response = { '@type': `type.googleapis.com/google.cloud.run.v2.${type}`, ...metadata };
    this.operations.set(name, op);
    return op;
  }

  /** Cloud Run's own checks of a job: its name, sizes, timeout, retries, and that its identity exists. */
  private validate(job: Json, id: string): void {
    if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(id)) throw fail.invalidArgument(`Invalid job name "${id}": must use only lowercase alphanumeric characters and dashes, start with a letter, and be at most 63 characters.`);
    const task = ((job.template as Json | undefined)?.template ?? {}) as Json;
    const container = ((task.containers as Json[] | undefined) ?? [])[0];
    if (!container?.image) throw fail.invalidArgument('spec.template.spec.containers[0].image: Required value');
    const limits = ((container.resources as Json | undefined)?.limits ?? {}) as Record<string, string>;
    const cpu = limits.cpu ?? '1';
    const memory = parseMemory(limits.memory ?? '512Mi');
    const range = SIZES[cpu];
    if (!range) throw fail.invalidArgument(`spec.template.spec.containers[0].resources.limits.cpu: Invalid value specified for cpu: ${cpu}. Jobs support 1, 2, 4, 6 or 8 CPUs.`);
    if (!(memory >= range[0] && memory <= range[1])) {
      throw fail.invalidArgument(`spec.template.spec.containers[0].resources.limits.memory: Invalid value specified for memory. For ${cpu} CPU, memory must be between ${range[0]}Mi and ${range[1]}Mi.`);
    }
    const timeout = readDuration(task.timeout) ?? 600;
    if (timeout < 1 || timeout > 604_800) throw fail.invalidArgument('spec.template.spec.timeoutSeconds: must be at most 168 hours.');
    const retries = Number(task.maxRetries ?? 3);
    if (retries < 0 || retries > 10) throw fail.invalidArgument('spec.template.spec.maxRetries: must be between 0 and 10.');
    const account = String(task.serviceAccount ?? '');
    if (account.endsWith('.iam.gserviceaccount.com') && !this.iam.serviceAccounts.has(account)) throw fail.invalidArgument(`Service account ${account} does not exist.`);
  }

  routes(): Route[] {
    const jobPath = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/:]+)/.source;
    const byJob = (suffix: string): RegExp => new RegExp(`${jobPath}${suffix}$`);
    return [
      route('GET', /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/operations\/[^/]+)$/, (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'read operations');
        const op = this.operations.get(name!);
        if (!op) throw fail.notFound(`Operation ${name} not found.`);
        sendJson(res, 200, op);
      }),
      route('POST', /^\/v2\/(projects\/[^/]+\/locations\/[^/]+)\/jobs$/, (req, res, [location]) => {
        this.iam.requireOwner(req.principal, 'create jobs');
        const id = req.query.get('jobId') ?? '';
        const body = readJson<Json>(req);
        this.validate(body, id);
        const name = `${location}/jobs/${id}`;
        if (this.jobs.has(name)) throw fail.alreadyExists(`Resource '${id}' already exists.`);
        const now = timestamp();
        const job: Json = {
          ...body,
          name,
          uid: crypto.randomUUID(),
          generation: '1',
          observedGeneration: '1',
          createTime: now,
          updateTime: now,
          creator: req.principal!.email,
          lastModifier: req.principal!.email,
          terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: now },
          executionCount: 0,
          etag: `"${crypto.randomBytes(6).toString('hex')}"`,
        };
        this.jobs.set(name, job);
        sendJson(res, 200, this.operation(location!, 'Job', job, true));
      }),
      // google.cloud.location.Locations.ListLocations as Cloud Run serves it (Admin API v1, projects.locations.list):
      // the regions the project sees, with any region a test deployed to.
      route('GET', /^\/v1\/projects\/([^/]+)\/locations$/, (req, res, [project]) => {
        this.iam.requireOwner(req.principal, 'list locations');
        const used = [...this.jobs.keys()].filter((name) => name.startsWith(`projects/${project}/locations/`)).map((name) => name.split('/')[3]!);
        const regions = [...new Set([...CLOUD_RUN_REGIONS, ...used])].sort();
        const all = regions.map((region) => ({ name: `projects/${project}/locations/${region}`, locationId: region, displayName: region, labels: { 'cloud.googleapis.com/region': region } }));
        const { page, nextPageToken } = paginate(all, req.query.get('pageSize'), req.query.get('pageToken'), 4);
        sendJson(res, 200, { locations: page, ...(nextPageToken ? { nextPageToken } : {}) });
      }),
      route('GET', /^\/v2\/(projects\/[^/]+\/locations\/[^/]+)\/jobs$/, (req, res, [location]) => {
        this.iam.requireOwner(req.principal, 'list jobs');
        const all = [...this.jobs.values()].filter((job) => String(job.name).startsWith(`${location}/jobs/`));
        const { page, nextPageToken } = paginate(all, req.query.get('pageSize'), req.query.get('pageToken'), 100);
        sendJson(res, 200, { jobs: page, ...(nextPageToken ? { nextPageToken } : {}) });
      }),
      route('GET', byJob(''), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'read jobs');
        sendJson(res, 200, this.job(name!));
      }),
      route('PATCH', byJob(''), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'update jobs');
        const before = this.job(name!);
        const body = readJson<Json>(req);
        // UpdateJob replaces the job; an etag it names must be the current one (AIP-154: ABORTED when it moved on).
        if (body.etag !== undefined && body.etag !== '' && body.etag !== before.etag) throw fail.aborted(`The etag "${String(body.etag)}" of job ${name} is stale; read the job again.`);
        this.validate(body, name!.slice(name!.lastIndexOf('/') + 1));
        const generation = String(Number(before.generation) + 1);
        const job: Json = {
          ...body,
          name,
          uid: before.uid,
          generation,
          observedGeneration: generation,
          createTime: before.createTime,
          updateTime: timestamp(),
          creator: before.creator,
          lastModifier: req.principal!.email,
          terminalCondition: before.terminalCondition,
          executionCount: before.executionCount,
          ...(before.latestCreatedExecution ? { latestCreatedExecution: before.latestCreatedExecution } : {}),
          etag: `"${crypto.randomBytes(6).toString('hex')}"`,
        };
        this.jobs.set(name!, job);
        sendJson(res, 200, this.operation(name!.split('/jobs/')[0]!, 'Job', job, true));
      }),
      route('DELETE', byJob(''), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'delete jobs');
        const job = this.job(name!);
        for (const [key, execution] of this.executions) {
          if (!key.startsWith(`${name}/executions/`)) continue;
          this.stop(execution);
          this.executions.delete(key);
        }
        this.jobs.delete(name!);
        this.iam.deletePolicy(name!);
        sendJson(res, 200, this.operation(name!.split('/jobs/')[0]!, 'Job', job, true));
      }),
      route('POST', byJob(':run'), (req, res, [name]) => {
        const body = readJson<{ overrides?: Json }>(req);
        sendJson(res, 200, this.run(req.principal, name!, body.overrides));
      }),
      route('GET', byJob(':getIamPolicy'), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'read job policies');
        this.job(name!);
        const policy = this.iam.policy(name!);
        sendJson(res, 200, { version: policy.version, etag: Buffer.from(policy.etag).toString('base64'), bindings: policy.bindings });
      }),
      route('POST', byJob(':setIamPolicy'), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'set job policies');
        this.job(name!);
        const policy = readJson<{ policy?: { version?: number; etag?: string; bindings?: [] } }>(req).policy ?? {};
        const saved = this.iam.setPolicy(name!, { ...policy, ...(policy.etag ? { etag: Buffer.from(policy.etag, 'base64').toString('utf8') } : {}) });
        sendJson(res, 200, { version: saved.version, etag: Buffer.from(saved.etag).toString('base64'), bindings: saved.bindings });
      }),
      route('GET', byJob('/executions'), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'list executions');
        this.job(name!);
        const all = [...this.executions.entries()].filter(([key]) => key.startsWith(`${name}/executions/`)).map(([, e]) => e.json);
        all.sort((a, b) => String(b.createTime).localeCompare(String(a.createTime)));
        const { page, nextPageToken } = paginate(all, req.query.get('pageSize'), req.query.get('pageToken'), 100);
        sendJson(res, 200, { executions: page, ...(nextPageToken ? { nextPageToken } : {}) });
      }),
      route('GET', byJob('/executions/([^/:]+)'), (req, res, [name, id]) => {
        this.iam.requireOwner(req.principal, 'read executions');
        sendJson(res, 200, this.execution(`${name}/executions/${id}`).json);
      }),
      route('POST', byJob('/executions/([^/:]+):cancel'), (req, res, [name, id]) => {
        const execution = this.execution(`${name}/executions/${id}`);
        this.iam.require(req.principal, 'run.executions.cancel', name!);
        execution.cancelled = true;
        this.stop(execution);
        sendJson(res, 200, this.operation(name!.split('/jobs/')[0]!, 'Execution', execution.json, true));
      }),
      route('GET', byJob('/executions/([^/:]+)/tasks'), (req, res, [name, id]) => {
        this.iam.requireOwner(req.principal, 'list tasks');
        const { page, nextPageToken } = paginate([this.execution(`${name}/executions/${id}`).task], req.query.get('pageSize'), req.query.get('pageToken'), 100);
        sendJson(res, 200, { tasks: page, ...(nextPageToken ? { nextPageToken } : {}) });
      }),
    ];
  }

  private execution(name: string): Execution {
    const execution = this.executions.get(name);
    if (!execution) throw fail.notFound(`Execution ${name.slice(name.lastIndexOf('/') + 1)} does not exist.`);
    return execution;
  }

  /**
   * RunJob: the deployer may always; anyone else needs run.jobs.run on the job, and run.jobs.runWithOverrides when
   * the request carries overrides (a schedule's envs do). Returns the operation, whose metadata is the execution.
   */
  run(principal: Principal | undefined, name: string, overrides: Json | undefined): Json {
    const job = this.job(name);
    this.iam.require(principal, 'run.jobs.run', name);
    const overridden = overrides && Object.keys(overrides).length > 0;
    if (overridden) this.iam.require(principal, 'run.jobs.runWithOverrides', name);
    const jobId = name.slice(name.lastIndexOf('/') + 1);
    const id = `${jobId}-${crypto.randomBytes(3).toString('hex').slice(0, 5)}`;
    const executionName = `${name}/executions/${id}`;
    const now = timestamp();
    const json: Json = {
      name: executionName,
      uid: crypto.randomUUID(),
      creator: principal!.email,
      generation: '1',
      createTime: now,
      job: jobId,
      parallelism: 1,
      taskCount: 1,
      runningCount: 0,
      succeededCount: 0,
      failedCount: 0,
      cancelledCount: 0,
      retriedCount: 0,
      conditions: [{ type: 'Completed', state: 'CONDITION_PENDING', lastTransitionTime: now }],
      logUri: `https://console.cloud.google.com/logs/viewer?project=${name.split('/')[1]}&resource=cloud_run_job/job_name/${jobId}`,
      etag: '"1"',
    };
    const task: Json = { name: `${executionName}/tasks/${id}-task0`, job: jobId, execution: id, index: 0, retried: 0, createTime: now, conditions: [] };
    const operation = this.operation(name.split('/jobs/')[0]!, 'Execution', json, false);
    const execution: Execution = { json, task, operation: String(operation.name), cancelled: false, done: Promise.resolve() };
    this.executions.set(executionName, execution);
    job.executionCount = Number(job.executionCount ?? 0) + 1;
    job.latestCreatedExecution = { name: executionName, createTime: now };
    const env = this.environment(job, overrides);
    execution.done = this.runTask(job, execution, env).catch((error: unknown) => {
      this.finish(execution, { code: 13, message: `emulator: ${(error as Error).message}` }, undefined);
    });
    return operation;
  }

  /** The container's environment: the job's env, the run's overrides on top (same name replaced), Cloud Run's own. */
  private environment(job: Json, overrides: Json | undefined): Record<string, string> {
    const container = (((job.template as Json).template as Json).containers as Json[])[0]!;
    const env: Record<string, string> = {};
    for (const e of (container.env as { name: string; value?: string }[] | undefined) ?? []) env[e.name] = e.value ?? '';
    const override = ((overrides?.containerOverrides as Json[] | undefined) ?? [])[0];
    for (const e of (override?.env as { name: string; value?: string }[] | undefined) ?? []) env[e.name] = e.value ?? '';
    return env;
  }

  private stop(execution: Execution): void {
    const child = execution.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    setTimeout(() => {
      try {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, STOP_GRACE_MS).unref();
  }

  /** podman when it has the image (or is asked for), else `handoff run` of the project the test built the image from. */
  private chooseRunner(image: string): 'podman' | 'process' | undefined {
    const hasPodman = (): boolean => spawnSync('podman', ['image', 'exists', image], { stdio: 'ignore' }).status === 0;
    if (this.settings.containers === 'podman') return hasPodman() ? 'podman' : undefined;
    if (this.settings.containers === 'auto' && !this.images.has(image) && hasPodman()) return 'podman';
    return this.images.has(image) ? 'process' : undefined;
  }

  private async runTask(job: Json, execution: Execution, env: Record<string, string>): Promise<void> {
    const template = (job.template as Json).template as Json;
    const container = (template.containers as Json[])[0]!;
    const image = String(container.image);
    const maxRetries = Number(template.maxRetries ?? 3);
    const timeoutMs = (readDuration(template.timeout) ?? 600) * 1000;
    const [, project, , region, , jobId] = String(job.name).split('/');
    const executionId = String(execution.json.name).slice(String(execution.json.name).lastIndexOf('/') + 1);
    const account = String(template.serviceAccount || `123456789-compute@developer.gserviceaccount.com`);
    const runner = this.chooseRunner(image);
    if (!runner) {
      // The task never starts: Cloud Run cannot pull the image.
      this.finish(execution, { code: 5, message: `Image '${image}' not found.` }, undefined, true);
      return;
    }
    for (let attempt = 0; ; attempt++) {
      const metadata = await this.auth.startMetadataServer(account, project!, region!);
      const workspace = fs.mkdtempSync(path.join(this.settings.workDir, 'execution-'));
      const childEnv: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: workspace,
        ...env,
        CLOUD_RUN_JOB: jobId,
        CLOUD_RUN_EXECUTION: executionId,
        CLOUD_RUN_TASK_INDEX: '0',
        CLOUD_RUN_TASK_ATTEMPT: String(attempt),
        CLOUD_RUN_TASK_COUNT: '1',
        // Credentials come from the metadata server, as in Cloud Run; no gcloud configuration of this machine is used.
        GCE_METADATA_HOST: metadata.host,
        CLOUDSDK_CONFIG: path.join(workspace, 'gcloud'),
        HANDOFF_GCP_ENDPOINT: this.settings.url(),
        HANDOFF_GCP_POLL_MS: String(this.settings.pollMs),
        HANDOFF_GRACE_SECONDS: '2',
      };
      const names = Object.keys(childEnv).filter((k) => childEnv[k] !== undefined && k !== 'PATH' && k !== 'HOME');
      const child =
        runner === 'podman'
          ? spawn('podman', ['run', '--rm', '--pull=never', '--network', 'host', '--name', `${executionId}-${attempt}`, ...names.flatMap((k) => ['-e', k]), image], { env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
          : spawn(process.execPath, [path.join(this.settings.repoRoot, 'bin', 'handoff.js'), 'run', '-p', this.images.get(image)!.projectDir, '-w', path.join(workspace, 'workspace'), '-a'], {
              env: childEnv,
              cwd: workspace,
              detached: true,
              stdio: ['ignore', 'pipe', 'pipe'],
            });
      execution.child = child;
      const started = timestamp();
      execution.json.startTime ??= started;
      execution.json.runningCount = 1;
      execution.task.startTime = started;
      const resource = { type: 'cloud_run_job', labels: { project_id: project!, job_name: jobId!, location: region! } };
      const labels = { 'run.googleapis.com/execution_name': executionId, 'run.googleapis.com/task_index': '0', 'run.googleapis.com/task_attempt': String(attempt) };
      const lines = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): Promise<void> =>
        new Promise((resolve) => {
          readline.createInterface({ input: stream }).on('line', (line) => this.logging.write(project!, name, resource, labels, line)).on('close', resolve);
        });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        this.stop(execution);
      }, timeoutMs);
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
      const [{ code, signal }] = await Promise.all([exit, lines(child.stdout!, 'stdout'), lines(child.stderr!, 'stderr')]);
      clearTimeout(timer);
      await metadata.close();
      fs.rmSync(workspace, { recursive: true, force: true });
      const exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1);
      if (execution.cancelled) return this.finish(execution, { code: 1, message: 'Task was cancelled.' }, exitCode);
      if (timedOut) return this.finish(execution, { code: 4, message: `Task ${String(execution.task.name).slice(String(execution.task.name).lastIndexOf('/') + 1)} timed out after ${timeoutMs / 1000}s.` }, exitCode);
      if (exitCode === 0) return this.finish(execution, { code: 0, message: '' }, 0);
      if (attempt < maxRetries) {
        execution.json.retriedCount = attempt + 1;
        execution.task.retried = attempt + 1;
        continue;
      }
      return this.finish(execution, { code: 2, message: `Container called exit(${exitCode}).` }, exitCode);
    }
  }

  private finish(execution: Execution, status: { code: number; message: string }, exitCode: number | undefined, neverStarted = false): void {
    const now = timestamp();
    const { json, task } = execution;
    const succeeded = status.code === 0;
    json.runningCount = 0;
    json.completionTime = now;
    task.completionTime = now;
    if (!neverStarted) task.lastAttemptResult = { status: status.code === 0 ? { code: 0 } : status, exitCode: exitCode ?? 0 };
    if (execution.cancelled) json.cancelledCount = 1;
    else if (succeeded) json.succeededCount = 1;
    else json.failedCount = 1;
    const reason = execution.cancelled ? 'CANCELLED' : succeeded ? undefined : 'NON_ZERO_EXIT_CODE';
    json.conditions = [
      {
        type: 'Completed',
        state: succeeded && !execution.cancelled ? 'CONDITION_SUCCEEDED' : 'CONDITION_FAILED',
        lastTransitionTime: now,
        ...(reason ? { executionReason: reason } : {}),
        message: succeeded ? 'Execution completed successfully in 1 task.' : execution.cancelled ? 'The execution was cancelled.' : neverStarted ? status.message : `Task ${String(task.name).split('/').pop()} failed with message: ${status.message}`,
      },
    ];
    task.conditions = [{ type: 'Completed', state: succeeded ? 'CONDITION_SUCCEEDED' : 'CONDITION_FAILED', message: status.message, lastTransitionTime: now }];
    const op = this.operations.get(execution.operation);
    if (op) Object.assign(op, { done: true, response: { '@type': 'type.googleapis.com/google.cloud.run.v2.Execution', ...json } });
  }

  /** Ends every execution still running (the emulator is stopping). */
  async stopAll(): Promise<void> {
    for (const execution of this.executions.values()) {
      execution.cancelled = true;
      this.stop(execution);
    }
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  /** For a request that names a job in a Cloud Scheduler target URI. */
  findJobOfUri(uri: string): string | undefined {
    return /^https:\/\/run\.googleapis\.com\/v2\/(projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/:]+):run$/.exec(uri)?.[1];
  }
}
