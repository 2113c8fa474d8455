// Cloud Storage's JSON API in the emulator: buckets (settings, IAM policy), objects (multipart upload, media download,
// listing with prefixes and pages, rewrite, delete), noncurrent versions, and checks of a service account's access.
import crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { GoogleApiError, fail, paginate, readJson, route, sendJson, timestamp, type EmulatorRequest, type Route } from './emulator-http.js';
import type { EmulatorIam } from './emulator-iam.js';

interface StoredVersion {
  generation: number;
  body: Buffer;
  metadata: Record<string, string>;
  contentType: string;
  created: number;
  /** False for a noncurrent version (overwritten or deleted in a versioned bucket). */
  live: boolean;
}

interface Bucket {
  name: string;
  projectId: string;
  location: string;
  labels: Record<string, string>;
  uniformBucketLevelAccess: boolean;
  publicAccessPrevention: string;
  versioning: boolean;
  created: number;
  metageneration: number;
  objects: Map<string, StoredVersion[]>;
}

/** CRC32C (Castagnoli), which Cloud Storage reports in `x-goog-hash` so downloads can be checked. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

function storageError(status: string, message: string, reason: string, httpStatus?: number): GoogleApiError {
  return new GoogleApiError(status, message, { reason, ...(httpStatus ? { httpStatus } : {}) });
}

/** Splits a multipart/related body (metadata JSON, then the media) as the JSON API's multipart upload sends it. */
function parseMultipart(req: EmulatorRequest): { metadata: Record<string, unknown>; media: Buffer; contentType: string } {
  const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type'] ?? ''))?.[1];
  if (!boundary) throw fail.invalidArgument('Multipart upload without a boundary.');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = req.body.indexOf(delimiter);
  while (at >= 0) {
    const next = req.body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    parts.push(req.body.subarray(at + delimiter.length, next));
    at = next;
  }
  const split = (part: Buffer): { headers: string; content: Buffer } => {
    const end = part.indexOf('\r\n\r\n');
    const content = part.subarray(end + 4);
    // The part ends with the CRLF before the next delimiter.
    return { headers: part.subarray(0, end).toString('utf8'), content: content.subarray(0, content.length - 2) };
  };
  const [meta, media] = parts.map(split);
  if (!meta || !media) throw fail.invalidArgument('Multipart upload needs a metadata part and a media part.');
  return { metadata: JSON.parse(meta.content.toString('utf8')) as Record<string, unknown>, media: media.content, contentType: /content-type:\s*([^\r\n]+)/i.exec(media.headers)?.[1] ?? 'application/octet-stream' };
}

export class EmulatorStorage {
  readonly buckets = new Map<string, Bucket>();

  constructor(private readonly iam: EmulatorIam) {}

  private bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw storageError('NOT_FOUND', 'The specified bucket does not exist.', 'notFound');
    return bucket;
  }

  private describeBucket(b: Bucket): Record<string, unknown> {
    return {
      kind: 'storage#bucket',
      id: b.name,
      name: b.name,
      projectNumber: '123456789',
      location: b.location,
      locationType: 'region',
      storageClass: 'STANDARD',
      timeCreated: timestamp(b.created),
      updated: timestamp(b.created),
      metageneration: String(b.metageneration),
      labels: b.labels,
      versioning: { enabled: b.versioning },
      iamConfiguration: { uniformBucketLevelAccess: { enabled: b.uniformBucketLevelAccess }, bucketPolicyOnly: { enabled: b.uniformBucketLevelAccess }, publicAccessPrevention: b.publicAccessPrevention },
      etag: 'CAE=',
    };
  }

  private describeObject(bucket: string, name: string, v: StoredVersion): Record<string, unknown> {
    return {
      kind: 'storage#object',
      id: `${bucket}/${name}/${v.generation}`,
      name,
      bucket,
      generation: String(v.generation),
      metageneration: '1',
      contentType: v.contentType,
      size: String(v.body.length),
      md5Hash: crypto.createHash('md5').update(v.body).digest('base64'),
      crc32c: crc32c(v.body),
      timeCreated: timestamp(v.created),
      updated: timestamp(v.created),
      ...(Object.keys(v.metadata).length > 0 ? { metadata: v.metadata } : {}),
      etag: 'CAE=',
    };
  }

  private live(bucket: Bucket, name: string): StoredVersion | undefined {
    return bucket.objects.get(name)?.find((v) => v.live);
  }

  /** A service account reaches an object only through the bucket's policy: the object's name, or the listing prefix. */
  private requireObject(req: EmulatorRequest, bucket: string, permission: string, name: string): void {
    this.iam.require(req.principal, permission, `projects/_/buckets/${bucket}`, { resourceName: `projects/_/buckets/${bucket}/objects/${name}` });
  }

  private write(bucket: Bucket, name: string, body: Buffer, metadata: Record<string, string>, contentType: string): StoredVersion {
    const versions = bucket.objects.get(name) ?? [];
    for (const v of versions) v.live = false;
    const version: StoredVersion = { generation: Date.now() * 1000 + Math.floor(Math.random() * 1000), body, metadata, contentType, created: Date.now(), live: true };
    // Without versioning an overwritten object is gone; with it, the old generation stays as noncurrent.
    bucket.objects.set(name, bucket.versioning ? [...versions, version] : [version]);
    return version;
  }

  routes(): Route[] {
    const object = (res: ServerResponse, bucket: string, name: string, v: StoredVersion): void => sendJson(res, 200, this.describeObject(bucket, name, v));
    return [
      route('POST', /^\/storage\/v1\/b$/, (req, res) => {
        this.iam.requireOwner(req.principal, 'create buckets');
        const body = readJson<{ name?: string; location?: string; labels?: Record<string, string>; versioning?: { enabled?: boolean }; iamConfiguration?: { uniformBucketLevelAccess?: { enabled?: boolean }; publicAccessPrevention?: string } }>(req);
        const name = body.name ?? '';
        if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name)) throw storageError('INVALID_ARGUMENT', 'Invalid bucket name', 'invalid');
        if (this.buckets.has(name)) throw storageError('ALREADY_EXISTS', 'Your previous request to create the named bucket succeeded and you already own it.', 'conflict');
        const bucket: Bucket = {
          name,
          projectId: req.query.get('project') ?? '',
          location: (body.location ?? 'US').toUpperCase(),
          labels: body.labels ?? {},
          uniformBucketLevelAccess: body.iamConfiguration?.uniformBucketLevelAccess?.enabled === true,
          publicAccessPrevention: body.iamConfiguration?.publicAccessPrevention ?? 'inherited',
          versioning: body.versioning?.enabled === true,
          created: Date.now(),
          metageneration: 1,
          objects: new Map(),
        };
        this.buckets.set(name, bucket);
        sendJson(res, 200, this.describeBucket(bucket));
      }),
      route('GET', /^\/storage\/v1\/b\/([^/]+)$/, (req, res, [b]) => {
        this.iam.requireOwner(req.principal, 'read bucket metadata');
        sendJson(res, 200, this.describeBucket(this.bucket(b!)));
      }),
      route('PATCH', /^\/storage\/v1\/b\/([^/]+)$/, (req, res, [b]) => {
        this.iam.requireOwner(req.principal, 'update buckets');
        const bucket = this.bucket(b!);
        const body = readJson<{ labels?: Record<string, string | null>; versioning?: { enabled?: boolean }; iamConfiguration?: { uniformBucketLevelAccess?: { enabled?: boolean }; publicAccessPrevention?: string } }>(req);
        if (body.labels) for (const [k, v] of Object.entries(body.labels)) v === null ? delete bucket.labels[k] : (bucket.labels[k] = v);
        if (body.versioning?.enabled !== undefined) bucket.versioning = body.versioning.enabled;
        if (body.iamConfiguration?.uniformBucketLevelAccess?.enabled !== undefined) bucket.uniformBucketLevelAccess = body.iamConfiguration.uniformBucketLevelAccess.enabled;
        if (body.iamConfiguration?.publicAccessPrevention) bucket.publicAccessPrevention = body.iamConfiguration.publicAccessPrevention;
        bucket.metageneration++;
        sendJson(res, 200, this.describeBucket(bucket));
      }),
      route('DELETE', /^\/storage\/v1\/b\/([^/]+)$/, (req, res, [b]) => {
        this.iam.requireOwner(req.principal, 'delete buckets');
        const bucket = this.bucket(b!);
        if ([...bucket.objects.values()].some((versions) => versions.length > 0)) throw storageError('ALREADY_EXISTS', 'The bucket you tried to delete is not empty.', 'conflict');
        this.buckets.delete(b!);
        this.iam.deletePolicy(`projects/_/buckets/${b}`);
        res.writeHead(204).end();
      }),
      route('GET', /^\/storage\/v1\/b\/([^/]+)\/iam$/, (req, res, [b]) => {
        this.iam.requireOwner(req.principal, 'read bucket policies');
        this.bucket(b!);
        const policy = this.iam.policy(`projects/_/buckets/${b}`);
        const requested = Number(req.query.get('optionsRequestedPolicyVersion') ?? 1);
        if (policy.bindings.some((x) => x.condition) && requested < 3) throw storageError('INVALID_ARGUMENT', 'Policy has conditions; request version 3.', 'invalid');
        sendJson(res, 200, { kind: 'storage#policy', resourceId: `projects/_/buckets/${b}`, version: policy.version, etag: policy.etag, bindings: policy.bindings });
      }),
      route('PUT', /^\/storage\/v1\/b\/([^/]+)\/iam$/, (req, res, [b]) => {
        this.iam.requireOwner(req.principal, 'set bucket policies');
        const bucket = this.bucket(b!);
        const body = readJson<{ version?: number; etag?: string; bindings?: [] }>(req);
        if (body.bindings && (body.bindings as { condition?: unknown }[]).some((x) => x.condition) && !bucket.uniformBucketLevelAccess) {
          throw storageError('INVALID_ARGUMENT', 'IAM conditions require uniform bucket-level access.', 'invalid');
        }
        try {
          const saved = this.iam.setPolicy(`projects/_/buckets/${b}`, body);
          sendJson(res, 200, { kind: 'storage#policy', resourceId: `projects/_/buckets/${b}`, version: saved.version, etag: saved.etag, bindings: saved.bindings });
        } catch (error) {
          // Cloud Storage answers a stale etag with 412 Precondition Failed.
          if (error instanceof GoogleApiError && error.status === 'ABORTED') throw storageError('FAILED_PRECONDITION', 'Precondition Failed', 'conditionNotMet', 412);
          throw error;
        }
      }),
      route('POST', /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/, (req, res, [b]) => {
        const bucket = this.bucket(b!);
        const { metadata, media, contentType } = parseMultipart(req);
        const name = String(metadata.name ?? req.query.get('name') ?? '');
        this.requireObject(req, b!, 'storage.objects.create', name);
        const custom = (metadata.metadata ?? {}) as Record<string, string>;
        object(res, b!, name, this.write(bucket, name, media, custom, String(metadata.contentType ?? contentType)));
      }),
      route('GET', /^\/storage\/v1\/b\/([^/]+)\/o$/, (req, res, [b]) => {
        const bucket = this.bucket(b!);
        const prefix = req.query.get('prefix') ?? '';
        this.iam.require(req.principal, 'storage.objects.list', `projects/_/buckets/${b}`, { resourceName: `projects/_/buckets/${b}`, listPrefix: prefix });
        const versions = req.query.get('versions') === 'true';
        const items: Record<string, unknown>[] = [];
        for (const name of [...bucket.objects.keys()].sort()) {
          if (!name.startsWith(prefix)) continue;
          for (const v of bucket.objects.get(name)!) if (versions || v.live) items.push(this.describeObject(b!, name, v));
        }
        const { page, nextPageToken } = paginate(items, req.query.get('maxResults'), req.query.get('pageToken'), 1000);
        sendJson(res, 200, { kind: 'storage#objects', ...(page.length > 0 ? { items: page } : {}), ...(nextPageToken ? { nextPageToken } : {}) });
      }),
      route('GET', /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/, (req, res, [b, o]) => {
        const bucket = this.bucket(b!);
        const name = decodeURIComponent(o!);
        this.requireObject(req, b!, 'storage.objects.get', name);
        const generation = req.query.get('generation');
        const version = generation ? bucket.objects.get(name)?.find((v) => String(v.generation) === generation) : this.live(bucket, name);
        if (!version) throw storageError('NOT_FOUND', `No such object: ${b}/${name}`, 'notFound');
        if (req.query.get('alt') !== 'media') return object(res, b!, name, version);
        res.writeHead(200, {
          'Content-Type': version.contentType,
          'Content-Length': version.body.length,
          'x-goog-hash': `crc32c=${crc32c(version.body)},md5=${crypto.createHash('md5').update(version.body).digest('base64')}`,
          'x-goog-generation': String(version.generation),
          'x-goog-stored-content-encoding': 'identity',
        });
        res.end(version.body);
      }),
      route('DELETE', /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/, (req, res, [b, o]) => {
        const bucket = this.bucket(b!);
        const name = decodeURIComponent(o!);
        this.requireObject(req, b!, 'storage.objects.delete', name);
        const live = this.live(bucket, name);
        if (!live) throw storageError('NOT_FOUND', `No such object: ${b}/${name}`, 'notFound');
        live.live = false;
        if (!bucket.versioning) bucket.objects.delete(name);
        res.writeHead(204).end();
      }),
      route('POST', /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)\/rewriteTo\/b\/([^/]+)\/o\/([^/]+)$/, (req, res, [sb, so, db, dobj]) => {
        const source = this.bucket(sb!);
        const target = this.bucket(db!);
        const from = decodeURIComponent(so!);
        const to = decodeURIComponent(dobj!);
        this.requireObject(req, sb!, 'storage.objects.get', from);
        this.requireObject(req, db!, 'storage.objects.create', to);
        const version = this.live(source, from);
        if (!version) throw storageError('NOT_FOUND', `No such object: ${sb}/${from}`, 'notFound');
        const copied = this.write(target, to, Buffer.from(version.body), { ...version.metadata }, version.contentType);
        sendJson(res, 200, { kind: 'storage#rewriteResponse', totalBytesRewritten: String(version.body.length), objectSize: String(version.body.length), done: true, resource: this.describeObject(db!, to, copied) });
      }),
    ];
  }
}
