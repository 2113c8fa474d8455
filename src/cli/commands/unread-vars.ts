// `-v` keys a cloud command does not read: warned about, or refused where reading them as absent would widen what it deletes.
import { UserError } from '../../errors.js';
import type { Project } from '../../project/types.js';
import { suggestKey } from '../../project/suggest-key.js';

/** The `-v` keys given that the command does not read; project.yml's `vars:` (which `-v` also sets) are not mistakes. */
function unreadKeys(texts: Record<string, string>, reads: readonly string[], project: Project | undefined): string[] {
  const projectVars = new Set(project?.vars.map((v) => v.key) ?? []);
  return Object.keys(texts).filter((key) => !reads.includes(key) && !projectVars.has(key));
}

/** `target` for `target_id`: a start of the key is as likely a typo as a letter or two off. */
function closestRead(key: string, reads: readonly string[]): string | undefined {
  return suggestKey(key, reads) ?? reads.find((r) => r.startsWith(key) || key.startsWith(r));
}

function takes(reads: readonly string[]): string {
  return reads.length > 0 ? `which takes ${reads.map((k) => `-v ${k}=`).join(', ')}` : 'which takes no -v';
}

/** A `-v` key the command does not read is a mistake (a typo, or a run variable given the wrong way): said, not dropped silently. */
export function warnUnreadVars(
  log: { log(level: 'warning', message: string): void },
  texts: Record<string, string>,
  command: string,
  reads: readonly string[],
  options: { project?: Project | undefined; hint?: string } = {},
): void {
  for (const key of unreadKeys(texts, reads, options.project)) {
    const close = closestRead(key, reads);
    const why = [close ? `did you mean -v ${close}=?` : undefined, options.hint].filter(Boolean).join('; ');
    log.log('warning', `-v ${key} is not read by ${command}, ${takes(reads)}; it was ignored${why ? ` (${why})` : ''}`);
  }
}

/**
 * The same check for a delete whose reading of a missing key deletes more (`cloud schedule delete` without
 * `target_id` deletes every schedule): a misspelt key is refused before anything is deleted, never read as absent.
 */
export function refuseUnreadVars(texts: Record<string, string>, command: string, reads: readonly string[], widens: string, project?: Project): void {
  const unread = unreadKeys(texts, reads, project);
  if (unread.length === 0) return;
  const close = unread.map((k) => closestRead(k, reads)).find((c) => c !== undefined);
  throw new UserError(`${unread.map((k) => `-v ${k}`).join(', ')} ${unread.length === 1 ? 'is' : 'are'} not read by ${command}, ${takes(reads)}; without them it ${widens}, so nothing was deleted`, {
    fix: `${close ? `did you mean -v ${close}=? ` : ''}give only ${reads.map((k) => `-v ${k}=`).join(', ')}, or leave -v out to delete all`,
  });
}
