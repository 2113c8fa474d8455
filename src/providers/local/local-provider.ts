// The local provider: the store and secrets of a project in folders under HANDOFF_HOME, in the layout of S3 and SSM.
import { lstat, readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { BucketLifecycle, DeployTarget, Provider, ProviderOptions } from '../provider.js';
import { UserError } from '../../errors.js';
import { createS3Layout } from '../store/store-layout.js';
import { homeWriteError, resolveHandoffHome } from './handoff-home.js';
import { createLocalObjectStore } from './local-object-store.js';
import { createLocalParameterStore } from './local-parameter-store.js';
import { createLocalRunLifecycle } from './local-jobs.js';
import { createLocalStoreNames } from './local-names.js';
import { createLocalScheduleLifecycle } from './local-schedules.js';
import { makeFolders } from '../../make-folders.js';

export function createLocalProvider(target: DeployTarget, options: ProviderOptions = {}): Provider {
  const home = resolveHandoffHome();
  const names = createLocalStoreNames(target);
  const bucketDir = path.join(home.bucketsDir, names.bucket);
  const bucket: BucketLifecycle = {
    async create() {
      const existed = await isFolder(bucketDir);
      try {
        // Not mkdir's recursive mode, which loops forever under /proc (a HANDOFF_HOME there): see makeFolders.
        makeFolders(bucketDir);
      } catch (error) {
        throw homeWriteError(`cannot create the local bucket ${bucketDir}`, home.dir, error);
      }
      return {
        bucket: names.bucket,
        location: bucketDir,
        action: existed ? 'unchanged' : 'created',
        message: existed ? `the local bucket ${bucketDir} already exists` : `created the local bucket ${bucketDir}`,
      };
    },
    async delete() {
      if (!(await isFolder(bucketDir))) {
        return { bucket: names.bucket, location: bucketDir, action: 'absent', message: `there is no local bucket ${bucketDir}` };
      }
      // Like the AWS bucket stack (DeletionPolicy Retain), deleting never destroys stored artifacts and state.
      if ((await readdir(bucketDir)).length > 0) {
        return {
          bucket: names.bucket,
          location: bucketDir,
          action: 'retained',
          message: `the local bucket ${bucketDir} still holds projects or artifacts, so it was kept; remove the folder yourself to delete them`,
        };
      }
      await rmdir(bucketDir);
      return { bucket: names.bucket, location: bucketDir, action: 'deleted', message: `deleted the empty local bucket ${bucketDir}` };
    },
    async status() {
      return { bucket: names.bucket, exists: await isFolder(bucketDir), location: bucketDir };
    },
  };
  return {
    name: 'local',
    names,
    objects: createLocalObjectStore(bucketDir),
    parameters: createLocalParameterStore(home.parametersDir),
    bucket,
    schedules: createLocalScheduleLifecycle(home.dir, target, names),
    runs: createLocalRunLifecycle({
      home: home.dir,
      entryScript: options.entryScript,
      target,
      names,
      // A job fetches the project from the store: without it, it could only fail in the background, out of sight.
      async checkStore() {
        if (!(await isFolder(bucketDir))) {
          throw new UserError(`the local bucket ${bucketDir} does not exist, so a run of ${names.task} would find no project`, {
            fix: 'create it and push the project: handoff cloud bucket create -p <project>, then handoff project push -p <project>',
          });
        }
        const stored = path.join(bucketDir, createS3Layout(names.task).projectKey);
        if (!(await lstat(stored).catch(() => undefined))?.isFile()) {
          throw new UserError(`no project.yml of ${names.task} in the local store (${stored})`, { fix: 'push it first: handoff project push -p <project>' });
        }
      },
    }),
    close() {},
  };
}

async function isFolder(p: string): Promise<boolean> {
  return (await lstat(p).catch(() => undefined))?.isDirectory() ?? false;
}
