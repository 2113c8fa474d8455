// Picks the run a job id (or a unique start of one) names, with the same refusals on every provider.
import { UserError } from '../errors.js';

/** No run of the task has this id: `cloud job status|stop` then ask whether the task is deployed at all. */
export class UnknownJobError extends UserError {}

/** Several runs start with this id: they are named, so the user can pick one without another command. */
export class AmbiguousJobError extends UserError {}

/** How many of the matching ids an ambiguous id's error names. */
const SHOWN = 5;

export interface JobIdWords {
  /** `<RG>/<task>`, as the errors name the task. */
  task: string;
  /** Where the runs were looked for, said after the task: `on cluster handoff-dev-rg`, `(Cloud Run job …)`. */
  where?: string;
  /** What the provider calls a run in these messages (the local provider's are jobs). Default: run. */
  noun?: 'run' | 'job';
  /** The fix of an unknown id. Default: see the ids with `handoff cloud job status`. */
  unknownFix?: string;
}

/**
 * The one job of `jobs` that `id` names: an exact id first, else the only one `matches` (default: the id starts with
 * it). An id that names none is an UnknownJobError; one that several share is an AmbiguousJobError naming them, as
 * taking the newest would show or stop a run that was not meant.
 */
export function pickJob<T extends { id: string }>(jobs: readonly T[], id: string, words: JobIdWords, matches: (job: T) => boolean = (job) => job.id.startsWith(id)): T {
  // Every id starts with the empty text: `-v id=$JOB` with $JOB unset would name a task's only run, and stop it.
  if (id.trim() === '') throw new UserError('the job id is empty', { fix: 'give a run id: see the ids with `handoff cloud job status`' });
  const exact = jobs.find((j) => j.id === id);
  if (exact) return exact;
  const found = jobs.filter(matches);
  if (found.length === 1) return found[0]!;
  const noun = words.noun ?? 'run';
  if (found.length === 0) {
    throw new UnknownJobError(`no ${noun} "${id}" of ${words.task}${words.where ? ` ${words.where}` : ''}`, { fix: words.unknownFix ?? 'see the ids with `handoff cloud job status`' });
  }
  const shown = found.slice(0, SHOWN).map((j) => j.id);
  throw new AmbiguousJobError(`"${id}" matches ${found.length} ${noun}s of ${words.task} (${shown.join(', ')}${found.length > SHOWN ? ', …' : ''})`, {
    fix: `give more of the id, enough to name one ${noun}: e.g. -v id=${shown[0]}`,
  });
}
