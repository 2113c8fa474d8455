// One loopback server that answers exactly the Google Cloud calls handoff makes (Cloud Storage, Secret Manager, Cloud Run,
// Cloud Scheduler, Cloud Logging, Cloud Monitoring, Artifact Registry and its Docker registry, IAM, the token service),
// in the shapes the official client libraries send, keeping state and a log of every request.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmulatorArtifacts } from './emulator-artifacts.js';
import { EmulatorAuth, toMember, type Credentials } from './emulator-auth.js';
import { GoogleApiError, sendError, sendJson, setDefaultPageSize, type EmulatorRequest, type Route } from './emulator-http.js';
import { EmulatorIam } from './emulator-iam.js';
import { EmulatorLogging } from './emulator-logging.js';
import { EmulatorMonitoring } from './emulator-monitoring.js';
import { EmulatorRun } from './emulator-run.js';
import { EmulatorScheduler } from './emulator-scheduler.js';
import { EmulatorSecrets } from './emulator-secrets.js';
import { EmulatorStorage } from './emulator-storage.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** One request as the emulator saw it, for tests to assert on (bodies parsed when JSON, never for uploads). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** `user:…` or `serviceAccount:…`, or undefined without valid credentials. */
  caller?: string;
  status: number;
  body?: unknown;
}

export interface GcpEmulatorOptions {
  /** How executions run: the image with podman, `handoff run` of a registered project, or podman when it has the image. */
  containers?: 'podman' | 'process' | 'auto';
  /** Poll interval the CLI is told to use (HANDOFF_GCP_POLL_MS). */
  pollMs?: number;
  /** Items per page when a list request names no page size (small, so clients really page). */
  defaultPageSize?: number;
}

export interface GcpEmulator {
  url: string;
  port: number;
  credentials: Credentials;
  /** Environment for the CLI: the endpoint, the deployer's credentials, a short poll, no gcloud config of this machine. */
  env: Record<string, string>;
  requests: RecordedRequest[];
  auth: EmulatorAuth;
  iam: EmulatorIam;
  storage: EmulatorStorage;
  secrets: EmulatorSecrets;
  run: EmulatorRun;
  scheduler: EmulatorScheduler;
  logging: EmulatorLogging;
  monitoring: EmulatorMonitoring;
  artifacts: EmulatorArtifacts;
  stop(): Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startGcpEmulator(options: GcpEmulatorOptions = {}): Promise<GcpEmulator> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-gcp-emulator-'));
  const pollMs = options.pollMs ?? 100;
  setDefaultPageSize(options.defaultPageSize);
  let url = '';
  const auth = new EmulatorAuth();
  const iam = new EmulatorIam(auth.deployer);
  const logging = new EmulatorLogging(iam);
  const storage = new EmulatorStorage(iam);
  const secrets = new EmulatorSecrets(iam);
  const run = new EmulatorRun(iam, auth, logging, { url: () => url, repoRoot, workDir: dir, containers: options.containers ?? 'auto', pollMs });
  const scheduler = new EmulatorScheduler(iam, run);
  const monitoring = new EmulatorMonitoring(iam, logging, run);
  const artifacts = new EmulatorArtifacts(iam);
  const routes: Route[] = [...storage.routes(), ...secrets.routes(), ...run.routes(), ...scheduler.routes(), ...logging.routes(), ...monitoring.routes(), ...artifacts.routes(), ...iam.routes()];
  const requests: RecordedRequest[] = [];

  const server = http.createServer((incoming, res) => {
    void (async () => {
      const parsed = new URL(incoming.url ?? '/', 'http://emulator');
      const body = await readBody(incoming);
      const req: EmulatorRequest = {
        method: incoming.method ?? 'GET',
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: incoming.headers,
        body,
        principal: auth.identify(incoming.headers.authorization),
      };
      const record: RecordedRequest = {
        method: req.method,
        path: req.path,
        query: Object.fromEntries(parsed.searchParams),
        ...(req.principal ? { caller: toMember(req.principal) } : {}),
        status: 0,
      };
      if (/json/.test(String(incoming.headers['content-type'] ?? '')) && body.length > 0) {
        try {
          record.body = JSON.parse(body.toString('utf8'));
        } catch {
          // not JSON after all
        }
      }
      requests.push(record);
      res.on('finish', () => (record.status = res.statusCode));
      try {
        // The token service of the external-account credentials (application/x-www-form-urlencoded).
        if (req.method === 'POST' && req.path === '/v1/token') return sendJson(res, 200, auth.exchange(new URLSearchParams(body.toString('utf8'))));
        if (artifacts.handleRegistry(req, res, url)) return;
        for (const r of routes) {
          if (r.method !== req.method) continue;
          const match = r.pattern.exec(req.path);
          if (!match) continue;
          return await r.handler(req, res, match.slice(1));
        }
        throw new GoogleApiError('NOT_FOUND', `The emulator has no ${req.method} ${req.path}`);
      } catch (error) {
        if (error instanceof GoogleApiError) return sendError(res, error);
        sendError(res, new GoogleApiError('INTERNAL', (error as Error).stack ?? String(error)));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  url = `http://127.0.0.1:${port}`;
  const credentials = auth.writeCredentials(dir, `${url}/v1/token`);
  const gcloudDir = path.join(dir, 'gcloud');
  fs.mkdirSync(gcloudDir, { recursive: true });
  return {
    url,
    port,
    credentials,
    env: {
      HANDOFF_GCP_ENDPOINT: url,
      GOOGLE_APPLICATION_CREDENTIALS: credentials.file,
      HANDOFF_GCP_POLL_MS: String(pollMs),
      CLOUDSDK_CONFIG: gcloudDir,
      // Never look for a metadata server on this machine.
      METADATA_SERVER_DETECTION: 'none',
    },
    requests,
    auth,
    iam,
    storage,
    secrets,
    run,
    scheduler,
    logging,
    monitoring,
    artifacts,
    async stop() {
      await run.stopAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
