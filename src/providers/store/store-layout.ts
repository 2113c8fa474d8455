// The object layout of a task in its bucket (SPEC §6), shared by every provider: `<task>/project.yml`, `files/`, `artifacts/`, `runs/`.
import { UserError } from '../../errors.js';
import type { S3Layout } from '../provider.js';

/** The `<RG>` of every cloud name: `<stage>-<rg>` for non-prod stages, bare for prod (SPEC §4). */
export function createStagedResourceGroup(resourceGroup: string, stage: string): string {
  return stage === 'prod' ? resourceGroup : `${stage}-${resourceGroup}`;
}

// Object keys: at most 1024 bytes of UTF-8 (S3 User Guide, "Naming objects"; Cloud Storage, "Object names", the same).
const S3_MAX_KEY_BYTES = 1024;

/** The keys of one task in its bucket: the same for S3, Cloud Storage and the local folder, so stores are interchangeable. */
export function createS3Layout(task: string): S3Layout {
  const taskPrefix = `${task}/`;
  const filesPrefix = `${taskPrefix}files/`;
  const lastArtifactsPrefix = `${taskPrefix}artifacts/last/`;
  const archivesPrefix = `${taskPrefix}artifacts/archives/`;
  const runsPrefix = `${taskPrefix}runs/`;
  return {
    taskPrefix,
    projectKey: `${taskPrefix}project.yml`,
    filesPrefix,
    lastArtifactsPrefix,
    archivesPrefix,
    runsPrefix,
    fileKey: (path) => createS3Key(filesPrefix, path),
    lastArtifactKey: (path) => createS3Key(lastArtifactsPrefix, path),
    archivePrefix: (time) => `${createS3Key(archivesPrefix, time)}/`,
    runRecordKey: (runId) => createS3Key(runsPrefix, `${runId}.json`),
  };
}

function createS3Key(prefix: string, rest: string): string {
  // Keys are always `/`-separated and relative to the prefix, whatever the local path separator was.
  const clean = rest.replace(/\\/g, '/').replace(/^\/+/, '');
  if (clean === '' || clean.split('/').some((part) => part === '..')) {
    throw new UserError(`"${rest}" cannot be stored under s3 prefix ${prefix}`, { fix: 'use a relative path inside the folder, without ".."' });
  }
  const key = prefix + clean;
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > S3_MAX_KEY_BYTES) {
    throw new UserError(`S3 key "${key.slice(0, 60)}…" is ${bytes} bytes; S3 allows ${S3_MAX_KEY_BYTES}`, { fix: 'use shorter file names or folders' });
  }
  return key;
}

