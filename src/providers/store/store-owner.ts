// Whose is a task's prefix in a store: an owner mark `<task>/.handoff-owner` (stage/resource group), so a shared bucket or a colliding stage never takes over another project's store (every provider).
import { parse } from 'yaml';
import { UserError } from '../../errors.js';
import type { StoreNames } from '../provider.js';

/** The mark's name inside the task's prefix: beside project.yml, where the task's identity may read it. */
export const STORE_OWNER_FILE = '.handoff-owner';

type OwnerNames = Pick<StoreNames, 'stage' | 'bareResourceGroup' | 's3'>;

/** How the provider's store is shown in a refusal. */
export interface OwnedStore {
  /** The task's prefix as users see it: `s3://<bucket>/<task>/`, the Blob container's URL and `<task>/`. */
  prefix: string;
  /** What the store is called: `bucket`, `Blob container`. */
  what: string;
  /** Named by deploy.bucket (shared on purpose), rather than handoff's default name. */
  named: boolean;
}

/** The key of the task's owner mark. */
export function storeOwnerKey(names: Pick<StoreNames, 's3'>): string {
  return `${names.s3.taskPrefix}${STORE_OWNER_FILE}`;
}

/** The mark this project writes: `<stage>/<resource group as written>` (neither may hold a `/`). */
export function createStoreOwnerMark(names: Pick<StoreNames, 'stage' | 'bareResourceGroup'>): string {
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
 * A refusal when the task's prefix in the store belongs to another project. The prefix is `<task>/` whatever the
 * resource group and stage, so it is shared by two resource groups (or two stages) that set the same `deploy.bucket`
 * and `deploy.task`, and, in a default bucket, by stage prod + `dev-etl` and stage dev + `etl`. The owner is the
 * mark; a prefix written before marks existed is judged by its project.yml's `deploy.resource_group` (another
 * resource group's is refused; the same one is taken as this project's and gets the mark with the next push).
 */
export function findStoreConflict(names: OwnerNames, store: OwnedStore, stored: { mark?: Buffer; projectYml?: Buffer }): UserError | undefined {
  const mine = createStoreOwnerMark(names);
  const { prefix } = store;
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
  const why = store.named
    ? `the store of a task is ${names.s3.taskPrefix} in the ${store.what}, whatever the resource group and stage, so two projects with the same deploy.task in one deploy.bucket would overwrite each other's project.yml, files and artifacts`
    : `the default ${store.what} and the store's names join the stage and the resource group with "-" (prod has no prefix), so both projects would share them`;
  return new UserError(`${prefix} holds the store of ${owner} (${evidence}), not of this project's ${say(mine)}: ${why}; nothing was written`, {
    fix: store.named
      ? `give this project another deploy.task, or its own deploy.bucket (per stage too: -e bucket=<name>); if that other deployment is gone, delete ${prefix}${STORE_OWNER_FILE} and ${prefix}project.yml`
      : `rename deploy.resource_group of this project (or deploy it to another stage) so that "<stage>-<resource group>" differs from the other one's; the other deployment keeps its names`,
  });
}

/** The owner check every store write makes first, and the mark written with the first project.yml. */
export interface StoreOwnerGuard {
  /** Refuses (exit 2) when the task's prefix is another project's; reads once per process. */
  check(): Promise<void>;
  /** After a write of `key`: a project.yml written where no mark was gets the mark. */
  markAfterWrite(key: string): Promise<void>;
}

/**
 * One guard per provider, over its own reads and writes of the store. A run's identity never writes project.yml, so
 * only a push (by a user who passed the check) writes the mark.
 */
export function createStoreOwnerGuard(input: {
  names: OwnerNames;
  store: OwnedStore;
  read(key: string): Promise<Buffer | undefined>;
  write(key: string, body: Buffer): Promise<void>;
}): StoreOwnerGuard {
  const { names } = input;
  const ownerKey = storeOwnerKey(names);
  let markMissing = false;
  let checked: Promise<void> | undefined;
  return {
    check: () =>
      (checked ??= (async () => {
        const mark = await input.read(ownerKey);
        markMissing = mark === undefined;
        const projectYml = mark === undefined ? await input.read(names.s3.projectKey) : undefined;
        const conflict = findStoreConflict(names, input.store, { ...(mark ? { mark } : {}), ...(projectYml ? { projectYml } : {}) });
        if (conflict) throw conflict;
      })()),
    async markAfterWrite(key) {
      if (key !== names.s3.projectKey || !markMissing) return;
      await input.write(ownerKey, Buffer.from(`${createStoreOwnerMark(names)}\n`));
      markMissing = false;
    },
  };
}
