// `-v secrets_dir=D`: another folder of secrets files, read the same way by every command.
import { expandHome } from '../home-path.js';

/** The folder `-v secrets_dir=` names, with a leading `~` expanded (a vars file or a quoted value is not shell-expanded). */
export function secretsDirVar(vars: Record<string, unknown>): string | undefined {
  return typeof vars.secrets_dir === 'string' ? expandHome(vars.secrets_dir, '-v secrets_dir') : undefined;
}
