// Cloud Storage through @google-cloud/storage: the bucket (settings, IAM policy) and the objects of the store.
import { Storage } from '@google-cloud/storage';
import type { StoredObject } from '../../provider.js';
import type { GcpAuth, GcpClientConfig } from './gcp-client-config.js';
import { UserError } from '../../../errors.js';
import { describeGcpError, isNotFound, wrapGcpError } from './gcp-errors.js';
import type { IamPolicy } from '../resources/iam-policy.js';

/** The bucket settings handoff manages (the rest of the bucket is left as it is). */
export interface BucketSettings {
  location: string;
  uniformBucketLevelAccess: boolean;
  publicAccessPrevention: 'enforced' | 'inherited';
  versioning: boolean;
  labels: Record<string, string>;
}

export interface StoredGcsObject {
  body: Buffer;
  metadata: Record<string, string>;
}

export interface StorageApi {
  /** The managed settings of the bucket, or undefined when there is no such bucket. */
  readBucket(bucket: string): Promise<BucketSettings | undefined>;
  createBucket(bucket: string, settings: BucketSettings): Promise<void>;
  /** Labels are patched: those named are set, a null one removed, the others left as they are. */
  updateBucket(bucket: string, settings: Omit<BucketSettings, 'labels'> & { labels: Record<string, string | null> }): Promise<void>;
  /** Whether the bucket holds any object, including noncurrent versions (which keep it from being deleted). */
  holdsObjects(bucket: string): Promise<boolean>;
  deleteBucket(bucket: string): Promise<void>;
  getIamPolicy(bucket: string): Promise<IamPolicy>;
  setIamPolicy(bucket: string, policy: IamPolicy): Promise<IamPolicy>;
  putObject(bucket: string, key: string, body: Uint8Array, metadata?: Record<string, string>): Promise<void>;
  getObject(bucket: string, key: string): Promise<StoredGcsObject | undefined>;
  /** Uploads a file as it is read (memory stays flat whatever its size). */
  putFile(bucket: string, key: string, file: string, metadata?: Record<string, string>): Promise<void>;
  /** Streams the object into `file` (created or replaced); its custom metadata, or undefined when there is no such key. */
  getFile(bucket: string, key: string, file: string): Promise<{ metadata: Record<string, string> } | undefined>;
  listObjects(bucket: string, prefix: string): Promise<StoredObject[]>;
  deleteObjects(bucket: string, keys: string[]): Promise<void>;
  copyObject(bucket: string, fromKey: string, toKey: string): Promise<void>;
}

/**
 * Runs a call and wraps its failure with the action (which names `gs://<bucket>`); a bucket that does not exist (Cloud
 * Storage's 404 "The specified bucket does not exist.", unlike an object's "No such object") is the user's to make: exit 2.
 */
async function callStorage<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const bucket = /gs:\/\/([^/\s]+)/.exec(action)?.[1];
    if (bucket !== undefined && isNotFound(error) && /bucket does not exist/i.test(describeGcpError(error))) {
      throw new UserError(`the bucket gs://${bucket} does not exist (while trying to ${action})`, {
        fix: 'create it with `handoff cloud bucket create` (or `handoff cloud deploy`); with deploy.bucket set, check the name',
        cause: error,
      });
    }
    throw wrapGcpError(error, action);
  }
}

/**
 * The client: ADC (or the profile's file) for credentials; with HANDOFF_GCP_ENDPOINT the JSON API at that URL, still
 * authenticated (the library skips credentials for custom endpoints unless told otherwise).
 */
export function createStorageApi(config: GcpClientConfig, auth: GcpAuth): StorageApi {
  const storage = new Storage({
    projectId: config.project,
    // The library's default waits grow to 64 s within 600 s for a dropped connection (a refused one is not retried):
    // short waits here; the run's push tries again as a whole, a few times over tens of seconds (run-then-push.ts).
    retryOptions: { maxRetryDelay: 4, totalTimeout: 60 },
    ...(config.keyFilename ? { keyFilename: config.keyFilename } : {}),
    ...(config.endpoint ? { apiEndpoint: config.endpoint.url, useAuthWithCustomEndpoint: true } : {}),
  });
  // Without usable credentials the library sends the request anonymously and reports the answer, so they are checked
  // first. The check's GoogleAuth cannot be handed over: this library bundles an older google-auth-library (9, not 10).
  const callGcp = async <T,>(action: string, call: () => Promise<T>): Promise<T> => {
    await auth.checked();
    return callStorage(action, call);
  };
  const file = (bucket: string, key: string) => storage.bucket(bucket).file(key);

  return {
    readBucket: (bucket) =>
      callGcp(`read the bucket gs://${bucket}`, async () => {
        try {
          const [m] = await storage.bucket(bucket).getMetadata();
          return {
            location: String(m.location ?? '').toLowerCase(),
            uniformBucketLevelAccess: m.iamConfiguration?.uniformBucketLevelAccess?.enabled === true,
            publicAccessPrevention: m.iamConfiguration?.publicAccessPrevention === 'enforced' ? 'enforced' : 'inherited',
            versioning: m.versioning?.enabled === true,
            labels: (m.labels ?? {}) as Record<string, string>,
          };
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    createBucket: (bucket, settings) =>
      callGcp(`create the bucket gs://${bucket}`, async () => {
        await storage.createBucket(bucket, {
          location: settings.location,
          storageClass: 'STANDARD',
          iamConfiguration: { uniformBucketLevelAccess: { enabled: settings.uniformBucketLevelAccess }, publicAccessPrevention: settings.publicAccessPrevention },
          versioning: { enabled: settings.versioning },
          labels: settings.labels,
        });
      }),
    updateBucket: (bucket, settings) =>
      callGcp(`update the bucket gs://${bucket}`, async () => {
        await storage.bucket(bucket).setMetadata({
          iamConfiguration: { uniformBucketLevelAccess: { enabled: settings.uniformBucketLevelAccess }, publicAccessPrevention: settings.publicAccessPrevention },
          versioning: { enabled: settings.versioning },
          labels: settings.labels,
        });
      }),
    holdsObjects: (bucket) =>
      callGcp(`list gs://${bucket}`, async () => {
        const [files] = await storage.bucket(bucket).getFiles({ versions: true, maxResults: 1, autoPaginate: false });
        return files.length > 0;
      }),
    deleteBucket: (bucket) => callGcp(`delete the bucket gs://${bucket}`, async () => void (await storage.bucket(bucket).delete())),
    getIamPolicy: (bucket) =>
      callGcp(`read the IAM policy of gs://${bucket}`, async () => {
        const [policy] = await storage.bucket(bucket).iam.getPolicy({ requestedPolicyVersion: 3 });
        return { version: policy.version ?? 1, etag: policy.etag, bindings: (policy.bindings ?? []).map((b) => ({ role: b.role, members: b.members ?? [], ...(b.condition ? { condition: b.condition as IamPolicy['bindings'][number]['condition'] } : {}) })) };
      }),
    setIamPolicy: (bucket, policy) =>
      callGcp(`set the IAM policy of gs://${bucket}`, async () => {
        const [saved] = await storage.bucket(bucket).iam.setPolicy({ version: policy.version, etag: policy.etag, bindings: policy.bindings });
        return { version: saved.version ?? 3, etag: saved.etag, bindings: (saved.bindings ?? []) as IamPolicy['bindings'] };
      }),
    putObject: (bucket, key, body, metadata) =>
      callGcp(`write gs://${bucket}/${key}`, async () => {
        // One request (multipart), not a resumable session: store objects are small, and it is one call to retry.
        await file(bucket, key).save(Buffer.from(body), { resumable: false, ...(metadata ? { metadata: { metadata } } : {}) });
      }),
    getObject: (bucket, key) =>
      callGcp(`read gs://${bucket}/${key}`, async () => {
        try {
          const [m] = await file(bucket, key).getMetadata();
          // The generation read with the metadata, so body and mode belong to the same object even while it is rewritten.
          const [body] = await storage.bucket(bucket).file(key, { generation: m.generation as number | undefined }).download();
          return { body, metadata: Object.fromEntries(Object.entries(m.metadata ?? {}).map(([k, v]) => [k, String(v)])) };
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    putFile: (bucket, key, file, metadata) =>
      callGcp(`write gs://${bucket}/${key}`, async () => {
        // One multipart request, streamed from the file as it is read (as putObject, without the whole body in memory).
        await storage.bucket(bucket).upload(file, { destination: key, resumable: false, ...(metadata ? { metadata: { metadata } } : {}) });
      }),
    getFile: (bucket, key, destination) =>
      callGcp(`read gs://${bucket}/${key}`, async () => {
        try {
          const [m] = await file(bucket, key).getMetadata();
          await storage.bucket(bucket).file(key, { generation: m.generation as number | undefined }).download({ destination });
          return { metadata: Object.fromEntries(Object.entries(m.metadata ?? {}).map(([k, v]) => [k, String(v)])) };
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    listObjects: (bucket, prefix) =>
      callGcp(`list gs://${bucket}/${prefix}`, async () => {
        const [files] = await storage.bucket(bucket).getFiles({ prefix, autoPaginate: true });
        return files
          .map((f) => ({ key: f.name, size: Number(f.metadata.size ?? 0), ...(f.metadata.updated ? { lastModified: new Date(f.metadata.updated) } : {}) }))
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      }),
    deleteObjects: (bucket, keys) =>
      callGcp(`delete objects of gs://${bucket}`, async () => {
        for (const key of keys) await file(bucket, key).delete({ ignoreNotFound: true });
      }),
    copyObject: (bucket, fromKey, toKey) => callGcp(`copy gs://${bucket}/${fromKey}`, async () => void (await file(bucket, fromKey).copy(file(bucket, toKey)))),
  };
}
