// Secret Manager (v1 REST) in the emulator: secrets, versions (add, access latest, list, destroy) and their IAM policies.
import { fail, paginate, readJson, route, sendJson, timestamp, type Route } from './emulator-http.js';
import type { EmulatorIam } from './emulator-iam.js';

interface SecretVersion {
  number: number;
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  created: number;
}

interface Secret {
  name: string;
  labels: Record<string, string>;
  created: number;
  versions: SecretVersion[];
}

// Secret ids: letters, digits, - and _, at most 255 (CreateSecretRequest.secret_id).
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
// A version's payload: at most 64 KiB.
const MAX_PAYLOAD = 65_536;

export class EmulatorSecrets {
  readonly secrets = new Map<string, Secret>();

  constructor(private readonly iam: EmulatorIam) {}

  private secret(name: string): Secret {
    const secret = this.secrets.get(name);
    if (!secret) throw fail.notFound(`Secret [${name}] not found or has no versions.`);
    return secret;
  }

  private describeVersion(secret: Secret, v: SecretVersion): Record<string, unknown> {
    return { name: `${secret.name}/versions/${v.number}`, createTime: timestamp(v.created), state: v.state, ...(v.state === 'DESTROYED' ? { destroyTime: timestamp() } : {}) };
  }

  /** The value a service account reads (what `handoff run` in the job does), for tests that check grants end to end. */
  read(name: string): string | undefined {
    const latest = this.secrets.get(name)?.versions.filter((v) => v.state === 'ENABLED').at(-1);
    return latest?.data.toString('utf8');
  }

  routes(): Route[] {
    const secretPath = /^\/v1\/(projects\/[^/]+\/secrets\/[^/:]+)/.source;
    const byName = (suffix: string): RegExp => new RegExp(`${secretPath}${suffix}$`);
    const describe = (s: Secret): Record<string, unknown> => ({ name: s.name, replication: { automatic: {} }, createTime: timestamp(s.created), labels: s.labels, etag: `"${s.created}"` });
    return [
      route('POST', /^\/v1\/(projects\/[^/]+)\/secrets$/, (req, res, [parent]) => {
        this.iam.requireOwner(req.principal, 'create secrets');
        const id = req.query.get('secretId') ?? '';
        if (!SECRET_ID.test(id)) throw fail.invalidArgument('The secret ID must be at most 255 characters of letters, numbers, hyphens and underscores.');
        const name = `${parent}/secrets/${id}`;
        if (this.secrets.has(name)) throw fail.alreadyExists(`Secret [${name}] already exists.`);
        const body = readJson<{ labels?: Record<string, string>; replication?: unknown }>(req);
        if (!body.replication) throw fail.invalidArgument('Secret.replication is required.');
        const secret: Secret = { name, labels: body.labels ?? {}, created: Date.now(), versions: [] };
        this.secrets.set(name, secret);
        sendJson(res, 200, describe(secret));
      }),
      route('GET', byName(''), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'read secrets');
        sendJson(res, 200, describe(this.secret(name!)));
      }),
      route('DELETE', byName(''), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'delete secrets');
        this.secret(name!);
        this.secrets.delete(name!);
        this.iam.deletePolicy(name!);
        sendJson(res, 200, {});
      }),
      route('POST', byName(':addVersion'), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'add secret versions');
        const secret = this.secret(name!);
        const data = Buffer.from(readJson<{ payload?: { data?: string } }>(req).payload?.data ?? '', 'base64');
        if (data.length > MAX_PAYLOAD) throw fail.invalidArgument(`Secret payload cannot exceed ${MAX_PAYLOAD} bytes.`);
        const version: SecretVersion = { number: secret.versions.length + 1, data, state: 'ENABLED', created: Date.now() };
        secret.versions.push(version);
        sendJson(res, 200, this.describeVersion(secret, version));
      }),
      route('GET', byName('/versions'), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'list secret versions');
        const secret = this.secret(name!);
        const filter = req.query.get('filter');
        const state = filter ? /^state:(\w+)$/.exec(filter)?.[1] : undefined;
        if (filter && !state) throw fail.invalidArgument(`Unsupported filter: ${filter}`);
        // Newest first, as the API lists them.
        const versions = [...secret.versions].reverse().filter((v) => !state || v.state === state);
        const { page, nextPageToken } = paginate(versions, req.query.get('pageSize'), req.query.get('pageToken'), 25000);
        sendJson(res, 200, { versions: page.map((v) => this.describeVersion(secret, v)), totalSize: versions.length, ...(nextPageToken ? { nextPageToken } : {}) });
      }),
      route('GET', byName('/versions/([^/:]+):access'), (req, res, [name, which]) => {
        this.iam.require(req.principal, 'secretmanager.versions.access', name!);
        const secret = this.secret(name!);
        const version = which === 'latest' ? secret.versions.filter((v) => v.state === 'ENABLED').at(-1) : secret.versions.find((v) => String(v.number) === which);
        if (!version) throw fail.notFound(`Secret Version [${name}/versions/${which}] not found.`);
        if (version.state !== 'ENABLED') throw fail.failedPrecondition(`Secret Version [${name}/versions/${version.number}] is in ${version.state} state.`);
        sendJson(res, 200, { name: `${name}/versions/${version.number}`, payload: { data: version.data.toString('base64') } });
      }),
      route('POST', byName('/versions/([^/:]+):destroy'), (req, res, [name, which]) => {
        this.iam.requireOwner(req.principal, 'destroy secret versions');
        const secret = this.secret(name!);
        const version = secret.versions.find((v) => String(v.number) === which);
        if (!version) throw fail.notFound(`Secret Version [${name}/versions/${which}] not found.`);
        version.state = 'DESTROYED';
        version.data = Buffer.alloc(0);
        sendJson(res, 200, this.describeVersion(secret, version));
      }),
      route('GET', byName(':getIamPolicy'), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'read secret policies');
        this.secret(name!);
        const policy = this.iam.policy(name!);
        sendJson(res, 200, { version: policy.version, etag: Buffer.from(policy.etag).toString('base64'), bindings: policy.bindings });
      }),
      route('POST', byName(':setIamPolicy'), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, 'set secret policies');
        this.secret(name!);
        const policy = readJson<{ policy?: { version?: number; etag?: string; bindings?: [] } }>(req).policy ?? {};
        const saved = this.iam.setPolicy(name!, { ...policy, ...(policy.etag ? { etag: Buffer.from(policy.etag, 'base64').toString('utf8') } : {}) });
        sendJson(res, 200, { version: saved.version, etag: Buffer.from(saved.etag).toString('base64'), bindings: saved.bindings });
      }),
    ];
  }
}
