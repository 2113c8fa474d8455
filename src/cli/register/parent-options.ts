// Marks commands that do not take their parent command's own options, so their --help does not list them.
import type { Command, Option } from 'commander';

const independentOfParent = new WeakSet<Command>();

/** `handoff ui user …` manages accounts: `ui`'s --port, --open … mean nothing to it (the root's options still apply). */
export function ignoreParentOptions(command: Command): Command {
  independentOfParent.add(command);
  return command;
}

/** The options of the commands between a marked command (or one of its ancestors) and the root program. */
export function optionsOutOfScope(command: Command): readonly Option[] {
  for (let c: Command | null = command; c; c = c.parent) {
    if (!independentOfParent.has(c)) continue;
    const skipped: Option[] = [];
    for (let above = c.parent; above?.parent; above = above.parent) skipped.push(...above.options);
    return skipped;
  }
  return [];
}

/** Whether `handoff ui user …` and the like: a command that takes none of its parent command's options. */
export function isIndependentOfParent(command: Command): boolean {
  return independentOfParent.has(command);
}

/** The options of the root and parent commands a command does not use, by long name, and why (for its warning). */
const hiddenGlobals = new WeakMap<Command, { names: Set<string>; why?: string }>();

/**
 * Marks options of the root or a parent command that `command` does not use: its --help does not list them, and
 * giving one on its command line is warned about (warnIgnoredOptions), never dropped without a word. Called more than
 * once for a command, the names add up; `why` is said in the warning.
 */
export function hideGlobalOptions(command: Command, longNames: string[], why?: string): Command {
  const hidden = hiddenGlobals.get(command) ?? { names: new Set<string>() };
  for (const name of longNames) hidden.names.add(name);
  if (why !== undefined) hidden.why = why;
  hiddenGlobals.set(command, hidden);
  return command;
}

/** Whether a command's --help leaves out an option of the root or a parent command: hidden, or its own of that name. */
export function isGlobalOptionHidden(command: Command, option: Option): boolean {
  if (option.long && hiddenGlobals.get(command)?.names.has(option.long)) return true;
  return command.options.some((own) => own.long === option.long);
}

/** `handoff runs logs`, say: the words of a command. */
export function commandPath(command: Command): string {
  const words: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}

/**
 * The warning for the hidden options given on this command line (as the user wrote them: `-e`, `--timeout`), or
 * undefined when none was given. Values from defaults do not count, only what the command line said.
 */
export function ignoredOptionsWarning(command: Command): string | undefined {
  const hidden = hiddenGlobals.get(command);
  if (!hidden) return undefined;
  const given: string[] = [];
  for (const name of hidden.names) {
    for (let above = command.parent; above; above = above.parent) {
      const option = above.options.find((o) => o.long === name);
      if (!option) continue;
      if (above.getOptionValueSource(option.attributeName()) === 'cli') given.push(option.short ?? name);
      break;
    }
  }
  if (given.length === 0) return undefined;
  const verb = given.length === 1 ? 'is' : 'are';
  return `${given.join(', ')} ${verb} not used by \`handoff ${commandPath(command)}\`${hidden.why ? `: ${hidden.why}` : `, which ignored ${given.length === 1 ? 'it' : 'them'}`}`;
}
