// Defines the cloud lifecycle: `scheduler start|status|stop`, `cloud schedule|run|job|logs`, and the AWS stacks, plan and deploy.
import type { Command } from 'commander';
import type { ProviderEntry } from '../../providers/provider-registry.js';
import { registerCloudDeployCommands } from './cloud-deploy-commands.js';
import { defineAction } from './define-action.js';

const load = () => import('../commands/scheduler-command.js');
const loadRun = () => import('../commands/cloud-run-command.js');

/**
 * `providers`: the registered providers, whose entries give `cloud`'s deployment words and help; absent when the command
 * line has no `cloud` word, which then shows and reads none of them (main.ts).
 */
export function registerLifecycleCommands(program: Command, providers: readonly ProviderEntry[] | undefined): void {
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
  const schedule = cloud.command('schedule').description("the project's schedules in the provider (aws: EventBridge Scheduler, one group per task; gcp: Cloud Scheduler jobs that start the Cloud Run job; azure: one Container Apps job per schedule, fired by its UTC cron, or by a Logic App in the schedule's zone when it has daylight saving; local: fired by `handoff scheduler`)");
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

  cloud
    .command('run')
    .description('start the task now (aws: a Fargate task of the latest task definition; gcp: an execution of the Cloud Run job; azure: an execution of the Container Apps job; local: a background run), -v target_id=N uses that schedule\'s envs, -e k=v adds envs')
    .option('--wait', "follow the run's log and exit with its exit code (--timeout N stops it after N seconds)")
    .action(defineAction(async (options, command) => (await loadRun()).cloudRunCommand(options, command.opts())));
  const job = cloud.command('job').description('runs started by `cloud run` or the scheduler');
  job
    .command('status')
    .description("this task's recent runs: running, succeeded or failed, with exit codes and stop reasons (-v id=<job> for one)")
    .action(defineAction(async (options) => (await loadRun()).cloudJobStatusCommand(options)));
  job
    .command('stop')
    .description('stop a running job (-v id=<job id>)')
    .action(defineAction(async (options) => (await loadRun()).cloudJobStopCommand(options)));
  cloud
    .command('logs')
    .description("this task's run logs (-v start_time=… end_time=… filter_pattern=… id=<job> follow=true; --json: one object per line)")
    .action(defineAction(async (options) => (await loadRun()).cloudLogsCommand(options)));

  if (providers) registerCloudDeployCommands(cloud, providers);
}
