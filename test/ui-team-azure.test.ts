// Cloud runs on the team server for a project on Azure, against Azurite and the Azure emulator: deployed with `cloud
// deploy`, a Container Apps job execution started from the page runs for real (as the job's managed identity), its
// Log Analytics lines are followed and masked, and the record it pushed to Blob storage becomes the same row as its job.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDetail, JobLogChunk, OverviewResponse, RunsPage } from '../src/ui/api-types.js';
import { startAzureTestbed, type AzureTestbed } from './azure/azure-testbed.js';
import { makeTempDir } from './helpers/cli.js';
import { openTeamEvents, readAuditFile, readJsonAs, startCloudTeamUi, stopUis, waitForAnswer, type TeamClient, type TeamUiProcess } from './helpers/ui-process.js';
import { runWith } from './store/store-scenario.js';

const SECRET = 'azure-ui-secret-5c20e8';

describe('cloud runs on the team server (Azure, against Azurite and the emulator)', () => {
  let bed: AzureTestbed;
  let root: string;
  let ui: TeamUiProcess;
  let otto: TeamClient;
  let vic: TeamClient;
  /** While this file exists, a run of the project goes on. */
  let hold: string;

  beforeAll(async () => {
    bed = await startAzureTestbed();
    root = makeTempDir('handoff-team-azure-');
    hold = path.join(root, 'hold');
    const projectDir = path.join(root, 'orders');
    fs.mkdirSync(path.join(projectDir, '.secrets'), { recursive: true });
    fs.writeFileSync(
      path.join(projectDir, 'project.yml'),
      `envs:
  - key: API_TOKEN
tasks:
  - name: sync
    commands:
      - command: sh
        args: -c 'echo "syncing with $API_TOKEN" >&2; while [ -f ${hold} ]; do sleep 0.1; done'
deploy:
  resource_group: shop
  task: orders
${bed.deployKeys()}
`,
    );
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), `- key: API_TOKEN\n  value: ${SECRET}\n`);
    // Without podman the emulator runs the project the image would hold.
    bed.emulator.registerImage(`${bed.emulator.registryServer}/orders:0.1`, projectDir);
    const deployed = await runWith(bed.env, ['cloud', 'deploy', '-p', projectDir, '-v', 'version=0.1', '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
    ({ ui, otto, vic } = await startCloudTeamUi(root, bed.env));
  }, 120_000);

  afterAll(async () => {
    stopUis();
    await bed?.stop();
  });

  it('offers cloud runs on Azure, and keeps "Run now" on the server\'s machine off', async () => {
    const overview = await readJsonAs<OverviewResponse>(vic, '/api/projects/orders/overview');
    expect(overview.cloud).toMatchObject({ provider: 'azure', canStartRuns: true, resourceGroup: 'shop', task: 'orders' });
    expect(overview.canStartRuns).toBe(false);
  });

  it('runs a Container Apps job, follows its Log Analytics lines masked, and merges it with the record it stored', async () => {
    const events = openTeamEvents(ui, '/api/projects/orders/events', { cookie: vic.cookie });
    expect(await events.status).toBe(200);
    expect((await vic.call('/api/projects/orders/cloud-runs', { method: 'POST' })).status).toBe(403);
    const started = await otto.call('/api/projects/orders/cloud-runs', { method: 'POST' });
    expect(started.status, `${await started.clone().text()} ${ui.stderr()}`).toBe(201);
    const { job } = (await started.json()) as { job: JobDetail['job'] };
    expect(job.id).toMatch(/^ho-dev-shop-orders-[0-9a-f]{6}-[0-9a-z]{7}$/);

    await waitForAnswer(async () => (await readJsonAs<JobLogChunk>(vic, `/api/projects/orders/jobs/${job.id}/log`)).lines.some((l) => l.includes(`syncing with ***`)), 30_000);
    await waitForAnswer(async () => events.events.some((e) => e.type === 'job-log' && e.jobId === job.id && e.lines.some((l) => l.includes('syncing with ***'))), 30_000);
    await waitForAnswer(async () => (await readJsonAs<JobDetail>(vic, `/api/projects/orders/jobs/${job.id}`)).record !== undefined, 30_000);
    const detail = await readJsonAs<JobDetail>(vic, `/api/projects/orders/jobs/${job.id}`);
    expect(detail.job).toMatchObject({ id: job.id, status: 'succeeded', exitCode: 0 });
    expect(detail.record).toMatchObject({ status: 'succeeded' });

    // The job and the record it pushed are one row of the runs table.
    const page = await readJsonAs<RunsPage>(vic, '/api/projects/orders/runs');
    const rows = page.runs.filter((r) => r.jobId === job.id || r.runId === detail.record!.runId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ where: 'cloud', status: 'succeeded', runId: detail.record!.runId, jobId: job.id });
    expect(page.cloudError).toBeUndefined();
    for (const raw of [events.raw(), JSON.stringify(page), JSON.stringify(detail)]) expect(raw).not.toContain(SECRET);
    events.close();
  });

  it('stops a running execution as an operator; a viewer cannot (403, audited)', async () => {
    fs.writeFileSync(hold, '');
    const started = await otto.call('/api/projects/orders/cloud-runs', { method: 'POST' });
    expect(started.status, await started.clone().text()).toBe(201);
    const { job } = (await started.json()) as { job: JobDetail['job'] };
    await waitForAnswer(async () => (await readJsonAs<JobDetail>(vic, `/api/projects/orders/jobs/${job.id}`)).job.status === 'running', 30_000);
    expect((await vic.call(`/api/projects/orders/jobs/${job.id}/stop`, { method: 'POST' })).status).toBe(403);
    expect((await otto.call(`/api/projects/orders/jobs/${job.id}/stop`, { method: 'POST' })).status).toBe(202);
    await waitForAnswer(async () => (await readJsonAs<JobDetail>(vic, `/api/projects/orders/jobs/${job.id}`)).job.status === 'interrupted', 30_000);
    fs.rmSync(hold);
    const audit = readAuditFile(path.join(root, 'audit.jsonl'));
    expect(audit.map((e) => `${e.user} ${e.action} ${e.outcome}`)).toEqual(['otto login ok', 'vic login ok', 'vic cloud_run_start denied', 'otto cloud_run_start ok', 'otto cloud_run_start ok', 'vic job_stop denied', 'otto job_stop ok']);
  });
});
