// The page's static files (dist/ui/app.js and app.css, built by scripts/build.mjs) and the HTML shell that loads them.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { HttpError, PAGE_CSP, REFUSED_PAGE_CSP } from './http-basics.js';

export interface WebAsset {
  body: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Finds the built page: beside the CLI bundle (dist/handoff.js → dist/ui/), beside a chunk (dist/chunks/ → dist/ui/),
 * or, when running from the sources (tests), in the repository's dist/ui/.
 */
export function findWebAssetsDir(start = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (let depth = 0; depth < 6; depth++) {
    for (const candidate of [path.join(dir, 'ui'), path.join(dir, 'dist', 'ui')]) {
      if (fs.existsSync(path.join(candidate, 'app.js'))) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new UserError('the web UI is not built (dist/ui/app.js is missing)', { fix: 'run `npm run build` in the handoff folder' });
}

/** The tab icon: two boxes joined by a pipe, in the page's accent colour. */
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="1" y="9" width="11" height="14" rx="3" fill="#2563eb"/><rect x="20" y="9" width="11" height="14" rx="3" fill="#2563eb"/><path d="M12 16h8" stroke="#2563eb" stroke-width="3"/></svg>`;

/** Reads the page's files once: they do not change while the server runs, and the set is small (two files and maps). */
export function loadWebAssets(dir: string): Map<string, WebAsset> {
  const assets = new Map<string, WebAsset>([['favicon.svg', { body: Buffer.from(FAVICON_SVG), contentType: CONTENT_TYPES['.svg'] }]]);
  for (const name of fs.readdirSync(dir)) {
    const type = CONTENT_TYPES[path.extname(name)];
    if (type) assets.set(name, { body: fs.readFileSync(path.join(dir, name)), contentType: type });
  }
  return assets;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The HTML shell: no data and no token, so it may be served to any request that names this host. The page reads the
 * token from the URL's fragment (or its origin's storage) and asks the API for everything it shows.
 */
export function renderPageHtml(input: { assetVersion: string; mode: PageMode }): string {
  const v = encodeURIComponent(input.assetVersion);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>handoff</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css?v=${v}">
<script type="module" src="/assets/app.js?v=${v}"></script>
</head>
<body data-mode="${input.mode}">
<div id="app"><p class="boot">Loading…</p></div>
</body>
</html>
`;
}

/**
 * A page for refused requests: says how to get in without echoing anything from the request. `howToGetIn` is fixed
 * HTML of the server's own, never text from the request.
 */
export function renderRefusedHtml(status: number, reason: string, howToGetIn: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>handoff UI: ${status}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem; max-width: 40rem">
<h1>${status === 401 ? 'Access token needed' : 'Access refused'}</h1>
<p>${escapeHtml(reason)}.</p>
<p>${howToGetIn}</p>
</body></html>
`;
}

/** `local`: the one-person UI (token in the URL); `team`: the team server (login page, many projects). */
export type PageMode = 'local' | 'team';

export interface PageServer {
  /** The HTML shell at `/` and the files under `/assets/`; a shell without data, so anyone who names this host gets it. */
  serve(req: IncomingMessage, res: ServerResponse, url: URL): void;
  refuse(res: ServerResponse, status: number, reason: string, howToGetIn: string): void;
}

export function createPageServer(options: { assetsDir?: string; mode: PageMode }): PageServer {
  const assets = loadWebAssets(options.assetsDir ?? findWebAssetsDir());
  const assetVersion = String(assets.get('app.js')?.body.length ?? 0);
  const html = renderPageHtml({ assetVersion, mode: options.mode });
  return {
    serve(req, res, url) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET');
      if (url.pathname === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'no-store' });
        res.end(html);
        return;
      }
      const asset = url.pathname.startsWith('/assets/') ? assets.get(url.pathname.slice('/assets/'.length)) : undefined;
      if (!asset) throw new HttpError(404, 'not found');
      res.writeHead(200, { 'Content-Type': asset.contentType, 'Cache-Control': 'private, max-age=3600' });
      res.end(asset.body);
    },
    refuse(res, status, reason, howToGetIn) {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': REFUSED_PAGE_CSP, 'Cache-Control': 'no-store' });
      res.end(renderRefusedHtml(status, reason, howToGetIn));
    },
  };
}
