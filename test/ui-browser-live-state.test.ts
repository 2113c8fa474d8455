// The local web UI in headless Chromium across restarts and changes it did not make itself: a Stop sent by one UI
// seen by every UI, an older Runs page, the Schedules page and the Project page's heading kept live, and a tab that
// keeps working after `handoff ui` restarts (the token is kept under HANDOFF_HOME).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, waitFor } from './helpers/cli.js';
import type { RunsPage } from '../src/ui/api-types.js';
import { callUi, CHROMIUM, CHROMIUM_ARGS, startUi, stopUis, writeRunCopies, type UiProcess } from './helpers/ui-process.js';

afterAll(stopUis);

function readRecord(workspaceDir: string, runId: string): { status: string } {
  return JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', `${runId}.json`), 'utf8')) as { status: string };
}

async function stopUi(ui: UiProcess): Promise<void> {
  ui.child.kill('SIGTERM');
  await ui.exited;
}

function launch(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(makeTempDir('handoff-chromium-'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 860 } });
}

describe('the local UI as other UIs, restarts and edits change what it shows', () => {
  let browser: BrowserContext;
  let other: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launch();
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await other?.close();
  });

  it('shows "Stopping…" in every UI once one has sent Stop: another UI, another browser, and the same UI after a restart (ui10 left)', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: slow_cleanup\n  commands:\n  - command: sh files/cleanup.sh\n', {
      // Its cleanup waits for the test's word (a long grace period): every page is checked while the run is surely stopping.
      'files/cleanup.sh': "trap 'while [ ! -f artifacts/release ]; do sleep 0.1; done; echo done > artifacts/cleaned; exit 143' TERM\nmkdir -p artifacts\necho started >&2\nwhile :; do sleep 0.1; done\n",
    });
    const home = makeTempDir('handoff-home-');
    const env = { HANDOFF_GRACE_SECONDS: '120', HANDOFF_HOME: home };
    let first = await startUi(['-p', projectDir, '-w', workspaceDir], env);
    // A second `handoff ui` on the same workspace (another terminal), seen in another browser.
    const second = await startUi(['-p', projectDir, '-w', workspaceDir], env);
    try {
      await page.goto(first.url);
      await page.locator('[data-action="run-now"]').click();
      await page.waitForURL(/#\/runs\/.+/);
      const runId = decodeURIComponent(page.url().split('#/runs/')[1]);
      await page.locator('.log-panel pre.log').filter({ hasText: 'Task slow_cleanup started' }).waitFor();

      other = await launch();
      const otherPage = other.pages()[0] ?? (await other.newPage());
      await otherPage.goto(second.url);
      await otherPage.goto(`${second.base}/#/runs/${encodeURIComponent(runId)}`);
      const otherStop = otherPage.locator('[data-action="stop"]');
      await otherStop.waitFor();
      expect(await otherStop.isDisabled()).toBe(false);

      await page.locator('[data-action="stop"]').click();
      await page.locator('[data-action="stop"]', { hasText: 'Stopping' }).waitFor();
      // The other UI's open page learns it without a reload, and its server refuses a second signal.
      await otherPage.locator('[data-action="stop"]', { hasText: 'Stopping' }).waitFor({ timeout: 30_000 });
      expect(await otherStop.isDisabled()).toBe(true);
      const again = await callUi(second, `/api/runs/${runId}/stop`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(((await again.json()) as { message: string }).message).toContain('is stopping already');

      // The UI that sent it, restarted: it still knows.
      await stopUi(first);
      first = await startUi(['-p', projectDir, '-w', workspaceDir, '--port', String(first.port)], env);
      expect(((await (await callUi(first, `/api/runs/${runId}`)).json()) as { stopping?: { since: string } }).stopping?.since).toEqual(expect.any(String));
      // Same token (kept under HANDOFF_HOME): the open tab, reloaded, is let in and reads the stop from the server.
      await page.reload();
      await page.locator('.facts .status-running').waitFor();
      const stopping = page.locator('[data-action="stop"]', { hasText: 'Stopping' });
      await stopping.waitFor();
      expect(await stopping.isDisabled()).toBe(true);
      expect((await callUi(first, `/api/runs/${runId}/stop`, { method: 'POST' })).status).toBe(409);

      fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'release'), '');
      await page.locator('.facts .status-interrupted').waitFor({ timeout: 30_000 });
      await otherPage.locator('.facts .status-interrupted').waitFor({ timeout: 30_000 });
      expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'cleaned'), 'utf8')).toBe('done\n');
      expect(readRecord(workspaceDir, runId).status).toBe('interrupted');
      // One SIGTERM only: the commands' cleanup was not cut short.
      expect(fs.readFileSync(path.join(workspaceDir, 'runs', runId, 'console.log'), 'utf8')).not.toContain('again: killing every process now');
      expect(await page.locator('[data-action="stop"]').count()).toBe(0);
    } finally {
      await stopUi(first);
      await stopUi(second);
    }
  });

  it('tags a run whose Stop was asked "stopping" in the Runs table: on an open page, in another UI and after a reload (ui11 left)', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: slow_cleanup\n  commands:\n  - command: sh files/cleanup.sh\n', {
      'files/cleanup.sh': "trap 'while [ ! -f artifacts/release ]; do sleep 0.1; done; exit 143' TERM\nmkdir -p artifacts\necho started >&2\nwhile :; do sleep 0.1; done\n",
    });
    const env = { HANDOFF_GRACE_SECONDS: '120', HANDOFF_HOME: makeTempDir('handoff-home-') };
    const first = await startUi(['-p', projectDir, '-w', workspaceDir], env);
    const second = await startUi(['-p', projectDir, '-w', workspaceDir], env);
    try {
      const started = await callUi(first, '/api/runs', { method: 'POST' });
      expect(started.status).toBe(201);
      const { runId } = (await started.json()) as { runId: string };
      await page.goto(first.url);
      await page.goto(`${first.base}/#/runs`);
      const row = page.locator(`.runs-table tr[data-run-id="${runId}"]`);
      await row.locator('.status-running').waitFor({ timeout: 30_000 });
      expect(await row.locator('.tag-stopping').count()).toBe(0);
      // Its command has set its trap (it says so after): the Stop finds a run that takes its grace period.
      const consoleLog = path.join(workspaceDir, 'runs', runId, 'console.log');
      await waitFor(() => fs.existsSync(consoleLog) && fs.readFileSync(consoleLog, 'utf8').includes('started'), 30_000);
      // Stopped from the other UI: the open page learns it from its stream, and tags the row without a reload.
      expect((await callUi(second, `/api/runs/${runId}/stop`, { method: 'POST' })).status).toBe(202);
      await row.locator('.tag-stopping', { hasText: 'stopping' }).waitFor({ timeout: 30_000 });
      expect(await row.locator('.status-running').count()).toBe(1);
      // The pages of /api/runs carry it, in both UIs: a page loaded now shows it too.
      for (const ui of [first, second]) {
        const listed = ((await (await callUi(ui, '/api/runs')).json()) as RunsPage).runs.find((r) => r.runId === runId);
        expect(listed?.stopping?.since, ui.base).toEqual(expect.any(String));
      }
      await page.reload();
      await row.locator('.tag-stopping').waitFor({ timeout: 30_000 });
      // Once it ended the tag goes: an interrupted run is no longer stopping.
      fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'release'), '');
      await row.locator('.status-interrupted').waitFor({ timeout: 30_000 });
      expect(await row.locator('.tag-stopping').count()).toBe(0);
      const ended = ((await (await callUi(first, '/api/runs')).json()) as RunsPage).runs.find((r) => r.runId === runId);
      expect(ended?.stopping).toBeUndefined();
    } finally {
      await stopUi(first);
      await stopUi(second);
    }
  });

  it('updates the total and the pager of an older Runs page when a run is added (ui10 #9)', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: sync\n  commands:\n  - command: "true"\n');
    const runsDir = path.join(workspaceDir, 'runs');
    const template = {
      schema: 1,
      project: { name: 'paged', dir: projectDir },
      stage: 'dev',
      trigger: 'manual',
      handoffVersion: '0.5.0',
      host: 'elsewhere',
      pid: 1,
      tasks: [{ name: 'sync', path: 'tasks[0]', status: 'succeeded', exitCode: 0, processes: [], subtasks: [] }],
      records: {},
      logs: { console: 'runs/x/console.log', stderr: {} },
    };
    const ids = writeRunCopies(runsDir, template, 60).reverse();
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    try {
      await page.goto(ui.url);
      await page.goto(`${ui.base}/#/runs`);
      const pager = page.locator('.pager');
      await expect.poll(() => pager.textContent(), { timeout: 30_000 }).toContain('1–50 of 60');
      await page.locator('.pager button', { hasText: 'Older' }).click();
      await expect.poll(() => pager.textContent(), { timeout: 30_000 }).toContain('51–60 of 60');
      expect(await page.locator('.runs-table tbody tr').first().getAttribute('data-run-id')).toBe(ids[50]);

      // A newer run is recorded while page 2 is open.
      writeRunCopies(runsDir, template, 1, Date.parse('2026-06-01T00:00:00Z'));
      await expect.poll(() => pager.textContent(), { timeout: 30_000 }).toContain('51–61 of 61');
      // Page 2 is what page 2 now holds: its first row is the one the new run pushed down, so none shows on two pages.
      expect(await page.locator('.runs-table tbody tr').first().getAttribute('data-run-id')).toBe(ids[49]);
      expect(await page.locator('.runs-table tbody tr').count()).toBe(11);
    } finally {
      await stopUi(ui);
    }
  });

  it('keeps the Schedules page current: a changed project.yml is shown, and a fire time that passed gives way to the next (ui10 #10)', async () => {
    const schedules = (description: string): string =>
      `tasks:\n- name: sync\n  commands:\n  - command: "true"\nschedules:\n- target_id: 1\n  name: every-minute\n  description: ${description}\n  cron: "* * * * ? *"\n`;
    const { projectDir, workspaceDir } = makeProject(schedules('first words'));
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    try {
      await page.goto(ui.url);
      await page.goto(`${ui.base}/#/schedules`);
      const card = page.locator('.schedule-card[data-schedule="every-minute"]');
      await card.locator('.schedule-description', { hasText: 'first words' }).waitFor();
      const firstFire = await card.locator('.fire-time').first().textContent();

      fs.writeFileSync(path.join(projectDir, 'project.yml'), schedules('second words'));
      await card.locator('.schedule-description', { hasText: 'second words' }).waitFor({ timeout: 30_000 });

      // An every-minute schedule: within a minute its first fire time is past, and the page moves on to the next one.
      await expect.poll(() => card.locator('.fire-time').first().textContent(), { timeout: 120_000, interval: 1000 }).not.toBe(firstFire);
      const shown = await card.locator('.fire-time').first().textContent();
      expect(shown!.slice(4) > firstFire!.slice(4)).toBe(true);
    } finally {
      await stopUi(ui);
    }
  }, 180_000);

  it('draws the Project page\'s heading and the header\'s project name again when project.yml renames the project or changes its description', async () => {
    const projectYml = (task: string, description: string): string => `description: ${description}\ntasks:\n- name: sync\n  commands:\n  - command: "true"\ndeploy:\n  task: ${task}\n`;
    const { projectDir, workspaceDir } = makeProject(projectYml('orders-first', 'the first description'));
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    try {
      await page.goto(ui.url);
      await page.goto(`${ui.base}/#/project`);
      await page.locator('.page-head h1', { hasText: 'orders-first' }).waitFor();
      expect(await page.locator('.page-head .lead').textContent()).toBe('the first description');
      expect(await page.locator('.topbar .project-name').textContent()).toBe('orders-first');

      fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml('orders-second', 'the second description'));
      await expect.poll(() => page.locator('.page-head h1').textContent(), { timeout: 30_000 }).toBe('orders-second');
      await expect.poll(() => page.locator('.page-head .lead').textContent(), { timeout: 30_000 }).toBe('the second description');
      await expect.poll(() => page.locator('.topbar .project-name').textContent(), { timeout: 30_000 }).toBe('orders-second');
      await expect.poll(() => page.title(), { timeout: 30_000 }).toContain('orders-second');
    } finally {
      await stopUi(ui);
    }
  });

  it('keeps an open tab working after `handoff ui` restarts: the token is kept under HANDOFF_HOME, so live updates come back', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: sync\n  commands:\n  - command: echo synced\n');
    const home = makeTempDir('handoff-home-');
    let ui = await startUi(['-p', projectDir, '-w', workspaceDir], { HANDOFF_HOME: home });
    try {
      await page.goto(ui.url);
      await page.goto(`${ui.base}/#/runs`);
      await page.locator('.connection.connected').waitFor();
      const token = ui.token;
      await stopUi(ui);
      ui = await startUi(['-p', projectDir, '-w', workspaceDir, '--port', String(ui.port)], { HANDOFF_HOME: home });
      expect(ui.token).toBe(token);
      // The tab (never reloaded) reconnects, and a run recorded now appears in it.
      const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
      expect(run.code, run.stderr).toBe(0);
      const runId = fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => f.endsWith('.json'))!.slice(0, -5);
      await page.locator(`.runs-table tr[data-run-id="${runId}"]`).waitFor({ timeout: 30_000 });
      await page.locator('.connection.connected').waitFor();
      expect(await page.locator('.error-box', { hasText: 'restarted' }).count()).toBe(0);
    } finally {
      await stopUi(ui);
    }
  });
});
