// The local web UI server (`handoff ui`): node:http on loopback serving the page, one project's JSON API checked
// against the printed token, and its SSE stream. The one-person default; the team server is team-server.ts.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../errors.js';
import { checkHost, createAccessToken, decideAccess, formatPageUrl, TOKEN_QUERY } from './access-token.js';
import { isMutating, matchRoute, PROJECT_ROUTES } from './api-routes.js';
import type { ProjectSource } from './describe-project.js';
import { decodePathSegments, HttpError, limitSlowClients, parseRequestTarget, sendFailure, sendJson, setSecurityHeaders } from './http-basics.js';
import { ProjectBackend, type ExplainLoadError } from './project-backend.js';
import { readActionBody, serveProjectRoute } from './project-routes.js';
import { createPageServer } from './web-assets.js';

export interface UiServerOptions extends ProjectSource {
  workspaceDir: string;
  /** `-v` tokens as given; passed on to the runs the page starts. */
  varTokens: string[];
  /** `run local` options and `-e` values for those runs (see UiRunLaunch). */
  runFlags?: string[];
  envs?: Record<string, string>;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The handoff entry script that "Run now" starts again (bin/handoff.js); without it runs cannot be started. */
  handoffEntry?: string;
  /** Start runs even when deploy.cloud_provider is a cloud. */
  allowRuns?: boolean;
  /** Never start runs. */
  readOnly?: boolean;
  /** The access token (`handoff ui` keeps one under HANDOFF_HOME: see local-token.ts); a random one otherwise. */
  token?: string;
  /** Where the built page lives (default: found beside the bundle). */
  assetsDir?: string;
  /** Told about requests that failed with an unexpected error (the CLI logs them). */
  onError?: (error: unknown) => void;
  /** A project.yml refusal as the CLI reports it (see ExplainLoadError). */
  explainLoadError?: ExplainLoadError;
}

export interface UiServer {
  /** The URL to open, with the access token in its fragment. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const token = options.token ?? createAccessToken();
  const backend = new ProjectBackend({
    id: '',
    projectDir: options.projectDir,
    workspaceDir: options.workspaceDir,
    stage: options.stage,
    secretsDir: options.secretsDir,
    varTokens: options.varTokens,
    runFlags: options.runFlags,
    envs: options.envs,
    handoffEntry: options.handoffEntry,
    readOnly: options.readOnly,
    localRuns: options.allowRuns ? true : undefined,
    allowRunsHint: 'start `handoff ui --allow-runs` to run locally from here',
    cloud: false,
    onError: options.onError,
    explainLoadError: options.explainLoadError,
  });
  const pages = createPageServer({ assetsDir: options.assetsDir, mode: 'local' });
  let port = 0;
  const mask = (text: string): string => backend.mask(text);

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const match = matchRoute(PROJECT_ROUTES, req.method ?? 'GET', decodePathSegments(url.pathname).slice(1));
    if (!match.route) throw new HttpError(match.methodNotAllowed ? 405 : 404, match.methodNotAllowed ? 'method not allowed here' : 'no such endpoint');
    const body = isMutating(req.method) ? await readActionBody(req) : {};
    await serveProjectRoute(backend, { req, res, url, route: match.route, params: match.params, body });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    try {
      const url = parseRequestTarget(req.url);
      const isApi = url.pathname.startsWith('/api/');
      const queryToken = url.pathname === '/api/events' ? url.searchParams.get(TOKEN_QUERY) : null;
      const access = isApi ? decideAccess({ headers: req.headers, mutating: isMutating(req.method), queryToken }, token, port) : checkHost(req.headers, port);
      if (access && !access.ok) {
        if (isApi) return sendJson(res, access.status, { message: access.reason });
        return pages.refuse(res, access.status, access.reason, 'Open the full URL that <code>handoff ui</code> printed in the terminal: it carries the access token.');
      }
      if (isApi) await handleApi(req, res, url);
      else pages.serve(req, res, url);
    } catch (error) {
      sendFailure(res, error, options.onError, mask);
    }
  };

  const server = http.createServer((req, res) => {
    // Last resort: whatever escapes the handler ends this request, never the server.
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error);
      res.destroy();
    });
  });
  limitSlowClients(server);
  await listen(server, options.port ?? 0, '127.0.0.1');
  port = (server.address() as AddressInfo).port;
  backend.start();

  return {
    url: formatPageUrl(port, token),
    port,
    token,
    async close() {
      await backend.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Listens, turning the usual failures (port taken, not allowed) into errors that say what to do. */
export function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') {
        reject(new UserError(`port ${port} on ${host} is in use`, { fix: 'choose another --port, or leave --port out to get a free one' }));
      } else if (error.code === 'EACCES') {
        reject(new UserError(`not allowed to listen on port ${port}`, { fix: 'use a port above 1023, or leave --port out' }));
      } else if (error.code === 'EADDRNOTAVAIL') {
        reject(new UserError(`${host} is not an address of this machine`, { fix: 'listen on 127.0.0.1, 0.0.0.0, or one of this machine\'s addresses' }));
      } else reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
