// The web UI server: node:http on loopback serving the page, a token-checked JSON API over the library, and SSE.
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadProject } from '../project/load-project.js';
import { findRunRecord, isAbandoned } from '../runs/run-history.js';
import { createMasker, type Masker } from '../secrets/mask.js';
import { resolveWorkspacePaths } from '../workspace/workspace-paths.js';
import { VERSION } from '../version.js';
import { checkHost, createAccessToken, decideAccess, formatPageUrl, TOKEN_QUERY } from './access-token.js';
import type { OverviewResponse, RunDetail, SchedulesResponse, StartRunResponse } from './api-types.js';
import { describeProject, loadSecretsFor, type LoadedSecrets, type ProjectSource } from './describe-project.js';
import { addLocalSchedulerState, describeSchedules } from './describe-schedules.js';
import { createEventStream } from './event-stream.js';
import { readLogChunk } from './read-log-chunk.js';
import { RunSummaryCache, showAbandoned, summarizeRunRecord } from './run-summary-cache.js';
import { createRunStarter } from './start-ui-run.js';
import { watchRuns, type RunWatch } from './watch-runs.js';
import { findWebAssetsDir, loadWebAssets, renderPageHtml, renderRefusedHtml } from './web-assets.js';
import { resolveWorkspaceFile } from './workspace-file.js';

export interface UiServerOptions extends ProjectSource {
  workspaceDir: string;
  /** `-v` tokens as given; passed on to the runs the page starts. */
  varTokens: string[];
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The handoff entry script that "Run now" starts again (bin/handoff.js); without it runs cannot be started. */
  handoffEntry?: string;
  /** Start runs even when deploy.cloud_provider is a cloud (aws, gcp). */
  allowRuns?: boolean;
  /** Never start runs. */
  readOnly?: boolean;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
  /** Where the built page lives (default: found beside the bundle). */
  assetsDir?: string;
  /** Told about requests that failed with an unexpected error (the CLI logs them). */
  onError?: (error: unknown) => void;
}

export interface UiServer {
  /** The URL to open, with the access token in its fragment. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_PAGE = 200;
const MAX_POINTS = 1000;
const MAX_LOG_BYTES = 1024 * 1024;
/** "Run now" takes no parameters; a body beyond this is refused rather than read. */
const MAX_BODY_BYTES = 16 * 1024;

const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A client's mistake: answered with its status and message, never logged with a stack. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request target as a URL; only the origin form (a path) is served, and nothing in it may throw later. */
function parseRequestTarget(target: string | undefined): URL {
  if (!target?.startsWith('/')) throw new HttpError(400, 'the request target must be a path');
  try {
    // Prefixed, not resolved against a base: `//x/y` stays a path instead of naming a host.
    return new URL(`http://127.0.0.1${target}`);
  } catch {
    throw new HttpError(400, 'malformed URL');
  }
}

function decodePathSegments(pathname: string): string[] {
  try {
    return pathname
      .split('/')
      .filter(Boolean)
      .map((segment) => decodeURIComponent(segment));
  } catch {
    throw new HttpError(400, 'malformed URL: a %-escape in the path is not valid UTF-8');
  }
}

/** Reads a small request body; a larger one is refused with 413 (by its Content-Length, before it is sent, if given). */
function readSmallBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(req.headers['content-length']) > maxBytes) {
    return Promise.reject(new HttpError(413, `the request body is larger than ${maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      reject(new HttpError(413, `the request body is larger than ${maxBytes} bytes`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function readIntParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new HttpError(400, `${name} must be a whole number`);
  return Math.min(value, max);
}

/** Secrets are read again when their files change, so a value added while the UI is open is masked too. */
function createSecretsSource(source: ProjectSource): () => LoadedSecrets & { masker: Masker } {
  const folder = source.secretsDir !== undefined ? path.resolve(source.secretsDir) : path.join(source.projectDir, '.secrets');
  let cached: (LoadedSecrets & { masker: Masker; signature: string }) | undefined;
  const signatureOf = (): string => {
    try {
      return fs
        .readdirSync(folder)
        .map((name) => `${name}:${fs.statSync(path.join(folder, name)).mtimeMs}`)
        .join(',');
    } catch {
      return 'no folder';
    }
  };
  return () => {
    const signature = signatureOf();
    if (!cached || cached.signature !== signature) {
      const loaded = loadSecretsFor(source);
      cached = { ...loaded, masker: createMasker(loaded.secrets.map((s) => s.value)), signature };
    }
    return cached;
  };
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const token = options.token ?? createAccessToken();
  const workspace = resolveWorkspacePaths(options.workspaceDir);
  const projectDir = path.resolve(options.projectDir);
  const source: ProjectSource = { projectDir, stage: options.stage, secretsDir: options.secretsDir };
  const secrets = createSecretsSource(source);
  const assets = loadWebAssets(options.assetsDir ?? findWebAssetsDir());
  const assetVersion = String(assets.get('app.js')?.body.length ?? 0);
  const cache = new RunSummaryCache(workspace.runsDir);
  const mask = (text: string): string => secrets().masker.mask(text);
  const events = createEventStream(mask);
  let port = 0;
  let watch: RunWatch | undefined;

  const projectName = async (): Promise<{ name: string; cloudProvider?: string }> => {
    try {
      const { project } = await loadProject(projectDir);
      return { name: project.deploy.task ?? path.basename(projectDir), cloudProvider: project.deploy.cloud_provider };
    } catch {
      return { name: path.basename(projectDir) };
    }
  };

  const readOnlyReason = (cloudProvider: string | undefined): string | undefined => {
    if (options.readOnly) return '`handoff ui` was started with --read-only';
    if (!options.handoffEntry) return 'this server was started without a handoff command to run';
    if (cloudProvider !== undefined && cloudProvider !== 'local' && !options.allowRuns) {
      return `deploy.cloud_provider is ${cloudProvider}, so this page is read-only; start \`handoff ui --allow-runs\` to run locally from here`;
    }
    return undefined;
  };

  const buildOverview = async (): Promise<OverviewResponse> => {
    const { name, cloudProvider } = await projectName();
    const reason = readOnlyReason(cloudProvider);
    return {
      projectName: name,
      projectDir,
      workspaceDir: workspace.dir,
      stage: options.stage,
      cloudProvider,
      handoffVersion: VERSION,
      canStartRuns: reason === undefined,
      readOnlyReason: reason,
    };
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
    const text = mask(JSON.stringify(body));
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text);
  };

  const runDetail = (runId: string): RunDetail => {
    if (!/^[\w.-]+$/.test(runId)) throw new HttpError(404, `no run "${runId}"`);
    let record;
    try {
      record = findRunRecord(workspace.runsDir, runId);
    } catch (error) {
      if (error instanceof UserError) throw new HttpError(404, error.message);
      throw error;
    }
    const abandoned = isAbandoned(record);
    if (abandoned) {
      const shown = showAbandoned(summarizeRunRecord(record), record);
      record = { ...record, status: shown.status, endedAt: shown.endedAt, durationMs: shown.durationMs, reason: shown.reason };
    }
    return { record, abandoned, streams: ['console', ...Object.keys(record.logs?.stderr ?? {})] };
  };

  /** The file of one of a run's logs: `console`, or a key of its stderr logs (own keys only: no `__proto__`). */
  const logFileOf = (detail: RunDetail, stream: string): string => {
    const logs = detail.record.logs;
    const stderr = logs?.stderr;
    const relative = stream === 'console' ? logs?.console : stderr && Object.hasOwn(stderr, stream) ? stderr[stream] : undefined;
    const file = resolveWorkspaceFile(workspace.dir, relative);
    if (!file) throw new HttpError(404, `run ${detail.record.runId} has no log "${stream}"`);
    return file;
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = decodePathSegments(url.pathname).slice(1);
    if (req.method === 'POST') {
      if (route.length === 1 && route[0] === 'runs') return startRun(req, res);
      throw new HttpError(404, 'no such endpoint');
    }
    if (req.method !== 'GET') throw new HttpError(405, 'only GET and POST');
    const [first, second, third] = route;
    if (first === 'overview' && route.length === 1) return sendJson(res, 200, await buildOverview());
    if (first === 'project' && route.length === 1) return sendJson(res, 200, await describeProject(source, secrets()));
    if (first === 'schedules' && route.length === 1) {
      const now = new Date();
      try {
        const { project } = await loadProject(projectDir);
        const body: SchedulesResponse = { ...addLocalSchedulerState(project, options.stage, describeSchedules(project, now)), now: now.toISOString() };
        return sendJson(res, 200, body);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        return sendJson(res, 200, { schedules: [], now: now.toISOString(), error: error.message } satisfies SchedulesResponse);
      }
    }
    if (first === 'run-points' && route.length === 1) {
      return sendJson(res, 200, { points: cache.points(readIntParam(url, 'limit', 200, MAX_POINTS)) });
    }
    if (first === 'runs' && route.length === 1) {
      return sendJson(res, 200, cache.page(readIntParam(url, 'offset', 0, Number.MAX_SAFE_INTEGER), readIntParam(url, 'limit', 50, MAX_PAGE) || 50));
    }
    if (first === 'runs' && second && route.length === 2) return sendJson(res, 200, runDetail(second));
    if (first === 'runs' && second && third === 'log' && route.length === 3) {
      const detail = runDetail(second);
      const stream = url.searchParams.get('stream') ?? 'console';
      const file = logFileOf(detail, stream);
      const tailParam = url.searchParams.get('tail');
      const chunk = readLogChunk(file, {
        offset: readIntParam(url, 'offset', 0, Number.MAX_SAFE_INTEGER),
        tail: tailParam !== null ? readIntParam(url, 'tail', 0, MAX_LOG_BYTES) : undefined,
        maxBytes: MAX_LOG_BYTES,
        // While the run writes, answer whole lines only, so these offsets line up with the event stream's.
        wholeLinesOnly: detail.record.status === 'running',
      });
      return sendJson(res, 200, { runId: detail.record.runId, stream, ...chunk });
    }
    if (first === 'events' && route.length === 1) {
      if (events.full) throw new HttpError(503, 'too many event streams are open; close some of the pages of this UI');
      events.attach(res);
      return;
    }
    throw new HttpError(404, 'no such endpoint');
  };

  const starter = options.handoffEntry
    ? createRunStarter(
        {
          handoffEntry: options.handoffEntry,
          projectDir,
          workspaceDir: workspace.dir,
          runsDir: workspace.runsDir,
          stage: options.stage,
          varTokens: options.varTokens,
        },
        () => cache.running().map((run) => run.runId),
      )
    : undefined;

  const startRun = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await readSmallBody(req, MAX_BODY_BYTES);
    const { cloudProvider } = await projectName();
    const reason = readOnlyReason(cloudProvider);
    if (reason !== undefined || !starter) throw new HttpError(403, reason ?? 'read-only');
    const result = await starter.start();
    // Tell the page's event streams at once, rather than at the next look at runs/.
    watch?.poke();
    if (result.kind === 'busy') return sendJson(res, 409, result.busy);
    if (result.kind === 'failed') return sendJson(res, 422, { message: result.message } satisfies StartRunResponse);
    if (result.kind === 'starting') return sendJson(res, 202, { pid: result.pid, message: 'the run is starting' } satisfies StartRunResponse);
    return sendJson(res, 201, { runId: result.runId, pid: result.pid, message: `run ${result.runId} started` } satisfies StartRunResponse);
  };

  /** The page and its files: a shell without data or token, so it is served to anyone who names this host. */
  const servePage = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET');
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'no-store' });
      res.end(renderPageHtml({ assetVersion }));
      return;
    }
    const asset = url.pathname.startsWith('/assets/') ? assets.get(url.pathname.slice('/assets/'.length)) : undefined;
    if (!asset) throw new HttpError(404, 'not found');
    res.writeHead(200, { 'Content-Type': asset.contentType, 'Cache-Control': 'private, max-age=3600' });
    res.end(asset.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    try {
      const url = parseRequestTarget(req.url);
      const isApi = url.pathname.startsWith('/api/');
      const mutating = req.method !== 'GET' && req.method !== 'HEAD';
      const queryToken = url.pathname === '/api/events' ? url.searchParams.get(TOKEN_QUERY) : null;
      const access = isApi ? decideAccess({ headers: req.headers, mutating, queryToken }, token, port) : checkHost(req.headers, port);
      if (access && !access.ok) {
        if (isApi) return sendJson(res, access.status, { message: access.reason });
        res.writeHead(access.status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'", 'Cache-Control': 'no-store' });
        res.end(renderRefusedHtml(access.status, access.reason));
        return;
      }
      if (isApi) await handleApi(req, res, url);
      else servePage(req, res, url);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        // Nothing more is read from a client that sends too much: the connection ends with the answer. (A client still
        // sending then sees a reset rather than the 413; one that declared its size first gets the 413.)
        if (error.status === 413) res.setHeader('Connection', 'close');
        return sendJson(res, error.status, { message: error.message });
      }
      options.onError?.(error);
      sendJson(res, 500, { message: `handoff ui failed: ${(error as Error).message}` });
    }
  };

  const server = http.createServer((req, res) => {
    // Last resort: whatever escapes the handler ends this request, never the server.
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error);
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') {
        reject(new UserError(`port ${options.port} on 127.0.0.1 is in use`, { fix: 'choose another --port, or leave --port out to get a free one' }));
      } else if (error.code === 'EACCES') {
        reject(new UserError(`not allowed to listen on port ${options.port}`, { fix: 'use a port above 1023, or leave --port out' }));
      } else reject(error);
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  watch = watchRuns({
    workspaceDir: workspace.dir,
    cache,
    onRun: (change, run) => events.send({ type: 'run', change, run }),
    onRemoved: (runId) => events.send({ type: 'removed', runId }),
    onLog: (chunk) => events.send({ type: 'log', ...chunk }),
  });

  // Read the newest summaries now, so the first Runs page does not wait for a cold disk.
  setImmediate(() => {
    cache.page(0, 50);
    cache.points(200);
  });

  return {
    url: formatPageUrl(port, token),
    port,
    token,
    async close() {
      watch?.close();
      events.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
