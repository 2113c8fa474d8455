// The web UI in a real headless Chromium: pipeline graphs, "Run now" with live logs, the runs table, schedules, no secrets.
// With HANDOFF_SCREENSHOTS_DIR set (npm run screenshots) it also records more runs and saves a PNG of each page there.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, waitFor } from './helpers/cli.js';
import type { RunPoint, RunsPage } from '../src/ui/api-types.js';
import { authHeader, callUi, CHROMIUM, CHROMIUM_ARGS, startUi, writeRunCopies, type UiProcess } from './helpers/ui-process.js';
const SCREENSHOTS = process.env.HANDOFF_SCREENSHOTS_DIR;

const API_TOKEN = 'tok-ui-test-5f2c9a7e';
const WAREHOUSE_PASSWORD = 'pw-ui-test-81d3b6';
const SECRET_VALUES = [API_TOKEN, WAREHOUSE_PASSWORD];

/** A Singer-style tap: RECORDs on stdout, a METRIC count on stderr, then it waits for two gate files before its STATE. */
const TAP = `#!/bin/sh
n=\${1:-40}
echo "INFO Syncing orders, batch of $n (token $API_TOKEN)" >&2
echo '{"type": "SCHEMA", "stream": "orders", "schema": {}, "key_properties": ["id"]}'
i=1
while [ $i -le $n ]; do
  case $((i % 4)) in 0) r=north ;; 1) r=south ;; 2) r=east ;; *) r=west ;; esac
  echo "{\\"type\\": \\"RECORD\\", \\"stream\\": \\"orders\\", \\"record\\": {\\"id\\": $i, \\"region\\": \\"$r\\", \\"amount\\": $(( (i * 37) % 200 + 5 ))}}"
  i=$((i+1))
done
echo "INFO METRIC: {\\"type\\": \\"counter\\", \\"metric\\": \\"record_count\\", \\"value\\": $n, \\"tags\\": {\\"endpoint\\": \\"orders\\"}}" >&2
[ -f artifacts/upstream.ready ] || echo "INFO waiting for the upstream API" >&2
while [ ! -f artifacts/upstream.ready ]; do sleep 0.05; done
echo "INFO upstream API confirmed the batch" >&2
while [ ! -f artifacts/batch.confirmed ]; do sleep 0.05; done
echo "{\\"type\\": \\"STATE\\", \\"value\\": {\\"bookmarks\\": {\\"orders\\": {\\"last_id\\": $n}}}}"
`;

/** A Singer-style target: orders to artifacts/orders.csv, the last state value echoed; no orders is a failure. */
const LOADER = `#!/bin/sh
mkdir -p artifacts
: > artifacts/orders.csv
state=""
while IFS= read -r line; do
  case "$line" in
    *'"RECORD"'*) echo "$line" | sed 's/.*"id": \\([0-9]*\\), "region": "\\([a-z]*\\)", "amount": \\([0-9]*\\).*/\\1,\\2,\\3/' >> artifacts/orders.csv ;;
    *'"STATE"'*) state=$(echo "$line" | sed 's/.*"value": //; s/}$//') ;;
  esac
done
count=$(wc -l < artifacts/orders.csv | tr -d ' ')
if [ "$count" -eq 0 ]; then echo "ERROR no orders received" >&2; exit 3; fi
echo "INFO Loaded $count orders into artifacts/orders.csv" >&2
echo "$state"
`;

const PROJECT_YML = `version: 0.3
description: Orders from the shop API into CSV, with reports (fork) and a file per region (foreach)
installs:
  - venv: tap
    command: pip install --no-index ./files/tap_orders
    description: the tap, installed offline
  - venv: loader
    command: pip install --no-index ./files/load_orders
vars:
  - key: batch_size
    value: 40
    description: orders per sync
envs:
  - key: API_TOKEN
    description: no value, so the secret of the same key
  - key: LC_ALL
    value: C
tasks:
  - name: sync_orders
    description: the tap's records go through a pipe into the loader; Singer METRIC lines count them
    pipeline:
      - command: sh
        args: files/tap_orders.sh {{ batch_size }}
        venv: tap
      - command: sh
        args: files/load_orders.sh
        venv: loader
  - name: reports
    description: one read of the orders, copied to two reports at once
    pipeline:
      - command: cat
        args: artifacts/orders.csv
      - fork:
          - name: count_orders
            pipeline:
              - command: wc
                args: -l
          - name: revenue_by_region
            pipeline:
              - command: cut
                args: -d, -f2,3
              - command: sort
              - command: awk
                args: "-F, '{ s[$1] += $2 } END { for (r in s) print r, s[r] }'"
  - name: per_region
    description: a file per region, two regions at a time
    pipeline:
      - command: printf
        args: "'north\\\\nsouth\\\\neast\\\\nwest\\\\n'"
      - foreach:
          - name: export_region
            commands:
              - command: mkdir
                args: -p artifacts/regions
              - command: grep
                args: "',{{ _line }},' artifacts/orders.csv > artifacts/regions/{{ _line_safe }}.csv"
          - name: count_region
            commands:
              - command: wc
                args: -l artifacts/regions/{{ _line_safe }}.csv
        parallel: 2
  - name: housekeeping
    tasks:
      - name: archive
        commands:
          - command: tar
            args: -czf artifacts/orders.tar.gz artifacts/orders.csv
          - command: sh
            args: -c 'echo "archive sealed for {{ warehouse_password }}" >&2'
      - name: upload_archive
        active: false
        commands:
          - command: echo
            args: upload artifacts/orders.tar.gz
deploy:
  cloud_provider: local
  resource_group: shop
  task: orders
schedules:
  - target_id: 1
    name: nightly-sync
    description: every night at 02:30 Berlin time, a big batch
    cron: "30 2 * * ? *"
    timezone: Europe/Berlin
    envs:
      - key: __VARS
        value: batch_size=500
  - target_id: 2
    name: business-hours
    description: hourly on weekdays, 09:00 to 17:00 UTC
    cron: "0 9-17 ? * MON-FRI *"
  - target_id: 3
    name: catch-up
    cron: rate(6 hours)
    enabled: false
`;

const SECRETS_YML = `- key: API_TOKEN
  value: ${API_TOKEN}
- key: warehouse_password
  value: ${WAREHOUSE_PASSWORD}
  level: resource group
`;

/** What another web server on 127.0.0.1 (another port) gets from a browser that also uses the UI. */
interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Another local web app, as a developer has several: it records every request, and its page tries what a hostile
 * page could: read cookies and storage, and call the UI's API from the browser.
 */
async function startOtherLocalServer(uiPort: number): Promise<{ origin: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const page = `<!doctype html><html><body><h1>another local app</h1><script>
(async () => {
  const report = { cookie: document.cookie, storage: JSON.stringify(Object.assign({}, localStorage)), attempts: [] };
  for (const [method, path] of [['GET', '/api/overview'], ['GET', '/api/events'], ['POST', '/api/runs']]) {
    try {
      const r = await fetch('http://127.0.0.1:${uiPort}' + path, { method, credentials: 'include' });
      report.attempts.push(method + ' ' + path + ': ' + r.status);
    } catch (error) {
      report.attempts.push(method + ' ' + path + ': ' + error.name);
    }
  }
  await fetch('/report', { method: 'POST', body: JSON.stringify(report) });
})();
</script></body></html>`;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(req.url === '/report' ? 'thanks' : page);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The browser keeps its connections open; they must not hold the close up.
        server.closeAllConnections();
      }),
  };
}

function readRecord(workspaceDir: string, runId: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', `${runId}.json`), 'utf8'));
}

async function saveScreenshot(page: Page, name: string, url?: string): Promise<void> {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  if (url) {
    await page.goto(url);
    await page.waitForFunction(() => !document.querySelector('.main .loading'));
  }
  // Let the last SSE-driven redraws and fonts settle: a screenshot, not an assertion.
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe('handoff ui in Chromium', () => {
  let projectDir: string;
  let workspaceDir: string;
  let ui: UiProcess;
  let browser: BrowserContext;
  let page: Page;
  const gates = () => [path.join(workspaceDir, 'artifacts', 'upstream.ready'), path.join(workspaceDir, 'artifacts', 'batch.confirmed')];

  beforeAll(async () => {
    ({ projectDir, workspaceDir } = makeProject(PROJECT_YML, {
      'files/tap_orders.sh': TAP,
      'files/load_orders.sh': LOADER,
      '.secrets/dev_secrets.yml': SECRETS_YML,
    }));
    // Real venvs without pip (instant); the install commands above are what a real project would run.
    for (const venv of ['tap', 'loader']) {
      const made = spawnSync('python3', ['-m', 'venv', '--without-pip', path.join(workspaceDir, venv)]);
      expect(made.status).toBe(0);
    }
    fs.mkdirSync(path.join(workspaceDir, 'artifacts'), { recursive: true });
    for (const gate of gates()) fs.writeFileSync(gate, '');
    // History: a good run and a failed one (no orders → the loader exits 3); more and bigger ones for screenshots.
    const batches = SCREENSHOTS ? [120, 80, 150, 0, 200, 160, 90, 240, 180, 260, 210, 300, 280, 320] : [40, 0];
    for (const batch of batches) {
      const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', `batch_size=${batch}`]);
      expect(r.code, r.stderr).toBe(batch === 0 ? 1 : 0);
    }
    ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    browser = await chromium.launchPersistentContext(makeTempDir('handoff-chromium-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 860 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    if (ui) {
      ui.child.kill('SIGTERM');
      expect((await ui.exited).code).toBe(0);
    }
  });

  it('asks for the printed URL without the token, then lets it in, drops the token from the address and sets no cookie', async () => {
    await page.goto(`${ui.base}/`);
    await page.locator('.error-box', { hasText: 'Access token needed' }).waitFor();
    expect(await page.textContent('.error-box')).toContain('#token=');
    await page.goto(`${ui.base}/#token=not-the-token`);
    await page.locator('.error-box', { hasText: 'Access refused' }).waitFor();

    await page.goto(ui.url);
    await page.locator('svg[data-task="sync_orders"]').waitFor();
    expect(page.url()).toBe(`${ui.base}/#/project`);
    expect(await page.title()).toBe('orders · handoff');
    expect(await browser.cookies()).toEqual([]);
    // A reload, or a link opened in a new tab, finds the token in this origin's storage.
    const other = await browser.newPage();
    await other.goto(`${ui.base}/#/schedules`);
    await other.locator('[data-schedule="nightly-sync"]').waitFor();
    await other.close();
  });

  it('gives another web server on 127.0.0.1 that the browser visits nothing usable: no token in any request, nothing its page can read', async () => {
    const other = await startOtherLocalServer(ui.port);
    try {
      const runsBefore = fs.readdirSync(path.join(workspaceDir, 'runs')).length;
      await page.goto(ui.url);
      await page.locator('svg[data-task="sync_orders"]').waitFor();
      // The user then visits the other app, as a page of its own and from a link in a new tab.
      await page.goto(`${other.origin}/`);
      await waitFor(() => other.seen.some((r) => r.url === '/report'));
      const tab = await browser.newPage();
      await tab.goto(`${other.origin}/tab`);
      await tab.close();

      const report = JSON.parse(other.seen.find((r) => r.url === '/report')!.body) as { cookie: string; storage: string; attempts: string[] };
      expect(report.cookie).toBe('');
      expect(report.storage).toBe('{}');
      // The UI's API refuses its calls (no token), or the browser does not let it read the answer.
      for (const attempt of report.attempts) expect(attempt).toMatch(/: (401|TypeError)$/);
      for (const request of other.seen) {
        expect(JSON.stringify(request), request.url).not.toContain(ui.token);
        // Whatever it received, replayed against the UI, reads nothing and starts nothing.
        const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
        expect((await callUi(ui, '/api/overview', { noToken: true, headers })).status, request.url).toBe(401);
        expect([401, 403], request.url).toContain((await callUi(ui, '/api/runs', { method: 'POST', noToken: true, headers })).status);
      }
      expect(fs.readdirSync(path.join(workspaceDir, 'runs')).length).toBe(runsBefore);
      // The UI itself still works with its token.
      expect((await callUi(ui, '/api/overview', { headers: authHeader(ui.token) })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('draws each task as its pipeline: pipes, fork branches, a foreach loop and nested tasks', async () => {
    await page.goto(`${ui.base}/#/project`);
    const sync = page.locator('svg[data-task="sync_orders"]');
    await sync.waitFor();
    expect(await sync.locator('g.box').count()).toBe(2);
    expect(await sync.locator('path.edge-pipe').count()).toBe(1);
    expect(await sync.locator('g.box text.box-venv').allTextContents()).toEqual(['venv tap', 'venv loader']);

    const reports = page.locator('svg[data-task="reports"]');
    expect(await reports.locator('g.group-branch').count()).toBe(2);
    expect(await reports.locator('g.box[data-owner="revenue_by_region"]').count()).toBe(3);
    expect(await reports.locator('path.edge-tee').count()).toBe(2);
    expect(await reports.locator('circle.junction').count()).toBe(1);

    const perRegion = page.locator('svg[data-task="per_region"]');
    expect(await perRegion.locator('g.group-foreach').count()).toBe(1);
    expect(await perRegion.locator('g.group-foreach .group-label').textContent()).toContain('up to 2 lines at once');
    expect(await perRegion.locator('g.loop').count()).toBe(1);
    expect(await perRegion.locator('g.group-task').count()).toBe(2);

    const housekeeping = page.locator('svg[data-task="housekeeping"]');
    expect(await housekeeping.locator('g.group-task').count()).toBe(2);
    expect(await housekeeping.locator('g.group-task.inactive').getAttribute('data-group')).toBe('upload_archive');

    // Venvs, secrets by name, schedules in the side cards.
    const secrets = await page.locator('.secrets-table tbody tr').allTextContents();
    expect(secrets.join(' ')).toContain('API_TOKEN');
    expect(secrets.join(' ')).toContain('warehouse_password');
    expect(await page.locator('.side').textContent()).toContain('nightly-sync');
    await saveScreenshot(page, 'project');
  });

  it('starts a run with a click and shows its log lines while it runs, then its result', async () => {
    for (const gate of gates()) fs.rmSync(gate, { force: true });
    await page.goto(`${ui.base}/#/project`);
    await page.locator('[data-action="run-now"]').click();
    await page.waitForURL(/#\/runs\/.+/);
    const runId = decodeURIComponent(page.url().split('#/runs/')[1]);
    const log = page.locator('.log-panel pre.log');

    await log.filter({ hasText: 'waiting for the upstream API' }).waitFor();
    expect(readRecord(workspaceDir, runId)).toMatchObject({ status: 'running', trigger: 'ui' });
    expect(await page.locator('.facts .status-running').count()).toBe(1);

    // The processes' stderr log gets its tab while the run goes on, and is live too: the page is not reloaded, so the
    // next line can only reach it through the event stream while the run still waits.
    const stderrTab = page.locator('.tabs [role="tab"]', { hasText: 'sync_orders/sh (stderr)' });
    await stderrTab.click();
    expect(await stderrTab.getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#log-panel[role="tabpanel"]').getAttribute('aria-labelledby')).toBe(await stderrTab.getAttribute('id'));
    await page.locator('.log-panel pre.log[data-stream="sync_orders/sh"]').filter({ hasText: 'waiting for the upstream API' }).waitFor();
    expect(await page.locator('.logs-card .live-pill').count()).toBe(1);
    fs.writeFileSync(gates()[0], '');
    await page.locator('.log-panel pre.log[data-stream="sync_orders/sh"]').filter({ hasText: 'upstream API confirmed the batch' }).waitFor();
    expect(readRecord(workspaceDir, runId).status).toBe('running');
    await page.locator('.tabs [role="tab"]', { hasText: 'console' }).click();
    await log.filter({ hasText: 'upstream API confirmed the batch' }).waitFor();

    fs.writeFileSync(gates()[1], '');
    await page.locator('.facts .status-succeeded').waitFor();
    await log.filter({ hasText: 'Job ended at' }).waitFor();
    const exits = await page.locator('tr.process-row[data-task="sync_orders"] td.exit').allTextContents();
    expect(exits).toEqual(['exit 0', 'exit 0']);
    expect(await page.locator('.records-table').textContent()).toContain('orders');
    expect(await page.locator('.state-line').textContent()).toContain('saved to artifacts/state.json');
    // The leaky echo of the token reached the log as ***.
    expect(await log.textContent()).toContain('(token ***)');
    await saveScreenshot(page, 'run');
    if (SCREENSHOTS) {
      await page.emulateMedia({ colorScheme: 'dark' });
      await saveScreenshot(page, 'project-dark', `${ui.base}/#/project`);
      await page.emulateMedia({ colorScheme: 'light' });
      await page.goto(`${ui.base}/#/runs/${encodeURIComponent(runId)}`);
    }

    await page.locator('.nav-link[data-nav="runs"]').click();
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.waitFor();
    expect(await row.locator('.status').textContent()).toBe('succeeded');
    expect(await row.locator('.tag').textContent()).toBe('ui');
    const runCount = fs.readdirSync(path.join(workspaceDir, 'runs')).filter((f) => f.endsWith('.json')).length;
    expect(await page.locator('.runs-chart g.chart-bar').count()).toBe(runCount);
    expect(await page.locator('.runs-table tbody tr').count()).toBe(runCount);
    await saveScreenshot(page, 'runs');
    // The chart's bars are links a keyboard reaches and opens, named for screen readers.
    const bar = page.locator(`.runs-chart g.chart-bar[data-run-id="${runId}"]`);
    expect(await bar.getAttribute('tabindex')).toBe('0');
    expect(await bar.getAttribute('role')).toBe('link');
    expect(await bar.getAttribute('aria-label')).toMatch(new RegExp(`^Run ${runId}: succeeded, .*duration`));
    await bar.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/runs/${encodeURIComponent(runId)}$`));
  });

  it('shows a failed run with its exit code, failure class and reason', async () => {
    await page.goto(`${ui.base}/#/runs`);
    const failed = page.locator('tr.run-row', { has: page.locator('.status-failed') }).first();
    await failed.locator('a').click();
    await page.locator('.facts .status-failed').waitFor();
    expect(await page.locator('.reason').textContent()).toContain('task sync_orders: sh exited with code 3');
    const failedProcess = page.locator('tr.process-row.row-failed[data-task="sync_orders"]');
    expect(await failedProcess.locator('td.exit').textContent()).toBe('exit 3');
    expect(await failedProcess.locator('.tag-failed').textContent()).toBe('exit code');
    expect(await page.locator('.stderr-tail').textContent()).toContain('no orders received');
    expect(await page.locator('.state-line').textContent()).toContain('not saved');
  });

  it('lists schedules with their next fire times', async () => {
    await page.goto(`${ui.base}/#/schedules`);
    const nightly = page.locator('[data-schedule="nightly-sync"]');
    await nightly.waitFor();
    expect(await nightly.locator('.fire-times tbody tr').count()).toBe(5);
    expect(await nightly.textContent()).toContain('Europe/Berlin');
    // 02:30 on the Berlin clock, whatever the offset that day.
    for (const time of await nightly.locator('td.fire-time').allTextContents()) expect(time).toMatch(/ 02:30$/);
    expect(await page.locator('[data-schedule="business-hours"] .fire-times tbody tr').count()).toBe(5);
    expect(await page.locator('[data-schedule="catch-up"]').textContent()).toContain('Disabled');
    await saveScreenshot(page, 'schedules');
  });

  it('never shows a secret value on any page', async () => {
    const runIds = fs.readdirSync(path.join(workspaceDir, 'runs')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    const routes = ['#/project', '#/runs', '#/schedules', ...runIds.map((id) => `#/runs/${id}`)];
    for (const route of routes) {
      await page.goto(`${ui.base}/${route}`);
      await page.waitForFunction(() => !document.querySelector('.main .loading'));
      if (route.startsWith('#/runs/')) {
        // The log is read after the record: wait until it is on the page.
        await page.waitForFunction(() => {
          const log = document.querySelector('pre.log');
          return log !== null && (log.textContent !== '' || log.hasAttribute('data-empty'));
        });
      }
      const html = await page.content();
      for (const secret of SECRET_VALUES) expect(html, route).not.toContain(secret);
    }
    expect(await page.content()).toContain('***');
  });
});

describe('the Runs page with run records that cannot be read', () => {
  it('counts and pages only the runs it can show, and names the records that cannot be read', async () => {
    const workspaceDir = makeTempDir();
    const runsDir = path.join(workspaceDir, 'runs');
    const template = {
      schema: 1,
      project: { name: 'broken', dir: '/nowhere' },
      stage: 'dev',
      trigger: 'manual',
      handoffVersion: '0.5.0',
      host: 'elsewhere',
      pid: 1,
      tasks: [{ name: 'sync', path: 'tasks[0]', status: 'succeeded', exitCode: 0, processes: [], subtasks: [] }],
      records: {},
      logs: { console: 'runs/x/console.log', stderr: {} },
    };
    const good = writeRunCopies(runsDir, template, 3).reverse();
    // Newer than every good run: a record cut short, an empty file, JSON that is no record.
    const broken = ['29991231T000002.000Z-cccc', '29991231T000001.000Z-bbbb', '29991231T000000.000Z-aaaa'];
    fs.writeFileSync(path.join(runsDir, `${broken[0]}.json`), fs.readFileSync(path.join(runsDir, `${good[0]}.json`)).subarray(0, 200));
    fs.writeFileSync(path.join(runsDir, `${broken[1]}.json`), '');
    fs.writeFileSync(path.join(runsDir, `${broken[2]}.json`), '[1,2]');
    const files = broken.map((id) => path.join(runsDir, `${id}.json`));
    const { projectDir } = makeProject('tasks:\n- name: sync\n  commands:\n  - command: "true"\n');
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);

    const first = (await (await callUi(ui, '/api/runs?limit=2')).json()) as RunsPage;
    expect(first).toMatchObject({ total: 3, offset: 0, unreadable: { count: 3, files } });
    expect(first.runs.map((r) => r.runId)).toEqual(good.slice(0, 2));
    const second = (await (await callUi(ui, '/api/runs?offset=2&limit=2')).json()) as RunsPage;
    expect(second.runs.map((r) => r.runId)).toEqual(good.slice(2));
    expect(((await (await callUi(ui, '/api/run-points?limit=2')).json()) as { points: RunPoint[] }).points.map((p) => p.runId)).toEqual(good.slice(0, 2).reverse());

    const browser = await chromium.launchPersistentContext(makeTempDir('handoff-chromium-'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(ui.url);
      await page.goto(`${ui.base}/#/runs`);
      const note = page.locator('.error-box', { hasText: '3 run records cannot be read' });
      await note.waitFor();
      for (const file of files) expect(await note.textContent()).toContain(file);
      expect(await page.locator('.runs-table tbody tr').count()).toBe(3);
      expect(await page.locator('.pager').textContent()).toContain('1–3 of 3');
      expect(await page.locator('.pager button', { hasText: 'Older' }).isDisabled()).toBe(true);
    } finally {
      await browser.close();
      ui.child.kill('SIGTERM');
      await ui.exited;
    }
  });
});

describe('the Run page of ui10: Stop, the state warning, many stderr logs, a restarted UI', () => {
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launchPersistentContext(makeTempDir('handoff-chromium-'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 860 } });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('says a stop is under way and offers no second Stop, which would kill the commands in their cleanup (finding 2)', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: slow_cleanup\n  commands:\n  - command: sh files/cleanup.sh\n', {
      // Its cleanup waits for the test's word (a long grace period): the page is checked while the run is surely stopping.
      'files/cleanup.sh': "trap 'while [ ! -f artifacts/release ]; do sleep 0.1; done; echo done > artifacts/cleaned; exit 143' TERM\nmkdir -p artifacts\necho started >&2\nwhile :; do sleep 0.1; done\n",
    });
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir], { HANDOFF_GRACE_SECONDS: '120' });
    try {
      await page.goto(ui.url);
      await page.locator('[data-action="run-now"]').click();
      await page.waitForURL(/#\/runs\/.+/);
      const runId = decodeURIComponent(page.url().split('#/runs/')[1]);
      await page.locator('.log-panel pre.log').filter({ hasText: 'Task slow_cleanup started' }).waitFor();
      await page.locator('[data-action="stop"]').click();
      const stopping = page.locator('[data-action="stop"]', { hasText: 'Stopping' });
      await stopping.waitFor();
      expect(await stopping.isDisabled()).toBe(true);
      // A reload (or another tab) learns it from the server, not from this page's memory.
      await page.reload();
      await page.locator('.facts .status-running').waitFor();
      await stopping.waitFor();
      expect(await stopping.isDisabled()).toBe(true);
      fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'release'), '');
      await page.locator('.facts .status-interrupted').waitFor({ timeout: 30_000 });
      expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'cleaned'), 'utf8')).toBe('done\n');
      expect(readRecord(workspaceDir, runId).status).toBe('interrupted');
    } finally {
      ui.child.kill('SIGTERM');
      await ui.exited;
    }
  });

  it('shows the Singer state warning as `runs show` does, and marks a masked state value, with no state value in the warning (finding 7)', async () => {
    const secret = 'sv-ui10-7c1e4b';
    const { projectDir, workspaceDir } = makeProject(
      `tasks:
- name: s1
  pipeline:
  - command: printf
    args: "'{\\"type\\": \\"STATE\\", \\"value\\": {\\"bookmark\\": \\"b-one\\"}}\\\\n'"
  - command: cat
- name: s2
  pipeline:
  - command: sh
    args: files/state.sh
  - command: cat
envs:
- key: API_KEY
`,
      { 'files/state.sh': 'printf \'{"type": "STATE", "value": {"bookmark": "b-two", "key": "%s"}}\\n\' "$API_KEY"\n', '.secrets/dev_secrets.yml': `- key: API_KEY\n  value: ${secret}\n` },
    );
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    const runId = fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => f.endsWith('.json'))!.slice(0, -5);
    const state = readRecord(workspaceDir, runId).state;
    expect(state).toMatchObject({ saved: true, task: 's2', dropped: ['s1'], masked: true });
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    try {
      await page.goto(ui.url);
      await page.goto(`${ui.base}/#/runs/${encodeURIComponent(runId)}`);
      const warning = page.locator('.state-warning');
      await warning.waitFor();
      expect(await warning.textContent()).toContain(state.warning);
      expect(await warning.textContent()).toContain('dropped: s1');
      expect(await warning.textContent()).not.toContain('b-one');
      expect(await warning.textContent()).not.toContain('b-two');
      expect(await page.locator('.state-line').getAttribute('class')).toContain('state-dropped');
      expect(await page.locator('.state-masked').textContent()).toContain('masked');
      expect(await page.content()).not.toContain(secret);
    } finally {
      ui.child.kill('SIGTERM');
      await ui.exited;
    }
  });

  it('keeps the log in view for a foreach of 120 lines: a chooser of stderr logs, with a filter, not a tab each (finding 8)', async () => {
    const { projectDir, workspaceDir } = makeProject(`tasks:
- name: many
  pipeline:
  - command: seq
    args: 1 120
  - foreach:
    - name: line
      commands:
      - command: sh
        args: -c 'echo "note for {{ _line }}" >&2; [ {{ _line }} != 77 ]'
    parallel: 8
`);
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(1);
    const runId = fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => f.endsWith('.json'))!.slice(0, -5);
    const streams = Object.keys(readRecord(workspaceDir, runId).logs.stderr);
    expect(streams.length).toBeGreaterThan(60);
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    try {
      await page.goto(ui.url);
      await page.goto(`${ui.base}/#/runs/${encodeURIComponent(runId)}`);
      await page.locator('.log-panel pre.log').waitFor();
      expect(await page.locator('.logs-card .tabs [role="tab"]').count()).toBeLessThanOrEqual(3);
      const chooser = page.locator('.logs-card select.stream-chooser');
      expect(await chooser.locator('option[value]:not([value=""])').count()).toBe(streams.length);
      // The failed line's log is offered first.
      const failed = 'line_77/sh';
      expect(streams).toContain(failed);
      expect(await chooser.locator('optgroup[label^="failed"] option').first().getAttribute('value')).toBe(failed);
      const cardTop = (await page.locator('.logs-card').boundingBox())!.y;
      const panelTop = (await page.locator('#log-panel').boundingBox())!.y;
      expect(panelTop - cardTop).toBeLessThan(200);
      // The filter narrows the list; choosing one opens its log.
      await page.locator('.logs-card input.stream-filter').fill('line_42/');
      const shown = await chooser.locator('option[value]:not([value=""])').evaluateAll((options) => options.filter((o) => !(o as HTMLOptionElement).hidden).map((o) => (o as HTMLOptionElement).value));
      expect(shown.length).toBeGreaterThan(0);
      expect(shown).toEqual(['line_42/sh']);
      await chooser.selectOption(shown[0]);
      await page.locator(`.log-panel pre.log[data-stream="${shown[0]}"]`).filter({ hasText: 'note for 42' }).waitFor();
      expect(await page.locator('.logs-card .tabs [role="tab"][aria-selected="true"]').textContent()).toContain(shown[0]);
    } finally {
      ui.child.kill('SIGTERM');
      await ui.exited;
    }
  });

  it('adds the logs of a foreach that goes on to the chooser in place, so a list the user has open is not rebuilt under them (finding 8)', async () => {
    const { projectDir, workspaceDir } = makeProject(`tasks:
- name: many
  pipeline:
  - command: seq
    args: 1 40
  - foreach:
    - name: line
      commands:
      - command: sh
        args: -c 'echo "note for {{ _line }}" >&2; [ {{ _line }} -lt 12 ] || while [ ! -f artifacts/go ]; do sleep 0.05; done'
    parallel: 1
`);
    fs.mkdirSync(path.join(workspaceDir, 'artifacts'), { recursive: true });
    const ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    try {
      await page.goto(ui.url);
      await page.locator('[data-action="run-now"]').click();
      await page.waitForURL(/#\/runs\/.+/);
      const chooser = page.locator('.logs-card select.stream-chooser');
      await page.locator('.logs-card select.stream-chooser option[value="line_12/sh"]').waitFor({ state: 'attached' });
      await chooser.evaluate((element) => element.setAttribute('data-first', 'yes'));
      fs.writeFileSync(path.join(workspaceDir, 'artifacts', 'go'), '');
      await page.locator('.facts .status-succeeded').waitFor({ timeout: 60_000 });
      await page.locator('.logs-card select.stream-chooser option[value="line_40/sh"]').waitFor({ state: 'attached' });
      expect(await page.locator('.logs-card select.stream-chooser[data-first="yes"]').count()).toBe(1);
      expect(await chooser.locator('option[value]:not([value=""])').count()).toBe(40);
    } finally {
      ui.child.kill('SIGTERM');
      await ui.exited;
    }
  });

  it('says the UI was restarted, and what to do, when its new token refuses the open page, not "reconnecting" for ever (finding 1)', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: ticker\n  commands:\n  - command: sh\n    args: -c \'i=0; while [ $i -lt 600 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done\'\n');
    let ui = await startUi(['-p', projectDir, '-w', workspaceDir]);
    try {
      await page.goto(ui.url);
      await page.locator('[data-action="run-now"]').click();
      await page.waitForURL(/#\/runs\/.+/);
      const runId = decodeURIComponent(page.url().split('#/runs/')[1]);
      await page.locator('.logs-card .live-pill').waitFor();
      await page.locator('.connection.connected').waitFor();
      ui.child.kill('SIGTERM');
      await ui.exited;
      ui = await startUi(['-p', projectDir, '-w', workspaceDir, '--port', String(ui.port)]);
      const notice = page.locator('.error-box', { hasText: 'restarted' });
      await notice.waitFor({ timeout: 30_000 });
      expect(await notice.textContent()).toContain('#token=');
      // No stale picture of a live run stays behind it.
      expect(await page.locator('.logs-card .live-pill').count()).toBe(0);
      expect(await page.locator('[data-action="stop"]').count()).toBe(0);
      // The URL printed this time lets the same tab back in, on the run it showed.
      await page.goto(ui.url);
      // Pasted into the same tab, the new URL reloads the page with its token.
      await page.locator('.connection.connected').waitFor();
      await page.goto(`${ui.base}/#/runs/${encodeURIComponent(runId)}`);
      await page.locator('.facts').waitFor();
      await page.locator('.connection.connected').waitFor();
      const stop = await callUi(ui, `/api/runs/${runId}/stop`, { method: 'POST' });
      expect(stop.status).toBe(202);
      await waitFor(() => readRecord(workspaceDir, runId).status !== 'running', 30_000);
    } finally {
      ui.child.kill('SIGTERM');
      await ui.exited;
    }
  });
});
