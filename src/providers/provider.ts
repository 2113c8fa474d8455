// What every provider does — store, secrets, bucket, schedules, runs, logs, and a cloud's deployment — and the factory that opens the one chosen.
import { UserError } from '../errors.js';
import { CLOUD_PROVIDERS, type CloudProviderName } from '../project/cloud-providers.js';
import type { Deploy, Schedule } from '../project/types.js';
import type { Deployment } from './deployment.js';
import { findProviderEntry } from './provider-registry.js';

export { CLOUD_PROVIDERS, type CloudProviderName };

/** Keys and prefixes of one task inside the bucket (SPEC §6), the same for every provider. Prefixes end with `/`. */
export interface S3Layout {
  /** `<task>/` — everything the task owns; the task's cloud identity is limited to it. */
  taskPrefix: string;
  projectKey: string;
  filesPrefix: string;
  lastArtifactsPrefix: string;
  archivesPrefix: string;
  runsPrefix: string;
  /** `<task>/files/<path>` */
  fileKey(path: string): string;
  /** `<task>/artifacts/last/<path>` */
  lastArtifactKey(path: string): string;
  /** `<task>/artifacts/archives/<UTC ISO time>/` */
  archivePrefix(time: string): string;
  /** `<task>/runs/<run_id>.json` */
  runRecordKey(runId: string): string;
}

/** Which task's store to use: from `deploy` in project.yml, `-e resource_group=… task=… bucket=…` and the global options. */
export interface DeployTarget {
  provider: CloudProviderName;
  stage: string;
  /** `deploy.resource_group` as written (no stage prefix). */
  resourceGroup: string;
  /** `deploy.task`, bare in every key and path (SPEC §4). */
  task: string;
  /** `deploy.bucket`; absent means the provider's default name. */
  bucket?: string;
  /** `--cloud-profile`. */
  profile?: string;
  /** `deploy.container_image`: part of the names checked for every task (the ECR repository), so pass it along. */
  containerImage?: string;
  /** The project's `deploy` keys, when a project is at hand: a cloud reads its own there (gcp_project, region, …). */
  deploy?: Partial<Deploy>;
}

/** Where a task's things live: the same layout for every provider (SPEC §6). */
export interface StoreNames {
  stage: string;
  bareResourceGroup: string;
  /** `<stage>-<rg>` for every stage but prod: the `<RG>` of the layout. */
  resourceGroup: string;
  task: string;
  bucket: string;
  /** Keys inside the bucket: `<task>/project.yml`, `<task>/files/…`, `<task>/artifacts/last/…`, … */
  s3: S3Layout;
  /** `/handoff/<RG>/<task>`: task-level secrets. */
  ssmTaskPath: string;
  /** `/handoff/<RG>`: resource-group-level secrets. */
  ssmResourceGroupPath: string;
  taskParameter(key: string): string;
  resourceGroupParameter(key: string): string;
}

export interface StoredObject {
  key: string;
  size: number;
  lastModified?: Date;
}

/** An object's bytes and whether it is an executable file (kept so `command: files/run.sh` works after a fetch). */
export interface StoredFile {
  body: Buffer;
  executable: boolean;
}

/** The bucket of a provider: S3, or a folder under HANDOFF_HOME. Keys are `/`-separated. */
export interface ObjectStore {
  put(key: string, body: Uint8Array, options?: { executable?: boolean }): Promise<void>;
  /** The object, or undefined when there is none. */
  get(key: string): Promise<StoredFile | undefined>;
  /**
   * Uploads a local file as it is read, never whole in memory: artifacts and files/ may be hundreds of megabytes, and
   * a container's memory is what its pipeline needs.
   */
  putFile(key: string, file: string, options?: { executable?: boolean }): Promise<void>;
  /**
   * Downloads the object into `file` as it arrives (created or replaced; the caller gives a temporary name and renames
   * it when complete). Whether it is executable, or undefined (and no file) when there is no such key.
   */
  getFile(key: string, file: string): Promise<{ executable: boolean } | undefined>;
  /** Every object under `prefix` (all pages), in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  delete(keys: string[]): Promise<void>;
  copy(fromKey: string, toKey: string): Promise<void>;
  /** A readable address for messages: `s3://bucket/key` or a path. */
  describe(key: string): string;
}

export type ParameterTier = 'Standard' | 'Advanced';

export interface StoredParameter {
  name: string;
  value: string;
}

/** The secret store: SSM Parameter Store, or 0600 files under HANDOFF_HOME. Names are `/handoff/<RG>[/<task>]/<key>`. */
export interface ParameterStore {
  put(name: string, value: string, tier: ParameterTier): Promise<void>;
  /** Writes several at once; a store that keeps a path's secrets together writes each path once. Absent: `put` each. */
  putAll?(entries: { name: string; value: string; tier: ParameterTier }[]): Promise<void>;
  /**
   * Throws a UserError when putAll of these would not fit, reading what is stored unless `readStored` is false (before
   * the store exists); writes nothing. Absent: every value fits on its own (chooseTier checked it).
   */
  checkPutAll?(entries: { name: string; value: string; source?: string }[], options?: { readStored?: boolean }): Promise<void>;
  /** The parameters directly under `path` (not below its children). */
  listByPath(path: string): Promise<StoredParameter[]>;
  delete(names: string[]): Promise<{ deleted: string[]; missing: string[] }>;
  describe(name: string): string;
  /**
   * Checks a value's size as stored (escaped) and picks its tier; a UserError when it cannot be stored. Absent: SSM's
   * Standard and Advanced tiers, which the local store keeps too, so a push that works locally works on AWS.
   */
  chooseTier?(key: string, stored: string, allowAdvanced: boolean): { tier: ParameterTier; bytes: number };
}

/**
 * A secret store's rules on keys and sizes, which need no call to the cloud: a push checks the secrets file with the
 * opened provider's, `config validate` with its provider entry's `secretRules` (before any credentials), the same way.
 */
export interface SecretStoreRules {
  /** A secret's name at each level; a UserError for a key the store cannot name. `ssmTaskPath` is named in messages. */
  names: Pick<StoreNames, 'ssmTaskPath' | 'taskParameter' | 'resourceGroupParameter'>;
  /** Where a secret is, for the push plan; absent: its name. */
  describe?(name: string): string;
  /** As ParameterStore.chooseTier; absent: SSM's tiers. */
  chooseTier?(key: string, stored: string, allowAdvanced: boolean): { tier: ParameterTier; bytes: number };
}

export interface BucketStatus {
  bucket: string;
  exists: boolean;
  /** Where it is: `s3://bucket` or the folder. */
  location: string;
  /** AWS: the `handoff-<RG>-bucket` stack and its status. */
  stack?: { name: string; status: string };
}

export interface BucketChange {
  bucket: string;
  location: string;
  action: 'created' | 'updated' | 'unchanged' | 'deleted' | 'retained' | 'absent';
  message: string;
}

/** Creating and deleting the bucket itself (`cloud bucket create|delete|status`). */
export interface BucketLifecycle {
  create(onProgress: (message: string) => void): Promise<BucketChange>;
  delete(onProgress: (message: string) => void): Promise<BucketChange>;
  status(): Promise<BucketStatus>;
}

/** Declared (project.yml) against deployed: `scheduled` (same), `draft` (not deployed), `edited` (differs), `orphaned` (deployed, not declared). */
export type ScheduleComparison = 'scheduled' | 'draft' | 'edited' | 'orphaned';

export interface ScheduleChange {
  target_id: string;
  /** Where the schedule lives: `<RG>/<task>/<target_id>` locally, `<group>/<name>` on AWS. */
  id: string;
  action: 'created' | 'updated' | 'unchanged' | 'deleted';
}

export interface ScheduleListing {
  target_id: string;
  status: ScheduleComparison;
  expression: string;
  timezone: string;
  enabled: boolean;
  /** The next fire times (ISO), for deployed and enabled schedules. */
  next: string[];
  /** For `edited`: which fields differ from the declaration. */
  differences?: string[];
}

/** A task's schedules in the provider (`cloud schedule create|list|delete`); expressions are already validated by the loader. */
export interface ScheduleLifecycle {
  /** Idempotent upsert of `schedules` (all of the project's, or the one chosen). */
  create(schedules: Schedule[]): Promise<ScheduleChange[]>;
  list(declared: Schedule[]): Promise<ScheduleListing[]>;
  /** Deletes exactly this task's schedules (or the one `targetId`), never another task's whose name shares a prefix. */
  delete(targetId?: string): Promise<ScheduleChange[]>;
  /** Something to tell the user after `create`, e.g. that the local scheduler is not running. */
  checkFiring(): Promise<string | undefined>;
  /**
   * True when a disabled schedule is deployed as nothing at all (Azure: a schedule trigger cannot be paused), so
   * `create` has nothing of it to make; absent: it is deployed, disabled.
   */
  readonly disabledIsAbsent?: boolean;
}

/** Why a finished cloud run failed, in the run record's words (SPEC §5). */
export type CloudJobFailure = 'exit_code' | 'out_of_memory' | 'start_failure' | 'timeout' | 'stopped' | 'unknown';

/** One run in the cloud (an ECS task, or a background `handoff run` locally). */
export interface CloudJob {
  id: string;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'interrupted' | 'unknown';
  /** Who started it: `cloud` (cloud run), `schedule`, or the AWS starter (`AWS Step Functions`, …). */
  trigger?: string;
  startedAt?: string;
  stoppedAt?: string;
  exitCode?: number;
  failure?: CloudJobFailure;
  reason?: string;
  /** Provider-specific facts worth showing: pid, workspace, log file, task ARN, run id, schedule. */
  details: Record<string, string | number | undefined>;
}

export interface StartJobInput {
  /** The container's (or background run's) environment besides HO_STAGE: `__VARS`, a schedule's envs, `-e` values. */
  envs: Record<string, string>;
  /** `deploy` of the project when one was given: network choices for AWS (public IP, platform version, subnets). */
  deploy?: Deploy;
}

export interface LogQuery {
  /** One run's lines only; otherwise every run of the task. */
  jobId?: string;
  /** Milliseconds since the epoch, inclusive. */
  startTime?: number;
  endTime?: number;
  /** AWS: CloudWatch filter pattern syntax; local: text the line must contain. */
  filterPattern?: string;
}

export interface LogLine {
  /** Milliseconds since the epoch, when known. */
  time?: number;
  jobId?: string;
  message: string;
}

/** Reads a task's run logs in order; each `read` returns only what earlier reads did not. */
export interface LogReader {
  read(): Promise<LogLine[]>;
  /**
   * True when the last read stopped at the provider's limit for one read (CloudWatch Logs: 10,000 events) with more
   * lines already there: read again for them. Absent or false when a read returns all there is.
   */
  readonly more?: boolean;
}

/** Runs of the task in the provider (`cloud run`, `cloud job status|stop`, `cloud logs`). */
export interface RunLifecycle {
  start(input: StartJobInput): Promise<CloudJob>;
  /** Recent runs, newest first. */
  list(): Promise<CloudJob[]>;
  /** One run by id or unique id prefix; a UserError when there is none. */
  get(id: string): Promise<CloudJob>;
  /** Stops a run (its handoff ends its commands and pushes artifacts first); `timeout` marks why, for the job's failure. */
  stop(id: string, why?: 'user' | 'timeout'): Promise<CloudJob>;
  /**
   * Inside a cloud run that received SIGTERM: the line to log when `cloud job stop` recorded that a user stopped this
   * run (so the cloud's failed-runs alert can leave it out, as a timeout's SIGTERM is not); undefined otherwise. Absent:
   * the provider's alert tells a stop apart by itself.
   */
  readStopRequest?(): Promise<string | undefined>;
  /**
   * Inside a cloud run that received SIGTERM: the reason to record when `cloud run --wait --timeout` stopped this run
   * (recorded in the store before its stop, src/providers/store/user-stops.ts), so its run record says timed out, as
   * `cloud job status` does; undefined otherwise.
   */
  readTimeoutStop?(): Promise<string | undefined>;
  openLogs(query: LogQuery): LogReader;
  /**
   * A UserError (exit 2, the same as `start`'s) when the task is not deployed, so no run of it can have logs: `cloud
   * logs` asks when it found none, so a misspelt task or region is not taken for a job that wrote nothing.
   */
  checkDeployed(): Promise<void>;
  /**
   * How long to keep reading after a run ended before the log is complete: CloudWatch Logs shows lines a few seconds
   * after the container wrote them; a local log file is complete at once.
   */
  readonly logSettleMs: number;
  /** How often to poll while following. */
  readonly pollMs: number;
}

/**
 * A provider: where a project's config, files, artifacts, run records and secrets are kept, and where it is
 * scheduled and run. The store and secrets layout is the same for every provider, so a project moves between them by
 * changing `deploy.cloud_provider` only. Every name still comes from one place (StoreNames).
 */
export interface Provider {
  readonly name: CloudProviderName;
  readonly names: StoreNames;
  readonly objects: ObjectStore;
  readonly parameters: ParameterStore;
  readonly bucket: BucketLifecycle;
  readonly schedules: ScheduleLifecycle;
  readonly runs: RunLifecycle;
  /** A cloud's deploy (`cloud plan|deploy|export`, `cloud <kind> …`); the local provider has none. */
  readonly deployment?: Deployment;
  /** Releases clients (sockets); the provider must not be used afterwards. */
  close(): void;
}

export interface ProviderOptions {
  /** For progress and notices (never secret values). */
  log?: (level: 'debug' | 'info' | 'warning', message: string) => void;
  /** The handoff CLI script (process.argv[1]): the local provider starts background runs with it. */
  entryScript?: string;
}

/** Checks a provider name from project.yml, `--cloud-provider` or `-e cloud_provider=`. */
export function parseCloudProvider(value: string, from: string): CloudProviderName {
  const name = value.trim().toLowerCase();
  if ((CLOUD_PROVIDERS as readonly string[]).includes(name)) return name as CloudProviderName;
  throw new UserError(`unknown cloud provider "${value}" (${from})`, { fix: `use one of: ${CLOUD_PROVIDERS.join(', ')}` });
}

/**
 * Opens the provider of `target` through the registry the CLI fills, so each provider's module (and its SDK) is
 * imported only when chosen: never by `--help`, `run local` or the local provider.
 */
export async function createProvider(target: DeployTarget, options: ProviderOptions = {}): Promise<Provider> {
  return findProviderEntry(target.provider).open(target, options);
}
