// Defines `handoff ui` (the local one-person web UI), `handoff ui serve` (the team server) and `handoff ui user …`.
import { type Command, Option } from 'commander';
import { defineAction } from './define-action.js';
import { hideGlobalOptions, ignoreParentOptions } from './parent-options.js';

/** Options of the root and of `handoff ui` that `ui serve` does not use: left out of its help, and warned about if given. */
export const SERVE_UNUSED_OPTIONS = ['--timeout', '--strict', '--envs', '--push-artifacts', '--allow-runs', '--container-provider'];
const SERVE_UNUSED_WHY = "runs started from its pages take the vars: of ui.yml, and \"Run now\" in a cloud project's workspace needs local_runs: true there";

export function registerUiCommands(program: Command): void {
  const ui = hideGlobalOptions(program.command('ui'), ['--container-provider'], '"Run now" starts `handoff run local`, no container')
    .description('serve the local web UI: pipelines, runs, live logs, schedules (127.0.0.1, with an access token)')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (default: a free one)'))
    .option('--open', 'open the page in the default browser')
    .option('--read-only', 'never start runs from the page')
    .option('--allow-runs', 'allow "Run now" even when deploy.cloud_provider is a cloud (aws, gcp, …; runs locally)')
    .option('--new-token', 'make a new access token (kept under $HANDOFF_HOME: ui-token, ui serve\'s ui-serve-token): URLs printed before stop working; ui serve with accounts: every kept session ends')
    .addHelpText(
      'after',
      '\nExample:\n  $ handoff ui -p examples/exchange-rates -w /tmp/ws\n\nStop it with Ctrl-C; runs it started go on.\nFor a team: `handoff ui serve --config ui.yml` (many projects, accounts, roles, audit log); see `handoff ui serve --help`.',
    )
    .action(defineAction(async (options, command) => (await import('../commands/ui-command.js')).uiCommand(options, command.opts())));

  hideGlobalOptions(ui.command('serve'), SERVE_UNUSED_OPTIONS, SERVE_UNUSED_WHY)
    .description('serve the web UI for a team: many projects, accounts and roles, cloud runs, an audit log')
    // Listed here for its own default; the value is parsed by `ui`'s --port of the same name (commander gives it there).
    .addOption(new Option('--port <n>', 'port to listen on (default 8080, or listen: of ui.yml; 0: a free one)'))
    .option('--config <file>', 'ui.yml: projects, listen address, accounts, audit log, TLS, sessions, proxy sign-on')
    .option('--host <address>', 'address to listen on (default 127.0.0.1; another needs accounts or proxy sign-on)')
    .option('--users <file>', 'the accounts file (see `handoff ui user`)')
    .option('--audit-log <file>', 'the JSON Lines audit log (default ui-audit.jsonl beside ui.yml or the accounts file)')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--public-url <url>', 'the URL users open, e.g. https://handoff.example.com behind a reverse proxy')
    .addHelpText(
      'after',
      `
Without --config, one project: -p, -w, -s. Runs started from its pages take the vars: of ui.yml only.

ui.yml:
  listen: 127.0.0.1:8080
  users: ui-users.json            # handoff ui user add alice --role admin --config ui.yml
  audit_log: ui-audit.jsonl
  # public_url: https://handoff.example.com    # behind a TLS reverse proxy
  # tls: {cert: cert.pem, key: key.pem}
  # sessions: {idle_timeout: 30m, max_age: 12h}
  # proxy_auth: {header: X-Forwarded-User, trusted_proxies: [127.0.0.1], default_role: viewer}
  projects:
    - project: projects/orders    # folder with project.yml
      workspace: /srv/handoff/orders
      stage: prod
      provider: aws               # default deploy.cloud_provider; none: workspace runs only

Roles: viewer (reads everything but secret values, which nobody sees), operator (also runs, stops, switches
schedules), admin (also accounts and the audit log).`,
    )
    .action(defineAction(async (options, command) => (await import('../commands/ui-serve-command.js')).uiServeCommand(options, command.optsWithGlobals())));

  const user = ignoreParentOptions(ui.command('user'))
    .description('manage the team server\'s accounts (passwords are read without echo or from stdin, never from arguments)')
    .option('--config <file>', 'take the accounts file and audit log from this ui.yml')
    .option('--users <file>', 'the accounts file')
    .option('--audit-log <file>', 'the audit log (default ui-audit.jsonl beside ui.yml or the accounts file)');

  const password = '--password-stdin';
  user
    .command('add <name>')
    .description('add an account (asks for its password twice, without echo)')
    .addOption(new Option('--role <role>', 'viewer, operator or admin').choices(['viewer', 'operator', 'admin']).makeOptionMandatory())
    .option(password, 'read the password from standard input (its first line)')
    .option('--no-password', 'no password: the account signs in through the reverse proxy only')
    .addHelpText('after', '\nExample:\n  handoff ui user add alice --role admin --users ui-users.json\n  printf %s "$PW" | handoff ui user add ci --role operator --password-stdin --config ui.yml')
    .action(defineAction(async (options, command) => (await import('../commands/ui-user-command.js')).uiUserAddCommand(options, command.args[0], command.optsWithGlobals())));
  user
    .command('passwd <name>')
    .description('set a new password (its sessions end)')
    .option(password, 'read the password from standard input (its first line)')
    .action(defineAction(async (options, command) => (await import('../commands/ui-user-command.js')).uiUserPasswdCommand(options, command.args[0], command.optsWithGlobals())));
  user
    .command('role <name> <role>')
    .description('change an account\'s role (viewer, operator, admin)')
    .action(defineAction(async (options, command) => (await import('../commands/ui-user-command.js')).uiUserRoleCommand(options, command.args[0], command.args[1], command.optsWithGlobals())));
  user
    .command('remove <name>')
    .description('remove an account (its sessions end)')
    .action(defineAction(async (options, command) => (await import('../commands/ui-user-command.js')).uiUserRemoveCommand(options, command.args[0], command.optsWithGlobals())));
  user
    .command('signout <name>')
    .description('end every session of an account (its browsers sign in again), on a running server too; the account stays')
    .action(defineAction(async (options, command) => (await import('../commands/ui-user-command.js')).uiUserSignoutCommand(options, command.args[0], command.optsWithGlobals())));
  user
    .command('list')
    .description('list the accounts: name, role, how they sign in (never the hashes)')
    .action(defineAction(async (options, command) => (await import('../commands/ui-user-command.js')).uiUserListCommand(options, command.optsWithGlobals())));
}
