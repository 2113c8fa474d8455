// One project behind the web UI (the local UI has one, the team server many): its pages' data, the runs of its
// workspace and, for projects deployed to a provider, its cloud runs, all masked, with its own live event stream.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatDiagnostic, UserError } from '../errors.js';
import { loadProject, type LoadedProject } from '../project/load-project.js';
import type { CloudProviderName } from '../project/cloud-providers.js';
import { createProvider, type CloudJob, type DeployTarget } from '../providers/provider.js';
import { AmbiguousJobError } from '../providers/pick-job.js';
import { resolveDeployTarget } from '../providers/store/deploy-target.js';
import { findRunRecord, isAbandoned, isRunHandoff, lastSignOfLife } from '../runs/run-history.js';
import { readRunRecord, runRecordPath, type RunRecord } from '../runs/run-record.js';
import { claimStopMark, dropStopMark, readStopMark } from '../runs/stop-mark.js';
import { createMasker, HANDOFF_TOKENS, type Masker } from '../secrets/mask.js';
import { localSecretsFilePath } from '../secrets/find-local-secrets-file.js';
import type { Secret } from '../secrets/local-secrets.js';
import { scanSecretValues } from '../secrets/scan-secret-values.js';
import { secretTexts } from '../secrets/run-masker.js';
import { secretsSignature } from '../secrets/secrets-signature.js';
import { resolveWorkspacePaths, type WorkspacePaths } from '../workspace/workspace-paths.js';
import { VERSION } from '../version.js';
import type {
  CloudOverview,
  DeployedScheduleView,
  JobDetail,
  JobLogChunk,
  LogChunk,
  OverviewResponse,
  ProjectCard,
  ProjectProblem,
  ProjectResponse,
  RunDetail,
  RunPoint,
  RunsPage,
  RunSummary,
  SchedulesResponse,
  StartRunResponse,
} from './api-types.js';
import { CloudSide, toJobView } from './cloud/cloud-side.js';
import { mergeRunEntries, type RunEntry } from './cloud/merge-runs.js';
import { describeProject, loadSecretsFor, type LoadedSecrets, type ProjectSource } from './describe-project.js';
import { addLocalSchedulerState, describeSchedules } from './describe-schedules.js';
import { formatFireTimes } from '../schedule/describe-schedule.js';
import { createEventStream, type EventStream, type EventStreamLimits } from './event-stream.js';
import { HttpError } from './http-basics.js';
import { readLogChunk } from './read-log-chunk.js';
import { RunSummaryCache, showAbandoned, summarizeRunRecord, unreadableNote, type ShownRuns } from './run-summary-cache.js';
import { createRunStarter, type RunStarter } from './start-ui-run.js';
import { watchRuns, type RunWatch } from './watch-runs.js';
import { resolveWorkspaceFile } from './workspace-file.js';
import { isoTime } from '../iso-time.js';

/** What a request for a run that is not there gets (see runDetail). */
const NO_SUCH_RUN = 'no run with that id in this workspace';
/** The same for jobs and schedules: the provider's own message quotes the id (`no job "…" for …`). */
const NO_SUCH_JOB = 'no job with that id for this project';
const NO_SUCH_SCHEDULE = 'project.yml declares no schedule with that target_id';

export interface ProjectBackendOptions extends ProjectSource {
  /** The team server's id of the project; '' for the local one-person UI. */
  id: string;
  workspaceDir: string;
  /** `-v` tokens, passed on to the runs the page starts. */
  varTokens: string[];
  /** More options for those runs (`--timeout`, `--strict`, `-l`, `-a` …) and their `-e` values (see UiRunLaunch). */
  runFlags?: string[];
  envs?: Record<string, string>;
  /** The handoff entry script that "Run now" starts again (bin/handoff.js); without it runs cannot be started. */
  handoffEntry?: string;
  /** Never start runs (`handoff ui --read-only`). */
  readOnly?: boolean;
  /** Runs in the workspace: true/false as configured; undefined: on unless deploy.cloud_provider is a cloud. */
  localRuns?: boolean;
  /** How a user switches local runs on for a cloud project (the flag or the ui.yml key), for the read-only reason. */
  allowRunsHint: string;
  /** Cloud runs through this provider (`none`: never); undefined: deploy.cloud_provider. Off when `cloud` is false. */
  provider?: CloudProviderName | 'none';
  /** Open the project's provider for cloud runs (the team server); the local UI never calls a provider. */
  cloud: boolean;
  eventLimits?: EventStreamLimits;
  /** Told about failures nobody asked for (background reads of a provider). */
  onError?: (error: unknown) => void;
  /** A run of the project started, changed or ended (the team server's project list follows it). */
  onChange?: () => void;
  /** See ExplainLoadError. */
  explainLoadError?: ExplainLoadError;
}

/**
 * Turns a project.yml refusal into the one the CLI gives for it (its template syntax errors listed with a refused
 * structure's problems, as `config validate` lists them). The CLI hands its own in (addWrittenTemplateProblems):
 * locating template problems at their keys is the CLI's, and ui/ imports nothing from cli/. Called on the error path
 * only, once per change of the file.
 */
export type ExplainLoadError = (error: unknown) => Promise<unknown>;

/**
 * A refusal of project.yml in short, for a card or a header: its number of problems and the first, located as the CLI
 * writes it (`file:line:col: key: message`); the refusal's message when it locates none (a folder gone).
 */
export function summarizeLoadError(error: unknown): ProjectProblem {
  const errors = error instanceof UserError ? error.diagnostics.filter((d) => d.severity === 'error') : [];
  if (errors.length === 0) return { count: 1, first: (error as Error)?.message ?? String(error) };
  return { count: errors.length, first: formatDiagnostic(errors[0]!).replace(/^error: /, '') };
}

const MAX_LOG_BYTES = 1024 * 1024;
const SECRETS_CHECK_MS = 1000;
const CARD_TTL_MS = 10_000;
/** How often project.yml is looked at for a change (a fix, a break, a moved folder) that the open pages must show. */
const PROJECT_CHECK_MS = 2000;
/** Store records read at once when the merged history first meets them (each is read once). */
const STORE_READS_AT_ONCE = 8;

export interface ActionResult<T> {
  status: number;
  body: T;
  /** What the audit log should say about it. */
  target?: string;
  detail?: string;
}

export class ProjectBackend {
  readonly id: string;
  readonly projectDir: string;
  readonly workspace: WorkspacePaths;
  readonly stage: string;
  readonly events: EventStream;
  private readonly source: ProjectSource;
  private readonly cache: RunSummaryCache;
  private readonly starter: RunStarter | undefined;
  private watch: RunWatch | undefined;
  private loaded: { signature: string; result: Promise<LoadedProject> } | undefined;
  private projectCheck: NodeJS.Timeout | undefined;
  private secretsCache: (LoadedSecrets & { masker: Masker; signature: string; storeCount: number }) | undefined;
  private secretsCheckedAt = 0;
  /** The last card of the project list, until a run changes or it is a little old (next fire times move on). */
  private cardCache: { at: number; card: Promise<ProjectCard> } | undefined;
  private cloudSide: { key: string; side: CloudSide } | { key: string; error: string } | undefined;
  private storeSecrets: string[] = [];
  /** The secrets of the last read of the secrets file that loaded (their values stay masked while it does not). */
  private lastGoodSecrets: Secret[] = [];
  /** Summaries of store records, by run id (they do not change once pushed). */
  private readonly storeSummaries = new Map<string, RunSummary>();
  /** Store objects under runs/ that are not whole run records (cut short, not JSON), by run id. */
  private readonly storeUnreadable = new Set<string>();
  /**
   * The Stops this server sent that no mark beside the run's logs records (its folder could not be written), by run id
   * with the pid signalled. The mark (runs/stop-mark.ts) is what every UI reads, this one after a restart too: handoff
   * takes a second SIGTERM as "kill every process now", which would cut the commands' cleanup short.
   */
  private readonly stopsSent = new Map<string, { pid: number; since: string }>();

  constructor(private readonly options: ProjectBackendOptions) {
    this.id = options.id;
    this.projectDir = path.resolve(options.projectDir);
    this.workspace = resolveWorkspacePaths(options.workspaceDir);
    this.stage = options.stage;
    this.source = { projectDir: this.projectDir, stage: options.stage, secretsDir: options.secretsDir };
    this.cache = new RunSummaryCache(this.workspace.runsDir);
    this.events = createEventStream((text) => this.mask(text), options.eventLimits);
    this.starter = options.handoffEntry
      ? createRunStarter(
          {
            handoffEntry: options.handoffEntry,
            projectDir: this.projectDir,
            workspaceDir: this.workspace.dir,
            runsDir: this.workspace.runsDir,
            stage: options.stage,
            varTokens: options.varTokens,
            runFlags: options.runFlags,
            envs: options.envs,
            onUnfinished: (runId, lastLines) => {
              this.cache.setLastWords(runId, this.mask(lastLines));
              const run = this.cache.get(runId);
              if (run) this.events.send({ type: 'run', change: 'updated', run: this.id ? { ...run, where: 'workspace' } : run });
            },
          },
          () => this.cache.running().map((run) => run.runId),
        )
      : undefined;
  }

  /** Starts watching the workspace's runs (events) and warms the first page's summaries. */
  start(): void {
    // A long history is read in the background: the first page is the newest records, its total completed later.
    this.cache.countInBackground(() => this.changed());
    this.watch = watchRuns({
      workspaceDir: this.workspace.dir,
      cache: this.cache,
      onRun: (change, run) => {
        this.events.send({ type: 'run', change, run: this.id ? { ...run, where: 'workspace' } : run });
        this.changed();
      },
      onRemoved: (runId) => {
        this.events.send({ type: 'removed', runId });
        this.changed();
      },
      onLog: (chunk) => this.events.send({ type: 'log', ...chunk }),
      keepWhole: () => this.secrets().masker.values,
      stoppingOf: (runId) => {
        const pid = this.cache.pidOf(runId);
        return pid === undefined ? undefined : this.stopOf(runId, pid);
      },
    });
    // project.yml changes are no run's: the project list's card and the pages that show the overview (Run now, the
    // Project page) are told, so a fixed project does not stay "broken" until a reload (nor a moved one "healthy").
    let seen = this.projectSignature();
    this.projectCheck = setInterval(() => {
      const now = this.projectSignature();
      if (now === seen) return;
      seen = now;
      this.events.send({ type: 'project-changed' });
      this.changed();
    }, PROJECT_CHECK_MS);
    this.projectCheck.unref();
    // Read the newest summaries now, so the first Runs page does not wait for a cold disk.
    setImmediate(() => {
      this.cache.page(0, 50);
      this.cache.points(200);
    });
  }

  async close(): Promise<void> {
    this.watch?.close();
    clearInterval(this.projectCheck);
    this.cache.stopCounting();
    this.events.close();
    if (this.cloudSide && 'side' in this.cloudSide) this.cloudSide.side.close();
  }

  /** A run changed: the card is drawn again, and the team server told. */
  private changed(): void {
    this.cardCache = undefined;
    this.options.onChange?.();
  }

  // --- secrets and masking ---------------------------------------------------------------------------------------

  /**
   * Secrets are read again when any file they are read from changes (the secrets file, or a `file:` it names, in a
   * subfolder or anywhere: a key rotated in place), so a value added while the UI is open is masked too. The files are
   * looked at once a second at most: every answer and event is masked, and many viewers make many of them.
   */
  secrets(): LoadedSecrets & { masker: Masker } {
    if (this.secretsCache && Date.now() - this.secretsCheckedAt < SECRETS_CHECK_MS && this.secretsCache.storeCount === this.storeSecrets.length) return this.secretsCache;
    this.secretsCheckedAt = Date.now();
    const signature = `${secretsSignature(localSecretsFilePath(this.source), this.lastGoodSecrets)}|${this.storeSecrets.length}`;
    if (!this.secretsCache || this.secretsCache.signature !== signature) {
      const loaded = loadSecretsFor(this.source);
      let values: string[];
      if (loaded.broken) {
        // A file that does not load (a YAML mistake, an edit in progress) must not switch masking off: the values of
        // its last good read are masked still, with every value that can be found in it as it is now.
        values = [...this.lastGoodSecrets.flatMap(secretTexts), ...scanSecretValues(loaded.file)];
        loaded.problem = `${loaded.problem}; meanwhile the UI masks the values of its last good read and any it can find in it`;
      } else {
        this.lastGoodSecrets = loaded.secrets;
        values = loaded.secrets.flatMap(secretTexts);
      }
      // Signed before the read: a file written during it changes the next signature, so it is read again, not missed.
      this.secretsCache = { ...loaded, masker: createMasker([...values, ...this.storeSecrets], { spare: HANDOFF_TOKENS }), signature, storeCount: this.storeSecrets.length };
    }
    return this.secretsCache;
  }

  mask(text: string): string {
    return this.secrets().masker.mask(text);
  }

  // --- project.yml -----------------------------------------------------------------------------------------------

  /**
   * project.yml, parsed again only when the file changed (the project list asks for every project often). Every page
   * and "Run now" read it here, so a refusal says the same everywhere: with all its problems (explainLoadError).
   */
  loadProject(): Promise<LoadedProject> {
    const signature = this.projectSignature();
    if (this.loaded?.signature !== signature) {
      const explain = this.options.explainLoadError;
      const result = loadProject(this.projectDir);
      this.loaded = { signature, result: explain ? result.catch(async (error: unknown) => Promise.reject(await explain(error))) : result };
    }
    return this.loaded.result;
  }

  /** project.yml's time and size ('missing' when it, or the project folder, is not there). */
  private projectSignature(): string {
    try {
      const stat = fs.statSync(path.join(this.projectDir, 'project.yml'));
      return `${stat.mtimeMs}:${stat.size}`;
    } catch {
      return 'missing';
    }
  }

  private async projectName(): Promise<{ name: string; cloudProvider?: string; description?: string }> {
    try {
      const { project } = await this.loadProject();
      return { name: project.deploy.task ?? path.basename(this.projectDir), cloudProvider: project.deploy.cloud_provider, description: project.description };
    } catch {
      return { name: path.basename(this.projectDir) };
    }
  }

  /** Why "Run now" is off, if it is. */
  private localRunsOff(cloudProvider: string | undefined): string | undefined {
    const off = this.workspaceRunsOff(cloudProvider);
    if (off !== undefined) return off;
    if (!this.options.handoffEntry) return 'this server was started without a handoff command to run';
    return undefined;
  }

  /**
   * Why runs in the workspace are neither started nor stopped from this page, if they are not: a page that says it is
   * read-only offers no Stop either (README: read-only unless --allow-runs). On the team server a cloud project's page
   * still starts and stops cloud jobs, so it is not called read-only there.
   */
  private workspaceRunsOff(cloudProvider: string | undefined): string | undefined {
    if (this.options.readOnly) return '`handoff ui` was started with --read-only';
    if (this.options.localRuns === false) return 'runs in the workspace are switched off for this project (local_runs: false)';
    if (this.options.localRuns === undefined && cloudProvider !== undefined && cloudProvider !== 'local') {
      return this.options.cloud
        ? `deploy.cloud_provider is ${cloudProvider}, so runs in the workspace are neither started nor stopped here (cloud runs are); ${this.options.allowRunsHint}`
        : `deploy.cloud_provider is ${cloudProvider}, so this page is read-only; ${this.options.allowRunsHint}`;
    }
    return undefined;
  }

  // --- the provider ------------------------------------------------------------------------------------------------

  /** The provider of cloud runs, opened for the project's deploy target (again when project.yml changes it). */
  private async cloud(): Promise<{ side?: CloudSide; overview?: CloudOverview; loadError?: string }> {
    if (!this.options.cloud || this.options.provider === 'none') return {};
    let target: DeployTarget;
    let project;
    try {
      project = (await this.loadProject()).project;
    } catch (error) {
      // A broken project.yml (an edit, a bad pull) leaves the provider it was deployed to as it was: its jobs stay
      // listed, viewable and stoppable; only what needs project.yml (a new job, a schedule's switch) waits for it.
      const loadError = `project.yml cannot be loaded: ${(error as Error).message}`;
      const current = this.cloudSide;
      if (current && 'side' in current) {
        const { target: last } = current.side;
        return { side: current.side, overview: { provider: last.provider, resourceGroup: last.resourceGroup, task: last.task, canStartRuns: false, problem: loadError }, loadError };
      }
      return { loadError };
    }
    const providerName = this.options.provider ?? project.deploy.cloud_provider;
    if (!providerName) return {};
    // A project that declares no deployment (local by default, no deploy.resource_group, no provider in ui.yml) was
    // never deployed: it has no cloud side, and nothing is wrong with it.
    if (this.options.provider === undefined && providerName === 'local' && !project.deploy.resource_group) return {};
    try {
      target = resolveDeployTarget({ deploy: project.deploy, projectFile: project.file, cloudProvider: providerName, stage: this.stage });
    } catch (error) {
      return { overview: { provider: providerName, canStartRuns: false, problem: (error as Error).message } };
    }
    const key = JSON.stringify(target);
    if (this.cloudSide?.key !== key) {
      if (this.cloudSide && 'side' in this.cloudSide) this.cloudSide.side.close();
      try {
        const provider = await createProvider(target, { entryScript: this.options.handoffEntry });
        const side = new CloudSide({
          provider,
          target,
          onJob: (job) => {
            this.events.send({ type: 'job', job });
            this.changed();
          },
          onJobLog: (jobId, start, lines, done) => this.events.send({ type: 'job-log', jobId, start, lines, done }),
          isWatched: () => this.events.clientCount > 0,
          onError: this.options.onError,
        });
        this.cloudSide = { key, side };
        void side.readSecretValues().then((values) => (this.storeSecrets = values));
      } catch (error) {
        this.cloudSide = { key, error: (error as Error).message };
      }
    }
    const current = this.cloudSide!;
    const overview: CloudOverview = {
      provider: target.provider,
      resourceGroup: target.resourceGroup,
      task: target.task,
      canStartRuns: 'side' in current && Boolean(this.options.handoffEntry || target.provider !== 'local') && !this.options.readOnly,
      ...('error' in current ? { problem: current.error } : {}),
    };
    return 'side' in current ? { side: current.side, overview } : { overview };
  }

  /** A provider call that failed (the cloud's API, the network): 502 with what it said; the server's log gets the whole error. */
  private providerFailure(error: unknown): HttpError {
    this.options.onError?.(error);
    return new HttpError(502, `the provider failed: ${(error as Error).message}`);
  }

  private async requireCloud(): Promise<CloudSide> {
    const { side, overview, loadError } = await this.cloud();
    if (!side) throw new HttpError(409, overview?.problem ?? loadError ?? 'this project runs in no provider (no deploy.cloud_provider, or provider: none in ui.yml)');
    return side;
  }

  /** project.yml for an action that needs it: a 409 that says why when it does not load. */
  private async requireProject(): Promise<LoadedProject> {
    try {
      return await this.loadProject();
    } catch (error) {
      if (error instanceof UserError) throw new HttpError(409, `project.yml cannot be loaded: ${error.message}`);
      throw error;
    }
  }

  /** Why project.yml does not load now, if it does not. */
  private async projectLoadError(): Promise<string | undefined> {
    try {
      await this.loadProject();
      return undefined;
    } catch (error) {
      return `project.yml cannot be loaded: ${(error as Error).message}`;
    }
  }

  // --- pages -----------------------------------------------------------------------------------------------------

  async overview(): Promise<OverviewResponse> {
    const { name, cloudProvider } = await this.projectName();
    // A run of a project.yml that does not load would only fail: "Run now" is off, and says why.
    const reason = this.localRunsOff(cloudProvider) ?? (await this.projectLoadError());
    const problem = await this.loadProject().then(() => undefined, summarizeLoadError);
    const { overview: cloud } = await this.cloud();
    return {
      projectName: name,
      projectDir: this.projectDir,
      workspaceDir: this.workspace.dir,
      stage: this.stage,
      cloudProvider,
      handoffVersion: VERSION,
      canStartRuns: reason === undefined,
      readOnlyReason: reason,
      ...(this.id ? { projectId: this.id } : {}),
      canStopRuns: this.workspaceRunsOff(cloudProvider) === undefined,
      ...(cloud ? { cloud } : {}),
      ...(problem ? { problem } : {}),
    };
  }

  describe(): Promise<ProjectResponse> {
    return describeProject(this.source, this.secrets(), () => this.loadProject());
  }

  async schedules(): Promise<SchedulesResponse> {
    const now = new Date();
    let loaded: LoadedProject;
    try {
      loaded = await this.loadProject();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return { schedules: [], now: isoTime(now), error: { message: error.message, fix: error.fix, diagnostics: error.diagnostics } };
    }
    const { project } = loaded;
    const response: SchedulesResponse = { ...addLocalSchedulerState(project, this.stage, describeSchedules(project, now), process.env, now), now: isoTime(now) };
    // A project without schedules has nothing deployed to compare (and its provider need not be reachable).
    if (project.schedules.length === 0) return response;
    const { side, overview } = await this.cloud();
    if (!overview) return response;
    if (!side) return { ...response, deployment: { provider: overview.provider, error: overview.problem, canToggle: false } };
    try {
      const { deployed, compared } = await side.listSchedules(project.schedules);
      const status = new Map(compared.map((s) => [s.target_id, s.status]));
      response.schedules = response.schedules.map((view) => {
        const now = deployed.get(view.targetId);
        const state = status.get(view.targetId);
        const shown: DeployedScheduleView = now
          ? { status: state === 'scheduled' ? 'scheduled' : 'edited', enabled: now.enabled, expression: now.expression, timezone: now.timezone, next: now.next }
          : { status: 'draft', enabled: false, next: [] };
        // A rate deployed as declared fires as the provider counts it (from its deploy), not from this request.
        if (view.kind === 'rate' && view.enabled && shown.status === 'scheduled' && shown.next.length > 0 && !view.deployedLocally) {
          return { ...view, deployed: shown, next: shown.next, nextText: formatFireTimes(shown.next.map((t) => new Date(t)), view.timezone) };
        }
        return { ...view, deployed: shown };
      });
      response.deployment = { provider: overview.provider, canToggle: !this.options.readOnly };
    } catch (error) {
      response.deployment = { provider: overview.provider, error: (error as Error).message, canToggle: false };
    }
    return response;
  }

  // --- runs --------------------------------------------------------------------------------------------------------

  /** Summaries of the entries of one page, in order; store records are read (once) from the provider. */
  private async summarize(entries: RunEntry[], side: CloudSide | undefined): Promise<RunSummary[]> {
    const out = await Promise.all(
      entries.map(async (entry): Promise<RunSummary | undefined> => {
        if (entry.kind === 'workspace') {
          const summary = this.cache.get(entry.runId);
          return summary ? this.withStopping({ ...summary, where: 'workspace' }) : undefined;
        }
        if (entry.kind === 'store') {
          let summary = this.storeSummaries.get(entry.runId);
          if (!summary && side) {
            const record = await side.readRecord(entry.runId).catch(() => undefined);
            if (record) {
              summary = summarizeRunRecord(record);
              this.storeSummaries.set(entry.runId, summary);
            }
          }
          if (!summary) return undefined;
          return { ...summary, where: 'cloud', ...(entry.job ? { jobId: entry.job.id, jobStatus: entry.job.status } : {}) };
        }
        return summarizeJob(entry.job, this.stage);
      }),
    );
    return out.filter((s): s is RunSummary => s !== undefined);
  }

  /** The merged history; the workspace's records that cannot be read are left out of it (and named in `unreadable`). */
  private async mergedEntries(): Promise<{ entries: RunEntry[]; side?: CloudSide; cloudError?: string; projectError?: string; unreadable: ShownRuns['unreadable']; counting?: true }> {
    const { ids: workspaceIds, unreadable, counting } = this.cache.shownRuns();
    // A project.yml that cannot be loaded is the project's own error, not the cloud's (its overview repeats it).
    const { side, overview, loadError: projectError } = await this.cloud();
    if (!side) {
      return { entries: workspaceIds.map((runId) => ({ kind: 'workspace', key: runId, runId })), cloudError: projectError ? undefined : overview?.problem, projectError, unreadable, counting };
    }
    const [jobs, listed] = await Promise.all([side.listJobs().catch(() => []), side.listStoreIds().catch(() => [])]);
    // A run of this workspace that pushed its record is shown from the workspace: its store copy is not read.
    const inWorkspace = new Set([...workspaceIds, ...unreadable.map((u) => u.runId)]);
    const store = await this.sortStoreRecords(side, listed.filter((id) => !inWorkspace.has(id)));
    return { entries: mergeRunEntries({ workspaceIds, storeIds: store.ids, jobs }), side, cloudError: side.problem, projectError, unreadable: [...unreadable, ...store.unreadable], counting };
  }

  /**
   * The store's records that can be shown, and those that cannot (named as the workspace's are): a record counted but
   * not shown made the total larger than the rows, with nothing said. Each record not seen before is read once (a few
   * at a time); one whose read fails (the provider not reachable now) is counted and read again next time.
   */
  private async sortStoreRecords(side: CloudSide, storeIds: string[]): Promise<ShownRuns> {
    const unknown = storeIds.filter((id) => !this.storeSummaries.has(id) && !this.storeUnreadable.has(id));
    let next = 0;
    const readNext = async (): Promise<void> => {
      while (next < unknown.length) {
        const runId = unknown[next++];
        const record = await side.readStoredRecord(runId).catch(() => undefined);
        if (record === 'unreadable') this.storeUnreadable.add(runId);
        else if (record) this.storeSummaries.set(runId, summarizeRunRecord(record));
      }
    };
    await Promise.all(Array.from({ length: Math.min(STORE_READS_AT_ONCE, unknown.length) }, readNext));
    const shown: ShownRuns = { ids: [], unreadable: [] };
    for (const runId of storeIds) {
      if (this.storeUnreadable.has(runId)) shown.unreadable.push({ runId, file: side.describeRecord(runId) });
      else shown.ids.push(runId);
    }
    return shown;
  }

  async runsPage(offset: number, limit: number): Promise<RunsPage> {
    if (!this.options.cloud) {
      const page = this.cache.page(offset, limit);
      return { ...page, runs: page.runs.map((r) => this.withStopping(this.options.id ? { ...r, where: 'workspace' as const } : r)) };
    }
    const { entries, side, cloudError, projectError, unreadable, counting } = await this.mergedEntries();
    const runs = await this.summarize(entries.slice(offset, offset + limit), side);
    return { total: entries.length, offset, limit, runs, ...(cloudError ? { cloudError } : {}), ...(projectError ? { projectError } : {}), ...unreadableNote(unreadable), ...(counting ? { counting } : {}) };
  }

  async runPoints(limit: number): Promise<RunPoint[]> {
    if (!this.options.cloud) return this.cache.points(limit);
    const { entries, side } = await this.mergedEntries();
    const runs = await this.summarize(entries.slice(0, limit), side);
    return runs.map((s) => ({ runId: s.runId, status: s.status, startedAt: s.startedAt, durationMs: s.durationMs ?? null, records: s.records })).reverse();
  }

  /** The project's card on the project list: shared by every viewer until a run changes or it is ten seconds old. */
  card(): Promise<ProjectCard> {
    if (this.cardCache && Date.now() - this.cardCache.at < CARD_TTL_MS) return this.cardCache.card;
    const card = this.describeCard();
    this.cardCache = { at: Date.now(), card };
    card.catch(() => (this.cardCache = undefined));
    return card;
  }

  /** Health, last run, next fire and recent runs of the workspace and the provider. */
  private async describeCard(): Promise<ProjectCard> {
    const { name, cloudProvider, description } = await this.projectName();
    let projectError: string | undefined;
    let problem: ProjectProblem | undefined;
    let nextFire: ProjectCard['nextFire'];
    try {
      const { project } = await this.loadProject();
      const now = new Date();
      // A deployed rate's next fire counts from its deploy (the local scheduler's); one not deployed has none.
      for (const view of addLocalSchedulerState(project, this.stage, describeSchedules(project, now, 1), process.env, now, 1).schedules) {
        const at = view.next[0];
        if (at && (!nextFire || at < nextFire.at)) nextFire = { at, schedule: view.name ?? `target ${view.targetId}` };
      }
    } catch (error) {
      projectError = (error as Error).message;
      problem = summarizeLoadError(error);
    }
    const page = await this.runsPage(0, 10);
    const running = page.runs.filter((r) => r.status === 'running').length;
    const last = page.runs.find((r) => r.status !== 'running');
    const health: ProjectCard['health'] = projectError ? 'error' : running > 0 ? 'running' : !last ? 'idle' : last.status === 'succeeded' ? 'ok' : 'failing';
    const healthText = projectError
      ? `project.yml cannot be loaded: ${projectError}`
      : health === 'running'
        ? `${running} running`
        : !last
          ? 'no runs yet'
          : last.status === 'succeeded'
            ? 'the last run succeeded'
            : `the last run ${last.status === 'failed' ? 'failed' : 'was interrupted'}${last.reason ? `: ${last.reason}` : ''}`;
    return {
      id: this.id,
      name,
      ...(description ? { description } : {}),
      stage: this.stage,
      ...(this.options.provider !== 'none' && (this.options.provider ?? cloudProvider) ? { provider: this.options.provider ?? cloudProvider } : {}),
      health,
      healthText,
      ...(page.runs[0] ? { lastRun: page.runs[0] } : {}),
      running,
      recent: page.runs.map((r) => r.status),
      ...(nextFire ? { nextFire } : {}),
      totalRuns: page.total,
      ...(problem ? { problem } : {}),
    };
  }

  async runDetail(runId: string): Promise<RunDetail> {
    // Answers never repeat what the caller sent: masked, a guessed secret would come back as *** (and so be confirmed).
    if (!/^[\w.-]+$/.test(runId)) throw new HttpError(404, NO_SUCH_RUN);
    // A whole id (what the pages link to) is read directly; a prefix is looked up in the listing.
    let record: RunRecord | undefined = readRunRecord(runRecordPath(this.workspace.runsDir, runId));
    try {
      record ??= findRunRecord(this.workspace.runsDir, runId);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      const side = (await this.cloud()).side;
      const stored = side ? await side.readRecord(runId).catch(() => undefined) : undefined;
      if (!stored) throw new HttpError(404, / matches \d+ runs /.test(error.message) ? 'more than one run starts so: give the whole run id' : NO_SUCH_RUN);
      const { entries } = await this.mergedEntries();
      const entry = entries.find((e) => e.kind === 'store' && e.runId === runId);
      const jobId = entry?.kind === 'store' ? entry.job?.id : undefined;
      return { record: stored, abandoned: false, streams: [], where: 'cloud', ...(jobId ? { jobId } : {}) };
    }
    const abandoned = isAbandoned(record);
    if (abandoned) {
      const shown = showAbandoned(summarizeRunRecord(record), record, lastSignOfLife(this.workspace.runsDir, record), this.cache.lastWordsOf(record.runId) ?? record.lastOutput);
      record = { ...record, status: shown.status, endedAt: shown.endedAt, durationMs: shown.durationMs, reason: shown.reason };
    }
    const remembered = this.stopsSent.get(record.runId);
    if (remembered && (record.status !== 'running' || remembered.pid !== record.pid)) this.stopsSent.delete(record.runId);
    const stop = record.status === 'running' ? this.stopOf(record.runId, record.pid) : undefined;
    const stopping = stop ? { stopping: stop } : {};
    return { record, abandoned, streams: ['console', ...Object.keys(record.logs?.stderr ?? {})], ...(this.id ? { where: 'workspace' as const } : {}), ...stopping };
  }

  /**
   * A running run of the workspace whose Stop was asked (by any UI): carries it in the Runs pages as in its events and
   * its detail, so a page loaded now tags it "stopping" too. Only running rows are looked at: a mark or two to read.
   */
  private withStopping(run: RunSummary): RunSummary {
    if (run.status !== 'running' || run.where === 'cloud' || run.stopping) return run;
    const pid = this.cache.pidOf(run.runId);
    const stop = pid === undefined ? undefined : this.stopOf(run.runId, pid);
    return stop ? { ...run, stopping: stop } : run;
  }

  /** The Stop sent to the run's handoff (pid) by any UI of the workspace (its mark), or by this one (remembered). */
  private stopOf(runId: string, pid: number): { since: string } | undefined {
    const mark = readStopMark(this.workspace.runsDir, runId, pid);
    if (mark) return { since: mark.since };
    const remembered = this.stopsSent.get(runId);
    return remembered?.pid === pid ? { since: remembered.since } : undefined;
  }

  /** The file of one of a run's logs: `console`, or a key of its stderr logs (own keys only: no `__proto__`). */
  private logFileOf(detail: RunDetail, stream: string): string {
    const logs = detail.record.logs;
    const stderr = logs?.stderr;
    const relative = stream === 'console' ? logs?.console : stderr && Object.hasOwn(stderr, stream) ? stderr[stream] : undefined;
    const file = detail.where === 'cloud' ? undefined : resolveWorkspaceFile(this.workspace.dir, relative);
    if (!file) throw new HttpError(404, `run ${detail.record.runId} has no log of that name${detail.where === 'cloud' ? ' here (it ran in the provider: see its job)' : ''}`);
    return file;
  }

  async readLog(runId: string, stream: string, from: { offset: number; tail?: number }): Promise<LogChunk> {
    const detail = await this.runDetail(runId);
    const file = this.logFileOf(detail, stream);
    const chunk = readLogChunk(file, {
      offset: from.offset,
      tail: from.tail,
      maxBytes: MAX_LOG_BYTES,
      // While the run writes, answer whole lines only, so these offsets line up with the event stream's.
      wholeLinesOnly: detail.record.status === 'running',
      // Masked after reading: an offset inside a secret must not leave its rest unrecognised.
      keepWhole: this.secrets().masker.values,
    });
    return { runId: detail.record.runId, stream, ...chunk };
  }

  // --- actions -----------------------------------------------------------------------------------------------------

  async startRun(): Promise<ActionResult<StartRunResponse>> {
    const { cloudProvider } = await this.projectName();
    const reason = this.localRunsOff(cloudProvider);
    if (reason !== undefined || !this.starter) throw new HttpError(403, reason ?? 'read-only');
    const result = await this.starter.start();
    // Tell the page's event streams at once, rather than at the next look at runs/.
    this.watch?.poke();
    if (result.kind === 'busy') return { status: 409, body: result.busy, detail: 'the workspace is busy' };
    if (result.kind === 'failed') return { status: 422, body: { message: result.message }, detail: 'the run did not start' };
    if (result.kind === 'starting') return { status: 202, body: { pid: result.pid, message: 'the run is starting' }, detail: `pid ${result.pid}` };
    return { status: 201, body: { runId: result.runId, pid: result.pid, message: `run ${result.runId} started` }, target: result.runId };
  }

  /** Stops a running run of the workspace as Ctrl-C would: SIGTERM to its handoff, which ends its commands and records why. */
  async stopRun(runId: string): Promise<ActionResult<{ message: string }>> {
    const off = this.workspaceRunsOff((await this.projectName()).cloudProvider);
    if (off !== undefined) throw new HttpError(403, off);
    const detail = await this.runDetail(runId);
    const record = detail.record;
    if (detail.where === 'cloud') throw new HttpError(409, `run ${runId} ran in the provider: stop its job instead`);
    if (record.status !== 'running') return { status: 409, body: { message: `run ${record.runId} is not running (it ${record.status})` }, target: record.runId };
    if (record.host !== os.hostname()) throw new HttpError(409, `run ${record.runId} runs on ${record.host}, not on this machine`);
    // The pid of a handoff that is gone may be another process's now (another handoff's too): never signalled.
    if (!isRunHandoff(record)) return { status: 409, body: { message: `the handoff of run ${record.runId} (pid ${record.pid}) is gone already` }, target: record.runId };
    const stoppingAlready = (since: string): ActionResult<{ message: string }> => ({
      status: 409,
      body: { message: `run ${record.runId} is stopping already (asked at ${since}): its commands get the grace period to end and clean up; no second signal is sent, as handoff would take it to kill them at once` },
      target: record.runId,
    });
    if (detail.stopping) return stoppingAlready(detail.stopping.since);
    const since = new Date().toISOString();
    // The mark first, claimed only if no other UI's is there: of two Stops at once, only one signals.
    let claim = claimStopMark(this.workspace.runsDir, record.runId, { pid: record.pid, since });
    if (claim === 'taken') {
      const other = this.stopOf(record.runId, record.pid);
      if (other) return stoppingAlready(other.since);
      // A file there that is no mark of this run's handoff (not written by handoff): it announces no stop.
      dropStopMark(this.workspace.runsDir, record.runId);
      claim = claimStopMark(this.workspace.runsDir, record.runId, { pid: record.pid, since });
      if (claim === 'taken') return stoppingAlready(this.stopOf(record.runId, record.pid)?.since ?? since);
    }
    try {
      process.kill(record.pid, 'SIGTERM');
    } catch (error) {
      if (claim === 'claimed') dropStopMark(this.workspace.runsDir, record.runId);
      throw new HttpError(409, `cannot stop pid ${record.pid}: ${(error as Error).message}`);
    }
    if (claim === 'unwritable') this.stopsSent.set(record.runId, { pid: record.pid, since });
    this.watch?.poke();
    return { status: 202, body: { message: `asked run ${record.runId} to stop (pid ${record.pid}); it ends its commands and records the run as interrupted` }, target: record.runId };
  }

  async startCloudRun(): Promise<ActionResult<{ job: JobDetail['job']; message: string }>> {
    const { side, overview } = await this.cloud();
    if (!side || !overview?.canStartRuns) throw new HttpError(409, overview?.problem ?? 'cloud runs are not available for this project');
    const { project } = await this.requireProject();
    let job;
    try {
      job = await side.startJob(project);
    } catch (error) {
      if (error instanceof UserError) throw new HttpError(422, `${error.message}${error.fix ? ` (${error.fix})` : ''}`);
      throw this.providerFailure(error);
    }
    this.changed();
    return { status: 201, body: { job: toJobView(job), message: `started job ${job.id} in ${overview.provider}` }, target: job.id };
  }

  async job(jobId: string): Promise<JobDetail> {
    const side = await this.requireCloud();
    let job;
    try {
      // Answers never repeat the id the caller sent (see NO_SUCH_RUN): the provider's message quotes it.
      job = await side.getJob(jobId);
    } catch (error) {
      if (error instanceof UserError) throw noSuchJob(error);
      throw this.providerFailure(error);
    }
    const { entries } = await this.mergedEntries();
    const entry = entries.find((e) => e.kind === 'store' && e.job?.id === job.id);
    const record = entry?.kind === 'store' ? await side.readRecord(entry.runId).catch(() => undefined) : undefined;
    return { job: toJobView(job), provider: side.target.provider, ...(record ? { record } : {}) };
  }

  async jobLog(jobId: string, from: number): Promise<JobLogChunk> {
    const side = await this.requireCloud();
    // The job must exist (a made-up id never starts a log reader).
    const job = await side.getJob(jobId).catch((error: unknown) => {
      if (error instanceof UserError) throw noSuchJob(error);
      throw this.providerFailure(error);
    });
    return side.readJobLog(job.id, from);
  }

  async stopJob(jobId: string): Promise<ActionResult<{ job: JobDetail['job']; message: string }>> {
    if (this.options.readOnly) throw new HttpError(403, 'this server is read-only');
    const side = await this.requireCloud();
    let job;
    try {
      job = await side.stopJob(jobId);
    } catch (error) {
      if (error instanceof UserError) throw noSuchJob(error);
      throw this.providerFailure(error);
    }
    this.changed();
    return { status: 202, body: { job: toJobView(job), message: `asked job ${job.id} to stop; now ${job.status}` }, target: job.id };
  }

  async setScheduleEnabled(targetId: string, enabled: boolean): Promise<ActionResult<{ message: string }>> {
    if (this.options.readOnly) throw new HttpError(403, 'this server is read-only');
    const side = await this.requireCloud();
    const { project } = await this.requireProject();
    const schedule = project.schedules.find((s) => s.target_id === targetId);
    if (!schedule) throw new HttpError(404, NO_SUCH_SCHEDULE);
    try {
      await side.setScheduleEnabled(schedule, enabled);
    } catch (error) {
      if (error instanceof UserError) throw new HttpError(422, error.message);
      throw this.providerFailure(error);
    }
    return { status: 200, body: { message: `schedule ${schedule.name ?? targetId} is ${enabled ? 'enabled' : 'disabled'} in ${side.target.provider}` }, target: targetId };
  }
}

/** A job id the provider did not find, as a 404 that does not quote the id (see NO_SUCH_JOB). */
function noSuchJob(error: UserError): HttpError {
  return new HttpError(404, error instanceof AmbiguousJobError ? 'more than one job starts so: give the whole job id' : NO_SUCH_JOB);
}

/** A cloud job without a record (yet) as a row of the runs table. */
function summarizeJob(job: CloudJob, stage: string): RunSummary {
  const status = job.status === 'pending' || job.status === 'running' ? 'running' : job.status === 'unknown' ? 'interrupted' : job.status;
  const started = job.startedAt ?? '';
  return {
    runId: job.id,
    status,
    trigger: job.trigger === 'schedule' || job.details.schedule !== undefined ? 'schedule' : 'cloud',
    stage,
    startedAt: started,
    ...(job.stoppedAt ? { endedAt: job.stoppedAt } : {}),
    ...(job.stoppedAt && job.startedAt ? { durationMs: Date.parse(job.stoppedAt) - Date.parse(job.startedAt) } : {}),
    ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}),
    records: null,
    streams: {},
    tasks: [],
    ...(job.reason ? { reason: job.reason } : {}),
    where: 'cloud',
    jobId: job.id,
    jobStatus: job.status,
  };
}
