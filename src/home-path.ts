// Expands a leading `~` in a path the shell left alone (`--workspace-dir=~/ws`, a quoted value, an env or vars file).
import os from 'node:os';
import path from 'node:path';

/**
 * `~` and `~/x` are the home folder, as the user meant: taken literally they made a folder named `~` in the current
 * folder (a later `rm -rf ~` to clean it up is the classic disaster). `~user/x` is left as given (rare, and it names
 * another user's home, which a lookup here would guess at).
 */
export function expandHome(p: string): string;
export function expandHome(p: string | undefined): string | undefined;
export function expandHome(p: string | undefined): string | undefined {
  if (p === undefined) return p;
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || (path.sep === '\\' && p.startsWith('~\\'))) return path.join(os.homedir(), p.slice(2));
  return p;
}
