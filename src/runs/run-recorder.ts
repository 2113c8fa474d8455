// Subscribes to run events and keeps the run's record, logs, Singer metrics and state (the record is the run's truth).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunEvent, RunResult, TaskResult } from '../runner/events.js';
import { toSafeFileName } from '../runner/artifact-names.js';
import type { Masker } from '../secrets/mask.js';
import { maskDeep } from '../secrets/mask.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { addSingerMetricLine, combineRecordCounts, createSingerMetrics, type SingerMetrics } from './singer-metrics.js';
import { findLastSingerState, saveStateAtomically } from './singer-state.js';
import { runLogDir, runRecordPath, writeRunRecord, type RunRecord, type RunTrigger, type SavedState } from './run-record.js';

/** How often a running record is refreshed; a record older than a few of these, from another host, is abandoned. */
export const HEARTBEAT_MS = 10_000;

export interface RunRecorderOptions {
  workspaceDir: string;
  runsDir: string;
  stateFile: string;
  runId: string;
  projectName: string;
  projectDir: string;
  stage: string;
  trigger: RunTrigger;
  startedAt: Date;
  masker: Masker;
  /** Told (once per file) when a record or log cannot be written during the run, e.g. the disk is full. */
  warn?: (message: string) => void;
}

interface TaskFacts {
  records: Record<string, number>;
  state?: unknown;
}

export class RunRecorder {
  private record: RunRecord;
  private readonly logDir: string;
  private console?: fs.WriteStream;
  private readonly stderrStreams = new Map<string, fs.WriteStream>();
  /** Logs of finished tasks being flushed; `close` waits for them too. */
  private readonly closing: Array<Promise<void>> = [];
  private readonly metrics = new Map<string, SingerMetrics>();
  private readonly facts = new Map<string, TaskFacts>();
  /** Records per stream over every task that finished, counted as each finishes (also those a long foreach does not list). */
  private readonly totalRecords: Record<string, number> = {};
  /** States in the order their tasks finished; the last one is what the next run resumes from. */
  private readonly states: Array<{ task: string; value: unknown }> = [];
  private heartbeat?: NodeJS.Timeout;
  private finished = false;
  private readonly unwritable = new Set<string>();

  constructor(private readonly options: RunRecorderOptions) {
    this.logDir = runLogDir(options.runsDir, options.runId);
    const startedAt = options.startedAt.toISOString();
    this.record = {
      schema: 1,
      runId: options.runId,
      project: { name: options.projectName, dir: options.projectDir },
      stage: options.stage,
      trigger: options.trigger,
      handoffVersion: VERSION,
      host: os.hostname(),
      pid: process.pid,
      status: 'running',
      startedAt,
      heartbeatAt: startedAt,
      tasks: [],
      records: {},
      logs: { console: this.relative(path.join(this.logDir, 'console.log')), stderr: {} },
    };
  }

  private relative(file: string): string {
    return path.relative(this.options.workspaceDir, file);
  }

  /** Creates the record and the run's log folder; from here on the run is visible to `runs list`. */
  start(): void {
    try {
      fs.mkdirSync(this.logDir, { recursive: true });
      this.write();
    } catch (error) {
      // Nothing has run yet: refuse rather than run without a record.
      const e = error as NodeJS.ErrnoException;
      throw new UserError(`cannot write the run record in ${this.options.runsDir}: ${e.code ?? e.message}`, {
        fix: 'free space in the workspace, or fix its permissions',
        cause: error,
      });
    }
    this.console = this.openLog(path.join(this.logDir, 'console.log'));
    this.heartbeat = setInterval(() => {
      this.record.heartbeatAt = new Date().toISOString();
      this.writeDuringRun();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** A line exactly as the console showed it (already masked by the caller's renderer — masked again for safety). */
  writeConsoleLine(line: string): void {
    this.console?.write(`${this.options.masker.mask(line)}\n`);
  }

  handle(event: RunEvent): void {
    switch (event.type) {
      case 'stderr_line': {
        const key = `${event.task}\u0000${event.process}`;
        let metrics = this.metrics.get(key);
        if (!metrics) {
          metrics = createSingerMetrics();
          this.metrics.set(key, metrics);
        }
        addSingerMetricLine(metrics, event.line);
        this.stderrStream(event.task, event.process).write(`${event.line}\n`);
        break;
      }
      case 'task_finished':
        this.collectTaskFacts(event.task);
        break;
      case 'run_finished':
        this.finish(event.result);
        break;
      default:
        break;
    }
  }

  private stderrStream(task: string, processName: string): fs.WriteStream {
    const key = `${task}\u0000${processName}`;
    let stream = this.stderrStreams.get(key);
    if (!stream) {
      const file = path.join(this.logDir, `${toSafeFileName(task)}.${toSafeFileName(processName)}.stderr.log`);
      stream = this.openLog(file);
      this.stderrStreams.set(key, stream);
      this.record.logs.stderr[`${task}/${processName}`] = this.relative(file);
    }
    return stream;
  }

  private collectTaskFacts(task: TaskResult): void {
    const processMetrics = task.processes.map((p) => this.metrics.get(`${task.name}\u0000${p.name}`)).filter((m): m is SingerMetrics => !!m);
    const speaksSinger = processMetrics.some((m) => Object.keys(m.records).length > 0);
    const facts: TaskFacts = { records: combineRecordCounts(processMetrics) };
    for (const [stream, n] of Object.entries(facts.records)) this.totalRecords[stream] = (this.totalRecords[stream] ?? 0) + n;
    if (task.stdoutLog && (task.status === 'succeeded' || task.status === 'failed')) {
      const state = findLastSingerState(task.stdoutLog, speaksSinger);
      if (state !== undefined) {
        facts.state = state;
        this.states.push({ task: task.name, value: state });
      }
    }
    this.facts.set(`${task.path}\u0000${task.name}`, facts);
    // A finished task writes no more stderr: close its logs now, so a foreach of 10,000 lines never holds 10,000
    // open files, and drop its metrics, which its facts now hold.
    const prefix = `${task.name}\u0000`;
    for (const [key, stream] of this.stderrStreams) {
      if (!key.startsWith(prefix)) continue;
      this.stderrStreams.delete(key);
      this.closing.push(endStream(stream));
    }
    for (const key of this.metrics.keys()) if (key.startsWith(prefix)) this.metrics.delete(key);
  }

  private annotate(task: TaskResult): TaskResult {
    const facts = this.facts.get(`${task.path}\u0000${task.name}`);
    const subtasks = task.subtasks.map((t) => this.annotate(t));
    const records: Record<string, number> = { ...(facts?.records ?? {}) };
    for (const sub of subtasks) for (const [s, n] of Object.entries(sub.records ?? {})) records[s] = (records[s] ?? 0) + n;
    return {
      ...task,
      subtasks,
      ...(Object.keys(records).length > 0 ? { records } : {}),
      ...(facts?.state !== undefined ? { emittedState: true } : {}),
    };
  }

  private finish(result: RunResult): void {
    if (this.finished) return;
    this.finished = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    const tasks = result.tasks.map((t) => this.annotate(t));
    const records = { ...this.totalRecords };
    this.record = {
      ...this.record,
      status: result.status,
      heartbeatAt: result.endedAt,
      endedAt: result.endedAt,
      durationMs: result.durationMs,
      exitCode: result.exitCode,
      tasks,
      records,
      state: this.decideState(result),
      reason: describeReason(result, tasks),
    };
    this.writeDuringRun();
  }

  /** The state is saved only when the whole run succeeded; otherwise the previous bookmark stays as it was. */
  private decideState(result: RunResult): SavedState | undefined {
    const last = this.states[this.states.length - 1];
    const kept = `the run ${result.status}: artifacts/state.json was left as it was`;
    if (!last) {
      // A failed run that had a bookmark to lose should say that it kept it.
      return result.status !== 'succeeded' && fs.existsSync(this.options.stateFile) ? { saved: false, reason: kept } : undefined;
    }
    if (result.status !== 'succeeded') {
      return { saved: false, task: last.task, value: last.value, reason: kept };
    }
    saveStateAtomically(this.options.stateFile, last.value);
    return { saved: true, task: last.task, value: last.value };
  }

  /** The record as it is now (masked). */
  current(): RunRecord {
    return maskDeep(this.record, this.options.masker);
  }

  private write(): void {
    writeRunRecord(this.options.runsDir, this.current());
  }

  /** Once the run goes on, a record that cannot be written (disk full) is a warning, never a crash of the run. */
  private writeDuringRun(): void {
    try {
      this.write();
    } catch (error) {
      this.reportUnwritable(runRecordPath(this.options.runsDir, this.options.runId), error);
    }
  }

  /** A log file whose write errors are reported instead of crashing handoff (an unhandled stream 'error' would). */
  private openLog(file: string): fs.WriteStream {
    const stream = fs.createWriteStream(file, { flags: 'a' });
    stream.on('error', (error) => this.reportUnwritable(file, error));
    return stream;
  }

  private reportUnwritable(file: string, error: unknown): void {
    if (this.unwritable.has(file)) return;
    this.unwritable.add(file);
    const e = error as NodeJS.ErrnoException;
    this.options.warn?.(`cannot write ${file} (${e.code ?? e.message})`);
  }

  /** Flushes and closes the run's log files. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    const streams = [...this.stderrStreams.values(), ...(this.console ? [this.console] : [])];
    await Promise.all([...streams.map(endStream), ...this.closing]);
  }
}

function endStream(stream: fs.WriteStream): Promise<void> {
  return new Promise<void>((resolve) => {
    if (stream.closed) return resolve();
    stream.once('close', () => resolve());
    stream.end();
  });
}

function findFailure(tasks: TaskResult[]): TaskResult | undefined {
  for (const t of tasks) {
    if (t.status !== 'failed' && t.status !== 'interrupted') continue;
    return findFailure(t.subtasks) ?? t;
  }
  return undefined;
}

function describeReason(result: RunResult, tasks: TaskResult[]): string | undefined {
  if (result.status === 'succeeded') return undefined;
  if (result.status === 'interrupted') return `interrupted by ${result.interruptSignal ?? 'a signal'}`;
  const failed = findFailure(tasks);
  if (!failed) return result.message;
  // Like pipefail, the rightmost failure is the cause: an upstream killed by SIGPIPE only followed it.
  const process = [...failed.processes].reverse().find((p) => p.failure);
  const what = process ? `${process.name} ${process.failure === 'exit_code' ? `exited with code ${process.exitCode}` : `failed (${process.failure})`}` : `exit code ${failed.exitCode}`;
  return `task ${failed.name}: ${what}${failed.message ? ` — ${failed.message}` : ''}${result.message ? `; ${result.message}` : ''}`;
}

export function triggerFromEnv(env: NodeJS.ProcessEnv = process.env): RunTrigger {
  const value = env.HANDOFF_TRIGGER;
  return value === 'schedule' || value === 'ui' || value === 'cloud' ? value : 'manual';
}
