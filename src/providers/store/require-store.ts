// Before a cloud task is created or started: the store it reads from must exist, else its job could only fail, out of sight.
import { UserError } from '../../errors.js';
import type { Provider } from '../provider.js';
import { StoreMissingError } from './store-missing.js';

export interface RequireStoreOptions {
  /** `task`: the task is about to be created (its identity is granted the bucket); `run`: a job is about to start. */
  before: 'task' | 'run';
  /** Whether handoff names and makes the bucket (no deploy.bucket); undefined when no project says. */
  ownsBucket?: boolean;
}

/**
 * Every cloud refuses the same mistake the same way (exit 2, nothing created or started): the bucket must exist, and
 * a run also needs the project pushed (`<task>/project.yml`), which its container fetches first.
 */
export async function requireStore(provider: Pick<Provider, 'names' | 'bucket' | 'objects'>, options: RequireStoreOptions): Promise<void> {
  const { names } = provider;
  const status = await provider.bucket.status();
  if (!status.exists) {
    const bucketFix = (args: string): string =>
      options.ownsBucket === false
        ? 'create the bucket named by deploy.bucket, or correct deploy.bucket'
        : options.ownsBucket === true
          ? 'run `handoff cloud bucket create` first (or `handoff cloud deploy`, which makes everything in order)'
          : `run \`handoff cloud bucket create ${args}\` first (with deploy.bucket set: create that bucket, or correct the key)`;
    throw new StoreMissingError(
      options.before === 'task'
        ? `the bucket ${status.location} does not exist yet, and the task's identity is granted access to it; nothing was created`
        : `the bucket ${status.location} does not exist, so a run of ${names.resourceGroup}/${names.task} would find no project; nothing was started`,
      false,
      (args) => (options.before === 'task' ? bucketFix(args) : `${bucketFix(args)}, then push the project: handoff project push ${args}`),
    );
  }
  if (options.before === 'run') {
    const key = names.s3.projectKey;
    // Read, not listed: the key is known, project.yml is small, and a role that may read its objects need not list them.
    if ((await provider.objects.get(key)) === undefined) {
      throw new UserError(`no project.yml of ${names.resourceGroup}/${names.task} in the store (${provider.objects.describe(key)}), so a run would find no project; nothing was started`, {
        fix: 'push it first: handoff project push -p <project> (or handoff cloud deploy)',
      });
    }
  }
}
