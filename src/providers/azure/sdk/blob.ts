// The store's Blob container through @azure/storage-blob: put, get, list (every page), delete, copy; typed errors.
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { StoredObject } from '../../provider.js';
import type { AzureClientConfig } from './azure-client-config.js';
import { callAzure, isNotFound, readErrorCode, readStatusCode, toAzureError } from './azure-errors.js';

export interface BlobObject {
  body: Buffer;
  metadata: Record<string, string>;
}

export interface BlobApi {
  /** `https://<account>.blob.core.windows.net/<container>`, for messages. */
  readonly url: string;
  exists(): Promise<boolean>;
  /** The container's own metadata; undefined when there is no container, or this caller may not read it. */
  readMetadata(): Promise<Record<string, string> | undefined>;
  /** No blob but those `ignore` accepts (read until the first other one). */
  isEmpty(ignore?: (key: string) => boolean): Promise<boolean>;
  put(key: string, body: Uint8Array, metadata?: Record<string, string>): Promise<void>;
  get(key: string): Promise<BlobObject | undefined>;
  /** Uploads a file as it is read (in blocks beyond 256 MB), memory flat. */
  putFile(key: string, file: string, metadata?: Record<string, string>): Promise<void>;
  /** Streams the blob into `file`; its metadata, or undefined when there is no such blob. */
  getFile(key: string, file: string): Promise<{ metadata: Record<string, string> } | undefined>;
  list(prefix: string): Promise<StoredObject[]>;
  delete(keys: string[]): Promise<void>;
  copy(fromKey: string, toKey: string): Promise<void>;
}

/**
 * Retries of each Blob call: the SDK's default (4 tries, 4 s doubling) spent about half a minute on every object of a
 * store that refuses connections, so a run's push outlived its container's deadline without a word. A few short tries
 * here; the run's push tries again as a whole, a few times over tens of seconds (src/cli/commands/run-then-push.ts).
 */
const BLOB_RETRY_OPTIONS = { maxTries: 3, retryDelayInMs: 1_000, maxRetryDelayInMs: 4_000 };

export function createBlobApi(config: AzureClientConfig, account: string, container: string): BlobApi {
  const service = new BlobServiceClient(config.blobUrl(account), config.credential, { retryOptions: BLOB_RETRY_OPTIONS });
  const client: ContainerClient = service.getContainerClient(container);
  const where = `${account}/${container}`;
  return {
    url: client.url,
    exists: () => callAzure(`read the Blob container ${where}`, () => client.exists()),
    async readMetadata() {
      try {
        return (await client.getProperties()).metadata ?? {};
      } catch (error) {
        // A task's identity may hold data access to its blobs only: then the container's marks cannot be read.
        if (isNotFound(error) || readStatusCode(error) === 403) return undefined;
        throw toAzureError(error, `read the Blob container ${where}`);
      }
    },
    async isEmpty(ignore = () => false) {
      return callAzure(`list the Blob container ${where}`, async () => {
        for await (const page of client.listBlobsFlat().byPage({ maxPageSize: 100 })) if (page.segment.blobItems.some((b) => !ignore(b.name))) return false;
        return true;
      });
    },
    put: (key, body, metadata) =>
      callAzure(`write ${key} to ${where}`, async () => {
        await client.getBlockBlobClient(key).uploadData(body, { ...(metadata ? { metadata } : {}) });
      }),
    async get(key) {
      try {
        const blob = client.getBlobClient(key);
        const response = await blob.download();
        const chunks: Buffer[] = [];
        for await (const chunk of response.readableStreamBody as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
        return { body: Buffer.concat(chunks), metadata: response.metadata ?? {} };
      } catch (error) {
        if (isNotFound(error) && readErrorCode(error) !== 'ContainerNotFound') return undefined;
        throw toAzureError(error, `read ${key} from ${where}`);
      }
    },
    putFile: (key, file, metadata) =>
      callAzure(`write ${key} to ${where}`, async () => {
        await client.getBlockBlobClient(key).uploadFile(file, { ...(metadata ? { metadata } : {}) });
      }),
    async getFile(key, file) {
      try {
        const response = await client.getBlobClient(key).downloadToFile(file);
        return { metadata: response.metadata ?? {} };
      } catch (error) {
        if (isNotFound(error) && readErrorCode(error) !== 'ContainerNotFound') return undefined;
        throw toAzureError(error, `read ${key} from ${where}`);
      }
    },
    list: (prefix) =>
      callAzure(`list ${prefix} in ${where}`, async () => {
        const objects: StoredObject[] = [];
        // The iterator follows every continuation marker (the Blob service returns at most 5000 names a page).
        for await (const item of client.listBlobsFlat({ prefix })) {
          objects.push({ key: item.name, size: item.properties.contentLength ?? 0, ...(item.properties.lastModified ? { lastModified: item.properties.lastModified } : {}) });
        }
        return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      }),
    delete: (keys) =>
      callAzure(`delete blobs from ${where}`, async () => {
        for (const key of keys) await client.getBlobClient(key).deleteIfExists();
      }),
    copy: (fromKey, toKey) =>
      callAzure(`copy ${fromKey} to ${toKey} in ${where}`, async () => {
        // A copy inside one account is done by the service (no download), and keeps the metadata (the file mode).
        const poller = await client.getBlobClient(toKey).beginCopyFromURL(client.getBlobClient(fromKey).url);
        await poller.pollUntilDone();
      }),
  };
}
