// What `run` and `run local` share with -a: run in the terminal, then push the run record and the artifacts, archive them.
import path from 'node:path';
import { archiveArtifacts, pushArtifacts, pushRunRecords } from '../../providers/store/project-store.js';
import type { Provider } from '../../providers/provider.js';
import { INTERRUPT_EXIT_CODES, type InterruptSignal } from '../../runner/events.js';
import type { LocalRunOptions, PreparedRun } from '../../runner/run-local.js';
import type { ConsoleLog } from '../console-log.js';
import type { GlobalOptions } from '../global-options.js';
import { plural } from '../../plural.js';
import { findNetworkCode } from '../../providers/network-error.js';
import { sayStoreMissing, StoreMissingError } from '../../providers/store/store-missing.js';
import { UserError } from '../../errors.js';
import { readRunRecord, runRecordPath, writeRunRecord } from '../../runs/run-record.js';
import { runInTerminal } from './run-in-terminal.js';
import { watchStopRequest } from './stop-request.js';

/** The store the run's results go to, and the log its pushes are told in. */
export interface PushStore {
  provider: Provider;
  log: ConsoleLog;
  /** `handoff run`, whose project came from the store: a failed run's record is named there (see RecordPlace). */
  fromStore?: boolean;
}

/**
 * Runs `prepared`, then (with -a) pushes to `store`. The caller holds the workspace lock from before the run to after
 * this returns, so nothing replaces the artifacts between the run and their push. `explainRunError` turns an error of
 * the run (not of the push) into what the user is shown.
 */
export async function runThenPush(
  store: PushStore,
  prepared: PreparedRun,
  runOptions: LocalRunOptions,
  options: GlobalOptions,
  explainRunError: (error: unknown) => Promise<unknown> = async (error) => error,
): Promise<number> {
  // Installed before the run's own handlers go, so a signal between the run and the push is never missed (a signal
  // with no listener left would end handoff at once, or be dropped while the last one is removed).
  const stop = stopOnSignal(store.log);
  const stopRequest = watchStopRequest(store.provider, store.log);
  let result: Awaited<ReturnType<typeof runInTerminal>>;
  try {
    result = await runInTerminal(prepared, runOptions, options, store.log, store.fromStore && options.pushArtifacts ? 'store' : 'workspace');
  } catch (error) {
    stop.release();
    stopRequest.release();
    throw await explainRunError(error);
  }
  // A signal that came after the run had ended (while its summary was printed) stops the push; one that interrupted
  // the run did its work there.
  stop.arm(result.status !== 'interrupted');
  // A cloud stops a run for `cloud run --wait --timeout` with the same SIGTERM as a user's stop: recorded as timed
  // out (failed), as `cloud job status` shows it, so `runs list|show` and the UI's runs of the store say so too.
  if (result.status === 'interrupted' && result.interruptSignal === 'SIGTERM') {
    const reason = await stopRequest.timeoutStop();
    if (reason) recordTimeoutStop(runOptions.workspaceDir, result.runId, reason);
  }
  try {
    const code = await pushAfterRun(store, options, runOptions.workspaceDir, prepared.project.deploy.push_artifacts_on_fail !== false, result, stop);
    await stopRequest.finish();
    return code;
  } finally {
    stop.release();
    stopRequest.release();
  }
}

/** Rewrites the run's record as a failed, timed-out run (its tasks, exit code and log as they were). */
function recordTimeoutStop(workspaceDir: string, runId: string, reason: string): void {
  const runsDir = path.join(workspaceDir, 'runs');
  const record = readRunRecord(runRecordPath(runsDir, runId));
  if (record?.status === 'interrupted') writeRunRecord(runsDir, { ...record, status: 'failed', reason: `${reason}; ${record.reason ?? 'interrupted by SIGTERM'}` });
}

async function pushAfterRun(
  store: PushStore,
  options: GlobalOptions,
  workspaceDir: string,
  pushOnFail: boolean,
  result: Awaited<ReturnType<typeof runInTerminal>>,
  stop: SignalStop,
): Promise<number> {
  const { provider, log } = store;
  const { exitCode, runId } = result;
  const succeeded = result.status === 'succeeded';

  // As in the original, deploy.push_artifacts_on_fail defaults to true: a failed run's logs are what one needs to see.
  // Singer state is safe either way: a failed run never rewrites artifacts/state.json.
  if (!options.pushArtifacts) return exitCode;
  const push = async (): Promise<void> => {
    // The run record first: it is small and says what happened, and a container being stopped (SIGTERM, then SIGKILL
    // 30 s later on Fargate) may not live to push large artifacts.
    const records = await pushRunRecords(provider, workspaceDir, runId);
    if (records.notPushed > 0) {
      log.log('info', `${plural(records.notPushed, 'run record')} in ${path.join(workspaceDir, 'runs')} ${records.notPushed === 1 ? 'was' : 'were'} not pushed: they are other stages' or projects' runs, or cannot be read`);
    }
    if (!succeeded && !pushOnFail) {
      log.log('warning', `The run failed and deploy.push_artifacts_on_fail is false: artifacts were not pushed; pushed ${records.keys.length} run records`);
    } else {
      const pushed = await pushArtifacts(provider, workspaceDir, (level, m) => log.log(level, m), stop.signal);
      const archived = await archiveArtifacts(provider, new Date(), stop.signal);
      log.log('info', `Pushed ${plural(records.keys.length, 'run record')} and ${plural(pushed.keys.length, 'artifact')} to ${pushed.location}, archived them to ${archived.location}`);
    }
  };
  const first = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await push();
      break;
    } catch (error) {
      if (stop.signal.aborted) break;
      // Only a store that cannot be reached is tried again: any other answer would be the same the next time.
      const network = findNetworkCode(error);
      const where = provider.objects.describe(provider.names.s3.taskPrefix);
      if (!network) {
        // A refusal (access denied, the bucket deleted during the run) is the store's problem, not the run's: said in
        // one line with its fix, and the run's own exit code kept, as for a store that cannot be reached. An error
        // that is not a UserError is a bug in handoff and stays one.
        if (!(error instanceof UserError)) throw error;
        const fix = await pushRefusalFix(error, store, options);
        log.log('error', `Could not push the run's results to the store ${where}: ${error.message}${fix ? ` (fix: ${fix})` : ''}; the run ${runId} ${result.status}, and its record and artifacts stay in the workspace ${workspaceDir} (once the store takes them, handoff artifacts push pushes the artifacts, and the next run with -a there its record)`);
        break;
      }
      const delay = PUSH_RETRY_DELAYS_MS[attempt - 1];
      if (delay === undefined) {
        const message = error instanceof Error ? error.message : String(error);
        log.log('error', `Could not push the run's results to the store ${where} (${attempt} attempts over ${Math.round((Date.now() - first) / 1000)} s): ${message}; the run ${runId} ${result.status}, and its record and artifacts stay in the workspace ${workspaceDir} (once the store can be reached, handoff artifacts push pushes the artifacts, and the next run with -a there its record)`);
        break;
      }
      log.log('warning', `Could not reach the store ${where} (${network}): trying the push again in ${delay / 1000} s`);
      await sleepUnlessStopped(delay, stop.signal);
    }
  }
  // The run's own outcome, whatever became of the push (a stop during it gives its signal's code).
  return stop.received ? INTERRUPT_EXIT_CODES[stop.received] : exitCode;
}

/**
 * The fix of a refused push, naming this command's project and stage where it names a command. A run of the store's
 * copy (`handoff run`) keeps `-p <project>`: its -p is the container's copy, not the user's folder.
 */
async function pushRefusalFix(error: UserError, store: PushStore, options: GlobalOptions): Promise<string | undefined> {
  const projectDir = store.fromStore ? undefined : options.projectDir;
  if (error instanceof StoreMissingError) {
    const { names } = store.provider;
    return sayStoreMissing(error, { ...(projectDir ? { projectDir } : {}), stage: options.stage, resourceGroup: names.resourceGroup, task: names.task }, false).fix;
  }
  if (error.fix === undefined) return undefined;
  // Loaded on this error path only, as for a failed run's details.
  const { fillFixArgs } = await import('../fix-args.js');
  return fillFixArgs(error.fix, projectDir ? { projectDir } : {});
}

/**
 * The waits between attempts at a push that cannot reach the store: a few attempts over tens of seconds, so the run
 * ends, saying why, well before a cloud's deadline for its container (the SDKs' own retries are short: see sdk/).
 */
const PUSH_RETRY_DELAYS_MS = [2_000, 5_000, 10_000];

function sleepUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

interface SignalStop {
  signal: AbortSignal;
  received?: InterruptSignal;
  /** From here on a signal stops the push (before, the run's own handlers deal with it); `pending`: one that came already does. */
  arm(pending: boolean): void;
  release(): void;
}

/**
 * While the store is written after the run: SIGINT, SIGTERM or SIGHUP stops before the next upload (each object is written
 * whole or not at all) instead of killing handoff in the middle, and is logged; the run record is pushed by then.
 */
function stopOnSignal(log: ConsoleLog): SignalStop {
  const controller = new AbortController();
  let armed = false;
  let early: InterruptSignal | undefined;
  const state: SignalStop = {
    signal: controller.signal,
    arm: (pending) => {
      armed = true;
      if (pending && early) on(early);
    },
    release: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
    },
  };
  const on = (name: InterruptSignal): void => {
    if (!armed) {
      early ??= name;
      return;
    }
    if (state.received) return;
    state.received = name;
    log.log('warning', `Received ${name} while pushing to the store: stopping after the current upload; what is not pushed yet stays in the workspace (push it with handoff artifacts push)`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  const onInt = (): void => on('SIGINT');
  const onTerm = (): void => on('SIGTERM');
  const onHup = (): void => on('SIGHUP');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  return state;
}
