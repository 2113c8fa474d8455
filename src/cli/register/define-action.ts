// Shared glue for command definitions: parses global options and sets the exit code from a command's result.
import type { Command } from 'commander';
import type { GlobalOptions } from '../global-options.js';
import { createConsoleLog } from '../console-log.js';
import { ignoredOptionsWarning } from './parent-options.js';

export type Action = (options: GlobalOptions, command: Command) => Promise<number> | number;

export interface ActionOptions {
  /**
   * Turn V8's optimizing compiler on as the command starts (the default). A run leaves it off until it is busy
   * (releaseOptimizingWhenBusy): its peak RSS is a target, and loading its code alone would page the compiler in.
   * `config validate` leaves it off throughout: a check runs each function too few times to repay its compilation.
   */
  optimizeFromStart?: boolean;
  /**
   * Once the command is over and nothing is left to do, handoff exits without Node.js tearing its heap down (about
   * 6 ms on a 2-core VM; see main.ts). For commands that leave nothing running in this process when they return: a
   * run, not a server.
   */
  exitWhenDone?: boolean;
  /**
   * Register the providers' entries as the command starts (the default: any command body may open a provider). False
   * for a command that opens one on some paths only and registers them there (registerAllProviders): `run local`
   * without -a opens none, and loading the four entries with their modules was part of every rerun (issue #14).
   */
  providersAtStart?: boolean;
}

let exitWhenDone = false;

/** Whether the command that ran asked to exit as soon as it is over (ActionOptions.exitWhenDone). */
export function commandExitsWhenDone(): boolean {
  return exitWhenDone;
}

/**
 * What a command needs before its body, imported as it starts: a help or a usage error reads none of these files
 * (the provider entries bring about ten small ones; `handoff --help` loaded 22 files, issue #14).
 */
async function loadActionStart(withProviders: boolean) {
  const [compiler, globalOptions] = await Promise.all([import('../optimizing-compiler.js'), import('../global-options.js'), withProviders ? registerAllProviders() : undefined]);
  return { releaseOptimizingCompiler: compiler.releaseOptimizingCompiler, toGlobalOptions: globalOptions.toGlobalOptions };
}

/** Fills the provider registry with every provider this CLI ships (a command body may open any of them). */
export async function registerAllProviders(): Promise<void> {
  (await import('../provider-entries.js')).registerProviders();
}

/** Wraps a command body so its module is imported only when it runs, keeping `handoff --help` fast. */
export function defineAction(run: Action, actionOptions: ActionOptions = {}) {
  return async (...args: unknown[]): Promise<void> => {
    const { releaseOptimizingCompiler, toGlobalOptions } = await loadActionStart(actionOptions.providersAtStart !== false);
    if (actionOptions.optimizeFromStart !== false) releaseOptimizingCompiler();
    exitWhenDone = actionOptions.exitWhenDone === true;
    const command = args[args.length - 1] as Command;
    const options = toGlobalOptions(command.optsWithGlobals());
    // An option this command does not use (hidden from its --help) is said, not silently dropped.
    const ignored = ignoredOptionsWarning(command);
    if (ignored) createConsoleLog(options.logLevel).log('warning', ignored);
    try {
      process.exitCode = await run(options, command);
    } catch (error) {
      // A fix that names a command to run names this command's own folders, not `-p P` / `-w W` (loaded on an error only).
      (await import('../fix-args.js')).fillErrorFixArgs(error, options);
      throw error;
    }
  };
}
