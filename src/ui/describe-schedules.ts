// The Schedules page's data: each schedule of project.yml with its next fire times, and what the local scheduler did.
import type { Project } from '../project/types.js';
import { resolveHandoffHome } from '../providers/local/handoff-home.js';
import { formatFireTimes, parseSchedule } from '../schedule/index.js';
import { listLocalSchedules } from '../schedule/schedule-registry.js';
import { readLastFireOfEachSchedule, readSchedulerHolder } from '../schedule/scheduler-service.js';
import type { ScheduleView, SchedulesResponse } from './api-types.js';
import { isoTime } from '../iso-time.js';
import { listNextFires } from '../providers/deploy/schedule-listing.js';

export function describeSchedules(project: Project, now: Date, count = 5): ScheduleView[] {
  return project.schedules.map((schedule) => {
    const base: ScheduleView = {
      targetId: schedule.target_id,
      name: schedule.name,
      description: schedule.description,
      cron: schedule.cron,
      timezone: schedule.timezone ?? 'UTC',
      enabled: schedule.enabled,
      envs: schedule.envs,
      next: [],
      nextText: [],
    };
    try {
      const parsed = parseSchedule(schedule.cron, schedule.timezone);
      // A rate fires at its deploy time and every interval after it: until it is deployed (see the callers), it has no
      // fire times to show; "now + interval" was a time that moved with every look and never was when it fired.
      const times = schedule.enabled && parsed.kind === 'cron' ? parsed.nextFireTimes(now, count) : [];
      return {
        ...base,
        timezone: parsed.timezone,
        kind: parsed.kind,
        awsExpression: parsed.awsExpression,
        next: times.map((t) => isoTime(t)),
        nextText: formatFireTimes(times, parsed.timezone),
      };
    } catch (error) {
      return { ...base, error: (error as Error).message };
    }
  });
}

/** How many recent fire records are searched for each schedule's last one (besides the scheduler's state). */
const RECENT_FIRES = 500;

/**
 * For a project on the local provider: whether the scheduler of $HANDOFF_HOME runs, which of the project's schedules
 * (this stage) are deployed to it, and the last fire of each. Reads only; never starts or changes the scheduler.
 */
export function addLocalSchedulerState(project: Project, stage: string, schedules: ScheduleView[], env: NodeJS.ProcessEnv = process.env, now = new Date(), count = 5): Pick<SchedulesResponse, 'scheduler' | 'schedules'> {
  if (project.deploy.cloud_provider !== 'local') return { schedules };
  const home = resolveHandoffHome(env).dir;
  const holder = readSchedulerHolder(home);
  const task = project.deploy.task;
  const deployed = listLocalSchedules(home).filter((s) => s.task === task && s.bareResourceGroup === project.deploy.resource_group && s.stage === stage);
  const lastFires = readLastFireOfEachSchedule(home, RECENT_FIRES);
  return {
    scheduler: holder ? { running: true, pid: holder.pid, since: holder.startedAt, home } : { running: false, home },
    schedules: schedules.map((view) => {
      const entry = deployed.find((s) => s.targetId === view.targetId);
      if (!entry) return view;
      const last = lastFires.get(entry.id);
      const lastFire = last ? { scheduledAt: last.scheduledAt, at: last.at, outcome: last.outcome, reason: last.reason } : undefined;
      // A deployed rate (as project.yml declares it) fires when the scheduler fires it: from its deploy time, as
      // `cloud schedule list` and `scheduler status` count.
      if (view.kind !== 'rate' || !view.enabled || entry.expression !== view.cron) return { ...view, deployedLocally: true, lastFire };
      const next = listNextFires(entry.expression, entry.timezone, entry.enabled, now, entry.deployedAt, count);
      return { ...view, deployedLocally: true, lastFire, next, nextText: formatFireTimes(next.map((t) => new Date(t)), view.timezone) };
    }),
  };
}
