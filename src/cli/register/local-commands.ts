// Defines the commands that work on this machine only: run local, workspace, config validate, schema, quick_start.
import type { Command } from 'commander';
import { defineAction, registerAllProviders } from './define-action.js';
import { hideGlobalOptions } from './parent-options.js';

export function registerLocalCommands(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of project.yml (for yaml-language-server and editors)')
    .action(defineAction(async () => (await import('../commands/config-command.js')).schemaCommand()));

  registerRunCommand(program);

  const workspace = program.command('workspace').description('create the workspace and install its venvs');
  workspace
    .command('init')
    .description('create the workspace folders (files/, artifacts/, runs/)')
    .addHelpText('after', '\n--json prints {"workspace": W, "created": [folders this call made, absolute; [] when all were there]}.')
    .action(defineAction(async (options) => (await import('../commands/workspace-command.js')).workspaceInitCommand(options)));
  workspace
    .command('install')
    .description('create each installs[].venv with python3 -m venv and run its install command inside it')
    .option('--force', 'make each venv anew and rerun every install command, even when unchanged')
    .addHelpText(
      'after',
      '\nEntries that share a venv install into it in order; it is skipped ("unchanged") while none of its commands and\n' +
        'its interpreter changed since they last all succeeded.\n' +
        '--json prints {"workspace", "status": "succeeded"|"failed", "installed", "unchanged", "failed", "installs": [{"index",\n' +
        '"venv", "status": "installed"|"unchanged"|"failed", "exitCode"}], "error"} once installs have started (also on exit 1).',
    )
    .action(
      defineAction(async (options, command) => (await import('../commands/workspace-command.js')).workspaceInstallCommand(options, command.opts())),
    );

  const config = program.command('config').description('project.yml: validate it here, or push, get, print and delete it in the store');
  config
    .command('validate')
    .description('validate project.yml and print every problem at once')
    .argument('[where]', '"local" (the default): the project folder\'s project.yml')
    .action(
      defineAction(async (options, command) => {
        const where = command.args[0];
        if (where !== undefined && where !== 'local') {
          throw (await import('../unknown-operand.js')).unknownOperand('config source', where, ['local'], 'use `handoff config validate local -p <project>`');
        }
        return (await import('../commands/config-command.js')).configValidateCommand(options);
      }, { optimizeFromStart: false }),
    );

  const quickStart = program.command('quick_start').description('start a new project from the examples');
  // It copies files into -p DIR: no workspace, stage, vars, prompt or cloud is read, so its help does not list them.
  hideGlobalOptions(
    quickStart.command('make'),
    ['--workspace-dir', '--stage', '--vars', '--yes', '--answer-no', '--cloud-provider', '--cloud-profile'],
    'it only copies the example projects into -p DIR',
  )
    .description('copy the example projects (word count, vars and envs, secrets, foreach, fork, a Singer pipeline) into ./projects, or -p DIR')
    // The global -p line reads "project folder (holds project.yml)"; for this command it is where the copies go.
    .addHelpText('after', '\n-p DIR (here): the folder to copy the examples into (made when missing; default ./projects), not a project folder.\n--json prints {"folder": the absolute folder, "projects": [the names of the projects written]}.')
    .action(defineAction(async (options) => (await import('../commands/quick-start-command.js')).quickStartMakeCommand(options)));
}

/**
 * `run`: alone, it is all that `handoff run …` defines (main.ts): a rerun's start made every local command's options
 * and help for a command line that can only be a run (issue #14).
 */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the project: `run local` with local config, files and secrets; `run` alone from the provider\'s store')
    .argument('[where]', '"local": run with the project folder\'s config, files/ and .secrets/; absent: fetch config, files, secrets and last artifacts from the store (-p or -e resource_group=… task=…), run, and with -a push artifacts and run records')
    .option('--dry-run', 'print what would run, run nothing')
    .addHelpText('after', '\nExample:\n  handoff run local -p examples/word-count -w /tmp/ws -v name=value')
    .action(
      // A run's peak RSS is a measured target (issue #14): TurboFan stays off until the run is busy (about 4 MB less).
      // A finished run leaves nothing running in handoff: it exits without Node.js's teardown.
      defineAction(
        async (options, command) => {
          const where = command.args[0];
          // A run from the store, and `run local -a` (its store), open a provider; `run local` alone opens none (a cloud's
          // secret rules, for its warning, register them there: run-local-command.ts).
          if (where === undefined || options.pushArtifacts) await registerAllProviders();
          if (where === undefined) return (await import('../commands/run-command.js')).runCommand(options, command.opts());
          if (where !== 'local') {
            // Loaded on this error path only: a run does not load the did-you-mean.
            const { unknownOperand } = await import('../unknown-operand.js');
            throw unknownOperand('run target', where, ['local'], 'use `handoff run local -p <project> -w <workspace>`');
          }
          const { runLocalCommand } = await import('../commands/run-local-command.js');
          return runLocalCommand(options, command.opts());
        },
        { optimizeFromStart: false, exitWhenDone: true, providersAtStart: false },
      ),
    );
}
