// Identities of the emulator: the deployer's Application Default Credentials (an external-account file whose token URL is
// the emulator's security token service), access tokens, and a metadata server per execution that speaks for its job's identity.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fail } from './emulator-http.js';

export type Principal = { kind: 'user'; email: string } | { kind: 'serviceAccount'; email: string };

/** The IAM member string of a principal: `user:…` or `serviceAccount:…`. */
export function toMember(principal: Principal): string {
  return `${principal.kind}:${principal.email}`;
}

const TOKEN_SECONDS = 3600;

export interface Credentials {
  /** GOOGLE_APPLICATION_CREDENTIALS for the deployer. */
  file: string;
  /** The subject token the file points at: a secret tests check never appears in output. */
  subjectToken: string;
}

export class EmulatorAuth {
  private readonly tokens = new Map<string, { principal: Principal; expires: number }>();
  readonly deployer: Principal = { kind: 'user', email: 'deployer@example.com' };
  private subjectToken = '';

  /** Issues an access token for `principal` (what Google's token endpoints do after checking credentials). */
  issue(principal: Principal): { access_token: string; expires_in: number; token_type: string } {
    const token = `ya29.emulated-${crypto.randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { principal, expires: Date.now() + TOKEN_SECONDS * 1000 });
    return { access_token: token, expires_in: TOKEN_SECONDS, token_type: 'Bearer' };
  }

  /** Who a token belongs to; undefined for an unknown or expired one. */
  resolve(token: string): Principal | undefined {
    const found = this.tokens.get(token);
    return found && found.expires > Date.now() ? found.principal : undefined;
  }

  /** The caller of a request: `Authorization: Bearer <token>`, or the registry's `Basic oauth2accesstoken:<token>`. */
  identify(authorization: string | undefined): Principal | undefined {
    if (!authorization) return undefined;
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization);
    if (bearer) return this.resolve(bearer[1]!.trim());
    const basic = /^Basic\s+(.+)$/i.exec(authorization);
    if (basic) {
      const [user, password] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      return user === 'oauth2accesstoken' && password ? this.resolve(password) : undefined;
    }
    return undefined;
  }

  /**
   * Writes the deployer's credentials: an external-account (workload identity federation) file, the Application
   * Default Credentials type whose `token_url` a client really calls, so the exchange happens against the emulator.
   */
  writeCredentials(dir: string, tokenUrl: string): Credentials {
    this.subjectToken = `subject-${crypto.randomBytes(18).toString('base64url')}`;
    const tokenFile = path.join(dir, 'subject-token');
    fs.writeFileSync(tokenFile, this.subjectToken, { mode: 0o600 });
    const file = path.join(dir, 'application_default_credentials.json');
    const config = {
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/handoff-tests/providers/emulator',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: tokenUrl,
      credential_source: { file: tokenFile },
      universe_domain: 'googleapis.com',
    };
    fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    return { file, subjectToken: this.subjectToken };
  }

  /** The security token service's exchange (RFC 8693), as `token_url` receives it. */
  exchange(form: URLSearchParams): { access_token: string; issued_token_type: string; token_type: string; expires_in: number } {
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange') throw fail.invalidArgument('grant_type must be token-exchange');
    if (!this.subjectToken || form.get('subject_token') !== this.subjectToken) throw fail.unauthenticated('The subject token is invalid.');
    const issued = this.issue(this.deployer);
    return { ...issued, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' };
  }

  /**
   * A metadata server for one execution, on a port of its own, answering as the job's service account — what a Cloud
   * Run instance's metadata server does. The execution finds it through GCE_METADATA_HOST.
   */
  async startMetadataServer(serviceAccount: string, project: string, region: string): Promise<{ host: string; close(): Promise<void> }> {
    const server = http.createServer((req, res) => {
      const send = (status: number, body: string, type = 'application/text'): void => {
        res.writeHead(status, { 'Metadata-Flavor': 'Google', 'Content-Type': type });
        res.end(body);
      };
      if (req.headers['metadata-flavor'] !== 'Google') return send(403, 'Missing Metadata-Flavor: Google header');
      const url = new URL(req.url ?? '/', 'http://metadata');
      const at = url.pathname.replace(/^\/computeMetadata\/v1\/?/, '').replace(/\/$/, '');
      if (at === 'instance') return send(200, '');
      if (at === 'instance/service-accounts/default/token') return send(200, JSON.stringify(this.issue({ kind: 'serviceAccount', email: serviceAccount })), 'application/json');
      if (at === 'instance/service-accounts/default/email') return send(200, serviceAccount);
      if (at === 'project/project-id') return send(200, project);
      if (at === 'instance/region') return send(200, `projects/123456789/regions/${region}`);
      if (at === 'universe/universe-domain') return send(200, 'googleapis.com');
      return send(404, 'Not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    return { host: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }
}
