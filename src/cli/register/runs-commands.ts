// Defines `handoff runs …`: the run history of a workspace, or the run records in a project's store.
import type { Command } from 'commander';
import { defineAction } from './define-action.js';

const load = () => import('../commands/runs-command.js');

export function registerRunsCommands(program: Command): void {
  const runs = program
    .command('runs')
    .description('run history of a workspace (-w W): records, logs and Singer state of each run; or the records runs pushed to the store (-p P)')
    .addHelpText(
      'after',
      '\nA run id may be given whole, as a unique prefix, or as "latest".\n\nExamples:\n  handoff runs list -w ./workspace\n  handoff runs show latest -w ./workspace\n  handoff runs list -p ./project -s prod      (records of cloud runs and of run -a, in the store)\n  handoff runs show latest -p ./project -s prod',
    );
  runs
    .command('list')
    .description('list runs, newest first: id, status, trigger, start, duration, records, tasks (the newest 20 unless --limit, of the workspace or from the store with -p)')
    .option('--limit <n>', 'show the newest n runs (default 20)')
    .action(defineAction(async (options, command) => (await load()).runsListCommand(options, command.opts())));
  runs
    .command('show')
    .description('show one run: tasks, processes, exit codes, failure classes, records, state')
    .argument('<run_id>', 'run id, unique prefix, or "latest"')
    .action(defineAction(async (options, command) => (await load()).runsShowCommand(options, command.args[0])));
  runs
    .command('logs')
    .description("print one run's console log (kept per run, even after later runs overwrite artifacts/)")
    .argument('<run_id>', 'run id, unique prefix, or "latest"')
    .option('-f, --follow', 'keep printing new lines until the run ends')
    .action(defineAction(async (options, command) => (await load()).runsLogsCommand(options, command.args[0], command.opts())));
  runs
    .command('state')
    .description('print the Singer state a run recorded; --restore puts it back into artifacts/state.json')
    .argument('<run_id>', 'run id, unique prefix, or "latest"')
    .option('--restore', 'write this state to artifacts/state.json (roll back a bad bookmark)')
    .action(defineAction(async (options, command) => (await load()).runsStateCommand(options, command.args[0], command.opts())));
  runs
    .command('prune')
    .description('delete old runs, keeping the newest: the workspace\'s records and logs (-w), or the run records a project\'s cloud runs pushed to its store (-p)')
    .option('--keep <n>', 'how many runs to keep (the newest that can be read); --keep 0 alone asks first (-y answers, e.g. in CI)')
    .option('--older-than <age>', 'remove only runs started longer ago than this (e.g. 90d, 12h); newer records are not read')
    .action(defineAction(async (options, command) => (await load()).runsPruneCommand(options, command.opts())));
}
