// The typed events a run reports; the terminal renderer, run records and the UI all subscribe to this one stream.

export type FailureClass = 'exit_code' | 'signal' | 'timeout' | 'out_of_memory' | 'command_not_found' | 'start_failure' | 'interrupted';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';
export type TaskStatus = 'succeeded' | 'failed' | 'skipped' | 'interrupted' | 'not_run';

/** How one process ended, as recorded and reported (command line masked). */
export interface ProcessResult {
  name: string;
  commandLine: string;
  pid?: number;
  exitCode: number | null;
  signal: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Absent when the process succeeded, or was ended by handoff because another process failed. */
  failure?: FailureClass;
  /** Set when handoff ended it (timeout, another command of the pipeline failed, interrupted). */
  terminatedBy?: string;
  /** The last lines of its stderr when it failed (masked). */
  stderrTail?: string[];
  /**
   * Processes (`PID COMMAND`, masked) still running when its shell exited, e.g. a background job the command line did
   * not wait for: they were sent SIGTERM, then SIGKILL after the grace period.
   */
  leftBehind?: string[];
  /** Why it could not start, as the launcher reported it (`/bin/sh: Argument list too long`), masked. */
  startError?: string;
  /** What this process itself counted in its Singer METRIC lines (added by the run recorder). */
  records?: Record<string, number>;
  untaggedRecords?: number;
}

export interface TaskResult {
  name: string;
  path: string;
  status: TaskStatus;
  /** 0 on success; the failing process's exit code (or 128+signal) on failure. */
  exitCode: number;
  failure?: FailureClass;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  processes: ProcessResult[];
  subtasks: TaskResult[];
  /** Succeeded foreach sub-tasks that ran but are not listed in `subtasks` (a long foreach keeps memory flat). */
  unlistedSubtasks?: number;
  /** Bytes written to artifacts/<task>_stdout.log. */
  stdoutBytes?: number;
  stdoutLog?: string;
  attempts?: number;
  message?: string;
  /** Singer records per stream, added by the run recorder from METRIC lines. */
  records?: Record<string, number>;
  /** Singer records whose METRIC lines named no stream (`"tags": {}`), added by the run recorder. */
  untaggedRecords?: number;
  /** Whether this task's output ended with a Singer STATE (the value itself is in the record's `state`). */
  emittedState?: boolean;
}

/** The signals that stop a run and are recorded as its interruption. */
export type InterruptSignal = 'SIGHUP' | 'SIGINT' | 'SIGTERM';

/** The exit code of a run (or of handoff) that such a signal interrupted: 128 + the signal's number, as a shell reports it. */
export const INTERRUPT_EXIT_CODES: Record<InterruptSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export interface RunResult {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  tasks: TaskResult[];
  exitCode: number;
  /** Set when SIGINT/SIGTERM (or SIGHUP, the terminal going away) ended the run. */
  interruptSignal?: InterruptSignal;
  message?: string;
}

export type RunEvent =
  | { type: 'run_started'; runId: string; project: string; stage: string; startedAt: string }
  | { type: 'task_started'; task: string; path: string; attempt: number }
  | { type: 'task_skipped'; task: string; reason: string }
  | {
      type: 'process_started';
      task: string;
      name: string;
      pid?: number;
      commandLine: string;
      /** The launcher the command runs under (its pid and start time), so a later handoff can recognise and end it. */
      launcher?: { pid: number; startTicks?: string };
      /** Where its whole stderr is kept, relative to the workspace (the console shows its head and tail). */
      stderrLog?: string;
    }
  | { type: 'process_exited'; task: string; process: ProcessResult }
  /**
   * A line of a process's stderr, masked: `line` to show; `raw` its bytes exactly as written (line ending included; held
   * as latin1 text, one character per byte), for the logs that keep stderr whole. Lines handoff makes have no `raw`.
   */
  | { type: 'stderr_line'; task: string; process: string; pid?: number; line: string; raw?: string }
  | { type: 'task_finished'; task: TaskResult }
  | { type: 'log'; level: 'debug' | 'info' | 'warning' | 'error'; message: string }
  | { type: 'run_finished'; result: RunResult };

export type RunEventListener = (event: RunEvent) => void;
