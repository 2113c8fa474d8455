// The Admin page's "Sign out everywhere" for one account (what `handoff ui user signout NAME` does), in a real headless
// Chromium: asked first, then every session of that account ends (its other browser's next request is refused and
// shows the sign-in form), audited as user_signout; a non-admin calling the API is refused (403) and ends nothing.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/cli.js';
import { callTeam, CHROMIUM, CHROMIUM_ARGS, readAuditFile, signIn, startTeamUi, stopUis, writeTestAccounts, type TeamUiProcess } from './helpers/ui-process.js';

const PASSWORDS = { vic: 'vic viewer horse battery', otto: 'otto operator horse battery', ada: 'ada admin horse battery' };

async function signInWith(page: Page, ui: TeamUiProcess, user: keyof typeof PASSWORDS): Promise<void> {
  await page.goto(`${ui.base}/`);
  await page.locator('form[data-form="login"]').waitFor();
  await page.fill('#login-user', user);
  await page.fill('#login-password', PASSWORDS[user]);
  await page.click('form[data-form="login"] button[type="submit"]');
  await page.locator(`.user-badge[data-user="${user}"]`).waitFor();
}

describe('the Admin page signs one account out everywhere', () => {
  let browser: Browser;
  let ui: TeamUiProcess;
  let root: string;
  beforeAll(async () => {
    root = makeTempDir('handoff-team-signout-');
    fs.mkdirSync(path.join(root, 'orders'));
    fs.writeFileSync(path.join(root, 'orders', 'project.yml'), 'tasks:\n  - name: extract\n    commands:\n      - command: "true"\n');
    await writeTestAccounts(path.join(root, 'users.json'), [
      { name: 'vic', role: 'viewer', password: PASSWORDS.vic },
      { name: 'otto', role: 'operator', password: PASSWORDS.otto },
      { name: 'ada', role: 'admin', password: PASSWORDS.ada },
    ]);
    fs.writeFileSync(path.join(root, 'ui.yml'), 'listen: 127.0.0.1:0\nusers: users.json\naudit_log: audit.jsonl\nprojects:\n  - {project: orders, workspace: ws/orders, provider: none}\n');
    ui = await startTeamUi(['--config', path.join(root, 'ui.yml')], { HANDOFF_HOME: path.join(root, 'home') });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    stopUis();
  });

  it('asks, then ends every session of the account (its other browser is signed out); a non-admin gets 403', async () => {
    const vicPage = await (await browser.newContext()).newPage();
    await signInWith(vicPage, ui, 'vic');
    const vicApi = await signIn(ui, 'vic', PASSWORDS.vic);
    const otto = await signIn(ui, 'otto', PASSWORDS.otto);

    // An operator (not an admin) cannot: 403, and vic stays signed in.
    const refused = await callTeam(ui, '/api/admin/users/vic/signout', { method: 'POST', headers: { cookie: otto.cookie, 'x-csrf-token': otto.csrf }, json: {} });
    expect(refused.status).toBe(403);
    expect((await callTeam(ui, '/api/projects', { headers: { cookie: vicApi.cookie } })).status).toBe(200);

    const adaPage = await (await browser.newContext()).newPage();
    await signInWith(adaPage, ui, 'ada');
    await adaPage.locator('.nav-link[data-nav="admin"]').click();
    const button = adaPage.locator('tr[data-account="vic"] [data-action="sign-out-everywhere"]');
    await button.waitFor();
    // Asked first: dismissed, nothing ends.
    const questions: string[] = [];
    adaPage.once('dialog', (dialog) => void (questions.push(dialog.message()), dialog.dismiss()));
    await button.click();
    expect(questions).toEqual([expect.stringContaining('Sign vic out everywhere?')]);
    expect((await callTeam(ui, '/api/projects', { headers: { cookie: vicApi.cookie } })).status).toBe(200);
    adaPage.once('dialog', (dialog) => void dialog.accept());
    await button.click();
    await adaPage.locator('.notice').filter({ hasText: 'Signed vic out: 2 sessions ended' }).first().waitFor();

    expect((await callTeam(ui, '/api/projects', { headers: { cookie: vicApi.cookie } })).status).toBe(401);
    // vic's browser: its next request (a reload here) is refused, and it shows the sign-in form.
    await vicPage.reload();
    await vicPage.locator('form[data-form="login"]').waitFor();
    // ada herself and otto are still signed in.
    expect((await callTeam(ui, '/api/projects', { headers: { cookie: otto.cookie } })).status).toBe(200);
    await adaPage.locator('.audit-row').first().waitFor();
    const audit = readAuditFile(path.join(root, 'audit.jsonl'));
    expect(audit.filter((e) => e.action === 'user_signout').map((e) => `${e.user} ${e.outcome} ${e.target} ${e.detail ?? ''}`)).toEqual(['otto denied vic needs admin', 'ada ok vic 2 sessions ended']);
  });

  it('says so when the sign-out cannot be written for the other servers (the sessions file held by another container): 503, shown and audited', async () => {
    await signIn(ui, 'vic', PASSWORDS.vic);
    const folder = path.join(root, 'home', 'ui-serve-sessions');
    const sessionsFile = path.join(folder, fs.readdirSync(folder).find((f) => /^[0-9a-f]{16}\.json$/.test(f))!);
    const adaPage = await (await browser.newContext()).newPage();
    await signInWith(adaPage, ui, 'ada');
    await adaPage.locator('.nav-link[data-nav="admin"]').click();
    const button = adaPage.locator('tr[data-account="vic"] [data-action="sign-out-everywhere"]');
    await button.waitFor();
    // A server of another container holds the lock (fresh: not judged stale) for longer than a change waits.
    const lock = `${sessionsFile}.lock`;
    fs.writeFileSync(lock, JSON.stringify({ pid: 1, host: 'other-container|boot|pid:[1]' }), { mode: 0o600 });
    try {
      adaPage.once('dialog', (dialog) => void dialog.accept());
      await button.click();
      await adaPage.locator('.notice').filter({ hasText: `could not be written to ${sessionsFile}` }).first().waitFor();
    } finally {
      fs.rmSync(lock, { force: true });
    }
    const audit = readAuditFile(path.join(root, 'audit.jsonl')).filter((e) => e.action === 'user_signout' && e.user === 'ada');
    expect(audit.at(-1)).toMatchObject({ outcome: 'failed', target: 'vic', status: 503 });
    expect(audit.at(-1)!.detail).toContain(`${lock} stays held by another process`);
  }, 120_000);
});
