// Public API of the schedule parser: parse cron/rate/preset schedules, list and format their next fire times.

export { parseSchedule, SCHEDULE_PRESETS, type ParsedSchedule } from './parse-schedule.js';
export { ScheduleSyntaxError, type ScheduleField } from './schedule-syntax-error.js';
export { formatFireTimes } from './describe-schedule.js';
export { checkTimeZone } from './local-time.js';
