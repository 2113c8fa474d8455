// The local scheduler as a service: one per HANDOFF_HOME (lock), real clock, file watching, runs as detached processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isUserError, UserError } from '../errors.js';
import { killProcessGroup } from '../process/kill-process-group.js';
import { isProcessAlive } from '../process/process-alive.js';
import { readProcessArgs, readProcessStartTime } from '../process/process-identity.js';
import { homeWriteError } from '../providers/local/handoff-home.js';
import { DEFAULT_JOB_RETENTION, isLocalJobRunning, listRunningScheduledJobs, pruneLocalJobs, readLatestScheduledFires, startLocalJob, type LocalJob } from '../providers/local/local-jobs.js';
import { writeFileAtomicSync } from '../providers/local/write-file-atomic.js';
import { acquireLockFile, readLockHolder, type LockHolder } from '../workspace/workspace-lock.js';
import { LocalScheduler, type FireRecord, type LaunchedRun, type RunInFlight, type SchedulerClock, type SchedulerState } from './local-scheduler.js';
import { listLocalSchedules, schedulesDir, type LocalScheduleEntry } from './schedule-registry.js';
import { plural } from '../plural.js';
import { BUILD_ID, VERSION } from '../version.js';
import { removeFile } from '../remove-file.js';
import { isoTime } from '../iso-time.js';
import { makeFolders } from '../make-folders.js';
import { FIRES_MAX_BYTES, readLastLines, rotateFileIfFull } from './scheduler-files.js';

/** How often the scheduler removes the files of old jobs (and once at its start). */
const PRUNE_EVERY_MS = 3600_000;

export interface SchedulerPaths {
  dir: string;
  lock: string;
  state: string;
  fires: string;
  log: string;
}

export function schedulerPaths(home: string): SchedulerPaths {
  const dir = path.join(home, 'scheduler');
  return {
    dir,
    lock: path.join(dir, 'scheduler.lock'),
    state: path.join(dir, 'state.json'),
    fires: path.join(dir, 'fires.jsonl'),
    log: path.join(dir, 'scheduler.log'),
  };
}

/**
 * A scheduler's lock outlives it when it is killed or the machine restarts, and its pid is then given to another
 * process. That one is not the holder if it started after the lock was taken (or is not a `scheduler` command): it
 * must neither keep a new scheduler from starting nor receive `scheduler stop`'s signal.
 */
const LOCK_CLOCK_SLACK_MS = 10_000;

export function isSchedulerProcess(holder: LockHolder): boolean {
  if (!isProcessAlive(holder.pid)) return false;
  const started = readProcessStartTime(holder.pid);
  // Without /proc, a live pid is all there is to go by.
  if (started === undefined) return true;
  const args = readProcessArgs(holder.pid) ?? [];
  return started <= Date.parse(holder.startedAt) + LOCK_CLOCK_SLACK_MS && args.includes('scheduler');
}

/**
 * The handoff build a running scheduler was started from (its lock says), or undefined for one of a handoff older than
 * that record: a scheduler keeps its code until restarted, so after an upgrade it may run another build than the CLI.
 */
export function schedulerBuildOf(holder: LockHolder): string | undefined {
  return /\(handoff [^,]+, build ([^)\s]+)\)$/.exec(holder.command)?.[1];
}

export function readSchedulerHolder(home: string): LockHolder | undefined {
  return readLockHolder(schedulerPaths(home).lock, isSchedulerProcess);
}

/** The last `limit` fire records, newest last (from fires.jsonl and, just after it was rotated, the previous one). */
export function readFireRecords(home: string, limit = 50): FireRecord[] {
  return readLastLines(schedulerPaths(home).fires, limit).flatMap((line) => {
    try {
      return [JSON.parse(line) as FireRecord];
    } catch {
      return [];
    }
  });
}

/**
 * The last fire record of each schedule: the scheduler's state keeps each one's (a scheduler of an older handoff does
 * not), and the last `recent` records of fires.jsonl may hold a newer one (the state is saved just after them).
 */
export function readLastFireOfEachSchedule(home: string, recent = 500): Map<string, FireRecord> {
  const last = new Map<string, FireRecord>();
  const keep = (fire: FireRecord): void => {
    if (typeof fire?.scheduleId !== 'string' || typeof fire.at !== 'string') return;
    const seen = last.get(fire.scheduleId);
    if (!seen || fire.at >= seen.at) last.set(fire.scheduleId, fire);
  };
  try {
    const state = JSON.parse(fs.readFileSync(schedulerPaths(home).state, 'utf8')) as Partial<SchedulerState> | null;
    for (const fire of Object.values(state?.lastRecord ?? {})) keep(fire);
  } catch {
    // no state yet, or one being replaced: the fire records are the answer
  }
  for (const fire of readFireRecords(home, recent)) keep(fire);
  return last;
}

export const realClock: SchedulerClock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, wake) =>
    new Promise((resolve) => {
      if (wake.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake.removeEventListener('abort', done);
        resolve();
      }
      wake.addEventListener('abort', done, { once: true });
    }),
};

export interface SchedulerServiceOptions {
  home: string;
  /** The CLI entry script, to start each run as `handoff run …` in its own process. */
  entryScript: string;
  /** End in-flight runs when the scheduler stops on SIGTERM (always on SIGUSR2). */
  stopRuns: boolean;
  log(level: 'info' | 'warning' | 'error', message: string): void;
}

/** Appends one line whole: a write cut short (a full disk) is cut off again, so the next line starts on its own. */
function appendLine(file: string, line: string): void {
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    // not there yet
  }
  try {
    fs.appendFileSync(file, `${line}\n`);
  } catch (error) {
    try {
      fs.truncateSync(file, size);
    } catch {
      // nothing was written, or the file is not ours to fix
    }
    throw new Error(`cannot append to ${file}: ${(error as Error).message}`);
  }
}

/** How overlap sees a job a previous scheduler started: it ends when its process does (polled: it is not our child). */
function watchJob(job: LocalJob): LaunchedRun {
  const finished = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (isLocalJobRunning(job)) return;
      clearInterval(timer);
      resolve();
    }, 1000);
    // The scheduler may stop before the job ends.
    timer.unref();
  });
  return {
    pid: job.pid,
    label: `job ${job.id}, pid ${job.pid}`,
    finished,
    // Checked again at the last moment: a job that ended meanwhile has left its pid to any process.
    stop: () => void (isLocalJobRunning(job) && killProcessGroup(job.pid, 'SIGTERM')),
  };
}

/** Takes the scheduler's lock; a failure to write it (a full disk) is said as such, not as a bug. */
function lockScheduler(home: string, paths: SchedulerPaths): { release(): void } {
  try {
    makeFolders(paths.dir);
    makeFolders(schedulesDir(home));
    return acquireLockFile(paths.lock, BUILD_ID === undefined ? 'scheduler start' : `scheduler start (handoff ${VERSION}, build ${BUILD_ID})`, {
      name: `the scheduler of ${home}`,
      fix: 'only one scheduler runs per HANDOFF_HOME: see `handoff scheduler status`, or stop it with `handoff scheduler stop`',
      isHolderAlive: isSchedulerProcess,
    });
  } catch (error) {
    if (isUserError(error)) throw error;
    throw homeWriteError(`cannot start the scheduler: cannot write its lock ${paths.lock}`, home, error);
  }
}

/** Temporary state files a killed scheduler left (we hold the lock: no other scheduler writes them now). */
function removeLeftoverStateFiles(paths: SchedulerPaths): void {
  const base = path.basename(paths.state);
  for (const name of fs.readdirSync(paths.dir)) {
    if (name.startsWith(`${base}.`) && name.endsWith('.tmp')) removeFile(path.join(paths.dir, name));
  }
}

/** Runs the scheduler until SIGTERM/SIGINT (or SIGUSR2, which also ends in-flight runs). */
/** Runs until stopped; returns the signal that stopped it (none when it stopped for another reason). */
/** Why a schedule file does not fire, and what to do (the scheduler's log and `scheduler status` say the same). */
export function unreadableScheduleMessage(file: string, reason: string): string {
  return `cannot read the schedule file ${file}: ${reason}; it does not fire until it is fixed (run \`handoff cloud schedule create -p <project>\` again)`;
}

export async function runSchedulerService(options: SchedulerServiceOptions): Promise<NodeJS.Signals | undefined> {
  const paths = schedulerPaths(options.home);
  let lock = lockScheduler(options.home, paths);
  /** Set when another scheduler turned out to hold the lock: its runs and lock are then that one's, not ours. */
  let superseded = false;
  try {
    removeLeftoverStateFiles(paths);
  } catch (error) {
    options.log('warning', `could not remove leftover temporary files in ${paths.dir}: ${(error as Error).message}`);
  }
  let unreadableSaid = new Map<string, string>();
  const scheduler = new LocalScheduler({
    clock: realClock,
    loadSchedules: () => {
      // Said once per file and reason (the folder is re-read at every change and every 30 s), again once it changes.
      const seen = new Map<string, string>();
      const schedules = listLocalSchedules(options.home, ({ file, reason }) => {
        seen.set(file, reason);
        if (unreadableSaid.get(file) !== reason) options.log('error', unreadableScheduleMessage(file, reason));
      });
      unreadableSaid = seen;
      return schedules;
    },
    launch(schedule, scheduledAt, outcome): LaunchedRun {
      const entry = schedule as LocalScheduleEntry;
      const envs: Record<string, string> = {};
      for (const e of entry.envs) envs[e.key] = e.value;
      const { job, process: child } = startLocalJob({
        home: options.home,
        entryScript: options.entryScript,
        resourceGroup: entry.resourceGroup,
        bareResourceGroup: entry.bareResourceGroup,
        task: entry.task,
        stage: entry.stage,
        bucket: entry.bucket,
        trigger: 'schedule',
        envs,
        scheduleId: entry.id,
        scheduledAt: isoTime(scheduledAt),
      });
      // The one line of this fire (record() does not log runs started): a catch-up is named as one.
      options.log('info', `schedule ${entry.id} ${outcome === 'caught_up' ? 'caught up' : 'fired'} (for ${isoTime(scheduledAt)}): job ${job.id}, pid ${job.pid}, log ${job.logFile}`);
      const finished = child.exited.then((exit) => {
        options.log(exit.exitCode === 0 ? 'info' : 'warning', `job ${job.id} of ${entry.id} (pid ${job.pid}) ended with ${exit.exitCode ?? exit.signal}`);
      });
      return { pid: job.pid, label: `job ${job.id}, pid ${job.pid}`, finished, stop: () => void killProcessGroup(job.pid, 'SIGTERM') };
    },
    record(fire) {
      try {
        rotateFileIfFull(paths.fires, FIRES_MAX_BYTES);
      } catch {
        // The record is written to the file as it is; the next one tries again.
      }
      appendLine(paths.fires, JSON.stringify(fire));
      if (fire.outcome !== 'fired' && fire.outcome !== 'caught_up') options.log(fire.outcome === 'start_failed' ? 'error' : fire.outcome === 'missed' ? 'warning' : 'info', `schedule ${fire.scheduleId}: ${fire.outcome} (${fire.scheduledAt})${fire.reason ? ` — ${fire.reason}` : ''}`);
    },
    readState(): SchedulerState {
      let state: SchedulerState = { lastFire: {} };
      try {
        const saved = JSON.parse(fs.readFileSync(paths.state, 'utf8')) as Partial<SchedulerState>;
        state = { ...saved, lastFire: saved.lastFire ?? {} };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.log('warning', `cannot read ${paths.state} (${(error as Error).message}); the job files say what last fired`);
      }
      // A fire whose run started but whose state was never saved (a full disk, a kill right after the fire) is known
      // from its job file: it is not fired again.
      // Only jobs started after the state's last save can be missing from it (fire times are saved before their runs
      // start): the files of older ones, maybe tens of thousands, are not read. An hour's margin for a clock that moved.
      const checked = state.checkedAt ? Date.parse(state.checkedAt) : Number.NaN;
      const since = Number.isFinite(checked) ? Math.min(checked, Date.now()) - 3600_000 : undefined;
      // One in the future was started under a clock that was fast: taken, it would keep its schedule silent until then.
      const now = Date.now();
      for (const [id, at] of Object.entries(readLatestScheduledFires(options.home, since))) {
        if (Date.parse(at) > now) continue;
        if (state.lastFire[id] === undefined || Date.parse(at) > Date.parse(state.lastFire[id])) state.lastFire[id] = at;
      }
      return state;
    },
    writeState(state) {
      try {
        writeFileAtomicSync(paths.state, JSON.stringify(state));
      } catch (error) {
        throw new Error(`cannot write ${paths.state}: ${(error as Error).message}`);
      }
    },
    isInCharge() {
      let holder = readLockHolder(paths.lock, () => true);
      if (holder?.pid === process.pid && holder.host === os.hostname()) return { inCharge: true };
      if (!holder || (holder.host === os.hostname() && !isSchedulerProcess(holder))) {
        // Our lock was removed (by hand, or judged stale by mistake) and nobody live holds it: take it again.
        try {
          lock = lockScheduler(options.home, paths);
          options.log('warning', `the scheduler's lock ${paths.lock} was gone; taken again`);
          return { inCharge: true };
        } catch (error) {
          holder = readSchedulerHolder(options.home);
          // Nobody else has it either (it could not be written: a full disk): go on, and try again at the next wake.
          if (!holder || holder.pid === process.pid) {
            options.log('warning', `cannot take the scheduler's lock ${paths.lock} again: ${(error as Error).message}`);
            return { inCharge: true };
          }
        }
      }
      superseded = true;
      return { inCharge: false, reason: `another scheduler (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}) holds the lock of ${options.home}` };
    },
    findRunsInFlight(): RunInFlight[] {
      return listRunningScheduledJobs(options.home).map((job) => ({ scheduleId: job.scheduleId!, run: watchJob(job) }));
    },
    log: options.log,
  });

  let stopRuns = options.stopRuns;
  let stoppedBy: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals, withRuns: boolean): void => {
    stopRuns ||= withRuns;
    stoppedBy ??= signal;
    options.log('info', `received ${signal}: stopping the scheduler${stopRuns ? ' and its runs in flight' : '; runs in flight go on'}`);
    scheduler.stop({ dropQueued: stopRuns });
  };
  const onTerm = (): void => stop('SIGTERM', false);
  const onInt = (): void => stop('SIGINT', false);
  const onUsr2 = (): void => stop('SIGUSR2', true);
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGUSR2', onUsr2);
  // Schedules change when `cloud schedule create|delete` writes files: reload at once (the loop also looks every 30 s).
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(schedulesDir(options.home), () => scheduler.reload());
  } catch {
    options.log('warning', 'cannot watch the schedules folder; changes are picked up within 30 s');
  }
  options.log('info', `scheduler started (pid ${process.pid}) for ${options.home}: ${plural(listLocalSchedules(options.home).length, 'schedule')}`);
  const prune = (): void => {
    try {
      const removed = pruneLocalJobs(options.home);
      const { days, newest, perTask } = DEFAULT_JOB_RETENTION;
      if (removed > 0) options.log('info', `removed the files and logs of ${plural(removed, 'ended job')} started more than ${days} days ago or beyond the newest ${newest.toLocaleString('en-US')} (the newest ${perTask} of each task stay)`);
    } catch (error) {
      options.log('warning', `could not remove the files of old jobs: ${(error as Error).message}`);
    }
  };
  prune();
  const pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
  pruneTimer.unref();
  try {
    await scheduler.run();
  } finally {
    clearInterval(pruneTimer);
    watcher?.close();
    if (stopRuns && !superseded) for (const run of scheduler.inFlight()) run.stop();
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGUSR2', onUsr2);
    try {
      lock.release();
    } catch (error) {
      options.log('warning', `could not remove the scheduler's lock ${paths.lock}: ${(error as Error).message}`);
    }
    options.log('info', 'scheduler stopped');
  }
  if (superseded) {
    throw new UserError(`this scheduler stopped: another scheduler holds the lock of ${options.home}`, {
      exitCode: 1,
      fix: 'see `handoff scheduler status`; only one scheduler runs per HANDOFF_HOME',
    });
  }
  return stoppedBy;
}
