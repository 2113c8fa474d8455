// Scheduler faults: a full HANDOFF_HOME, kill -9 and restart with runs in flight, reused pids, concurrent starts.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliResult, makeProject, makeTempDir, newMarker, processesWithMarker, runCli, sleep, waitFor } from '../helpers/cli.js';
import { listFiles, mountTmpfs } from './fault-helpers.js';

const NO_TMPFS = 'needs root with CAP_SYS_ADMIN to mount a small tmpfs (as in CI): a full disk cannot be made otherwise';

/** Run after each test, in the order they were added (stop schedulers and runs first, unmount after). */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Home {
  dir: string;
  marker: string;
  cli(args: string[]): Promise<CliResult>;
}

/** A HANDOFF_HOME whose scheduler and runs carry a marker, so the test can find (and finally end) every process. */
function newHome(): Home {
  const dir = makeTempDir('handoff-home-');
  const marker = newMarker();
  const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: { HANDOFF_HOME: dir, HANDOFF_TEST_MARKER: marker } });
  cleanups.push(async () => {
    await cli(['scheduler', 'stop', '--stop-runs']);
    for (const pid of processesWithMarker(marker)) killQuietly(pid, 'SIGKILL');
  });
  return { dir, marker, cli };
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const BUCKET_TASK = ['buckets', 'handoff-dev-faults', 'job'];

/** A project whose task runs `command`, deployed to the local store with its schedules (not yet the scheduler). */
async function deploy(home: Home, command: string, schedules: string): Promise<string> {
  const { projectDir } = makeProject(`
tasks:
- name: work
  commands:
  - command: ${command}
deploy:
  resource_group: faults
  task: job
schedules:
${schedules}
`);
  for (const args of [['cloud', 'bucket', 'create'], ['project', 'push', '-y'], ['cloud', 'schedule', 'create']]) {
    const r = await home.cli([...args, '-p', projectDir]);
    expect(r.code, r.stderr).toBe(0);
  }
  return projectDir;
}

function scheduleFile(home: Home, targetId: string): string {
  return path.join(home.dir, 'schedules', `dev-faults__job__${targetId}.json`);
}

/**
 * Writes schedule `targetId` as a copy of schedule 1 deployed at `deployedAt` (replacing it atomically, as `cloud
 * schedule create` does). A rate schedule fires at its deploy time and every interval after it, so an anchor in the
 * past or near future puts a fire at a chosen moment of the test without a fake clock.
 */
function placeSchedule(home: Home, targetId: string, deployedAt: number, over: Record<string, unknown> = {}): void {
  const base = JSON.parse(fs.readFileSync(scheduleFile(home, '1'), 'utf8'));
  const entry = { ...base, id: `dev-faults/job/${targetId}`, targetId, deployedAt: new Date(deployedAt).toISOString(), ...over };
  const file = scheduleFile(home, targetId);
  fs.writeFileSync(`${file}.test-tmp`, JSON.stringify(entry));
  fs.renameSync(`${file}.test-tmp`, file);
}

async function startScheduler(home: Home): Promise<number> {
  const r = await home.cli(['scheduler', 'start']);
  expect(r.code, r.stderr).toBe(0);
  return schedulerPid(home)!;
}

function schedulerPid(home: Home): number | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(home.dir, 'scheduler', 'scheduler.lock'), 'utf8')).pid;
  } catch {
    return undefined;
  }
}

interface JobFile {
  id: string;
  pid: number;
  scheduleId?: string;
  scheduledAt?: string;
  [key: string]: unknown;
}

function readJobs(home: Home, scheduleId?: string): JobFile[] {
  const dir = path.join(home.dir, 'jobs');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as JobFile)
    .filter((j) => scheduleId === undefined || j.scheduleId === scheduleId);
}

function readFires(home: Home): Array<Record<string, any>> {
  let text = '';
  try {
    text = fs.readFileSync(path.join(home.dir, 'scheduler', 'fires.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    try {
      return line ? [JSON.parse(line)] : [];
    } catch {
      return [];
    }
  });
}

function readSchedulerLog(home: Home): string {
  try {
    return fs.readFileSync(path.join(home.dir, 'scheduler', 'scheduler.log'), 'utf8');
  } catch {
    return '';
  }
}

function succeededRuns(home: Home): number {
  const dir = path.join(home.dir, ...BUCKET_TASK, 'runs');
  if (!fs.existsSync(dir)) return 0;
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .filter((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).status === 'succeeded').length;
}

/** Temporary files anywhere under `dir` (ours end in .tmp or .handoff-tmp). */
function tempFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => /\.(handoff-)?tmp$/.test(f));
}

/** Fills the filesystem of `dir` to the last byte; returns the filler file, whose removal frees the space. */
function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler.bin');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  // Then the last partial page.
  try {
    for (;;) fs.writeSync(fd, chunk, 0, 512);
  } catch {
    // full
  }
  fs.closeSync(fd);
  return filler;
}

/** Appends newlines to `file` until its filesystem has no room left, not even in the file's last page. */
function fillFile(file: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    for (;;) fs.writeSync(fd, '\n');
  } catch {
    // full
  } finally {
    fs.closeSync(fd);
  }
}

/** What must never appear where a scheduler or a CLI command reports an expected I/O failure. */
function expectNoCrash(text: string): void {
  expect(text).not.toContain('This is a bug in handoff');
  expect(text).not.toContain("Unhandled 'error' event");
  expect(text).not.toMatch(/^\s+at /m);
}

describe('the scheduler on a full disk', () => {
  it('HANDOFF_HOME full: the scheduler lives on, keeps its state in memory, retries the save, fires again once space is freed, leaves no temp file', async (ctx) => {
    const home = newHome();
    const unmount = mountTmpfs(home.dir, '8m');
    if (!unmount) return ctx.skip(NO_TMPFS);
    cleanups.push(unmount);
    await deploy(home, 'echo tick', '- target_id: 1\n  cron: rate(1 minute)\n  overlap: allow');
    const pid = await startScheduler(home);
    // Schedule 1 (a rate) fires at once; its run succeeds and reaches the store.
    await waitFor(() => succeededRuns(home) === 1, 30_000);

    // Schedule 2 fires 3 s from now, when the disk is full: no job file, no fire record, no state file can be written.
    const fireAt = Date.now() + 3000;
    placeSchedule(home, '2', fireAt);
    await sleep(500); // let the scheduler read it
    const filler = fillDisk(home.dir);
    // Its log too: the room left in the log file's last page is taken by empty lines.
    fillFile(path.join(home.dir, 'scheduler', 'scheduler.log'));
    await sleep(fireAt + 3000 - Date.now());
    expect(isAlive(pid), 'the scheduler died on the full disk').toBe(true);
    expect(schedulerPid(home)).toBe(pid);
    // Nothing half-written stays behind: no temp file of the state, of a job file, of a fire record.
    expect(tempFiles(home.dir)).toEqual([]);
    // The fire that could not record its job did not leave a run nobody can see or stop.
    expect(readJobs(home, 'dev-faults/job/2')).toEqual([]);
    expect(processesWithMarker(home.marker)).toEqual([pid]);

    fs.rmSync(filler);
    // The state is saved again without any new fire (retries with back-off), and the fire records kept in memory
    // meanwhile reach fires.jsonl: schedule 2 could not start, for want of space.
    await waitFor(() => {
      try {
        return JSON.parse(fs.readFileSync(path.join(home.dir, 'scheduler', 'state.json'), 'utf8')).lastFire['dev-faults/job/2'] !== undefined;
      } catch {
        return false;
      }
    }, 40_000);
    await waitFor(() => readFires(home).some((f) => f.scheduleId === 'dev-faults/job/2'), 10_000);
    const failed = readFires(home).find((f) => f.scheduleId === 'dev-faults/job/2')!;
    expect(failed).toMatchObject({ outcome: 'start_failed', scheduledAt: new Date(fireAt).toISOString() });
    expect(failed.reason).toContain('ENOSPC');

    // It still fires: schedule 3, deployed now, runs at once and succeeds.
    placeSchedule(home, '3', Date.now());
    await waitFor(() => succeededRuns(home) === 2, 30_000);
    const log = readSchedulerLog(home);
    expect(log).toMatch(/scheduler state saved again after \d+ failed attempts? \(.*ENOSPC/);
    expect(log).toMatch(/\d+ log lines? could not be written \(ENOSPC/);
    expectNoCrash(log);
    expect(tempFiles(home.dir)).toEqual([]);
    const stop = await home.cli(['scheduler', 'stop']);
    expect(stop.code, stop.stderr).toBe(0);
  });

  it('`cloud run`, `cloud schedule create` and `scheduler start` on a full HANDOFF_HOME fail clearly (exit 1), start nothing and leave no temp file', async (ctx) => {
    const home = newHome();
    const unmount = mountTmpfs(home.dir, '4m');
    if (!unmount) return ctx.skip(NO_TMPFS);
    cleanups.push(unmount);
    const projectDir = await deploy(home, 'sleep 30', '- target_id: 1\n  cron: "@daily"');
    fs.rmSync(scheduleFile(home, '1'));
    const filler = fillDisk(home.dir);

    const run = await home.cli(['cloud', 'run', '-p', projectDir]);
    expectNoCrash(run.stderr);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: cannot record the job of dev-faults\/job in \S+: ENOSPC/);
    expect(run.stderr).toContain('fix: free space');
    await waitFor(() => processesWithMarker(home.marker).length === 0, 5000).catch(() => undefined);
    expect(processesWithMarker(home.marker)).toEqual([]);
    expect(readJobs(home)).toEqual([]);

    const create = await home.cli(['cloud', 'schedule', 'create', '-p', projectDir]);
    expectNoCrash(create.stderr);
    expect(create.code).toBe(1);
    expect(create.stderr).toMatch(/error: cannot write the schedule dev-faults\/job\/1 to \S+: ENOSPC/);
    expect(fs.readdirSync(path.join(home.dir, 'schedules'))).toEqual([]);

    // Nor can the scheduler start: it says why, although it could not even write its log.
    const start = await home.cli(['scheduler', 'start']);
    expectNoCrash(start.stderr);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`error: the scheduler did not start: the disk of ${home.dir} (HANDOFF_HOME) is full`);
    const foreground = await home.cli(['scheduler', 'start', '--foreground']);
    expect(foreground.code).toBe(1);
    expect(foreground.stderr).toMatch(/error: cannot start the scheduler: cannot write its lock \S+: ENOSPC/);
    expectNoCrash(foreground.stderr);
    expect(processesWithMarker(home.marker)).toEqual([]);
    expect(tempFiles(home.dir)).toEqual([]);

    // Once space is freed, both work.
    fs.rmSync(filler);
    expect((await home.cli(['cloud', 'schedule', 'create', '-p', projectDir])).code).toBe(0);
    const again = await home.cli(['cloud', 'run', '-p', projectDir, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(readJobs(home)).toHaveLength(1);
  });
});

describe('the scheduler restarted while its runs go on', () => {
  it('after kill -9 and a restart, runs of the old scheduler still count: overlap skip skips, queue waits for them, --stop-runs ends them', async () => {
    const home = newHome();
    const projectDir = await deploy(home, 'sleep 300', '- target_id: 1\n  cron: rate(1 minute)\n  overlap: skip\n- target_id: 2\n  cron: rate(1 minute)\n  overlap: queue');
    // Both are due since their deploy time 48 s ago (the scheduler fires them at once) and fire next in 12 s.
    const anchor = Date.now() - 48_000;
    const nextSlot = anchor + 60_000;
    placeSchedule(home, '1', anchor);
    placeSchedule(home, '2', anchor, { overlap: 'queue' });
    const first = await startScheduler(home);
    await waitFor(() => readJobs(home).length === 2);
    const [skipJob] = readJobs(home, 'dev-faults/job/1');
    const [queueJob] = readJobs(home, 'dev-faults/job/2');

    process.kill(first, 'SIGKILL');
    await waitFor(() => !isAlive(first));
    const second = await startScheduler(home);
    expect(second).not.toBe(first);
    expect(Date.now(), 'the restart took too long for this test to mean anything').toBeLessThan(nextSlot - 2000);
    // The runs started by the killed scheduler go on.
    expect(isAlive(skipJob.pid) && isAlive(queueJob.pid)).toBe(true);

    await waitFor(() => readFires(home).filter((f) => f.scheduledAt === new Date(nextSlot).toISOString()).length === 2, 30_000);
    const atSlot = readFires(home).filter((f) => f.scheduledAt === new Date(nextSlot).toISOString());
    expect(atSlot.find((f) => f.scheduleId === 'dev-faults/job/1')).toMatchObject({ outcome: 'skipped' });
    expect(atSlot.find((f) => f.scheduleId === 'dev-faults/job/1')!.reason).toContain(`job ${skipJob.id}`);
    expect(atSlot.find((f) => f.scheduleId === 'dev-faults/job/2')).toMatchObject({ outcome: 'queued' });
    expect(readJobs(home)).toHaveLength(2);

    // The queued fire runs once the old scheduler's run of schedule 2 ends.
    const stopped = await home.cli(['cloud', 'job', 'stop', '-p', projectDir, '-v', `id=${queueJob.id}`]);
    expect(stopped.code, stopped.stderr).toBe(0);
    await waitFor(() => readJobs(home, 'dev-faults/job/2').length === 2, 20_000);
    const queuedRun = readJobs(home, 'dev-faults/job/2')[1];
    expect(queuedRun.scheduledAt).toBe(new Date(nextSlot).toISOString());
    expect(isAlive(skipJob.pid)).toBe(true);

    // `scheduler stop --stop-runs` ends the runs in flight, the old scheduler's included.
    const stop = await home.cli(['scheduler', 'stop', '--stop-runs']);
    expect(stop.code, stop.stderr).toBe(0);
    await waitFor(() => processesWithMarker(home.marker).length === 0, 10_000).catch(() => undefined);
    expect(processesWithMarker(home.marker)).toEqual([]);
  });

  it('a fire whose state save failed is not fired again by the next scheduler (catch_up), thanks to its job file', async (ctx) => {
    const home = newHome();
    await deploy(home, 'echo tick', '- target_id: 1\n  cron: rate(1 minute)\n  catch_up: true\n  overlap: allow');
    // Only the scheduler's own folder fills up, so the run's job file can be written while the state cannot.
    const unmount = mountTmpfs(path.join(home.dir, 'scheduler'), '256k');
    if (!unmount) return ctx.skip(NO_TMPFS);
    cleanups.push(unmount);
    const anchor = Date.now() - 52_000;
    const slot = anchor + 60_000;
    placeSchedule(home, '1', anchor, { catchUp: true });
    const first = await startScheduler(home);
    await waitFor(() => readJobs(home).length === 1);
    const filler = fillDisk(path.join(home.dir, 'scheduler'));
    // The fire at `slot` starts its run; the scheduler cannot save that it did.
    await waitFor(() => readJobs(home).length === 2, 30_000);
    expect(readJobs(home)[1].scheduledAt).toBe(new Date(slot).toISOString());
    await sleep(300);
    killQuietly(first, 'SIGKILL');
    await waitFor(() => !isAlive(first));
    fs.rmSync(filler);

    const restartedAt = Date.now();
    await startScheduler(home);
    // Wait for the new scheduler's first look (it saves its state after deciding on missed fires).
    await waitFor(() => {
      try {
        return Date.parse(JSON.parse(fs.readFileSync(path.join(home.dir, 'scheduler', 'state.json'), 'utf8')).checkedAt) >= restartedAt;
      } catch {
        return false;
      }
    }, 20_000);
    await sleep(1000);
    // The slot ran once: no third job, no record of it as missed or caught up.
    expect(readJobs(home).map((j) => j.scheduledAt)).toEqual([new Date(anchor).toISOString(), new Date(slot).toISOString()]);
    expect(readFires(home).filter((f) => f.scheduledAt === new Date(slot).toISOString() && f.outcome !== 'fired')).toEqual([]);
  });
});

describe('reused pids', () => {
  let imposter: ChildProcess | undefined;
  afterEach(() => {
    imposter?.kill('SIGKILL');
    imposter = undefined;
  });

  /** A live process that has nothing to do with the job or scheduler whose pid a file names (but looks like handoff). */
  function startImposter(): number {
    imposter = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'handoff', 'scheduler', 'start', '--foreground'], { stdio: 'ignore' });
    return imposter.pid!;
  }

  it('a job file whose pid now belongs to another process: the job is not running, `job stop` leaves that process alone, overlap does not skip', async () => {
    const home = newHome();
    const projectDir = await deploy(home, 'echo tick', '- target_id: 1\n  cron: rate(1 minute)\n  overlap: skip');
    const pid = startImposter();
    await waitFor(() => isAlive(pid));
    // The job file of a run of schedule 1, from an hour ago, whose handoff died long since: its pid was given to another process.
    const startedAt = new Date(Date.now() - 3600_000);
    const id = 'imposter-job';
    fs.mkdirSync(path.join(home.dir, 'jobs', 'logs'), { recursive: true });
    const job = {
      id,
      taskKey: 'dev-faults/job',
      pid,
      processStart: '1',
      trigger: 'schedule',
      startedAt: startedAt.toISOString(),
      workspace: path.join(home.dir, 'workspaces', 'dev-faults', 'job'),
      logFile: path.join(home.dir, 'jobs', 'logs', `${id}.log`),
      scheduleId: 'dev-faults/job/1',
    };
    fs.writeFileSync(path.join(home.dir, 'jobs', `${id}.json`), JSON.stringify(job));

    const status = await home.cli(['cloud', 'job', 'status', '-p', projectDir, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).jobs.find((j: any) => j.id === id).status).not.toBe('running');
    const stop = await home.cli(['cloud', 'job', 'stop', '-p', projectDir, '-v', `id=${id}`]);
    expect(stop.code, stop.stderr).toBe(0);
    await sleep(300);
    expect(isAlive(pid), '`cloud job stop` signalled a process that is not the job').toBe(true);

    // The scheduler does not take the stranger for a run of schedule 1 still going on: the schedule fires.
    await startScheduler(home);
    await waitFor(() => readFires(home).length > 0, 20_000);
    expect(readFires(home)[0]).toMatchObject({ scheduleId: 'dev-faults/job/1', outcome: 'fired' });
    expect(isAlive(pid)).toBe(true);
  });

  it('a scheduler lock whose pid now belongs to another process: status says not running, stop signals nothing, start takes the lock over', async () => {
    const home = newHome();
    const pid = startImposter();
    await waitFor(() => isAlive(pid));
    // The lock of a scheduler that ran an hour ago on this host and was killed (or the machine restarted).
    fs.mkdirSync(path.join(home.dir, 'scheduler'), { recursive: true });
    const lock = { pid, host: os.hostname(), startedAt: new Date(Date.now() - 3600_000).toISOString(), command: 'scheduler start' };
    fs.writeFileSync(path.join(home.dir, 'scheduler', 'scheduler.lock'), JSON.stringify(lock));

    const status = await home.cli(['scheduler', 'status', '--json']);
    expect(JSON.parse(status.stdout).scheduler.running).toBe(false);
    const stop = await home.cli(['scheduler', 'stop']);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain('No scheduler is running');
    await sleep(300);
    expect(isAlive(pid), '`scheduler stop` signalled a process that is not the scheduler').toBe(true);

    const started = await startScheduler(home);
    expect(started).not.toBe(pid);
    expect(JSON.parse((await home.cli(['scheduler', 'status', '--json'])).stdout).scheduler).toMatchObject({ running: true, pid: started });
    expect(isAlive(pid)).toBe(true);
  });
});

describe('concurrent schedulers on one HANDOFF_HOME', () => {
  it('two `scheduler start` at once: one starts, the other says which one runs (exit 2), and one scheduler runs', async () => {
    const home = newHome();
    const [a, b] = await Promise.all([home.cli(['scheduler', 'start']), home.cli(['scheduler', 'start'])]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${a.stderr}\n${b.stderr}`).toEqual([0, 2]);
    const loser = a.code === 2 ? a : b;
    const pid = schedulerPid(home)!;
    expect(loser.stderr).toContain(`is already running (pid ${pid}`);
    await sleep(500);
    expect(processesWithMarker(home.marker)).toEqual([pid]);
  });

  it('a scheduler that finds another one holding its lock stops at once, leaving its runs to the other one', async () => {
    const home = newHome();
    await deploy(home, 'sleep 300', '- target_id: 1\n  cron: rate(1 minute)\n  overlap: skip');
    const first = await startScheduler(home);
    await waitFor(() => readJobs(home).length === 1);
    const [job] = readJobs(home);
    // Its lock disappears (removed by hand, or judged stale by mistake) and a second scheduler starts.
    fs.rmSync(path.join(home.dir, 'scheduler', 'scheduler.lock'));
    const second = await startScheduler(home);
    expect(second).not.toBe(first);
    // The first one's next look (any wake: here a schedule deployed for later) finds it is no longer in charge.
    placeSchedule(home, '2', Date.now() + 3600_000);
    await waitFor(() => !isAlive(first), 10_000);
    expect(readSchedulerLog(home)).toContain(`another scheduler (pid ${second} on ${os.hostname()}`);
    expect(isAlive(second) && isAlive(job.pid)).toBe(true);
    expect(schedulerPid(home)).toBe(second);
    expect(readJobs(home)).toHaveLength(1);
  });
});

describe('what a restarted scheduler takes from the files it finds', () => {
  it('logs a catch-up run once, as a catch-up; a job file whose fire time is in the future (a clock that was fast) does not hold its schedule back', async () => {
    const home = newHome();
    await deploy(home, 'echo tick', '- target_id: 1\n  cron: "0 * * * ? *"\n  catch_up: true\n- target_id: 2\n  cron: rate(1 minute)');
    // Schedule 1, hourly, deployed 3 hours ago and never looked at: its fires since then were missed, catch_up runs once.
    placeSchedule(home, '1', Date.now() - 3 * 3600_000, { catchUp: true });
    // Schedule 2, a rate deployed 30 s ago that never fired, but a job file says it fired for a time a day ahead.
    const anchor = Date.now() - 30_000;
    placeSchedule(home, '2', anchor, { expression: 'rate(1 minute)' });
    fs.mkdirSync(path.join(home.dir, 'jobs', 'logs'), { recursive: true });
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const id = '20991231T000000.000Z-fast';
    const job = { id, taskKey: 'dev-faults/job', pid: 2 ** 22 + 1, trigger: 'schedule', startedAt: future, workspace: path.join(home.dir, 'workspaces', 'dev-faults', 'job'), logFile: path.join(home.dir, 'jobs', 'logs', `${id}.log`), scheduleId: 'dev-faults/job/2', scheduledAt: future };
    fs.writeFileSync(path.join(home.dir, 'jobs', `${id}.json`), JSON.stringify(job));

    await startScheduler(home);
    await waitFor(() => readFires(home).some((f) => f.outcome === 'caught_up') && readFires(home).some((f) => f.scheduleId === 'dev-faults/job/2' && f.outcome === 'fired'), 90_000);
    const caughtUp = readFires(home).find((f) => f.outcome === 'caught_up')!;
    expect(caughtUp.scheduleId).toBe('dev-faults/job/1');
    // One line for the catch-up run, naming it as one; none saying it fired.
    await waitFor(() => readSchedulerLog(home).includes(`schedule dev-faults/job/1 caught up (for ${caughtUp.scheduledAt}): job `));
    const log = readSchedulerLog(home);
    expect(log.split('\n').filter((line) => line.includes(caughtUp.scheduledAt) && !line.includes(': missed ('))).toHaveLength(1);
    // The rate fired for its deploy time at once, as a rate that never fired does, without a word about the clock.
    expect(readFires(home).find((f) => f.scheduleId === 'dev-faults/job/2' && f.outcome === 'fired')).toMatchObject({ scheduledAt: new Date(anchor).toISOString() });
    expect(log).not.toContain('the clock went back');
  });
});

describe('what the scheduler keeps of its files', () => {
  it('at start, removes the files and logs of old ended jobs (the newest 20 of a task stay) and moves a large scheduler.log aside', async () => {
    const home = newHome();
    const jobs = path.join(home.dir, 'jobs');
    fs.mkdirSync(path.join(jobs, 'logs'), { recursive: true });
    const old = Array.from({ length: 25 }, (_, i) => {
      const startedAt = new Date(Date.now() - 40 * 86_400_000 + i * 1000);
      const id = `${startedAt.toISOString().replace(/[-:]/g, '')}-${String(i).padStart(4, '0')}`;
      const job = { id, taskKey: 'dev-faults/job', pid: 2 ** 22 + 1, trigger: 'schedule', startedAt: startedAt.toISOString(), workspace: path.join(home.dir, 'workspaces', 'dev-faults', 'job'), logFile: path.join(jobs, 'logs', `${id}.log`) };
      fs.writeFileSync(path.join(jobs, `${id}.json`), JSON.stringify(job));
      fs.writeFileSync(job.logFile, 'done\n');
      return id;
    });
    fs.mkdirSync(path.join(home.dir, 'scheduler'), { recursive: true });
    const bigLog = path.join(home.dir, 'scheduler', 'scheduler.log');
    fs.writeFileSync(bigLog, 'an old line\n'.repeat(900_000)); // 10.8 MB

    await startScheduler(home);
    await waitFor(() => readSchedulerLog(home).includes('removed the files and logs of 5 ended jobs'));
    expect(fs.readdirSync(jobs).filter((n) => n.endsWith('.json')).sort()).toEqual(old.slice(5).map((id) => `${id}.json`));
    expect(fs.readdirSync(path.join(jobs, 'logs')).sort()).toEqual(old.slice(5).map((id) => `${id}.log`));
    expect(fs.statSync(`${bigLog}.1`).size).toBe(10_800_000);
    expect(readSchedulerLog(home)).not.toContain('an old line');
    const status = await home.cli(['scheduler', 'status']);
    expect(status.code, status.stderr).toBe(0);
  });
});
