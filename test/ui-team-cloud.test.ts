// Cloud runs on the team server, through the Provider interface with the local provider's cloud lifecycle (background
// jobs against the store under HANDOFF_HOME): start a job, follow its log live (masked), see it merged with the record
// it pushes, stop one, switch a deployed schedule off and on; viewers are refused and everything is audited.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLocalSchedules } from '../src/schedule/schedule-registry.js';
import type { AuditEntry, JobDetail, JobLogChunk, RunDetail, RunsPage, SchedulesResponse, UiEvent } from '../src/ui/api-types.js';
import { makeTempDir, runCli, waitFor } from './helpers/cli.js';
import { callTeam, openTeamEvents, readAuditFile, signIn, startTeamUi, stopUis, waitForAnswer, writeTestAccounts, type TeamClient, type TeamUiProcess } from './helpers/ui-process.js';

afterAll(stopUis);

const SECRET = 'cloud-secret-5d8e2a71';

describe('cloud runs on the team server (local provider)', () => {
  let root: string;
  let home: string;
  let gate: string;
  let auditLog: string;
  let ui: TeamUiProcess;
  let otto: TeamClient;
  let vic: TeamClient;
  const cli = (args: string[]) => runCli(args, { env: { HANDOFF_HOME: home } });
  const json = async <T>(client: TeamClient, pathname: string): Promise<T> => {
    const response = await client.call(pathname);
    expect(response.status, pathname).toBe(200);
    return (await response.json()) as T;
  };
  const audit = (): AuditEntry[] => readAuditFile(auditLog);

  beforeAll(async () => {
    root = makeTempDir('handoff-team-cloud-');
    home = path.join(root, 'home');
    gate = path.join(root, 'gate');
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
        args: -c 'echo "cloud says hello" >&2; while [ -f ${gate} ]; do sleep 0.05; done; echo "cloud is done" >&2'
deploy:
  cloud_provider: local
  resource_group: shop
  task: orders
schedules:
  - target_id: 1
    name: nightly
    cron: "0 2 * * ? *"
`,
    );
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), `- key: API_TOKEN\n  value: ${SECRET}\n`);
    for (const args of [
      ['cloud', 'bucket', 'create', '-p', projectDir],
      ['project', 'push', '-p', projectDir, '-y'],
      ['cloud', 'schedule', 'create', '-p', projectDir],
    ]) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    await writeTestAccounts(path.join(root, 'users.json'), [
      { name: 'otto', role: 'operator', password: 'otto operator passphrase' },
      { name: 'vic', role: 'viewer', password: 'vic viewer passphrase' },
    ]);
    auditLog = path.join(root, 'audit.jsonl');
    fs.writeFileSync(path.join(root, 'ui.yml'), `listen: 127.0.0.1:0\nusers: users.json\naudit_log: audit.jsonl\nprojects:\n  - {id: orders, project: orders, workspace: ws}\n`);
    ui = await startTeamUi(['--config', path.join(root, 'ui.yml')], { HANDOFF_HOME: home });
    otto = await signIn(ui, 'otto', 'otto operator passphrase');
    vic = await signIn(ui, 'vic', 'vic viewer passphrase');
  });

  it('offers cloud runs for a project deployed to a provider (its workspace runs stay on for the local provider)', async () => {
    const overview = await json<{ cloud: { provider: string; canStartRuns: boolean; resourceGroup: string; task: string }; canStartRuns: boolean }>(otto, '/api/projects/orders/overview');
    expect(overview.cloud).toMatchObject({ provider: 'local', canStartRuns: true, resourceGroup: 'shop', task: 'orders' });
    // The local provider runs on this machine: its workspace runs stay on (only a real cloud makes them opt-in).
    expect(overview.canStartRuns).toBe(true);
  });

  it('starts a job as an operator, streams its log live with secrets masked, then shows it merged with its stored record', async () => {
    fs.writeFileSync(gate, '');
    const events = openTeamEvents(ui, '/api/projects/orders/events', { cookie: vic.cookie });
    expect(await events.status).toBe(200);
    const started = await otto.call('/api/projects/orders/cloud-runs', { method: 'POST' });
    expect(started.status).toBe(201);
    const { job } = (await started.json()) as { job: JobDetail['job'] };
    expect(job.status).toBe('running');

    // The runs table has the job (no record yet) on top.
    const page = await json<RunsPage>(vic, '/api/projects/orders/runs');
    expect(page.runs[0]).toMatchObject({ runId: job.id, jobId: job.id, where: 'cloud', status: 'running' });

    // Its log, read through the provider, then followed: new lines come as events.
    await waitForAnswer(async () => (await json<JobLogChunk>(vic, `/api/projects/orders/jobs/${job.id}/log`)).lines.some((l) => l.includes('cloud says hello')), 20_000);
    // A line the provider's log holds with the secret in it (as a cloud's log may), shown masked like every other.
    fs.appendFileSync(String(job.details.log), `leaked by a library: ${SECRET}\n`);
    await waitFor(() => events.events.some((e) => e.type === 'job-log' && e.jobId === job.id && e.lines.some((l) => l.includes('leaked by a library: ***'))));
    const log = await json<JobLogChunk>(vic, `/api/projects/orders/jobs/${job.id}/log`);
    expect(log.lines.join('\n')).toContain('leaked by a library: ***');

    fs.rmSync(gate);
    await waitFor(() => events.events.some((e) => e.type === 'job' && e.job.id === job.id && e.job.status === 'succeeded'), 30_000);
    await waitFor(() => events.events.some((e) => e.type === 'job-log' && e.jobId === job.id && e.done), 15_000);
    expect(events.events.filter((e): e is Extract<UiEvent, { type: 'job-log' }> => e.type === 'job-log' && e.jobId === job.id).flatMap((e) => e.lines).join('\n')).toContain('cloud is done');

    // Its run record reached the store: one row, the record's, with the job.
    await waitForAnswer(async () => (await json<RunsPage>(vic, '/api/projects/orders/runs')).runs.some((r) => r.jobId === job.id && r.runId !== job.id), 20_000);
    const merged = (await json<RunsPage>(vic, '/api/projects/orders/runs')).runs.filter((r) => r.jobId === job.id);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ where: 'cloud', status: 'succeeded', trigger: 'cloud' });
    const detail = await json<RunDetail>(vic, `/api/projects/orders/runs/${merged[0].runId}`);
    expect(detail).toMatchObject({ where: 'cloud', jobId: job.id, streams: [] });
    expect(detail.record.tasks.map((t) => t.name)).toEqual(['sync']);
    const jobDetail = await json<JobDetail>(vic, `/api/projects/orders/jobs/${job.id}`);
    expect(jobDetail.record?.runId).toBe(merged[0].runId);
    // The run names its job (how `cloud job status` links them).
    expect(jobDetail.record?.jobId).toBe(job.id);
    for (const raw of [events.raw(), JSON.stringify(await json(vic, '/api/projects/orders/runs')), JSON.stringify(jobDetail)]) expect(raw).not.toContain(SECRET);
    events.close();
    expect(audit().find((e) => e.action === 'cloud_run_start' && e.target === job.id)).toMatchObject({ user: 'otto', role: 'operator', outcome: 'ok', project: 'orders', status: 201 });
  });

  it('stops a job as an operator; a viewer can neither start nor stop one (403, audited)', async () => {
    fs.writeFileSync(gate, '');
    expect((await vic.call('/api/projects/orders/cloud-runs', { method: 'POST' })).status).toBe(403);
    const started = await otto.call('/api/projects/orders/cloud-runs', { method: 'POST' });
    const { job } = (await started.json()) as { job: JobDetail['job'] };
    await waitForAnswer(async () => (await json<JobLogChunk>(otto, `/api/projects/orders/jobs/${job.id}/log`)).lines.some((l) => l.includes('cloud says hello')), 20_000);
    expect((await vic.call(`/api/projects/orders/jobs/${job.id}/stop`, { method: 'POST' })).status).toBe(403);
    const stopped = await otto.call(`/api/projects/orders/jobs/${job.id}/stop`, { method: 'POST' });
    expect(stopped.status).toBe(202);
    await waitForAnswer(async () => (await json<JobDetail>(otto, `/api/projects/orders/jobs/${job.id}`)).job.status === 'interrupted', 20_000);
    fs.rmSync(gate, { force: true });
    const lines = audit();
    expect(lines.filter((e) => e.user === 'vic' && e.outcome === 'denied').map((e) => e.action)).toEqual(['cloud_run_start', 'job_stop']);
    expect(lines.find((e) => e.action === 'job_stop' && e.outcome === 'ok')).toMatchObject({ user: 'otto', target: job.id, status: 202 });
    expect((await otto.call('/api/projects/orders/jobs/no-such-job')).status).toBe(404);
  });

  it('shows the deployed schedule and lets an operator switch it off and on there', async () => {
    const before = await json<SchedulesResponse>(vic, '/api/projects/orders/schedules');
    expect(before.deployment).toMatchObject({ provider: 'local', canToggle: true });
    expect(before.schedules[0].deployed).toMatchObject({ status: 'scheduled', enabled: true });
    expect(before.schedules[0].deployed!.next.length).toBeGreaterThan(0);
    expect((await vic.call('/api/projects/orders/schedules/1', { method: 'POST', json: { enabled: false } })).status).toBe(403);
    expect((await otto.call('/api/projects/orders/schedules/1', { method: 'POST', json: { enabled: 'no' } })).status).toBe(400);
    expect((await otto.call('/api/projects/orders/schedules/9', { method: 'POST', json: { enabled: false } })).status).toBe(404);
    expect((await otto.call('/api/projects/orders/schedules/1', { method: 'POST', json: { enabled: false } })).status).toBe(200);
    const off = await json<SchedulesResponse>(vic, '/api/projects/orders/schedules');
    expect(off.schedules[0].deployed).toMatchObject({ status: 'edited', enabled: false, next: [] });
    // The local scheduler's registry, which it fires from, says so too.
    expect(listLocalSchedules(home).map((s) => [s.task, s.targetId, s.enabled])).toEqual([['orders', '1', false]]);
    expect((await otto.call('/api/projects/orders/schedules/1', { method: 'POST', json: { enabled: true } })).status).toBe(200);
    expect((await json<SchedulesResponse>(vic, '/api/projects/orders/schedules')).schedules[0].deployed).toMatchObject({ status: 'scheduled', enabled: true });
    const lines = audit().filter((e) => e.action.startsWith('schedule_'));
    expect(lines.map((e) => `${e.user} ${e.action} ${e.outcome}`)).toEqual([
      'vic schedule_disable denied',
      'otto schedule_enable failed',
      'otto schedule_disable failed',
      'otto schedule_disable ok',
      'otto schedule_enable ok',
    ]);
  });

  it('keeps a running job listed, viewable and stoppable while project.yml does not load, and says why a new one cannot start', async () => {
    fs.writeFileSync(gate, '');
    const projectYml = path.join(root, 'orders', 'project.yml');
    const good = fs.readFileSync(projectYml, 'utf8');
    const started = await otto.call('/api/projects/orders/cloud-runs', { method: 'POST' });
    expect(started.status).toBe(201);
    const { job } = (await started.json()) as { job: JobDetail['job'] };
    try {
      fs.writeFileSync(projectYml, good.replace('commands:', 'commandz:'));
      const page = await json<RunsPage>(vic, '/api/projects/orders/runs');
      expect(page.runs.some((r) => r.jobId === job.id)).toBe(true);
      // The project's own error, not the cloud's: the jobs were read.
      expect(page.projectError).toMatch(/^project\.yml cannot be loaded/);
      expect(page.cloudError).toBeUndefined();
      expect((await json<JobDetail>(vic, `/api/projects/orders/jobs/${job.id}`)).job.id).toBe(job.id);
      const overview = await json<{ canStartRuns: boolean; readOnlyReason?: string; cloud?: { canStartRuns: boolean; problem?: string } }>(vic, '/api/projects/orders/overview');
      expect(overview).toMatchObject({ canStartRuns: false, cloud: { canStartRuns: false } });
      expect(overview.cloud?.problem).toMatch(/^project\.yml cannot be loaded/);
      for (const [pathname, init] of [
        ['/api/projects/orders/cloud-runs', { method: 'POST' }],
        ['/api/projects/orders/schedules/1', { method: 'POST', json: { enabled: false } }],
      ] as const) {
        const refused = await otto.call(pathname, init);
        expect(refused.status, pathname).toBe(409);
        expect(((await refused.json()) as { message: string }).message, pathname).toMatch(/^project\.yml cannot be loaded/);
      }
      expect((await otto.call(`/api/projects/orders/jobs/${job.id}/stop`, { method: 'POST' })).status).toBe(202);
      await waitForAnswer(async () => !['running', 'pending'].includes((await json<JobDetail>(vic, `/api/projects/orders/jobs/${job.id}`)).job.status), 20_000);
    } finally {
      fs.writeFileSync(projectYml, good);
      fs.rmSync(gate, { force: true });
    }
  });

  it('serves a job log of 100,000 lines in bounded steps, answering other requests meanwhile, and keeps its last lines', async () => {
    fs.rmSync(gate, { force: true });
    const started = await otto.call('/api/projects/orders/cloud-runs', { method: 'POST' });
    expect(started.status).toBe(201);
    const { job } = (await started.json()) as { job: JobDetail['job'] };
    // Waited for through the job (not its log, which would be read to its end and followed no more).
    await waitForAnswer(async () => (await json<JobDetail>(vic, `/api/projects/orders/jobs/${job.id}`)).job.status === 'succeeded', 30_000);
    // A chatty task's console, as its handoff would have written it (15 MB; the server's buffer keeps 20,000 lines).
    const total = 100_000;
    const before = fs.readFileSync(String(job.details.log), 'utf8').split('\n').length - 1;
    const filler = 'x'.repeat(120);
    fs.appendFileSync(String(job.details.log), Array.from({ length: total }, (_, i) => `[2026-12-06 11:30:14]     INFO - line ${i} ${filler}\n`).join(''));
    const all = before + total;

    // The first answer holds one bounded read, not the whole log (300,000 lines took the server 30 s, blocking everyone).
    const first = await json<JobLogChunk>(vic, `/api/projects/orders/jobs/${job.id}/log`);
    expect(first.end).toBeLessThan(20_000);
    expect(first.done).toBe(false);
    // The server reads on by itself (in steps, other requests answered between them) until it has the log's end.
    let last = first;
    let answeredMeanwhile = 0;
    while (!last.done) {
      expect((await callTeam(ui, '/api/login')).status).toBe(200);
      answeredMeanwhile += 1;
      last = await json<JobLogChunk>(vic, `/api/projects/orders/jobs/${job.id}/log?from=${all - 3}`);
      expect(last.lines.length).toBeLessThanOrEqual(5_000);
      if (!last.done) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(answeredMeanwhile).toBeGreaterThan(1);
    // The buffer keeps the last 20,000 lines, numbered from the log's first.
    const tail = last;
    expect(tail).toMatchObject({ firstKept: all - 20_000, start: all - 3, end: all, done: true });
    expect(tail.lines.at(-1)).toBe(`[2026-12-06 11:30:14]     INFO - line ${total - 1} ${filler}`);
  });

  it('never repeats a job id or schedule target_id it was sent, so a guessed secret is not confirmed as ***; nor does its audit log', async () => {
    const calls: Array<[TeamClient, string, RequestInit & { json?: unknown }]> = [
      [vic, `/api/projects/orders/jobs/${SECRET}`, {}],
      [vic, `/api/projects/orders/jobs/${SECRET}/log`, {}],
      [otto, `/api/projects/orders/jobs/${SECRET}/stop`, { method: 'POST' }],
      [otto, `/api/projects/orders/schedules/${SECRET}`, { method: 'POST', json: { enabled: false } }],
    ];
    for (const [client, pathname, init] of calls) {
      const response = await client.call(pathname, init);
      expect(response.status, pathname).toBe(404);
      const text = await response.text();
      expect(text, pathname).not.toContain(SECRET);
      expect(text, pathname).not.toContain('***');
    }
    const raw = fs.readFileSync(auditLog, 'utf8');
    expect(raw).not.toContain(SECRET);
    expect(audit().filter((e) => e.action === 'job_stop' && e.outcome === 'failed').at(-1)).toMatchObject({ user: 'otto', target: '***', status: 404 });
  });

  it('leaves the workspace records that cannot be read out of the merged history and its total, and names them', async () => {
    const runsDir = path.join(root, 'ws', 'runs');
    fs.mkdirSync(runsDir, { recursive: true });
    const before = await json<RunsPage>(vic, '/api/projects/orders/runs?limit=200');
    expect(before.unreadable).toBeUndefined();
    // Newer than every run: a record cut short and an empty one.
    const files = [path.join(runsDir, '29991231T000001.000Z-bbbb.json'), path.join(runsDir, '29991231T000000.000Z-aaaa.json')];
    fs.writeFileSync(files[0], '{"schema": 1, "runId": "29991231T0000');
    fs.writeFileSync(files[1], '');
    try {
      const after = await json<RunsPage>(vic, '/api/projects/orders/runs?limit=200');
      expect(after.total).toBe(before.total);
      expect(after.runs.map((r) => r.runId)).toEqual(before.runs.map((r) => r.runId));
      expect(after.unreadable).toEqual({ count: 2, files });
      // A page of one is a whole page, not one short by the broken records.
      expect((await json<RunsPage>(vic, '/api/projects/orders/runs?limit=1')).runs).toHaveLength(1);
    } finally {
      for (const file of files) fs.rmSync(file);
    }
  });

  it('leaves the store records that cannot be read out of the merged history and its total, and names them', async () => {
    const storeRuns = path.join(home, 'buckets', 'handoff-dev-shop', 'orders', 'runs');
    fs.mkdirSync(storeRuns, { recursive: true });
    const before = await json<RunsPage>(vic, '/api/projects/orders/runs?limit=200');
    expect(before.unreadable).toBeUndefined();
    // Pushed records that are not whole: cut short, and not a run record at all.
    const files = [path.join(storeRuns, '29991231T000003.000Z-dddd.json'), path.join(storeRuns, '29991231T000002.000Z-cccc.json')];
    fs.writeFileSync(files[0], '{"schema": 1, "runId": "29991231T0000');
    fs.writeFileSync(files[1], '{"runId": "29991231T000002.000Z-cccc"}');
    try {
      // The store is listed again every few seconds.
      let after: RunsPage | undefined;
      await waitForAnswer(async () => (after = await json<RunsPage>(vic, '/api/projects/orders/runs?limit=200')).unreadable !== undefined, 20_000).catch((error) => {
        process.stderr.write(`the last page: total ${after?.total}, ${after?.runs.length} rows\n`);
        throw error;
      });
      // Runs of the earlier tests may still land in the store meanwhile (a job's row becomes its record's), so the page
      // is checked against itself: the total counts the rows shown, and no row is one of the records cut short.
      expect(after!.total).toBe(after!.runs.length);
      expect(after!.runs.map((r) => r.runId)).not.toContain('29991231T000002.000Z-cccc');
      expect(after!.unreadable).toEqual({ count: 2, files });
      expect((await json<RunsPage>(vic, '/api/projects/orders/runs?limit=1')).runs).toHaveLength(1);
    } finally {
      for (const file of files) fs.rmSync(file);
    }
  });
});
