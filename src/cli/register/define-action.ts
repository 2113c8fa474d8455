// Shared glue for command definitions: parses global options and sets the exit code from a command's result.
import type { Command } from 'commander';
import { toGlobalOptions, type GlobalOptions } from '../global-options.js';

export type Action = (options: GlobalOptions, command: Command) => Promise<number> | number;

/** Wraps a command body so its module is imported only when it runs, keeping `handoff --help` fast. */
export function defineAction(run: Action) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const options = toGlobalOptions(command.optsWithGlobals());
    process.exitCode = await run(options, command);
  };
}
