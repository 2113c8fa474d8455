// A store (bucket, Blob container, local bucket) that does not exist: its fix names the command's project and stage.
import { UserError } from '../../errors.js';

/**
 * The store of a stage is missing. `reading`: the command only reads (runs list/show, config get): nothing is deployed
 * for that stage yet, so creating a bucket is not the answer. The fix is made again by the session, which knows the
 * project folder and stage (`-p <project>` until then).
 */
export class StoreMissingError extends UserError {
  constructor(
    reason: string,
    readonly reading: boolean,
    readonly fixFor: (args: string) => string,
    cause?: unknown,
  ) {
    super(reason, { fix: fixFor('-p <project>'), ...(cause === undefined ? {} : { cause }) });
  }
}

/** Whether a store call's description (`list ingest/runs/ in …`, `read x`) only reads. */
export function isReading(action: string): boolean {
  return /^(read|list|get|fetch)\b/i.test(action);
}

/**
 * The same error, its fix for this command's project and stage: `-p <folder>`, `-s <stage>` unless dev, and the
 * `-e resource_group=… task=…` that named the store (`envArgs`).
 * `commandReads`: the command only reads (runs list/show); a push or `run local -a` that lists first still creates.
 */
export function sayStoreMissing(error: StoreMissingError, where: { projectDir?: string; stage: string; resourceGroup: string; task: string; envArgs?: string }, commandReads: boolean): UserError {
  const args = `-p ${where.projectDir ?? '<project>'}${where.stage === 'dev' ? '' : ` -s ${where.stage}`}${where.envArgs ? ` ${where.envArgs}` : ''}`;
  const fix = commandReads && error.reading
    ? `nothing is deployed for stage ${where.stage} of ${where.resourceGroup}/${where.task} yet: deploy it with \`handoff cloud deploy ${args}\`, or check -s/-p if it is deployed elsewhere`
    : error.fixFor(args);
  return new UserError(error.message, { fix, cause: error });
}
