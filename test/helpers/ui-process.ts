// Test helpers for `handoff ui` and `handoff ui serve`: start the real server as a subprocess, call its API with the
// token or a signed-in session, read its event stream, send raw requests, and watch its memory in /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { writeAccounts, type Account } from '../../src/ui/accounts/account-file.js';
import { hashPassword } from '../../src/ui/accounts/password-hash.js';
import type { Role } from '../../src/ui/accounts/roles.js';
import type { AuditEntry, UiEvent } from '../../src/ui/api-types.js';
import { cliPath, makeTempDir } from './cli.js';

export interface UiProcess {
  child: ChildProcess;
  /** The URL `handoff ui` printed (the token is in its fragment). */
  url: string;
  /** `http://127.0.0.1:<port>` */
  base: string;
  port: number;
  token: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: UiProcess[] = [];

/** The URL line `handoff ui` prints: `handoff UI: http://127.0.0.1:<port>/#token=<token>`. */
export const PRINTED_URL = /http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]+)/;

/** Starts `handoff ui <args>` with a HANDOFF_HOME of its own (the schedules API reads the local scheduler's state). */
export function startUi(args: string[], env: NodeJS.ProcessEnv = {}): Promise<UiProcess> {
  const child = spawn(process.execPath, [cliPath, 'ui', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HANDOFF_HOME: makeTempDir('handoff-home-'), ...env },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const wasFound = PRINTED_URL.test(out);
      out += d.toString();
      const match = PRINTED_URL.exec(out);
      if (!match || wasFound) return;
      const ui: UiProcess = { child, url: match[0], base: `http://127.0.0.1:${match[1]}`, port: Number(match[1]), token: match[2], stdout: () => out, stderr: () => err, exited };
      started.push(ui);
      resolve(ui);
    });
    child.on('exit', (code) => reject(new Error(`handoff ui exited with ${code}: ${err}`)));
  });
}

/** SIGKILLs every UI server these helpers started that is still running (for afterAll). */
export function stopUis(): void {
  for (const ui of started.splice(0)) {
    if (ui.child.exitCode === null && ui.child.signalCode === null) ui.child.kill('SIGKILL');
  }
}

/** The header that carries the access token on API calls. */
export function authHeader(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** fetch() against the server with the token header, unless `noToken`; redirects are not followed. */
export function callUi(ui: UiProcess, pathname: string, init: RequestInit & { noToken?: boolean } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!init.noToken) for (const [name, value] of Object.entries(authHeader(ui.token))) headers.set(name, value);
  return fetch(`${ui.base}${pathname}`, { ...init, headers, redirect: 'manual' });
}

/** The events stream's URL (EventSource cannot send headers, so the token goes in the query). */
export function eventsPath(ui: UiProcess): string {
  return `/api/events?token=${ui.token}`;
}

export interface EventReader {
  events: UiEvent[];
  raw: () => string;
  close(): void;
}

/** Reads the SSE stream into a list of events until closed. */
export function openEvents(ui: UiProcess): EventReader {
  return readEventStream(ui, '/api/events', authHeader(ui.token));
}

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  head: string;
  body: string;
}

/** Sends `request` as it is (bytes fetch would refuse to send) and reads the answer until the server closes (or, for an event stream, its head). */
export function sendRaw(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // An event stream does not end: its head is the answer.
      if (/^content-type: text\/event-stream/im.test(Buffer.concat(chunks).toString('latin1').split('\r\n\r\n')[0])) {
        socket.destroy();
        finish();
      }
    });
    const finish = (): void => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = (split >= 0 ? all.subarray(0, split) : all).toString('latin1');
      let body: Buffer = split >= 0 ? all.subarray(split + 4) : Buffer.alloc(0);
      if (/^transfer-encoding: chunked/im.test(head)) body = dechunk(body);
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), head, body: body.toString('utf8') });
    };
    socket.on('end', finish);
    // A server that refuses a request may close before it has all of it (a body too large): what came back counts.
    socket.on('error', (error) => (['ECONNRESET', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '') ? finish() : reject(error)));
  });
}

/** The body of a `Transfer-Encoding: chunked` answer, without its chunk sizes. */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Resident memory of a process in KiB: now (VmRSS) and its peak so far (VmHWM). */
export function memoryOf(pid: number): { rssKb: number; peakKb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]), peakKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// --- the team server (`handoff ui serve`) ---------------------------------------------------------------------------

/** The URL line `handoff ui serve` prints: `handoff UI server: http(s)://127.0.0.1:<port>/` (with `#token=` in token mode). */
export const PRINTED_SERVER_URL = /handoff UI server: (https?):\/\/127\.0\.0\.1:(\d+)\/(?:#token=([\w-]+))?/;

export interface TeamUiProcess extends UiProcess {
  /** Empty unless the server runs in token mode (no accounts). */
  token: string;
}

/** Starts `handoff ui serve <args>` with a HANDOFF_HOME of its own unless `env` names one. */
export function startTeamUi(args: string[], env: NodeJS.ProcessEnv = {}): Promise<TeamUiProcess> {
  const child = spawn(process.execPath, [cliPath, 'ui', 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HANDOFF_HOME: makeTempDir('handoff-home-'), HANDOFF_GRACE_SECONDS: '1', ...env },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const wasFound = PRINTED_SERVER_URL.test(out);
      out += d.toString();
      const match = PRINTED_SERVER_URL.exec(out);
      if (!match || wasFound) return;
      const ui: TeamUiProcess = { child, url: match[0].slice('handoff UI server: '.length), base: `${match[1]}://127.0.0.1:${match[2]}`, port: Number(match[2]), token: match[3] ?? '', stdout: () => out, stderr: () => err, exited };
      started.push(ui);
      resolve(ui);
    });
    child.on('exit', (code) => reject(new Error(`handoff ui serve exited with ${code}: ${err}`)));
  });
}

/** A signed-in client of the team server: its session cookie and CSRF token, sent as the page sends them. */
export interface TeamClient {
  user: string;
  cookie: string;
  csrf: string;
  /** fetch() with the cookie, and the CSRF token on state-changing requests unless `noCsrf`. */
  call(pathname: string, init?: RequestInit & { noCsrf?: boolean; json?: unknown }): Promise<Response>;
}

/** The `name=value` of a Set-Cookie header. */
export function cookieOf(response: Response): string | undefined {
  return response.headers.get('set-cookie')?.split(';')[0];
}

/** Calls the team server without credentials (or with the headers given). */
export function callTeam(ui: UiProcess, pathname: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  return fetch(`${ui.base}${pathname}`, { ...init, headers, body, redirect: 'manual' });
}

export async function signIn(ui: UiProcess, user: string, password: string): Promise<TeamClient> {
  const response = await callTeam(ui, '/api/login', { method: 'POST', json: { user, password } });
  if (response.status !== 200) throw new Error(`login of ${user} answered ${response.status}: ${await response.text()}`);
  const session = (await response.json()) as { csrfToken: string };
  const cookie = cookieOf(response)!;
  return {
    user,
    cookie,
    csrf: session.csrfToken,
    call(pathname, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('cookie', cookie);
      const mutating = init.method !== undefined && init.method !== 'GET' && init.method !== 'HEAD';
      if (mutating && !init.noCsrf) headers.set('x-csrf-token', session.csrfToken);
      return callTeam(ui, pathname, { ...init, headers });
    },
  };
}

/** Reads an SSE stream of the team server (with a cookie or other headers) into events until closed. */
export function openTeamEvents(ui: UiProcess, pathname: string, headers: Record<string, string>): EventReader & { status: Promise<number>; ended: Promise<void> } {
  return readEventStream(ui, pathname, headers);
}

/** Reads an event stream into a list of events until closed: its status when it answers, and when it ends. */
function readEventStream(ui: UiProcess, pathname: string, headers: Record<string, string>): EventReader & { status: Promise<number>; ended: Promise<void> } {
  const events: UiEvent[] = [];
  let raw = '';
  const abort = new AbortController();
  let resolveStatus: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  const ended = (async () => {
    const response = await fetch(`${ui.base}${pathname}`, { headers, signal: abort.signal });
    resolveStatus(response.status);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      raw += text;
      buffer += text;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (data) events.push(JSON.parse(data.slice(6)) as UiEvent);
      }
    }
  })().catch(() => resolveStatus(0));
  return { events, raw: () => raw, close: () => abort.abort(), status, ended };
}

/** Accounts with a low scrypt cost (the cost is stored in each hash), so tests that sign in many times stay quick. */
export async function writeTestAccounts(file: string, users: Array<{ name: string; role: Role; password: string }>): Promise<void> {
  const accounts: Account[] = [];
  for (const u of users) accounts.push({ name: u.name, role: u.role, password: await hashPassword(u.password, { N: 1024, r: 8, p: 1 }), created: '2026-01-05T09:00:00.000Z', changed: '2026-01-05T09:00:00.000Z' });
  writeAccounts(file, accounts);
}

/** The audit log's lines. */
/** The operator and the viewer of the cloud-run tests, signed in to a team server over one project. */
export interface CloudTeamUi {
  ui: TeamUiProcess;
  otto: TeamClient;
  vic: TeamClient;
}

/**
 * A team server over the project folder `<root>/orders` (id `orders`, workspace `<root>/ws`, its provider from
 * project.yml), with accounts otto (operator) and vic (viewer) signed in, and the audit log `<root>/audit.jsonl`.
 */
export async function startCloudTeamUi(root: string, env: NodeJS.ProcessEnv): Promise<CloudTeamUi> {
  await writeTestAccounts(path.join(root, 'users.json'), [
    { name: 'otto', role: 'operator', password: 'otto operator passphrase' },
    { name: 'vic', role: 'viewer', password: 'vic viewer passphrase' },
  ]);
  fs.writeFileSync(path.join(root, 'ui.yml'), `listen: 127.0.0.1:0\nusers: users.json\naudit_log: audit.jsonl\nprojects:\n  - {id: orders, project: orders, workspace: ws}\n`);
  const ui = await startTeamUi(['--config', path.join(root, 'ui.yml')], env);
  return { ui, otto: await signIn(ui, 'otto', 'otto operator passphrase'), vic: await signIn(ui, 'vic', 'vic viewer passphrase') };
}

/** GET as a signed-in client, which must answer 200, as parsed JSON. */
export async function readJsonAs<T>(client: TeamClient, pathname: string): Promise<T> {
  const response = await client.call(pathname);
  if (response.status !== 200) throw new Error(`${pathname} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export function readAuditFile(file: string): AuditEntry[] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
}

/** Runs `handoff <args>` with `input` on its standard input (a password for `ui user`, never an argument). */
export function runCliWithInput(args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Waits until an asynchronous check (an API call) holds. */
export async function waitForAnswer(check: () => Promise<boolean>, timeoutMs = 20_000, stepMs = 100): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

// --- headless Chromium (Debian's chromium driven by playwright-core) -------------------------------------------------

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// --- a team server's worth of history (the load test and the ui-load benchmark) ------------------------------------

/**
 * Writes `count` run records into `runsDir`, copies of `template` (a real run's record) with their own ids and start
 * times one hour apart, newest last, as months of hourly runs would leave them. Every tenth failed.
 */
export function writeRunCopies(runsDir: string, template: Record<string, unknown>, count: number, start = Date.parse('2025-01-01T00:00:00Z')): string[] {
  fs.mkdirSync(runsDir, { recursive: true });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const startedAt = new Date(start + i * 3_600_000);
    const runId = `${startedAt.toISOString().replace(/[-:]/g, '')}-${(i % 65536).toString(16).padStart(4, '0')}`;
    const failed = i % 10 === 9;
    const record = {
      ...template,
      runId,
      startedAt: startedAt.toISOString(),
      heartbeatAt: startedAt.toISOString(),
      endedAt: new Date(startedAt.getTime() + 1000 + (i % 7) * 250).toISOString(),
      durationMs: 1000 + (i % 7) * 250,
      status: failed ? 'failed' : 'succeeded',
      exitCode: failed ? 1 : 0,
      ...(failed ? { reason: 'task load: sh exited with code 1' } : {}),
    };
    fs.writeFileSync(path.join(runsDir, `${runId}.json`), JSON.stringify(record));
    ids.push(runId);
  }
  return ids;
}
