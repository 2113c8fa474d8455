// The team server (`handoff ui serve`) without a browser: every role against every endpoint, sign-in and its rate
// limit, sessions (logout, expiry), CSRF, Host and Origin, secrets, traversal, oversized bodies, TLS, proxy sign-on,
// token mode, the refusal to listen beyond loopback without accounts, and `handoff ui user`.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/ui/accounts/roles.js';
import { PROJECT_ROUTES, SERVER_ROUTES, type ApiRoute } from '../src/ui/api-routes.js';
import type { AuditEntry } from '../src/ui/api-types.js';
import { cliPath, makeTempDir, runCli, waitFor } from './helpers/cli.js';
import { callTeam, cookieOf, openTeamEvents, readAuditFile, runCliWithInput, sendRaw, signIn, startTeamUi, stopUis, writeTestAccounts, type TeamClient, type TeamUiProcess } from './helpers/ui-process.js';

afterAll(stopUis);

const SECRET = 'tok-team-secret-7c1e94';
const PASSWORDS: Record<string, string> = { vic: 'vic viewer horse battery', otto: 'otto operator horse battery', ada: 'ada admin horse battery' };
const ROLE_OF: Record<string, Role> = { vic: 'viewer', otto: 'operator', ada: 'admin' };

const ORDERS_YML = `description: orders for the team server tests
envs:
  - key: API_TOKEN
tasks:
  - name: fetch
    commands:
      - command: sh
        args: -c 'echo "fetching with $API_TOKEN"; echo "warning about $API_TOKEN" >&2; while [ -f artifacts/hold ]; do sleep 0.05; done'
deploy:
  resource_group: shop
  task: orders
schedules:
  - target_id: 1
    name: nightly
    cron: "0 2 * * ? *"
`;

function writeUsers(file: string, roles: Record<string, Role>): Promise<void> {
  return writeTestAccounts(
    file,
    Object.entries(roles).map(([name, role]) => ({ name, role, password: PASSWORDS[name] })),
  );
}

interface Setup {
  root: string;
  ordersWs: string;
  usersFile: string;
  auditLog: string;
}

function writeSetup(extraYml = ''): Setup {
  const root = makeTempDir('handoff-team-');
  for (const [name, yml] of [
    ['orders', ORDERS_YML],
    ['reports', 'tasks:\n  - name: report\n    commands:\n      - command: echo report\n'],
  ]) {
    fs.mkdirSync(path.join(root, name, '.secrets'), { recursive: true });
    fs.writeFileSync(path.join(root, name, 'project.yml'), yml);
  }
  fs.writeFileSync(path.join(root, 'orders', '.secrets', 'dev_secrets.yml'), `- key: API_TOKEN\n  value: ${SECRET}\n`);
  fs.writeFileSync(
    path.join(root, 'ui.yml'),
    `listen: 127.0.0.1:0
users: users.json
audit_log: audit.jsonl
${extraYml}projects:
  - project: orders
    workspace: ws/orders
    provider: none
  - project: reports
    workspace: ws/reports
    provider: none
`,
  );
  return { root, ordersWs: path.join(root, 'ws', 'orders'), usersFile: path.join(root, 'users.json'), auditLog: path.join(root, 'audit.jsonl') };
}

const readAudit = readAuditFile;

async function finishedRunId(workspace: string): Promise<string> {
  const runsDir = path.join(workspace, 'runs');
  await waitFor(() => fs.existsSync(runsDir) && fs.readdirSync(runsDir).some((f) => f.endsWith('.json') && JSON.parse(fs.readFileSync(path.join(runsDir, f), 'utf8')).status !== 'running'), 20_000);
  return fs.readdirSync(runsDir).find((f) => f.endsWith('.json'))!.slice(0, -5);
}

/**
 * The least role each endpoint needs: viewers read everything, operators also run now, stop runs and cloud jobs, start
 * cloud runs and switch schedules, admins also manage accounts and read the audit log.
 */
const LEAST_ROLE: Record<string, Role | 'anyone' | 'signed-in'> = {
  'server:login-options': 'anyone',
  'server:login': 'anyone',
  'server:session': 'signed-in',
  'server:logout': 'signed-in',
  'server:projects': 'viewer',
  'server:server-events': 'viewer',
  'server:audit': 'admin',
  'server:users': 'admin',
  'server:add-user': 'admin',
  'server:set-user-role': 'admin',
  'server:set-user-password': 'admin',
  'server:remove-user': 'admin',
  'server:sign-out-user': 'admin',
  'project:overview': 'viewer',
  'project:project': 'viewer',
  'project:schedules': 'viewer',
  'project:run-points': 'viewer',
  'project:runs': 'viewer',
  'project:run': 'viewer',
  'project:run-log': 'viewer',
  'project:events': 'viewer',
  'project:job': 'viewer',
  'project:job-log': 'viewer',
  'project:start-run': 'operator',
  'project:stop-run': 'operator',
  'project:start-cloud-run': 'operator',
  'project:stop-job': 'operator',
  'project:set-schedule': 'operator',
};
const ROLE_RANK: readonly Role[] = ['viewer', 'operator', 'admin'];

describe('handoff ui serve with accounts', () => {
  let setup: Setup;
  let ui: TeamUiProcess;
  const clients: Record<string, TeamClient> = {};
  let runId: string;

  beforeAll(async () => {
    setup = writeSetup();
    await writeUsers(setup.usersFile, ROLE_OF);
    const first = await runCli(['run', 'local', '-p', path.join(setup.root, 'orders'), '-w', setup.ordersWs]);
    expect(first.code, first.stderr).toBe(0);
    runId = await finishedRunId(setup.ordersWs);
    ui = await startTeamUi(['--config', path.join(setup.root, 'ui.yml')]);
    for (const name of Object.keys(ROLE_OF)) clients[name] = await signIn(ui, name, PASSWORDS[name]);
  });

  it('prints a URL without a token, and asks who you are on every API route but the sign-in', async () => {
    expect(ui.url).toBe(`${ui.base}/`);
    expect(ui.token).toBe('');
    const page = await callTeam(ui, '/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-mode="team"');
    expect((await callTeam(ui, '/api/login')).status).toBe(200);
    const refused = await callTeam(ui, '/api/projects');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ reason: 'signed-out' });
  });

  it('gives each role exactly the endpoints its permission allows (every route of the table, every role)', async () => {
    /** Parameters and bodies that reach each handler without changing much: made-up ids, bad roles, short passwords. */
    const params: Record<string, string> = { runId, jobId: 'no-such-job', targetId: '1', name: 'nobody' };
    const bodies: Record<string, unknown> = {
      login: {},
      'add-user': { name: 'table-user', role: 'no-such-role' },
      'set-user-role': { role: 'no-such-role' },
      'set-user-password': { password: 'short' },
      'set-schedule': { enabled: false },
    };
    const pathOf = (route: ApiRoute, scope: 'server' | 'project'): string => {
      const rest = route.path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name]));
      return scope === 'server' ? `/api/${rest}` : `/api/projects/orders/${rest}`;
    };
    const outcomes: string[] = [];
    for (const [scope, routes] of [
      ['server', SERVER_ROUTES],
      ['project', PROJECT_ROUTES],
    ] as const) {
      for (const route of routes) {
        for (const who of ['anonymous', 'vic', 'otto', 'ada']) {
          const role = ROLE_OF[who];
          const pathname = pathOf(route, scope);
          // Signing out would end the client's session: a session of its own is signed out instead.
          const client = who === 'anonymous' ? undefined : route.id === 'logout' ? await signIn(ui, who, PASSWORDS[who]) : clients[who];
          const init: RequestInit & { json?: unknown } = { method: route.method, ...(bodies[route.id] !== undefined ? { json: bodies[route.id] } : {}) };
          let status: number;
          if (route.id === 'events' || route.id === 'server-events') {
            const stream = openTeamEvents(ui, pathname, client ? { cookie: client.cookie } : {});
            status = await stream.status;
            stream.close();
          } else {
            const response = client ? await client.call(pathname, init) : await callTeam(ui, pathname, init);
            status = response.status;
            await response.body?.cancel();
          }
          // What the issue asks, written here apart from the route table, so a route given the wrong permission fails.
          const least = LEAST_ROLE[`${scope}:${route.id}`];
          expect(least, `${scope}:${route.id} is missing from LEAST_ROLE`).toBeDefined();
          const allowed = least === 'anyone' || (role !== undefined && (least === 'signed-in' || ROLE_RANK.indexOf(role) >= ROLE_RANK.indexOf(least as Role)));
          const expected = allowed ? 'allowed' : role === undefined ? 401 : 403;
          const got = status === 401 || status === 403 ? status : 'allowed';
          outcomes.push(`${route.method} ${route.path} as ${who}: ${got === expected ? 'ok' : `expected ${expected}, got ${status}`}`);
        }
      }
    }
    expect(outcomes.filter((o) => !o.endsWith(': ok'))).toEqual([]);
    expect(outcomes).toHaveLength((SERVER_ROUTES.length + PROJECT_ROUTES.length) * 4);

    // Each refused attempt at a state-changing route is in the audit log, with who tried it.
    const denied = readAudit(setup.auditLog).filter((e) => e.outcome === 'denied');
    const tried = new Set(denied.map((e) => `${e.user}:${e.action}`));
    for (const expected of ['vic:run_start', 'vic:run_stop', 'vic:cloud_run_start', 'vic:job_stop', 'vic:schedule_disable', 'vic:user_add', 'otto:user_add', 'otto:user_remove', 'otto:user_role', 'otto:user_passwd', 'otto:user_signout']) {
      expect(tried, expected).toContain(expected);
    }
    expect(denied.find((e) => e.user === 'vic' && e.action === 'run_start')).toMatchObject({ role: 'viewer', outcome: 'denied', project: 'orders', status: 403, from: '127.0.0.1' });
  });

  it('refuses a state-changing request without the session\'s CSRF token, from another origin, or to another Host', async () => {
    const ada = clients.ada;
    const records = (): number => fs.readdirSync(path.join(setup.ordersWs, 'runs')).filter((f) => f.endsWith('.json')).length;
    const before = records();
    const noToken = await ada.call('/api/projects/orders/runs', { method: 'POST', noCsrf: true });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { message: string }).message).toContain('CSRF');
    expect((await ada.call('/api/projects/orders/runs', { method: 'POST', noCsrf: true, headers: { 'x-csrf-token': 'x'.repeat(43) } })).status).toBe(403);
    expect((await ada.call('/api/projects/orders/runs', { method: 'POST', headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await ada.call('/api/projects/orders/runs', { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect(records()).toBe(before);
    expect(readAudit(setup.auditLog).some((e) => e.user === 'ada' && e.action === 'run_start' && e.outcome === 'denied' && e.detail === 'no valid CSRF token')).toBe(true);
    // DNS rebinding: a page of another name that resolves to this server.
    for (const pathname of ['/', '/api/projects', '/api/login']) {
      const answer = await sendRaw(ui.port, `GET ${pathname} HTTP/1.1\r\nhost: evil.example:${ui.port}\r\ncookie: ${ada.cookie}\r\nconnection: close\r\n\r\n`);
      expect(answer.status, pathname).toBe(403);
    }
    const login = await sendRaw(ui.port, `POST /api/login HTTP/1.1\r\nhost: 127.0.0.1:${ui.port}\r\norigin: http://evil.example\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`);
    expect(login.status).toBe(403);
  });

  it('audits a signed-in caller\'s attempt refused for coming from another site, as that action denied', async () => {
    const records = (): number => fs.readdirSync(path.join(setup.ordersWs, 'runs')).filter((f) => f.endsWith('.json')).length;
    const before = records();
    const fromElsewhere = (e: AuditEntry): boolean => e.user === 'ada' && e.outcome === 'denied' && e.detail === 'request from another site';
    const seen = readAudit(setup.auditLog).filter(fromElsewhere).length;
    expect((await clients.ada.call('/api/projects/orders/runs', { method: 'POST', headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await clients.ada.call('/api/projects/orders/schedules/1', { method: 'POST', json: { enabled: false }, headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(403);
    expect((await clients.ada.call('/api/admin/users/vic', { method: 'DELETE', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect(records()).toBe(before);
    const lines = readAudit(setup.auditLog).filter(fromElsewhere).slice(seen);
    expect(lines.map((e) => `${e.action} ${e.project ?? '-'} ${e.target ?? '-'} ${e.status}`)).toEqual(['run_start orders - 403', 'schedule_disable orders 1 403', 'user_remove - vic 403']);
    expect(lines[0]).toMatchObject({ role: 'admin', from: '127.0.0.1' });
    // Without a credential it is still 403 (not 401: the refusal is for where it comes from), and nobody is named.
    const anonymous = await callTeam(ui, '/api/projects/orders/runs', { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(anonymous.status).toBe(403);
    expect(((await anonymous.json()) as { message: string }).message).toContain('other sites');
    expect((await callTeam(ui, '/api/projects/orders/runs', { method: 'POST', headers: { origin: 'http://evil.example', cookie: 'handoff_session=made-up' } })).status).toBe(403);
    expect((await clients.vic.call('/api/session')).status).toBe(200);
  });

  it('checks the role before the body: a viewer\'s stop with a bad body is run_stop denied; an operator\'s is failed with its status', async () => {
    const stops = (user: string): AuditEntry[] => readAudit(setup.auditLog).filter((e) => e.user === user && e.action === 'run_stop' && e.target === runId);
    const vicBefore = stops('vic').length;
    const stop = `/api/projects/orders/runs/${runId}/stop`;
    const notJson = await clients.vic.call(stop, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not json' });
    expect(notJson.status).toBe(403);
    const wrongType = await clients.vic.call(stop, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'stop it' });
    expect(wrongType.status).toBe(403);
    expect(stops('vic').slice(vicBefore).map((e) => `${e.outcome} ${e.status} ${e.detail}`)).toEqual(['denied 403 needs operator', 'denied 403 needs operator']);
    // A schedule switched off in a body of the wrong type is still known as schedule_disable.
    expect((await clients.vic.call('/api/projects/orders/schedules/1', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"enabled":false}' })).status).toBe(403);
    expect(readAudit(setup.auditLog).at(-1)).toMatchObject({ user: 'vic', action: 'schedule_disable', outcome: 'denied', target: '1' });
    // Someone allowed to act gets the body's refusal, audited as a failed attempt.
    const ottoBefore = stops('otto').length;
    expect((await clients.otto.call(stop, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not json' })).status).toBe(400);
    expect((await clients.otto.call(stop, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'stop it' })).status).toBe(415);
    expect(stops('otto').slice(ottoBefore).map((e) => `${e.outcome} ${e.status}`)).toEqual(['failed 400', 'failed 415']);
  });

  it('sets an HttpOnly SameSite=Strict cookie, sends security headers, and a form post (no JSON) cannot sign in', async () => {
    const response = await callTeam(ui, '/api/login', { method: 'POST', json: { user: 'vic', password: PASSWORDS.vic } });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^handoff_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const page = await callTeam(ui, '/');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('strict-transport-security')).toBeNull();
    const form = await callTeam(ui, '/api/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `user=vic&password=${encodeURIComponent(PASSWORDS.vic)}` });
    expect(form.status).toBe(415);
    expect(form.headers.get('set-cookie')).toBeNull();
  });

  it('puts a strict Content-Security-Policy on every answer: API, errors, assets, event streams; the page keeps its own', async () => {
    const answers: Array<[string, Response]> = [
      ['GET /api/projects (signed out)', await callTeam(ui, '/api/projects')],
      ['GET /api/projects', await clients.vic.call('/api/projects')],
      ['GET /api/login', await callTeam(ui, '/api/login')],
      ['GET /api/no-such-route', await clients.vic.call('/api/no-such-route')],
      ['GET /api/projects/orders/runs/nope', await clients.vic.call('/api/projects/orders/runs/nope')],
      ['POST /api/projects/orders/runs (viewer)', await clients.vic.call('/api/projects/orders/runs', { method: 'POST' })],
      ['GET /assets/app.js', await callTeam(ui, '/assets/app.js')],
      ['GET /assets/nope.js', await callTeam(ui, '/assets/nope.js')],
      ['GET /api/projects/orders/events', await clients.vic.call('/api/projects/orders/events')],
    ];
    for (const [what, response] of answers) {
      await response.body?.cancel();
      const csp = response.headers.get('content-security-policy');
      expect(csp, what).toContain("default-src 'none'");
      expect(csp, what).toContain("frame-ancestors 'none'");
      expect(csp, what).not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options'), what).toBe('DENY');
    }
    expect(answers.map(([, r]) => r.status)).toEqual([401, 200, 200, 404, 404, 403, 200, 404, 200]);
    // The page's own policy still lets it load its script and style.
    const page = await callTeam(ui, '/');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'.*style-src 'self'/);
  });

  it('rate-limits wrong passwords with a growing wait, even for the right password meanwhile, and audits them', async () => {
    const attempts: number[] = [];
    for (let i = 0; i < 6; i++) attempts.push((await callTeam(ui, '/api/login', { method: 'POST', json: { user: 'otto', password: `wrong ${i} password!` } })).status);
    // Five tries are free; the fifth failure starts a wait, so the sixth is not even checked.
    expect(attempts).toEqual([401, 401, 401, 401, 401, 429]);
    const blocked = await callTeam(ui, '/api/login', { method: 'POST', json: { user: 'otto', password: PASSWORDS.otto } });
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(((await blocked.json()) as { message: string }).message).toContain('too many failed logins');
    const unknown = await callTeam(ui, '/api/login', { method: 'POST', json: { user: 'nobody-at-all', password: 'whatever it is' } });
    // The address is blocked too: a guesser cannot move on to other names.
    expect(unknown.status).toBe(429);
    const failures = readAudit(setup.auditLog).filter((e) => e.action === 'login_failed' && e.user === 'otto');
    expect(failures.filter((e) => e.outcome === 'failed')).toHaveLength(5);
    // One line per wait, not per refused try.
    expect(failures.filter((e) => e.outcome === 'denied' && e.status === 429)).toHaveLength(1);
    expect(JSON.stringify(readAudit(setup.auditLog))).not.toContain('wrong 3 password');
    // The existing session of otto is not affected; after the wait the right password works (and clears the count).
    expect((await clients.otto.call('/api/session')).status).toBe(200);
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 200));
    expect((await callTeam(ui, '/api/login', { method: 'POST', json: { user: 'otto', password: PASSWORDS.otto } })).status).toBe(200);
  });

  it('signs out: the session ends at once, the cookie is cleared, and it is audited', async () => {
    const session = await signIn(ui, 'vic', PASSWORDS.vic);
    const events = openTeamEvents(ui, '/api/projects/orders/events', { cookie: session.cookie });
    expect(await events.status).toBe(200);
    const out = await session.call('/api/logout', { method: 'POST' });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await session.call('/api/projects')).status).toBe(401);
    expect((await session.call('/api/logout', { method: 'POST' })).status).toBe(401);
    expect(readAudit(setup.auditLog).filter((e) => e.action === 'logout' && e.user === 'vic').length).toBeGreaterThan(0);
    // Its open event stream is closed by the server.
    await events.ended;
  });

  it('starts, watches and stops a run as an operator; every step audited', async () => {
    fs.mkdirSync(path.join(setup.ordersWs, 'artifacts'), { recursive: true });
    fs.writeFileSync(path.join(setup.ordersWs, 'artifacts', 'hold'), '');
    const events = openTeamEvents(ui, '/api/projects/orders/events', { cookie: clients.otto.cookie });
    expect(await events.status).toBe(200);
    const started = await clients.otto.call('/api/projects/orders/runs', { method: 'POST' });
    expect(started.status).toBe(201);
    const { runId: running } = (await started.json()) as { runId: string };
    await waitFor(() => events.events.some((e) => e.type === 'log' && e.runId === running && e.text.includes('fetching with')));
    const stopped = await clients.otto.call(`/api/projects/orders/runs/${running}/stop`, { method: 'POST' });
    expect(stopped.status).toBe(202);
    await waitFor(() => events.events.some((e) => e.type === 'run' && e.run.runId === running && e.run.status === 'interrupted'), 15_000);
    fs.rmSync(path.join(setup.ordersWs, 'artifacts', 'hold'));
    const again = await clients.otto.call(`/api/projects/orders/runs/${running}/stop`, { method: 'POST' });
    expect(again.status).toBe(409);
    const audit = readAudit(setup.auditLog).filter((e) => e.user === 'otto' && e.project === 'orders' && e.target === running);
    expect(audit.find((e) => e.action === 'run_start' && e.outcome === 'ok')).toMatchObject({ target: running, status: 201, role: 'operator' });
    expect(audit.find((e) => e.action === 'run_stop' && e.outcome === 'ok')).toMatchObject({ target: running, status: 202 });
    expect(audit.find((e) => e.action === 'run_stop' && e.outcome === 'failed')).toMatchObject({ target: running, status: 409 });
    events.close();
  });

  it('never puts a secret value in any answer or event, whoever asks', async () => {
    const events = openTeamEvents(ui, '/api/projects/orders/events', { cookie: clients.vic.cookie });
    const server = openTeamEvents(ui, '/api/events', { cookie: clients.vic.cookie });
    await events.status;
    const started = await clients.ada.call('/api/projects/orders/runs', { method: 'POST' });
    expect(started.status).toBe(201);
    const { runId: fresh } = (await started.json()) as { runId: string };
    await waitFor(() => events.events.some((e) => e.type === 'run' && e.run.runId === fresh && e.run.status === 'succeeded'), 20_000);
    await waitFor(() => server.events.some((e) => e.type === 'project'), 10_000);
    const record = JSON.parse(fs.readFileSync(path.join(setup.ordersWs, 'runs', `${fresh}.json`), 'utf8')) as { logs: { stderr: Record<string, string> } };
    const pages = [
      '/api/session',
      '/api/projects',
      '/api/admin/audit',
      '/api/admin/users',
      '/api/projects/orders/overview',
      '/api/projects/orders/project',
      '/api/projects/orders/schedules',
      '/api/projects/orders/runs',
      '/api/projects/orders/run-points',
      `/api/projects/orders/runs/${fresh}`,
      `/api/projects/orders/runs/${fresh}/log`,
      ...Object.keys(record.logs.stderr).map((s) => `/api/projects/orders/runs/${fresh}/log?stream=${encodeURIComponent(s)}`),
    ];
    let masked = 0;
    for (const pathname of pages) {
      const response = await clients.ada.call(pathname);
      expect(response.status, pathname).toBe(200);
      const text = await response.text();
      expect(text, pathname).not.toContain(SECRET);
      if (text.includes('***')) masked++;
    }
    // The logs said it and show *** instead.
    expect(masked).toBeGreaterThanOrEqual(2);
    expect(events.raw()).toContain('warning about ***');
    for (const raw of [events.raw(), server.raw(), fs.readFileSync(setup.auditLog, 'utf8'), fs.readFileSync(setup.usersFile, 'utf8')]) expect(raw).not.toContain(SECRET);
    for (const password of Object.values(PASSWORDS)) expect(fs.readFileSync(setup.auditLog, 'utf8') + fs.readFileSync(setup.usersFile, 'utf8')).not.toContain(password);
    events.close();
    server.close();
  });

  it('gives a viewer no part of a secret in a log read from an offset inside it', async () => {
    // A console log that holds the secret in clear (written before the value was a secret of the project, say):
    // the server masks what it reads, so a slice that started inside the value would show the rest of it.
    const leakId = '20250101T000000.000Z-5ec7';
    const consoleLog = `runs/${leakId}/console.log`;
    const text = `connecting\ndb: postgres://app:${SECRET}@db/app\nnext line\n`;
    fs.mkdirSync(path.join(setup.ordersWs, 'runs', leakId), { recursive: true });
    fs.writeFileSync(path.join(setup.ordersWs, consoleLog), text);
    const template = JSON.parse(fs.readFileSync(path.join(setup.ordersWs, 'runs', `${runId}.json`), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(setup.ordersWs, 'runs', `${leakId}.json`), JSON.stringify({ ...template, runId: leakId, logs: { console: consoleLog, stderr: {} } }));
    const at = Buffer.byteLength(text.slice(0, text.indexOf(SECRET)));
    const read = async (query: string): Promise<{ start: number; text: string; raw: string }> => {
      const response = await clients.vic.call(`/api/projects/orders/runs/${leakId}/log?stream=console${query}`);
      expect(response.status, query).toBe(200);
      const raw = await response.text();
      return { ...(JSON.parse(raw) as { start: number; text: string }), raw };
    };
    expect((await read('')).text).toBe('connecting\ndb: postgres://app:***@db/app\nnext line\n');
    for (const inside of [1, 2, 10, SECRET.length - 4, SECRET.length - 1]) {
      const chunk = await read(`&offset=${at + inside}`);
      expect(chunk.raw, `offset ${inside} bytes into the secret`).not.toContain(SECRET.slice(inside));
      expect(chunk.text, `offset ${inside} bytes into the secret`).toBe('***@db/app\nnext line\n');
      expect(chunk.start).toBe(at);
    }
  });

  it('never repeats a run id or log name it was sent, so a guessed secret is not confirmed as ***; an encoded project id is masked the same', async () => {
    for (const project of ['orders', '%6Frders']) {
      for (const pathname of [`/api/projects/${project}/runs/${SECRET}`, `/api/projects/${project}/runs/${runId}/log?stream=${SECRET}`]) {
        const response = await clients.vic.call(pathname);
        expect(response.status, pathname).toBe(404);
        const text = await response.text();
        expect(text, pathname).not.toContain(SECRET);
        expect(text, pathname).not.toContain('***');
      }
    }
  });

  it('refuses paths out of the workspace or the project list, and made-up project ids, with 404', async () => {
    for (const pathname of [
      '/api/projects/orders/runs/..%2F..%2F..%2Fetc%2Fpasswd',
      `/api/projects/orders/runs/${runId}/log?stream=..%2F..%2F..%2Fetc%2Fpasswd`,
      `/api/projects/orders/runs/${runId}/log?stream=__proto__`,
      '/api/projects/..%2Forders/overview',
      '/api/projects/%2e%2e/overview',
      '/api/projects/__proto__/overview',
      '/api/projects/nope/runs',
      '/assets/..%2F..%2Fpackage.json',
    ]) {
      const response = await clients.ada.call(pathname);
      expect(response.status, pathname).toBe(404);
      expect(await response.text(), pathname).not.toContain('root:');
    }
    const raw = await sendRaw(ui.port, `GET /assets/../../../../etc/passwd HTTP/1.1\r\nhost: 127.0.0.1:${ui.port}\r\nconnection: close\r\n\r\n`);
    expect(raw.status).toBe(404);
  });

  it('refuses oversized bodies with 413 before reading them, on the sign-in and on actions', async () => {
    const huge = await sendRaw(ui.port, `POST /api/login HTTP/1.1\r\nhost: 127.0.0.1:${ui.port}\r\ncontent-type: application/json\r\ncontent-length: 1000000000\r\n\r\n`);
    expect(huge.status).toBe(413);
    const action = await sendRaw(
      ui.port,
      `POST /api/projects/orders/runs HTTP/1.1\r\nhost: 127.0.0.1:${ui.port}\r\ncookie: ${clients.otto.cookie}\r\nx-csrf-token: ${clients.otto.csrf}\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n`,
    );
    expect(action.status).toBe(413);
    const admin = await clients.ada.call('/api/admin/users', { method: 'POST', json: { name: 'big', role: 'viewer', password: 'x'.repeat(100_000) } });
    expect(admin.status).toBe(413);
  });

  it('lets an admin manage accounts: a new password or removal ends that account\'s sessions; all audited', async () => {
    const ada = clients.ada;
    expect((await ada.call('/api/admin/users', { method: 'POST', json: { name: 'temp', role: 'viewer', password: 'temp account passphrase' } })).status).toBe(201);
    expect((await ada.call('/api/admin/users', { method: 'POST', json: { name: 'temp', role: 'viewer', password: 'temp account passphrase' } })).status).toBe(409);
    const temp = await signIn(ui, 'temp', 'temp account passphrase');
    expect((await temp.call('/api/projects/orders/runs', { method: 'POST' })).status).toBe(403);
    expect((await ada.call('/api/admin/users/temp/role', { method: 'POST', json: { role: 'operator' } })).status).toBe(200);
    // The role counts from the next request of the same session.
    expect(((await (await temp.call('/api/session')).json()) as { role: string }).role).toBe('operator');
    expect((await ada.call('/api/admin/users/temp/password', { method: 'POST', json: { password: 'another temp passphrase' } })).status).toBe(200);
    expect((await temp.call('/api/session')).status).toBe(401);
    const again = await signIn(ui, 'temp', 'another temp passphrase');
    expect((await ada.call('/api/admin/users/temp', { method: 'DELETE' })).status).toBe(200);
    expect((await again.call('/api/session')).status).toBe(401);
    expect((await ada.call('/api/admin/users/ada/role', { method: 'POST', json: { role: 'viewer' } })).status).toBe(409);
    const audit = readAudit(setup.auditLog).filter((e) => e.user === 'ada' && e.target === 'temp');
    expect(audit.map((e) => `${e.action}:${e.outcome}`)).toEqual(['user_add:ok', 'user_add:failed', 'user_role:ok', 'user_passwd:ok', 'user_remove:ok']);
    const users = (await (await ada.call('/api/admin/users')).json()) as { users: Array<Record<string, unknown>> };
    expect(JSON.stringify(users)).not.toContain('scrypt');
  });

  it('shows the audit log to admins, filtered', async () => {
    const page = (await (await clients.ada.call('/api/admin/audit?user=vic&action=run_start&outcome=denied')).json()) as { entries: AuditEntry[] };
    expect(page.entries.length).toBeGreaterThan(0);
    for (const entry of page.entries) expect(entry).toMatchObject({ user: 'vic', action: 'run_start', outcome: 'denied' });
    expect((await clients.ada.call('/api/admin/audit?action=drop_tables')).status).toBe(400);
    const limited = (await (await clients.ada.call('/api/admin/audit?limit=2')).json()) as { entries: AuditEntry[]; next?: number };
    expect(limited.entries).toHaveLength(2);
    const older = (await (await clients.ada.call(`/api/admin/audit?limit=2&before=${limited.next}`)).json()) as { entries: AuditEntry[] };
    expect(older.entries[0].time <= limited.entries[1].time).toBe(true);
  });
});

describe('sign-in under a burst of parallel tries', () => {
  it('counts each try from its start: of 30 wrong passwords sent at once, five are checked and the rest get 429', async () => {
    const setup = writeSetup();
    await writeUsers(setup.usersFile, { otto: 'operator' });
    const ui = await startTeamUi(['--config', path.join(setup.root, 'ui.yml')]);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => callTeam(ui, '/api/login', { method: 'POST', json: { user: 'otto', password: `wrong ${i} password!` } })));
    const counts: Record<number, number> = {};
    for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
    expect(counts).toEqual({ 401: 5, 429: 25 });
    for (const answer of answers.filter((a) => a.status === 429)) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    const failures = readAudit(setup.auditLog).filter((e) => e.action === 'login_failed');
    expect(failures.filter((e) => e.outcome === 'failed')).toHaveLength(5);
    // Refusals are audited once per wait, not once per refused try.
    expect(failures.filter((e) => e.outcome === 'denied').length).toBeLessThanOrEqual(2);
  });
});

describe('accounts changed with handoff ui user while the server runs', () => {
  it('a new password or the removal ends the account\'s sessions and closes their event streams', async () => {
    const setup = writeSetup();
    const config = path.join(setup.root, 'ui.yml');
    await writeUsers(setup.usersFile, { vic: 'viewer', ada: 'admin' });
    const ui = await startTeamUi(['--config', config]);
    const ada = await signIn(ui, 'ada', PASSWORDS.ada);
    const closedSoon = (ended: Promise<void>, what: string): Promise<unknown> =>
      Promise.race([ended, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: the event stream stayed open`)), 5000))]);

    const vic = await signIn(ui, 'vic', PASSWORDS.vic);
    const events = openTeamEvents(ui, '/api/projects/orders/events', { cookie: vic.cookie });
    expect(await events.status).toBe(200);
    const passwd = await runCliWithInput(['ui', 'user', 'passwd', 'vic', '--password-stdin', '--config', config], 'a brand new passphrase\n');
    expect(passwd.code, passwd.stderr).toBe(0);
    // The stream is closed by itself (before any request of the session), and the old cookie no longer signs in.
    await closedSoon(events.ended, 'after passwd');
    const old = await vic.call('/api/session');
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ reason: 'signed-out' });
    expect((await vic.call('/api/projects')).status).toBe(401);

    const again = await signIn(ui, 'vic', 'a brand new passphrase');
    const stream = openTeamEvents(ui, '/api/projects/orders/events', { cookie: again.cookie });
    expect(await stream.status).toBe(200);
    const remove = await runCliWithInput(['ui', 'user', 'remove', 'vic', '--config', config], '');
    expect(remove.code, remove.stderr).toBe(0);
    await closedSoon(stream.ended, 'after remove');
    expect((await again.call('/api/session')).status).toBe(401);
    // Another account's session goes on.
    expect((await ada.call('/api/session')).status).toBe(200);
  });
});

describe('secrets that also occur as a number, a key or a literal of an answer', () => {
  it('are masked in string values only: every answer and event stays valid JSON with its numbers and keys', async () => {
    const setup = writeSetup();
    await writeUsers(setup.usersFile, { vic: 'viewer', ada: 'admin' });
    const first = await runCli(['run', 'local', '-p', path.join(setup.root, 'orders'), '-w', setup.ordersWs]);
    expect(first.code, first.stderr).toBe(0);
    const runId = await finishedRunId(setup.ordersWs);
    const size = fs.statSync(path.join(setup.ordersWs, 'runs', runId, 'console.log')).size;
    // A PIN that happens to be the log's byte size, and values equal to a key and a literal of the answers.
    fs.writeFileSync(
      path.join(setup.root, 'orders', '.secrets', 'dev_secrets.yml'),
      `- key: API_TOKEN\n  value: ${SECRET}\n- key: PIN\n  value: "${size}"\n- key: WORD\n  value: "status"\n- key: LITERAL\n  value: "null"\n`,
    );
    const ui = await startTeamUi(['--config', path.join(setup.root, 'ui.yml')]);
    const ada = await signIn(ui, 'ada', PASSWORDS.ada);
    const events = openTeamEvents(ui, '/api/projects/orders/events', { cookie: ada.cookie });
    const server = openTeamEvents(ui, '/api/events', { cookie: ada.cookie });
    await events.status;
    await server.status;
    const parse = async (pathname: string): Promise<Record<string, unknown>> => {
      const response = await ada.call(pathname);
      const text = await response.text();
      expect(response.status, `${pathname}: ${text}`).toBe(200);
      return JSON.parse(text) as Record<string, unknown>;
    };
    const log = await parse(`/api/projects/orders/runs/${runId}/log`);
    expect(log).toMatchObject({ size, end: size });
    expect((await parse('/api/projects')).projects).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'orders' })]));
    expect(await parse(`/api/projects/orders/runs/${runId}`)).toMatchObject({ record: { status: 'succeeded' } });
    for (const pathname of ['/api/projects/orders/overview', '/api/projects/orders/runs', '/api/projects/orders/schedules']) await parse(pathname);
    // Events too: a run's event keeps its "status" key, and the project list's card its numbers.
    const started = await ada.call('/api/projects/orders/runs', { method: 'POST' });
    expect(started.status).toBe(201);
    const { runId: fresh } = (await started.json()) as { runId: string };
    await waitFor(() => events.events.some((e) => e.type === 'run' && e.run.runId === fresh && e.run.status === 'succeeded'), 20_000);
    await waitFor(() => server.events.some((e) => e.type === 'project'), 10_000);
    for (const frame of [...events.raw().split('\n'), ...server.raw().split('\n')].filter((l) => l.startsWith('data: '))) {
      expect(() => JSON.parse(frame.slice('data: '.length)), frame).not.toThrow();
    }
    expect(events.raw() + server.raw()).not.toContain(SECRET);
    events.close();
    server.close();
  });
});

describe('sessions that end by themselves', () => {
  it('end after the idle time (an open event stream is no activity, and is closed): the API says expired', async () => {
    const setup = writeSetup('sessions: {idle_timeout: 2s, max_age: 1h}\n');
    await writeUsers(setup.usersFile, { vic: 'viewer' });
    const ui = await startTeamUi(['--config', path.join(setup.root, 'ui.yml')]);
    const vic = await signIn(ui, 'vic', PASSWORDS.vic);
    expect((await vic.call('/api/projects')).status).toBe(200);
    const events = openTeamEvents(ui, '/api/projects/orders/events', { cookie: vic.cookie });
    expect(await events.status).toBe(200);
    const started = Date.now();
    await events.ended;
    expect(Date.now() - started).toBeGreaterThan(1000);
    await new Promise((r) => setTimeout(r, 300));
    const expired = await vic.call('/api/projects');
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ reason: 'expired' });
    expect(cookieOf(expired)).toBe('handoff_session=');
    expect((await vic.call('/api/projects')).status).toBe(401);
  });
});

describe('handoff ui serve over TLS', () => {
  it('serves HTTPS with --tls-cert/--tls-key: Secure __Host- cookies and HSTS', async () => {
    const setup = writeSetup();
    await writeUsers(setup.usersFile, { ada: 'admin' });
    const cert = path.join(setup.root, 'cert.pem');
    const key = path.join(setup.root, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const ui = await startTeamUi(['--config', path.join(setup.root, 'ui.yml'), '--tls-cert', cert, '--tls-key', key]);
    expect(ui.base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = fs.readFileSync(cert);
    const post = (body: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> =>
      new Promise((resolve, reject) => {
        const req = https.request(`${ui.base}/api/login`, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const answer = await post(JSON.stringify({ user: 'ada', password: PASSWORDS.ada }));
    expect(answer.status).toBe(200);
    expect(String(answer.headers['set-cookie'])).toMatch(/^__Host-handoff_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000');
    // Plain HTTP on the TLS port gets no answer of the UI.
    const plain = await sendRaw(ui.port, `GET /api/login HTTP/1.1\r\nhost: 127.0.0.1:${ui.port}\r\nconnection: close\r\n\r\n`).catch(() => ({ status: 0 }));
    expect(plain.status === 0 || plain.status === 400).toBe(true);
  });
});

describe('single sign-on through a reverse proxy', () => {
  it('believes the header from a trusted proxy address: the account\'s role, or the default role', async () => {
    const setup = writeSetup('proxy_auth: {header: X-Forwarded-User, trusted_proxies: [127.0.0.1], default_role: viewer}\n');
    await writeUsers(setup.usersFile, { otto: 'operator' });
    const ui = await startTeamUi(['--config', path.join(setup.root, 'ui.yml')]);
    const asOtto = await callTeam(ui, '/api/session', { headers: { 'x-forwarded-user': 'otto' } });
    expect(asOtto.status).toBe(200);
    expect(await asOtto.json()).toMatchObject({ user: 'otto', role: 'operator', via: 'proxy' });
    const cookie = cookieOf(asOtto)!;
    expect(cookie).toMatch(/^handoff_session=/);
    const guest = await callTeam(ui, '/api/session', { headers: { 'x-forwarded-user': 'guest@example.com' } });
    expect(await guest.json()).toMatchObject({ user: 'guest@example.com', role: 'viewer' });
    // The proxy's user still needs the CSRF token of its session for a state-changing request.
    const csrf = ((await (await callTeam(ui, '/api/session', { headers: { 'x-forwarded-user': 'otto', cookie } })).json()) as { csrfToken: string }).csrfToken;
    expect((await callTeam(ui, '/api/projects/reports/runs', { method: 'POST', headers: { 'x-forwarded-user': 'otto', cookie } })).status).toBe(403);
    expect((await callTeam(ui, '/api/projects/reports/runs', { method: 'POST', headers: { 'x-forwarded-user': 'otto', cookie, 'x-csrf-token': csrf } })).status).toBe(201);
    expect(readAudit(setup.auditLog).filter((e) => e.action === 'login' && e.detail?.includes('proxy')).map((e) => e.user)).toEqual(['otto', 'guest@example.com']);
  });

  it('ignores the header from any other address', async () => {
    const setup = writeSetup('proxy_auth: {header: X-Forwarded-User, trusted_proxies: [10.9.9.9]}\n');
    await writeUsers(setup.usersFile, { ada: 'admin' });
    const ui = await startTeamUi(['--config', path.join(setup.root, 'ui.yml')]);
    const forged = await callTeam(ui, '/api/session', { headers: { 'x-forwarded-user': 'ada' } });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('set-cookie')).toBeNull();
    await waitFor(() => ui.stderr().includes('was ignored'));
  });
});

describe('without accounts', () => {
  it('serves loopback only, with the printed token (no cookie)', async () => {
    const setup = writeSetup();
    fs.writeFileSync(path.join(setup.root, 'ui.yml'), fs.readFileSync(path.join(setup.root, 'ui.yml'), 'utf8').replace('users: users.json\n', ''));
    const ui = await startTeamUi(['--config', path.join(setup.root, 'ui.yml')]);
    expect(ui.token).toMatch(/^[\w-]{32}$/);
    expect((await callTeam(ui, '/api/projects')).status).toBe(401);
    const ok = await callTeam(ui, '/api/projects', { headers: { authorization: `Bearer ${ui.token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toBeNull();
    const stream = await callTeam(ui, `/api/projects/orders/events?token=${ui.token}`);
    expect(stream.status).toBe(200);
    await stream.body?.cancel();
    expect((await callTeam(ui, `/api/projects?token=${ui.token}`)).status).toBe(401);
  });

  it('keeps its token across restarts in a file only its user can read under HANDOFF_HOME, and makes a new one on --new-token', async () => {
    const setup = writeSetup();
    fs.writeFileSync(path.join(setup.root, 'ui.yml'), fs.readFileSync(path.join(setup.root, 'ui.yml'), 'utf8').replace('users: users.json\n', ''));
    const home = makeTempDir('handoff-home-');
    const start = (extra: string[] = []): Promise<TeamUiProcess> => startTeamUi(['--config', path.join(setup.root, 'ui.yml'), ...extra], { HANDOFF_HOME: home });
    const stop = async (one: TeamUiProcess): Promise<void> => {
      one.child.kill('SIGTERM');
      await one.exited;
    };
    const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
    const first = await start();
    await stop(first);
    const file = path.join(home, 'ui-serve-token');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(first.token);
    // Not the local UI's token: a `handoff ui` of this user does not open the team server, nor the other way round.
    expect(fs.existsSync(path.join(home, 'ui-token'))).toBe(false);
    const again = await start();
    expect(again.token).toBe(first.token);
    expect((await callTeam(again, '/api/projects', bearer(first.token))).status).toBe(200);
    // Printed in the URL only (as before): no log line, and no audit line, carries it.
    await waitFor(() => again.stderr().includes('Serving 2 projects'));
    expect(again.stderr()).not.toContain(first.token);
    await stop(again);
    expect(fs.readFileSync(setup.auditLog, 'utf8')).not.toContain(first.token);

    const rotated = await start(['--new-token']);
    expect(rotated.token).toMatch(/^[\w-]{32}$/);
    expect(rotated.token).not.toBe(first.token);
    expect((await callTeam(rotated, '/api/projects', bearer(first.token))).status).toBe(403);
    expect((await callTeam(rotated, '/api/projects', bearer(rotated.token))).status).toBe(200);
    await waitFor(() => rotated.stderr().includes('new access token') && rotated.stderr().includes('Serving 2 projects'));
    expect(rotated.stderr()).not.toContain('--new-token is not used');
    expect(rotated.stderr()).not.toContain(rotated.token);
    await stop(rotated);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(rotated.token);

    // A token file others could read is no secret any more: it is replaced, with a word why.
    fs.chmodSync(file, 0o644);
    const widened = await start();
    expect(widened.token).not.toBe(rotated.token);
    await waitFor(() => widened.stderr().includes('could be read by other users'));
    await stop(widened);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('logs a valid URL for an IPv6 host, and warns about the run options it does not use', async () => {
    const setup = writeSetup();
    fs.writeFileSync(path.join(setup.root, 'ui.yml'), fs.readFileSync(path.join(setup.root, 'ui.yml'), 'utf8').replace('users: users.json\n', ''));
    const result = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [cliPath, 'ui', 'serve', '--config', path.join(setup.root, 'ui.yml'), '--host', '::1', '--port', '0', '--timeout', '5', '-e', 'A=b'], { env: { ...process.env, HANDOFF_HOME: makeTempDir() } });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        // The warning comes as the command starts (as every command's does), the address once it listens.
        if (err.includes('not used by') && /Serving \d+ projects? on/.test(err)) child.kill('SIGTERM');
      });
      child.on('exit', () => resolve(err));
      child.on('error', reject);
    });
    expect(result).toMatch(/Serving \d+ projects? on http:\/\/\[::1\]:\d+, /);
    expect(result).toContain('--timeout, -e are not used by `handoff ui serve`');
  });

  it('refuses to listen beyond loopback (exit 2, nothing listens)', async () => {
    const setup = writeSetup();
    fs.writeFileSync(path.join(setup.root, 'ui.yml'), fs.readFileSync(path.join(setup.root, 'ui.yml'), 'utf8').replace('users: users.json\n', ''));
    const result = await runCli(['ui', 'serve', '--config', path.join(setup.root, 'ui.yml'), '--host', '0.0.0.0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0');
    expect(result.stderr).toContain('handoff ui user add');
    expect(result.stdout).toBe('');
  });
});

describe('handoff ui user', () => {
  it('reads passwords from standard input only, stores scrypt hashes, lists without them, and audits each change', async () => {
    const dir = makeTempDir('handoff-users-');
    const users = path.join(dir, 'users.json');
    const password = 'a quite long passphrase 42';
    const add = await runCliWithInput(['ui', 'user', 'add', 'alice', '--role', 'admin', '--users', users], `${password}\n`);
    expect(add.code, add.stderr).toBe(0);
    const short = await runCliWithInput(['ui', 'user', 'add', 'bob', '--role', 'viewer', '--users', users], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 12 characters');
    const proxyOnly = await runCliWithInput(['ui', 'user', 'add', 'sso@example.com', '--role', 'viewer', '--no-password', '--users', users], '');
    expect(proxyOnly.code, proxyOnly.stderr).toBe(0);
    // There is no way to give the password as an argument.
    const argv = await runCliWithInput(['ui', 'user', 'add', 'carol', '--role', 'viewer', '--password', 'on the command line', '--users', users], '');
    expect(argv.code).toBe(2);
    const list = await runCliWithInput(['ui', 'user', 'list', '--json', '--users', users], '');
    expect(JSON.parse(list.stdout).users.map((u: { name: string; role: string; password: boolean }) => [u.name, u.role, u.password])).toEqual([
      ['alice', 'admin', true],
      ['sso@example.com', 'viewer', false],
    ]);
    expect(list.stdout).not.toContain('scrypt');
    const stored = fs.readFileSync(users, 'utf8');
    expect(stored).toMatch(/"password": "scrypt\$32768\$8\$1\$/);
    expect(stored).not.toContain(password);
    expect(fs.statSync(users).mode & 0o777).toBe(0o600);
    expect((await runCliWithInput(['ui', 'user', 'passwd', 'alice', '--password-stdin', '--users', users], 'another long passphrase\n')).code).toBe(0);
    expect((await runCliWithInput(['ui', 'user', 'role', 'sso@example.com', 'operator', '--users', users], '')).code).toBe(0);
    expect((await runCliWithInput(['ui', 'user', 'remove', 'alice', '--users', users], '')).code).toBe(2);
    expect((await runCliWithInput(['ui', 'user', 'remove', 'sso@example.com', '--users', users], '')).code).toBe(0);
    const audit = readAudit(path.join(dir, 'ui-audit.jsonl'));
    expect(audit.map((e) => `${e.action} ${e.target}`)).toEqual(['user_add alice', 'user_add sso@example.com', 'user_passwd alice', 'user_role sso@example.com', 'user_remove sso@example.com']);
    expect(audit[0].user).toMatch(/^cli:/);
    expect(audit[0].from).toMatch(/^cli@/);
    expect(JSON.stringify(audit)).not.toContain('passphrase');
  });
});
