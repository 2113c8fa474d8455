// The local scheduler's decisions: when each deployed schedule fires, overlap policy, missed fires, catch-up.
import { parseSchedule, type ParsedSchedule } from './parse-schedule.js';

/** A schedule deployed to this machine (`cloud schedule create` with the local provider). */
export interface DeployedSchedule {
  /** `<RG>/<task>/<target_id>`, with the stage-prefixed resource group. */
  id: string;
  resourceGroup: string;
  task: string;
  stage: string;
  targetId: string;
  expression: string;
  timezone?: string;
  enabled: boolean;
  overlap: 'skip' | 'queue' | 'allow';
  catchUp: boolean;
  envs: Array<{ key: string; value: string }>;
  /** When it was deployed: the anchor of rate schedules, which fire at once and then every interval. */
  deployedAt: string;
}

export type FireOutcome = 'fired' | 'skipped' | 'queued' | 'missed' | 'caught_up' | 'start_failed';

export interface FireRecord {
  scheduleId: string;
  /** The fire time the schedule asked for. */
  scheduledAt: string;
  /** When the scheduler acted on it. */
  at: string;
  outcome: FireOutcome;
  pid?: number;
  reason?: string;
}

/** A run the scheduler started: its pid, when it ends, and a way to end it (`scheduler stop --stop-runs`). */
export interface LaunchedRun {
  pid?: number;
  finished: Promise<void>;
  stop(): void;
}

export interface SchedulerClock {
  now(): number;
  /** Resolves after `ms`, or earlier when `wake` fires (schedules changed, stop requested). */
  sleep(ms: number, wake: AbortSignal): Promise<void>;
}

export interface SchedulerState {
  /** The last fire time each schedule was acted on (fired, skipped, queued…). */
  lastFire: Record<string, string>;
  /** Until when the scheduler has looked: fires between this and its next start were missed. */
  checkedAt?: string;
}

export interface SchedulerDeps {
  clock: SchedulerClock;
  loadSchedules(): DeployedSchedule[];
  launch(schedule: DeployedSchedule, scheduledAt: Date): LaunchedRun;
  record(fire: FireRecord): void;
  readState(): SchedulerState;
  writeState(state: SchedulerState): void;
  log(level: 'info' | 'warning' | 'error', message: string): void;
}

/** Longest sleep between looks, so a changed clock or a missed file event never delays a fire for long. */
const MAX_SLEEP_MS = 30_000;
/** At most this many missed fires are recorded one by one per schedule; more are summed up in one record. */
const MAX_MISSED_RECORDS = 20;

interface Entry {
  schedule: DeployedSchedule;
  parsed: ParsedSchedule;
  /** Fire times up to and including this one were acted on. */
  cursor: number;
  running: Set<LaunchedRun>;
  queued: boolean;
  /** Undeployed while a run of it went on: kept only to track that run, never fired. */
  removed: boolean;
  /** The next fire after `cursor`, kept until the cursor moves: the loop looks at every schedule on every wake. */
  cached?: { cursor: number; due: number | undefined };
}

function dueAfterCursor(entry: Entry): number | undefined {
  if (entry.cached?.cursor !== entry.cursor) {
    entry.cached = { cursor: entry.cursor, due: LocalScheduler.nextFire(entry.parsed, entry.schedule, entry.cursor) };
  }
  return entry.cached.due;
}

export class LocalScheduler {
  private entries = new Map<string, Entry>();
  private state: SchedulerState;
  private wake = new AbortController();
  private stopping = false;
  /** Set by reload(); other wake-ups (a run ended, a queued run may start) do not re-read the schedules. */
  private reloadRequested = false;

  constructor(private readonly deps: SchedulerDeps) {
    this.state = structuredClone(deps.readState());
  }

  /** Asks the loop to reload the schedules now (a file changed). */
  reload(): void {
    this.reloadRequested = true;
    this.wake.abort();
  }

  stop(): void {
    this.stopping = true;
    this.wake.abort();
  }

  /** Runs in flight, for `scheduler status` and `--stop-runs`. */
  inFlight(): LaunchedRun[] {
    return [...this.entries.values()].flatMap((e) => [...e.running]);
  }

  /** The next fire time of a schedule strictly after `after` (rate schedules count from their deploy time). */
  static nextFire(parsed: ParsedSchedule, schedule: DeployedSchedule, after: number): number | undefined {
    if (parsed.kind === 'rate' && parsed.intervalMs) {
      const anchor = Date.parse(schedule.deployedAt);
      if (after < anchor) return anchor;
      return anchor + (Math.floor((after - anchor) / parsed.intervalMs) + 1) * parsed.intervalMs;
    }
    return parsed.nextFireTimes(new Date(after), 1)[0]?.getTime();
  }

  private sync(startedAt: number, firstLoad: boolean): void {
    let schedules: DeployedSchedule[];
    try {
      schedules = this.deps.loadSchedules();
    } catch (error) {
      this.deps.log('error', `could not load the schedules: ${(error as Error).message}`);
      return;
    }
    const seen = new Set<string>();
    for (const schedule of schedules) {
      seen.add(schedule.id);
      let parsed: ParsedSchedule;
      try {
        parsed = parseSchedule(schedule.expression, schedule.timezone);
      } catch (error) {
        this.deps.log('error', `schedule ${schedule.id} is invalid and will not fire: ${(error as Error).message}`);
        this.entries.delete(schedule.id);
        continue;
      }
      const existing = this.entries.get(schedule.id);
      if (existing) {
        existing.removed = false;
        const changed = existing.schedule.expression !== schedule.expression || existing.schedule.timezone !== schedule.timezone || existing.schedule.deployedAt !== schedule.deployedAt;
        existing.schedule = schedule;
        existing.parsed = parsed;
        existing.cached = undefined;
        if (changed) existing.cursor = Math.max(existing.cursor, this.deps.clock.now());
        continue;
      }
      const last = this.state.lastFire[schedule.id];
      const checked = this.state.checkedAt ? Date.parse(this.state.checkedAt) : undefined;
      const deployed = Date.parse(schedule.deployedAt);
      // Where to start looking: after its last fire; for a schedule that never fired, a rate fires at its deploy time
      // (EventBridge fires a rate schedule when it is created; if that passed, the latest due fire runs at once), a
      // cron from its deploy time or the last look of a previous scheduler, whichever is later.
      const seenFrom = firstLoad && checked !== undefined ? checked : startedAt;
      const cursor = last ? Date.parse(last) : parsed.kind === 'rate' ? deployed - 1 : Math.max(seenFrom, deployed);
      this.entries.set(schedule.id, { schedule, parsed, cursor, running: new Set(), queued: false, removed: false });
    }
    for (const id of [...this.entries.keys()]) {
      const entry = this.entries.get(id)!;
      if (seen.has(id)) continue;
      if (entry.running.size === 0) this.entries.delete(id);
      else entry.removed = true;
    }
  }

  /** Fires missed while no scheduler ran (between the last look and now) are recorded; catch_up runs them once. */
  private recordMissed(now: number): void {
    for (const entry of this.entries.values()) {
      if (!entry.schedule.enabled) continue;
      // A rate that never fired is due at once (see sync); only later fires can have been missed.
      if (entry.parsed.kind === 'rate' && this.state.lastFire[entry.schedule.id] === undefined) continue;
      const missed: number[] = [];
      let t = LocalScheduler.nextFire(entry.parsed, entry.schedule, entry.cursor);
      while (t !== undefined && t < now && missed.length <= 10_000) {
        missed.push(t);
        t = LocalScheduler.nextFire(entry.parsed, entry.schedule, t);
      }
      if (missed.length === 0) continue;
      const at = new Date(now).toISOString();
      for (const m of missed.slice(-MAX_MISSED_RECORDS)) {
        this.deps.record({ scheduleId: entry.schedule.id, scheduledAt: new Date(m).toISOString(), at, outcome: 'missed', reason: 'the scheduler was not running' });
      }
      if (missed.length > MAX_MISSED_RECORDS) {
        this.deps.log('warning', `schedule ${entry.schedule.id}: ${missed.length} fires were missed while the scheduler was down (the last ${MAX_MISSED_RECORDS} are recorded)`);
      }
      const last = missed[missed.length - 1];
      entry.cursor = last;
      this.state.lastFire[entry.schedule.id] = new Date(last).toISOString();
      if (entry.schedule.catchUp) this.fire(entry, last, 'caught_up');
    }
  }

  private fire(entry: Entry, scheduledAt: number, outcome: 'fired' | 'caught_up' = 'fired'): void {
    const at = new Date(this.deps.clock.now()).toISOString();
    const base = { scheduleId: entry.schedule.id, scheduledAt: new Date(scheduledAt).toISOString(), at };
    if (entry.running.size > 0 && entry.schedule.overlap !== 'allow') {
      if (entry.schedule.overlap === 'queue' && !entry.queued) {
        entry.queued = true;
        this.deps.record({ ...base, outcome: 'queued', reason: 'the previous run still goes on; it runs when that one ends' });
      } else {
        this.deps.record({ ...base, outcome: 'skipped', reason: entry.queued ? 'a run is already queued' : 'the previous run still goes on (overlap: skip)' });
      }
      return;
    }
    this.start(entry, scheduledAt, base, outcome);
  }

  private start(entry: Entry, scheduledAt: number, base: Omit<FireRecord, 'outcome'>, outcome: 'fired' | 'caught_up'): void {
    let run: LaunchedRun;
    try {
      run = this.deps.launch(entry.schedule, new Date(scheduledAt));
    } catch (error) {
      this.deps.record({ ...base, outcome: 'start_failed', reason: (error as Error).message });
      return;
    }
    entry.running.add(run);
    this.deps.record({ ...base, outcome, pid: run.pid });
    void run.finished.then(() => {
      entry.running.delete(run);
      if (entry.removed && entry.running.size === 0) this.entries.delete(entry.schedule.id);
      if (entry.queued && !this.stopping && !entry.removed) {
        entry.queued = false;
        this.start(entry, scheduledAt, { ...base, at: new Date(this.deps.clock.now()).toISOString() }, 'fired');
      }
      this.wake.abort();
    });
  }

  /** The loop: sleep until the earliest due fire, act on what is due, persist, repeat until stopped. */
  async run(): Promise<void> {
    const startedAt = this.deps.clock.now();
    this.sync(startedAt, true);
    this.recordMissed(startedAt);
    this.persist(startedAt);
    while (!this.stopping) {
      if (this.wake.signal.aborted) this.wake = new AbortController();
      if (this.reloadRequested) {
        this.reloadRequested = false;
        this.sync(startedAt, false);
      }
      const now = this.deps.clock.now();
      let earliest = now + MAX_SLEEP_MS;
      for (const entry of this.entries.values()) {
        if (!entry.schedule.enabled || entry.removed) continue;
        let due = dueAfterCursor(entry);
        // Everything due by now fires once (the latest); older ones passed while the machine slept: missed.
        let latestDue: number | undefined;
        while (due !== undefined && due <= now) {
          if (latestDue !== undefined) {
            this.deps.record({ scheduleId: entry.schedule.id, scheduledAt: new Date(latestDue).toISOString(), at: new Date(now).toISOString(), outcome: 'missed', reason: 'the scheduler was late (machine suspended or overloaded)' });
          }
          latestDue = due;
          due = LocalScheduler.nextFire(entry.parsed, entry.schedule, due);
        }
        if (latestDue !== undefined) {
          entry.cursor = latestDue;
          this.state.lastFire[entry.schedule.id] = new Date(latestDue).toISOString();
          this.fire(entry, latestDue);
        }
        if (due !== undefined) earliest = Math.min(earliest, due);
      }
      this.persist(now);
      if (this.stopping) break;
      await this.deps.clock.sleep(Math.max(0, earliest - this.deps.clock.now()), this.wake.signal);
    }
    this.persist(this.deps.clock.now());
  }

  private persist(now: number): void {
    this.state.checkedAt = new Date(now).toISOString();
    this.deps.writeState(this.state);
  }
}
