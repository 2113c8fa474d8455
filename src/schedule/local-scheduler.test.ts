// The scheduler's decisions under a fake clock: fire times, rate anchors, overlap policies, missed fires, reloads.
import { describe, expect, it } from 'vitest';
import { LocalScheduler, type DeployedSchedule, type FireRecord, type LaunchedRun, type RunInFlight, type SchedulerClock, type SchedulerState } from './local-scheduler.js';

class FakeClock implements SchedulerClock {
  private sleepers: Array<{ at: number; resolve: () => void }> = [];
  /** The monotonic clock: moved by advance() only, so setting `t` by hand is a step of the wall clock. */
  private mono = 0;
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return this.mono;
  }
  private moveTo(t: number): void {
    this.mono += t - this.t;
    this.t = t;
  }
  sleep(ms: number, wake: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (wake.aborted) return resolve();
      // Like the real clock, a sleep that ends on time stops listening, so listeners do not pile up on the signal.
      const onAbort = (): void => resolve();
      this.sleepers.push({
        at: this.t + ms,
        resolve: () => {
          wake.removeEventListener('abort', onAbort);
          resolve();
        },
      });
      wake.addEventListener('abort', onAbort, { once: true });
    });
  }
  /** Moves time forward step by step, letting the scheduler act at each sleeper's deadline. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.moveTo(Math.max(this.t, next.at));
      this.sleepers = this.sleepers.filter((s) => s !== next);
      next.resolve();
    }
    this.moveTo(end);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

const T0 = Date.parse('2026-01-05T10:00:30Z');

function schedule(over: Partial<DeployedSchedule>): DeployedSchedule {
  return {
    id: 'dev-rg/task/1',
    resourceGroup: 'dev-rg',
    task: 'task',
    stage: 'dev',
    targetId: '1',
    expression: '* * * * ? *',
    enabled: true,
    overlap: 'skip',
    catchUp: false,
    envs: [],
    deployedAt: new Date(T0).toISOString(),
    ...over,
  };
}

interface HarnessOptions {
  /** Runs a previous scheduler left going on. */
  inFlight?: RunInFlight[];
  /** Whether it still holds its lock (asked at every wake). */
  inCharge?: () => boolean;
}

function harness(schedules: DeployedSchedule[], state: SchedulerState = { lastFire: {} }, clock = new FakeClock(T0), options: HarnessOptions = {}) {
  const fires: FireRecord[] = [];
  const logs: string[] = [];
  const runs: Array<{ schedule: DeployedSchedule; scheduledAt: Date; outcome: string; finish: () => void; stopped: boolean; savedBefore: SchedulerState }> = [];
  let current = schedules;
  let saved = state;
  /** While set, writes fail with this error (a full disk). */
  const failing = { state: undefined as string | undefined, records: undefined as string | undefined };
  const saveAttempts: number[] = [];
  const scheduler = new LocalScheduler({
    clock,
    loadSchedules: () => current,
    launch(s, scheduledAt, outcome): LaunchedRun {
      let finish!: () => void;
      const finished = new Promise<void>((r) => (finish = r));
      const entry = { schedule: s, scheduledAt, outcome, finish, stopped: false, savedBefore: JSON.parse(JSON.stringify(saved)) };
      runs.push(entry);
      return { pid: 1000 + runs.length, finished, stop: () => (entry.stopped = true) };
    },
    record: (f) => {
      if (failing.records) throw new Error(failing.records);
      fires.push(f);
    },
    readState: () => saved,
    writeState: (s) => {
      saveAttempts.push(clock.now());
      if (failing.state) throw new Error(failing.state);
      saved = JSON.parse(JSON.stringify(s));
    },
    findRunsInFlight: () => options.inFlight ?? [],
    isInCharge: () => (options.inCharge?.() ?? true ? { inCharge: true } : { inCharge: false, reason: 'another scheduler (pid 9) holds the lock' }),
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  const done = scheduler.run();
  return {
    clock,
    fires,
    logs,
    runs,
    scheduler,
    done,
    failing,
    saveAttempts,
    setSchedules: (s: DeployedSchedule[]) => {
      current = s;
      scheduler.reload();
    },
    state: () => saved,
  };
}

/** A run of a previous scheduler: it ends when the test says. */
function previousRun(scheduleId: string, pid: number): RunInFlight & { finish: () => void; stopped: boolean } {
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const out = { scheduleId, finish, stopped: false, run: { pid, label: `job old-${pid}, pid ${pid}`, finished, stop: () => (out.stopped = true) } };
  return out;
}

describe('LocalScheduler', () => {
  it('fires a cron schedule at each fire time', async () => {
    const h = harness([schedule({})]);
    await h.clock.advance(3 * 60_000);
    for (const r of h.runs) r.finish();
    await settle();
    expect(h.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([
      ['2026-01-05T10:01:00.000Z', 'fired'],
      ['2026-01-05T10:02:00.000Z', 'skipped'],
      ['2026-01-05T10:03:00.000Z', 'skipped'],
    ]);
    h.scheduler.stop();
    await h.done;
  });

  it('keeps the last fire record of each schedule in its state, for a schedule whose fires are rare among busy ones', async () => {
    const hourly = schedule({ id: 'dev-rg/task/2', targetId: '2', expression: '0 * * * ? *', overlap: 'allow' });
    const h = harness([schedule({ overlap: 'allow' }), hourly], { lastFire: {}, lastRecord: { 'dev-rg/other/1': { scheduleId: 'dev-rg/other/1', scheduledAt: '2026-01-04T02:00:00.000Z', at: '2026-01-04T02:00:00.100Z', outcome: 'fired' } } });
    await h.clock.advance(70 * 60_000);
    const lastOf = (id: string): FireRecord | undefined => h.fires.filter((f) => f.scheduleId === id).at(-1);
    expect(lastOf('dev-rg/task/2')).toMatchObject({ scheduledAt: '2026-01-05T11:00:00.000Z', outcome: 'fired' });
    expect(h.state().lastRecord).toEqual({
      'dev-rg/task/1': lastOf('dev-rg/task/1'),
      'dev-rg/task/2': lastOf('dev-rg/task/2'),
      // A schedule that did not fire since keeps the one it had.
      'dev-rg/other/1': { scheduleId: 'dev-rg/other/1', scheduledAt: '2026-01-04T02:00:00.000Z', at: '2026-01-04T02:00:00.100Z', outcome: 'fired' },
    });
    h.scheduler.stop();
    await h.done;
  });

  it('fires a rate schedule at once when deployed, then every interval', async () => {
    const h = harness([schedule({ expression: 'rate(5 minutes)', overlap: 'allow' })]);
    await h.clock.advance(11 * 60_000);
    expect(h.fires.map((f) => f.scheduledAt)).toEqual(['2026-01-05T10:00:30.000Z', '2026-01-05T10:05:30.000Z', '2026-01-05T10:10:30.000Z']);
    expect(h.runs).toHaveLength(3);
    h.scheduler.stop();
    await h.done;
  });

  it('queues one run when the previous one still goes on (overlap: queue), and starts it when that ends', async () => {
    const h = harness([schedule({ overlap: 'queue' })]);
    await h.clock.advance(60_000);
    expect(h.runs).toHaveLength(1);
    await h.clock.advance(2 * 60_000);
    expect(h.fires.map((f) => f.outcome)).toEqual(['fired', 'queued', 'skipped']);
    h.runs[0].finish();
    await settle();
    expect(h.runs).toHaveLength(2);
    expect(h.fires.at(-1)?.outcome).toBe('fired');
    h.scheduler.stop();
    await h.done;
  });

  it('drops the fire queued behind a run when its schedule is disabled: the run ends and nothing more starts', async () => {
    const queued = schedule({ overlap: 'queue' });
    const h = harness([queued]);
    await h.clock.advance(2 * 60_000);
    expect(h.fires.map((f) => f.outcome)).toEqual(['fired', 'queued']);
    // Disabled as `cloud schedule create` (or the page) does it: the file changes, with a new deploy time.
    h.setSchedules([{ ...queued, enabled: false, deployedAt: new Date(h.clock.now()).toISOString() }]);
    await settle();
    h.runs[0].finish();
    await h.clock.advance(5 * 60_000);
    expect(h.runs).toHaveLength(1);
    expect(h.fires.map((f) => [f.scheduledAt, f.outcome, f.reason])).toEqual([
      ['2026-01-05T10:01:00.000Z', 'fired', undefined],
      ['2026-01-05T10:02:00.000Z', 'queued', 'the previous run still goes on; it runs when that one ends'],
      ['2026-01-05T10:02:00.000Z', 'skipped', 'the schedule was disabled'],
    ]);
    expect(h.state().queued).toEqual({});
    h.scheduler.stop();
    await h.done;
  });

  it('drops a queued fire when the overlap changes from queue, and starts nothing for it', async () => {
    const queued = schedule({ overlap: 'queue' });
    const h = harness([queued]);
    await h.clock.advance(2 * 60_000);
    h.setSchedules([{ ...queued, overlap: 'skip' }]);
    await settle();
    h.runs[0].finish();
    await settle();
    expect(h.runs).toHaveLength(1);
    expect(h.fires.at(-1)).toMatchObject({ scheduledAt: '2026-01-05T10:02:00.000Z', outcome: 'skipped', reason: "the schedule's overlap is now skip" });
    h.scheduler.stop();
    await h.done;
  });

  it('lets runs overlap with overlap: allow', async () => {
    const h = harness([schedule({ overlap: 'allow' })]);
    await h.clock.advance(2 * 60_000);
    expect(h.runs).toHaveLength(2);
    expect(h.scheduler.inFlight()).toHaveLength(2);
    h.scheduler.stop();
    await h.done;
  });

  it('records fires missed while it was down, and runs once for them with catch_up', async () => {
    const state = { lastFire: {}, checkedAt: new Date(T0 - 3 * 3600_000).toISOString() };
    const deployedAt = new Date(T0 - 5 * 3600_000).toISOString();
    const plain = harness([schedule({ expression: '0 * * * ? *', deployedAt })], structuredClone(state));
    await settle();
    expect(plain.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([
      ['2026-01-05T08:00:00.000Z', 'missed'],
      ['2026-01-05T09:00:00.000Z', 'missed'],
      ['2026-01-05T10:00:00.000Z', 'missed'],
    ]);
    expect(plain.runs).toHaveLength(0);
    plain.scheduler.stop();
    await plain.done;

    const caught = harness([schedule({ expression: '0 * * * ? *', catchUp: true, deployedAt })], structuredClone(state));
    await settle();
    expect(caught.fires.map((f) => f.outcome)).toEqual(['missed', 'missed', 'missed', 'caught_up']);
    expect(caught.runs).toHaveLength(1);
    caught.scheduler.stop();
    await caught.done;
  });

  it('on its very first start, records the fires since the deploy as missed, and runs once for them with catch_up', async () => {
    // No scheduler ever ran: no checkedAt in the state.
    const deployedAt = new Date(T0 - 2 * 3600_000 - 600_000).toISOString();
    const caught = harness([schedule({ expression: '0 * * * ? *', catchUp: true, deployedAt })], { lastFire: {} });
    await settle();
    // Deployed at 07:50:30, first started at 10:00:30.
    expect(caught.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([
      ['2026-01-05T08:00:00.000Z', 'missed'],
      ['2026-01-05T09:00:00.000Z', 'missed'],
      ['2026-01-05T10:00:00.000Z', 'missed'],
      ['2026-01-05T10:00:00.000Z', 'caught_up'],
    ]);
    expect(caught.runs).toHaveLength(1);
    caught.scheduler.stop();
    await caught.done;
  });

  it('starts a schedule changed while it was down afresh from its new deploy: nothing of the old one is missed or caught up', async () => {
    // Last fired at 03:00 the day before, under a daily cron; then changed to hourly 8 s before this start.
    const state = { lastFire: { 'dev-rg/task/1': '2026-01-04T03:00:00.000Z' }, checkedAt: new Date(T0 - 20_000).toISOString() };
    const h = harness([schedule({ expression: '0 * * * ? *', catchUp: true, deployedAt: new Date(T0 - 8_000).toISOString() })], state);
    await settle();
    expect(h.fires).toEqual([]);
    expect(h.runs).toHaveLength(0);
    // The new schedule fires at its next hour as usual.
    await h.clock.advance(3600_000);
    expect(h.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([['2026-01-05T11:00:00.000Z', 'fired']]);
    h.scheduler.stop();
    await h.done;
  });

  it('for a rate that never fired, records the fires missed since its deploy (at most 20, for the scheduler was not running) and runs the latest', async () => {
    // rate(1 minute) deployed 3 hours before the first scheduler start: 181 fire times are due, 10:00:30 the latest.
    const deployedAt = new Date(T0 - 3 * 3600_000).toISOString();
    for (const catchUp of [false, true]) {
      const h = harness([schedule({ expression: 'rate(1 minute)', overlap: 'allow', catchUp, deployedAt })], { lastFire: {} });
      await settle();
      const missed = h.fires.filter((f) => f.outcome === 'missed');
      expect(missed).toHaveLength(20);
      expect(new Set(missed.map((f) => f.reason))).toEqual(new Set(['the scheduler was not running']));
      expect(missed[0].scheduledAt).toBe('2026-01-05T09:40:30.000Z');
      expect(missed.at(-1)!.scheduledAt).toBe('2026-01-05T09:59:30.000Z');
      expect(h.fires.filter((f) => f.outcome !== 'missed').map((f) => [f.scheduledAt, f.outcome])).toEqual([['2026-01-05T10:00:30.000Z', 'fired']]);
      expect(h.runs).toHaveLength(1);
      expect(h.logs.filter((l) => l.startsWith('warning'))).toEqual(['warning: schedule dev-rg/task/1: 180 fires were missed while the scheduler was down (the last 20 are recorded)']);
      // And then every minute from the deploy time, as before.
      await h.clock.advance(60_000);
      expect(h.fires.at(-1)).toMatchObject({ scheduledAt: '2026-01-05T10:01:30.000Z', outcome: 'fired' });
      h.scheduler.stop();
      await h.done;
    }
  });

  it('records at most 20 fires missed while it was late (machine suspended), with a summary', async () => {
    const h = harness([schedule({ overlap: 'allow' })]);
    await h.clock.advance(60_000);
    // Suspended for 3 hours: the clock jumps, the scheduler wakes once.
    h.clock.t += 3 * 3600_000;
    h.scheduler.reload();
    await settle();
    const late = h.fires.filter((f) => f.outcome === 'missed');
    expect(late).toHaveLength(20);
    expect(late[0].reason).toBe('the scheduler was late (machine suspended or overloaded)');
    expect(late.at(-1)!.scheduledAt).toBe('2026-01-05T13:00:00.000Z');
    expect(h.fires.at(-1)).toMatchObject({ scheduledAt: '2026-01-05T13:01:00.000Z', outcome: 'fired' });
    expect(h.logs.some((l) => /^warning: .*179 fires were missed while the scheduler was late/.test(l))).toBe(true);
    h.scheduler.stop();
    await h.done;
  });

  it('does not count fires from before a schedule was deployed as missed', async () => {
    const state = { lastFire: {}, checkedAt: new Date(T0 - 3 * 3600_000).toISOString() };
    const h = harness([schedule({ expression: '0 * * * ? *', deployedAt: new Date(T0 - 1800_000).toISOString() })], state);
    await settle();
    expect(h.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([['2026-01-05T10:00:00.000Z', 'missed']]);
    h.scheduler.stop();
    await h.done;
  });

  it('picks up schedules added while it runs and forgets removed ones; disabled ones never fire', async () => {
    const h = harness([schedule({ enabled: false })]);
    await h.clock.advance(2 * 60_000);
    expect(h.fires).toEqual([]);
    h.setSchedules([schedule({ id: 'dev-rg/task/2', targetId: '2', expression: 'rate(1 minute)', deployedAt: new Date(h.clock.now()).toISOString(), overlap: 'allow' })]);
    await h.clock.advance(60_000);
    expect(h.fires.map((f) => [f.scheduleId, f.outcome])).toEqual([
      ['dev-rg/task/2', 'fired'],
      ['dev-rg/task/2', 'fired'],
    ]);
    h.setSchedules([]);
    await h.clock.advance(5 * 60_000);
    expect(h.fires).toHaveLength(2);
    h.scheduler.stop();
    await h.done;
    expect(h.state().checkedAt).toBeDefined();
    expect(h.state().lastFire['dev-rg/task/2']).toBeDefined();
  });

  it('saves each fire time before starting its run, so a scheduler killed in between cannot start it twice', async () => {
    const h = harness([schedule({ overlap: 'allow' })]);
    await h.clock.advance(2 * 60_000);
    expect(h.runs.map((r) => [r.scheduledAt.toISOString(), r.savedBefore.lastFire['dev-rg/task/1']])).toEqual([
      ['2026-01-05T10:01:00.000Z', '2026-01-05T10:01:00.000Z'],
      ['2026-01-05T10:02:00.000Z', '2026-01-05T10:02:00.000Z'],
    ]);
    h.scheduler.stop();
    await h.done;
  });

  it('saves a caught-up fire before starting it', async () => {
    const deployedAt = new Date(T0 - 5 * 3600_000).toISOString();
    const h = harness([schedule({ expression: '0 * * * ? *', catchUp: true, deployedAt })], { lastFire: {}, checkedAt: new Date(T0 - 1800_000).toISOString() });
    await settle();
    expect(h.runs).toHaveLength(1);
    expect(h.runs[0].savedBefore.lastFire['dev-rg/task/1']).toBe('2026-01-05T10:00:00.000Z');
    h.scheduler.stop();
    await h.done;
  });

  it('keeps firing when its state and records cannot be written, retries with back-off, and writes the kept records once it can', async () => {
    const h = harness([schedule({ overlap: 'allow' })]);
    await settle();
    h.failing.state = 'ENOSPC: no space left on device, write';
    h.failing.records = 'ENOSPC: no space left on device, write';
    const failedFrom = h.clock.now();
    await h.clock.advance(3 * 60_000);
    // Fires went on from memory.
    expect(h.runs).toHaveLength(3);
    expect(h.fires).toEqual([]);
    expect(h.logs.filter((l) => l.startsWith('error: cannot save the scheduler state: ENOSPC'))).toHaveLength(1);
    // Retries between the fires, further and further apart (1, 2, 4, 8 … s).
    const retries = h.saveAttempts.filter((t) => t > failedFrom && (t - Date.parse('2026-01-05T10:00:00Z')) % 60_000 !== 0);
    expect(retries.length).toBeGreaterThan(4);
    const gaps = retries.slice(1, 6).map((t, i) => t - retries[i]);
    expect(gaps).toEqual([...gaps].sort((a, b) => a - b));
    expect(Math.max(...h.saveAttempts.slice(1).map((t, i) => t - h.saveAttempts[i]))).toBeLessThanOrEqual(60_000);

    h.failing.state = undefined;
    h.failing.records = undefined;
    await h.clock.advance(60_000);
    expect(h.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([
      ['2026-01-05T10:01:00.000Z', 'fired'],
      ['2026-01-05T10:02:00.000Z', 'fired'],
      ['2026-01-05T10:03:00.000Z', 'fired'],
      ['2026-01-05T10:04:00.000Z', 'fired'],
    ]);
    expect(h.state().lastFire['dev-rg/task/1']).toBe('2026-01-05T10:04:00.000Z');
    expect(h.logs.some((l) => /^info: scheduler state saved again after \d+ failed attempts \(ENOSPC/.test(l))).toBe(true);
    h.scheduler.stop();
    await h.done;
  });

  it('counts runs a previous scheduler left going on: skip skips, queue waits for them; --stop-runs reaches them', async () => {
    const skipRun = previousRun('dev-rg/task/1', 501);
    const queueRun = previousRun('dev-rg/task/2', 502);
    const h = harness(
      [schedule({}), schedule({ id: 'dev-rg/task/2', targetId: '2', overlap: 'queue' })],
      { lastFire: {}, checkedAt: new Date(T0).toISOString() },
      new FakeClock(T0),
      { inFlight: [skipRun, queueRun, previousRun('dev-rg/task/deleted', 503)] },
    );
    await h.clock.advance(60_000);
    expect(h.fires.map((f) => [f.scheduleId, f.outcome, f.reason])).toEqual([
      ['dev-rg/task/1', 'skipped', 'the previous run (job old-501, pid 501) still goes on (overlap: skip)'],
      ['dev-rg/task/2', 'queued', 'the previous run still goes on; it runs when that one ends'],
    ]);
    expect(h.runs).toHaveLength(0);
    expect(h.state().queued).toEqual({ 'dev-rg/task/2': '2026-01-05T10:01:00.000Z' });
    expect(h.scheduler.inFlight().map((r) => r.pid).sort()).toEqual([501, 502]);
    queueRun.finish();
    await settle();
    expect(h.runs.map((r) => [r.schedule.id, r.scheduledAt.toISOString()])).toEqual([['dev-rg/task/2', '2026-01-05T10:01:00.000Z']]);
    expect(h.state().queued).toEqual({});
    h.scheduler.stop();
    await h.done;
  });

  it('a queued fire kept by a previous scheduler waits for its run, or starts at once if that run has ended', async () => {
    const state = { lastFire: { 'dev-rg/task/1': '2026-01-05T10:00:00.000Z' }, checkedAt: new Date(T0).toISOString(), queued: { 'dev-rg/task/1': '2026-01-05T10:00:00.000Z' } };
    const still = previousRun('dev-rg/task/1', 601);
    const waiting = harness([schedule({ overlap: 'queue' })], structuredClone(state), new FakeClock(T0), { inFlight: [still] });
    await settle();
    expect(waiting.runs).toHaveLength(0);
    still.finish();
    await settle();
    expect(waiting.runs.map((r) => r.scheduledAt.toISOString())).toEqual(['2026-01-05T10:00:00.000Z']);
    waiting.scheduler.stop();
    await waiting.done;

    const ended = harness([schedule({ overlap: 'queue' })], structuredClone(state));
    await settle();
    expect(ended.runs.map((r) => r.scheduledAt.toISOString())).toEqual(['2026-01-05T10:00:00.000Z']);
    // Saved as started before it started.
    expect(ended.runs[0].savedBefore.queued).toEqual({});
    ended.scheduler.stop();
    await ended.done;
  });

  it('stops at its next wake when another scheduler holds its lock, without saving over that one\'s state or firing', async () => {
    let inCharge = true;
    const h = harness([schedule({ overlap: 'allow' })], { lastFire: {} }, new FakeClock(T0), { inCharge: () => inCharge });
    await h.clock.advance(60_000);
    expect(h.runs).toHaveLength(1);
    const saves = h.saveAttempts.length;
    inCharge = false;
    await h.clock.advance(60_000);
    await h.done;
    expect(h.runs).toHaveLength(1);
    expect(h.saveAttempts).toHaveLength(saves);
    expect(h.logs).toContain('error: another scheduler (pid 9) holds the lock: this scheduler stops, so that each schedule fires once (its runs in flight go on)');
    expect(h.runs[0].stopped).toBe(false);
  });

  it('after the clock went back while it runs, says so and fires from now on instead of keeping silent until the old time', async () => {
    // The clock was a day fast when the scheduler started; NTP then sets it right.
    const DAY = 86_400_000;
    const h = harness([schedule({ overlap: 'allow', deployedAt: new Date(T0 + DAY).toISOString() })], { lastFire: {} }, new FakeClock(T0 + DAY));
    await h.clock.advance(60_000);
    expect(h.fires.map((f) => f.scheduledAt)).toEqual(['2026-01-06T10:01:00.000Z']);
    h.clock.t -= DAY;
    h.scheduler.reload();
    await h.clock.advance(2 * 60_000);
    expect(h.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([
      ['2026-01-06T10:01:00.000Z', 'fired'],
      ['2026-01-05T10:02:00.000Z', 'fired'],
      ['2026-01-05T10:03:00.000Z', 'fired'],
    ]);
    expect(h.logs.filter((l) => l.startsWith('warning'))).toEqual([
      'warning: the clock went back by 86400.0 s (from 2026-01-06T10:01:30.000Z to 2026-01-05T10:01:30.000Z)',
      'warning: the clock went back: schedule dev-rg/task/1 was last acted on for 2026-01-06T10:01:00.000Z, in the future; it fires from now (2026-01-05T10:01:30.000Z) on',
    ]);
    h.scheduler.stop();
    await h.done;
  });

  it('started with a last fire (and last look) in the future, fires from now on and counts nothing as missed; a rate deployed in the future keeps its step', async () => {
    const future = '2027-01-05T10:00:40.000Z';
    const state = { lastFire: { 'dev-rg/task/1': future, 'dev-rg/task/2': future }, checkedAt: future };
    const h = harness(
      [schedule({ overlap: 'allow', catchUp: true }), schedule({ id: 'dev-rg/task/2', targetId: '2', expression: 'rate(5 minutes)', overlap: 'allow', deployedAt: future })],
      state,
    );
    await h.clock.advance(6 * 60_000);
    expect(h.fires.filter((f) => f.scheduleId === 'dev-rg/task/1').map((f) => [f.scheduledAt, f.outcome])).toEqual([
      ['2026-01-05T10:01:00.000Z', 'fired'],
      ['2026-01-05T10:02:00.000Z', 'fired'],
      ['2026-01-05T10:03:00.000Z', 'fired'],
      ['2026-01-05T10:04:00.000Z', 'fired'],
      ['2026-01-05T10:05:00.000Z', 'fired'],
      ['2026-01-05T10:06:00.000Z', 'fired'],
    ]);
    // Every 5 minutes at :x0:40 and :x5:40, as from its (future) deploy time.
    expect(h.fires.filter((f) => f.scheduleId === 'dev-rg/task/2').map((f) => [f.scheduledAt, f.outcome])).toEqual([
      ['2026-01-05T10:00:40.000Z', 'fired'],
      ['2026-01-05T10:05:40.000Z', 'fired'],
    ]);
    expect(h.logs.filter((l) => l.includes('the clock went back'))).toHaveLength(2);
    h.scheduler.stop();
    await h.done;
  });

  it('fires a rate changed while it runs at its new deploy time, and a restart then finds nothing missed or to catch up', async () => {
    const first = schedule({ expression: 'rate(10 minutes)', catchUp: true, overlap: 'allow' });
    const h = harness([first]);
    await settle();
    expect(h.fires.map((f) => f.scheduledAt)).toEqual(['2026-01-05T10:00:30.000Z']);
    await h.clock.advance(4_000);
    const changedAt = new Date(h.clock.now()).toISOString();
    h.setSchedules([{ ...first, expression: 'rate(15 minutes)', deployedAt: changedAt }]);
    await h.clock.advance(1_000);
    expect(h.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([
      ['2026-01-05T10:00:30.000Z', 'fired'],
      [changedAt, 'fired'],
    ]);
    h.scheduler.stop();
    await h.done;

    // A plain stop and start a few seconds later.
    const again = harness([{ ...first, expression: 'rate(15 minutes)', deployedAt: changedAt }], h.state(), new FakeClock(h.clock.now() + 5_000));
    await again.clock.advance(60_000);
    expect(again.fires).toEqual([]);
    expect(again.runs).toHaveLength(0);
    again.scheduler.stop();
    await again.done;
  });

  it('drops a queued fire kept by a previous scheduler once a later fire time passed while it was down: one catch-up run, recorded as such', async () => {
    // Fired 10:01 and queued it behind a run; stopped at 10:01:10; started again at 10:03:30.
    const state = { lastFire: { 'dev-rg/task/1': '2026-01-05T10:01:00.000Z' }, checkedAt: '2026-01-05T10:01:10.000Z', queued: { 'dev-rg/task/1': '2026-01-05T10:01:00.000Z' } };
    const h = harness([schedule({ overlap: 'queue', catchUp: true })], state, new FakeClock(T0 + 3 * 60_000));
    await settle();
    expect(h.fires.map((f) => [f.scheduledAt, f.outcome, f.reason])).toEqual([
      ['2026-01-05T10:02:00.000Z', 'missed', 'the scheduler was not running'],
      ['2026-01-05T10:03:00.000Z', 'missed', 'the scheduler was not running'],
      ['2026-01-05T10:01:00.000Z', 'skipped', 'the scheduler was down past its next fire time (2026-01-05T10:02:00.000Z)'],
      ['2026-01-05T10:03:00.000Z', 'caught_up', undefined],
    ]);
    expect(h.runs.map((r) => [r.scheduledAt.toISOString(), r.outcome])).toEqual([['2026-01-05T10:03:00.000Z', 'caught_up']]);
    expect(h.state().queued).toEqual({});
    h.scheduler.stop();
    await h.done;

    // Without catch_up, nothing runs at start.
    const plain = harness([schedule({ overlap: 'queue' })], structuredClone(state), new FakeClock(T0 + 3 * 60_000));
    await settle();
    expect(plain.runs).toHaveLength(0);
    expect(plain.fires.map((f) => f.outcome)).toEqual(['missed', 'missed', 'skipped']);
    plain.scheduler.stop();
    await plain.done;
  });

  it('drops the fires queued behind runs when stopped with its runs (--stop-runs), so the next start does not run them', async () => {
    const h = harness([schedule({ overlap: 'queue' })]);
    await h.clock.advance(2 * 60_000);
    expect(h.state().queued).toEqual({ 'dev-rg/task/1': '2026-01-05T10:02:00.000Z' });
    h.scheduler.stop({ dropQueued: true });
    await h.done;
    expect(h.fires.at(-1)).toMatchObject({ scheduledAt: '2026-01-05T10:02:00.000Z', outcome: 'skipped', reason: 'the scheduler was stopped with its runs (--stop-runs)' });
    expect(h.state().queued).toEqual({});
  });

  it('records a catch-up queued behind a run as caught_up when it starts, and tells launch it is one', async () => {
    const previous = previousRun('dev-rg/task/1', 701);
    const deployedAt = new Date(T0 - 5 * 3600_000).toISOString();
    const h = harness([schedule({ expression: '0 * * * ? *', overlap: 'queue', catchUp: true, deployedAt })], { lastFire: {}, checkedAt: new Date(T0 - 1800_000).toISOString() }, new FakeClock(T0), { inFlight: [previous] });
    await settle();
    expect(h.fires.map((f) => f.outcome)).toEqual(['missed', 'queued']);
    previous.finish();
    await settle();
    expect(h.fires.at(-1)).toMatchObject({ scheduledAt: '2026-01-05T10:00:00.000Z', outcome: 'caught_up' });
    expect(h.runs.map((r) => r.outcome)).toEqual(['caught_up']);
    h.scheduler.stop();
    await h.done;
  });

  it('records a catch-up that stayed queued across a restart as caught_up when the next scheduler starts it', async () => {
    const previous = previousRun('dev-rg/task/1', 801);
    const hourly = schedule({ expression: '0 * * * ? *', overlap: 'queue', catchUp: true, deployedAt: new Date(T0 - 5 * 3600_000).toISOString() });
    const first = harness([hourly], { lastFire: {}, checkedAt: new Date(T0 - 1800_000).toISOString() }, new FakeClock(T0), { inFlight: [previous] });
    await settle();
    expect(first.fires.map((f) => f.outcome)).toEqual(['missed', 'queued']);
    // Stopped (without --stop-runs) while the catch-up waits; its run ends while no scheduler runs.
    first.scheduler.stop();
    await first.done;
    previous.finish();
    const again = harness([hourly], first.state(), new FakeClock(T0 + 60_000));
    await settle();
    expect(again.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([['2026-01-05T10:00:00.000Z', 'caught_up']]);
    expect(again.runs.map((r) => [r.scheduledAt.toISOString(), r.outcome])).toEqual([['2026-01-05T10:00:00.000Z', 'caught_up']]);
    expect(again.state().queued).toEqual({});
    expect(again.state().queuedCatchUp).toEqual({});
    again.scheduler.stop();
    await again.done;
  });

  it('says when the clock went back by less than a minute, and fires the next fire time once, on time by the new clock', async () => {
    const h = harness([schedule({ overlap: 'allow' })]);
    await h.clock.advance(45_000);
    expect(h.fires.map((f) => f.scheduledAt)).toEqual(['2026-01-05T10:01:00.000Z']);
    // At 10:01:15 the clock is set back 30 s, to 10:00:45: 10:01:00 comes round again, and is not fired twice.
    h.clock.t -= 30_000;
    h.scheduler.reload();
    await h.clock.advance(80_000);
    expect(h.fires.map((f) => [f.scheduledAt, f.outcome])).toEqual([
      ['2026-01-05T10:01:00.000Z', 'fired'],
      ['2026-01-05T10:02:00.000Z', 'fired'],
    ]);
    expect(h.logs.filter((l) => l.startsWith('warning'))).toEqual([
      'warning: the clock went back by 30.0 s (from 2026-01-05T10:01:15.000Z to 2026-01-05T10:00:45.000Z): a fire time already acted on is not fired again, so a schedule that fired for a time still to come waits for its next one',
    ]);
    // A step forward (a machine suspended) is no step back.
    h.clock.t += 3600_000;
    h.scheduler.reload();
    await h.clock.advance(1_000);
    expect(h.logs.filter((l) => l.includes('went back'))).toHaveLength(1);
    h.scheduler.stop();
    await h.done;
  });
});
