// The validated, normalized project model that every other part of handoff reads (see SPEC §2).
import type { CloudProviderName } from './cloud-providers.js';
import type { AwsDeploy } from './deploy-keys/aws-deploy-keys.js';

export interface Install {
  venv?: string;
  command: string;
  /** Interpreter that creates the venv (a command name or an absolute path); absent means `python3`. */
  python?: string;
  description?: string;
}

export interface Var {
  key: string;
  /** Values keep their YAML type (string, number, boolean); templates render them as text. */
  value: unknown;
  description?: string;
}

export interface Env {
  key: string;
  /** Absent means: take the secret with the same key. */
  value?: string;
  description?: string;
}

export interface Command {
  command: string;
  args?: string;
  venv?: string;
  active: boolean;
  /** Seconds; absent means no limit. */
  timeout?: number;
  /** Key path in project.yml, e.g. `tasks[0].pipeline[1]`, for messages. */
  path: string;
}

export type PipelineElement =
  | { kind: 'command'; command: Command }
  | { kind: 'foreach'; tasks: Task[]; parallel: number; path: string }
  | { kind: 'fork'; tasks: Task[]; path: string };

export type TaskBody =
  | { kind: 'commands'; commands: Command[] }
  | { kind: 'pipeline'; elements: PipelineElement[] }
  | { kind: 'tasks'; tasks: Task[] };

export interface Task {
  name: string;
  description?: string;
  active: boolean;
  /** Resolved: the task's own value, else the project default (true). */
  killDownstreamOnFail: boolean;
  /** Resolved: the task's own value, else the project default (true). */
  killLoopOnFail: boolean;
  /** Seconds for the whole task; absent means no limit. */
  timeout?: number;
  /** Extra attempts after a failure (default 0). */
  retries: number;
  body: TaskBody;
  path: string;
}

export type { AwsDeploy, PlatformConfig } from './deploy-keys/aws-deploy-keys.js';

/** `deploy` of project.yml: the keys every provider reads, and each cloud's own (deploy-keys/). */
export interface Deploy extends AwsDeploy {
  cloud_provider: CloudProviderName;
  resource_group?: string;
  task?: string;
  container_image?: string;
  image_version?: string;
  image_domain?: string;
  bucket?: string;
  /** CPU units (1024 = 1 vCPU), checked against the chosen cloud's sizes. */
  cpu?: number;
  /** Memory in MiB, checked against the chosen cloud's sizes. */
  memory?: number;
  /** Ephemeral storage in GiB. */
  storage?: number;
  push_artifacts_on_fail?: boolean;
  alarm_email?: string;
  log_retention_days?: number;
  /** Google Cloud (cloud_provider gcp): the project, region and the job's own settings. */
  gcp_project?: string;
  service_account?: string;
  network?: string;
  subnetwork?: string;
  artifact_registry?: string;
  /** Seconds a Cloud Run task may run. */
  task_timeout?: number;
  max_retries?: number;
  scheduler_retries?: number;
  notification_channels?: string[];
}

export interface ScheduleEnv {
  key: string;
  value: string;
}

export interface Schedule {
  target_id: string;
  /** AWS 6-field cron, `rate(...)`, or a preset such as `@daily`. */
  cron: string;
  name?: string;
  description?: string;
  envs: ScheduleEnv[];
  timezone?: string;
  enabled: boolean;
  /** Local scheduler: a fire while the previous run goes on is skipped (default), queued, or allowed. */
  overlap: 'skip' | 'queue' | 'allow';
  /** Local scheduler: run once for fires missed while it was down. */
  catch_up: boolean;
  path: string;
}

export interface ContainerConfig {
  docker_file?: string;
  files_dir?: string;
  base_image?: string;
}

export interface Project {
  /** Absolute path of project.yml. */
  file: string;
  /** Absolute path of the project folder. */
  dir: string;
  version?: string | number;
  description?: string;
  installs: Install[];
  vars: Var[];
  envs: Env[];
  tasks: Task[];
  killDownstreamOnFail: boolean;
  killLoopOnFail: boolean;
  deploy: Deploy;
  schedules: Schedule[];
  container: ContainerConfig;
}
