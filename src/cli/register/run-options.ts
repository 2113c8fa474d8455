// Which commands read the run options (--timeout, -a, --strict, -e, --container-provider); the others hide them.
import type { Command } from 'commander';
import { hideGlobalOptions, isIndependentOfParent } from './parent-options.js';

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

/**
 * Whether a command reads an option its readers list: itself or a group above it is listed (`chain`: its own path and
 * those of the groups above it, up to one that takes none of its parent's options), or a command under it is.
 */
function reads(path: string, chain: readonly string[], readers: readonly string[]): boolean {
  return chain.some((above) => readers.includes(above)) || readers.some((reader) => reader.startsWith(`${path} `));
}

/**
 * Hides, on every command below the root, the run options it does not read (after all commands are defined). Each
 * command's path is made once on the way down: every start makes every command (about a hundred), and making each
 * path again for each option and each group above it was a few per cent of `handoff --help`.
 */
export function hideUnreadRunOptions(program: Command): void {
  const options = Object.keys(READERS);
  const visit = (command: Command, path: string, chain: readonly string[]): void => {
    for (const sub of command.commands) {
      if (sub.name() === 'help') continue;
      const subPath = path === '' ? sub.name() : `${path} ${sub.name()}`;
      // `ui user …` takes none of `ui`'s options: what `ui` reads says nothing about it.
      const subChain = isIndependentOfParent(sub) ? [subPath] : [subPath, ...chain];
      const unread = options.filter((name) => !reads(subPath, subChain, READERS[name]!));
      if (unread.length > 0) hideGlobalOptions(sub, unread);
      visit(sub, subPath, subChain);
    }
  };
  visit(program, '', []);
}
