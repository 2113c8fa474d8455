// The local web UI in headless Chromium while project.yml is broken and then fixed: "Run now" and the Project page
// follow the file without a reload (finding ui10 #6).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/cli.js';
import { CHROMIUM, CHROMIUM_ARGS, startUi, stopUis, type UiProcess } from './helpers/ui-process.js';

afterAll(stopUis);

const GOOD = 'tasks:\n  - name: report\n    commands:\n      - command: echo report\n';

describe('the local UI while project.yml is fixed', () => {
  let root: string;
  let ui: UiProcess;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    root = makeTempDir('handoff-ui-project-live-');
    fs.mkdirSync(path.join(root, 'p'));
    fs.writeFileSync(path.join(root, 'p', 'project.yml'), 'tasks:\n  - name: [\n');
    ui = await startUi(['-p', path.join(root, 'p'), '-w', path.join(root, 'w')]);
    browser = await chromium.launchPersistentContext(makeTempDir('handoff-chromium-'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('enables "Run now" and draws the tasks once the broken project.yml is fixed, and disables it when it breaks again', async () => {
    await page.goto(ui.url);
    const runNow = page.locator('[data-action="run-now"]');
    await expect.poll(() => runNow.isDisabled(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.locator('main').innerText(), { timeout: 30_000 }).toContain('project.yml cannot be loaded');

    fs.writeFileSync(path.join(root, 'p', 'project.yml'), GOOD);
    await expect.poll(() => runNow.isDisabled(), { timeout: 30_000 }).toBe(false);
    await expect.poll(() => page.locator('.task-card[data-task="report"]').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('main').innerText()).not.toContain('project.yml cannot be loaded');

    fs.writeFileSync(path.join(root, 'p', 'project.yml'), 'tasks: [\n');
    await expect.poll(() => runNow.isDisabled(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.locator('main').innerText(), { timeout: 30_000 }).toContain('project.yml cannot be loaded');
  });
});
