// Defines `handoff schedule list`: the project's schedules, checked, with their next fire times.
import type { Command } from 'commander';
import { defineAction } from './define-action.js';

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description("the project's schedules (cron, rate, presets) with their next fire times");
  schedule
    .command('list')
    .description('list the schedules of project.yml with their next five fire times in UTC (and local time)')
    // The default is said in the text: commander shows a string default quoted ("5"); the command reads none as 5.
    .option('--count <n>', 'how many fire times to show (default: 5)')
    .action(defineAction(async (options, command) => (await import('../commands/schedule-command.js')).scheduleListCommand(options, command.opts())));
}
