// The JSON shapes of the web UI's API and event stream, shared by the server and the page (types only).
import type { Diagnostic } from '../errors.js';
import type { Project } from '../project/types.js';
import type { CloudJob } from '../providers/provider.js';
import type { RunStatus } from '../runner/events.js';
import type { RunRecord, RunTrigger } from '../runs/run-record.js';

/** Who may do what in the team server: viewers read, operators also run and stop, admins also manage accounts. */
export type Role = 'viewer' | 'operator' | 'admin';

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
  /** The team server's id of the project (absent in the local one-person UI). */
  projectId?: string;
  /** A running run of the workspace can be stopped from the page (its handoff runs on this machine). */
  canStopRuns?: boolean;
  /** Runs in the provider (`cloud run`, cloud jobs and their logs): only for projects deployed to one. */
  cloud?: CloudOverview;
  /** project.yml is refused (the name is then the folder's): how many problems, and the first (the Project page lists them). */
  problem?: ProjectProblem;
}

/** A refused project.yml in short: how many problems, and the first as the CLI writes it (`file:line:col: key: message`). */
export interface ProjectProblem {
  count: number;
  first: string;
}

export interface CloudOverview {
  provider: string;
  resourceGroup?: string;
  task?: string;
  /** Whether "Run in the cloud" may start a job. */
  canStartRuns: boolean;
  /** Why it may not, or why the provider cannot be used (no deploy.task, no credentials). */
  problem?: string;
}

export interface SecretName {
  key: string;
  level: 'task' | 'resource group';
  push: boolean;
  /** Keys of `envs:` that take their value from this secret. */
  usedByEnvs: boolean;
}

/** Why project.yml cannot be loaded: the CLI's message, fix and located problems (file:line:col, key path). */
export interface ProjectLoadError {
  message: string;
  fix?: string;
  diagnostics: Diagnostic[];
}

export interface ProjectResponse {
  /** Absent when project.yml cannot be loaded; `error` says why. */
  project?: Project;
  warnings: Diagnostic[];
  error?: ProjectLoadError;
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
  /** Singer records over all streams and `untaggedRecords`; null when the run reported none. */
  records: number | null;
  streams: Record<string, number>;
  /** Singer records whose METRIC lines named no stream (not a stream of their own). */
  untaggedRecords?: number;
  tasks: Array<{ name: string; status: string }>;
  reason?: string;
  /** The record says running but its handoff is gone (killed or the machine stopped). */
  abandoned?: boolean;
  /** Where it ran: in the workspace on this machine, or in the provider (a cloud job and/or its record in the store). */
  where?: 'workspace' | 'cloud';
  /** The cloud job of a cloud run, when it is (still) known to the provider. */
  jobId?: string;
  /** The job's own status when it says more than the run's (`pending`, `unknown`). */
  jobStatus?: CloudJob['status'];
  /** A Stop was sent to this running run (by any UI of the workspace): in events and Runs pages (its "stopping" tag). */
  stopping?: { since: string };
}

export interface RunsPage {
  total: number;
  offset: number;
  limit: number;
  runs: RunSummary[];
  /** Cloud jobs or stored records could not be read (credentials, network): the workspace's runs are still listed. */
  cloudError?: string;
  /** project.yml cannot be loaded (broken, or the project folder is gone): the workspace's runs are still listed. */
  projectError?: string;
  /** Run records in the workspace that cannot be read (cut short, not a record): left out of `total` and the pages. */
  unreadable?: { count: number; files: string[] };
  /**
   * The UI is still reading the workspace's records after its start (a long history): `total` and `unreadable` count
   * the records not read yet as readable, so the total may still fall. The rows are right.
   */
  counting?: true;
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
  /** `cloud`: the record came from the provider's store (its logs are the job's, in the provider). */
  where?: 'workspace' | 'cloud';
  /** The cloud job that ran it, when known. */
  jobId?: string;
  /** A Stop was sent to this running run (by any UI of the workspace): its commands are ending; no second signal is sent. */
  stopping?: { since: string };
}

/** A cloud job as the page shows it (CloudJob of the provider, details without undefined values). */
export type CloudJobView = Omit<CloudJob, 'details'> & { details: Record<string, string | number> };

export interface JobDetail {
  job: CloudJobView;
  provider: string;
  /** The run record the job wrote to the store, once it has. */
  record?: RunRecord;
}

/** Lines of a cloud job's log, numbered from its first line; `start` is the number of the first line in `lines`. */
export interface JobLogChunk {
  jobId: string;
  start: number;
  end: number;
  lines: string[];
  /** Lines before this number are no longer kept by the server (a very long log). */
  firstKept: number;
  /** The job has ended and its log has settled: no more lines will come. */
  done: boolean;
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
  /** The schedule as deployed in the project's provider (team server, projects with a provider). */
  deployed?: DeployedScheduleView;
  /** What the local scheduler last did with it. */
  lastFire?: { scheduledAt: string; at: string; outcome: string; reason?: string };
}

export interface SchedulesResponse {
  schedules: ScheduleView[];
  /** project.yml cannot be loaded: what is wrong, located, as on the Project page. */
  error?: ProjectLoadError;
  /** Computed at this instant; rate() schedules count from here. */
  now: string;
  /** The local scheduler of $HANDOFF_HOME, for projects deployed with the local provider. */
  scheduler?: { running: boolean; pid?: number; since?: string; home: string };
  /** The provider the deployed state was read from, or why it could not be. */
  deployment?: { provider: string; error?: string; canToggle: boolean };
}

export interface DeployedScheduleView {
  /** scheduled (as declared), edited (deployed differently), draft (not deployed). */
  status: 'scheduled' | 'edited' | 'draft';
  enabled: boolean;
  expression?: string;
  timezone?: string;
  next: string[];
}

export interface StartRunResponse {
  runId?: string;
  pid?: number;
  message: string;
  /** With 409: the handoff that holds the workspace (a run, `workspace install`, …). */
  holder?: { pid: number; command: string; since: string; host: string };
}

/** One project on the team server's project list. */
export interface ProjectCard {
  id: string;
  name: string;
  description?: string;
  stage: string;
  provider?: string;
  /** ok: the last finished run succeeded; failing: it did not; running; idle: no runs yet; error: project.yml is broken. */
  health: 'ok' | 'failing' | 'running' | 'idle' | 'error';
  healthText: string;
  lastRun?: RunSummary;
  running: number;
  /** The newest runs' statuses, newest first (at most 10). */
  recent: RunStatus[];
  nextFire?: { at: string; schedule: string };
  totalRuns: number;
  /** project.yml is refused (health `error`): how many problems, and the first. */
  problem?: ProjectProblem;
}

export interface ProjectsResponse {
  projects: ProjectCard[];
}

/** The signed-in user of the team server, and the token state-changing requests must echo in X-CSRF-Token. */
export interface SessionResponse {
  user: string;
  role: Role;
  /** How the user signed in. */
  via: 'password' | 'proxy' | 'token';
  csrfToken?: string;
  /** When the session ends at the latest, and after how long without requests. */
  expiresAt?: string;
  idleSeconds?: number;
}

export interface LoginOptionsResponse {
  /** Passwords are checked here (an accounts file is configured). */
  password: boolean;
  /** A reverse proxy signs users in; sent when it is configured. */
  proxy: boolean;
}

/** One line of the audit log (JSON Lines): who did what, when, from where, and how it ended. */
export interface AuditEntry {
  time: string;
  /** The account, or the name tried at a failed login; `cli:<os user>` for changes made with `handoff ui user`. */
  user: string | null;
  role?: Role;
  action: AuditAction;
  outcome: 'ok' | 'denied' | 'failed';
  /** The client address (behind a trusted proxy: the address it forwarded for), or `cli@<host>`. */
  from: string;
  project?: string;
  /** What the action was about: a run id, job id, schedule target id, account name. */
  target?: string;
  detail?: string;
  status?: number;
}

export type AuditAction =
  | 'login'
  | 'login_failed'
  | 'logout'
  | 'run_start'
  | 'run_stop'
  | 'cloud_run_start'
  | 'job_stop'
  | 'schedule_enable'
  | 'schedule_disable'
  | 'user_add'
  | 'user_remove'
  | 'user_passwd'
  | 'user_role'
  | 'user_signout';

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` to read older entries; absent when the start of the log was reached. */
  next?: number;
  /** The scan stopped early (a very large log): narrow the filter or page on. */
  truncated: boolean;
}

export interface AccountView {
  name: string;
  role: Role;
  /** Has a password (false: signs in through the reverse proxy only). */
  password: boolean;
  created: string;
  changed: string;
}

/** Events of the `/api/events` stream (SSE event names are the `type`). */
export type UiEvent =
  | { type: 'run'; change: 'added' | 'updated'; run: RunSummary }
  | { type: 'removed'; runId: string }
  | ({ type: 'log' } & LogChunk)
  /** A cloud job appeared or changed (team server). */
  | { type: 'job'; job: CloudJobView }
  /** New lines of a cloud job's log that someone is reading; `start` numbers the first. */
  | { type: 'job-log'; jobId: string; start: number; lines: string[]; done: boolean }
  /** project.yml changed (fixed, broken, moved away): the overview and the Project page are read again. */
  | { type: 'project-changed' }
  /** A project's card on the project list changed (the team server's `/api/events`). */
  | { type: 'project'; card: ProjectCard }
  /** Events were dropped (this client read too slowly): re-read what is shown, logs from the offset reached. */
  | { type: 'resync'; reason: string };
