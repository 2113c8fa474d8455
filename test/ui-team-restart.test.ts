// The team server's sessions across a restart (a new `handoff ui serve` process on the same port and HANDOFF_HOME): an
// open tab in a real headless Chromium goes on working, its actions too (the CSRF token holds); a sign-out, a new
// password, an account's removal and `--new-token` still end sessions after it; the kept file is 0600 and holds no
// cookie value. Failed sign-in counts outlive a restart; two servers at once on one HANDOFF_HOME (an overlapping rolling
// restart) share their sessions; `handoff ui user signout` ends an account's sessions on a running server.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/cli.js';
import { findFreePort } from './helpers/free-port.js';
import { callTeam, CHROMIUM, CHROMIUM_ARGS, runCliWithInput, signIn, startTeamUi, stopUis, waitForAnswer, writeTestAccounts, type TeamClient, type TeamUiProcess } from './helpers/ui-process.js';

const PASSWORDS = { vic: 'vic viewer horse battery', otto: 'otto operator horse battery', ada: 'ada admin horse battery' };

interface Setup {
  root: string;
  home: string;
  port: number;
  config: string;
  users: string;
}

async function setUp(): Promise<Setup> {
  const root = makeTempDir('handoff-team-restart-');
  const home = path.join(root, 'home');
  fs.mkdirSync(path.join(root, 'orders'));
  // While the file `hold` exists, the run waits (a run that goes on while the server restarts).
  fs.writeFileSync(path.join(root, 'orders', 'project.yml'), `tasks:\n  - name: extract\n    commands:\n      - command: sh\n        args: -c 'echo "INFO rows extracted" >&2; while [ -f ${path.join(root, 'hold')} ]; do sleep 0.05; done'\n`);
  const users = path.join(root, 'users.json');
  await writeTestAccounts(users, [
    { name: 'vic', role: 'viewer', password: PASSWORDS.vic },
    { name: 'otto', role: 'operator', password: PASSWORDS.otto },
    { name: 'ada', role: 'admin', password: PASSWORDS.ada },
    // A second admin, so that ada (not the last one) can be removed.
    { name: 'max', role: 'admin', password: 'max admin horse battery' },
  ]);
  const port = await findFreePort();
  const config = path.join(root, 'ui.yml');
  fs.writeFileSync(config, `listen: 127.0.0.1:${port}\nusers: users.json\naudit_log: audit.jsonl\nprojects:\n  - {project: orders, workspace: ws/orders, provider: none}\n`);
  return { root, home, port, config, users };
}

function start(setup: Setup, extra: string[] = []): Promise<TeamUiProcess> {
  return startTeamUi(['--config', setup.config, ...extra], { HANDOFF_HOME: setup.home });
}

async function stop(ui: TeamUiProcess): Promise<void> {
  ui.child.kill('SIGTERM');
  expect((await ui.exited).code).toBe(0);
}

/** Every file under HANDOFF_HOME whose name speaks of sessions. */
function sessionFiles(home: string): string[] {
  if (!fs.existsSync(home)) return [];
  return (fs.readdirSync(home, { recursive: true }) as string[]).map((f) => path.join(home, f)).filter((f) => /session/.test(path.relative(home, f)) && fs.statSync(f).isFile());
}

/** The status of a signed-in client's request to a server, which need not be the one it signed in on. */
async function statusAt(ui: TeamUiProcess, client: TeamClient, pathname = '/api/projects', method = 'GET'): Promise<number> {
  const headers: Record<string, string> = { cookie: client.cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': client.csrf }) };
  return (await callTeam(ui, pathname, { method, headers, ...(method === 'GET' ? {} : { json: {} }) })).status;
}

async function signInWith(page: Page, ui: TeamUiProcess, user: keyof typeof PASSWORDS): Promise<void> {
  await page.goto(`${ui.base}/`);
  await page.locator('form[data-form="login"]').waitFor();
  await page.fill('#login-user', user);
  await page.fill('#login-password', PASSWORDS[user]);
  await page.click('form[data-form="login"] button[type="submit"]');
  await page.locator(`.user-badge[data-user="${user}"]`).waitFor();
}

describe('the team server restarted (a new process, same port and HANDOFF_HOME)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    stopUis();
  });

  it('keeps an open tab signed in: it reads and runs after the restart without a new sign-in; the kept file is 0600 and holds no cookie value', async () => {
    const setup = await setUp();
    let ui = await start(setup);
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const page = await context.newPage();
      await signInWith(page, ui, 'otto');
      await page.locator('.project-card[data-project="orders"] .project-card-name').click();
      await page.locator('svg[data-task="extract"]').waitFor();
      const cookie = (await context.cookies())[0];

      await stop(ui);
      ui = await start(setup);
      expect(ui.port).toBe(setup.port);

      // The kept sessions: readable by this user only, without the cookie's value (only a digest of it).
      const files = sessionFiles(setup.home);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        expect(fs.statSync(file).mode & 0o777, file).toBe(0o600);
        expect(fs.readFileSync(file, 'utf8')).not.toContain(cookie.value);
      }

      // The same tab, no reload: Run now (a POST with the CSRF token the page got before the restart) starts a run.
      await page.locator('[data-action="run-now"]').click();
      await page.waitForURL(/#\/p\/orders\/runs\/.+/);
      await page.locator('.log-panel pre.log').filter({ hasText: 'rows extracted' }).waitFor();
      expect(await page.locator('form[data-form="login"]').count()).toBe(0);
      // And a reload keeps the session too.
      await page.reload();
      await page.locator('.user-badge[data-user="otto"]').waitFor();
    } finally {
      await context.close();
      await stop(ui);
    }
  });

  it('refuses after the restart a session that was signed out, whose password changed, whose account was removed; --new-token ends the rest', async () => {
    const setup = await setUp();
    let ui = await start(setup);
    const context = await browser.newContext();
    try {
      // Signed out with the page's button.
      const page = await context.newPage();
      await signInWith(page, ui, 'vic');
      const signedOut = (await context.cookies())[0];
      await page.locator('[data-action="sign-out"]').click();
      await page.locator('form[data-form="login"]').waitFor();
      const vic = await signIn(ui, 'vic', PASSWORDS.vic);
      const otto = await signIn(ui, 'otto', PASSWORDS.otto);
      const ada = await signIn(ui, 'ada', PASSWORDS.ada);
      // A password changed on the admin page while the server runs (otto's), and by the CLI while it is stopped (ada's
      // own, then her account removed by the CLI).
      const adaAgain = await signIn(ui, 'ada', PASSWORDS.ada);
      const changed = await ada.call('/api/admin/users/otto/password', { method: 'POST', json: { password: 'otto new horse battery' } });
      expect(changed.status, await changed.text()).toBe(200);
      await stop(ui);
      const passwd = await runCliWithInput(['ui', 'user', 'passwd', 'vic', '--password-stdin', '--config', setup.config], 'vic new horse battery\n', { HANDOFF_HOME: setup.home });
      expect(passwd.code, passwd.stderr).toBe(0);
      const removed = await runCliWithInput(['ui', 'user', 'remove', 'ada', '--config', setup.config], '', { HANDOFF_HOME: setup.home });
      expect(removed.code, removed.stderr).toBe(0);

      ui = await start(setup);
      const refused = async (cookie: string): Promise<number> => (await fetch(`${ui.base}/api/projects`, { headers: { cookie } })).status;
      expect(await refused(`${signedOut.name}=${signedOut.value}`)).toBe(401);
      expect(await refused(otto.cookie)).toBe(401);
      expect(await refused(vic.cookie)).toBe(401);
      expect(await refused(adaAgain.cookie)).toBe(401);
      // A session nothing happened to stands; until --new-token signs everyone out.
      const otto2 = await signIn(ui, 'otto', 'otto new horse battery');
      expect(await refused(otto2.cookie)).toBe(200);
      await stop(ui);
      ui = await start(setup);
      expect(await refused(otto2.cookie)).toBe(200);
      await stop(ui);
      ui = await start(setup, ['--new-token']);
      expect(ui.stderr()).toMatch(/every kept session ended \(--new-token\): everyone signs in again/);
      expect(await refused(otto2.cookie)).toBe(401);
    } finally {
      await context.close();
      await stop(ui);
    }
  });

  it('lists a run started from the page before the restart as running after it; an operator stops it then, and a second run is refused while it runs', async () => {
    const setup = await setUp();
    fs.writeFileSync(path.join(setup.root, 'hold'), '');
    let ui = await start(setup);
    try {
      const otto = await signIn(ui, 'otto', PASSWORDS.otto);
      const started = await otto.call('/api/projects/orders/runs', { method: 'POST' });
      expect(started.status, await started.clone().text()).toBe(201);
      const { runId } = (await started.json()) as { runId: string };
      const statusOf = async (): Promise<string | undefined> => ((await (await otto.call(`/api/projects/orders/runs/${runId}`)).json()) as { record?: { status: string } }).record?.status;
      await waitForAnswer(async () => (await statusOf()) === 'running');
      await stop(ui);
      ui = await start(setup);
      // The run went on without the server that started it.
      expect(await statusOf()).toBe('running');
      const second = await otto.call('/api/projects/orders/runs', { method: 'POST' });
      expect(second.status).toBe(409);
      const stopped = await otto.call(`/api/projects/orders/runs/${runId}/stop`, { method: 'POST' });
      expect(stopped.status, await stopped.clone().text()).toBe(202);
      await waitForAnswer(async () => (await statusOf()) === 'interrupted', 30_000);
    } finally {
      fs.rmSync(path.join(setup.root, 'hold'), { force: true });
      await stop(ui);
    }
  });
  it('keeps the failed sign-in counts across a restart: the next failure waits as it would have without it; the kept file holds neither name nor address', async () => {
    const setup = await setUp();
    let ui = await start(setup);
    const tryLogin = (user: string, password: string): Promise<Response> => callTeam(ui, '/api/login', { method: 'POST', json: { user, password } });
    try {
      // Five free failures (a password typed into the name box among them).
      for (const user of ['ada', 'ada', 'correct horse typed as a name', 'ada', 'ada']) expect((await tryLogin(user, 'wrong password here')).status).toBe(401);
      await stop(ui);
      ui = await start(setup);
      // The sixth failure, whenever it is allowed, starts a wait of 2 s: the five before the restart still count (a
      // restart without kept counts would make it the first, with no wait).
      let sixth = await tryLogin('ada', 'wrong password here');
      while (sixth.status === 429) {
        await new Promise((resolve) => setTimeout(resolve, Number(sixth.headers.get('retry-after') ?? 1) * 1000));
        sixth = await tryLogin('ada', 'wrong password here');
      }
      const body = await sixth.text();
      expect(sixth.status, body).toBe(401);
      expect(body).toContain('wait 2 s before the next try');
      expect((JSON.parse(body) as { retryAfterSeconds?: number }).retryAfterSeconds).toBe(2);
      const kept = sessionFiles(setup.home).filter((f) => f.includes('failed-logins'));
      expect(kept).toHaveLength(1);
      expect(fs.statSync(kept[0]).mode & 0o777).toBe(0o600);
      const text = fs.readFileSync(kept[0], 'utf8');
      expect(text).not.toContain('correct horse');
      expect(text).not.toContain('127.0.0.1');
    } finally {
      await stop(ui);
    }
  });

  it('shares the sessions of two servers at once on one HANDOFF_HOME (an overlapping rolling restart): each takes the other\'s, a sign-out on one holds on both, and all stand after a restart', async () => {
    const setup = await setUp();
    let a = await start(setup);
    const b = await start(setup, ['--port', '0']);
    try {
      expect(b.port).not.toBe(a.port);
      const otto = await signIn(a, 'otto', PASSWORDS.otto);
      const vic = await signIn(b, 'vic', PASSWORDS.vic);
      const ada = await signIn(a, 'ada', PASSWORDS.ada);
      for (const client of [otto, vic, ada]) {
        expect(await statusAt(a, client), `${client.user} on a`).toBe(200);
        expect(await statusAt(b, client), `${client.user} on b`).toBe(200);
      }
      // ada signs out on b (her session was made on a): a refuses it at once.
      expect(await statusAt(b, ada, '/api/logout', 'POST')).toBe(200);
      expect(await statusAt(a, ada)).toBe(401);
      // a restarts (the rolling restart's second half) while b serves: everyone else stays signed in on both.
      await stop(a);
      a = await start(setup);
      const max = await signIn(a, 'max', 'max admin horse battery');
      for (const client of [otto, vic, max]) {
        expect(await statusAt(a, client), `${client.user} on a`).toBe(200);
        expect(await statusAt(b, client), `${client.user} on b`).toBe(200);
      }
      expect(await statusAt(a, ada)).toBe(401);
      expect(await statusAt(b, ada)).toBe(401);
    } finally {
      await stop(b);
      await stop(a);
    }
  });

  it('ends every session of one account on a running server with `handoff ui user signout NAME`; others stay', async () => {
    const setup = await setUp();
    const ui = await start(setup);
    try {
      const otto = await signIn(ui, 'otto', PASSWORDS.otto);
      const otto2 = await signIn(ui, 'otto', PASSWORDS.otto);
      const vic = await signIn(ui, 'vic', PASSWORDS.vic);
      const out = await runCliWithInput(['ui', 'user', 'signout', 'OTTO', '--config', setup.config], '', { HANDOFF_HOME: setup.home });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toContain('Ended 2 sessions of otto');
      expect(await statusAt(ui, otto)).toBe(401);
      expect(await statusAt(ui, otto2)).toBe(401);
      expect(await statusAt(ui, vic)).toBe(200);
      const audit = fs.readFileSync(path.join(setup.root, 'audit.jsonl'), 'utf8');
      expect(audit).toMatch(/"action":"user_signout".*"target":"otto"/);
      const unknown = await runCliWithInput(['ui', 'user', 'signout', 'nobody', '--config', setup.config], '', { HANDOFF_HOME: setup.home });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('there is no account "nobody" and no session of that name');
      // Run with another HANDOFF_HOME than the server's (a service's): it says it ended nothing there, not "0 sessions".
      const elsewhere = makeTempDir('handoff-home-elsewhere-');
      const wrongHome = await runCliWithInput(['ui', 'user', 'signout', 'vic', '--config', setup.config], '', { HANDOFF_HOME: elsewhere });
      expect(wrongHome.code, wrongHome.stderr).toBe(1);
      expect(wrongHome.stderr).toContain(`no team server has kept sessions in ${elsewhere}`);
      expect(wrongHome.stderr).toContain('the HANDOFF_HOME (and --users file) the team server runs with');
      expect(await statusAt(ui, vic)).toBe(200);
    } finally {
      await stop(ui);
    }
  });
});
