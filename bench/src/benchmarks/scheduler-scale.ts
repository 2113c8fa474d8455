// The local scheduler at scale: 1,000 schedules loaded, how late each fires (jitter), and its CPU while idle.
import type { Benchmark } from '../benchmark.js';
import { summarizeSamples } from '../summarize-samples.js';
import { LocalScheduler, type DeployedSchedule, type SchedulerState } from '../../../src/schedule/local-scheduler.js';
import { parseSchedule } from '../../../src/schedule/parse-schedule.js';
import { realClock } from '../../../src/schedule/scheduler-service.js';

const SCHEDULES = 1000;
/** The fires of the jitter test are spread over this window, starting a few seconds after the scheduler. */
const SPREAD_MS = 20_000;
const IDLE_MS = 10_000;

function schedule(i: number, expression: string, deployedAt: Date): DeployedSchedule {
  return {
    id: `dev-bench/task-${i}/1`,
    resourceGroup: 'dev-bench',
    task: `task-${i}`,
    stage: 'dev',
    targetId: '1',
    expression,
    enabled: true,
    overlap: 'allow',
    catchUp: false,
    envs: [],
    deployedAt: deployedAt.toISOString(),
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * q))];
}

/** Runs a scheduler over `schedules` with a launcher that starts nothing, until `until` says so. */
async function runScheduler(schedules: DeployedSchedule[], state: SchedulerState, onFire: (scheduledAt: Date) => void, until: () => boolean, timeoutMs: number): Promise<void> {
  const scheduler = new LocalScheduler({
    clock: realClock,
    loadSchedules: () => schedules,
    launch: (_s, scheduledAt) => {
      onFire(scheduledAt);
      return { finished: Promise.resolve(), stop: () => {} };
    },
    record: () => {},
    readState: () => state,
    writeState: () => {},
    log: () => {},
  });
  const done = scheduler.run();
  const began = Date.now();
  while (!until() && Date.now() - began < timeoutMs) await new Promise((r) => setTimeout(r, 100));
  scheduler.stop();
  await done;
}

export const schedulerScale: Benchmark = {
  name: 'scheduler',
  title: 'Local scheduler',
  async run(ctx) {
    // Loading: parse 1,000 schedules and find each one's next fire, as the scheduler does at start and on reload.
    const loadMs: number[] = [];
    for (let r = 0; r < Math.max(5, ctx.runs); r++) {
      const t0 = performance.now();
      for (let i = 0; i < SCHEDULES; i++) {
        const s = schedule(i, i % 2 ? `${i % 60} ${i % 24} ? * MON-FRI *` : i % 59 === 0 ? 'rate(1 minute)' : `rate(${(i % 59) + 1} minutes)`, new Date());
        LocalScheduler.nextFire(parseSchedule(s.expression, i % 3 ? 'Europe/Berlin' : undefined), s, Date.now());
      }
      loadMs.push(performance.now() - t0);
    }

    // Jitter: 1,000 rate(1 minute) schedules whose next fires are spread over 20 s; a fire's lateness is when the
    // scheduler acted minus the time it was due (the launcher starts nothing, so this is the scheduler's own delay).
    ctx.progress(`jitter: ${SCHEDULES} fires over ${SPREAD_MS / 1000} s`);
    const now = Date.now() + 3000;
    const state: SchedulerState = { lastFire: {} };
    const jitter = [...Array(SCHEDULES).keys()].map((i) => {
      const deployedAt = new Date(now + Math.floor((i * SPREAD_MS) / SCHEDULES) - 60_000);
      const s = schedule(i, 'rate(1 minute)', deployedAt);
      state.lastFire[s.id] = deployedAt.toISOString();
      return s;
    });
    const late: number[] = [];
    await runScheduler(jitter, state, (at) => late.push(Date.now() - at.getTime()), () => late.length >= SCHEDULES, SPREAD_MS + 30_000);

    // Idle: 1,000 schedules that do not fire for hours; the scheduler's CPU over 10 s.
    ctx.progress(`idle: ${SCHEDULES} schedules, ${IDLE_MS / 1000} s`);
    const idle = [...Array(SCHEDULES).keys()].map((i) => schedule(i, '0 3 1 1 ? 2099', new Date()));
    // Measured after a 2 s settle, so the one-time load at start (above) is not counted as idle.
    const began = Date.now();
    let cpu0: NodeJS.CpuUsage | undefined;
    let wall0 = 0;
    await runScheduler(
      idle,
      { lastFire: {} },
      () => {},
      () => {
        if (!cpu0 && Date.now() - began >= 2000) {
          cpu0 = process.cpuUsage();
          wall0 = Date.now();
        }
        return cpu0 !== undefined && Date.now() - wall0 >= IDLE_MS;
      },
      IDLE_MS + 10_000,
    );
    const cpu = process.cpuUsage(cpu0);
    const idleCpuMsPerMinute = ((cpu.user + cpu.system) / 1000 / (Date.now() - wall0)) * 60_000;

    const latency = summarizeSamples(late);
    return {
      notes: [
        `Loading: ${SCHEDULES} schedules (half cron in Europe/Berlin or UTC, half rate) parsed with their next fire computed, ${loadMs.length} times.`,
        `Jitter: ${late.length} of ${SCHEDULES} fires seen; p50 ${quantile(late, 0.5).toFixed(0)} ms, p99 ${quantile(late, 0.99).toFixed(0)} ms, max ${Math.max(...late).toFixed(0)} ms late (real clock, in this process; a fire then starts \`handoff run\`, about 0.15 s more).`,
        `Idle: ${SCHEDULES} schedules that fire in 2099, ${IDLE_MS / 1000} s after a 2 s settle: ${(cpu.user / 1000).toFixed(1)} ms user + ${(cpu.system / 1000).toFixed(1)} ms system CPU, ${((idleCpuMsPerMinute / 60_000) * 100).toFixed(3)}% of one core (this benchmark's own 100 ms polling included).`,
      ],
      rows: [
        { measure: `load ${SCHEDULES} schedules (parse + next fire)`, unit: 'ms', handoff: summarizeSamples(loadMs) },
        { measure: 'fire-time lateness, p99', unit: 'ms', handoff: summarizeSamples([quantile(late, 0.99)]), target: 'reported', met: late.length === SCHEDULES },
        { measure: 'fire-time lateness, median', unit: 'ms', handoff: latency },
        { measure: 'CPU while idle, per minute', unit: 'ms', handoff: summarizeSamples([idleCpuMsPerMinute]), target: 'reported', met: true },
      ],
    };
  },
};
