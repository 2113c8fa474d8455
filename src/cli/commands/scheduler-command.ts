// `handoff scheduler start|status|stop` (the local scheduler) and `handoff cloud schedule create|list|delete` (any provider).
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import { homeWriteError, resolveHandoffHome } from '../../providers/local/handoff-home.js';
import { killProcessGroup } from '../../process/kill-process-group.js';
import { spawnDetachedHandoff } from '../../process/spawn-detached.js';
import { LocalScheduler } from '../../schedule/local-scheduler.js';
import { parseSchedule } from '../../schedule/parse-schedule.js';
import { listLocalSchedules } from '../../schedule/schedule-registry.js';
import { readFireRecords, readSchedulerHolder, runSchedulerService, schedulerBuildOf, schedulerPaths, unreadableScheduleMessage } from '../../schedule/scheduler-service.js';
import { LOG_MAX_BYTES, rotateFileIfFull, rotateOpenLogIfFull } from '../../schedule/scheduler-files.js';
import { BUILD_ID } from '../../version.js';
import { parseVarTexts } from '../../template/parse-vars.js';
import type { LockHolder } from '../../workspace/workspace-lock.js';
import { createConsoleLog } from '../console-log.js';
import type { GlobalOptions } from '../global-options.js';
import { confirm, printResult, requireProject, withStoreSession, type StoreSession } from './store-session.js';
import { refuseUnreadVars, warnUnreadVars } from './unread-vars.js';
import { plural } from '../../plural.js';
import { isoTime } from '../../iso-time.js';
import { makeFolders } from '../../make-folders.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off);
}

/**
 * Where the scheduler's log lines go (stderr: its log file when started in the background). A line that cannot be
 * written (a full disk under the log file) must not end the scheduler: it is counted, and the count is logged as soon
 * as writing works again. The log file (`logFile`, when stderr is that file) is rotated at LOG_MAX_BYTES.
 */
function createSchedulerLogWriter(logFile: string): (text: string) => void {
  let toFile = false;
  try {
    toFile = fs.fstatSync(2).isFile();
  } catch {
    // no stderr
  }
  // A terminal or pipe that goes away reports it as an 'error' event; the scheduler goes on without it.
  if (!toFile) process.stderr.on('error', () => undefined);
  // Straight to the file: a failed write through process.stderr would leave that stream stuck.
  const write = toFile ? (text: string) => writeAllSync(2, text) : (text: string) => void process.stderr.write(text);
  let lost = 0;
  let lastError = '';
  /** A rotation that failed (a full disk) is tried again a minute later, not at every line. */
  let rotateAgainAt = 0;
  return (text) => {
    if (toFile && Date.now() >= rotateAgainAt) {
      try {
        rotateOpenLogIfFull(2, logFile, LOG_MAX_BYTES);
      } catch {
        rotateAgainAt = Date.now() + 60_000;
      }
    }
    try {
      if (lost > 0) {
        const stamp = isoTime().replace('T', ' ').replace(/\.\d+Z$/, '');
        write(`[${stamp}]  WARNING - ${plural(lost, 'log line')} could not be written (${lastError})\n`);
        lost = 0;
      }
      write(text);
    } catch (error) {
      lost++;
      lastError = (error as Error).message;
    }
  };
}

function alreadyRunning(home: string, holder: LockHolder): UserError {
  return new UserError(`the scheduler of ${home} is already running (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`, {
    fix: 'see `handoff scheduler status`; stop it with `handoff scheduler stop`',
  });
}

export async function schedulerStartCommand(options: GlobalOptions, flags: { foreground?: boolean; stopRuns?: boolean }): Promise<number> {
  const home = resolveHandoffHome().dir;
  const holder = readSchedulerHolder(home);
  if (holder) throw alreadyRunning(home, holder);
  const entryScript = process.argv[1];
  if (flags.foreground) {
    const log = createConsoleLog(options.logLevel, createSchedulerLogWriter(schedulerPaths(home).log));
    const signal = await runSchedulerService({ home, entryScript, stopRuns: Boolean(flags.stopRuns), log: (level, message) => log.log(level, message) });
    // Stopped by a signal is an interruption (SPEC: 130 for SIGINT, 143 for SIGTERM, as `scheduler stop` sends).
    return signal === 'SIGINT' ? 130 : signal ? 143 : 0;
  }
  const log = createConsoleLog(options.logLevel);
  const paths = schedulerPaths(home);
  try {
    // A log grown large is moved aside before the scheduler writes to it (while it runs, it rotates its log itself).
    rotateFileIfFull(paths.log, LOG_MAX_BYTES);
  } catch {
    // kept as it is: the scheduler's own rotation tries again
  }
  const logOffset = sizeOf(paths.log);
  let child: ReturnType<typeof spawnDetachedHandoff>;
  try {
    makeFolders(paths.dir);
    const args = ['scheduler', 'start', '--foreground', ...(flags.stopRuns ? ['--stop-runs'] : [])];
    child = spawnDetachedHandoff(entryScript, args, { env: { ...process.env, HANDOFF_HOME: home }, cwd: home, outputFile: paths.log });
  } catch (error) {
    throw homeWriteError(`cannot start the scheduler: cannot open its log ${paths.log}`, home, error);
  }
  // Wait until it holds the lock (it started) or ends (it could not start: its log says why).
  let ended = false;
  void child.exited.then(() => (ended = true));
  for (let i = 0; i < 100; i++) {
    const now = readSchedulerHolder(home);
    if (now?.pid === child.pid) {
      log.log('info', `Scheduler started (pid ${child.pid}) for ${home}; log: ${paths.log}`);
      return 0;
    }
    if (ended) {
      // Another `scheduler start` won the race for the lock.
      if (now) throw alreadyRunning(home, now);
      throw notStarted(home, paths.log, logOffset);
    }
    await sleep(100);
  }
  throw new UserError(`the scheduler did not start within 10 s; see its log ${paths.log}`, { exitCode: 1, fix: 'run `handoff scheduler start --foreground` to see why' });
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Why a background scheduler ended at once: the error it logged, or a full disk that kept it from logging anything. */
function notStarted(home: string, logFile: string, offset: number): UserError {
  let said = '';
  try {
    said = fs.readFileSync(logFile).subarray(offset).toString('utf8');
  } catch {
    // no log
  }
  const error = /^error: (.*)$/m.exec(said)?.[1];
  const fix = /^fix: (.*)$/m.exec(said)?.[1];
  if (error) return new UserError(`the scheduler did not start: ${error}`, { exitCode: 1, fix: fix ?? `see its log ${logFile}` });
  let full = false;
  try {
    full = fs.statfsSync(home).bavail === 0;
  } catch {
    // cannot tell
  }
  if (full) {
    return new UserError(`the scheduler did not start: the disk of ${home} (HANDOFF_HOME) is full, so it could not write its lock or log`, {
      exitCode: 1,
      fix: 'free space on that disk, then start it again',
    });
  }
  return new UserError(`the scheduler did not start; see its log ${logFile}`, { exitCode: 1, fix: 'run `handoff scheduler start --foreground` to see why' });
}

export async function schedulerStopCommand(options: GlobalOptions, flags: { stopRuns?: boolean }): Promise<number> {
  const home = resolveHandoffHome().dir;
  const log = createConsoleLog(options.logLevel);
  const holder = readSchedulerHolder(home);
  if (!holder) {
    log.log('info', `No scheduler is running for ${home}`);
    return 0;
  }
  try {
    process.kill(holder.pid, flags.stopRuns ? 'SIGUSR2' : 'SIGTERM');
  } catch (error) {
    // It ended between the look and the signal.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  for (let i = 0; i < 300; i++) {
    if (!readSchedulerHolder(home)) {
      log.log('info', `Scheduler (pid ${holder.pid}) stopped${flags.stopRuns ? ' with its runs' : '; runs in flight go on'}`);
      return 0;
    }
    await sleep(100);
  }
  throw new UserError(`the scheduler (pid ${holder.pid}) did not stop within 30 s`, { exitCode: 1, fix: `kill ${holder.pid}` });
}

export function schedulerStatusCommand(options: GlobalOptions): number {
  const home = resolveHandoffHome().dir;
  const holder = readSchedulerHolder(home);
  const now = new Date();
  const log = createConsoleLog(options.logLevel);
  const schedules = listLocalSchedules(home, ({ file, reason }) => log.log('warning', unreadableScheduleMessage(file, reason))).map((s) => {
    let next: number | undefined;
    try {
      next = s.enabled ? LocalScheduler.nextFire(parseSchedule(s.expression, s.timezone), s, now.getTime()) : undefined;
    } catch {
      next = undefined;
    }
    return { id: s.id, expression: s.expression, timezone: s.timezone ?? 'UTC', enabled: s.enabled, overlap: s.overlap, next_fire: next ? isoTime(next) : null };
  });
  const build = holder ? schedulerBuildOf(holder) : undefined;
  if (holder && BUILD_ID !== undefined && build !== BUILD_ID) {
    createConsoleLog(options.logLevel).log(
      'warning',
      `the scheduler (pid ${holder.pid}) runs ${build === undefined ? 'an older handoff' : `another handoff build (${build})`} than this CLI (build ${BUILD_ID}): ` +
        'it keeps its code until restarted; restart it with `handoff scheduler stop && handoff scheduler start` (schedules, their state and running jobs are kept)',
    );
  }
  printResult(options, {
    home,
    scheduler: holder ? { running: true, pid: holder.pid, host: holder.host, since: holder.startedAt, build: build ?? null } : { running: false },
    schedules,
    recent_fires: readFireRecords(home, 10),
  });
  return 0;
}

/** `-v target_id=N` picks one schedule; any other `-v` key is warned about (create) or refused (delete: none = all). */
function targetIdOf(options: GlobalOptions, session: StoreSession, command: 'create' | 'delete'): string | undefined {
  const texts = parseVarTexts(options.vars, '-v');
  if (command === 'delete') refuseUnreadVars(texts, 'cloud schedule delete', ['target_id'], 'deletes every schedule of the task', session.project);
  else warnUnreadVars(session.log, texts, 'cloud schedule create', ['target_id'], { project: session.project });
  return texts.target_id;
}

export function cloudScheduleCreateCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: true }, async (session) => {
    const project = requireProject(session);
    const targetId = targetIdOf(options, session, 'create');
    const chosen = project.schedules.filter((s) => targetId === undefined || s.target_id === targetId);
    if (targetId !== undefined && chosen.length === 0) {
      throw new UserError(`no schedule with target_id ${targetId} in ${project.file}`, { fix: `use one of: ${project.schedules.map((s) => s.target_id).join(', ') || '(none)'}` });
    }
    const changes = await session.provider.schedules.create(chosen);
    // A cloud that deploys a disabled schedule as nothing at all (Azure) changes nothing for it: "unchanged" alone would
    // read as if it were deployed.
    const absent = session.provider.schedules.disabledIsAbsent === true;
    const disabled = chosen.filter((s) => absent && !s.enabled && changes.some((c) => c.target_id === s.target_id && c.action === 'unchanged')).map((s) => s.target_id);
    if (disabled.length > 0) session.log.log('info', `${plural(disabled.length, 'schedule')} ${disabled.join(', ')} ${disabled.length === 1 ? 'is' : 'are'} disabled (enabled: false in ${project.file}): nothing of ${disabled.length === 1 ? 'it' : 'them'} is deployed on ${session.provider.name}, so there was nothing to create`);
    printResult(options, { schedules: changes });
    const notice = await session.provider.schedules.checkFiring();
    if (notice) session.log.log('warning', notice);
    return 0;
  });
}

export function cloudScheduleListCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: true }, async (session) => {
    const project = requireProject(session);
    const texts = parseVarTexts(options.vars, '-v');
    warnUnreadVars(session.log, texts, 'cloud schedule list', ['target_id'], { project: session.project });
    const targetId = texts.target_id;
    const listed = await session.provider.schedules.list(project.schedules);
    const chosen = listed.filter((s) => targetId === undefined || s.target_id === targetId);
    // An id that matches nothing, declared or deployed, is a typo: an empty or full listing with exit 0 would hide it.
    if (targetId !== undefined && chosen.length === 0) {
      throw new UserError(`no schedule with target_id ${targetId} in ${project.file} or deployed for task ${session.target.task}`, {
        fix: `use one of: ${listed.map((s) => s.target_id).join(', ') || '(none)'}`,
      });
    }
    printResult(options, { schedules: chosen });
    return 0;
  });
}

export function cloudScheduleDeleteCommand(options: GlobalOptions): Promise<number> {
  return withStoreSession(options, { project: false }, async (session) => {
    const targetId = targetIdOf(options, session, 'delete');
    // Every schedule of the task goes: asked first, as `secrets delete` and `project delete` ask (-y in scripts).
    if (targetId === undefined) {
      const { resourceGroup, task, stage } = session.target;
      if (!(await confirm(options, `Delete every schedule of task ${task} (resource group ${resourceGroup}, stage ${stage}) from ${session.provider.name}? (-v target_id=<id> deletes one)`))) {
        session.log.log('info', 'Nothing was deleted (answered no)');
        printResult(options, { status: 'aborted', schedules: [] });
        return 0;
      }
    }
    const deleted = await session.provider.schedules.delete(targetId);
    // A target id that matched nothing is a typo or an id of another task: "schedules: []" with exit 0 would read as
    // done. The listing says what is deployed, the same way for every provider.
    if (targetId !== undefined && deleted.length === 0) {
      // A declared schedule that is disabled may be deployed as nothing (Azure): then there was nothing to delete.
      const declared = session.project?.schedules.find((s) => s.target_id === targetId);
      if (declared && !declared.enabled) {
        session.log.log('info', `schedule ${targetId} is disabled (enabled: false in ${session.project!.file}): nothing of it is deployed on ${session.provider.name}, so there was nothing to delete`);
        printResult(options, { schedules: deleted });
        return 0;
      }
      const listed = await session.provider.schedules.list(session.project?.schedules ?? []);
      // The id asked for matched nothing, whatever a listing says of it (a disabled schedule is "deployed" as no job).
      const deployed = listed.filter((s) => s.status !== 'draft' && s.target_id !== targetId).map((s) => s.target_id);
      const { resourceGroup, task, stage } = session.target;
      throw new UserError(`no schedule with target_id ${targetId} is deployed for task ${task} (resource group ${resourceGroup}, stage ${stage}); nothing was deleted`, {
        fix: deployed.length > 0 ? `use one of the deployed target ids: ${deployed.join(', ')}` : 'this task has no schedules deployed (handoff cloud schedule list)',
      });
    }
    printResult(options, { schedules: deleted });
    return 0;
  });
}

/** Stops a run the scheduler started, by its pid (used by tests and `scheduler stop --stop-runs`). */
export function stopRunGroup(pid: number): void {
  killProcessGroup(pid, 'SIGTERM');
}
