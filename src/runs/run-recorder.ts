// Subscribes to run events and keeps the run's record, logs, Singer metrics and state (the record is the run's truth).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunEvent, RunResult, TaskResult } from '../runner/events.js';
import type { Masker } from '../secrets/mask.js';
import { maskDeep } from '../secrets/mask.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { relativeTo } from '../runner/artifact-names.js';
import { addSingerMetricLine, combineRecordCounts, combineUntaggedRecords, createSingerMetrics, type SingerMetrics } from './singer-metrics.js';
import { findLastSingerState, saveStateAtomically, STATE_TAIL_BYTES, type FoundState } from './singer-state.js';
import { overwriteRunRecordInPlace, processStderrLogPath, runLogDir, runRecordPath, writeRunRecord, type LiveProcess, type RunRecord, type RunTrigger, type SavedState } from './run-record.js';
import { DEFAULT_STDERR_LIMITS, HeadTailLimiter, type StderrLimits } from './stderr-limits.js';
import { openByteLog, openLineLog, type ByteLog, type LineLog } from '../line-log.js';
import { readProcessStartTicks } from '../process/process-identity.js';
import { markRunning } from './running-index.js';
import { RecordWriteQueue } from './record-write-queue.js';
import { isoTime } from '../iso-time.js';
import { makeFolders } from '../make-folders.js';

/** Why a run that succeeded saved no state. */
export const NO_STATE_REASON = "no task's last command emitted a Singer STATE (or a state line at the end of its stdout): artifacts/state.json was left as it was";

/** A process start rewrites the running record (its `live` list) at most this often. */
const LIVE_WRITE_INTERVAL_MS = 1000;

/** How often a running handoff touches its console log, whose time then says when it was last alive (see lastSignOfLife). */
const PULSE_MS = 1000;

/** How often a running record is refreshed; a record older than a few of these, from another host, is abandoned. */
export const HEARTBEAT_MS = 10_000;

export interface RunRecorderOptions {
  workspaceDir: string;
  runsDir: string;
  stateFile: string;
  runId: string;
  projectName: string;
  projectDir: string;
  /** deploy.resource_group, when project.yml sets it: with the name (deploy.task) and the stage it names the store. */
  resourceGroup?: string;
  stage: string;
  trigger: RunTrigger;
  /** The local provider's job this run is (recorded so that `cloud job status` links the two). */
  jobId?: string;
  startedAt: Date;
  masker: Masker;
  /** Told (once per file) when a record or log cannot be written during the run, e.g. the disk is full. */
  warn?: (message: string) => void;
  /** How much of a process's stderr its log here keeps when the whole is kept elsewhere (a `commands:` artifact). */
  stderrLimits?: StderrLimits;
  /** Paths of the tasks whose stdout can hold the run's Singer state (singerStateSources: pipelines' last commands). */
  stateSources: ReadonlySet<string>;
}

/**
 * One process's stderr log in the run's folder: its bytes as written when it is the whole (`bytes`), or lines through a
 * limiter when the whole is kept elsewhere (artifacts/).
 */
type StderrCopy = { bytes: ByteLog; log?: undefined; limiter?: undefined } | { log: LineLog; limiter: HeadTailLimiter; bytes?: undefined };

/** What the closing summary of a run says, from its finished record (masked). */
export type RecordedOutcome = Pick<RunRecord, 'records' | 'untaggedRecords' | 'state' | 'reason'>;

interface TaskFacts {
  records: Record<string, number>;
  untaggedRecords: number;
  /** Per process name: what it counted itself. */
  perProcess: Map<string, SingerMetrics>;
  emittedState?: boolean;
}

export class RunRecorder {
  private record: RunRecord;
  private readonly logDir: string;
  /**
   * The run's console.log, written synchronously: an append to a local file costs microseconds, while handing each
   * write to libuv's thread pool costs a thread wake-up, which on a small VM costs more than the line itself.
   */
  private console?: { file: string; fd: number };
  /** Console lines written since the last flush: a foreach line logs three or four, and one write takes them all. */
  private consoleBatch = '';
  private consoleFlush?: NodeJS.Immediate;
  private readonly stderrStreams = new Map<string, StderrCopy>();
  /** Where the whole stderr of each process is kept (from process_started), when not in its log here. */
  private readonly fullStderrLogs = new Map<string, string>();
  /** Logs of finished tasks being flushed; `close` waits for them too. */
  private readonly closing: Array<Promise<void>> = [];
  private readonly metrics = new Map<string, SingerMetrics>();
  private readonly facts = new Map<string, TaskFacts>();
  /** Records per stream over every task that finished, counted as each finishes (also those a long foreach does not list). */
  private readonly totalRecords: Record<string, number> = {};
  /** Records no stream was named for, over every task that finished (a total of their own, never a stream). */
  private totalUntagged = 0;
  /**
   * States in the order their tasks finished (by task path and name; a fork child of a retried task finishes once per
   * attempt, and its last attempt's state replaces the earlier one); the last is what the next run resumes from.
   */
  private readonly states = new Map<string, { task: string; found: Exclude<FoundState, { kind: 'none' }> }>();
  /** Commands running now (by task and pid), written into the record so a later handoff can end them if this one dies. */
  private readonly live = new Map<string, LiveProcess>();
  private liveWrittenAt = 0;
  /** A write due within LIVE_WRITE_INTERVAL_MS (see writeSoon). */
  private soonWrite?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private pulse?: NodeJS.Timeout;
  /** The write of a top-level task's result, made at the end of the event loop turn it finished in. */
  private taskWrite?: NodeJS.Immediate;
  private finished = false;
  private readonly unwritable = new Set<string>();
  /** What reportUnwritable said, for the record's reason when its final write fails too. */
  private readonly unwritableSaid: string[] = [];
  /** The running record's writes during the run, on the thread pool (see RecordWriteQueue); start and end are sync. */
  private readonly runningWrites: RecordWriteQueue;
  /** The final record was written while a running one was in flight: written again once that one has landed. */
  private finalAgain = false;

  constructor(private readonly options: RunRecorderOptions) {
    this.logDir = runLogDir(options.runsDir, options.runId);
    const startedAt = isoTime(options.startedAt);
    this.record = {
      schema: 1,
      runId: options.runId,
      project: { name: options.projectName, dir: options.projectDir, ...(options.resourceGroup !== undefined ? { resourceGroup: options.resourceGroup } : {}) },
      stage: options.stage,
      trigger: options.trigger,
      ...(options.jobId ? { jobId: options.jobId } : {}),
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
    const recordFile = runRecordPath(options.runsDir, options.runId);
    this.runningWrites = new RecordWriteQueue(
      recordFile,
      () => this.runningRecordText(),
      (error) => this.reportUnwritable(recordFile, error),
      () => {
        // The final record was written while this write was in flight, and this one (older) may have landed after it.
        if (!this.finalAgain) return;
        this.finalAgain = false;
        this.writeFinal();
      },
      // Once the final record is written, a running state still waiting to be renamed over it is dropped: a kill before
      // the final record is written again would otherwise leave a finished run's record saying `running`.
      () => !this.finished,
    );
  }

  private relative(file: string): string {
    return relativeTo(this.options.workspaceDir, file);
  }

  /** Creates the record and the run's log folder; from here on the run is visible to `runs list`. */
  start(): void {
    try {
      makeFolders(this.logDir);
      this.write();
    } catch (error) {
      // Nothing has run yet: refuse rather than run without a record.
      const e = error as NodeJS.ErrnoException;
      throw new UserError(`cannot write the run record in ${this.options.runsDir}: ${e.code ?? e.message}`, {
        fix: 'free space in the workspace, or fix its permissions',
        cause: error,
      });
    }
    const consoleFile = path.join(this.logDir, 'console.log');
    try {
      this.console = { file: consoleFile, fd: fs.openSync(consoleFile, 'a', 0o644) };
    } catch (error) {
      this.reportUnwritable(consoleFile, error);
    }
    this.heartbeat = setInterval(() => {
      this.record.heartbeatAt = isoTime();
      this.writeDuringRun();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    // A heartbeat rewrites the whole record, so it is rare; touching the log is one cheap call, every second.
    this.pulse = setInterval(() => {
      if (!this.console) return;
      try {
        const now = new Date();
        fs.futimesSync(this.console.fd, now, now);
      } catch {
        // Only the estimate of a killed run's end gets coarser.
      }
    }, PULSE_MS);
    this.pulse.unref();
  }

  /** A line exactly as the console showed it (already masked by the caller's renderer — masked again for safety). */
  writeConsoleLine(line: string): void {
    if (!this.console) return;
    this.consoleBatch += `${this.options.masker.mask(line)}\n`;
    this.consoleFlush ??= setImmediate(() => this.flushConsole());
  }

  handle(event: RunEvent): void {
    switch (event.type) {
      case 'stderr_line': {
        // Counted per process (two commands of a pipeline may have the same name, e.g. `sh`).
        const key = `${event.task}\u0000${event.pid ?? event.process}`;
        let metrics = this.metrics.get(key);
        if (!metrics) {
          metrics = createSingerMetrics();
          this.metrics.set(key, metrics);
        }
        addSingerMetricLine(metrics, event.line);
        const copy = this.stderrCopy(event.task, event.process);
        if (copy.limiter) for (const line of copy.limiter.push(event.line)) copy.log.write(line);
        // A line handoff made itself (no bytes of a process) is written as UTF-8 text with its newline.
        else copy.bytes.write(event.raw ?? Buffer.from(`${event.line}\n`, 'utf8').toString('latin1'));
        break;
      }
      case 'process_started':
        this.noteFullStderrLog(event.task, event.name, event.stderrLog);
        if (event.launcher) {
          this.live.set(`${event.task}\u0000${event.pid}`, { task: event.task, process: event.name, pid: event.pid, launcher: event.launcher });
          // Written soon, so that if handoff is killed the record names what it leaves behind; at most once a second
          // (a foreach starting a process per line would otherwise rewrite the record per line). A process started
          // since the last write is still recognised, by the run id in its environment (run-history.ts).
          const now = Date.now();
          if (now - this.liveWrittenAt >= LIVE_WRITE_INTERVAL_MS) {
            this.liveWrittenAt = now;
            this.writeDuringRun();
          }
        }
        break;
      case 'process_exited':
        this.live.delete(`${event.task}\u0000${event.process.pid}`);
        break;
      case 'task_finished':
        this.collectTaskFacts(event.task);
        // A top-level task's result is written into the record as it ends: if handoff is then killed (kill -9), the
        // record still says what ran and how it ended, and its heartbeat when the last task did. The write comes at
        // the end of this event loop turn: when the run ends in the same turn (after its last task), the run's final
        // write replaces it, which spares a foreach of 1,000 lines serializing its record twice.
        if (TOP_LEVEL_TASK.test(event.task.path)) {
          this.record.tasks = [...this.record.tasks, event.task];
          this.record.heartbeatAt = isoTime();
          this.taskWrite ??= setImmediate(() => {
            this.taskWrite = undefined;
            if (!this.finished) this.writeDuringRun();
          });
        }
        break;
      case 'run_finished':
        this.finish(event.result);
        break;
      default:
        break;
    }
  }

  /**
   * The whole stderr of a pipeline's process is kept here, and only here (SPEC §5: no artifact). A `commands:` task
   * keeps it whole in artifacts/<task>_stderr.log, as the original does; then the copy here keeps its head and tail.
   */
  private noteFullStderrLog(task: string, processName: string, stderrLog: string | undefined): void {
    if (!stderrLog) return;
    // The copy here is named `<task>.<process>.stderr.log`; an artifact's log (`<task>_stderr.log`, every foreach line's)
    // cannot be it, so its path is made only for a name that could be (two path joins per line otherwise).
    if (stderrLog.endsWith('.stderr.log') && stderrLog === this.relative(processStderrLogPath(this.options.runsDir, this.options.runId, task, processName))) return;
    this.fullStderrLogs.set(`${task}\u0000${processName}`, stderrLog);
  }

  private stderrCopy(task: string, processName: string): StderrCopy {
    const key = `${task}\u0000${processName}`;
    let copy = this.stderrStreams.get(key);
    if (!copy) {
      const file = processStderrLogPath(this.options.runsDir, this.options.runId, task, processName);
      const fullLog = this.fullStderrLogs.get(key);
      const onError = (error: NodeJS.ErrnoException): void => this.reportUnwritable(file, error);
      copy = fullLog
        ? { log: openLineLog(file, onError), limiter: new HeadTailLimiter(this.options.stderrLimits ?? DEFAULT_STDERR_LIMITS, fullLog) }
        : { bytes: openByteLog(file, onError) };
      this.stderrStreams.set(key, copy);
      this.record.logs.stderr[`${task}/${processName}`] = this.relative(file);
      // Named in the record soon, not at the next heartbeat (10 s): the web UI follows the logs the record names.
      this.writeSoon();
    }
    return copy;
  }

  /** Writes the running record within a second, at most once a second (shared with the writes of process starts). */
  private writeSoon(): void {
    if (this.finished || this.soonWrite) return;
    const wait = Math.max(0, this.liveWrittenAt + LIVE_WRITE_INTERVAL_MS - Date.now());
    this.soonWrite = setTimeout(() => {
      this.soonWrite = undefined;
      if (this.finished) return;
      this.liveWrittenAt = Date.now();
      this.writeDuringRun();
    }, wait);
    this.soonWrite.unref();
  }

  private collectTaskFacts(task: TaskResult): void {
    // Metrics come from Singer METRIC lines on stderr: a run without any (a foreach of plain commands) makes no facts
    // object, map or list per line to find that it has nothing to add.
    let perProcess: Map<string, SingerMetrics> | undefined;
    if (this.metrics.size > 0) {
      for (const p of task.processes) {
        const key = `${p.pid ?? p.name}`;
        const metrics = this.metrics.get(`${task.name}\u0000${key}`);
        if (metrics) (perProcess ??= new Map()).set(key, metrics);
      }
    }
    let facts: TaskFacts | undefined;
    if (perProcess) {
      const processMetrics = [...perProcess.values()];
      facts = { records: combineRecordCounts(processMetrics), untaggedRecords: combineUntaggedRecords(processMetrics), perProcess };
      for (const [stream, n] of Object.entries(facts.records)) this.totalRecords[stream] = (this.totalRecords[stream] ?? 0) + n;
      this.totalUntagged += facts.untaggedRecords;
    }
    // Only a pipeline's last command leaves a state (SPEC §5): a `commands:` task or a foreach line printing a JSON object
    // (a report, a webhook's answer) must not replace the bookmark. An empty log holds no state.
    if (this.options.stateSources.has(task.path) && task.stdoutLog && task.stdoutBytes !== 0 && (task.status === 'succeeded' || task.status === 'failed')) {
      const found = findLastSingerState(task.stdoutLog);
      const key = `${task.path}\u0000${task.name}`;
      this.states.delete(key);
      if (found.kind !== 'none') {
        facts ??= { records: {}, untaggedRecords: 0, perProcess: new Map() };
        facts.emittedState = true;
        this.states.set(key, { task: task.name, found });
      }
    }
    // Kept for the record's annotations only when there is something to add (a long foreach mostly has nothing): a
    // process's metrics or a state.
    if (facts) this.facts.set(`${task.path}\u0000${task.name}`, facts);
    // A finished task writes no more stderr: close its logs now, so a foreach of 10,000 lines never holds 10,000
    // open files, and drop its metrics, which its facts now hold.
    const prefix = `${task.name}\u0000`;
    for (const [key, copy] of this.stderrStreams) {
      if (!key.startsWith(prefix)) continue;
      this.stderrStreams.delete(key);
      this.closing.push(endCopy(copy));
    }
    for (const key of this.metrics.keys()) if (key.startsWith(prefix)) this.metrics.delete(key);
    for (const key of this.fullStderrLogs.keys()) if (key.startsWith(prefix)) this.fullStderrLogs.delete(key);
  }

  private annotate(task: TaskResult): TaskResult {
    const facts = this.facts.get(`${task.path}\u0000${task.name}`);
    const subtasks = task.subtasks.map((t) => this.annotate(t));
    // Nothing to add (each line of a long foreach, and then the foreach itself): the result as it is, not a copy of
    // it, its processes and its sub-tasks (the final record of 1,000 lines copied 1,000 results at the run's end).
    if (!facts && subtasks.every((sub, i) => sub === task.subtasks[i] && sub.records === undefined && !sub.untaggedRecords)) return task;
    const records: Record<string, number> = { ...(facts?.records ?? {}) };
    let untagged = facts?.untaggedRecords ?? 0;
    for (const sub of subtasks) {
      for (const [s, n] of Object.entries(sub.records ?? {})) records[s] = (records[s] ?? 0) + n;
      untagged += sub.untaggedRecords ?? 0;
    }
    const processes = task.processes.map((p) => {
      const counted = facts?.perProcess.get(`${p.pid ?? p.name}`);
      if (!counted) return p;
      return {
        ...p,
        ...(Object.keys(counted.records).length > 0 ? { records: { ...counted.records } } : {}),
        ...(counted.untaggedRecords > 0 ? { untaggedRecords: counted.untaggedRecords } : {}),
      };
    });
    return {
      ...task,
      processes,
      subtasks,
      ...(Object.keys(records).length > 0 ? { records } : {}),
      ...(untagged > 0 ? { untaggedRecords: untagged } : {}),
      ...(facts?.emittedState ? { emittedState: true } : {}),
    };
  }

  private finish(result: RunResult): void {
    if (this.finished) return;
    this.finished = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.pulse) clearInterval(this.pulse);
    if (this.soonWrite) clearTimeout(this.soonWrite);
    if (this.taskWrite) clearImmediate(this.taskWrite);
    this.taskWrite = undefined;
    const tasks = result.tasks.map((t) => this.annotate(t));
    const records = { ...this.totalRecords };
    const { live: _live, ...running } = this.record;
    this.record = {
      ...running,
      status: result.status,
      heartbeatAt: result.endedAt,
      endedAt: result.endedAt,
      durationMs: result.durationMs,
      exitCode: result.exitCode,
      tasks,
      records,
      ...(this.totalUntagged > 0 ? { untaggedRecords: this.totalUntagged } : {}),
      state: this.decideState(result),
      reason: describeReason(result, tasks),
    };
    this.writeFinal();
    // A running record's write in flight may land after this one: the final record is then written again (afterEach).
    if (this.runningWrites.busy) this.finalAgain = true;
  }

  /** The finished record, with the sync calls: the run's end is on disk before anything else happens. */
  private writeFinal(): void {
    try {
      this.write();
    } catch (error) {
      this.reportUnwritable(runRecordPath(this.options.runsDir, this.options.runId), error);
      // A full disk: the end written over the running record, or the run would later read as killed; the reason
      // says what could not be written (a run that succeeded has lost part of its logs).
      const record = this.current();
      const lost = `handoff could not write all of this run's files: ${this.unwritableSaid.slice(0, 3).join('; ')}`;
      overwriteRunRecordInPlace(this.options.runsDir, { ...record, reason: record.reason ? `${record.reason}; ${lost}` : lost });
    }
  }

  /** The state is saved only when the whole run succeeded; otherwise the previous bookmark stays as it was. */
  private decideState(result: RunResult): SavedState | undefined {
    const all = [...this.states.values()];
    const last = all[all.length - 1];
    const kept = `the run ${result.status}: artifacts/state.json was left as it was`;
    if (!last) {
      // A succeeded run says it had no state to save (a tap that emitted none would otherwise go unnoticed); a failed
      // run that had a bookmark to lose says that it kept it.
      if (result.status === 'succeeded') return { saved: false, reason: NO_STATE_REASON };
      return fs.existsSync(this.options.stateFile) ? { saved: false, reason: kept } : undefined;
    }
    if (last.found.kind !== 'state') {
      const why =
        last.found.kind === 'too_large'
          ? `the last line of task ${last.task}'s stdout is over ${STATE_TAIL_BYTES / 1024 / 1024} MiB, more than handoff reads for a state`
          : `the state task ${last.task} emitted is not UTF-8 (saved as JSON its bytes would change, and the next run would resume from a bookmark no one wrote)`;
      return { saved: false, task: last.task, reason: `${why}: artifacts/state.json was left as it was` };
    }
    // The record keeps the state masked, keys too (the record itself masks string values only); artifacts/state.json
    // gets the real one.
    const state = last.found.value;
    const value = maskDeep(state, this.options.masker, { keys: true });
    const masked = JSON.stringify(value) !== JSON.stringify(state) ? { masked: true } : {};
    if (result.status !== 'succeeded') {
      return { saved: false, task: last.task, value, ...masked, reason: kept };
    }
    saveStateAtomically(this.options.stateFile, state);
    return { saved: true, task: last.task, value, ...masked, ...this.droppedStates(last.task, all.slice(0, -1).map((s) => s.task)) };
  }

  /**
   * One state.json holds one state: when several pipelines (or fork children) emitted one, the one saved is named with
   * those dropped, on the console and in the record (names only: a state can hold values the masker does not know).
   */
  private droppedStates(saved: string, dropped: string[]): Pick<SavedState, 'dropped' | 'warning'> {
    if (dropped.length === 0) return {};
    const names = [saved, ...dropped];
    const warning =
      `tasks ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} emitted a Singer state, and artifacts/state.json holds one: ` +
      `the state of task ${saved} (which finished last) was saved, dropped: ${dropped.join(', ')} ` +
      `(their bookmarks do not advance; give each Singer pipeline a project, or a workspace, of its own)`;
    this.options.warn?.(warning);
    return { dropped, warning };
  }

  /** What the finished record says for the run's closing summary (masked), without reading the record back. */
  outcome(): RecordedOutcome {
    const { records, untaggedRecords, state, reason } = this.record;
    // The state's value (a Singer bookmark, maybe large) is not part of a summary.
    const summary: RecordedOutcome = { records, untaggedRecords, reason, state: state && { saved: state.saved, task: state.task, reason: state.reason } };
    return maskDeep(summary, this.options.masker);
  }

  /**
   * The record as it is now (masked). What handoff makes itself is kept as it is: the run id names the record's file
   * and logs, the log paths name files that exist, the times and job id are handoff's; a short secret that occurs in
   * one by chance (a PIN `1206` in a run of 6 December) must not rename or break them. Text that can hold a command's
   * output or a user's value (tasks, reasons, state, project) is masked.
   */
  current(): RunRecord {
    const { runId, jobId, startedAt, heartbeatAt, endedAt, logs } = this.record;
    return { ...maskDeep(this.record, this.options.masker), runId, ...(jobId !== undefined ? { jobId } : {}), startedAt, heartbeatAt, ...(endedAt !== undefined ? { endedAt } : {}), logs };
  }

  private write(): void {
    if (!this.finished) this.noteLive();
    writeRunRecord(this.options.runsDir, this.current());
  }

  /** The commands running now, into the record. */
  private noteLive(): void {
    // Each command leads a process group; its start time tells that group from a later one given the same id.
    for (const entry of this.live.values()) if (entry.pid !== undefined && entry.startTicks === undefined) entry.startTicks = readProcessStartTicks(entry.pid);
    this.record.live = [...this.live.values()];
  }

  /**
   * Once the run goes on, the record is written off the main thread (RecordWriteQueue), and one that cannot be written
   * (disk full) is a warning, never a crash of the run.
   */
  private writeDuringRun(): void {
    this.runningWrites.request();
  }

  /** The running record's text for RecordWriteQueue, as writeRunRecord writes it; undefined once the run finished. */
  private runningRecordText(): string | undefined {
    if (this.finished) return undefined;
    this.noteLive();
    // In the index of runs in progress before the record says `running` (as writeRunRecord does).
    markRunning(this.options.runsDir, this.options.runId);
    return `${JSON.stringify(this.current(), null, 2)}\n`;
  }

  private reportUnwritable(file: string, error: unknown): void {
    if (this.unwritable.has(file)) return;
    this.unwritable.add(file);
    const e = error as NodeJS.ErrnoException;
    this.unwritableSaid.push(`cannot write ${file} (${e.code ?? e.message})`);
    this.options.warn?.(`cannot write ${file} (${e.code ?? e.message})`);
  }

  private flushConsole(): void {
    if (this.consoleFlush) clearImmediate(this.consoleFlush);
    this.consoleFlush = undefined;
    const batch = this.consoleBatch;
    this.consoleBatch = '';
    if (!batch || !this.console) return;
    try {
      const bytes = Buffer.from(batch);
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(this.console.fd, bytes, at);
    } catch (error) {
      // A full disk: the lines still reach the terminal; the log says no more.
      this.reportUnwritable(this.console.file, error);
      this.closeConsole();
    }
  }

  private closeConsole(): void {
    if (!this.console) return;
    fs.closeSync(this.console.fd);
    this.console = undefined;
  }

  /** Flushes and closes the run's log files. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.pulse) clearInterval(this.pulse);
    if (this.soonWrite) {
      clearTimeout(this.soonWrite);
      this.soonWrite = undefined;
      if (!this.finished) this.writeDuringRun();
    }
    // A run that broke down before it finished still gets its last task's result written.
    if (this.taskWrite) {
      clearImmediate(this.taskWrite);
      this.taskWrite = undefined;
      if (!this.finished) this.writeDuringRun();
    }
    this.flushConsole();
    const copies = [...this.stderrStreams.values()].map(endCopy);
    this.closeConsole();
    await Promise.all([...copies, ...this.closing, this.runningWrites.settled()]);
  }
}

/** Writes what a capped copy held back (its tail), then closes it. */
function endCopy(copy: StderrCopy): Promise<void> {
  if (copy.bytes) return copy.bytes.close();
  for (const line of copy.limiter.end()) copy.log.write(line);
  return copy.log.close();
}

/**
 * The task whose failure ended the run, deepest first. A task failed on its own (a failure class) is taken before one
 * ended only because another part of its pipeline failed (a fork sibling of the child that failed, which has none).
 */
/** `tasks[3]`: a task of project.yml's own list, not a foreach line's or a fork child's. */
const TOP_LEVEL_TASK = /^tasks\[\d+\]$/;

function findFailure(tasks: TaskResult[]): TaskResult | undefined {
  const failed = tasks.filter((t) => t.status === 'failed' || t.status === 'interrupted');
  const t = failed.find((f) => f.failure !== undefined) ?? failed[0];
  if (!t) return undefined;
  // A sub-task handoff ended because something else failed (no failure class of its own) is not the cause.
  return findFailure(t.subtasks.filter((s) => s.failure !== undefined)) ?? t;
}

function describeReason(result: RunResult, tasks: TaskResult[]): string | undefined {
  if (result.status === 'succeeded') return undefined;
  if (result.status === 'interrupted') return `interrupted by ${result.interruptSignal ?? 'a signal'}`;
  const failed = findFailure(tasks);
  if (!failed) return result.message;
  // Like pipefail, the rightmost failure is the cause: an upstream killed by SIGPIPE only followed it.
  const process = [...failed.processes].reverse().find((p) => p.failure);
  const what = process
    ? `${process.name} ${process.failure === 'exit_code' ? `exited with code ${process.exitCode}` : `failed (${process.failure})`}`
    : failed.failure && failed.failure !== 'exit_code'
      ? `failed (${failed.failure})`
      : `exit code ${failed.exitCode}`;
  return `task ${failed.name}: ${what}${failed.message ? ` — ${failed.message}` : ''}${result.message ? `; ${result.message}` : ''}`;
}

/** The local provider's job id a job's `handoff run` gets in its environment (see local-jobs.ts), if it is one. */
export function jobIdFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.HANDOFF_JOB_ID;
  return value && /^[\w.-]+$/.test(value) ? value : undefined;
}

export function triggerFromEnv(env: NodeJS.ProcessEnv = process.env): RunTrigger {
  const value = env.HANDOFF_TRIGGER;
  return value === 'schedule' || value === 'ui' || value === 'cloud' ? value : 'manual';
}
