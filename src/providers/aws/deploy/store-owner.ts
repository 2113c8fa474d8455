// Whose is a task's prefix in the bucket: an owner mark `<task>/.handoff-owner` (stage/resource group), so a shared bucket or a colliding stage never takes over another project's store.
import { parse } from 'yaml';
import { UserError } from '../../../errors.js';
import type { DeployNames } from '../names.js';

/** The mark's name inside the task's prefix: beside project.yml, where the task role may read it. */
export const STORE_OWNER_FILE = '.handoff-owner';

/** The key of the task's owner mark. */
export function storeOwnerKey(names: Pick<DeployNames, 's3'>): string {
  return `${names.s3.taskPrefix}${STORE_OWNER_FILE}`;
}

/** The mark this project writes: `<stage>/<resource group as written>` (neither may hold a `/`). */
export function createStoreOwnerMark(names: Pick<DeployNames, 'stage' | 'bareResourceGroup'>): string {
  return `${names.stage}/${names.bareResourceGroup}`;
}

/** `deploy.resource_group` of a stored project.yml, when it is written out plainly; undefined when it cannot be told. */
function readStoredResourceGroup(projectYml: Buffer): string | undefined {
  try {
    const value = (parse(projectYml.toString('utf8')) as { deploy?: { resource_group?: unknown } } | null)?.deploy?.resource_group;
    return typeof value === 'string' && !value.includes('{{') ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A refusal when the task's prefix in the bucket belongs to another project. The prefix is `<task>/` whatever the
 * resource group and stage, so it is shared by two resource groups (or two stages) that set the same `deploy.bucket`
 * and `deploy.task`, and, in the default bucket, by stage prod + `dev-etl` and stage dev + `etl`. The owner is the
 * mark; a prefix written before marks existed is judged by its project.yml's `deploy.resource_group` (another
 * resource group's is refused; the same one is taken as this project's and gets the mark with the next push).
 */
export function findStoreConflict(
  names: Pick<DeployNames, 'stage' | 'bareResourceGroup' | 'bucket' | 'bucketNamed' | 's3'>,
  stored: { mark?: Buffer; projectYml?: Buffer },
): UserError | undefined {
  const mine = createStoreOwnerMark(names);
  const prefix = `s3://${names.bucket}/${names.s3.taskPrefix}`;
  const say = (mark: string): string => `stage ${mark.slice(0, mark.indexOf('/'))}, resource group ${mark.slice(mark.indexOf('/') + 1)}`;
  let owner: string;
  let evidence: string;
  if (stored.mark !== undefined) {
    const found = stored.mark.toString('utf8').trim();
    if (found === mine || !found.includes('/')) return undefined;
    owner = say(found);
    evidence = `its owner mark ${prefix}${STORE_OWNER_FILE}`;
  } else {
    const found = stored.projectYml === undefined ? undefined : readStoredResourceGroup(stored.projectYml);
    if (found === undefined || found === names.bareResourceGroup) return undefined;
    owner = `resource group ${found}`;
    evidence = `its project.yml`;
  }
  const why = names.bucketNamed
    ? `the store of a task is ${names.s3.taskPrefix} in the bucket, whatever the resource group and stage, so two projects with the same deploy.task in one deploy.bucket would overwrite each other's project.yml, files and artifacts`
    : `the default bucket and the store's names join the stage and the resource group with "-" (prod has no prefix), so both projects would share them`;
  return new UserError(`${prefix} holds the store of ${owner} (${evidence}), not of this project's ${say(mine)}: ${why}; nothing was written`, {
    fix: names.bucketNamed
      ? `give this project another deploy.task, or its own deploy.bucket (per stage too: -e bucket=<name>); if that other deployment is gone, delete ${prefix}${STORE_OWNER_FILE} and ${prefix}project.yml`
      : `rename deploy.resource_group of this project (or deploy it to another stage) so that "<stage>-<resource group>" differs from the other one's; the other deployment keeps its names`,
  });
}
