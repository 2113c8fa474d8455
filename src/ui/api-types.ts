// The JSON shapes of the web UI's API and event stream, shared by the server and the page (types only).
import type { Diagnostic } from '../errors.js';
import type { Project } from '../project/types.js';
import type { RunStatus } from '../runner/events.js';
import type { RunRecord, RunTrigger } from '../runs/run-record.js';

export interface OverviewResponse {
  projectName: string;
  projectDir: string;
  workspaceDir: string;
  stage: string;
  cloudProvider?: string;
  handoffVersion: string;
  /** Whether the page may offer "Run now". */
  canStartRuns: boolean;
  /** Why starting runs is off, when it is. */
  readOnlyReason?: string;
}

export interface SecretName {
  key: string;
  level: 'task' | 'resource group';
  push: boolean;
  /** Keys of `envs:` that take their value from this secret. */
  usedByEnvs: boolean;
}

export interface ProjectResponse {
  /** Absent when project.yml cannot be loaded; `error` says why. */
  project?: Project;
  warnings: Diagnostic[];
  error?: { message: string; fix?: string; diagnostics: Diagnostic[] };
  /** Names and levels only: values never leave the server. */
  secrets: SecretName[];
  secretsFile: string;
  secretsProblem?: string;
}

export interface RunSummary {
  runId: string;
  /** `interrupted` also for a run whose handoff is gone (see `abandoned`). */
  status: RunStatus;
  trigger: RunTrigger;
  stage: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  exitCode?: number;
  /** Singer records over all streams; null when the run reported none. */
  records: number | null;
  streams: Record<string, number>;
  tasks: Array<{ name: string; status: string }>;
  reason?: string;
  /** The record says running but its handoff is gone (killed or the machine stopped). */
  abandoned?: boolean;
}

export interface RunsPage {
  total: number;
  offset: number;
  limit: number;
  runs: RunSummary[];
}

/** One point of the runs chart, oldest first. */
export interface RunPoint {
  runId: string;
  status: RunStatus;
  startedAt: string;
  durationMs: number | null;
  records: number | null;
}

export interface RunDetail {
  record: RunRecord;
  abandoned: boolean;
  /** Log streams that can be read: `console` and the keys of record.logs.stderr. */
  streams: string[];
}

export interface LogChunk {
  runId: string;
  stream: string;
  /** Byte offset of the first byte of `text` in the log file. */
  start: number;
  /** Byte offset just after `text`: where the next read starts. */
  end: number;
  /** Size of the file when it was read. */
  size: number;
  text: string;
}

export interface ScheduleView {
  targetId: string;
  name?: string;
  description?: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  envs: Array<{ key: string; value: string }>;
  kind?: 'cron' | 'rate';
  awsExpression?: string;
  /** ISO instants (UTC), earliest first. */
  next: string[];
  /** The same instants as text, with the wall-clock time when the schedule has a time zone. */
  nextText: string[];
  error?: string;
  /** Deployed to this machine's local scheduler (`cloud schedule create` with the local provider). */
  deployedLocally?: boolean;
  /** What the local scheduler last did with it. */
  lastFire?: { scheduledAt: string; at: string; outcome: string; reason?: string };
}

export interface SchedulesResponse {
  schedules: ScheduleView[];
  error?: string;
  /** Computed at this instant; rate() schedules count from here. */
  now: string;
  /** The local scheduler of $HANDOFF_HOME, for projects deployed with the local provider. */
  scheduler?: { running: boolean; pid?: number; since?: string; home: string };
}

export interface StartRunResponse {
  runId?: string;
  pid?: number;
  message: string;
  /** With 409: the handoff that holds the workspace (a run, `workspace install`, …). */
  holder?: { pid: number; command: string; since: string; host: string };
}

/** Events of the `/api/events` stream (SSE event names are the `type`). */
export type UiEvent =
  | { type: 'run'; change: 'added' | 'updated'; run: RunSummary }
  | { type: 'removed'; runId: string }
  | ({ type: 'log' } & LogChunk)
  /** Events were dropped (this client read too slowly): re-read what is shown, logs from the offset reached. */
  | { type: 'resync'; reason: string };
