// The web UI server without a browser: the access token, the JSON API, SSE events, starting runs, no secrets.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalSecrets } from '../src/secrets/local-secrets.js';
import type { UiEvent } from '../src/ui/api-types.js';
import { makeProject, makeTempDir, repoRoot, runCli, waitFor } from './helpers/cli.js';
import { authHeader, callUi as call, isAlive, openEvents, sendRaw, startUi, stopUis, waitForAnswer, type UiProcess } from './helpers/ui-process.js';

afterAll(stopUis);

async function json<T = any>(ui: UiProcess, pathname: string): Promise<T> {
  const response = await call(ui, pathname);
  expect(response.status, pathname).toBe(200);
  return (await response.json()) as T;
}

/** A raw GET, for headers fetch will not let us set (Host). */
async function rawGet(ui: UiProcess, pathname: string, headers: Record<string, string>): Promise<number> {
  const lines = [`GET ${pathname} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'connection: close'];
  return (await sendRaw(ui.port, `${lines.join('\r\n')}\r\n\r\n`)).status;
}

function pgidOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function readRecord(workspaceDir: string, runId: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', `${runId}.json`), 'utf8'));
}

describe('access', () => {
  let ui: UiProcess;
  beforeAll(async () => {
    ui = await startUi(['-p', path.join(repoRoot, 'examples', 'word-count'), '-w', makeTempDir()]);
  });

  it('prints the URL with the token in its fragment, which no request ever carries', () => {
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/#token=${ui.token}`);
    expect(ui.token).toMatch(/^[\w-]{32}$/);
  });

  it('refuses every API request without the token (401) or with a wrong one (403), and says how to get in', async () => {
    for (const pathname of ['/api/overview', '/api/project', '/api/runs', '/api/run-points', '/api/schedules', '/api/events']) {
      expect((await call(ui, pathname, { noToken: true })).status, pathname).toBe(401);
      expect((await call(ui, pathname, { noToken: true, headers: authHeader('x'.repeat(32)) })).status, pathname).toBe(403);
    }
    const body = (await (await call(ui, '/api/overview', { noToken: true })).json()) as { message: string };
    expect(body.message).toContain('URL that `handoff ui` printed');
  });

  it('takes the token as a Bearer header, and in the query only for the event stream (EventSource cannot send headers)', async () => {
    expect((await call(ui, '/api/overview')).status).toBe(200);
    expect((await call(ui, `/api/overview?token=${ui.token}`, { noToken: true })).status).toBe(401);
    const events = await call(ui, `/api/events?token=${ui.token}`, { noToken: true });
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    await events.body?.cancel();
    expect((await call(ui, '/api/events?token=wrong', { noToken: true })).status).toBe(403);
  });

  it('serves the page as a shell without data or token, and sets no cookie anywhere', async () => {
    const page = await call(ui, '/', { noToken: true });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('set-cookie')).toBeNull();
    const html = await page.text();
    expect(html).toContain('/assets/app.js');
    expect(html).not.toContain(ui.token);
    expect(html).not.toContain('word-count');
    const script = await call(ui, '/assets/app.js', { noToken: true });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    for (const pathname of ['/api/overview', '/api/runs', `/?token=${ui.token}`]) expect((await call(ui, pathname)).headers.get('set-cookie'), pathname).toBeNull();
  });

  it('answers only to loopback host names (no DNS rebinding) and refuses a POST that carries the token anywhere but the header, or comes from another site', async () => {
    expect(await rawGet(ui, '/api/overview', { host: `127.0.0.1:${ui.port}`, ...authHeader(ui.token) })).toBe(200);
    expect(await rawGet(ui, '/api/overview', { host: `localhost:${ui.port}`, ...authHeader(ui.token) })).toBe(200);
    expect(await rawGet(ui, '/api/overview', { host: `evil.example:${ui.port}`, ...authHeader(ui.token) })).toBe(403);
    expect(await rawGet(ui, '/', { host: `evil.example:${ui.port}` })).toBe(403);
    expect(await rawGet(ui, '/assets/app.js', { host: `evil.example:${ui.port}` })).toBe(403);

    expect((await call(ui, '/api/runs', { method: 'POST', noToken: true, headers: { cookie: `handoff_ui_${ui.port}=${ui.token}` } })).status).toBe(401);
    expect((await call(ui, `/api/runs?token=${ui.token}`, { method: 'POST', noToken: true })).status).toBe(401);
    expect((await call(ui, '/api/runs', { method: 'POST', headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await call(ui, '/api/runs', { method: 'POST', headers: authHeader('wrong'), noToken: true })).status).toBe(403);
  });

  it('listens on 127.0.0.1 only', async () => {
    const { port } = ui;
    const listening = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').filter((l) => l.includes(`:${Number(port).toString(16).toUpperCase().padStart(4, '0')} `) && / 0A /.test(l));
    expect(listening).toHaveLength(1);
    expect(listening[0]).toContain('0100007F:');
  });

  it('stops cleanly on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const other = await startUi(['-p', path.join(repoRoot, 'examples', 'word-count'), '-w', makeTempDir()]);
      other.child.kill(signal);
      expect(await other.exited).toEqual({ code: 0, signal: null });
      expect(other.stderr()).toContain(`Received ${signal}: stopping the UI server`);
    }
  });

  it('keeps its token across restarts in a file only its user can read under HANDOFF_HOME, and makes a new one on --new-token', async () => {
    const home = makeTempDir('handoff-home-');
    const args = ['-p', path.join(repoRoot, 'examples', 'word-count'), '-w', makeTempDir()];
    const start = async (extra: string[] = []): Promise<UiProcess> => startUi([...args, ...extra], { HANDOFF_HOME: home });
    const stop = async (one: UiProcess): Promise<void> => {
      one.child.kill('SIGTERM');
      await one.exited;
    };
    const first = await start();
    await stop(first);
    const file = path.join(home, 'ui-token');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(first.token);
    const again = await start();
    expect(again.token).toBe(first.token);
    expect((await call(again, '/api/overview')).status).toBe(200);
    // The token is printed in the URL only: no log line carries it.
    expect(again.stderr()).not.toContain(first.token);
    await stop(again);

    const rotated = await start(['--new-token']);
    expect(rotated.token).not.toBe(first.token);
    expect(rotated.token).toMatch(/^[\w-]{32}$/);
    expect((await call(rotated, '/api/overview', { noToken: true, headers: authHeader(first.token) })).status).toBe(403);
    await waitFor(() => rotated.stderr().includes('new access token'));
    await stop(rotated);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(rotated.token);

    // A token file others could read is no secret any more: it is replaced, with a word why.
    fs.chmodSync(file, 0o644);
    const widened = await start();
    expect(widened.token).not.toBe(rotated.token);
    await waitFor(() => widened.stderr().includes('could be read by other users'));
    await stop(widened);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    // A file that holds no token (cut short, edited) is replaced too.
    fs.writeFileSync(file, 'short\n', { mode: 0o600 });
    const replaced = await start();
    expect(replaced.token).toMatch(/^[\w-]{32}$/);
    await stop(replaced);
  });

  it('says which port is taken', async () => {
    const r = await runCli(['ui', '-p', path.join(repoRoot, 'examples', 'word-count'), '-w', makeTempDir(), '--port', String(ui.port)], { env: { HANDOFF_HOME: makeTempDir('handoff-home-') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`port ${ui.port} on 127.0.0.1 is in use`);
  });
});

describe('secrets', () => {
  const projectDir = path.join(repoRoot, 'examples', 'secrets-stages');
  let workspaceDir: string;
  let ui: UiProcess;
  let secretStrings: string[];

  beforeAll(async () => {
    workspaceDir = makeTempDir();
    const { secrets } = loadLocalSecrets({ projectDir, stage: 'dev' });
    // Whole values, and each line of a multi-line value (the service account JSON), as the masker treats them.
    secretStrings = secrets.flatMap((s) => [s.value, ...s.value.split('\n').map((l) => l.trim()).filter((l) => l.length >= 8 && l.includes('demo-dev'))]);
    expect(secretStrings.length).toBeGreaterThan(4);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(0);
    ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
  });

  it('shows secrets by name and level only', async () => {
    const project = await json(ui, '/api/project');
    expect(project.secrets.map((s: any) => s.key).sort()).toEqual(['API_TOKEN', 'db_password', 'notify_url', 'service_account']);
    expect(project.secrets.find((s: any) => s.key === 'db_password')).toEqual({ key: 'db_password', level: 'resource group', push: true, usedByEnvs: false });
    expect(project.secrets.find((s: any) => s.key === 'API_TOKEN').usedByEnvs).toBe(true);
    expect(JSON.stringify(project.secrets)).not.toContain('value');
  });

  it('never puts a secret value in any page, API response or event', async () => {
    const events = openEvents(ui);
    const texts: Array<[string, string]> = [];
    const get = async (pathname: string): Promise<string> => {
      const response = await call(ui, pathname);
      expect(response.status, pathname).toBe(200);
      const text = await response.text();
      texts.push([pathname, text]);
      return text;
    };
    // A second run while the stream is open, so its events (run, log lines) are checked too.
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code).toBe(0);
    await waitFor(() => events.events.some((e) => e.type === 'run' && e.run.status === 'succeeded') && events.events.some((e) => e.type === 'log'));

    for (const pathname of ['/', '/assets/app.js', '/api/overview', '/api/project', '/api/schedules', '/api/run-points', '/api/runs']) await get(pathname);
    const runs = JSON.parse(await get('/api/runs?limit=200')).runs as Array<{ runId: string }>;
    expect(runs).toHaveLength(2);
    for (const { runId } of runs) {
      const detail = JSON.parse(await get(`/api/runs/${runId}`));
      for (const stream of detail.streams as string[]) {
        await get(`/api/runs/${runId}/log?stream=${encodeURIComponent(stream)}`);
        await get(`/api/runs/${runId}/log?stream=${encodeURIComponent(stream)}&tail=200`);
      }
    }
    events.close();
    texts.push(['events', events.raw()]);
    for (const [where, text] of texts) {
      for (const secret of secretStrings) expect(text.includes(secret), `${where} holds a secret`).toBe(false);
    }
    // The leaky command's stderr reached the log, masked.
    expect(texts.some(([where, text]) => where.includes('/log') && text.includes('Authorization: Bearer ***'))).toBe(true);
  });
});

const GATED_TAP = `#!/bin/sh
echo "INFO tap started" >&2
echo "INFO METRIC: {\\"type\\": \\"counter\\", \\"metric\\": \\"record_count\\", \\"value\\": 7, \\"tags\\": {\\"endpoint\\": \\"things\\"}}" >&2
while [ ! -f artifacts/go ]; do sleep 0.05; done
echo "INFO tap released" >&2
echo '{"type": "STATE", "value": {"bookmarks": {"things": 7}}}'
`;

function gatedProject(deploy = '') {
  return makeProject(
    `tasks:
- name: things
  pipeline:
  - command: sh files/tap.sh
  - command: cat
${deploy}`,
    { 'files/tap.sh': GATED_TAP },
  );
}

describe('starting runs', () => {
  it('starts `run local` as its own process group with trigger ui, streams its events, and the run outlives the server', async () => {
    const { projectDir, workspaceDir } = gatedProject();
    fs.mkdirSync(path.join(workspaceDir, 'artifacts'), { recursive: true });
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const events = openEvents(ui);
    await waitFor(() => events.raw().includes('retry:'));

    const started = await call(ui, '/api/runs', { method: 'POST' });
    expect(started.status).toBe(201);
    const { runId, pid } = (await started.json()) as { runId: string; pid: number };
    expect(readRecord(workspaceDir, runId)).toMatchObject({ status: 'running', trigger: 'ui', pid });
    // Its own process group: Ctrl-C on the terminal of `handoff ui` does not reach it.
    expect(pgidOf(pid)).toBe(pid);
    expect(pgidOf(pid)).not.toBe(pgidOf(ui.child.pid!));

    await waitFor(() => events.events.some((e) => e.type === 'run' && e.change === 'added' && e.run.runId === runId));
    await waitFor(() => events.events.some((e) => e.type === 'log' && e.runId === runId && e.text.includes('tap started')));
    const logEvents = events.events.filter((e): e is Extract<UiEvent, { type: 'log' }> => e.type === 'log' && e.runId === runId);
    // Chunks follow each other byte for byte, so a page can append them without gaps or repeats.
    for (let i = 1; i < logEvents.length; i++) expect(logEvents[i].start).toBe(logEvents[i - 1].end);

    // One run at a time per workspace.
    const second = await call(ui, '/api/runs', { method: 'POST' });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { runId: string }).runId).toBe(runId);

    // The server goes away hard; the run does not.
    events.close();
    ui.child.kill('SIGKILL');
    await ui.exited;
    expect(isAlive(pid)).toBe(true);
    fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'go'), '');
    await waitFor(() => readRecord(workspaceDir, runId).status !== 'running');
    const record = readRecord(workspaceDir, runId);
    expect(record.status).toBe('succeeded');
    expect(record.records).toEqual({ things: 7 });
  });

  it('shows a run whose handoff was killed (SIGKILL) as ended when it was last seen alive, as `runs list` then records it', async () => {
    const { projectDir, workspaceDir } = gatedProject();
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const { runId, pid } = (await (await call(ui, '/api/runs', { method: 'POST' })).json()) as { runId: string; pid: number };
    // A running handoff touches its console log every second: wait until that says more than its last heartbeat.
    const consoleLog = path.join(workspaceDir, 'runs', runId, 'console.log');
    await waitFor(() => fs.statSync(consoleLog).mtimeMs - Date.parse(readRecord(workspaceDir, runId).heartbeatAt) > 1500);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid));
    const lastAlive = new Date(Math.floor(fs.statSync(consoleLog).mtimeMs)).toISOString();
    const record = readRecord(workspaceDir, runId);
    expect(lastAlive > record.heartbeatAt).toBe(true);
    const [shown] = (await json(ui, '/api/runs?limit=1')).runs;
    expect(shown).toMatchObject({ runId, status: 'interrupted', abandoned: true, endedAt: lastAlive, durationMs: Date.parse(lastAlive) - Date.parse(record.startedAt) });
    expect((await json(ui, `/api/runs/${runId}`)).record).toMatchObject({ endedAt: lastAlive });
    // The UI keeps the last lines of a handoff it started: the reason says first how handoff ended, or those lines
    // (its INFO lines here) would read as the cause.
    await waitForAnswer(async () => /stopped without finishing this run; its last output:\nhandoff was killed by SIGKILL\n/.test((await json(ui, `/api/runs/${runId}`)).record.reason ?? ''));
    // `runs list` marks it (and ends the tap it left running) with the same end.
    expect((await runCli(['runs', 'list', '-w', workspaceDir])).code).toBe(0);
    expect(readRecord(workspaceDir, runId)).toMatchObject({ status: 'interrupted', endedAt: lastAlive });
  });

  it('stays up when the run it started ends, and shows its result', async () => {
    const { projectDir, workspaceDir } = gatedProject();
    fs.mkdirSync(path.join(workspaceDir, 'artifacts'), { recursive: true });
    fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'go'), '');
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const events = openEvents(ui);
    await waitFor(() => events.raw().includes('retry:'));
    const started = await call(ui, '/api/runs', { method: 'POST' });
    const { runId } = (await started.json()) as { runId: string };
    await waitFor(() => events.events.some((e) => e.type === 'run' && e.run.runId === runId && e.run.status === 'succeeded'));
    // It may have ended before the server first looked; its log is streamed all the same.
    await waitFor(() => events.events.some((e) => e.type === 'log' && e.runId === runId && e.text.includes('Job ended at')));
    events.close();

    const detail = await json(ui, `/api/runs/${runId}`);
    expect(detail.record.status).toBe('succeeded');
    expect(detail.record.tasks[0].processes.map((p: any) => p.exitCode)).toEqual([0, 0]);
    expect(detail.streams).toContain('console');
    const page = await json(ui, '/api/runs');
    expect(page.runs[0]).toMatchObject({ runId, status: 'succeeded', trigger: 'ui', records: 7 });
  });

  it('reports why a run did not start (bad project.yml) without a record', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: x\n  commands:\n  - command: echo\n    bogus: [\n');
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const project = await json(ui, '/api/project');
    expect(project.error.message).toContain('project.yml');
    const started = await call(ui, '/api/runs', { method: 'POST' });
    expect(started.status).toBe(422);
    expect(((await started.json()) as { message: string }).message).toContain('not valid YAML');
    expect((await json(ui, '/api/runs')).total).toBe(0);
  });

  it('says what is wrong with a broken project.yml on the Schedules API as on the Project API: each problem located', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: a\n    commands:\n      - command: echo hi\nschedules:\n  - target_id: 3\n    name: off\n    cron: "0 12 ? * MON-FRI *"\n');
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const schedules = await json(ui, '/api/schedules');
    expect(schedules.schedules).toEqual([]);
    expect(schedules.error.message).toMatch(/project\.yml has 1 problem/);
    expect(schedules.error.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', path: 'schedules[0].name', location: expect.objectContaining({ file: path.join(projectDir, 'project.yml'), line: 7, col: 11 }), message: expect.stringContaining('boolean false') }),
    ]);
    expect((await json(ui, '/api/project')).error.diagnostics).toEqual(schedules.error.diagnostics);
  });

  it('passes --timeout, --strict and -e on to the runs it starts, the -e values never on a command line', async () => {
    // {{ TOKEN_E }} is defined only by -e: with --strict, a run that did not get it would refuse to start.
    const { projectDir, workspaceDir } = makeProject(`tasks:
- name: show
  commands:
  - command: sh
    args: "-c 'echo got={{ TOKEN_E }}; echo \\"env=$TOKEN_E\\"; sleep 30'"
`);
    const value = 'e-value with  two spaces';
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir, '--timeout', '2', '--strict', '-e', `TOKEN_E=${value}`, '--container-provider', 'docker']);
    const started = await call(ui, '/api/runs', { method: 'POST' });
    expect(started.status).toBe(201);
    const { runId, pid } = (await started.json()) as { runId: string; pid: number };
    const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(commandLine).toEqual(expect.arrayContaining(['--timeout', '2', '--strict', '-e']));
    expect(commandLine.join(' ')).not.toContain('e-value');
    await waitFor(() => readRecord(workspaceDir, runId).status !== 'running');
    expect(readRecord(workspaceDir, runId)).toMatchObject({ status: 'failed', reason: expect.stringContaining('timed out after 2 s') });
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'show_stdout.log'), 'utf8')).toContain(`got=e-value with two spaces\nenv=${value}\n`);
    // What the runs get is said at start, -e by key only; an option no run takes is named in a warning.
    expect(ui.stderr()).toContain('"Run now" starts `handoff run local` with --timeout 2 --strict -e (TOKEN_E)');
    expect(ui.stderr()).toContain('--container-provider is not used by `handoff ui`');
    expect(ui.stderr()).not.toContain('e-value');

    const strict = await startUi(['-p', projectDir, '-w', makeTempDir(), '--strict']);
    const refused = await call(strict, '/api/runs', { method: 'POST' });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { message: string }).message).toContain('TOKEN_E');
  });

  it('is read-only for a project deployed to AWS unless --allow-runs', async () => {
    const { projectDir, workspaceDir } = gatedProject('deploy:\n  cloud_provider: aws\n  resource_group: shop\n  task: things\n');
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const overview = await json(ui, '/api/overview');
    expect(overview.canStartRuns).toBe(false);
    expect(overview.readOnlyReason).toContain('cloud_provider is aws');
    const refused = await call(ui, '/api/runs', { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(fs.existsSync(path.join(workspaceDir, 'runs'))).toBe(false);
    // Read-only means no Stop either, for a run started in a terminal: the page and the API say the same.
    expect(overview.canStopRuns).toBe(false);
    const terminalRun = runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    await waitFor(() => (fs.existsSync(path.join(workspaceDir, 'runs')) && fs.readdirSync(path.join(workspaceDir, 'runs')).some((f) => f.endsWith('.json'))));
    const [{ runId }] = (await json(ui, '/api/runs')).runs;
    const stop = await call(ui, `/api/runs/${runId}/stop`, { method: 'POST' });
    expect(stop.status).toBe(403);
    expect(((await stop.json()) as { message: string }).message).toContain('read-only');
    expect(readRecord(workspaceDir, runId).status).toBe('running');
    fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'go'), '');
    expect((await terminalRun).code).toBe(0);

    const allowed = await startUi(['-p', projectDir, '-w', workspaceDir, '--allow-runs']);
    expect(await json(allowed, '/api/overview')).toMatchObject({ canStartRuns: true, canStopRuns: true });
    const readOnly = await startUi(['-p', projectDir, '-w', workspaceDir, '--read-only']);
    expect((await json(readOnly, '/api/overview')).readOnlyReason).toContain('--read-only');
  });
});

describe('stopping a run whose handoff is gone', () => {
  it('does not signal another process that now has the abandoned run\'s pid, even a handoff one', async () => {
    // An unrelated process (its command line names handoff, as another handoff's would) started after the run did.
    const impostor = spawn('sh', ['-c', 'sleep 60', 'handoff-impostor'], { stdio: 'ignore', detached: true });
    try {
      const workspaceDir = makeTempDir();
      fs.mkdirSync(path.join(workspaceDir, 'runs'), { recursive: true });
      // The record of a run whose handoff was killed an hour ago (SIGKILL: still `running`), its pid since given away.
      const startedAt = new Date(Date.now() - 3_600_000).toISOString();
      const runId = `${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-dead`;
      const record = { schema: 1, runId, project: { name: 'gone', dir: '/nowhere' }, stage: 'dev', trigger: 'manual', handoffVersion: '0.5.0', host: os.hostname(), pid: impostor.pid, status: 'running', startedAt, heartbeatAt: startedAt, tasks: [], records: {}, logs: { console: `runs/${runId}/console.log`, stderr: {} } };
      fs.writeFileSync(path.join(workspaceDir, 'runs', `${runId}.json`), JSON.stringify(record, null, 2));
      const { projectDir } = makeProject('tasks:\n- name: sync\n  commands:\n  - command: "true"\n');
      const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
      const stop = await call(ui, `/api/runs/${runId}/stop`, { method: 'POST' });
      expect(stop.status).toBe(409);
      // Found abandoned (its handoff is gone): shown interrupted, and nothing is signalled.
      expect(((await stop.json()) as { message: string }).message).toBe(`run ${runId} is not running (it interrupted)`);
      expect((await json(ui, `/api/runs/${runId}`)).record).toMatchObject({ status: 'interrupted' });
      await new Promise((r) => setTimeout(r, 300));
      expect(isAlive(impostor.pid!)).toBe(true);
    } finally {
      process.kill(-impostor.pid!, 'SIGKILL');
    }
  });
});

describe('stopping a run twice (ui10 finding 2)', () => {
  it('sends one SIGTERM only: a second Stop while the run ends its commands says so and does not cut their cleanup short', async () => {
    // A command whose SIGTERM handler takes a moment to clean up (a target flushing its last batch, say).
    const { projectDir, workspaceDir } = makeProject(
      `tasks:
- name: slow_cleanup
  commands:
  - command: sh files/cleanup.sh
`,
      // Its cleanup waits for the test's word (a long grace period): the second Stop surely comes while it runs.
      { 'files/cleanup.sh': "trap 'while [ ! -f artifacts/release ]; do sleep 0.1; done; echo done > artifacts/cleaned; exit 143' TERM\nmkdir -p artifacts\necho started\nwhile :; do sleep 0.1; done\n" },
    );
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir], { HANDOFF_GRACE_SECONDS: '120' });
    const { runId } = (await (await call(ui, '/api/runs', { method: 'POST' })).json()) as { runId: string };
    await waitFor(() => fs.existsSync(path.join(workspaceDir, 'runs', runId, 'console.log')) && fs.readFileSync(path.join(workspaceDir, 'runs', runId, 'console.log'), 'utf8').includes('Task slow_cleanup started'));
    const first = await call(ui, `/api/runs/${runId}/stop`, { method: 'POST' });
    expect(first.status).toBe(202);
    expect((await json(ui, `/api/runs/${runId}`)).stopping).toMatchObject({ since: expect.any(String) });
    const second = await call(ui, `/api/runs/${runId}/stop`, { method: 'POST' });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { message: string }).message).toMatch(new RegExp(`^run ${runId} is stopping already`));
    fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'release'), '');
    await waitFor(() => readRecord(workspaceDir, runId).status !== 'running', 30_000);
    expect(readRecord(workspaceDir, runId).status).toBe('interrupted');
    // The handler ran to its end: no second signal killed it.
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'cleaned'), 'utf8')).toBe('done\n');
    expect(fs.readFileSync(path.join(workspaceDir, 'runs', runId, 'console.log'), 'utf8')).not.toContain('again: killing every process now');
    ui.child.kill('SIGTERM');
    await ui.exited;
  });
});

describe('runs and logs', () => {
  it('pages through 1,000 runs newest first and draws the chart from short summaries', async () => {
    const workspaceDir = makeTempDir();
    const runsDir = path.join(workspaceDir, 'runs');
    fs.mkdirSync(runsDir, { recursive: true });
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 1000; i++) {
      const startedAt = new Date(start + i * 3_600_000).toISOString();
      const runId = `${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${String(i).padStart(4, '0')}`;
      const record = {
        schema: 1,
        runId,
        project: { name: 'many', dir: '/nowhere' },
        stage: 'dev',
        trigger: i % 10 === 0 ? 'schedule' : 'manual',
        handoffVersion: '0.5.0',
        host: 'elsewhere',
        pid: 1,
        status: i % 7 === 0 ? 'failed' : 'succeeded',
        startedAt,
        heartbeatAt: startedAt,
        endedAt: startedAt,
        durationMs: 1000 + i,
        exitCode: i % 7 === 0 ? 1 : 0,
        tasks: [{ name: 'sync', path: 'tasks[0]', status: 'succeeded', exitCode: 0, processes: [], subtasks: [] }],
        records: { things: i },
        logs: { console: `runs/${runId}/console.log`, stderr: {} },
      };
      fs.writeFileSync(path.join(runsDir, `${runId}.json`), JSON.stringify(record, null, 2));
    }
    const { projectDir } = makeProject('tasks:\n- name: sync\n  commands:\n  - command: "true"\n');
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);

    const began = performance.now();
    const first = await json(ui, '/api/runs?limit=50');
    const firstMs = performance.now() - began;
    expect(first.total).toBe(1000);
    expect(first.runs).toHaveLength(50);
    expect(first.runs[0].records).toBe(999);
    expect(first.runs[49].records).toBe(950);
    const last = await json(ui, '/api/runs?offset=990&limit=50');
    expect(last.runs.map((r: any) => r.records)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const points = (await json(ui, '/api/run-points?limit=120')).points;
    expect(points).toHaveLength(120);
    expect(points[0].records).toBe(880);
    expect(points[119]).toMatchObject({ records: 999, durationMs: 1999, status: 'succeeded' });
    const again = performance.now();
    await json(ui, '/api/runs?limit=50');
    // Reported for the record, not asserted: timings depend on the machine.
    process.stderr.write(`ui: first page of 1,000 runs in ${firstMs.toFixed(1)} ms, cached ${(performance.now() - again).toFixed(1)} ms\n`);
  });

  it('streams a running process\'s stderr log as it is written, readable as soon as its first line is', async () => {
    const { projectDir, workspaceDir } = makeProject(`tasks:
- name: first
  commands:
  - command: sh
    args: "-c 'echo first-err >&2'"
- name: talk
  commands:
  - command: sh
    args: "-c 'echo err-1 >&2; while [ ! -f artifacts/go ]; do sleep 0.05; done; echo err-2 >&2'"
`);
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const events = openEvents(ui);
    await waitFor(() => events.raw().includes('retry:'));
    const { runId } = (await (await call(ui, '/api/runs', { method: 'POST' })).json()) as { runId: string };
    const talk = () => events.events.filter((e): e is Extract<UiEvent, { type: 'log' }> => e.type === 'log' && e.runId === runId && e.stream === 'talk/sh');
    // Named by the record within a second of its first line (not at the next 10 s heartbeat), and followed from there.
    await waitFor(() => talk().some((e) => e.text.includes('err-1')), 8000);
    expect(readRecord(workspaceDir, runId).status).toBe('running');
    const read = await json(ui, `/api/runs/${runId}/log?stream=talk%2Fsh`);
    expect(read.text).toBe('err-1\n');
    fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'go'), '');
    await waitFor(() => talk().some((e) => e.text.includes('err-2')));
    expect(talk().map((e) => e.text).join('')).toBe('err-1\nerr-2\n');
    expect(talk()[1]?.start ?? talk()[0].end).toBe(talk()[0].end);
    events.close();
  });

  it('reads logs by byte offset and tails them from a whole line', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: talk\n  commands:\n  - command: sh\n    args: -c \'for i in 1 2 3 4 5 6 7 8 9; do echo "line number $i" >&2; done\'\n');
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code).toBe(0);
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const [{ runId }] = (await json(ui, '/api/runs')).runs;
    const whole = await json(ui, `/api/runs/${runId}/log`);
    expect(whole.start).toBe(0);
    expect(whole.end).toBe(whole.size);
    expect(whole.text).toContain('line number 9');
    const middle = Math.floor(whole.size / 2);
    const rest = await json(ui, `/api/runs/${runId}/log?offset=${middle}`);
    expect(rest).toMatchObject({ start: middle, end: whole.size });
    expect(Buffer.from(whole.text).subarray(middle).toString()).toBe(rest.text);
    const tail = await json(ui, `/api/runs/${runId}/log?tail=120`);
    expect(tail.start).toBeGreaterThan(whole.size - 120);
    expect(Buffer.from(whole.text)[tail.start - 1]).toBe(0x0a);
    expect(whole.text.endsWith(tail.text)).toBe(true);
    const stderrKey = Object.keys((await json(ui, `/api/runs/${runId}`)).record.logs.stderr)[0];
    const stderrLog = await json(ui, `/api/runs/${runId}/log?stream=${encodeURIComponent(stderrKey)}`);
    expect(stderrLog.text.split('\n').filter(Boolean)).toHaveLength(9);
    expect((await call(ui, `/api/runs/${runId}/log?stream=..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    expect((await call(ui, '/api/runs/no-such-run')).status).toBe(404);
  });
});

describe('secrets read through file: (ui9 finding)', () => {
  it('masks a rotated value once its file changes in place, in a subfolder of .secrets/ or at an absolute path', async () => {
    // Old and new values of the same length: only the files' times tell the change.
    const [oldSub, newSub, oldAbs, newAbs] = ['old-sub-key-41872', 'new-sub-key-90315', 'old-abs-key-22761', 'new-abs-key-66509'];
    const absFile = path.join(makeTempDir('handoff-abs-secret-'), 'sa.json');
    fs.writeFileSync(absFile, oldAbs);
    const { projectDir, workspaceDir } = makeProject(`tasks:\n- name: t\n  commands:\n  - command: sh\n    args: "-c 'echo printed ${newSub} and ${newAbs} >&2'"\n`, {
      '.secrets/keys/sa.txt': oldSub,
      '.secrets/dev_secrets.yml': `- key: sub\n  file: keys/sa.txt\n- key: abs\n  file: ${absFile}\n`,
    });
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    const runId = fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => f.endsWith('.json'))!.slice(0, -'.json'.length);
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    const log = async (): Promise<string> => (await json(ui, `/api/runs/${runId}/log?stream=t%2Fsh`)).text;
    // Not secrets when the run printed them, nor yet.
    expect(await log()).toBe(`printed ${newSub} and ${newAbs}\n`);
    // A key rotated in place: the secrets file itself is not touched.
    fs.writeFileSync(path.join(projectDir, '.secrets', 'keys', 'sa.txt'), newSub);
    fs.writeFileSync(absFile, newAbs);
    await waitForAnswer(async () => (await log()) === 'printed *** and ***\n', 5000);
  });
});
