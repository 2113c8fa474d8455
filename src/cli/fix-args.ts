// Puts the command's own -p/-w values into a fix that names a command to run, where the core could only say `-p P`.
import { isUserError } from '../errors.js';

/**
 * The placeholders the core writes for the project and workspace folders it is not told about (`-p <project>`,
 * `-p P`, `-w W`, `-w <workspace>`), each followed by the end of a word. A fix that means another project (`-p <each
 * task's project>`) uses a longer placeholder, which these do not match.
 */
const PROJECT_PLACEHOLDER = /-p (?:<project>|P)(?=$|[\s`),;.'"])/g;
const WORKSPACE_PLACEHOLDER = /-w (?:<workspace>|<workspace folder>|W)(?=$|[\s`),;.'"])/g;

/** `fix` with the user's -p and -w (quoted for the shell) in place of the placeholders, when the command was given them. */
export function fillFixArgs(fix: string, given: { projectDir?: string; workspaceDir?: string }): string {
  let filled = fix;
  if (given.projectDir !== undefined) filled = filled.replace(PROJECT_PLACEHOLDER, () => `-p ${quoteArg(given.projectDir!)}`);
  if (given.workspaceDir !== undefined) filled = filled.replace(WORKSPACE_PLACEHOLDER, () => `-w ${quoteArg(given.workspaceDir!)}`);
  return filled;
}

/** The error's fix, filled in place (it is printed as text on stderr, and as JSON by --json refusals). */
export function fillErrorFixArgs(error: unknown, given: { projectDir?: string; workspaceDir?: string }): void {
  if (isUserError(error) && error.fix !== undefined) error.fix = fillFixArgs(error.fix, given);
}

/** A word the shell reads as itself: bare when it is plain, else single-quoted (`'my proj'`). */
export function quoteArg(word: string): string {
  return /^[\w.,:/@%+=~-]+$/.test(word) && !word.startsWith('~') ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
