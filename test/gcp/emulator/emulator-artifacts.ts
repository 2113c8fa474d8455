// Artifact Registry in the emulator: Docker repositories (v1 REST: get, create as an operation, tags) and the Docker
// Registry HTTP API v2 they serve, so `podman push` really uploads the image, logged in with an access token.
import crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { fail, readJson, route, sendJson, timestamp, type EmulatorRequest, type Route } from './emulator-http.js';
import type { EmulatorIam } from './emulator-iam.js';

type Json = Record<string, unknown>;

interface Repository {
  json: Json;
  blobs: Map<string, Buffer>;
  /** image path → tag → { digest, content type, body } */
  manifests: Map<string, Map<string, { digest: string; type: string; body: Buffer }>>;
}

const sha256 = (data: Buffer): string => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

export class EmulatorArtifacts {
  readonly repositories = new Map<string, Repository>();
  private readonly uploads = new Map<string, Buffer[]>();

  constructor(private readonly iam: EmulatorIam) {}

  private repository(name: string): Repository {
    const repository = this.repositories.get(name);
    if (!repository) throw fail.notFound(`Requested entity was not found.`);
    return repository;
  }

  /** The tags of an image (`projects/p/locations/r/repositories/repo` + image path), for tests. */
  tags(repositoryName: string, image: string): string[] {
    return [...(this.repositories.get(repositoryName)?.manifests.get(image)?.keys() ?? [])].filter((t) => !t.startsWith('sha256:'));
  }

  routes(): Route[] {
    const repoPath = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/repositories\/[^/]+)/.source;
    return [
      route('GET', new RegExp(`${repoPath}$`), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'read repositories');
        sendJson(res, 200, this.repository(name!).json);
      }),
      route('POST', /^\/v1\/(projects\/[^/]+\/locations\/[^/]+)\/repositories$/, (req, res, [parent]) => {
        this.iam.requireOwner(req.principal, 'create repositories');
        const id = req.query.get('repositoryId') ?? '';
        if (!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(id)) throw fail.invalidArgument(`Invalid repository id "${id}".`);
        const name = `${parent}/repositories/${id}`;
        if (this.repositories.has(name)) throw fail.alreadyExists(`the repository already exists`);
        const body = readJson<Json>(req);
        const json = { ...body, name, createTime: timestamp(), updateTime: timestamp() };
        this.repositories.set(name, { json, blobs: new Map(), manifests: new Map() });
        const response = { '@type': 'type.googleapis.com/google.devtools.artifactregistry.v1.Repository', ...json };
        sendJson(res, 200, { name: `${parent}/operations/${crypto.randomUUID()}`, metadata: { '@type': 'type.googleapis.com/google.devtools.artifactregistry.v1.OperationMetadata' }, done: true, response });
      }),
      route('GET', new RegExp(`${repoPath}/packages/([^/]+)/tags$`), (req, res, [name, pkg]) => {
        this.iam.requireOwner(req.principal, 'list tags');
        const repository = this.repository(name!);
        // The path is URL-encoded once more than the package id, which itself escapes the image's `/` as %2F.
        const image = decodeURIComponent(decodeURIComponent(pkg!));
        const tags = repository.manifests.get(image);
        if (!tags) throw fail.notFound(`Requested entity was not found.`);
        const listed = [...tags.entries()].filter(([tag]) => !tag.startsWith('sha256:')).map(([tag, m]) => ({ name: `${name}/packages/${pkg}/tags/${tag}`, version: `${name}/packages/${pkg}/versions/${m.digest}` }));
        sendJson(res, 200, { tags: listed });
      }),
    ];
  }

  /**
   * The Docker Registry API v2 under `/v2/<project>/<repository>/<image>/…`: only with a login (Basic
   * oauth2accesstoken and an access token), only into a repository that exists, and tags cannot be moved (the
   * repositories handoff makes have immutable tags).
   */
  handleRegistry(req: EmulatorRequest, res: ServerResponse, baseUrl: string): boolean {
    if (!req.path.startsWith('/v2/')) return false;
    const registryError = (status: number, code: string, message: string): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0', ...(status === 401 ? { 'WWW-Authenticate': 'Basic realm="Artifact Registry"' } : {}) });
      res.end(JSON.stringify({ errors: [{ code, message }] }));
    };
    const ok = (status: number, headers: Record<string, string | number> = {}, body?: Buffer): void => {
      res.writeHead(status, { 'Docker-Distribution-API-Version': 'registry/2.0', ...headers });
      res.end(body);
    };
    if (req.path === '/v2/') {
      if (!req.principal) registryError(401, 'UNAUTHORIZED', 'authentication required');
      else ok(200, { 'Content-Type': 'application/json' }, Buffer.from('{}'));
      return true;
    }
    const match = /^\/v2\/([^/]+)\/([^/]+)\/(.+?)\/(manifests|blobs|tags)\/?(.*)$/.exec(req.path);
    if (!match) return false;
    if (!req.principal) {
      registryError(401, 'UNAUTHORIZED', 'authentication required');
      return true;
    }
    const [, project, repo, image, kind, rest] = match as unknown as [string, string, string, string, string, string];
    const repository = [...this.repositories.entries()].find(([name]) => name.startsWith(`projects/${project}/locations/`) && name.endsWith(`/repositories/${repo}`))?.[1];
    if (!repository) {
      registryError(404, 'NAME_UNKNOWN', `Repository "${repo}" not found`);
      return true;
    }
    const location = `/v2/${project}/${repo}/${image}`;
    if (kind === 'blobs' && rest.startsWith('uploads')) {
      const id = rest.replace(/^uploads\/?/, '');
      if (req.method === 'POST') {
        const uuid = crypto.randomUUID();
        this.uploads.set(uuid, []);
        ok(202, { Location: `${baseUrl}${location}/blobs/uploads/${uuid}`, 'Docker-Upload-UUID': uuid, Range: '0-0', 'Content-Length': 0 });
      } else if (req.method === 'PATCH') {
        const chunks = this.uploads.get(id);
        if (!chunks) return registryError(404, 'BLOB_UPLOAD_UNKNOWN', 'upload unknown'), true;
        chunks.push(req.body);
        const size = chunks.reduce((n, c) => n + c.length, 0);
        ok(202, { Location: `${baseUrl}${location}/blobs/uploads/${id}`, 'Docker-Upload-UUID': id, Range: `0-${Math.max(0, size - 1)}`, 'Content-Length': 0 });
      } else if (req.method === 'PUT') {
        const chunks = this.uploads.get(id);
        if (!chunks) return registryError(404, 'BLOB_UPLOAD_UNKNOWN', 'upload unknown'), true;
        const data = Buffer.concat([...chunks, req.body]);
        const digest = req.query.get('digest') ?? '';
        if (sha256(data) !== digest) return registryError(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content'), true;
        repository.blobs.set(digest, data);
        this.uploads.delete(id);
        ok(201, { Location: `${baseUrl}${location}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 });
      } else {
        registryError(405, 'UNSUPPORTED', 'method not allowed');
      }
      return true;
    }
    if (kind === 'blobs') {
      const blob = repository.blobs.get(rest);
      if (!blob) return registryError(404, 'BLOB_UNKNOWN', 'blob unknown to registry'), true;
      ok(200, { 'Content-Length': blob.length, 'Docker-Content-Digest': rest, 'Content-Type': 'application/octet-stream' }, req.method === 'HEAD' ? undefined : blob);
      return true;
    }
    if (kind === 'tags') {
      ok(200, { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ name: `${project}/${repo}/${image}`, tags: this.tags([...this.repositories.entries()].find(([, r]) => r === repository)![0], image) })));
      return true;
    }
    const tags = repository.manifests.get(image) ?? new Map();
    if (req.method === 'PUT') {
      const digest = sha256(req.body);
      const existing = tags.get(rest);
      if (existing && existing.digest !== digest && !rest.startsWith('sha256:')) {
        return registryError(400, 'TAG_INVALID', `tag ${rest} already exists and the repository has immutable tags`), true;
      }
      const entry = { digest, type: String(req.headers['content-type'] ?? 'application/vnd.oci.image.manifest.v1+json'), body: req.body };
      tags.set(rest, entry);
      tags.set(digest, entry);
      repository.manifests.set(image, tags);
      ok(201, { Location: `${baseUrl}${location}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 });
      return true;
    }
    const manifest = tags.get(rest);
    if (!manifest) return registryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown'), true;
    ok(200, { 'Content-Type': manifest.type, 'Docker-Content-Digest': manifest.digest, 'Content-Length': manifest.body.length }, req.method === 'HEAD' ? undefined : manifest.body);
    return true;
  }
}
