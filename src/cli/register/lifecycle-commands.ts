// Defines `handoff scheduler start|status|stop` and `handoff cloud schedule create|list|delete`.
import type { Command } from 'commander';
import { defineAction } from './define-action.js';

const load = () => import('../commands/scheduler-command.js');

export function registerSchedulerCommands(program: Command): void {
  const scheduler = program
    .command('scheduler')
    .description('the local scheduler: fires the schedules deployed with `cloud schedule create` (local provider) on this machine');
  scheduler
    .command('start')
    .description('start the scheduler in the background (one per HANDOFF_HOME); each fire runs `handoff run` against the local store')
    .option('--foreground', 'run in this terminal instead of the background')
    .option('--stop-runs', 'when stopped, also stop the runs it started that are still going')
    .action(defineAction(async (options, command) => (await load()).schedulerStartCommand(options, command.opts())));
  scheduler
    .command('status')
    .description('whether the scheduler runs, the deployed schedules with their next fire, and the latest fires')
    .action(defineAction(async (options) => (await load()).schedulerStatusCommand(options)));
  scheduler
    .command('stop')
    .description('stop the scheduler; runs in flight go on unless --stop-runs')
    .option('--stop-runs', 'also stop the runs it started that are still going')
    .action(defineAction(async (options, command) => (await load()).schedulerStopCommand(options, command.opts())));

  const cloud = program.commands.find((c) => c.name() === 'cloud') ?? program.command('cloud').description('the cloud lifecycle of a project');
  const schedule = cloud.command('schedule').description("the project's schedules in the provider (local: fired by `handoff scheduler`)");
  schedule
    .command('create')
    .description('create or update the schedules of project.yml (idempotent; -v target_id=N for one)')
    .action(defineAction(async (options) => (await load()).cloudScheduleCreateCommand(options)));
  schedule
    .command('list')
    .description('compare declared and deployed schedules: scheduled, draft, edited, orphaned')
    .action(defineAction(async (options) => (await load()).cloudScheduleListCommand(options)));
  schedule
    .command('delete')
    .description("delete this task's deployed schedules (-v target_id=N for one)")
    .action(defineAction(async (options) => (await load()).cloudScheduleDeleteCommand(options)));
}
