// Help for the command named wherever -h stands and for `help <words…>`, which commander alone gets wrong (SPEC §1).
import type { Command } from 'commander';

const HELP_FLAGS = new Set(['-h', '--help']);

/**
 * SPEC §1: options may come before the command words. commander reads a -h before the words as the root's own help
 * flag (`handoff -h run local` printed the root's help), and one after them as the named command's. Moving each help
 * flag to the end (before a `--`, after which nothing is an option) lets commander find the command first.
 */
export function moveHelpFlagsLast(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  const rest = end === -1 ? [] : argv.slice(end);
  const flags = options.filter((arg) => HELP_FLAGS.has(arg));
  if (flags.length === 0) return [...argv];
  return [...options.filter((arg) => !HELP_FLAGS.has(arg)), ...flags, ...rest];
}

/**
 * The command `help <words…>` names: each word a subcommand of the one before, until a command without subcommands,
 * whose own arguments the remaining words are (`help run local` is the help of `run`). A word that names no
 * subcommand of a command group is an error message (commander's implicit help command took only the first word).
 */
export function findHelpTarget(program: Command, words: readonly string[]): Command | { unknown: string } {
  let command = program;
  for (const [index, word] of words.entries()) {
    if (command.commands.length === 0) break;
    const next = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) return { unknown: words.slice(0, index + 1).join(' ') };
    command = next;
  }
  return command;
}

/** Adds `help [command...]` to the root: it prints the help of the command its words name and runs nothing. */
export function addHelpCommand(program: Command): void {
  program
    .command('help')
    .description('display help for command')
    .argument('[command...]', 'the words of a command, e.g. workspace install')
    .action((words: string[]) => {
      const target = findHelpTarget(program, words);
      if ('unknown' in target) program.error(`error: unknown command '${target.unknown}'`, { code: 'commander.unknownCommand' });
      else target.outputHelp();
    });
}
