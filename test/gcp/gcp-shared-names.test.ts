// Google Cloud against the loopback emulator, where deploys of several tasks meet: tasks of one resource group sharing
// the bucket, the group's secret and a deploy.service_account; names that collide across resource group/task splits;
// labels others put on the job; the whole of a long log; a second task delete (review of 2026-12-06).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

const PROJECT = 'acme-data';
const REGION = 'europe-west1';
const LOCATION = `projects/${PROJECT}/locations/${REGION}`;
const SHARED_SA = `shared-runner@${PROJECT}.iam.gserviceaccount.com`;
const BUCKET = `handoff-dev-it-${crypto.createHash('md5').update(PROJECT).digest('hex').slice(-8)}`;

function projectYml(resourceGroup: string, task: string, extra = ''): string {
  return `tasks:
  - name: count
    commands:
      - command: "true"
deploy:
  cloud_provider: gcp
  gcp_project: ${PROJECT}
  region: ${REGION}
  resource_group: ${resourceGroup}
  task: ${task}
  image_version: "0.3"
${extra}`;
}

let emulator: GcpEmulator;

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

/** Requests other than reads (and the token exchange) made while `body` ran. */
async function writesDuring(body: () => Promise<CliResult>): Promise<{ result: CliResult; writes: string[] }> {
  const before = emulator.requests.length;
  const result = await body();
  const writes = emulator.requests.slice(before).filter((r) => r.method !== 'GET' && !/entries:list|\/v1\/token|:access|:getIamPolicy|\/jobs$/.test(r.path) && !(r.method === 'POST' && r.path.endsWith(':list')));
  return { result, writes: writes.map((r) => `${r.method} ${r.path}`) };
}

const member = `serviceAccount:${SHARED_SA}`;
const bindingsOf = (resource: string, who = member): { role: string; title?: string }[] =>
  emulator.iam
    .policy(resource)
    .bindings.filter((b) => b.members.includes(who))
    .map((b) => ({ role: b.role, ...(b.condition ? { title: b.condition.title } : {}) }));

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
  // deploy.service_account names an existing account, which the user made.
  emulator.iam.serviceAccounts.set(SHARED_SA, { email: SHARED_SA, uniqueId: '199999999999', displayName: 'shared runner', description: '', projectId: PROJECT });
});

afterAll(async () => {
  await emulator?.stop();
});

describe('tasks of one resource group sharing deploy.service_account', () => {
  const alpha = (): string => makeProject(projectYml('it', 'alpha', `  service_account: ${SHARED_SA}\n`)).projectDir;
  const beta = (): string => makeProject(projectYml('it', 'beta', `  service_account: ${SHARED_SA}\n`)).projectDir;
  let alphaDir = '';
  let betaDir = '';

  beforeAll(async () => {
    alphaDir = alpha();
    betaDir = beta();
    for (const dir of [alphaDir, betaDir]) {
      const deployed = await cli(['cloud', 'deploy', '-p', dir, '-y']);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
  });

  it('each deploy adds its task\'s grants and keeps the other\'s; the shared bucket is labelled with the group only', () => {
    expect(bindingsOf(`projects/_/buckets/${BUCKET}`)).toEqual([
      { role: 'roles/storage.objectUser', title: 'handoff alpha objects' },
      { role: 'roles/storage.objectViewer', title: 'handoff alpha listing' },
      { role: 'roles/storage.objectUser', title: 'handoff beta objects' },
      { role: 'roles/storage.objectViewer', title: 'handoff beta listing' },
    ]);
    const group = { 'handoff-resource-group': 'dev-it', 'handoff-stage': 'dev', 'handoff-owner': expect.stringMatching(/^[0-9a-f]{12}$/) };
    expect(emulator.storage.buckets.get(BUCKET)!.labels).toEqual(group);
    expect(emulator.secrets.secrets.get(`projects/${PROJECT}/secrets/handoff_dev-it`)?.labels).toEqual(group);
  });

  it('a second deploy of either task changes nothing and says so', async () => {
    for (const dir of [alphaDir, betaDir]) {
      const { result, writes } = await writesDuring(() => cli(['cloud', 'deploy', '-p', dir, '--json']));
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { changed: boolean; resources: { what: string; action: string }[] };
      expect(report.resources.filter((r) => r.action !== 'unchanged')).toEqual([]);
      expect(report.changed).toBe(false);
      expect(writes).toEqual([]);
    }
  });

  it('task delete takes away only its own grants, keeps the group\'s secret for the task still using it, and a second delete writes nothing', async () => {
    const { result: deleted } = await writesDuring(() => cli(['cloud', 'task', 'delete', '-p', betaDir]));
    expect(deleted.code, deleted.stderr).toBe(0);
    const rows = (parse(deleted.stdout) as { resources: { resource: string; what: string; action: string }[] }).resources;
    expect(rows.filter((r) => r.what.endsWith('IAM binding')).map((r) => [r.resource, r.action])).toEqual([
      [`handoff_dev-it_beta → ${SHARED_SA}`, 'deleted'],
      [`handoff_dev-it → ${SHARED_SA}`, 'retained'],
      [`gs://${BUCKET} → ${SHARED_SA}`, 'deleted'],
    ]);
    expect(bindingsOf(`projects/_/buckets/${BUCKET}`)).toEqual([
      { role: 'roles/storage.objectUser', title: 'handoff alpha objects' },
      { role: 'roles/storage.objectViewer', title: 'handoff alpha listing' },
    ]);
    expect(bindingsOf(`projects/${PROJECT}/secrets/handoff_dev-it`)).toEqual([{ role: 'roles/secretmanager.secretAccessor' }]);
    expect(bindingsOf(`projects/${PROJECT}/secrets/handoff_dev-it_beta`)).toEqual([]);
    expect(emulator.iam.serviceAccounts.has(SHARED_SA)).toBe(true);

    const { result: again, writes } = await writesDuring(() => cli(['cloud', 'task', 'delete', '-p', betaDir]));
    expect(again.code, again.stderr).toBe(0);
    const againRows = (parse(again.stdout) as { resources: { what: string; action: string }[] }).resources;
    expect(againRows.filter((r) => r.what.endsWith('IAM binding')).map((r) => r.action)).toEqual(['absent', 'retained', 'absent']);
    expect(new Set(againRows.filter((r) => !r.what.endsWith('IAM binding')).map((r) => r.action))).toEqual(new Set(['absent']));
    // No policy is written again (a delete of what is gone is a request that finds nothing, as before).
    expect(writes.filter((w) => /setIamPolicy|\/iam$/.test(w))).toEqual([]);
    const plan = await cli(['cloud', 'plan', '-p', alphaDir, '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ changes: 0 });
  });
});

describe('names that collide across resource group and task (it-x + words, it + x-words)', () => {
  let cx = '';
  let cy = '';
  const JOB = `${LOCATION}/jobs/handoff-dev-it-x-words`;

  beforeAll(async () => {
    cx = makeProject(projectYml('it-x', 'words')).projectDir;
    cy = makeProject(projectYml('it', 'x-words')).projectDir;
    const deployed = await cli(['cloud', 'deploy', '-p', cx, '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
  });

  it('deploy, plan, task update and task delete of the other refuse before any change, naming whose they are', async () => {
    const job = JSON.stringify(emulator.run.jobs.get(JOB));
    for (const args of [['cloud', 'deploy', '-p', cy, '-y'], ['cloud', 'plan', '-p', cy], ['cloud', 'task', 'update', '-p', cy], ['cloud', 'task', 'delete', '-p', cy]]) {
      const { result, writes } = await writesDuring(() => cli(args));
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain('the Cloud Run job handoff-dev-it-x-words was made for handoff dev-it-x/words, not for dev-it/x-words');
      expect(result.stderr).toContain('rename deploy.task or deploy.resource_group');
      // Nothing of the other task's, and nothing of this one's, was written (a deploy may create the group's bucket
      // before its plan reads the tasks's resources: nothing is made before the refusal).
      expect(writes).toEqual([]);
    }
    expect(JSON.stringify(emulator.run.jobs.get(JOB))).toBe(job);
    expect((await cli(['cloud', 'plan', '-p', cx])).code).toBe(0);
  });

  it('refuses as well when the job is gone but the identity or the alert policy names the other task', async () => {
    const saved = emulator.run.jobs.get(JOB)!;
    emulator.run.jobs.delete(JOB);
    try {
      const refused = await cli(['cloud', 'plan', '-p', cy]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/the (service account ho-dev-it-x-words@acme-data\.iam\.gserviceaccount\.com|alert policy "handoff dev-it-x\/words: failed or timed-out runs") was made for handoff dev-it-x\/words/);
    } finally {
      emulator.run.jobs.set(JOB, saved);
    }
  });

  it('a job update keeps the labels others put on the job', async () => {
    const job = emulator.run.jobs.get(JOB)!;
    job.labels = { ...(job.labels as Record<string, string>), 'cost-center': 'data-42' };
    const updated = await cli(['cloud', 'deploy', '-p', cx, '-v', 'version=0.4', '-y']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stderr).toContain(`Updating Cloud Run job ${JOB}`);
    expect(emulator.run.jobs.get(JOB)!.labels).toMatchObject({ 'handoff-resource-group': 'dev-it-x', 'handoff-task': 'words', 'handoff-stage': 'dev', 'cost-center': 'data-42' });
  });

  it('cloud logs prints every line of a long log, the newest last', async () => {
    const resource = { type: 'cloud_run_job', labels: { project_id: PROJECT, job_name: 'handoff-dev-it-x-words', location: REGION } };
    const labels = { 'run.googleapis.com/execution_name': 'handoff-dev-it-x-words-6239d' };
    for (let i = 0; i < 6000; i++) emulator.logging.write(PROJECT, 'stderr', resource, labels, `noise line ${i}`);
    emulator.logging.write(PROJECT, 'stderr', resource, labels, 'LAST LINE of run');
    // Without -v id= each line says its run (the execution), as on AWS and Azure; with it, none needs to.
    for (const [args, label] of [[[], '[handoff-dev-it-x-words-6239d] '], [['-v', 'id=handoff-dev-it-x-words-6239d'], '']] as const) {
      const logs = await cli(['cloud', 'logs', '-p', cx, ...args]);
      expect(logs.code, logs.stderr).toBe(0);
      const lines = logs.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(6001);
      expect(lines[0]).toBe(`${label}noise line 0`);
      expect(lines.at(-1)).toBe(`${label}LAST LINE of run`);
    }
  });
});

describe('schedules', () => {
  it('a description over Cloud Scheduler\'s 500 characters is refused before any request', async () => {
    const dir = makeProject(`${projectYml('it', 'longdesc')}schedules:\n  - target_id: 1\n    cron: "0 6 * * ? *"\n    description: ${'x'.repeat(501)}\n`).projectDir;
    const before = emulator.requests.length;
    const result = await cli(['cloud', 'deploy', '-p', dir, '-y']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("schedule 1's description is 501 characters; Cloud Scheduler takes at most 500");
    // Located at its line of project.yml (before: the key alone).
    expect(result.stderr).toMatch(/project\.yml:\d+:\d+: schedules\[0\]\.description/);
    expect(emulator.requests.slice(before)).toEqual([]);
  });
});
