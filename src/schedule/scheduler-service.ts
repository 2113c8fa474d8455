// The local scheduler as a service: one per HANDOFF_HOME (lock), real clock, file watching, runs as detached processes.
import fs from 'node:fs';
import path from 'node:path';
import { killProcessGroup } from '../process/kill-process-group.js';
import { startLocalJob } from '../providers/local/local-jobs.js';
import { acquireLockFile, readLockHolder, type LockHolder } from '../workspace/workspace-lock.js';
import { LocalScheduler, type FireRecord, type LaunchedRun, type SchedulerClock, type SchedulerState } from './local-scheduler.js';
import { listLocalSchedules, schedulesDir, type LocalScheduleEntry } from './schedule-registry.js';

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

export function readSchedulerHolder(home: string): LockHolder | undefined {
  return readLockHolder(schedulerPaths(home).lock);
}

/** The last `limit` fire records, newest last. */
export function readFireRecords(home: string, limit = 50): FireRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(schedulerPaths(home).fires, 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .slice(-limit)
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as FireRecord];
      } catch {
        return [];
      }
    });
}

export const realClock: SchedulerClock = {
  now: () => Date.now(),
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

/** Runs the scheduler until SIGTERM/SIGINT (or SIGUSR2, which also ends in-flight runs). */
export async function runSchedulerService(options: SchedulerServiceOptions): Promise<void> {
  const paths = schedulerPaths(options.home);
  fs.mkdirSync(paths.dir, { recursive: true });
  fs.mkdirSync(schedulesDir(options.home), { recursive: true });
  const lock = acquireLockFile(paths.lock, 'scheduler start', {
    name: `the scheduler of ${options.home}`,
    fix: 'only one scheduler runs per HANDOFF_HOME: see `handoff scheduler status`, or stop it with `handoff scheduler stop`',
  });
  const scheduler = new LocalScheduler({
    clock: realClock,
    loadSchedules: () => listLocalSchedules(options.home),
    launch(schedule, scheduledAt): LaunchedRun {
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
      });
      options.log('info', `schedule ${entry.id} fired (for ${scheduledAt.toISOString()}): job ${job.id}, pid ${job.pid}, log ${job.logFile}`);
      const finished = child.exited.then((exit) => {
        options.log(exit.exitCode === 0 ? 'info' : 'warning', `job ${job.id} of ${entry.id} (pid ${job.pid}) ended with ${exit.exitCode ?? exit.signal}`);
      });
      return { pid: job.pid, finished, stop: () => void killProcessGroup(job.pid, 'SIGTERM') };
    },
    record(fire) {
      fs.appendFileSync(paths.fires, `${JSON.stringify(fire)}\n`);
      if (fire.outcome !== 'fired') options.log(fire.outcome === 'missed' ? 'warning' : 'info', `schedule ${fire.scheduleId}: ${fire.outcome} (${fire.scheduledAt})${fire.reason ? ` — ${fire.reason}` : ''}`);
    },
    readState(): SchedulerState {
      try {
        return JSON.parse(fs.readFileSync(paths.state, 'utf8')) as SchedulerState;
      } catch {
        return { lastFire: {} };
      }
    },
    writeState(state) {
      const temp = `${paths.state}.${process.pid}.tmp`;
      fs.writeFileSync(temp, JSON.stringify(state));
      fs.renameSync(temp, paths.state);
    },
    log: options.log,
  });

  let stopRuns = options.stopRuns;
  const stop = (signal: string, withRuns: boolean): void => {
    stopRuns ||= withRuns;
    options.log('info', `received ${signal}: stopping the scheduler${stopRuns ? ' and its runs in flight' : '; runs in flight go on'}`);
    scheduler.stop();
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
  options.log('info', `scheduler started (pid ${process.pid}) for ${options.home}: ${listLocalSchedules(options.home).length} schedules`);
  try {
    await scheduler.run();
  } finally {
    watcher?.close();
    if (stopRuns) for (const run of scheduler.inFlight()) run.stop();
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGUSR2', onUsr2);
    lock.release();
    options.log('info', 'scheduler stopped');
  }
}
