// CLI entry point: defines the commands, runs one, and maps errors to exit codes (the only place that exits).
import { Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS, readLogLevel } from './console-log.js';
import { addHelpCommand, moveHelpFlagsLast } from './help-request.js';
import { HandoffCommand } from './handoff-command.js';
import { readCommandWords } from './command-words.js';
import { formatDiagnostic, isUserError } from '../errors.js';
import { commandExitsWhenDone, defineAction } from './register/define-action.js';
import { registerContainerCommands } from './register/container-commands.js';
import { registerLocalCommands, registerRunCommand } from './register/local-commands.js';
import { registerRunsCommands } from './register/runs-commands.js';
import { registerUiCommands } from './register/ui-commands.js';
import { registerScheduleCommands } from './register/schedule-commands.js';
import { registerLifecycleCommands } from './register/lifecycle-commands.js';
import { registerStoreCommands } from './register/store-commands.js';
import { isGlobalOptionHidden, optionsOutOfScope } from './register/parent-options.js';
import { hideUnreadRunOptions } from './register/run-options.js';
import { VERSION } from '../version.js';
import { INTERRUPT_EXIT_CODES } from '../runner/events.js';
import { hasColors, isTerminal, watchStandardOutput, writeOutput, type OutputFailure } from './standard-output.js';

async function createProgram(argv: string[]): Promise<Command> {
  // The deploy commands' words and help come from the providers' entries, which `cloud …` alone shows or reads: any other
  // command line (`--help`, `run local`, a typo) neither loads them nor defines those words (a command that runs
  // registers them as it starts, register/define-action.ts).
  const providers = argv.includes('cloud') ? (await import('./provider-entries.js')).registerProviders() : undefined;
  const program = new HandoffCommand('handoff', argv)
    .description('Run data pipelines described in project.yml locally, and deploy them to serverless containers.')
    .version(VERSION, '--version', 'print the version')
    .showHelpAfterError('(add --help for usage)')
    .allowExcessArguments(false)
    .option('-p, --project-dir <dir>', 'project folder (holds project.yml)')
    .option('-w, --workspace-dir <dir>', 'workspace folder (venvs, rendered files, artifacts); not the project folder')
    .option('-s, --stage <name>', 'stage, e.g. dev or prod (default: $HO_STAGE or dev)')
    .option('-v, --vars [key=value...]', 'run-time variables, or one file with a key=value per line')
    .option('-e, --envs [key=value...]', 'environment variables for the commands of a run (local, container or cloud)')
    .option('-y, --yes', 'answer yes to every prompt')
    .option('-n, --answer-no', 'answer no to every prompt')
    .addOption(
      new Option('-l, --log-level <level>', 'log level, in any case')
        .choices(LOG_LEVELS)
        // After choices (which only lists them in the help): `-l DEBUG` as the original's scripts pass it.
        .argParser((value) => {
          const level = readLogLevel(value);
          if (!level) throw new InvalidArgumentError(`Allowed choices are ${LOG_LEVELS.join(', ')}.`);
          return level;
        })
        .default('info'),
    )
    .option('-a, --push-artifacts', 'after a run, push and archive artifacts to the remote store')
    .option('--cloud-provider <name>', 'override deploy.cloud_provider')
    .option('--cloud-profile <name>', 'cloud credentials profile')
    .option('--container-provider <name>', 'container CLI to use (docker or podman)')
    .option('--json', 'machine-readable output on stdout (logs stay on stderr)')
    .option('--strict', 'an undefined template variable is an error instead of a warning')
    .option('--timeout <seconds>', 'time limit for the whole run');
  // Set before any subcommand exists so they inherit it: usage errors become exit code 2 in one place (main).
  program.exitOverride();
  // Every command takes the options above (-p, -w, -s, -v …): each command's --help lists them under "Global Options".
  program.configureHelp({
    showGlobalOptions: true,
    visibleGlobalOptions(cmd) {
      const outOfScope = new Set(optionsOutOfScope(cmd));
      return Help.prototype.visibleGlobalOptions
        .call(this, cmd)
        .filter((option) => option.long !== '--version' && !outOfScope.has(option) && !isGlobalOptionHidden(cmd, option));
    },
  });
  // Help and usage errors go out without Node.js's streams (src/cli/standard-output.ts); the text is commander's.
  const commanderOutput = program.configureOutput();
  program.configureOutput({
    writeOut: (s) => writeOutput(1, s),
    writeErr: (s) => writeOutput(2, s),
    // undefined (not a terminal) is commander's own answer then, which its typings do not admit.
    getOutHelpWidth: () => (isTerminal(1) ? commanderOutput.getOutHelpWidth?.() : undefined) as number,
    getErrHelpWidth: () => (isTerminal(2) ? commanderOutput.getErrHelpWidth?.() : undefined) as number,
    getOutHasColors: () => hasColors(1),
    getErrHasColors: () => hasColors(2),
  });

  // `handoff run …` (a run, scheduled or not) makes only the command it can be: building every other command's
  // options and help is about 0.7 MB of a run's peak memory, a measured target (issue #14), and part of every rerun's
  // start. Only when `run` is the first word, as commander then reads no other command; `-p P run local` and the like
  // make them all.
  if (argv[0] === 'run') {
    registerRunCommand(program);
    hideUnreadRunOptions(program);
    return program;
  }

  program
    .command('version')
    .description('print the version')
    .action(
      defineAction((options) => {
        writeOutput(1, options.json ? `${JSON.stringify({ version: VERSION })}\n` : `${VERSION}\n`);
        return 0;
      }),
    );

  registerLocalCommands(program);
  registerContainerCommands(program);
  registerRunsCommands(program);
  registerUiCommands(program);
  registerScheduleCommands(program);
  registerStoreCommands(program);
  // After the store commands: it adds `cloud schedule|run|job|logs` to the `cloud` command they define.
  registerLifecycleCommands(program, providers);
  // Once every command exists: each hides (and warns about) the run options it does not read.
  hideUnreadRunOptions(program);
  // Last, so it is listed last as commander's own was; it takes every word (`help workspace install`).
  addHelpCommand(program);

  return program;
}

function printError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (isUserError(error)) {
    const lines = [`error: ${error.message}`];
    for (const d of error.diagnostics) lines.push(`  ${formatDiagnostic(d)}`);
    if (error.fix) lines.push(`fix: ${error.fix}`);
    if (debug && error.stack) lines.push(error.stack);
    writeOutput(2, `${lines.join('\n')}\n`);
    return error.exitCode;
  }
  const err = error as Error;
  writeOutput(2, `error: ${err?.message ?? String(error)}\n`);
  if (debug) writeOutput(2, `${err?.stack ?? ''}\n`);
  else writeOutput(2, 'This is a bug in handoff; run again with -l debug for details and report it.\n');
  return 1;
}

/**
 * The first error writing stdout or stderr other than a reader that went away (e.g. ENOSPC on `> /dev/full`). A reader
 * that goes away (`handoff runs list | head -1`) or a terminal that hung up is not handoff's failure (see
 * src/cli/standard-output.ts); other failures (a full disk) still fail the command (exit 1), with one error line once
 * it is over instead of an uncaught exception's stack (see outputFailure).
 */
let outputError: OutputFailure | undefined;

/** Says a failed write (stderr may still work when stdout is full) and gives exit 1 unless the command failed itself. */
function outputFailure(code: number): number {
  if (!outputError) return code;
  const { error, fd } = outputError;
  outputError = undefined;
  const which = fd === 2 ? 'standard error' : 'standard output';
  const reason = error.code === 'ENOSPC' ? 'no space left on device' : error.message;
  // The command's own result is said too: a run that succeeded is not a failed task.
  const result = code === 0 ? 'the command itself succeeded' : `the command itself ended with exit code ${code}`;
  writeOutput(2, `error: cannot write ${which}: ${error.code ?? 'error'} (${reason}); ${result}\n`);
  return code === 0 ? 1 : code;
}

export async function main(argv: string[]): Promise<number> {
  watchStandardOutput((failure) => {
    outputError ??= failure;
  });
  const program = await createProgram(argv);
  const debug = argv.some((arg) => readLogLevel(arg) === 'debug') && (argv.includes('-l') || argv.includes('--log-level'));
  try {
    await program.parseAsync(moveHelpFlagsLast(readCommandWords(program, argv)), { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return printError(error, debug);
  }
}

// No top-level await: the bundle is CommonJS (see scripts/build.mjs).
// Last: a failed write may be reported after the command returned (a large write to a full disk fails later).
process.on('exit', (code) => {
  if (code !== INTERRUPT_EXIT_CODES.SIGHUP) process.exitCode = outputFailure(code);
});

void main(process.argv.slice(2)).then((code) => {
  if (code === INTERRUPT_EXIT_CODES.SIGHUP) {
    // A run stopped by SIGHUP (its terminal closed) ends by that signal, as a shell's jobs do: an ordinary exit would
    // have Node.js restore the settings of a terminal that is gone, which Node.js 20 answers with an abort.
    process.removeAllListeners('SIGHUP');
    process.kill(process.pid, 'SIGHUP');
    return;
  }
  process.exitCode = code;
  // A finished run exits as soon as nothing is left to do (every write made, a foreach's launchers gone) instead of
  // after Node.js frees its heap and modules one by one, which takes about 6 ms here and changes nothing on disk.
  if (commandExitsWhenDone()) process.once('beforeExit', () => process.exit(code));
});
