// The team server in a real headless Chromium: sign in, see only what the role allows, an operator runs a project and
// watches it finish, a viewer's attempt to run is refused (403) and audited, sign out, an expired session, a POST
// without the CSRF token, wrong passwords rate-limited; the admin page with the audit log.
// With HANDOFF_SCREENSHOTS_DIR set (npm run screenshots) it records more history and saves PNGs of the pages there.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/ui/accounts/roles.js';
import { makeTempDir, runCli } from './helpers/cli.js';
import { CHROMIUM, CHROMIUM_ARGS, readAuditFile, startTeamUi, stopUis, writeTestAccounts, type TeamUiProcess } from './helpers/ui-process.js';

const SCREENSHOTS = process.env.HANDOFF_SCREENSHOTS_DIR;
const SECRET = 'wh-secret-3e9f61';
const PASSWORDS: Record<string, string> = { vic: 'vic viewer horse battery', otto: 'otto operator horse battery', ada: 'ada admin horse battery' };
const ROLES: Record<string, Role> = { vic: 'viewer', otto: 'operator', ada: 'admin' };

function projectYml(name: string, gate: string): string {
  return `description: ${name} from the shop's API into the warehouse
envs:
  - key: WAREHOUSE_PASSWORD
tasks:
  - name: extract
    pipeline:
      - command: sh
        args: -c 'echo "connecting with $WAREHOUSE_PASSWORD" >&2; echo "INFO waiting for the warehouse" >&2; while [ -f ${gate} ]; do sleep 0.05; done; seq 1 \${ROWS:-25}'
      - command: wc
        args: -l
  - name: load
    commands:
      - command: sh
        args: -c 'echo "INFO loaded the rows" >&2; test -z "$FAIL"'
deploy:
  resource_group: shop
  task: ${name}
schedules:
  - target_id: 1
    name: nightly
    cron: "30 2 * * ? *"
    timezone: Europe/Berlin
  - target_id: 2
    name: hourly
    cron: "0 * * * ? *"
`;
}

const readAudit = readAuditFile;

async function shot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A project deployed to the local provider: its cloud runs are background jobs against the store in HANDOFF_HOME. */
function cloudProjectYml(gate: string): string {
  return `description: customer events synced by jobs of the provider
tasks:
  - name: sync
    commands:
      - command: sh
        args: -c 'echo "INFO job started, syncing events" >&2; while [ -f ${gate} ]; do sleep 0.05; done; echo "INFO events synced" >&2'
deploy:
  cloud_provider: local
  resource_group: shop
  task: events
`;
}

/** A team server over a few projects with some history, and its accounts. */
async function setUpServer(extraYml = ''): Promise<{ root: string; gate: string; home: string; auditLog: string; ui: TeamUiProcess }> {
  const root = makeTempDir('handoff-team-browser-');
  const gate = path.join(root, 'warehouse.gate');
  const home = path.join(root, 'home');
  fs.mkdirSync(path.join(root, 'events'));
  fs.writeFileSync(path.join(root, 'events', 'project.yml'), cloudProjectYml(path.join(root, 'job.gate')));
  for (const args of [
    ['cloud', 'bucket', 'create', '-p', path.join(root, 'events')],
    ['project', 'push', '-p', path.join(root, 'events'), '-y'],
  ]) {
    const r = await runCli(args, { env: { HANDOFF_HOME: home } });
    expect(r.code, r.stderr).toBe(0);
  }
  const names = ['orders', 'customers', 'invoices', ...(SCREENSHOTS ? ['inventory', 'refunds'] : [])];
  for (const name of names) {
    const dir = path.join(root, name);
    fs.mkdirSync(path.join(dir, '.secrets'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'project.yml'), projectYml(name, gate));
    fs.writeFileSync(path.join(dir, '.secrets', 'dev_secrets.yml'), `- key: WAREHOUSE_PASSWORD\n  value: ${SECRET}\n`);
  }
  // History: a good run of each, a failed last run of invoices; more for screenshots.
  const history: Array<[string, Record<string, string>]> = [
    ['orders', {}],
    ['customers', {}],
    ['invoices', {}],
    ['invoices', { FAIL: '1' }],
    ...(SCREENSHOTS
      ? ([
          ['orders', { ROWS: '120' }],
          ['orders', { ROWS: '90' }],
          ['orders', { FAIL: '1' }],
          ['orders', { ROWS: '150' }],
          ['inventory', {}],
          ['refunds', { FAIL: '1' }],
          ['refunds', {}],
        ] as Array<[string, Record<string, string>]>)
      : []),
  ];
  for (const [name, env] of history) {
    const r = await runCli(['run', 'local', '-p', path.join(root, name), '-w', path.join(root, 'ws', name)], { env });
    expect(r.code, r.stderr).toBe(env.FAIL ? 1 : 0);
  }
  await writeTestAccounts(
    path.join(root, 'users.json'),
    Object.entries(ROLES).map(([name, role]) => ({ name, role, password: PASSWORDS[name] })),
  );
  fs.writeFileSync(
    path.join(root, 'ui.yml'),
    `listen: 127.0.0.1:0
users: users.json
audit_log: audit.jsonl
${extraYml}projects:
${names.map((n) => `  - {project: ${n}, workspace: ws/${n}, provider: none}`).join('\n')}
  - {project: events, workspace: ws/events}
`,
  );
  const ui = await startTeamUi(['--config', path.join(root, 'ui.yml')], { HANDOFF_HOME: home });
  return { root, gate, home, auditLog: path.join(root, 'audit.jsonl'), ui };
}

async function signInWith(page: Page, ui: TeamUiProcess, user: string): Promise<void> {
  await page.goto(`${ui.base}/`);
  await page.locator('form[data-form="login"]').waitFor();
  await page.fill('#login-user', user);
  await page.fill('#login-password', PASSWORDS[user]);
  // The login's own answer is checked first, so a sign-in that fails says whether the form sent nothing or what the
  // server answered (seen once in CI: the badge never came and the audit log had no login for that user).
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/login' && r.request().method() === 'POST');
  await page.click('form[data-form="login"] button[type="submit"]');
  const response = await answer;
  expect(response.status(), `POST /api/login for ${user}: ${await response.text()}`).toBe(200);
  await page.locator(`.user-badge[data-user="${user}"]`).waitFor();
}

describe('handoff ui serve in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let server: Awaited<ReturnType<typeof setUpServer>>;

  beforeAll(async () => {
    server = await setUpServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    if (server?.ui) {
      server.ui.child.kill('SIGTERM');
      expect((await server.ui.exited).code).toBe(0);
    }
    stopUis();
  });

  it('shows the sign-in form first, then the projects with their health; the session cookie is HttpOnly', async () => {
    await page.goto(`${server.ui.base}/`);
    await page.locator('form[data-form="login"]').waitFor();
    expect(await page.title()).toBe('Sign in · handoff');
    await shot(page, 'team-sign-in');
    await signInWith(page, server.ui, 'vic');
    await page.locator('.project-card[data-project="invoices"]').waitFor();
    expect(await page.locator('.project-card').count()).toBe(SCREENSHOTS ? 6 : 4);
    expect(await page.locator('.project-card[data-project="invoices"] .health').getAttribute('data-health')).toBe('failing');
    expect(await page.locator('.project-card[data-project="orders"] .health').getAttribute('data-health')).toBe('ok');
    // The card names the schedule that fires first: nightly (02:30 in Berlin) from 02:00 to 02:30 there, else hourly.
    const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date());
    const firstToFire = berlin >= '02:00' && berlin < '02:30' ? 'nightly' : 'hourly';
    expect(await page.locator('.project-card[data-project="orders"]').textContent()).toMatch(new RegExp(`next ?${firstToFire}: `));
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'handoff_session', httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await shot(page, 'team-projects');
  });

  it('shows a viewer no run buttons and no admin pages; its attempt to run anyway is refused by the server (403) and audited', async () => {
    await page.goto(`${server.ui.base}/#/p/orders/project`);
    await page.locator('svg[data-task="extract"]').waitFor();
    expect(await page.locator('[data-action="run-now"]').count()).toBe(0);
    expect(await page.locator('.nav-link[data-nav="admin"]').count()).toBe(0);
    expect(await page.locator('.user-badge .role-tag').textContent()).toBe('viewer');
    await page.goto(`${server.ui.base}/#/admin`);
    await page.locator('.project-card').first().waitFor();
    expect(await page.locator('form[data-form="audit"]').count()).toBe(0);

    // The viewer tries anyway, as the page would, with its session's CSRF token.
    const attempt = await page.evaluate(async () => {
      const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
      const response = await fetch('/api/projects/orders/runs', { method: 'POST', headers: { 'X-CSRF-Token': session.csrfToken } });
      return { status: response.status, body: (await response.json()) as { message: string } };
    });
    expect(attempt.status).toBe(403);
    expect(attempt.body.message).toContain('viewer');
    expect(readAudit(server.auditLog).find((e) => e.user === 'vic' && e.action === 'run_start')).toMatchObject({ outcome: 'denied', role: 'viewer', project: 'orders', status: 403, from: '127.0.0.1' });
    expect(fs.readdirSync(path.join(server.root, 'ws', 'orders', 'runs')).filter((f) => f.endsWith('.json'))).toHaveLength(SCREENSHOTS ? 5 : 1);
  });

  it('signs out with the button: the sign-in form comes back and the old session opens nothing', async () => {
    const cookie = (await context.cookies())[0];
    await page.goto(`${server.ui.base}/#/`);
    await page.locator('[data-action="sign-out"]').click();
    await page.locator('form[data-form="login"]').waitFor();
    expect(await page.textContent('.login-card')).toContain('You are signed out');
    const replayed = await fetch(`${server.ui.base}/api/projects`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(replayed.status).toBe(401);
    expect(readAudit(server.auditLog).some((e) => e.user === 'vic' && e.action === 'logout')).toBe(true);
  });

  it('lets an operator run a project and watch it finish, live; secrets never reach the page', async () => {
    fs.writeFileSync(server.gate, '');
    await signInWith(page, server.ui, 'otto');
    await page.locator('.project-card[data-project="orders"] .project-card-name').click();
    await page.locator('svg[data-task="extract"]').waitFor();
    await page.locator('[data-action="run-now"]').click();
    await page.waitForURL(/#\/p\/orders\/runs\/.+/);
    const log = page.locator('.log-panel pre.log');
    await log.filter({ hasText: 'waiting for the warehouse' }).waitFor();
    expect(await page.locator('.facts .status-running').count()).toBe(1);
    expect(await page.locator('[data-action="stop"]').count()).toBe(1);
    fs.rmSync(server.gate);
    await page.locator('.facts .status-succeeded').waitFor({ timeout: 20_000 });
    await log.filter({ hasText: 'Job ended at' }).waitFor();
    expect(await log.textContent()).toContain('connecting with ***');
    expect(await page.content()).not.toContain(SECRET);
    await shot(page, 'team-run');
    const runId = decodeURIComponent(page.url().split('/runs/')[1]);
    expect(readAudit(server.auditLog).find((e) => e.user === 'otto' && e.action === 'run_start' && e.outcome === 'ok')).toMatchObject({ target: runId, project: 'orders', role: 'operator' });

    await page.locator('.nav-link[data-nav="runs"]').click();
    await page.locator(`tr[data-run-id="${runId}"] .status-succeeded`).waitFor();
    await shot(page, 'team-runs');
    // Back on the list, the project's card shows the new run.
    await page.locator('.nav-link[data-nav="projects"]').click();
    await page.locator(`.project-card[data-project="orders"] a[href$="${encodeURIComponent(runId)}"]`).waitFor();
  });

  it('lets an operator start a cloud job, follow its log live on the job page, and stop it', async () => {
    const jobGate = path.join(server.root, 'job.gate');
    fs.writeFileSync(jobGate, '');
    await page.goto(`${server.ui.base}/#/p/events/project`);
    await page.locator('svg[data-task="sync"]').waitFor();
    await page.locator('[data-action="run-cloud"]').click();
    await page.waitForURL(/#\/p\/events\/jobs\/.+/);
    const jobId = decodeURIComponent(page.url().split('/jobs/')[1]);
    await page.locator('pre.log[data-job]').filter({ hasText: 'job started, syncing events' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.facts[data-job-status="running"]').count()).toBe(1);
    await shot(page, 'team-job');
    // Stop asks first: dismissed, nothing is stopped (the next answer is yes).
    const questions: string[] = [];
    page.once('dialog', (dialog) => void (questions.push(dialog.message()), dialog.dismiss()));
    await page.locator('[data-action="stop"]').click();
    expect(questions).toEqual([expect.stringContaining(`Stop job ${jobId}?`)]);
    expect(await page.locator('.facts[data-job-status="running"]').count()).toBe(1);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('[data-action="stop"]').click();
    await page.locator('.facts[data-job-status="interrupted"]').waitFor({ timeout: 20_000 });
    // A stopped job still has its duration (its run's end), not "–".
    await page.locator('.fact', { hasText: 'duration' }).locator('.fact-value').filter({ hasText: /\d/ }).waitFor();
    fs.rmSync(jobGate, { force: true });
    // The runs table lists the job as a cloud run.
    await page.locator('.nav-link[data-nav="runs"]').click();
    await page.locator(`tr[data-job-id="${jobId}"] .tag-cloud`).waitFor();
    const audit = readAudit(server.auditLog).filter((e) => e.user === 'otto' && e.project === 'events');
    expect(audit.map((e) => `${e.action} ${e.outcome} ${e.target}`)).toEqual([`cloud_run_start ok ${jobId}`, `job_stop ok ${jobId}`]);
  });

  it('refuses a POST without the CSRF token, even from the signed-in page itself', async () => {
    const before = fs.readdirSync(path.join(server.root, 'ws', 'orders', 'runs')).filter((f) => f.endsWith('.json')).length;
    const status = await page.evaluate(async () => (await fetch('/api/projects/orders/runs', { method: 'POST' })).status);
    expect(status).toBe(403);
    expect(fs.readdirSync(path.join(server.root, 'ws', 'orders', 'runs')).filter((f) => f.endsWith('.json')).length).toBe(before);
    expect(readAudit(server.auditLog).some((e) => e.user === 'otto' && e.action === 'run_start' && e.outcome === 'denied' && e.detail === 'no valid CSRF token')).toBe(true);
  });

  it('shows an admin the audit log, filterable, and the accounts', async () => {
    await page.locator('[data-action="sign-out"]').click();
    await page.locator('form[data-form="login"]').waitFor();
    await signInWith(page, server.ui, 'ada');
    await page.locator('.nav-link[data-nav="admin"]').click();
    await page.locator('.audit-row').first().waitFor();
    expect(await page.locator('.audit-row[data-action="login"]').count()).toBeGreaterThanOrEqual(3);
    await page.fill('[data-filter="user"]', 'vic');
    await page.selectOption('[data-filter="action"]', 'run_start');
    await page.locator('.audit-row').first().waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('.audit-row')].every((row) => row.getAttribute('data-action') === 'run_start'));
    const rows = page.locator('.audit-row');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-outcome')).toBe('denied');
    expect(await rows.first().textContent()).toContain('orders');
    expect(await page.locator('.accounts-table tr[data-account]').count()).toBe(3);
    await page.fill('[data-filter="user"]', '');
    await page.selectOption('[data-filter="action"]', '');
    await page.waitForFunction(() => document.querySelectorAll('.audit-row').length > 3);
    await shot(page, 'team-admin');
  });

  it('rate-limits wrong passwords on the sign-in form, counting the wait down', async () => {
    await page.locator('[data-action="sign-out"]').click();
    await page.locator('form[data-form="login"]').waitFor();
    for (let i = 0; i < 5; i++) {
      await page.fill('#login-user', 'otto');
      await page.fill('#login-password', `not the password ${i}`);
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/login') && r.request().method() === 'POST');
      await page.click('form[data-form="login"] button[type="submit"]');
      expect((await answered).status()).toBe(401);
    }
    await page.locator('.login-message[data-wait]').waitFor();
    expect(await page.locator('.login-message').textContent()).toMatch(/Try again in \d+ s/);
    expect(await page.locator('form[data-form="login"] button[type="submit"]').isDisabled()).toBe(true);
    // The right password, sent during the wait, is refused too (429) without being checked.
    const status = await page.evaluate(async (password) => (await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'otto', password }) })).status, PASSWORDS.otto);
    expect(status).toBe(429);
    expect(readAudit(server.auditLog).filter((e) => e.action === 'login_failed' && e.user === 'otto' && e.outcome === 'failed')).toHaveLength(5);
    await shot(page, 'team-rate-limited');
  });
});

describe('an expired session in Chromium', () => {
  it('brings back the sign-in form saying the session ended, at the next click', async () => {
    const server = await setUpServer('sessions: {idle_timeout: 2s, max_age: 1h}\n');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      await signInWith(page, server.ui, 'otto');
      await page.locator('.project-card[data-project="orders"] .project-card-name').click();
      await page.locator('svg[data-task="extract"]').waitFor();
      await page.waitForTimeout(2500);
      // The next click reads the API and finds the session ended (unless the page found out already from its event
      // stream, which the server closed when the session ended).
      await page
        .locator('.nav-link[data-nav="runs"]')
        .click({ timeout: 1000 })
        .catch(() => undefined);
      await page.locator('form[data-form="login"]').waitFor();
      expect(await page.locator('[data-reason="expired"]').textContent()).toContain('Your session has ended');
      // Signing in again works from there.
      await page.fill('#login-user', 'otto');
      await page.fill('#login-password', PASSWORDS.otto);
      await page.click('form[data-form="login"] button[type="submit"]');
      await page.locator('.user-badge[data-user="otto"]').waitFor();
    } finally {
      await browser.close();
      server.ui.child.kill('SIGTERM');
      await server.ui.exited;
    }
  });
});

describe('a viewer of the team server in Chromium', () => {
  it("sees the header's project name (and the tab title) follow project.yml's rename on every page, as an operator does (ui11 left)", async () => {
    const root = makeTempDir('handoff-team-rename-');
    const yml = (task: string): string => `tasks:\n- name: sync\n  commands:\n  - command: "true"\ndeploy:\n  task: ${task}\n`;
    fs.mkdirSync(path.join(root, 'orders'));
    fs.writeFileSync(path.join(root, 'orders', 'project.yml'), yml('orders-first'));
    await writeTestAccounts(path.join(root, 'users.json'), [
      { name: 'vic', role: 'viewer', password: PASSWORDS.vic },
      { name: 'otto', role: 'operator', password: PASSWORDS.otto },
    ]);
    fs.writeFileSync(path.join(root, 'ui.yml'), 'listen: 127.0.0.1:0\nusers: users.json\naudit_log: audit.jsonl\nprojects:\n  - {project: orders, workspace: ws/orders, provider: none}\n');
    const ui = await startTeamUi(['--config', path.join(root, 'ui.yml')], { HANDOFF_HOME: path.join(root, 'home') });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const pages: Page[] = [];
      for (const user of ['vic', 'otto']) {
        const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
        await signInWith(page, ui, user);
        // The Runs page: not the Project page, whose heading is read again on its own.
        await page.goto(`${ui.base}/#/p/orders/runs`);
        await page.locator('.topbar .project-name', { hasText: 'orders-first' }).waitFor();
        await page.locator('.connection.connected:visible').waitFor();
        pages.push(page);
      }
      expect(await pages[0].locator('[data-action="run-now"]').count()).toBe(0);
      fs.writeFileSync(path.join(root, 'orders', 'project.yml'), yml('orders-second'));
      for (const page of pages) {
        await expect.poll(() => page.locator('.topbar .project-name').textContent(), { timeout: 30_000 }).toBe('orders-second');
        await expect.poll(() => page.title(), { timeout: 30_000 }).toContain('orders-second');
      }
    } finally {
      await browser.close();
      ui.child.kill('SIGTERM');
      await ui.exited;
    }
  });
});
