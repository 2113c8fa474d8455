// Hostile requests to the web UI server: malformed URLs, prototype keys, paths out of the workspace, odd Host and
// Origin headers, oversized bodies, and a fast-check fuzz of every route. Client errors are 4xx, never a 500 or a crash.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, sleep, waitFor } from '../helpers/cli.js';
import { authHeader, callUi, isAlive, memoryOf, openEvents, sendRaw, startUi, stopUis, type RawAnswer, type UiProcess } from '../helpers/ui-process.js';

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];

/** What the server log must never show for a client's mistake: a stack trace or "UI request failed". */
function expectNoStack(ui: UiProcess): void {
  expect(ui.stderr()).not.toContain('UI request failed');
  expect(ui.stderr()).not.toMatch(/^\s+at /m);
}

function rawRequest(ui: UiProcess, method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<RawAnswer> {
  const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries({ host: `127.0.0.1:${ui.port}`, ...headers }).map(([k, v]) => `${k}: ${v}`), 'connection: close'];
  if (body) lines.push(`content-length: ${Buffer.byteLength(body)}`);
  return sendRaw(ui.port, `${lines.join('\r\n')}\r\n\r\n${body}`);
}

let projectDir: string;
let workspaceDir: string;
let runId: string;
let stderrStream: string;
let ui: UiProcess;

beforeAll(async () => {
  ({ projectDir, workspaceDir } = makeProject("tasks:\n- name: talk\n  commands:\n  - command: sh\n    args: -c 'echo said >&2'\n"));
  const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
  expect(r.code, r.stderr).toBe(0);
  runId = fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => f.endsWith('.json'))!.slice(0, -5);
  ui = await startUi(['-p', projectDir, '-w', workspaceDir, '--read-only']);
  stderrStream = Object.keys(((await (await callUi(ui, `/api/runs/${runId}`)).json()) as any).record.logs.stderr)[0];
});

afterAll(stopUis);

describe('malformed requests', () => {
  it('a request target the URL parser rejects ("GET http://[ HTTP/1.1") answers 400 and the server lives on', async () => {
    for (const target of ['http://[', 'http://[::', 'http://a:b@[x]/api/runs']) {
      const answer = await rawRequest(ui, 'GET', target, authHeader(ui.token));
      expect(answer.status, target).toBe(400);
    }
    expect(isAlive(ui.child.pid!)).toBe(true);
    expect((await callUi(ui, '/api/overview')).status).toBe(200);
    expectNoStack(ui);
  });

  it('malformed percent-encoding in a path answers 400 with a message, and no stack in the server log', async () => {
    for (const pathname of ['/api/runs/%E0%A4%A', '/api/runs/%', '/api/runs/%ZZ/log', '/api/%C0%AF']) {
      const response = await callUi(ui, pathname);
      expect(response.status, pathname).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain('malformed');
    }
    expectNoStack(ui);
  });

  it('prototype keys as a log stream, a run id or a route answer 404, and never reach Object.prototype', async () => {
    for (const key of PROTOTYPE_KEYS) {
      for (const pathname of [`/api/runs/${runId}/log?stream=${key}`, `/api/runs/${key}`, `/api/runs/${key}/log`, `/api/${key}`, `/assets/${key}`]) {
        const response = await callUi(ui, pathname);
        expect(response.status, pathname).toBe(404);
        expect(((await response.json()) as { message: string }).message).toEqual(expect.any(String));
      }
    }
    // The real stream is still there.
    expect((await callUi(ui, `/api/runs/${runId}/log?stream=${encodeURIComponent(stderrStream)}`)).status).toBe(200);
    expectNoStack(ui);
  });
});

describe('paths out of the workspace', () => {
  it('a record whose log path leaves the workspace, or a log that is a symlink out of it, is not read', async () => {
    const { projectDir: p, workspaceDir: w } = makeProject("tasks:\n- name: talk\n  commands:\n  - command: sh\n    args: -c 'echo said >&2'\n");
    expect((await runCli(['run', 'local', '-p', p, '-w', w])).code).toBe(0);
    const [file] = fs.readdirSync(path.join(w, 'runs')).filter((f) => f.endsWith('.json'));
    const id = file.slice(0, -5);
    const record = JSON.parse(fs.readFileSync(path.join(w, 'runs', file), 'utf8'));
    // A hand-edited record, and a log file replaced by a symlink (a command may write anything in the workspace).
    record.logs.stderr = { ...record.logs.stderr, climb: '../../../../../../etc/passwd', absolute: '/etc/passwd' };
    fs.writeFileSync(path.join(w, 'runs', file), JSON.stringify(record));
    const consoleLog = path.join(w, record.logs.console);
    fs.rmSync(consoleLog);
    fs.symlinkSync('/etc/passwd', consoleLog);
    const other = await startUi(['-p', p, '-w', w, '--read-only']);
    for (const stream of ['climb', 'absolute', 'console']) {
      const response = await callUi(other, `/api/runs/${id}/log?stream=${stream}`);
      expect(response.status, stream).toBe(404);
      expect(await response.text()).not.toContain('root:');
    }
    for (const pathname of [`/api/runs/..%2F..%2Fetc%2Fpasswd`, `/api/runs/${id}/log?stream=..%2F..%2F..%2Fetc%2Fpasswd`, '/assets/..%2F..%2Fpackage.json', '/assets/%2e%2e/%2e%2e/package.json']) {
      const response = await callUi(other, pathname);
      expect(response.status, pathname).toBe(404);
    }
    const raw = await rawRequest(other, 'GET', '/assets/../../../../etc/passwd', authHeader(other.token));
    expect(raw.status).toBe(404);
    expect(raw.body).not.toContain('root:');
    expectNoStack(other);
  });

  it('a run that appears with its console log a symlink out of the workspace streams nothing of that file', async () => {
    const { projectDir: p, workspaceDir: w } = makeProject("tasks:\n- name: talk\n  commands:\n  - command: sh\n    args: -c 'echo said >&2'\n");
    const other = await startUi(['-p', p, '-w', w, '--read-only']);
    const events = openEvents(other);
    await waitFor(() => events.raw().includes('retry:'));
    // The run is made elsewhere and moved in whole, its log already a symlink: the server sees a finished run, whose
    // log it would stream from the start.
    const elsewhere = path.join(path.dirname(w), 'elsewhere');
    expect((await runCli(['run', 'local', '-p', p, '-w', elsewhere])).code).toBe(0);
    const [file] = fs.readdirSync(path.join(elsewhere, 'runs')).filter((f) => f.endsWith('.json'));
    const id = file.slice(0, -5);
    fs.rmSync(path.join(elsewhere, 'runs', id, 'console.log'));
    fs.symlinkSync('/etc/passwd', path.join(elsewhere, 'runs', id, 'console.log'));
    fs.mkdirSync(path.join(w, 'runs'), { recursive: true });
    fs.renameSync(path.join(elsewhere, 'runs', id), path.join(w, 'runs', id));
    fs.renameSync(path.join(elsewhere, 'runs', file), path.join(w, 'runs', file));
    await waitFor(() => events.events.some((e) => e.type === 'run' && e.run.runId === id));
    // Its log would have been read within a few tail ticks.
    await sleep(1500);
    events.close();
    // Nothing of the console log; its stderr logs (files inside the workspace) stream as any run's do.
    expect(events.events.filter((e) => e.type === 'log' && (e as { stream?: string }).stream === 'console')).toEqual([]);
    expect(events.raw()).not.toContain('root:');
  });
});

describe('Host and Origin', () => {
  it('refuses every Host but 127.0.0.1 and localhost on its port, and a POST from any other origin, before the token is looked at', async () => {
    const hosts = ['evil.example', `evil.example:${ui.port}`, `127.0.0.1:${ui.port}.evil.example`, `127.0.0.1.nip.io:${ui.port}`, `127.0.0.1:${ui.port + 1}`, '127.0.0.1', `0.0.0.0:${ui.port}`, `127.1:${ui.port}`, `[::ffff:127.0.0.1]:${ui.port}`];
    for (const host of hosts) {
      const answer = await rawRequest(ui, 'GET', '/api/overview', { ...authHeader(ui.token), host });
      expect(answer.status, host).toBe(403);
    }
    for (const origin of ['null', 'http://evil.example', `https://127.0.0.1:${ui.port}`, `http://127.0.0.1:${ui.port + 1}`, `http://127.0.0.1:${ui.port}.evil.example`]) {
      const answer = await rawRequest(ui, 'POST', '/api/runs', { ...authHeader(ui.token), origin });
      expect(answer.status, origin).toBe(403);
    }
  });
});

describe('oversized requests', () => {
  it('a POST that declares a 1 GB body is answered 413 at once, before any of it is sent', async () => {
    const answer = await sendRaw(ui.port, `POST /api/runs HTTP/1.1\r\nhost: 127.0.0.1:${ui.port}\r\nauthorization: Bearer ${ui.token}\r\ncontent-length: 1000000000\r\n\r\n`);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).message).toContain('larger than 16384 bytes');
  });

  it('64 MB sent to "Run now" is refused (413, or a reset while it is still being sent), starts nothing and is not held in memory', async () => {
    const { projectDir: p, workspaceDir: w } = makeProject('tasks:\n- name: t\n  commands:\n  - command: "true"\n');
    const writable = await startUi(['-p', p, '-w', w]);
    const before = memoryOf(writable.child.pid!).rssKb;
    const body = Buffer.alloc(64 * 1024 * 1024, 'x').toString();
    for (const framing of [{ 'content-type': 'application/json' }, { 'transfer-encoding': 'chunked' }]) {
      const payload = 'transfer-encoding' in framing ? `${(body.length).toString(16)}\r\n${body}\r\n0\r\n\r\n` : body;
      const lines = [`POST /api/runs HTTP/1.1`, `host: 127.0.0.1:${writable.port}`, `authorization: Bearer ${writable.token}`, ...Object.entries(framing).map(([k, v]) => `${k}: ${v}`)];
      if (!('transfer-encoding' in framing)) lines.push(`content-length: ${body.length}`);
      const answer = await sendRaw(writable.port, `${lines.join('\r\n')}\r\n\r\n${payload}`);
      expect([0, 413]).toContain(answer.status);
    }
    expect(memoryOf(writable.child.pid!).peakKb - before).toBeLessThan(32 * 1024);
    expect(fs.existsSync(path.join(w, 'runs'))).toBe(false);
    expect((await callUi(writable, '/api/overview')).status).toBe(200);
    expectNoStack(writable);
  });

  it('a 200 KB request header is refused with 431 by the HTTP parser', async () => {
    const answer = await rawRequest(ui, 'GET', '/api/overview', { ...authHeader(ui.token), 'x-filler': 'y'.repeat(200 * 1024) });
    expect(answer.status).toBe(431);
    expect(isAlive(ui.child.pid!)).toBe(true);
  });
});

describe('fuzz', () => {
  it('any method, path, query, Host and token on every route answers with a status below 500, and the server never logs a stack', async () => {
    const nasty = fc.constantFrom(...PROTOTYPE_KEYS, '', '.', '..', '%', '%E0%A4%A', '%00', '%2F', '%2e%2e%2f', '%C0%AF', '-1', '1e309', 'NaN', '0x10', '9'.repeat(40), 'latest', 'last', runId, runId.slice(0, 9), stderrStream, 'console', '\u00e9', '\u{1F642}');
    const text = fc.oneof(nasty, fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }));
    // Percent-encoded when fetch would have to: the server sees exactly what a client could send.
    const part = fc.tuple(text, fc.boolean()).map(([t, raw]) => (raw && /^[\x21-\x7e]*$/.test(t) && !/[?#]/.test(t) ? t : encodeURIComponent(t)));
    const query = fc
      .array(fc.tuple(fc.oneof(fc.constantFrom('stream', 'offset', 'tail', 'limit', 'token', ...PROTOTYPE_KEYS), part), part), { maxLength: 4 })
      .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
    const target = fc.oneof(
      fc.tuple(fc.constantFrom('/', '/api/overview', '/api/project', '/api/schedules', '/api/run-points', '/api/runs', '/assets/app.js', '/assets/favicon.svg'), query).map(([p, q]) => p + q),
      fc.tuple(part, query).map(([s, q]) => `/api/runs/${s}${q}`),
      fc.tuple(part, query).map(([s, q]) => `/api/runs/${s}/log${q}`),
      fc.tuple(query).map(([q]) => `/api/runs/${runId}/log${q}`),
      fc.tuple(part, part, query).map(([a, b, q]) => `/api/${a}/${b}${q}`),
      fc.tuple(part).map(([s]) => `/assets/${s}`),
      fc.tuple(query).map(([q]) => `/api/events${q}`),
      fc.tuple(part, query).map(([s, q]) => `/${s}${q}`),
    );
    const method = fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND');
    const token = fc.constantFrom('good', 'good', 'good', 'none', 'wrong');
    const host = fc.constantFrom('ours', 'ours', 'ours', 'localhost', 'evil');

    await fc.assert(
      fc.asyncProperty(method, target, token, host, async (m, t, tok, h) => {
        const headers: Record<string, string> = {};
        if (tok === 'good') Object.assign(headers, authHeader(ui.token));
        if (tok === 'wrong') Object.assign(headers, authHeader('x'.repeat(ui.token.length)));
        headers.host = h === 'ours' ? `127.0.0.1:${ui.port}` : h === 'localhost' ? `localhost:${ui.port}` : 'evil.example';
        const answer = await rawRequest(ui, m, t, headers);
        expect(answer.status, `${m} ${t}`).toBeGreaterThanOrEqual(200);
        expect(answer.status, `${m} ${t}: ${answer.body.slice(0, 200)}`).toBeLessThan(500);
        if (h === 'evil') expect(answer.status).toBe(403);
        if (/content-type: application\/json/i.test(answer.head) && m !== 'HEAD') expect(() => JSON.parse(answer.body)).not.toThrow();
        expect(isAlive(ui.child.pid!)).toBe(true);
      }),
      { numRuns: 600 },
    );
    expectNoStack(ui);
  });
});
