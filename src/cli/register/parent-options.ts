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

const hiddenGlobals = new WeakMap<Command, ReadonlySet<string>>();

/** `handoff ui serve` takes no run options (--timeout, -e …): its --help does not list them (it warns if given). */
export function hideGlobalOptions(command: Command, longNames: string[]): Command {
  hiddenGlobals.set(command, new Set(longNames));
  return command;
}

/** Whether a command's --help leaves out an option of the root or a parent command: hidden, or its own of that name. */
export function isGlobalOptionHidden(command: Command, option: Option): boolean {
  if (option.long && hiddenGlobals.get(command)?.has(option.long)) return true;
  return command.options.some((own) => own.long === option.long);
}
