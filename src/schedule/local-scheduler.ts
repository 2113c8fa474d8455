// The local scheduler's decisions: when each deployed schedule fires, overlap policy, missed fires, catch-up, and
// going on when its files cannot be written (a full disk) or after a restart with runs still in flight.
import { parseSchedule, type ParsedSchedule } from './parse-schedule.js';
import { plural } from '../plural.js';
import { isoTime } from '../iso-time.js';

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
  /** How records and logs name it, e.g. `job 20260105T100000.000Z-ab12 (pid 4242)`. */
  label?: string;
  finished: Promise<void>;
  stop(): void;
}

/** A run that a previous scheduler started and that still goes on (read back when this scheduler starts). */
export interface RunInFlight {
  scheduleId: string;
  run: LaunchedRun;
}

export interface SchedulerClock {
  now(): number;
  /**
   * A clock that only goes forward (ms, any origin; the system's monotonic clock): the wall clock stepping back between
   * two looks shows against it, however small the step.
   */
  monotonic?(): number;
  /** Resolves after `ms`, or earlier when `wake` fires (schedules changed, stop requested). */
  sleep(ms: number, wake: AbortSignal): Promise<void>;
}

export interface SchedulerState {
  /** The last fire time each schedule was acted on (fired, skipped, queued…). */
  lastFire: Record<string, string>;
  /** Until when the scheduler has looked: fires between this and its next start were missed. */
  checkedAt?: string;
  /** Fires waiting for their schedule's previous run to end (overlap: queue), so a restart keeps them waiting. */
  queued?: Record<string, string>;
  /** Which of the queued fires are catch-ups: a restarted scheduler that starts one records it as `caught_up`. */
  queuedCatchUp?: Record<string, boolean>;
  /**
   * The last fire record of each schedule: the UI shows a schedule's last fire from here, as fires.jsonl's last lines
   * hold only the busiest schedules' (a daily schedule among 200 hourly ones is out of its last 500 within 2.5 hours).
   */
  lastRecord?: Record<string, FireRecord>;
}

export interface SchedulerDeps {
  clock: SchedulerClock;
  loadSchedules(): DeployedSchedule[];
  /** Starts a run; `outcome` says why (a plain fire or a catch-up), so the log names it once, as the record does. */
  launch(schedule: DeployedSchedule, scheduledAt: Date, outcome: 'fired' | 'caught_up'): LaunchedRun;
  record(fire: FireRecord): void;
  readState(): SchedulerState;
  writeState(state: SchedulerState): void;
  /** Runs of the schedules that a previous scheduler started and that still go on: overlap counts them. */
  findRunsInFlight?(): RunInFlight[];
  /**
   * Whether this scheduler still holds its lock. Asked at every wake: one that finds another scheduler in charge
   * of its schedules stops at once (without touching the state), so that no schedule fires twice.
   */
  isInCharge?(): { inCharge: true } | { inCharge: false; reason: string };
  log(level: 'info' | 'warning' | 'error', message: string): void;
}

/** Longest sleep between looks, so a changed clock or a missed file event never delays a fire for long. */
const MAX_SLEEP_MS = 30_000;
/** At most this many missed fires are recorded one by one per schedule; more are summed up in one record. */
const MAX_MISSED_RECORDS = 20;
/** A failed save of the state or the fire records is retried after 1 s, 2 s, 4 s … and then every minute. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;
/** Fire records that cannot be written are kept in memory until they can, the newest this many. */
const MAX_PENDING_RECORDS = 1000;
/**
 * A fire time acted on later than now by more than this can only come from a clock that went back (NTP, a restored VM,
 * a bad RTC): the schedule then carries on from now, as cron does, instead of keeping silent until that time comes.
 */
const CLOCK_BACK_SLACK_MS = 60_000;
/**
 * The wall clock losing this much against the monotonic clock between two looks is a step back (NTP slewing, at most
 * 0.5 ms a second, stays far below it over the longest sleep).
 */
const CLOCK_STEP_SEEN_MS = 1000;

interface Entry {
  schedule: DeployedSchedule;
  parsed: ParsedSchedule;
  /** Fire times up to and including this one were acted on. */
  cursor: number;
  running: Set<LaunchedRun>;
  /** The fire time waiting for the running run to end (overlap: queue), and what it is (a catch-up is recorded as such). */
  queuedSlot?: number;
  queuedOutcome?: 'fired' | 'caught_up';
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
  private dropQueuedAtStop = false;
  /** Set by reload(); other wake-ups (a run ended, a queued run may start) do not re-read the schedules. */
  private reloadRequested = false;
  /** Fire records not written yet (their file could not be written): written, oldest first, as soon as it can be. */
  private pendingRecords: FireRecord[] = [];
  private droppedRecords = 0;
  /** Saves that failed in a row, the last one's error, and when the next attempt is due. */
  private failedSaves = 0;
  private lastSaveError = '';
  private retryAt: number | undefined;
  /** The wall clock and the monotonic clock at the last look: a step of the wall clock back shows between them. */
  private lastLook: { wall: number; mono: number } | undefined;

  constructor(private readonly deps: SchedulerDeps) {
    this.state = structuredClone(deps.readState());
  }

  /** Asks the loop to reload the schedules now (a file changed). */
  reload(): void {
    this.reloadRequested = true;
    this.wake.abort();
  }

  /**
   * Stops the loop. With `dropQueued` (`scheduler stop --stop-runs`), fires queued behind runs are dropped and recorded
   * as skipped: the runs they waited for were ended on purpose, so nothing of them starts at the next start.
   */
  stop(options: { dropQueued?: boolean } = {}): void {
    this.stopping = true;
    if (options.dropQueued) this.dropQueuedAtStop = true;
    this.wake.abort();
  }

  /** Runs in flight, for `scheduler status` and `--stop-runs`. */
  inFlight(): LaunchedRun[] {
    return [...this.entries.values()].flatMap((e) => [...e.running]);
  }

  /** The next fire time of a schedule strictly after `after` (rate schedules count from their deploy time). */
  static nextFire(parsed: ParsedSchedule, schedule: DeployedSchedule, after: number): number | undefined {
    if (parsed.kind === 'rate' && parsed.intervalMs) {
      // Just before the anchor (deployed - 1) this is the anchor itself. Further before it only when the clock went
      // back past a deploy made under a clock that was fast: the rate then keeps its step from times before its anchor
      // rather than waiting for a deploy time that is still to come.
      const anchor = Date.parse(schedule.deployedAt);
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
        // A changed rate fires at its new deploy time, as it does when changed while no scheduler runs (see below): a
        // restart must not find that fire unacted on and call it missed. A changed cron fires from now on.
        if (changed) existing.cursor = parsed.kind === 'rate' ? Math.max(existing.cursor, Date.parse(schedule.deployedAt) - 1) : Math.max(existing.cursor, this.deps.clock.now());
        // A fire queued behind a run does not outlive the switch-off (or a change of overlap): nothing more fires for
        // a disabled schedule, as a restarted scheduler already decided (adoptRunsInFlight).
        if (!schedule.enabled) this.dropQueued(existing, 'the schedule was disabled');
        else if (schedule.overlap !== 'queue') this.dropQueued(existing, `the schedule's overlap is now ${schedule.overlap}`);
        continue;
      }
      const last = this.state.lastFire[schedule.id];
      const checked = this.state.checkedAt ? Date.parse(this.state.checkedAt) : undefined;
      const deployed = Date.parse(schedule.deployedAt);
      // Where to start looking: after its last fire; for a schedule that never fired, a rate fires at its deploy time
      // (EventBridge fires a rate schedule when it is created; if that passed, the latest due fire runs at once), a
      // cron from its deploy time or the last look of a previous scheduler, whichever is later. When no scheduler
      // ever looked, that is the deploy time: fires since then passed while none ran, and are recorded as missed.
      // A schedule changed (deployed again) after its last fire starts afresh from that deploy, as it does when it
      // changes under a running scheduler: fires of the old schedule are not this one's to miss or catch up.
      const seenFrom = firstLoad ? (checked ?? Number.NEGATIVE_INFINITY) : startedAt;
      const fromDeploy = parsed.kind === 'rate' ? deployed - 1 : Math.max(seenFrom, deployed);
      const cursor = last ? Math.max(Date.parse(last), fromDeploy) : fromDeploy;
      const entry: Entry = { schedule, parsed, cursor, running: new Set(), removed: false };
      this.entries.set(schedule.id, entry);
      // (A disabled one is looked at again, by the loop, once it is enabled.)
      if (schedule.enabled) this.carryOnIfClockWentBack(entry, this.deps.clock.now());
    }
    for (const id of [...this.entries.keys()]) {
      const entry = this.entries.get(id)!;
      if (seen.has(id)) continue;
      this.dropQueued(entry, 'the schedule was deleted');
      if (entry.running.size === 0) this.entries.delete(id);
      else entry.removed = true;
    }
  }

  /**
   * A cursor later than now (a last fire time, a last look, a deploy time in the future) can only come from a clock that
   * went back. Left alone, the schedule keeps silent until that time comes round (a day, a year); instead it says so
   * and carries on from now: the fire times in between are not fired again.
   */
  private carryOnIfClockWentBack(entry: Entry, now: number): void {
    if (entry.cursor <= now + CLOCK_BACK_SLACK_MS) return;
    this.deps.log('warning', `the clock went back: schedule ${entry.schedule.id} was last acted on for ${isoTime(entry.cursor)}, in the future; it fires from now (${isoTime(now)}) on`);
    entry.cursor = now;
    entry.cached = undefined;
    this.state.lastFire[entry.schedule.id] = isoTime(now);
  }

  /**
   * Says when the wall clock went back since the last look, by any step of a second or more (a step of more than a
   * minute also shows in the cursors: carryOnIfClockWentBack). Fire times go by the wall clock, as cron's do: a fire
   * time already acted on is not fired again, so after a small step a schedule waits for its next one; said, not silent.
   */
  private noticeClockStep(now: number): void {
    const mono = this.deps.clock.monotonic?.();
    if (mono === undefined) return;
    const last = this.lastLook;
    this.lastLook = { wall: now, mono };
    if (!last) return;
    const expected = last.wall + (mono - last.mono);
    const back = expected - now;
    if (back < CLOCK_STEP_SEEN_MS) return;
    const effect = back <= CLOCK_BACK_SLACK_MS ? ': a fire time already acted on is not fired again, so a schedule that fired for a time still to come waits for its next one' : '';
    this.deps.log('warning', `the clock went back by ${(back / 1000).toFixed(1)} s (from ${isoTime(expected)} to ${isoTime(now)})${effect}`);
  }

  /** Forgets the fire queued behind a run, if any, and records it as skipped with the reason. */
  private dropQueued(entry: Entry, reason: string): void {
    if (entry.queuedSlot === undefined) return;
    const slot = entry.queuedSlot;
    entry.queuedSlot = undefined;
    entry.queuedOutcome = undefined;
    this.forgetQueued(entry.schedule.id);
    this.record({ scheduleId: entry.schedule.id, scheduledAt: isoTime(slot), at: isoTime(this.deps.clock.now()), outcome: 'skipped', reason });
  }

  /** Removes a schedule's queued fire from the saved state. */
  private forgetQueued(id: string): void {
    delete this.state.queued?.[id];
    delete this.state.queuedCatchUp?.[id];
  }

  /** Fires missed while no scheduler ran (between the last look and now) are recorded; those catch_up runs are returned. */
  private recordMissed(now: number): Array<[Entry, number]> {
    const catchUps: Array<[Entry, number]> = [];
    for (const entry of this.entries.values()) {
      if (!entry.schedule.enabled) continue;
      let missed: number[] = [];
      let total: number;
      const neverFiredRate = entry.parsed.kind === 'rate' && this.state.lastFire[entry.schedule.id] === undefined;
      if (neverFiredRate && entry.parsed.intervalMs) {
        // A rate that never fired fires at once, for the latest of its fire times due by now (see sync): only those
        // before it were missed. (Left to the loop, each was recorded as "the scheduler was late", without a bound.)
        const interval = entry.parsed.intervalMs;
        const anchor = Date.parse(entry.schedule.deployedAt);
        total = now < anchor ? 0 : Math.floor((now - anchor) / interval);
        const kept = Math.min(total, MAX_MISSED_RECORDS);
        missed = Array.from({ length: kept }, (_, i) => anchor + (total - kept + i) * interval);
      } else {
        let t = LocalScheduler.nextFire(entry.parsed, entry.schedule, entry.cursor);
        while (t !== undefined && t < now && missed.length <= 10_000) {
          missed.push(t);
          t = LocalScheduler.nextFire(entry.parsed, entry.schedule, t);
        }
        total = missed.length;
      }
      if (missed.length === 0) continue;
      const at = isoTime(now);
      for (const m of missed.slice(-MAX_MISSED_RECORDS)) {
        this.record({ scheduleId: entry.schedule.id, scheduledAt: isoTime(m), at, outcome: 'missed', reason: 'the scheduler was not running' });
      }
      if (total > MAX_MISSED_RECORDS) {
        this.deps.log('warning', `schedule ${entry.schedule.id}: ${plural(total, 'fire was', 'fires were')} missed while the scheduler was down (the last ${MAX_MISSED_RECORDS} are recorded)`);
      }
      const last = missed[missed.length - 1];
      entry.cursor = last;
      this.state.lastFire[entry.schedule.id] = isoTime(last);
      // The never-fired rate's latest fire runs anyway (the loop starts it): catching up would run it twice.
      if (entry.schedule.catchUp && !neverFiredRate) catchUps.push([entry, last]);
    }
    return catchUps;
  }

  /**
   * Runs that a previous scheduler started and that still go on count as this scheduler's own for overlap (kill -9 or
   * a restart without --stop-runs leaves them running); fires it queued behind them wait again.
   */
  private adoptRunsInFlight(now: number): void {
    let found: RunInFlight[] = [];
    try {
      found = this.deps.findRunsInFlight?.() ?? [];
    } catch (error) {
      this.deps.log('warning', `could not read back the runs in flight; overlap does not see runs started before this scheduler: ${(error as Error).message}`);
    }
    for (const { scheduleId, run } of found) {
      const entry = this.entries.get(scheduleId);
      // A schedule deleted meanwhile has no fires left to overlap with.
      if (!entry) continue;
      this.deps.log('info', `schedule ${scheduleId}: ${run.label ?? `pid ${run.pid}`}, started before this scheduler, still runs`);
      this.track(entry, run);
    }
    for (const id of Object.keys(this.state.queuedCatchUp ?? {})) if (this.state.queued?.[id] === undefined) delete this.state.queuedCatchUp![id];
    for (const [id, slot] of Object.entries(this.state.queued ?? {})) {
      const entry = this.entries.get(id);
      if (!entry || entry.schedule.overlap !== 'queue' || !entry.schedule.enabled) {
        this.forgetQueued(id);
        continue;
      }
      entry.queuedSlot = Date.parse(slot);
      entry.queuedOutcome = this.state.queuedCatchUp?.[id] ? 'caught_up' : 'fired';
      // A later fire time passed while no scheduler ran: the queued fire is stale (a run from yesterday must not start
      // this morning, nor two back to back); what was missed is recorded, and catch_up runs once for it.
      const later = LocalScheduler.nextFire(entry.parsed, entry.schedule, entry.queuedSlot);
      if (later !== undefined && later <= now) {
        this.dropQueued(entry, `the scheduler was down past its next fire time (${isoTime(later)})`);
        continue;
      }
      // Its previous run ended while no scheduler ran: the queued fire starts now.
      this.startQueued(entry, now);
    }
  }

  private fire(entry: Entry, scheduledAt: number, outcome: 'fired' | 'caught_up' = 'fired'): void {
    const at = isoTime(this.deps.clock.now());
    const base = { scheduleId: entry.schedule.id, scheduledAt: isoTime(scheduledAt), at };
    if (entry.running.size > 0 && entry.schedule.overlap !== 'allow') {
      if (entry.schedule.overlap === 'queue' && entry.queuedSlot === undefined) {
        entry.queuedSlot = scheduledAt;
        entry.queuedOutcome = outcome;
        (this.state.queued ??= {})[entry.schedule.id] = base.scheduledAt;
        if (outcome === 'caught_up') (this.state.queuedCatchUp ??= {})[entry.schedule.id] = true;
        this.record({ ...base, outcome: 'queued', reason: 'the previous run still goes on; it runs when that one ends' });
      } else {
        const previous = [...entry.running][0];
        const reason = entry.queuedSlot !== undefined ? 'a run is already queued' : `the previous run (${previous.label ?? `pid ${previous.pid}`}) still goes on (overlap: skip)`;
        this.record({ ...base, outcome: 'skipped', reason });
      }
      return;
    }
    this.start(entry, scheduledAt, base, outcome);
  }

  private start(entry: Entry, scheduledAt: number, base: Omit<FireRecord, 'outcome'>, outcome: 'fired' | 'caught_up'): void {
    let run: LaunchedRun;
    try {
      run = this.deps.launch(entry.schedule, new Date(scheduledAt), outcome);
    } catch (error) {
      this.record({ ...base, outcome: 'start_failed', reason: (error as Error).message });
      return;
    }
    this.record({ ...base, outcome, pid: run.pid });
    this.track(entry, run);
  }

  /** Counts a run for overlap until it ends; then its queued fire, if any, starts. */
  private track(entry: Entry, run: LaunchedRun): void {
    entry.running.add(run);
    void run.finished.then(() => {
      entry.running.delete(run);
      if (entry.removed && entry.running.size === 0) this.entries.delete(entry.schedule.id);
      this.startQueued(entry, this.deps.clock.now());
      this.wake.abort();
    });
  }

  /** Starts the fire queued behind a run once no run of its schedule goes on (not while stopping). */
  private startQueued(entry: Entry, now: number): void {
    if (entry.queuedSlot === undefined || entry.running.size > 0 || this.stopping || entry.removed || !entry.schedule.enabled) return;
    const slot = entry.queuedSlot;
    const outcome = entry.queuedOutcome ?? 'fired';
    entry.queuedSlot = undefined;
    entry.queuedOutcome = undefined;
    this.forgetQueued(entry.schedule.id);
    // Saved before the run starts, like every fire: a scheduler killed in between does not start it twice.
    this.persist(now);
    this.start(entry, slot, { scheduleId: entry.schedule.id, scheduledAt: isoTime(slot), at: isoTime(now) }, outcome);
  }

  /** Writes a fire record, or keeps it until it can be written (see persist). */
  private record(fire: FireRecord): void {
    // Saved with the state at the next persist, which every pass of the loop ends with.
    (this.state.lastRecord ??= {})[fire.scheduleId] = fire;
    this.pendingRecords.push(fire);
    if (this.pendingRecords.length > MAX_PENDING_RECORDS) {
      this.pendingRecords.shift();
      this.droppedRecords++;
    }
    try {
      this.flushRecords();
    } catch {
      // kept in memory; persist() retries and reports
    }
  }

  private flushRecords(): void {
    while (this.pendingRecords.length > 0) {
      this.deps.record(this.pendingRecords[0]);
      this.pendingRecords.shift();
    }
    if (this.droppedRecords > 0) {
      this.deps.log('warning', `${this.droppedRecords} fire records were lost: they could not be written for too long`);
      this.droppedRecords = 0;
    }
  }

  /** The loop: sleep until the earliest due fire, act on what is due, persist, repeat until stopped. */
  async run(): Promise<void> {
    const startedAt = this.deps.clock.now();
    this.noticeClockStep(startedAt);
    this.sync(startedAt, true);
    // Missed fires first: a save (as when a queued fire starts) moves checkedAt, after which they would not be seen.
    const catchUps = this.recordMissed(startedAt);
    this.adoptRunsInFlight(startedAt);
    this.persist(startedAt);
    for (const [entry, slot] of catchUps) this.fire(entry, slot, 'caught_up');
    while (!this.stopping) {
      if (this.wake.signal.aborted) this.wake = new AbortController();
      const charge = this.deps.isInCharge?.() ?? { inCharge: true };
      if (!charge.inCharge) {
        this.deps.log('error', `${charge.reason}: this scheduler stops, so that each schedule fires once (its runs in flight go on)`);
        this.stopping = true;
        return;
      }
      if (this.reloadRequested) {
        this.reloadRequested = false;
        this.sync(startedAt, false);
      }
      const now = this.deps.clock.now();
      this.noticeClockStep(now);
      let earliest = now + MAX_SLEEP_MS;
      const due: Array<[Entry, number]> = [];
      for (const entry of this.entries.values()) {
        if (!entry.schedule.enabled || entry.removed) continue;
        this.carryOnIfClockWentBack(entry, now);
        let next = dueAfterCursor(entry);
        // Everything due by now fires once (the latest); older ones passed while the machine slept: missed.
        let latestDue: number | undefined;
        const late: number[] = [];
        let lateCount = 0;
        while (next !== undefined && next <= now) {
          if (latestDue !== undefined) {
            lateCount++;
            late.push(latestDue);
            // The last ones are kept to be recorded; a machine suspended for a week must not write 10 080 of them.
            if (late.length > MAX_MISSED_RECORDS) late.shift();
          }
          latestDue = next;
          next = LocalScheduler.nextFire(entry.parsed, entry.schedule, next);
        }
        for (const slot of late) {
          this.record({ scheduleId: entry.schedule.id, scheduledAt: isoTime(slot), at: isoTime(now), outcome: 'missed', reason: 'the scheduler was late (machine suspended or overloaded)' });
        }
        if (lateCount > MAX_MISSED_RECORDS) {
          this.deps.log('warning', `schedule ${entry.schedule.id}: ${plural(lateCount, 'fire was', 'fires were')} missed while the scheduler was late (machine suspended or overloaded; the last ${MAX_MISSED_RECORDS} are recorded)`);
        }
        if (latestDue !== undefined) {
          entry.cursor = latestDue;
          this.state.lastFire[entry.schedule.id] = isoTime(latestDue);
          due.push([entry, latestDue]);
        }
        if (next !== undefined) earliest = Math.min(earliest, next);
      }
      // The fire times are saved before their runs start: a scheduler killed in between never starts one twice (at
      // worst it misses it, and says so). When the save fails, the runs start anyway: firing goes on from memory.
      if (due.length > 0) this.persist(now);
      for (const [entry, slot] of due) this.fire(entry, slot);
      this.persist(now);
      if (this.stopping) break;
      if (this.retryAt !== undefined) earliest = Math.min(earliest, this.retryAt);
      await this.deps.clock.sleep(Math.max(0, earliest - this.deps.clock.now()), this.wake.signal);
    }
    if (this.dropQueuedAtStop) {
      for (const entry of this.entries.values()) this.dropQueued(entry, 'the scheduler was stopped with its runs (--stop-runs)');
    }
    this.persist(this.deps.clock.now());
    if (this.pendingRecords.length > 0) {
      this.deps.log('warning', `${this.pendingRecords.length} fire records could not be written before the scheduler stopped (${this.lastSaveError}); they are lost`);
    }
  }

  /**
   * Saves the state and the fire records kept in memory. A failure (a full disk) never ends the scheduler: it logs,
   * keeps everything in memory, and the loop retries with back-off until a save succeeds.
   */
  private persist(now: number): void {
    this.state.checkedAt = isoTime(now);
    let failure: unknown;
    try {
      this.flushRecords();
    } catch (error) {
      failure = error;
    }
    try {
      this.deps.writeState(this.state);
    } catch (error) {
      failure ??= error;
    }
    if (failure === undefined) {
      if (this.failedSaves > 0) this.deps.log('info', `scheduler state saved again after ${plural(this.failedSaves, 'failed attempt')} (${this.lastSaveError})`);
      this.failedSaves = 0;
      this.retryAt = undefined;
      return;
    }
    const message = (failure as Error).message;
    this.failedSaves++;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (this.failedSaves - 1), MAX_RETRY_MS);
    this.retryAt = this.deps.clock.now() + delay;
    // Said once, and again when the reason changes, not at every retry.
    if (this.failedSaves === 1 || message !== this.lastSaveError) {
      this.deps.log('error', `cannot save the scheduler state: ${message}; schedules keep firing from memory; retrying (every ${MAX_RETRY_MS / 1000} s at most) until it can`);
    }
    this.lastSaveError = message;
  }
}
