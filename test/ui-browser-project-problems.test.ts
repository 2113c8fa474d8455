// The web UI (`handoff ui` and the team server) in headless Chromium on a project.yml refused by its structure and
// holding a template syntax error: the Project page lists both, as `config validate` does; a -s near a known stage
// is warned of at the server's start, as every command that reads -s warns of it.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/cli.js';
import { CHROMIUM, CHROMIUM_ARGS, startTeamUi, startUi, stopUis, type UiProcess } from './helpers/ui-process.js';

afterAll(stopUis);

/** A structural problem (task "c" misspells commands) and a template syntax error (line 5), both in one file. */
const BROKEN = `tasks:
  - name: a
    commands:
      - command: echo
        args: "{{ foo"
  - name: c
    comands:
      - command: echo c
`;

const STAGE_HINT = /stage "PROD" is neither dev nor prod.*did you mean -s prod\? stage names are case-sensitive/g;

describe('the web UI on a project.yml with a structural problem and a template syntax error', () => {
  let root: string;
  let file: string;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    root = makeTempDir('handoff-ui-project-problems-');
    fs.mkdirSync(path.join(root, 'orders'));
    file = path.join(root, 'orders', 'project.yml');
    fs.writeFileSync(file, BROKEN);
    browser = await chromium.launchPersistentContext(makeTempDir('handoff-chromium-'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function expectBothProblems(ui: UiProcess, projectPage: string): Promise<void> {
    await page.goto(ui.url);
    await page.goto(`${ui.base}/${projectPage}`);
    const main = page.locator('main');
    await expect.poll(() => main.innerText(), { timeout: 30_000 }).toContain('project.yml cannot be loaded');
    const text = await main.innerText();
    expect(text).toContain('has 2 problems');
    expect(text).toContain(`${file}:5:15: tasks[0].commands[0].args: expected variable end`);
    expect(text).toContain(`${file}:6:5: tasks[1]: task "c" has none of`);
  }

  it('handoff ui: the Project page lists both problems, "Run now" is off, and -s PROD is warned of once at its start', async () => {
    const ui = await startUi(['-p', path.join(root, 'orders'), '-w', path.join(root, 'w-local'), '-s', 'PROD']);
    await expectBothProblems(ui, '#/project');
    await expect.poll(() => page.locator('[data-action="run-now"]').isDisabled(), { timeout: 30_000 }).toBe(true);
    expect(ui.stderr().match(STAGE_HINT)?.length, ui.stderr()).toBe(1);
  });

  it('ui serve: the project\'s page lists both problems, and -s PROD is warned of once at its start', async () => {
    const ui = await startTeamUi(['-p', path.join(root, 'orders'), '-w', path.join(root, 'w-team'), '-s', 'PROD', '--audit-log', path.join(root, 'audit.jsonl')]);
    await expectBothProblems(ui, '#/p/orders/project');
    expect(ui.stderr().match(STAGE_HINT)?.length, ui.stderr()).toBe(1);
  });

  it('ui serve: the project list\'s card and the header say the project is broken, with the first problem at its file:line, and link to the Project page', async () => {
    const ui = await startTeamUi(['-p', path.join(root, 'orders'), '-w', path.join(root, 'w-card'), '--port', '0', '--audit-log', path.join(root, 'audit-card.jsonl')]);
    const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const firstProblem = new RegExp(`${escaped}:(5:15: tasks\\[0\\]\\.commands\\[0\\]\\.args: expected variable end|6:5: tasks\\[1\\]: task "c" has none of)`);
    await page.goto(ui.url);
    await page.goto(`${ui.base}/#/`);
    const card = page.locator('.project-card[data-project="orders"]');
    await card.locator('.project-problem').waitFor({ timeout: 30_000 });
    expect(await card.locator('.health').innerText()).toBe('broken');
    const note = await card.locator('.project-problem').innerText();
    expect(note).toContain('project.yml is refused: 2 problems; the first: ');
    expect(note).toMatch(firstProblem);
    await card.locator('a.project-problem-link').click();
    await page.waitForURL(/#\/p\/orders\/project$/);
    await expect.poll(() => page.locator('main').innerText(), { timeout: 30_000 }).toContain('has 2 problems');
    const mark = page.locator('header .broken-mark');
    expect(await mark.isVisible()).toBe(true);
    expect(await mark.innerText()).toBe('broken: 2 problems');
    expect(await mark.getAttribute('title')).toMatch(firstProblem);
    expect(await mark.getAttribute('href')).toBe('#/p/orders/project');
  });

  it('ui serve --config: a ui.yml project of stage: PROD is warned of by its id, the hint naming the stage: key', async () => {
    fs.writeFileSync(path.join(root, 'ui.yml'), 'listen: 127.0.0.1:0\naudit_log: audit-yml.jsonl\nprojects:\n  - {project: orders, workspace: w-yml, stage: PROD}\n  - {id: dev, project: orders, workspace: w-dev}\n');
    const ui = await startTeamUi(['--config', path.join(root, 'ui.yml')]);
    await expect.poll(() => ui.stderr(), { timeout: 30_000 }).toContain('stage "PROD"');
    expect(ui.stderr().match(/ui\.yml project "orders": stage "PROD" is neither dev nor prod.*\(did you mean stage: prod\? stage names are case-sensitive\)/g)?.length, ui.stderr()).toBe(1);
    expect(ui.stderr()).not.toContain('did you mean -s');
    expect(ui.stderr()).not.toContain('project "dev": stage');
  });
});
