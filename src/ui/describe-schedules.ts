// The Schedules page's data: each schedule of project.yml with its next fire times, or the reason it cannot fire.
import type { Project } from '../project/types.js';
import { formatFireTimes, parseSchedule } from '../schedule/index.js';
import type { ScheduleView } from './api-types.js';

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
      const times = schedule.enabled ? parsed.nextFireTimes(now, count) : [];
      return {
        ...base,
        timezone: parsed.timezone,
        kind: parsed.kind,
        awsExpression: parsed.awsExpression,
        next: times.map((t) => t.toISOString()),
        nextText: formatFireTimes(times, parsed.timezone),
      };
    } catch (error) {
      return { ...base, error: (error as Error).message };
    }
  });
}
