// Thin S3 wrappers: put, get (in memory or streamed to and from files), list (every page), delete (in batches), copy and bucket existence, with typed errors.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { callAws, readAwsErrorCode, readHttpStatus, toAwsError } from './aws-errors.js';

export interface S3ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface S3Api {
  /** `metadata` becomes the object's user metadata (`x-amz-meta-<name>`). */
  putObject(bucket: string, key: string, body: Uint8Array, metadata?: Record<string, string>): Promise<void>;
  /** The object's bytes and user metadata, or undefined when there is no such key. */
  getObject(bucket: string, key: string): Promise<{ body: Buffer; metadata: Record<string, string> } | undefined>;
  /** Uploads a file as it is read (one PutObject, so at most 5 GB); memory stays flat whatever its size. */
  putFile(bucket: string, key: string, file: string, metadata?: Record<string, string>): Promise<void>;
  /** Streams the object into `file` (created or replaced); its user metadata, or undefined when there is no such key. */
  getFile(bucket: string, key: string, file: string): Promise<{ metadata: Record<string, string> } | undefined>;
  /** Every object under `prefix`, across all pages, in key order. */
  listObjects(bucket: string, prefix: string): Promise<S3ObjectInfo[]>;
  deleteObjects(bucket: string, keys: string[]): Promise<void>;
  copyObject(bucket: string, fromKey: string, toKey: string): Promise<void>;
  /** True when the bucket exists and is reachable with these credentials; false when it does not exist. */
  bucketExists(bucket: string): Promise<boolean>;
  /**
   * Whose bucket a name is: `own` (this account, in `region`), `other` (another account's, or not reachable), or
   * `none`. HeadBucket with ExpectedBucketOwner answers 403 for a bucket another account owns.
   */
  findBucketOwner(bucket: string, accountId: string): Promise<{ owner: 'own'; region?: string } | { owner: 'other' } | { owner: 'none' }>;
  destroy(): void;
}

/** DeleteObjects takes at most 1,000 keys per request (S3 API reference). */
const DELETE_BATCH = 1000;

/**
 * How much of a file is read per write of an upload: large enough that a socket write per 64 KiB (the stream default)
 * does not slow the upload (with moto, 50 MB took 8 s that way and 0.5 s with 8 MiB), small enough for flat memory.
 */
const UPLOAD_CHUNK = 4 << 20;

export function createS3Api(config: AwsClientConfig): S3Api {
  // An emulator (moto) or a custom endpoint does not resolve `<bucket>.<host>` names: address buckets by path.
  const client = new S3Client({ ...toClientInput(config), forcePathStyle: config.customEndpoint });
  // A stream can be sent once: the SDK's own retry would resend a body already read. File uploads go through a client
  // that does not retry, and are retried here with a fresh stream.
  const fileClient = new S3Client({ ...toClientInput(config), maxAttempts: 1, forcePathStyle: config.customEndpoint });
  const url = (bucket: string, key = ''): string => `s3://${bucket}/${key}`;
  return {
    async putObject(bucket, key, body, metadata) {
      await callAws({ action: `write ${url(bucket, key)}`, bucket }, () =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...(metadata ? { Metadata: metadata } : {}) })),
      );
    },
    async getObject(bucket, key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const body = out.Body ? Buffer.from(await out.Body.transformToByteArray()) : Buffer.alloc(0);
        return { body, metadata: out.Metadata ?? {} };
      } catch (error) {
        if (readAwsErrorCode(error) === 'NoSuchKey') return undefined;
        throw toAwsError(error, { action: `read ${url(bucket, key)}`, bucket });
      }
    },
    async putFile(bucket, key, file, metadata) {
      const { size } = await stat(file);
      await callAws({ action: `write ${url(bucket, key)}`, bucket }, async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            await fileClient.send(
              new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file, { highWaterMark: UPLOAD_CHUNK }), ContentLength: size, ...(metadata ? { Metadata: metadata } : {}) }),
            );
            return;
          } catch (error) {
            if (attempt >= config.maxAttempts || !isWorthRetrying(error)) throw error;
            await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt * Math.random()));
          }
        }
      });
    },
    async getFile(bucket, key, file) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        await pipeline(out.Body as Readable, createWriteStream(file));
        return { metadata: out.Metadata ?? {} };
      } catch (error) {
        if (readAwsErrorCode(error) === 'NoSuchKey') return undefined;
        throw toAwsError(error, { action: `read ${url(bucket, key)}`, bucket });
      }
    },
    async listObjects(bucket, prefix) {
      return callAws({ action: `list ${url(bucket, prefix)}`, bucket }, async () => {
        const found: S3ObjectInfo[] = [];
        for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
          for (const item of page.Contents ?? []) {
            if (item.Key !== undefined) found.push({ key: item.Key, size: item.Size ?? 0, lastModified: item.LastModified });
          }
        }
        return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      });
    },
    async deleteObjects(bucket, keys) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const out = await callAws({ action: `delete ${batch.length} objects from ${url(bucket)}`, bucket }, () =>
          client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
        );
        const failed = out.Errors?.[0];
        if (failed) {
          throw toAwsError(Object.assign(new Error(failed.Message ?? 'delete failed'), { name: failed.Code ?? 'Error' }), {
            action: `delete ${url(bucket, failed.Key ?? '')}`,
            bucket,
          });
        }
      }
    },
    async copyObject(bucket, fromKey, toKey) {
      // CopySource is `<bucket>/<key>` with the key URL-encoded (S3 API reference, CopyObject).
      const source = `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`;
      await callAws({ action: `copy ${url(bucket, fromKey)} to ${url(bucket, toKey)}`, bucket }, () =>
        client.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: source })),
      );
    },
    async findBucketOwner(bucket, accountId) {
      try {
        const out = await client.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: accountId }));
        return { owner: 'own', ...(out.BucketRegion ? { region: out.BucketRegion } : {}) };
      } catch (error) {
        const code = readAwsErrorCode(error);
        if (code === 'NotFound' || code === 'NoSuchBucket' || readHttpStatus(error) === 404) return { owner: 'none' };
        if (readHttpStatus(error) === 403 || readHttpStatus(error) === 301) return { owner: 'other' };
        throw toAwsError(error, { action: `look up the bucket ${bucket}`, bucket });
      }
    },
    async bucketExists(bucket) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return true;
      } catch (error) {
        const code = readAwsErrorCode(error);
        if (code === 'NotFound' || code === 'NoSuchBucket' || readHttpStatus(error) === 404) return false;
        throw toAwsError(error, { action: `look up the bucket ${bucket}`, bucket });
      }
    },
    destroy() {
      client.destroy();
      fileClient.destroy();
    },
  };
}

/** A throttled, failed-at-the-server or dropped request is tried again (the SDK's standard retry, for file uploads). */
function isWorthRetrying(error: unknown): boolean {
  const status = readHttpStatus(error) ?? 0;
  const code = readAwsErrorCode(error) ?? '';
  const system = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  return status >= 500 || status === 429 || /Throttl|SlowDown|RequestTimeout|TooManyRequests/.test(code) || ['ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(system);
}
