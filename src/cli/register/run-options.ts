// Which commands read the run options (--timeout, -a, --strict, -e, --container-provider); the others hide them.
import type { Command } from 'commander';
import { commandPath, hideGlobalOptions, isIndependentOfParent } from './parent-options.js';

/**
 * The commands that read each option, a group standing for every command under it. Every other command leaves the
 * option out of its --help and warns when it is given: `workspace install --timeout 600` would otherwise install with
 * no time limit at all, silently. `-e` is a run's environment (run, cloud run, container run, the UI's runs) and
 * names the store (`-e resource_group=… task=…`) of every command that opens one.
 */
const READERS: Record<string, readonly string[]> = {
  '--timeout': ['run', 'cloud run', 'ui'],
  '--push-artifacts': ['run', 'ui'],
  '--strict': ['run', 'workspace install', 'files get', 'ui'],
  '--envs': ['run', 'ui', 'container run', 'cloud', 'config push', 'config get', 'config print', 'config delete', 'files', 'artifacts', 'secrets', 'project', 'runs list', 'runs show', 'runs logs', 'runs state'],
  '--container-provider': ['container'],
};

/** Whether `command` reads an option its readers list: itself or a group above it is listed, or a command under it is. */
function reads(command: Command, readers: readonly string[]): boolean {
  for (let c: Command | null = command; c?.parent; c = c.parent) {
    if (readers.includes(commandPath(c))) return true;
    // `ui user …` takes none of `ui`'s options: what `ui` reads says nothing about it.
    if (isIndependentOfParent(c)) break;
  }
  const path = commandPath(command);
  return readers.some((reader) => reader.startsWith(`${path} `));
}

/** Hides, on every command below the root, the run options it does not read (after all commands are defined). */
export function hideUnreadRunOptions(program: Command): void {
  const visit = (command: Command): void => {
    for (const sub of command.commands) {
      if (sub.name() === 'help') continue;
      const unread = Object.keys(READERS).filter((name) => !reads(sub, READERS[name]!));
      if (unread.length > 0) hideGlobalOptions(sub, unread);
      visit(sub);
    }
  };
  visit(program);
}
