// Expands a leading `~` in a path the shell left alone (`--workspace-dir=~/ws`, a quoted value, an env or vars file).
import os from 'node:os';
import path from 'node:path';
import { UserError } from './errors.js';

/** `~name` or `~name/…`: a user name as the shell reads it after `~` (POSIX portable user names). */
const OTHER_HOME = /^~([A-Za-z0-9._][A-Za-z0-9._-]*)(?:[/\\]|$)/;

/**
 * `~` and `~/x` are the home folder, as the user meant: taken literally they made a folder named `~` in the current
 * folder (a later `rm -rf ~` to clean it up is the classic disaster). `~name/x` is this user's home when `name` is
 * this user (the passwd entry, as the shell's getpwnam); another user's home cannot be looked up (Node.js has no
 * getpwnam), so such a path is refused rather than made as a folder named `~name`. `source` names where the path was
 * given (`-w`, `HANDOFF_HOME`, `ui.yml users`) for that error.
 */
export function expandHome(p: string, source?: string): string;
export function expandHome(p: string | undefined, source?: string): string | undefined;
export function expandHome(p: string | undefined, source = 'the path'): string | undefined {
  if (p === undefined) return p;
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || (path.sep === '\\' && p.startsWith('~\\'))) return path.join(os.homedir(), p.slice(2));
  const other = OTHER_HOME.exec(p);
  if (!other) return p;
  const name = other[1]!;
  const me = readThisUser();
  if (me && name === me.username) return path.join(me.homedir, p.slice(name.length + 2));
  throw new UserError(`${source} ${JSON.stringify(p)} starts with ~${name}, another user's home folder, which handoff cannot look up`, {
    fix: `write the folder's full path (a shell expands ~${name}/ only unquoted and not after "="), or ./${p} for a folder of that name here`,
  });
}

/** This user's passwd entry; none in a container run under a uid without one. */
function readThisUser(): { username: string; homedir: string } | undefined {
  try {
    return os.userInfo();
  } catch {
    return undefined;
  }
}
