// Defines `handoff ui`: the local web UI over a project and its workspace.
import { type Command, Option } from 'commander';
import { defineAction } from './define-action.js';

export function registerUiCommands(program: Command): void {
  program
    .command('ui')
    .description('serve the local web UI: pipelines, runs, live logs, schedules (127.0.0.1, with an access token)')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (default: a free one)'))
    .option('--open', 'open the page in the default browser')
    .option('--read-only', 'never start runs from the page')
    .option('--allow-runs', 'allow "Run now" even when deploy.cloud_provider is a cloud (aws, gcp; runs locally)')
    .addHelpText('after', '\nExample:\n  handoff ui -p examples/exchange-rates -w /tmp/ws\n\nStop it with Ctrl-C; runs it started go on.')
    .action(defineAction(async (options, command) => (await import('../commands/ui-command.js')).uiCommand(options, command.opts())));
}
