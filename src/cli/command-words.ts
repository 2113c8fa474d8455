// Reads the command words out of argv before commander does: -v/-e values end at a command word, and a help flag
// after a mistyped command word gives the unknown-command error instead of a help that hides the typo.
import type { Command, Option } from 'commander';
import { UserError } from '../errors.js';

const HELP_FLAGS = new Set(['-h', '--help']);

/** An option-like word, as commander reads one (a negative number is a value of -v, as in commander). */
function looksLikeOption(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('-') && !/^-(\d+|\d*\.\d+)(e[+-]?\d+)?$/.test(arg);
}

function findOption(command: Command, arg: string): Option | undefined {
  for (let c: Command | null = command; c; c = c.parent) {
    const option = c.options.find((o) => o.short === arg || o.long === arg);
    if (option) return option;
  }
  return undefined;
}

function subcommand(command: Command, word: string): Command | undefined {
  return command.commands.find((c) => c.name() === word || c.aliases().includes(word));
}

/**
 * The words that are the command line's structure at `command` while it has no operand yet: its subcommands' names,
 * and `local` for the commands whose first argument is `[where]` (`run local`, `files get local`, `config validate local`).
 */
function isCommandWord(command: Command, word: string, operands: number): boolean {
  if (operands > 0) return false;
  if (subcommand(command, word)) return true;
  return word === 'local' && command.registeredArguments[0]?.name() === 'where';
}

/**
 * SPEC §1: -v/-e take every word after them, a word without `=` joined onto the previous value (`-v $(eval echo
 * $VARS)`). commander's variadic options also took the command words: `run -v a=1 local` ran the STORED project with
 * a="1 local", and `-v a=1 run local` printed the root help with no error. Here a command word (a subcommand name of the
 * command read so far, or its `local`) ends the values, and each value is passed on as `--vars=value`, which commander
 * takes as one value and never extends. A bare -v/-e (no value, as argparse's nargs="*" allowed) is dropped.
 *
 * Also: a help flag with a word that names no subcommand of a command group (`handoff confg validate -h`) is dropped,
 * so commander gives its "unknown command 'confg' (Did you mean config?)" error, exit 2, as without the flag.
 */
export function readCommandWords(program: Command, argv: readonly string[]): string[] {
  const out: string[] = [];
  let command = program;
  let operands = 0;
  let unknownWord: string | undefined;
  let variadic: Option | undefined;
  /** Words without `=` that -v/-e joined onto a value, for the error when no command word is left. */
  const joined: string[] = [];
  let lastVarsFlag = '';
  const end = argv.indexOf('--');
  const words = end === -1 ? argv : argv.slice(0, end);
  for (let i = 0; i < words.length; i++) {
    const arg = words[i]!;
    if (variadic && !looksLikeOption(arg) && !isCommandWord(command, arg, operands)) {
      out.push(`${variadic.long}=${arg}`);
      if (!arg.includes('=')) joined.push(arg);
      continue;
    }
    variadic = undefined;
    if (looksLikeOption(arg)) {
      const option = findOption(command, arg);
      if (option?.variadic) {
        variadic = option;
        lastVarsFlag = arg;
        continue;
      }
      out.push(arg);
      // An option's value is never a command word (`-p run` is the folder run).
      if (option && option.required && !arg.includes('=') && i + 1 < words.length) out.push(words[++i]!);
      continue;
    }
    out.push(arg);
    const next = operands === 0 ? subcommand(command, arg) : undefined;
    if (next) {
      command = next;
      continue;
    }
    if (operands === 0 && command.commands.length > 0 && command.registeredArguments.length === 0) unknownWord ??= arg;
    operands++;
  }
  const hasHelp = words.some((arg) => HELP_FLAGS.has(arg));
  if (command === program && operands === 0 && joined.length > 0 && !hasHelp && !words.includes('--version')) {
    throw new UserError(`no command given: ${lastVarsFlag} took the words ${joined.map((w) => `"${w}"`).join(', ')} as parts of a value`, {
      fix: `give a command (e.g. handoff run local …) and put ${lastVarsFlag} after the command words, or quote values that hold spaces`,
    });
  }
  const rest = end === -1 ? [] : argv.slice(end);
  if (unknownWord !== undefined && hasHelp) return [...out.filter((arg) => !HELP_FLAGS.has(arg)), ...rest];
  return [...out, ...rest];
}
