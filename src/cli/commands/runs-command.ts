// `handoff runs list|show|logs|state|prune`: the run history of a workspace, read from its run records.
import fs from 'node:fs';
import path from 'node:path';
import { findRunRecord, listRunRecords, markAbandonedRuns, pruneRuns, restoreRunState } from '../../runs/run-history.js';
import type { RunRecord } from '../../runs/run-record.js';
import { formatRecordCounts } from '../../runs/singer-metrics.js';
import { copyLogBytes, streamWriter } from '../../runs/copy-log-bytes.js';
import type { TaskResult } from '../../runner/events.js';
import { resolveWorkspacePaths } from '../../workspace/workspace-paths.js';
import { UserError } from '../../errors.js';
import { requireWorkspaceDir, type GlobalOptions } from '../global-options.js';
import { describeFailure, describeStartError } from '../render-run-events.js';
import { graceFromEnv } from './run-in-terminal.js';
import { createConsoleLog } from '../console-log.js';
import { plural } from '../../plural.js';

/** The workspace of -w. One that is not there is a mistyped -w, not a workspace without runs. */
function existingWorkspace(options: GlobalOptions): ReturnType<typeof resolveWorkspacePaths> {
  const workspaceDir = requireWorkspaceDir(options);
  if (!fs.existsSync(workspaceDir)) {
    throw new UserError(`the workspace ${workspaceDir} does not exist`, { fix: 'give -w the folder that `run local -w` ran in' });
  }
  return resolveWorkspacePaths(workspaceDir);
}

function runsDirOf(options: GlobalOptions): string {
  return existingWorkspace(options).runsDir;
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

export function runsListCommand(options: GlobalOptions, flags: { limit?: string }): number {
  const runsDir = runsDirOf(options);
  markAbandonedRuns(runsDir, { graceMs: graceFromEnv() });
  const limit = flags.limit ? Number(flags.limit) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new UserError(`--limit ${flags.limit} is not a positive whole number`, { fix: 'e.g. --limit 20' });
  }
  const records = listRunRecords(runsDir, limit, (runId, file) => {
    createConsoleLog(options.logLevel).log('warning', `the record of run ${runId} cannot be read (${file}); it is left out`);
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(records.map(summarize), null, 2)}\n`);
    return 0;
  }
  if (records.length === 0) {
    process.stdout.write(`No runs recorded in ${runsDir}\n`);
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
  lines.push(`${indent}task ${task.name}: ${task.status}${task.status === 'failed' ? ` (exit code ${task.exitCode})` : ''}, ${formatDuration(task.durationMs)}${bytes}${records}`);
  if (task.message) lines.push(`${indent}  ${task.message}`);
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

export function runsShowCommand(options: GlobalOptions, id: string): number {
  const runsDir = runsDirOf(options);
  markAbandonedRuns(runsDir, { graceMs: graceFromEnv() });
  const r = findRunRecord(runsDir, id);
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
  }
  for (const t of r.tasks) describeTask(t, '', lines);
  lines.push(`logs: ${r.logs.console}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function runsLogsCommand(options: GlobalOptions, id: string, flags: { follow?: boolean }): Promise<number> {
  const workspace = existingWorkspace(options);
  markAbandonedRuns(workspace.runsDir, { graceMs: graceFromEnv() });
  const record = findRunRecord(workspace.runsDir, id);
  const file = path.join(workspace.dir, record.logs.console);
  let offset = 0;
  const write = streamWriter(process.stdout);
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
  if (!flags.follow) return 0;
  // Follow until the run's record is no longer `running`, then print what was written last.
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    await printNew();
    markAbandonedRuns(workspace.runsDir, { graceMs: graceFromEnv() });
    if (findRunRecord(workspace.runsDir, record.runId).status !== 'running') {
      await printNew();
      return 0;
    }
  }
}

export function runsStateCommand(options: GlobalOptions, id: string, flags: { restore?: boolean }): number {
  const workspace = existingWorkspace(options);
  if (flags.restore) {
    const record = restoreRunState(workspace.runsDir, workspace.stateFile, id);
    process.stderr.write(`Restored the state of run ${record.runId} to ${workspace.stateFile}\n`);
    return 0;
  }
  const record = findRunRecord(workspace.runsDir, id);
  if (!record.state || record.state.value === undefined) {
    throw new UserError(`run ${record.runId} recorded no Singer state`, { fix: 'pick a run whose `runs show` lists a state' });
  }
  process.stdout.write(`${JSON.stringify(record.state.value, null, 2)}\n`);
  return 0;
}

export function runsPruneCommand(options: GlobalOptions, flags: { keep: string }): number {
  const keep = Number(flags.keep);
  if (!Number.isInteger(keep) || keep < 0) throw new UserError(`--keep ${flags.keep} is not a whole number`, { fix: 'e.g. --keep 100' });
  const removed = pruneRuns(runsDirOf(options), keep);
  process.stderr.write(`Removed ${plural(removed.length, 'run')}, kept the newest ${keep}\n`);
  return 0;
}
