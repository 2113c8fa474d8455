// The CLI's commander Command: refuses the original handoff's `-d key=value` (its vars option) with the fix naming -v.
import { Command } from 'commander';
import { UserError } from '../errors.js';

/**
 * A Command whose subcommands are HandoffCommands too. The original 0.3's docs gave run-time variables with `-d`
 * (`handoff run local -p P -d username=me`, `secrets push -d secrets_dir=D`); handoff takes them with `-v`. A bare
 * "unknown option '-d'" would not say that, and an alias would keep a second spelling alive: refused with the fix.
 */
export class HandoffCommand extends Command {
  /** The words the CLI was called with, to repeat what followed `-d` in the fix. */
  private readonly words: readonly string[];

  constructor(name: string | undefined, words: readonly string[]) {
    super(name);
    this.words = words;
    // commander's unknownOption (called for the first option no command declares) is not in its typings.
    const self = this as unknown as { unknownOption(flag: string): void };
    const unknownOption = self.unknownOption;
    self.unknownOption = (flag: string): void => {
      const match = /^(?:-d|--data)(?:=?(.+))?$/.exec(flag);
      if (match) throw originalVarsOption(flag, match[1], this.words);
      unknownOption.call(this, flag);
    };
  }

  override createCommand(name?: string): Command {
    return new HandoffCommand(name, this.words);
  }
}

/** The refusal of `-d`: the fix is the same words with `-v`, quoted for a shell where they need it. */
function originalVarsOption(flag: string, attached: string | undefined, words: readonly string[]): UserError {
  const values: string[] = attached !== undefined ? [attached] : [];
  const at = words.indexOf(flag);
  if (attached === undefined && at !== -1) {
    for (const word of words.slice(at + 1)) {
      if (word.startsWith('-')) break;
      values.push(word);
    }
  }
  const example = values.length > 0 ? values.map(quoteForShell).join(' ') : 'key=value';
  return new UserError(`${flag.replace(/=.*$/, '')} was the original handoff's option for variables (its 0.3 docs: -d key=value); handoff takes them with -v`, {
    fix: `write -v instead: -v ${example}`,
  });
}

function quoteForShell(word: string): string {
  return /^[\w.,:/@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
