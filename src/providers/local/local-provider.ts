// The local provider: the store and secrets of a project in folders under HANDOFF_HOME, in the layout of S3 and SSM.
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BucketLifecycle, DeployTarget, ObjectStore, ParameterStore, Provider, ProviderOptions } from '../provider.js';
import { UserError } from '../../errors.js';
import { createS3Layout } from '../store/store-layout.js';
import { createStoreOwnerGuard, STORE_OWNER_FILE } from '../store/store-owner.js';
import { homeWriteError, resolveHandoffHome } from './handoff-home.js';
import { createLocalObjectStore } from './local-object-store.js';
import { createLocalParameterStore } from './local-parameter-store.js';
import { createLocalRunLifecycle } from './local-jobs.js';
import { createLocalStoreNames } from './local-names.js';
import { createLocalScheduleLifecycle } from './local-schedules.js';
import { makeFolders } from '../../make-folders.js';
import { StoreMissingError } from '../store/store-missing.js';

export function createLocalProvider(target: DeployTarget, options: ProviderOptions = {}): Provider {
  const home = resolveHandoffHome();
  const names = createLocalStoreNames(target);
  // Said as an option a command does not use is said (cli/register/run-options.ts), not dropped without a word: the
  // user may think a cloud account was chosen.
  if (target.profile) options.log?.('warning', `--cloud-profile is not used by the local provider, which ignored it: its store is folders under ${home.dir} (HANDOFF_HOME), which need no credentials`);
  const bucketDir = path.join(home.bucketsDir, names.bucket);
  const files = createLocalObjectStore(bucketDir);
  // Every write to the store first makes sure `<task>/` is this project's, as on AWS and Azure: a shared deploy.bucket
  // holds every task of that name, and the default bucket of prod + `dev-etl` is dev + `etl`'s (`handoff-dev-etl`).
  // Read once per process; a prefix without the mark gets it with the project's next project.yml write.
  const owner = createStoreOwnerGuard({
    names,
    store: { prefix: `${bucketDir}/${names.s3.taskPrefix}`, what: 'bucket', named: target.bucket !== undefined },
    read: async (key) => (await isFolder(bucketDir)) ? (await files.get(key))?.body : undefined,
    write: (key, body) => files.put(key, body),
  });
  const objects: ObjectStore = {
    ...files,
    put: async (key, body, options) => {
      await owner.check();
      await files.put(key, body, options);
      await owner.markAfterWrite(key);
    },
    putFile: async (key, file, options) => {
      await owner.check();
      await files.putFile(key, file, options);
      await owner.markAfterWrite(key);
    },
    delete: async (keys) => {
      await owner.check();
      await files.delete(keys);
    },
    copy: async (fromKey, toKey) => {
      await owner.check();
      await files.copy(fromKey, toKey);
    },
  };
  // Secrets live at `/handoff/<stage>-<RG>/<task>`, which prod + `dev-etl` shares with dev + `etl` (as on AWS, the
  // store's owner decides once the bucket exists; before it, secrets push comes first and nothing is known yet).
  const secrets = createLocalParameterStore(home.parametersDir);
  const parameters: ParameterStore = {
    ...secrets,
    put: async (name, value, tier) => {
      await owner.check();
      await secrets.put(name, value, tier);
    },
    delete: async (parameterNames) => {
      await owner.check();
      return secrets.delete(parameterNames);
    },
  };
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
      // Like the AWS bucket stack (DeletionPolicy Retain), deleting never destroys stored artifacts and state. Owner
      // marks are not data (`project delete` leaves them, as on Azure): they go with the bucket.
      if (await holdsData(bucketDir)) {
        return {
          bucket: names.bucket,
          location: bucketDir,
          action: 'retained',
          message: `the local bucket ${bucketDir} still holds projects or artifacts, so it was kept; remove the folder yourself to delete them`,
        };
      }
      await rm(bucketDir, { recursive: true, force: true });
      return { bucket: names.bucket, location: bucketDir, action: 'deleted', message: `deleted the empty local bucket ${bucketDir}` };
    },
    async status() {
      return { bucket: names.bucket, exists: await isFolder(bucketDir), location: bucketDir };
    },
  };
  return {
    name: 'local',
    names,
    objects,
    parameters,
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
          throw new StoreMissingError(`the local bucket ${bucketDir} does not exist, so a run of ${names.task} would find no project`, false, (args) => `create it and push the project: handoff cloud bucket create ${args}, then handoff project push ${args}`);
        }
        const stored = path.join(bucketDir, createS3Layout(names.task).projectKey);
        if (!(await lstat(stored).catch(() => undefined))?.isFile()) {
          throw new UserError(`no project.yml of ${names.task} in the local store (${stored})`, { fix: 'push it first: handoff project push -p <project>' });
        }
        // The stored project may be another stage's or resource group's (a shared deploy.bucket, prod + `dev-etl`).
        await owner.check();
      },
    }),
    close() {},
  };
}

/** Whether the folder holds a file other than the owner marks `<task>/.handoff-owner`. */
async function holdsData(bucketDir: string): Promise<boolean> {
  for (const entry of await readdir(bucketDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) return true;
    const inside = await readdir(path.join(bucketDir, entry.name));
    if (inside.some((name) => name !== STORE_OWNER_FILE)) return true;
  }
  return false;
}

async function isFolder(p: string): Promise<boolean> {
  return (await lstat(p).catch(() => undefined))?.isDirectory() ?? false;
}
