// `handoff cloud run|job status|job stop|logs`: the task's runs in the provider (local background runs or Fargate tasks).
import { UserError } from '../../errors.js';
import type { Project } from '../../project/types.js';
import type { CloudJob, LogLine, LogQuery, LogReader, RunLifecycle } from '../../providers/provider.js';
import { UnknownJobError } from '../../providers/pick-job.js';
import { parseVarTexts, readVarBoolean, type VarValue } from '../../template/parse-vars.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, readStoredKeys, withStoreSession, type StoreSession } from './store-session.js';
import { locateDeployErrors } from '../../providers/deploy/locate-deploy-error.js';
import { findLocalSecretsFile } from '../../secrets/find-local-secrets-file.js';
import { loadLocalSecrets } from '../../secrets/local-secrets.js';
import { envsNeedingSecrets, refuseEnvsWithoutSecret } from '../../secrets/env-secrets-check.js';
import { warnUnreadVars } from './unread-vars.js';
import { isoTime } from '../../iso-time.js';
import { parseCliVars } from '../../secrets/secrets-dir-var.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `-v id=`, refused when empty before anything is read: `-v id=$JOB` with $JOB unset would otherwise name every run, so
 * a task's only run would be shown, or stopped, without being named.
 */
function readJobId(texts: Record<string, string>, command: string): string | undefined {
  const { id } = texts;
  if (id === undefined || id.trim() !== '') return id;
  throw new UserError(`-v id= is empty: ${command} needs the id of a run (is the variable that held it unset?)`, { fix: 'give a run id, e.g. -v id=<job id>: see the ids with `handoff cloud job status`' });
}

/** The envs of a cloud run: a schedule's (`-v target_id=N`, read as text), then `-e` values. */
function runEnvs(project: Project | undefined, texts: Record<string, string>, extra: Record<string, VarValue>): Record<string, string> {
  const envs: Record<string, string> = {};
  if (texts.target_id !== undefined) {
    const schedule = project?.schedules.find((s) => s.target_id === texts.target_id);
    if (!schedule) {
      const known = project?.schedules.map((s) => s.target_id) ?? [];
      throw new UserError(`no schedule with target_id ${texts.target_id}${project ? '' : ' (no project was given)'}`, {
        fix: known.length > 0 ? `use one of the target_ids of project.yml's schedules: ${known.join(', ')}` : project ? "project.yml has no schedules: run without -v target_id" : 'give -p <project folder> so its schedules: are known',
      });
    }
    for (const e of schedule.envs) envs[e.key] = e.value;
  }
  for (const [k, v] of Object.entries(extra)) envs[k] = String(v);
  return envs;
}

/**
 * An env of project.yml without a value takes the stored secret of its key: with none stored, the run could only
 * stop at it (exit 2 in the container), so it is refused before anything starts, as a missing bucket is.
 */
/** The keys of the stage's secrets file (push: true ones), or none when it cannot be read: only to word the refusal. */
function readLocalSecretKeys(project: Project, stage: string): Set<string> {
  try {
    return new Set(loadLocalSecrets({ projectDir: project.dir, stage, envs: project.envs }).secrets.filter((s) => s.push).map((s) => s.key));
  } catch {
    return new Set();
  }
}

async function refuseRunWithoutEnvSecrets(session: StoreSession, project: Project): Promise<void> {
  if (envsNeedingSecrets(project.envs).length === 0) return;
  const stored = new Set((await readStoredKeys(session)).map((s) => s.key));
  if (envsNeedingSecrets(project.envs).every((e) => stored.has(e.key))) return;
  // A task that is not deployed, or is another project's, is said first: that is what to fix.
  await session.provider.runs.checkDeployed();
  const found = findLocalSecretsFile({ projectDir: project.dir, stage: session.target.stage });
  await locateDeployErrors(project.file, async () =>
    refuseEnvsWithoutSecret({ envs: project.envs, stage: session.target.stage, secretsFile: found.file, fileFound: found.exists, pushed: [], stored, command: 'cloud run', inFile: readLocalSecretKeys(project, session.target.stage) }),
  );
}

/**
 * A run by id. An id no run has, of a task that is not deployed (a misspelt task or region), is said to be of a task
 * that is not deployed, as `cloud run` and `cloud logs` say it, not taken for a wrong id.
 */
async function findJob(runs: RunLifecycle, id: string): Promise<CloudJob> {
  return explainUnknownJob(runs, () => runs.get(id));
}

/** Runs `body`; when it finds no run of the id it was given, the task's not being deployed is the error said instead. */
async function explainUnknownJob<T>(runs: RunLifecycle, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UnknownJobError) await runs.checkDeployed();
    throw error;
  }
}

function isFinished(job: CloudJob): boolean {
  return job.status !== 'running' && job.status !== 'pending';
}

/** A job as printed by `cloud job status` and `cloud run`. */
function toRow(job: CloudJob): Record<string, unknown> {
  const row: Record<string, unknown> = { id: job.id, status: job.status };
  if (job.trigger) row.trigger = job.trigger;
  if (job.startedAt) row.started_at = job.startedAt;
  if (job.stoppedAt) row.stopped_at = job.stoppedAt;
  if (job.exitCode !== undefined) row.exit_code = job.exitCode;
  if (job.failure) row.failure = job.failure;
  if (job.reason) row.reason = job.reason;
  for (const [k, v] of Object.entries(job.details)) if (v !== undefined) row[k] = v;
  return row;
}

/**
 * Prints log lines: JSON objects with their run, or the text. `eachRun`: the lines may be of several runs (no `-v id=`),
 * whose lines interleave and are often the same text, so each says its run, as `cloud job status` names it.
 */
function createLinePrinter(json: boolean, eachRun = false): (lines: LogLine[]) => void {
  return (lines) => {
    if (lines.length === 0) return;
    const text = json
      ? lines.map((l) => JSON.stringify({ time: l.time === undefined ? null : isoTime(l.time), job: l.jobId ?? null, message: l.message })).join('\n')
      : lines.map((l) => (eachRun && l.jobId !== undefined ? `[${l.jobId}] ${l.message}` : l.message)).join('\n');
    process.stdout.write(`${text}\n`);
  };
}

/**
 * Reads and prints what the provider has now: a read is bounded (CloudWatch: 10,000 events; a local log: 256 KiB), so
 * it reads on while the reader says more is there (and a read brings something: one that does not cannot move on).
 */
async function readAvailable(reader: LogReader, print: (lines: LogLine[]) => void): Promise<void> {
  for (;;) {
    const lines = await reader.read();
    print(lines);
    if (reader.more !== true || lines.length === 0) return;
  }
}

/**
 * Prints a job's log while it runs and returns its final state. After the job ends the log is read until it has been
 * quiet for the provider's settle time (CloudWatch shows lines a few seconds late), so its last lines are not lost.
 * With `timeoutSeconds`, a job still running after that long is stopped and reported as timed out.
 */
async function followJob(runs: RunLifecycle, jobId: string, reader: LogReader, print: (lines: LogLine[]) => void, timeoutSeconds?: number): Promise<{ job: CloudJob; timedOut: boolean }> {
  const started = Date.now();
  let timedOut = false;
  let job = await runs.get(jobId);
  while (!isFinished(job)) {
    await readAvailable(reader, print);
    if (timeoutSeconds !== undefined && !timedOut && Date.now() - started > timeoutSeconds * 1000) {
      timedOut = true;
      job = await runs.stop(jobId, 'timeout');
      continue;
    }
    await sleep(runs.pollMs);
    job = await runs.get(jobId);
  }
  let quietSince = Date.now();
  for (;;) {
    const lines = await reader.read();
    print(lines);
    if (lines.length > 0) quietSince = Date.now();
    // A read is bounded (CloudWatch: 10,000 events; a local log: 256 KiB): what is there already is read on at once.
    if (reader.more === true && lines.length > 0) continue;
    if (Date.now() - quietSince >= runs.logSettleMs) break;
    await sleep(Math.min(runs.pollMs, runs.logSettleMs));
  }
  return { job, timedOut };
}

/** The exit code `cloud run --wait` ends with: 0 for success, the run's own code, else 1. */
function exitCodeOf(job: CloudJob, timedOut: boolean): number {
  if (job.status === 'succeeded' && !timedOut) return 0;
  return job.exitCode && job.exitCode > 0 && job.exitCode < 256 ? job.exitCode : 1;
}

function describeOutcome(job: CloudJob, timedOut: boolean, timeout?: number): string {
  if (timedOut) return `timed out after ${timeout} s and was stopped`;
  const code = job.exitCode !== undefined ? ` with exit code ${job.exitCode}` : '';
  const why = { exit_code: '', out_of_memory: ' (out of memory)', start_failure: ' (failed to start)', timeout: ' (timed out)', stopped: ' (stopped)', unknown: '' }[job.failure ?? 'unknown'];
  return `${job.status}${code}${why}${job.reason ? `: ${job.reason}` : ''}`;
}

export function cloudRunCommand(options: GlobalOptions, flags: { wait?: boolean }): Promise<number> {
  // `--timeout` is kept by following the job (the job runs in the provider, which has no time limit per start on every
  // cloud): without --wait nothing would keep it, and the job would run past it unsaid.
  if (options.timeout !== undefined && !flags.wait) {
    return Promise.reject(
      new UserError(`--timeout ${options.timeout} needs --wait with \`cloud run\`: handoff stops a job that runs too long while it follows it, and without --wait it does not follow it`, {
        fix: 'add --wait to follow the job and stop it after that long, or leave --timeout out (the job then has its deployed time limit: deploy.task_timeout on Google Cloud and Azure, platform_config.state_machine_timeout on AWS)',
      }),
    );
  }
  return withStoreSession(options, { project: false }, async (session) => {
    const { runs, names } = session.provider;
    const texts = parseVarTexts(options.vars, '-v');
    // A project var given with -v is warned of here (not skipped as elsewhere): a cloud run takes its variables in __VARS.
    warnUnreadVars(session.log, texts, 'cloud run', ['target_id'], { hint: "a run's variables go in with -e __VARS='start_date=2024-01-01 full=true'" });
    const envs = runEnvs(session.project, texts, session.extraEnvs);
    if (session.project) await refuseRunWithoutEnvSecrets(session, session.project);
    const job = await runs.start({ envs, ...(session.project ? { deploy: session.project.deploy } : {}) });
    // The ARN and ECS status are in `cloud job status`; the log line names what to look at next.
    const where = Object.entries(job.details)
      .filter(([k, v]) => v !== undefined && k !== 'task_arn' && k !== 'last_status')
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const started = `Started job ${job.id} of ${names.resourceGroup}/${names.task}${where ? ` (${where})` : ''}`;
    if (!flags.wait) {
      session.log.log('info', started);
      printResult(options, { job: job.id, ...toRow(job) });
      return 0;
    }
    // Ctrl-C stops following, not the job (it runs in the provider): say so, and how to stop it. Listened for before
    // the job is announced, so a Ctrl-C that answers the announcement finds it.
    const onSignal = (signal: NodeJS.Signals): void => {
      session.log.log('warning', `Stopped following job ${job.id} (${signal}); the job goes on: \`handoff cloud job stop -v id=${job.id}\` stops it`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    session.log.log('info', started);
    let followed: Awaited<ReturnType<typeof followJob>>;
    try {
      followed = await followJob(runs, job.id, runs.openLogs({ jobId: job.id }), createLinePrinter(options.json), options.timeout);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const { job: final, timedOut } = followed;
    const ok = final.status === 'succeeded' && !timedOut;
    session.log.log(ok ? 'info' : 'error', `Job ${final.id} ${describeOutcome(final, timedOut, options.timeout)}`);
    return exitCodeOf(final, timedOut);
  });
}

export function cloudJobStatusCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    // Ids are text: `-v id=07515` names the run ending in 07515, not the number 7515.
    const texts = parseVarTexts(options.vars, '-v');
    warnUnreadVars(session.log, texts, 'cloud job status', ['id'], { project: session.project });
    const id = readJobId(texts, 'cloud job status');
    const { runs } = session.provider;
    if (id !== undefined) {
      printResult(options, { job: toRow(await findJob(runs, id)) });
      return 0;
    }
    const jobs = await runs.list();
    // No runs at all: a task that is not deployed (a misspelt task, another region) is said so, as `cloud logs` does.
    if (jobs.length === 0) await runs.checkDeployed();
    printResult(options, { jobs: jobs.map(toRow) });
    return 0;
  });
}

export function cloudJobStopCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const texts = parseVarTexts(options.vars, '-v');
    warnUnreadVars(session.log, texts, 'cloud job stop', ['id'], { project: session.project });
    const id = readJobId(texts, 'cloud job stop');
    if (id === undefined) throw new UserError('which job? cloud job stop needs -v id=<job id>', { fix: 'see the ids with `handoff cloud job status`' });
    const current = await findJob(session.provider.runs, id);
    if (isFinished(current)) {
      session.log.log('info', `Job ${current.id} had already ended (${current.status}); there is nothing to stop`);
      printResult(options, { job: toRow(current) });
      return 0;
    }
    const job = await session.provider.runs.stop(current.id);
    session.log.log('info', `Asked job ${job.id} to stop (it ends its commands and pushes its artifacts first); now ${job.status}`);
    printResult(options, { job: toRow(job) });
    return 0;
  });
}

/** `-v start_time=` / `end_time=`: an ISO time, or milliseconds since the epoch. */
function parseTime(vars: Record<string, VarValue>, key: string): number | undefined {
  const raw = vars[key];
  if (raw === undefined) return undefined;
  const t = typeof raw === 'number' ? raw : Date.parse(String(raw));
  if (!Number.isFinite(t)) throw new UserError(`${key}=${raw} is not a time`, { fix: `e.g. ${key}=2026-01-31T06:00:00Z` });
  return t;
}

/**
 * `-v start_time=… end_time=…`, `filter_pattern=…` (CloudWatch syntax on AWS, plain text locally), `id=<job>` for one run,
 * `follow=true` to keep printing until the newest run (or that one) ends. `--json` prints one JSON object per line.
 */
export function cloudLogsCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const vars = parseCliVars(options.vars);
    const texts = parseVarTexts(options.vars, '-v');
    warnUnreadVars(session.log, texts, 'cloud logs', ['id', 'start_time', 'end_time', 'filter_pattern', 'follow'], { project: session.project });
    const { runs } = session.provider;
    const jobId = readJobId(texts, 'cloud logs');
    const follow = readVarBoolean(vars, 'follow', '-v') === true;
    const query: LogQuery = {
      ...(jobId !== undefined ? { jobId } : {}),
      startTime: parseTime(vars, 'start_time'),
      endTime: parseTime(vars, 'end_time'),
      ...(texts.filter_pattern !== undefined ? { filterPattern: texts.filter_pattern } : {}),
    };
    // An inverted range finds nothing on every provider: a mistake to say, not an empty answer.
    if (query.startTime !== undefined && query.endTime !== undefined && query.endTime < query.startTime) {
      throw new UserError(`end_time=${texts.end_time} is before start_time=${texts.start_time}`, { fix: 'swap them, or drop end_time to read up to now' });
    }
    const print = createLinePrinter(options.json, query.jobId === undefined);
    const reader = runs.openLogs(query);
    // A reader that looks the id up (Google Cloud, Azure) finds no run of a task that is not deployed: said as such.
    const lines = await explainUnknownJob(runs, () => reader.read());
    print(lines);
    // One read is bounded (10,000 events on AWS); the rest is read on, printed as it comes, until the range is exhausted.
    while (reader.more === true) {
      const next = await reader.read();
      print(next);
      if (next.length === 0) {
        // Reads go on from the newest time seen: a read full of one millisecond's lines cannot move past it. (A read
        // that found only a line still being written says no more.)
        if (reader.more === true) session.log.log('warning', 'more log lines share one millisecond than one read returns; some are not shown: narrow with -v start_time=, end_time=, filter_pattern= or id=');
        break;
      }
    }
    // No lines for an id: a run not known either is a wrong id (a run too old for the job listing still has its logs).
    if (lines.length === 0 && query.jobId !== undefined && !follow) await findJob(runs, query.jobId);
    // No lines at all: a task that is not deployed (a misspelt task, another region) is said so, as `cloud run` does.
    if (lines.length === 0 && query.jobId === undefined) await runs.checkDeployed();
    if (!follow) return 0;
    const target = query.jobId !== undefined ? await findJob(runs, query.jobId) : (await runs.list()).find((j) => !isFinished(j));
    if (!target || isFinished(target)) {
      session.log.log('info', `No run of ${session.provider.names.resourceGroup}/${session.provider.names.task} is going on; nothing to follow`);
      return 0;
    }
    session.log.log('info', `Following job ${target.id} until it ends`);
    await followJob(runs, target.id, reader, print);
    return 0;
  });
}
