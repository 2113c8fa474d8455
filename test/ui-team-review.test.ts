// The team server's answers to the review of 2026-12-06: a broken secrets file keeps its values masked, a short
// secret inside handoff's own run ids and times is left there, an action whose audit line cannot be written is not
// done, a script reading through the sign-on proxy makes no sessions, and the audit API refuses filters it cannot use.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogChunk, ProjectResponse, RunsPage, RunDetail } from '../src/ui/api-types.js';
import { makeTempDir, runCli } from './helpers/cli.js';
import { callTeam, cookieOf, readAuditFile, readJsonAs, signIn, startTeamUi, stopUis, waitForAnswer, writeTestAccounts, type TeamClient, type TeamUiProcess } from './helpers/ui-process.js';

afterAll(stopUis);

const PROJECT_YML = 'tasks:\n  - name: report\n    commands:\n      - command: echo report\n';
const KEPT = 'beta-key-55821';
const ADDED = 'added-while-broken-31337';
const FIRST_BROKEN = 'gamma-key-77420';

describe('the team server after the review of 2026-12-06', () => {
  let root: string;
  let ui: TeamUiProcess;
  let vic: TeamClient;
  let otto: TeamClient;
  let ada: TeamClient;
  let runId: string;
  let pin: string;
  const project = (name: string): string => path.join(root, name);
  const consoleLog = (name: string): string => path.join(root, 'ws', name, 'runs', runId, 'console.log');
  const readLog = async (name: string): Promise<string> => (await readJsonAs<LogChunk>(vic, `/api/projects/${name}/runs/${runId}/log`)).text;

  beforeAll(async () => {
    root = makeTempDir('handoff-team-review-');
    for (const name of ['beta', 'gamma', 'pins']) {
      fs.mkdirSync(path.join(project(name), '.secrets'), { recursive: true });
      fs.writeFileSync(path.join(project(name), 'project.yml'), PROJECT_YML);
    }
    // One real run, its workspace copied to the other projects (each shows the same run).
    const run = await runCli(['run', 'local', '-p', project('beta'), '-w', path.join(root, 'ws', 'beta')]);
    expect(run.code, run.stderr).toBe(0);
    runId = fs.readdirSync(path.join(root, 'ws', 'beta', 'runs')).find((f) => f.endsWith('.json'))!.slice(0, -'.json'.length);
    for (const name of ['gamma', 'pins']) fs.cpSync(path.join(root, 'ws', 'beta'), path.join(root, 'ws', name), { recursive: true });
    fs.writeFileSync(path.join(project('beta'), '.secrets', 'dev_secrets.yml'), `- key: REPORT_KEY\n  value: ${KEPT}\n`);
    // Broken before the server ever read it: its values are found in it as it is.
    fs.writeFileSync(path.join(project('gamma'), '.secrets', 'dev_secrets.yml'), `- key: GAMMA_KEY\n  value: "${FIRST_BROKEN}"\n  x: [\n`);
    // A PIN that is part of the run's id (its month and day), as a short number often is of some run's.
    pin = runId.slice(4, 8);
    fs.writeFileSync(path.join(project('pins'), '.secrets', 'dev_secrets.yml'), `- key: PIN\n  value: "${pin}"\n`);
    for (const name of ['beta', 'gamma', 'pins']) fs.appendFileSync(consoleLog(name), `a value that became a secret later: ${name === 'beta' ? KEPT : name === 'gamma' ? FIRST_BROKEN : pin}\n`);

    // Its secrets in a folder named relative to ui.yml (the server runs from another working folder).
    fs.mkdirSync(path.join(project('delta')), { recursive: true });
    fs.writeFileSync(path.join(project('delta'), 'project.yml'), `envs:\n  - key: DB_PASSWORD\n${PROJECT_YML}`);
    fs.mkdirSync(path.join(root, 'secrets', 'delta'), { recursive: true });
    fs.writeFileSync(path.join(root, 'secrets', 'delta', 'dev_secrets.yml'), '- key: DB_PASSWORD\n  value: delta-password-4471\n');

    await writeTestAccounts(path.join(root, 'users.json'), [
      { name: 'vic', role: 'viewer', password: 'vic viewer passphrase' },
      { name: 'otto', role: 'operator', password: 'otto operator passphrase' },
      { name: 'ada', role: 'admin', password: 'ada admin passphrase' },
    ]);
    fs.writeFileSync(
      path.join(root, 'ui.yml'),
      `listen: 127.0.0.1:0
users: users.json
audit_log: audit.jsonl
proxy_auth: {header: X-Forwarded-User, trusted_proxies: [127.0.0.1]}
projects:
${['beta', 'gamma', 'pins'].map((name) => `  - {project: ${name}, workspace: ws/${name}, provider: none}`).join('\n')}
  - {project: delta, workspace: ws/delta, provider: none, vars: [secrets_dir=secrets/delta]}
`,
    );
    ui = await startTeamUi(['--config', path.join(root, 'ui.yml')]);
    [vic, otto, ada] = await Promise.all([signIn(ui, 'vic', 'vic viewer passphrase'), signIn(ui, 'otto', 'otto operator passphrase'), signIn(ui, 'ada', 'ada admin passphrase')]);
  });

  it('keeps masking the values of a secrets file while it does not load, and masks what it can find in one never loaded', async () => {
    expect(await readLog('beta')).toContain('a value that became a secret later: ***');
    // An edit in progress: the file stops loading, and a value is added meanwhile.
    fs.writeFileSync(path.join(project('beta'), '.secrets', 'dev_secrets.yml'), `- key: REPORT_KEY\n  value: ${KEPT}\n- key: ADDED\n  value: |\n    ${ADDED}\n  x: [\n`);
    fs.appendFileSync(consoleLog('beta'), `printed later: ${ADDED}\n`);
    await waitForAnswer(async () => (await readJsonAs<ProjectResponse>(vic, '/api/projects/beta/project')).secretsProblem?.includes('not valid YAML') === true, 10_000);
    const log = await readLog('beta');
    expect(log).toContain('a value that became a secret later: ***');
    expect(log).toContain('printed later: ***');
    expect(log).not.toContain(KEPT);
    expect(log).not.toContain(ADDED);
    const gamma = await readLog('gamma');
    expect(gamma).toContain('a value that became a secret later: ***');
    expect(gamma).not.toContain(FIRST_BROKEN);
    expect((await readJsonAs<ProjectResponse>(vic, '/api/projects/gamma/project')).secretsProblem).toMatch(/not valid YAML.*masks the values/);
  });

  it('leaves a short secret inside the run ids and times handoff made, so no mask shows it by context and links work', async () => {
    const page = await readJsonAs<RunsPage>(vic, '/api/projects/pins/runs');
    expect(page.runs[0]).toMatchObject({ runId });
    expect(page.runs[0].startedAt).not.toContain('***');
    expect((await readJsonAs<RunDetail>(vic, `/api/projects/pins/runs/${runId}`)).record.runId).toBe(runId);
    const card = (await readJsonAs<{ projects: Array<{ id: string; lastRun?: { runId: string } }> }>(vic, '/api/projects')).projects.find((p) => p.id === 'pins');
    expect(card?.lastRun?.runId).toBe(runId);
    // Text from the run is masked as ever.
    expect(await readLog('pins')).toContain('a value that became a secret later: ***');
  });

  it('refuses an action (and a sign-in) whose audit line cannot be written, before it acts', async () => {
    const auditLog = path.join(root, 'audit.jsonl');
    const runsBefore = fs.readdirSync(path.join(root, 'ws', 'beta', 'runs')).length;
    fs.renameSync(auditLog, `${auditLog}.saved`);
    fs.mkdirSync(auditLog);
    try {
      const start = await otto.call('/api/projects/beta/runs', { method: 'POST' });
      expect(start.status).toBe(503);
      expect(((await start.json()) as { message: string }).message).toMatch(/audit log .* cannot be written/);
      const login = await callTeam(ui, '/api/login', { method: 'POST', json: { user: 'vic', password: 'vic viewer passphrase' } });
      expect(login.status).toBe(503);
      expect(cookieOf(login)).toBeUndefined();
      // Reading goes on.
      expect((await vic.call('/api/projects/beta/runs')).status).toBe(200);
    } finally {
      fs.rmdirSync(auditLog);
      fs.renameSync(`${auditLog}.saved`, auditLog);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fs.readdirSync(path.join(root, 'ws', 'beta', 'runs')).length).toBe(runsBefore);
  });

  it('answers a proxy user\'s requests without a cookie statelessly: no session, no login line, no other session ended', async () => {
    const audit = (): number => readAuditFile(path.join(root, 'audit.jsonl')).filter((e) => e.action === 'login' && e.user === 'ada').length;
    const logins = audit();
    for (let i = 0; i < 55; i++) {
      const response = await callTeam(ui, '/api/projects', { headers: { 'x-forwarded-user': 'ada' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    expect(audit()).toBe(logins);
    // Ada's password session lives on.
    expect((await ada.call('/api/session')).status).toBe(200);
    // An action needs the session (and its CSRF token) the page gets from /api/session.
    expect((await callTeam(ui, '/api/projects/beta/runs', { method: 'POST', headers: { 'x-forwarded-user': 'otto' } })).status).toBe(403);
    const session = await callTeam(ui, '/api/session', { headers: { 'x-forwarded-user': 'ada' } });
    expect(cookieOf(session)).toMatch(/^handoff_session=/);
    expect(audit()).toBe(logins + 1);
  });

  it('starts the runs of a project whose ui.yml vars name secrets_dir relative to ui.yml with that folder\'s secrets', async () => {
    expect(process.cwd()).not.toBe(root);
    const started = await otto.call('/api/projects/delta/runs', { method: 'POST' });
    const body = (await started.json()) as { runId?: string; message: string };
    expect(started.status, body.message).toBe(201);
    await waitForAnswer(async () => (await readJsonAs<RunDetail>(vic, `/api/projects/delta/runs/${body.runId}`)).record.status === 'succeeded', 20_000);
  });

  it('masks a key rotated in place in a subfolder of a project\'s .secrets/ (ui9 finding)', async () => {
    const [oldKey, newKey] = ['pins-old-rot-41127', 'pins-new-rot-90254'];
    fs.mkdirSync(path.join(project('pins'), '.secrets', 'keys'), { recursive: true });
    fs.writeFileSync(path.join(project('pins'), '.secrets', 'keys', 'rot.txt'), oldKey);
    fs.writeFileSync(path.join(project('pins'), '.secrets', 'dev_secrets.yml'), `- key: PIN\n  value: "${pin}"\n- key: ROT\n  file: keys/rot.txt\n`);
    fs.appendFileSync(consoleLog('pins'), `rotated later: ${newKey}\n`);
    await waitForAnswer(async () => (await readJsonAs<ProjectResponse>(vic, '/api/projects/pins/project')).secrets.some((s) => s.key === 'ROT'), 10_000);
    expect(await readLog('pins')).toContain(`rotated later: ${newKey}`);
    fs.writeFileSync(path.join(project('pins'), '.secrets', 'keys', 'rot.txt'), newKey);
    await waitForAnswer(async () => (await readLog('pins')).includes('rotated later: ***'), 5000);
    expect(await readLog('pins')).not.toContain(newKey);
  });

  it('refuses audit filters it cannot use, and takes a date alone as its whole day', async () => {
    for (const query of ['since=garbage', 'until=2020-13-45', 'outcome=bogus', 'since=1']) {
      const response = await ada.call(`/api/admin/audit?${query}`);
      expect(response.status, query).toBe(400);
    }
    const today = new Date().toISOString().slice(0, 10);
    const page = await readJsonAs<{ entries: unknown[] }>(ada, `/api/admin/audit?until=${today}&since=${today}`);
    expect(page.entries.length).toBeGreaterThan(0);
  });
});
