// `handoff runs list|show|logs|state|prune`: the run history of a workspace (-w), or the records its runs pushed to the store (-p).
import fs from 'node:fs';
import path from 'node:path';
import { findRunRecord, isAbandoned, listRunIds, listRunRecords, markAbandonedRuns, planPrune, removeRuns, restoreRunState } from '../../runs/run-history.js';
import { readRunRecord, runRecordPath, type RunRecord } from '../../runs/run-record.js';
import { formatRecordCounts } from '../../runs/singer-metrics.js';
import { copyLogBytes, streamWriter } from '../../runs/copy-log-bytes.js';
import type { TaskResult } from '../../runner/events.js';
import { resolveWorkspacePaths } from '../../workspace/workspace-paths.js';
import { UserError } from '../../errors.js';
import { requireWorkspaceDir, type GlobalOptions } from '../global-options.js';
import { describeFailure, describeStartError } from '../render-run-events.js';
import { graceFromEnv } from './run-in-terminal.js';
import { createConsoleLog } from '../console-log.js';
import { createConsoleLogPrinter } from '../console-log-lines.js';
import { plural } from '../../plural.js';
import { parseVarTokens } from '../../template/parse-vars.js';
import { byteMaskerOf, maskDeep, type Masker } from '../../secrets/mask.js';
import { createRunMasker } from '../../secrets/run-masker.js';
import { liveSecretsMasker } from '../../secrets/current-secrets-masker.js';
import { findStoredRun, listStoredRuns } from '../../providers/store/stored-runs.js';
import { planStoredPrune, removeStoredRuns } from '../../providers/store/prune-stored-runs.js';
import { confirm, withStoreSession } from './store-session.js';
import { acquireWorkspaceLock } from '../../workspace/workspace-lock.js';
import { parseDuration } from '../../duration.js';
import { secretsDirVar, parseCliVars } from '../../secrets/secrets-dir-var.js';
import { checkProjectWorkspace } from '../project-workspace-user.js';
import { checkRestoredRunOwner, type WorkspaceUser } from '../../workspace/workspace-owner.js';

/**
 * Without -w, a project (-p) or its names (-e resource_group= task=) mean the store: the records `run -a` and the
 * cloud's runs pushed there. -w wins when both are given (its history has the logs).
 */
function readsStore(options: GlobalOptions): boolean {
  if (options.workspaceDir) return false;
  if (options.projectDir) return true;
  const envs = parseVarTokens(options.envs, '-e');
  return envs.resource_group !== undefined && envs.task !== undefined;
}

function requireWorkspaceOrStore(options: GlobalOptions): void {
  if (!options.workspaceDir && !readsStore(options)) {
    throw new UserError('this command needs a workspace folder, or a project whose store to read', {
      fix: 'add -w <workspace folder> (the runs of run local there), or -p <project> (the run records its runs pushed to the store)',
    });
  }
}

/**
 * The workspace of -w. One that is not there is a mistyped -w, not a workspace without runs. With -p naming another
 * project than the workspace's owner, a command that writes there (`writes`: how it is named) is refused and one that
 * reads is warned once (checkProjectWorkspace).
 */
async function existingWorkspace(options: GlobalOptions, writes?: string): Promise<ReturnType<typeof resolveWorkspacePaths> & { user?: WorkspaceUser }> {
  const workspaceDir = requireWorkspaceDir(options);
  if (!fs.existsSync(workspaceDir)) {
    throw new UserError(`the workspace ${workspaceDir} does not exist`, { fix: 'give -w the folder that `run local -w` ran in' });
  }
  // A file is no workspace either: not one without runs (`runs list` said "No runs recorded", `prune` removed none).
  if (!fs.statSync(workspaceDir).isDirectory()) {
    throw new UserError(`the workspace ${workspaceDir} is a file, not a folder`, { fix: 'give -w the folder that `run local -w` ran in' });
  }
  const user = await checkProjectWorkspace(options.projectDir, workspaceDir, createConsoleLog(options.logLevel), writes);
  return { ...resolveWorkspacePaths(workspaceDir), ...(user ? { user } : {}) };
}

async function runsDirOf(options: GlobalOptions, writes?: string): Promise<string> {
  return (await existingWorkspace(options, writes)).runsDir;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

function totalRecords(record: RunRecord): number | undefined {
  const counts = [...Object.values(record.records ?? {}), ...(record.untaggedRecords ? [record.untaggedRecords] : [])];
  return counts.length ? counts.reduce((a, b) => a + b, 0) : undefined;
}

function taskSummary(record: RunRecord): string {
  const names = record.tasks.filter((t) => t.status !== 'skipped' && t.status !== 'not_run').map((t) => t.name);
  const text = names.join(', ');
  return text.length > 40 ? `${text.slice(0, 37)}...` : text || '-';
}

/** A plain text table with columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export async function runsListCommand(options: GlobalOptions, flags: { limit?: string }): Promise<number> {
  requireWorkspaceOrStore(options);
  // Digits only, as prune's --keep: Number() would also read 1e1 as 10 and 0x10 as 16.
  const limit = flags.limit !== undefined ? (/^\s*\d+\s*$/.test(flags.limit) ? Number(flags.limit) : NaN) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new UserError(`--limit ${flags.limit} is not a positive whole number`, { fix: 'e.g. --limit 20' });
  }
  const unreadable = (runId: string, where: string): void => {
    createConsoleLog(options.logLevel).log('warning', `the record of run ${runId} cannot be read (${where}); it is left out`);
  };
  if (readsStore(options)) {
    return withStoreSession(options, { project: false, reads: true }, async (session) => {
      const where = session.provider.objects.describe(session.provider.names.s3.runsPrefix);
      // Each stored record is one request: without --limit, the newest 20 (a cloud task's history grows every day).
      let all = 0;
      const records = await listStoredRuns(session.provider, limit ?? DEFAULT_LIST_LIMIT, unreadable, (count) => (all = count));
      const code = printRunList(options, records, where);
      // As -w says it: the records past the newest 20 were left out, not missing.
      const older = all - Math.min(all, limit ?? DEFAULT_LIST_LIMIT);
      if (limit === undefined && older > 0) {
        createConsoleLog(options.logLevel).log('info', `listed the newest ${plural(records.length, 'run')}; ${plural(older, 'older record')} not listed (--limit ${all} lists them all)`);
      }
      return code;
    });
  }
  const runsDir = await runsDirOf(options);
  markAbandonedRuns(runsDir, { graceMs: graceFromEnv() });
  // As from the store: a year of history is 30,000 records, each one read to be listed.
  let unreadableSeen = 0;
  const records = listRunRecords(runsDir, limit ?? DEFAULT_LIST_LIMIT, (runId, file) => {
    unreadableSeen++;
    unreadable(runId, file);
  });
  const code = printRunList(options, records, runsDir);
  if (limit === undefined && records.length === DEFAULT_LIST_LIMIT) {
    const all = listRunIds(runsDir).length;
    const older = all - records.length - unreadableSeen;
    if (older > 0) {
      createConsoleLog(options.logLevel).log('info', `listed the newest ${DEFAULT_LIST_LIMIT} runs; ${plural(older, 'older record')} not listed (--limit ${all} lists them all)`);
    }
  }
  return code;
}

/** How many runs `runs list -w` lists without --limit: as many as from the store. */
const DEFAULT_LIST_LIMIT = 20;

function printRunList(options: GlobalOptions, records: RunRecord[], where: string): number {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(records.map(summarize), null, 2)}\n`);
    return 0;
  }
  if (records.length === 0) {
    process.stdout.write(`No runs recorded in ${where}\n`);
    return 0;
  }
  const rows = records.map((r) => [
    r.runId,
    r.status,
    r.trigger,
    r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    formatDuration(r.durationMs),
    String(totalRecords(r) ?? '-'),
    taskSummary(r),
  ]);
  process.stdout.write(`${formatTable(['RUN ID', 'STATUS', 'TRIGGER', 'STARTED (UTC)', 'DURATION', 'RECORDS', 'TASKS'], rows)}\n`);
  return 0;
}

function summarize(r: RunRecord): Record<string, unknown> {
  return {
    runId: r.runId,
    status: r.status,
    trigger: r.trigger,
    stage: r.stage,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs: r.durationMs,
    records: r.records,
    ...(r.untaggedRecords ? { untaggedRecords: r.untaggedRecords } : {}),
    tasks: r.tasks.map((t) => ({ name: t.name, status: t.status })),
    reason: r.reason,
  };
}

function describeTask(task: TaskResult, indent: string, lines: string[]): void {
  const counted = formatRecordCounts(task.records, task.untaggedRecords);
  const records = counted ? `, records: ${counted}` : '';
  const bytes = task.stdoutBytes !== undefined ? `, stdout ${task.stdoutBytes} bytes` : '';
  // Failed with exit code 0: ended by the stop while its command exited 0 of itself; the reason goes with the code.
  const endedWith0 = task.status === 'failed' && task.exitCode === 0 && task.message !== undefined;
  const code = endedWith0 ? ` (${task.message}; its command exited 0)` : task.status === 'failed' ? ` (exit code ${task.exitCode})` : '';
  lines.push(`${indent}task ${task.name}: ${task.status}${code}, ${formatDuration(task.durationMs)}${bytes}${records}`);
  if (task.message && !endedWith0) lines.push(`${indent}  ${task.message}`);
  for (const p of task.processes) {
    const end = p.exitCode !== null ? `exit ${p.exitCode}` : p.signal ? `signal ${p.signal}` : p.startError ? `not started: ${describeStartError(p.startError)}` : 'not started';
    const why = p.failure && !(p.failure === 'start_failure' && p.startError) ? ` — ${describeFailure(p.failure)}` : p.terminatedBy ? ` — ended by handoff (${p.terminatedBy.replace('_', ' ')})` : '';
    const own = formatRecordCounts(p.records, p.untaggedRecords);
    lines.push(`${indent}  process ${p.pid ?? '?'} ${p.commandLine}: ${end}, ${formatDuration(p.durationMs)}${own ? `, records: ${own}` : ''}${why}`);
    if (p.leftBehind) lines.push(`${indent}    left running when its shell exited, then ended: ${p.leftBehind.join(', ')}`);
    for (const l of p.stderrTail ?? []) lines.push(`${indent}    | ${l}`);
  }
  for (const sub of task.subtasks) describeTask(sub, `${indent}  `, lines);
  if (task.unlistedSubtasks) lines.push(`${indent}  … and ${task.unlistedSubtasks} more sub-tasks that succeeded (not listed in the record)`);
}

export async function runsShowCommand(options: GlobalOptions, id: string): Promise<number> {
  requireWorkspaceOrStore(options);
  if (readsStore(options)) {
    return withStoreSession(options, { project: false, reads: true }, async (session) => {
      const record = await findStoredRun(session.provider, id);
      // The store keeps the record; the run's console log stayed where it ran (a cloud run's is in the cloud's logs).
      return printRun(options, record, 'logs: not in the store (a cloud run\'s output: handoff cloud logs -p P)');
    });
  }
  const runsDir = await runsDirOf(options);
  markAbandonedRuns(runsDir, { graceMs: graceFromEnv() });
  const r = findRunRecord(runsDir, id);
  const masker = projectMasker(options, r)();
  return printRun(options, maskDeep(r, masker), `logs: ${r.logs.console}`);
}

/**
 * The project's secrets as they are now, for a run read back (-p, else the folder the run was started from, when it
 * is still there): a value printed in clear before it was made a secret is masked, as the UI masks it. Run ids and
 * times are spared (createRunMasker), so the record's own id and log paths stay as they are. The masker is asked for
 * each piece of text: a followed log is masked with the secrets as they are when it is printed (a key rotated meanwhile).
 */
function projectMasker(options: GlobalOptions, record: RunRecord): () => Masker {
  const projectDir = options.projectDir ?? record.project.dir;
  if (!fs.existsSync(path.join(projectDir, 'project.yml'))) {
    const none = createRunMasker([]);
    return () => none;
  }
  const vars = parseCliVars(options.vars);
  const secretsDir = secretsDirVar(vars);
  return liveSecretsMasker({ projectDir, stage: record.stage, ...(secretsDir !== undefined ? { secretsDir } : {}) });
}

/**
 * Masks a byte stream line by line (a secret never spans a line of the console log): whole lines are masked as they
 * come, a last partial line once the rest of it comes, or at the end. While there is nothing to mask, bytes pass as
 * they come.
 */
function maskingLines(currentMasker: () => Masker, write: (chunk: Buffer) => Promise<boolean> | boolean): { write: (chunk: Buffer) => Promise<boolean>; end: () => Promise<void> } {
  let bytes: { of: Masker; masker: Masker } | undefined;
  const byteMasker = (): Masker => {
    const masker = currentMasker();
    if (bytes?.of !== masker) bytes = { of: masker, masker: byteMaskerOf(masker) };
    return bytes.masker;
  };
  let pending = '';
  return {
    async write(chunk) {
      if (pending === '' && currentMasker().values.length === 0) return write(chunk);
      const text = pending + chunk.toString('latin1');
      const cut = text.lastIndexOf('\n') + 1;
      pending = text.slice(cut);
      return cut === 0 ? true : write(Buffer.from(byteMasker().mask(text.slice(0, cut)), 'latin1'));
    },
    async end() {
      if (pending) await write(Buffer.from(byteMasker().mask(pending), 'latin1'));
      pending = '';
    },
  };
}

function printRun(options: GlobalOptions, r: RunRecord, logsLine: string): number {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `run ${r.runId}: ${r.status}${r.reason ? ` — ${r.reason}` : ''}`,
    `project ${r.project.name} (${r.project.dir}), stage ${r.stage}, trigger ${r.trigger}, handoff ${r.handoffVersion}`,
    `started ${r.startedAt}, ${r.endedAt ? `ended ${r.endedAt} (${formatDuration(r.durationMs)})` : 'still running'}${r.exitCode !== undefined ? `, exit code ${r.exitCode}` : ''}`,
  ];
  const records = formatRecordCounts(r.records, r.untaggedRecords);
  if (records) lines.push(`records: ${records} (${totalRecords(r)} in all)`);
  if (r.state) {
    lines.push(r.state.saved ? `state: saved to artifacts/state.json from task ${r.state.task}` : `state: not saved (${r.state.reason ?? 'no state'})`);
    if (r.state.value !== undefined) lines.push(`  ${JSON.stringify(r.state.value)}`);
    if (r.state.warning) lines.push(`  warning: ${r.state.warning}`);
  }
  for (const t of r.tasks) describeTask(t, '', lines);
  lines.push(logsLine);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function runsLogsCommand(options: GlobalOptions, id: string, flags: { follow?: boolean }): Promise<number> {
  if (readsStore(options)) {
    throw new UserError('the store keeps run records, not console logs: a run\'s log stays in the workspace it ran in', {
      fix: 'give -w <workspace> for a local run\'s log; a cloud run\'s output is in the cloud\'s logs: handoff cloud logs -p P',
    });
  }
  const workspace = await existingWorkspace(options);
  markAbandonedRuns(workspace.runsDir, { graceMs: graceFromEnv() });
  const record = findRunRecord(workspace.runsDir, id);
  const file = path.join(workspace.dir, record.logs.console);
  let offset = 0;
  const masking = maskingLines(projectMasker(options, record), streamWriter(process.stdout));
  const toStdout = masking.write;
  // The file keeps every level; -l picks what is printed, as it picks what the console shows. At -l debug the text
  // is the file's bytes, copied as they are.
  const printer = options.json || options.logLevel !== 'debug' ? createConsoleLogPrinter({ threshold: options.logLevel, json: options.json, runId: record.runId, write: toStdout }) : undefined;
  const write = printer ? (chunk: Buffer) => printer.write(chunk) : toStdout;
  const printNew = async (): Promise<void> => {
    try {
      offset = await copyLogBytes(file, offset, write);
    } catch (error) {
      // Only a log not written yet is quiet (copyLogBytes); any other failure is said, never a silent success.
      throw new UserError(`cannot read the console log of run ${record.runId} (${file}): ${(error as Error).message}`, {
        exitCode: 1,
        fix: 'check that the file is readable; `handoff runs show` gives the run without its log',
      });
    }
  };
  await printNew();
  let code = 0;
  if (flags.follow) {
    // Follow until the run's record is no longer `running`, then print what was written last. Only its own record is
    // read each time (the whole history was, every 250 ms); once its handoff is gone, it is marked as any command would.
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      await printNew();
      const now = readRunRecord(runRecordPath(workspace.runsDir, record.runId));
      if (now?.status === 'running' && isAbandoned(now)) markAbandonedRuns(workspace.runsDir, { graceMs: graceFromEnv() });
      else if (now?.status === 'running') continue;
      // Ended, marked, or gone (pruned, or a record that can no longer be read): the log is whole.
      break;
    }
    await printNew();
    code = followedRunEnd(record.runId, readRunRecord(runRecordPath(workspace.runsDir, record.runId)), projectMasker(options, record)());
  }
  await printer?.end();
  await masking.end();
  return code;
}

/**
 * What `runs logs --follow` exits with: the run's own result (as `cloud run --wait` exits with the task's). A run that
 * ended without its own last lines (its handoff killed, its record gone) is said on stderr: the log just stops, as
 * after a success, and a watcher could not tell them apart.
 */
function followedRunEnd(runId: string, record: RunRecord | undefined, masker: Masker): number {
  if (!record) {
    process.stderr.write(`run ${runId}: its record is gone or can no longer be read, so how it ended is not known\n`);
    return 1;
  }
  if (record.status === 'interrupted' && record.exitCode === undefined) {
    process.stderr.write(`run ${runId} was interrupted: ${masker.mask(record.reason ?? 'its handoff stopped without finishing it')}\n`);
    return 1;
  }
  return record.exitCode ?? (record.status === 'succeeded' ? 0 : 1);
}

export async function runsStateCommand(options: GlobalOptions, id: string, flags: { restore?: boolean }): Promise<number> {
  if (readsStore(options)) {
    if (flags.restore) {
      throw new UserError('--restore writes artifacts/state.json of a workspace', { fix: 'give -w <workspace>; a cloud task reads its state from the store\'s artifacts (handoff artifacts push -w W puts one there)' });
    }
    return withStoreSession(options, { project: false, reads: true }, async (session) => printState(await findStoredRun(session.provider, id)));
  }
  const workspace = await existingWorkspace(options, flags.restore ? 'runs state --restore' : undefined);
  markAbandonedRuns(workspace.runsDir, { graceMs: graceFromEnv() });
  if (flags.restore) {
    // It writes artifacts/state.json as a run does: a run going on would overwrite the restored state when it ends.
    const lock = acquireWorkspaceLock(workspace.dir, `runs state ${id} --restore`);
    let record: RunRecord;
    try {
      // Again under the lock: another project may have taken a fresh workspace meanwhile.
      await checkProjectWorkspace(options.projectDir, workspace.dir, createConsoleLog(options.logLevel), 'runs state --restore');
      checkRestoredRunOwner(workspace.dir, findRunRecord(workspace.runsDir, id));
      record = restoreRunState(workspace.runsDir, workspace.stateFile, id);
    } finally {
      lock.release();
    }
    if (options.json) process.stdout.write(`${JSON.stringify({ restored: record.runId, file: path.resolve(workspace.stateFile), state: record.state?.value }, null, 2)}\n`);
    else process.stderr.write(`Restored the state of run ${record.runId} to ${workspace.stateFile}\n`);
    return 0;
  }
  return printState(findRunRecord(workspace.runsDir, id));
}

function printState(record: RunRecord): number {
  if (!record.state || record.state.value === undefined) {
    throw new UserError(`run ${record.runId} recorded no Singer state`, { fix: 'pick a run whose `runs show` lists a state' });
  }
  process.stdout.write(`${JSON.stringify(record.state.value, null, 2)}\n`);
  return 0;
}

export async function runsPruneCommand(options: GlobalOptions, flags: { keep?: string; olderThan?: string }): Promise<number> {
  if (flags.keep === undefined && flags.olderThan === undefined) {
    throw new UserError('runs prune needs --keep N, --older-than AGE, or both', { fix: 'e.g. --keep 100, or --older-than 90d (runs started more than 90 days ago)' });
  }
  // Digits only: Number() would also read 0x10 as 16 and 1e3 as 1000.
  if (flags.keep !== undefined && !/^\s*\d+\s*$/.test(flags.keep)) throw new UserError(`--keep ${flags.keep} is not a whole number`, { fix: 'e.g. --keep 100' });
  const keep = Number(flags.keep ?? 0);
  const age = flags.olderThan === undefined ? undefined : parseDuration(flags.olderThan);
  if (age === 0 || (flags.olderThan !== undefined && age === undefined)) {
    throw new UserError(`--older-than ${flags.olderThan} is not an age`, { fix: 'e.g. --older-than 90d (also h, m, s)' });
  }
  const log = createConsoleLog(options.logLevel);
  if (readsStore(options)) return pruneStore(options, flags, keep, age);
  const workspace = await existingWorkspace(options, 'runs prune');
  // With -p (the workspace's owner: another project is refused there), only its runs are pruned.
  const { runsDir, user } = workspace;
  const identify = (project: RunRecord['project']): string => projectIdentity(project, workspace.dir);
  // The copy `handoff run` fetched of -p's project is known by its name, as the owner rule knows it.
  const mine = user ? new Set([identify({ name: user.projectName, dir: user.projectDir ?? '' }), `name:${user.projectName}`]) : undefined;
  // A run whose handoff was killed is no longer running: marked (its leftover processes ended) before it is judged.
  markAbandonedRuns(runsDir, { graceMs: graceFromEnv() });
  const plan = planPrune(runsDir, keep, age === undefined ? undefined : Date.now() - age, mine && ((project) => mine.has(identify(project))));
  // A history of two projects (a workspace handed over): --keep would count, and prune remove, the runs of both, while
  // the user thinks of one. Refused before anything is asked or removed; -p names the project whose runs to prune.
  const projects = [...new Map(plan.projects.map((p) => [identify(p), p])).values()];
  if (!user && projects.length > 1) {
    const named = projects.map((p) => (p.dir === '' || identify(p).startsWith('name:') ? `project ${p.name} (the copy fetched from its store)` : `project ${p.dir} (${p.name})`));
    // Read newest first: the first project met is that of the latest run (the owner, after a hand-over).
    const owner = projects[0]!;
    const { quoteArg } = await import('../fix-args.js');
    throw new UserError(`the run history of ${workspace.dir} holds runs of ${plural(projects.length, 'project')}: ${named.join(', ')}; runs prune without -p would count and remove the runs of all of them, so nothing was removed`, {
      fix: `name the project whose runs to prune, e.g. its latest: handoff runs prune -w W -p ${owner.dir === '' ? '<project>' : quoteArg(owner.dir)}${flags.keep !== undefined ? ` --keep ${keep}` : ''}${flags.olderThan !== undefined ? ` --older-than ${flags.olderThan}` : ''} (the other projects' runs are left as they are)`,
    });
  }
  // --keep 0 alone removes every finished run: asked first, as the delete commands ask (-y in CI, where none can answer).
  const recorded = keep === 0 && age === undefined ? listRunIds(runsDir).length - plan.otherProjects : 0;
  const whose = user ? ` of project ${user.projectName}` : '';
  if (recorded > 0 && !(await confirm(options, `Remove every finished run${whose} (${plural(recorded, 'run')} recorded) in ${runsDir}, records and logs?`))) {
    process.stderr.write('Nothing was removed (answered no)\n');
    if (options.json) process.stdout.write(`${JSON.stringify({ status: 'aborted' }, null, 2)}\n`);
    return 0;
  }
  removeRuns(runsDir, plan.removed);
  const { removed, keptRunning, unreadable, notRead } = plan;
  for (const { runId, file } of unreadable) log.log('warning', `the record of run ${runId} cannot be read (${file}); prune left it as it is`);
  // `kept` counts the readable runs left: a run still going on is never removed, so it may be more than --keep.
  const kept = listRunIds(runsDir).length - unreadable.length;
  if (options.json) process.stdout.write(`${JSON.stringify({ removed, kept, unreadable: unreadable.map((u) => u.file) }, null, 2)}\n`);
  else {
    const running = keptRunning.length > 0 ? ` and ${plural(keptRunning.length, 'running run')} (${keptRunning.join(', ')}), which is never removed while it runs` : '';
    const broken = unreadable.length > 0 ? ` and left ${plural(unreadable.length, 'record')} that cannot be read` : '';
    const newer = notRead > 0 ? `the ${plural(notRead, 'run')} started in the last ${flags.olderThan} (not read)` : '';
    const newest = flags.keep !== undefined ? `the newest ${keep}` : '';
    const others = plan.otherProjects > 0 ? ` and left ${plural(plan.otherProjects, 'run')} of other projects` : '';
    process.stderr.write(`Removed ${plural(removed.length, 'run')}, kept ${[newest, newer].filter(Boolean).join(', ') || 'none'}${running}${broken}${others}\n`);
  }
  return 0;
}

/**
 * `runs prune -p P` without -w: the records the project's runs pushed to its store (`<task>/runs/`), which grow by one
 * every cloud run and slow `runs list -p`. The same choice (planStoredPrune), the same question for --keep 0 alone and
 * the same report as a workspace's prune; the store holds one task's records, so there is no other project to leave.
 */
async function pruneStore(options: GlobalOptions, flags: { keep?: string; olderThan?: string }, keep: number, age: number | undefined): Promise<number> {
  const log = createConsoleLog(options.logLevel);
  return withStoreSession(options, { project: false, reads: true }, async (session) => {
    const { provider } = session;
    const where = provider.objects.describe(provider.names.s3.runsPrefix);
    const plan = await planStoredPrune(provider, keep, age === undefined ? undefined : Date.now() - age);
    if (keep === 0 && age === undefined && plan.listed > 0 && !(await confirm(options, `Remove every finished run (${plural(plan.listed, 'run')} recorded) in ${where}, their records?`))) {
      process.stderr.write('Nothing was removed (answered no)\n');
      if (options.json) process.stdout.write(`${JSON.stringify({ status: 'aborted' }, null, 2)}\n`);
      return 0;
    }
    await removeStoredRuns(provider, plan.removed);
    const { removed, keptRunning, unreadable, notRead } = plan;
    for (const { runId, where: file } of unreadable) log.log('warning', `the record of run ${runId} cannot be read (${file}); prune left it as it is`);
    const kept = plan.listed - removed.length - unreadable.length;
    if (options.json) process.stdout.write(`${JSON.stringify({ removed, kept, unreadable: unreadable.map((u) => u.where) }, null, 2)}\n`);
    else {
      const running = keptRunning.length > 0 ? ` and ${plural(keptRunning.length, 'running run')} (${keptRunning.join(', ')}), which is never removed while it runs` : '';
      const broken = unreadable.length > 0 ? ` and left ${plural(unreadable.length, 'record')} that cannot be read` : '';
      const newer = notRead > 0 ? `the ${plural(notRead, 'run')} started in the last ${flags.olderThan} (not read)` : '';
      const newest = flags.keep !== undefined ? `the newest ${keep}` : '';
      process.stderr.write(`Removed ${plural(removed.length, 'run')} from ${where}, kept ${[newest, newer].filter(Boolean).join(', ') || 'none'}${running}${broken}\n`);
    }
    return 0;
  });
}

/**
 * Which project a record is of, as the workspace owner rule tells projects apart: its folder, or its name for the copy
 * `handoff run` fetched into the workspace (whose folder is the workspace's own).
 */
function projectIdentity(project: RunRecord['project'], workspaceDir: string): string {
  const real = (p: string): string => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  if (project.dir === '') return `name:${project.name}`;
  const dir = real(project.dir);
  const ws = real(workspaceDir);
  return dir === ws || dir.startsWith(`${ws}${path.sep}`) ? `name:${project.name}` : `dir:${dir}`;
}
