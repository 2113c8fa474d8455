// Google Cloud end to end against the loopback emulator, through the official client libraries: store, secrets, deploy
// (twice), least-privilege grants, runs that really run (and fail, time out, stop), logs, schedules fired by the
// emulator's clock, export, and teardown. Executions run `handoff run` of the project (the image's entry point).
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

const execFileAsync = promisify(execFile);
const PROJECT = 'acme-data';
const REGION = 'europe-west1';
const SECRET = `tok-${crypto.randomBytes(6).toString('hex')}`;
const SHARED = `shared-${crypto.randomBytes(6).toString('hex')}`;
const RG = 'it';
const JOB = `projects/${PROJECT}/locations/${REGION}/jobs/handoff-dev-it-words`;
const TASK_SA = `ho-dev-it-words@${PROJECT}.iam.gserviceaccount.com`;
const SCHEDULER_SA = `ho-dev-it--sched@${PROJECT}.iam.gserviceaccount.com`;

function projectYml(task: string, extra = ''): string {
  return `version: 0.3
envs:
  - key: API_TOKEN
  - key: SHARED_TOKEN
tasks:
  - name: count
    commands:
      - command: sh
        args: -c 'echo "counting in $HO_STAGE"; printf %s "$API_TOKEN$SHARED_TOKEN" | sha256sum | cut -c1-64 > artifacts/token.sha256; sleep \${SLEEP:-0}; exit \${FAIL:-0}'
deploy:
  cloud_provider: gcp
  gcp_project: ${PROJECT}
  region: ${REGION}
  resource_group: ${RG}
  task: ${task}
  image_version: "0.3"
  cpu: 1024
  memory: 1024
  alarm_email: oncall@example.com
${extra}
schedules:
  - target_id: 1
    description: daily in Paris
    cron: "0 6 * * ? *"
    timezone: Europe/Paris
    envs:
      - key: __VARS
        value: start=$(date -I -d yesterday)
  - target_id: 2
    cron: rate(1 hour)
    enabled: false
`;
}

let emulator: GcpEmulator;
let words = '';

function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { env: { ...emulator.env, ...extraEnv, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

/** Requests made while `body` ran. */
async function requestsDuring<T>(body: () => Promise<T>): Promise<{ result: T; requests: GcpEmulator['requests'] }> {
  const before = emulator.requests.length;
  const result = await body();
  return { result, requests: emulator.requests.slice(before) };
}

beforeAll(async () => {
  // Pages of two where a client names no size: listings of objects, schedules and policies really page.
  emulator = await startGcpEmulator({ containers: 'process', defaultPageSize: 2 });
  words = makeProject(projectYml('words'), {
    'files/query.sql': 'select 1;\n',
    '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${SECRET}\n- key: SHARED_TOKEN\n  value: ${SHARED}\n  level: resource group\n`,
  }).projectDir;
  // The image `container push` would have made: an execution runs this project's `handoff run`, as the image does.
  emulator.run.images.set(`127.0.0.1:${emulator.port}/${PROJECT}/handoff/words:0.3`, { projectDir: words });
});

afterAll(async () => {
  await emulator?.stop();
});

describe('bad input is refused before any call to Google Cloud', () => {
  it('a missing gcp_project, an invalid region, a CPU/memory pair Cloud Run refuses: located, exit 2, no request', async () => {
    const cases: [string, string][] = [
      [projectYml('bad').replace(`  gcp_project: ${PROJECT}\n`, ''), 'deploy: deploy.gcp_project is missing'],
      [projectYml('bad').replace(`region: ${REGION}`, 'region: europe-west'), 'deploy.region: deploy.region "europe-west" is not a Google Cloud region'],
      [projectYml('bad').replace('memory: 1024', 'memory: 8192'), 'deploy.memory: deploy.memory 8192 MiB is not allowed with deploy.cpu 1024 (1 vCPU) on Cloud Run'],
    ];
    for (const [yml, message] of cases) {
      const dir = makeProject(yml).projectDir;
      for (const args of [['cloud', 'deploy', '-p', dir, '-y'], ['cloud', 'bucket', 'create', '-p', dir]]) {
        const { result, requests } = await requestsDuring(() => cli(args));
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toContain(`${path.join(dir, 'project.yml')}:`);
        expect(result.stderr).toContain(message);
        expect(requests).toEqual([]);
      }
    }
  });

  it('a cron Cloud Scheduler cannot take and an unknown secret key character fail before anything is sent', async () => {
    const dir = makeProject(projectYml('lastday').replace('0 6 * * ? *', '0 6 L * ? *')).projectDir;
    const { result, requests } = await requestsDuring(() => cli(['cloud', 'deploy', '-p', dir, '-y']));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot run on Cloud Scheduler: L and W (last day, nearest weekday) have no unix-cron form');
    expect(requests).toEqual([]);
  });
});

describe('the store: bucket, project, secrets', () => {
  it('creates the bucket with uniform access, public access prevention and versioning', async () => {
    const created = await cli(['cloud', 'bucket', 'create', '-p', words]);
    expect(created.code, created.stderr).toBe(0);
    const bucket = (parse(created.stdout) as { bucket: string }).bucket;
    expect(bucket).toBe(`handoff-dev-it-${crypto.createHash('md5').update(PROJECT).digest('hex').slice(-8)}`);
    const stored = emulator.storage.buckets.get(bucket)!;
    expect(stored).toMatchObject({ location: 'EUROPE-WEST1', uniformBucketLevelAccess: true, publicAccessPrevention: 'enforced', versioning: true });
    // The bucket is the resource group's, shared by its tasks: labelled with the group alone (and its stage and owner mark).
    expect(stored.labels).toEqual({ 'handoff-resource-group': 'dev-it', 'handoff-stage': 'dev', 'handoff-owner': expect.stringMatching(/^[0-9a-f]{12}$/) });
    const again = await cli(['cloud', 'bucket', 'create', '-p', words]);
    expect(parse(again.stdout)).toMatchObject({ action: 'unchanged' });
  });

  it('pushes project.yml, files and the secrets in the S3 layout; secrets never printed', async () => {
    const pushed = await cli(['project', 'push', '-p', words, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout + pushed.stderr).not.toContain(SECRET);
    const bucket = [...emulator.storage.buckets.values()][0]!;
    expect([...bucket.objects.keys()].sort()).toEqual(['words/.handoff-owner', 'words/files/query.sql', 'words/project.yml']);
    // One secret per level, holding its keys; names within Secret Manager's rules.
    expect(JSON.parse(emulator.secrets.read(`projects/${PROJECT}/secrets/handoff_dev-it_words`)!)).toEqual({ API_TOKEN: SECRET });
    expect(JSON.parse(emulator.secrets.read(`projects/${PROJECT}/secrets/handoff_dev-it`)!)).toEqual({ SHARED_TOKEN: SHARED });
    const printed = await cli(['secrets', 'print', '-p', words]);
    expect(parse(printed.stdout)).toEqual([
      { key: 'SHARED_TOKEN', level: 'resource group', where: `secretmanager:projects/${PROJECT}/secrets/handoff_dev-it (key SHARED_TOKEN)`, value: '***' },
      { key: 'API_TOKEN', level: 'task', where: `secretmanager:projects/${PROJECT}/secrets/handoff_dev-it_words (key API_TOKEN)`, value: '***' },
    ]);
    expect(printed.stdout + printed.stderr).not.toContain(SECRET);
    // The credentials never appear either.
    expect(pushed.stdout + pushed.stderr + printed.stdout + printed.stderr).not.toContain(emulator.credentials.subjectToken);
  });
});

describe('cloud deploy', () => {
  let first: CliResult;

  beforeAll(async () => {
    first = await cli(['cloud', 'deploy', '-p', words, '-y']);
  });

  it('creates the group\'s scheduler identity, the task\'s identity, grants, job, metrics, alert and schedules', () => {
    expect(first.code, first.stderr).toBe(0);
    const result = parse(first.stdout) as { changed: boolean; image: string; resources: { what: string; action: string }[]; schedules: { target_id: string; action: string }[] };
    expect(result.changed).toBe(true);
    expect(result.image).toBe(`127.0.0.1:${emulator.port}/${PROJECT}/handoff/words:0.3`);
    expect(result.resources.map((r) => [r.what, r.action])).toEqual([
      ['bucket', 'unchanged'],
      ['service account', 'created'],
      ['service account', 'created'],
      ['bucket IAM binding', 'created'],
      ['secret IAM binding', 'created'],
      ['secret IAM binding', 'created'],
      ['Cloud Run job', 'created'],
      ['job IAM binding', 'created'],
      ['log-based metric', 'created'],
      ['log-based metric', 'created'],
      ['notification channel', 'created'],
      ['alert policy', 'created'],
    ]);
    expect(result.schedules.map((s) => [s.target_id, s.action])).toEqual([
      ['1', 'created'],
      ['2', 'created'],
    ]);
    expect(first.stderr).toContain(`Creating Cloud Run job ${JOB}`);
    expect(first.stdout + first.stderr).not.toContain(SECRET);
  });

  it('made the Cloud Run job with the declared size, timeout, retries and identity', () => {
    const job = emulator.run.jobs.get(JOB)!;
    const task = (job.template as { template: Record<string, unknown> }).template;
    expect(task).toMatchObject({ serviceAccount: TASK_SA, maxRetries: 0, timeout: '43200s' });
    expect((task.containers as Record<string, unknown>[])[0]).toMatchObject({
      name: 'handoff',
      image: `127.0.0.1:${emulator.port}/${PROJECT}/handoff/words:0.3`,
      env: [{ name: 'HO_STAGE', value: 'dev' }],
      resources: { limits: { cpu: '1', memory: '1024Mi' } },
    });
  });

  it('grants least privilege: the task\'s identity its own prefix and two secrets, the scheduler only the job, nothing project-wide', () => {
    const bucket = [...emulator.storage.buckets.keys()][0]!;
    const member = `serviceAccount:${TASK_SA}`;
    expect(emulator.iam.policy(`projects/_/buckets/${bucket}`).bindings).toEqual([
      {
        role: 'roles/storage.objectUser',
        members: [member],
        condition: { title: 'handoff words objects', description: 'Objects under words/ of handoff dev-it/words', expression: `resource.name.startsWith("projects/_/buckets/${bucket}/objects/words/")` },
      },
      {
        role: 'roles/storage.objectViewer',
        members: [member],
        condition: { title: 'handoff words listing', description: 'Listing under words/ of handoff dev-it/words', expression: 'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("words/")' },
      },
    ]);
    for (const secret of ['handoff_dev-it_words', 'handoff_dev-it']) {
      expect(emulator.iam.policy(`projects/${PROJECT}/secrets/${secret}`).bindings).toEqual([{ role: 'roles/secretmanager.secretAccessor', members: [member] }]);
    }
    expect(emulator.iam.policy(JOB).bindings).toEqual([{ role: 'roles/run.jobsExecutorWithOverrides', members: [`serviceAccount:${SCHEDULER_SA}`] }]);
    // Every IAM write of the deploy was on one of those resources: no project (resource manager) policy was touched.
    const iamWrites = emulator.requests.filter((r) => /setIamPolicy|\/iam$/.test(r.path) && r.method !== 'GET').map((r) => r.path);
    expect(iamWrites.every((p) => p.startsWith('/storage/v1/b/') || p.includes('/secrets/') || p.includes('/jobs/'))).toBe(true);
    expect(emulator.requests.some((r) => r.path.includes('cloudresourcemanager') || /projects\/[^/]+:setIamPolicy/.test(r.path))).toBe(false);
  });

  it('the task\'s identity cannot read another task\'s objects nor a secret that is not its own', async () => {
    const bucket = [...emulator.storage.buckets.keys()][0]!;
    const token = emulator.auth.issue({ kind: 'serviceAccount', email: TASK_SA }).access_token;
    const get = (p: string): Promise<number> => fetch(`${emulator.url}${p}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await get(`/storage/v1/b/${bucket}/o/${encodeURIComponent('words/project.yml')}?alt=media`)).toBe(200);
    expect(await get(`/storage/v1/b/${bucket}/o/${encodeURIComponent('words2/project.yml')}?alt=media`)).toBe(403);
    expect(await get(`/storage/v1/b/${bucket}/o?prefix=words/`)).toBe(200);
    expect(await get(`/storage/v1/b/${bucket}/o?prefix=`)).toBe(403);
    expect(await get(`/v1/projects/${PROJECT}/secrets/handoff_dev-it_words/versions/latest:access`)).toBe(200);
    expect(await get(`/v1/projects/${PROJECT}/secrets/handoff_dev-it_other/versions/latest:access`)).toBe(403);
    expect(await get(`/v2/${JOB}`)).toBe(403);
  });

  it('changes nothing when run again, and says so', async () => {
    const { result: again, requests } = await requestsDuring(() => cli(['cloud', 'deploy', '-p', words, '--json']));
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report.changed).toBe(false);
    expect(new Set(report.resources.map((r: { action: string }) => r.action))).toEqual(new Set(['unchanged']));
    expect(report.schedules.map((s: { action: string }) => s.action)).toEqual(['unchanged', 'unchanged']);
    expect(again.stderr).toContain(`No changes: dev-${RG}/words is already deployed as declared`);
    // Reads only: a second deploy writes nothing.
    expect(requests.filter((r) => r.method !== 'GET' && !/entries:list|\/v1\/token|:access/.test(r.path)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('plans a new image version as a change of the job\'s image, and changes nothing', async () => {
    const plan = await cli(['cloud', 'plan', '-p', words, '-v', 'version=0.4']);
    expect(plan.code, plan.stderr).toBe(0);
    const described = parse(plan.stdout) as { changes: number; resources: { what: string; action: string; changes?: string[] }[] };
    expect(described.changes).toBe(1);
    expect(described.resources.filter((r) => r.action !== 'unchanged')).toEqual([{ resource: JOB, what: 'Cloud Run job', kind: 'task', action: 'update', changes: ['image'] }]);
    expect(plan.stderr).toContain('1 change would be made by `handoff cloud deploy`');
    const status = parse((await cli(['cloud', 'task', 'status', '-p', words])).stdout) as { image: string; status: string; cpu: string; memory: string };
    expect(status).toMatchObject({ status: 'READY', image: expect.stringMatching(/:0\.3$/), cpu: '1', memory: '1024Mi' });
  });
});

describe('cloud task', () => {
  it('update changes the job in place; an image Cloud Run cannot pull fails to start, never succeeds', async () => {
    const updated = await cli(['cloud', 'task', 'update', '-p', words, '-v', 'version=0.9']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(parse(updated.stdout)).toMatchObject({ job: 'handoff-dev-it-words', action: 'updated', image: expect.stringMatching(/:0\.9$/) });
    expect(updated.stderr).toContain('is not in Artifact Registry yet: push it (handoff container push) before the task runs');
    // An execution that never started writes no line of handoff's: the alert policy's condition on Cloud Run's own
    // count of failed executions is what catches it.
    const policy = [...emulator.monitoring.alertPolicies.values()].find((p) => (p.userLabels as Record<string, string> | undefined)?.handoff_job === 'handoff-dev-it-words')!;
    const conditionFilters = (policy.conditions as { conditionThreshold: { filter: string } }[]).map((c) => c.conditionThreshold.filter);
    const executionFilter = conditionFilters.find((f) => f.includes('run.googleapis.com/job/completed_execution_count'))!;
    expect(executionFilter).toContain('metric.labels.result="failed"');
    const counts = (): number[] => conditionFilters.map((f) => emulator.monitoring.countCondition(f));
    const before = counts();
    const run = await cli(['cloud', 'run', '-p', words, '--wait']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Job \S+ failed \(failed to start\): Image '.*:0\.9' not found/);
    const after = counts();
    expect(after[conditionFilters.indexOf(executionFilter)]).toBe(before[conditionFilters.indexOf(executionFilter)]! + 1);
    expect(after.filter((_, i) => conditionFilters[i] !== executionFilter)).toEqual(before.filter((_, i) => conditionFilters[i] !== executionFilter));
    const back = await cli(['cloud', 'task', 'update', '-p', words]);
    expect(parse(back.stdout)).toMatchObject({ action: 'updated', image: expect.stringMatching(/:0\.3$/) });
    const missing = await cli(['cloud', 'task', 'update', '-p', makeProject(projectYml('other')).projectDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('there is no Cloud Run job projects/acme-data/locations/europe-west1/jobs/handoff-dev-it-other to update');
  });
});

describe('runs: cloud run, job status|stop, logs', () => {
  it('runs the job with HO_STAGE and -e envs as its identity, reading its secrets, and --wait exits with the run\'s code', async () => {
    const { result: run, requests } = await requestsDuring(() => cli(['cloud', 'run', '-p', words, '--wait']));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Job started at .*\n(.*\n)*.*Task count ended with exit code 0/);
    expect(run.stderr).toMatch(/Job handoff-dev-it-words-\w+ succeeded with exit code 0/);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    // The run read both secrets as the task's identity and pushed its artifacts and record to its own prefix.
    const bucket = [...emulator.storage.buckets.values()][0]!;
    const artifact = (key: string): string => bucket.objects.get(`words/artifacts/last/${key}`)!.find((v) => v.live)!.body.toString('utf8');
    expect(artifact('count_stdout.log')).toBe('counting in dev\n');
    const digest = artifact('token.sha256').trim();
    expect(digest).toBe(crypto.createHash('sha256').update(`${SECRET}${SHARED}`).digest('hex'));
    expect([...bucket.objects.keys()].some((k) => /^words\/runs\/.+\.json$/.test(k))).toBe(true);
    const byTask = requests.filter((r) => r.caller === `serviceAccount:${TASK_SA}`);
    expect(byTask.some((r) => r.path.endsWith(':access'))).toBe(true);
    expect(byTask.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)} ${r.status}`)).toEqual([]);
  });

  it('a failing run exits with its code, counts in the failed-tasks metric, and a timeout stops the run', async () => {
    // handoff in the container exits 1 when a task fails (SPEC §1); the task's own code is in the log.
    const failed = await cli(['cloud', 'run', '-p', words, '--wait', '-e', 'FAIL=3']);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toContain('Task count ended with exit code 3');
    expect(failed.stderr).toMatch(/Job \S+ failed with exit code 1: .*Container called exit\(1\)/);
    expect(emulator.logging.countMetric('handoff_dev-it_words_failed_tasks')).toBeGreaterThan(0);
    // A timeout's stop ends the container as a user's does (SIGTERM), but is recorded nowhere: still a failed task.
    const failedTasks = emulator.logging.countMetric('handoff_dev-it_words_failed_tasks');
    // Stop records of runs the clouds no longer list (older than STOP_RECORD_DAYS, 30) go as a new one is written;
    // a recent one stays (its run may still be listed).
    const bucket = [...emulator.storage.buckets.values()][0]!;
    const leave = (key: string, daysAgo: number): void => {
      bucket.objects.set(key, [{ generation: Date.now() * 1000, body: Buffer.from('{"stopped_by":"handoff cloud run --timeout"}\n'), metadata: {}, contentType: 'application/json', created: Date.now() - daysAgo * 86_400_000, live: true }]);
    };
    leave('words/stops/long-gone.timeout.json', 40);
    leave('words/stops/recent.timeout.json', 2);
    const slow = await cli(['cloud', 'run', '-p', words, '--wait', '--timeout', '6', '-e', 'SLEEP=30']);
    expect(slow.code, slow.stderr).toBe(1);
    expect(slow.stderr).toMatch(/Job \S+ timed out after 6 s and was stopped/);
    expect(slow.stdout + slow.stderr).not.toContain('[handoff: stopped by a user]');
    expect(emulator.logging.countMetric('handoff_dev-it_words_failed_tasks')).toBe(failedTasks + 1);
    // Listed as timed out, not as a user's stop (Cloud Run shows both as a cancel), as Azure's and AWS's are.
    const id = /Job (\S+) timed out after 6 s/.exec(slow.stderr)![1]!;
    const liveStops = [...bucket.objects.entries()].filter(([k, v]) => k.startsWith('words/stops/') && v.some((x) => x.live)).map(([k]) => k).sort();
    expect(liveStops).toEqual([`words/stops/${id}.timeout.json`, 'words/stops/recent.timeout.json'].sort());
    const status = await cli(['cloud', 'job', 'status', '-p', words, '-v', `id=${id}`, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const job = JSON.parse(status.stdout).job as { status: string; failure?: string; reason?: string };
    expect(job).toMatchObject({ status: 'failed', failure: 'timeout' });
    expect(job.reason).toContain('--timeout');
    const listed = await cli(['cloud', 'job', 'status', '-p', words]);
    expect(listed.stdout).toMatch(new RegExp(`id: ${id}\\n(.*\\n)*?\\s+failure: timeout`));
    // Its run record (runs list/show of the store, and the UI's runs) says the same: failed, timed out, not interrupted.
    // (The stopped container pushes it after its SIGTERM: read until the newest record is this run's, FAIL=3's before.)
    let record: { status: string; reason?: string; exitCode?: number } = { status: 'none' };
    for (let i = 0; i < 100; i++) {
      const shown = await cli(['runs', 'show', 'latest', '-p', words, '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      record = JSON.parse(shown.stdout) as typeof record;
      if (record.exitCode === 143) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(record).toMatchObject({ status: 'failed', exitCode: 143 });
    expect(record.reason).toContain('timed out');
    expect(record.reason).toContain('--timeout');
  });

  it('job stop cancels a running execution; status shows it interrupted, and the alert policy counts nothing of it', async () => {
    const json = async <T>(args: string[]): Promise<T> => {
      const result = await cli([...args, '--json']);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as T;
    };
    const policy = [...emulator.monitoring.alertPolicies.values()].find((p) => (p.userLabels as Record<string, string> | undefined)?.handoff_job === 'handoff-dev-it-words')!;
    const conditionFilters = (policy.conditions as { conditionThreshold: { filter: string } }[]).map((c) => c.conditionThreshold.filter);
    const counts = (): number[] => conditionFilters.map((f) => emulator.monitoring.countCondition(f));
    const started = await json<{ job: string }>(['cloud', 'run', '-p', words, '-e', 'SLEEP=30']);
    const linesOf = (): string[] => emulator.logging.entries.filter((e) => e.labels['run.googleapis.com/execution_name'] === started.job).map((e) => e.textPayload);
    const statusOf = async (): Promise<{ status: string; failure?: string }> => (await json<{ job: { status: string; failure?: string } }>(['cloud', 'job', 'status', '-p', words, '-v', `id=${started.job}`])).job;
    // Stopped once its handoff is under way: its task runs (a stop before that ends a container that logged nothing).
    for (let i = 0; i < 200 && !linesOf().some((l) => l.includes('Task count started')); i++) await new Promise((r) => setTimeout(r, 100));
    const before = counts();
    const stop = await json<unknown>(['cloud', 'job', 'stop', '-p', words, '-v', `id=${started.job}`]);
    // Recorded in the store before the cancel, for the run's handoff to read on its SIGTERM.
    expect(JSON.stringify(stop)).toContain(`words/stops/${started.job}.json`);
    let job = await statusOf();
    for (let i = 0; i < 200 && job.status !== 'interrupted'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await statusOf();
    }
    expect(job).toMatchObject({ status: 'interrupted', failure: 'stopped' });
    const lines = linesOf();
    // The run logged its task's end (exit code 143, as a timeout's), marked as a user's stop, and said why.
    expect(lines.filter((l) => /Task count ended with exit code 143/.test(l))).toEqual([expect.stringContaining('[handoff: stopped by a user]')]);
    expect(lines.some((l) => l.includes(`Execution ${started.job} was stopped by \`handoff cloud job stop\``))).toBe(true);
    // Neither log-based metric nor Cloud Run's count of failed executions (a cancel is "cancelled") counts it.
    expect(counts()).toEqual(before);
    // Read once: the record is gone.
    const bucket = [...emulator.storage.buckets.values()][0]!;
    expect((bucket.objects.get(`words/stops/${started.job}.json`) ?? []).some((v) => v.live)).toBe(false);
  });

  it('cloud logs follow=true prints a running execution\'s lines until it ends; --cloud-profile takes a credentials file', async () => {
    const started = JSON.parse((await cli(['cloud', 'run', '-p', words, '--json', '-e', 'SLEEP=2'])).stdout) as { job: string };
    const follow = await cli(['cloud', 'logs', '-p', words, '-v', `id=${started.job.split('-').pop()}`, 'follow=true']);
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stderr).toContain(`Following job ${started.job} until it ends`);
    expect(follow.stdout).toMatch(/Job started at(.*\n)*.*Task count ended with exit code 0/);
    // The same credentials named by --cloud-profile instead of GOOGLE_APPLICATION_CREDENTIALS.
    const profiled = await runCli(['secrets', 'print', '-p', words, '--cloud-profile', emulator.credentials.file], {
      env: { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: undefined } as NodeJS.ProcessEnv,
    });
    expect(profiled.code, profiled.stderr).toBe(0);
    expect(parse(profiled.stdout)).toHaveLength(2);
    const missing = await runCli(['secrets', 'print', '-p', words, '--cloud-profile', 'nosuchconfig'], { env: { ...emulator.env, GOOGLE_APPLICATION_CREDENTIALS: undefined } as NodeJS.ProcessEnv });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--cloud-profile nosuchconfig is neither a credentials file nor a gcloud configuration');
  });

  it('cloud logs reads Cloud Logging: one run, a filter, JSON lines', async () => {
    const status = JSON.parse((await cli(['cloud', 'job', 'status', '-p', words, '--json'])).stdout) as { jobs: { id: string; status: string }[] };
    const succeeded = status.jobs.find((j) => j.status === 'succeeded')!;
    const one = await cli(['cloud', 'logs', '-p', words, '-v', `id=${succeeded.id}`]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('Task count ended with exit code 0');
    expect(one.stdout).not.toContain('exit code 3');
    const filtered = await cli(['cloud', 'logs', '-p', words, '-v', 'filter_pattern="ended with exit code 3"', '--json']);
    const lines = filtered.stdout.trim().split('\n').map((l) => JSON.parse(l) as { job: string; message: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.message.includes('ended with exit code 3') && l.job.startsWith('handoff-dev-it-words-'))).toBe(true);
  });
});

describe('schedules', () => {
  it('lists declared against deployed, and fires from the emulator\'s clock as the scheduler identity with the schedule\'s envs', async () => {
    const listed = parse((await cli(['cloud', 'schedule', 'list', '-p', words])).stdout) as { schedules: { target_id: string; status: string; timezone: string; next: string[] }[] };
    expect(listed.schedules.map((s) => [s.target_id, s.status, s.timezone])).toEqual([
      ['1', 'scheduled', 'Europe/Paris'],
      ['2', 'scheduled', 'UTC'],
    ]);
    const one = emulator.scheduler.jobs.get(`projects/${PROJECT}/locations/${REGION}/jobs/handoff_dev-it_words_1`)!;
    expect(one).toMatchObject({ schedule: '0 6 * * *', timeZone: 'Europe/Paris', state: 'ENABLED', httpTarget: { uri: `https://run.googleapis.com/v2/${JOB}:run`, oauthToken: { serviceAccountEmail: SCHEDULER_SA } } });
    expect(emulator.scheduler.jobs.get(`projects/${PROJECT}/locations/${REGION}/jobs/handoff_dev-it_words_2`)).toMatchObject({ schedule: '0 * * * *', state: 'PAUSED' });

    const fires = emulator.scheduler.advance(24 * 3600 * 1000);
    expect(fires).toHaveLength(1);
    expect(fires[0]).toMatchObject({ job: `projects/${PROJECT}/locations/${REGION}/jobs/handoff_dev-it_words_1`, attempts: 1 });
    const execution = emulator.run.executions.get(fires[0]!.execution!)!;
    await execution.done;
    expect(execution.json).toMatchObject({ creator: SCHEDULER_SA, succeededCount: 1 });
    const status = parse((await cli(['cloud', 'job', 'status', '-p', words, '-v', `id=${fires[0]!.execution!.split('/').pop()}`])).stdout) as { job: { trigger: string; status: string } };
    expect(status.job).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
    const logs = await cli(['cloud', 'logs', '-p', words, '-v', `id=${fires[0]!.execution!.split('/').pop()}`]);
    expect(logs.stdout).toContain('Variables from __VARS: start');
  });

  it('an edited declaration shows as edited; delete removes exactly this task\'s jobs', async () => {
    fs.writeFileSync(path.join(words, 'project.yml'), projectYml('words').replace('rate(1 hour)', 'rate(2 hours)'));
    const edited = parse((await cli(['cloud', 'schedule', 'list', '-p', words])).stdout) as { schedules: { target_id: string; status: string; differences?: string[] }[] };
    expect(edited.schedules.find((s) => s.target_id === '2')).toMatchObject({ status: 'edited', differences: ['expression'] });
    fs.writeFileSync(path.join(words, 'project.yml'), projectYml('words'));
    const deleted = await cli(['cloud', 'schedule', 'delete', '-p', words, '-v', 'target_id=2']);
    expect(parse(deleted.stdout)).toEqual({ schedules: [{ target_id: '2', id: 'handoff_dev-it_words_2', action: 'deleted' }] });
    expect([...emulator.scheduler.jobs.keys()]).toEqual([`projects/${PROJECT}/locations/${REGION}/jobs/handoff_dev-it_words_1`]);
  });
});

describe('cloud export --format terraform', () => {
  it('writes a google provider configuration that terraform fmt leaves as it is', async () => {
    const out = makeTempDir('handoff-gcp-export-');
    const result = await cli(['cloud', 'export', '-p', words, '-o', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(parse(result.stdout)).toMatchObject({ format: 'terraform', files: ['main.tf', 'README.md'] });
    const main = fs.readFileSync(path.join(out, 'main.tf'), 'utf8');
    for (const resource of ['google_storage_bucket" "store"', 'google_cloud_run_v2_job" "task"', 'google_cloud_scheduler_job" "target_1"', 'google_monitoring_alert_policy" "failures"']) expect(main).toContain(resource);
    const fmt = await execFileAsync('terraform', ['fmt', '-check', '-diff', out]).catch((e: { stdout: string; code: number }) => e);
    expect((fmt as { code?: number }).code ?? 0, (fmt as { stdout: string }).stdout).toBe(0);
    const cloudformation = await cli(['cloud', 'export', '-p', words, '--format', 'cloudformation', '-o', out]);
    expect(cloudformation.code).toBe(2);
    expect(cloudformation.stderr).toContain('unknown export format "cloudformation" for the gcp provider');
  });

  it('replaces its own export, and never the main.tf and README.md of the user\'s folder', async () => {
    const out = makeTempDir('handoff-gcp-export-');
    expect((await cli(['cloud', 'export', '-p', words, '-o', out])).code).toBe(0);
    expect(fs.readFileSync(path.join(out, '.handoff-export'), 'utf8')).toBe('main.tf\nREADME.md\n');
    const again = await cli(['cloud', 'export', '-p', words, '-o', out]);
    expect(again.code, again.stderr).toBe(0);
    const mine = makeTempDir('handoff-gcp-mine-');
    fs.writeFileSync(path.join(mine, 'README.md'), '# my own notes\n');
    fs.writeFileSync(path.join(mine, 'main.tf'), 'resource "x" "y" {}\n');
    const refused = await cli(['cloud', 'export', '-p', words, '-o', mine]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('would overwrite main.tf, README.md');
    expect(fs.readFileSync(path.join(mine, 'README.md'), 'utf8')).toBe('# my own notes\n');
    expect(fs.readFileSync(path.join(mine, 'main.tf'), 'utf8')).toBe('resource "x" "y" {}\n');
    expect(fs.readdirSync(mine).sort()).toEqual(['README.md', 'main.tf']);
  });
});

describe('teardown', () => {
  it('task delete removes schedules, monitoring, the job, the grants and the identity; resources and the bucket follow', async () => {
    // The resource group's scheduler identity starts every task of the group: resources delete waits for all of them.
    const wordsJob = `projects/${PROJECT}/locations/${REGION}/jobs/handoff-dev-it-words`;
    const groupLabels = emulator.run.jobs.get(wordsJob)!.labels as Record<string, string>;
    const early = await cli(['cloud', 'resources', 'delete', '-p', words]);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('still has Cloud Run jobs that its scheduler identity starts: handoff-dev-it-words');
    const deleted = await cli(['cloud', 'task', 'delete', '-p', words]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(parse(deleted.stdout)).toMatchObject({ job: 'handoff-dev-it-words', action: 'deleted', schedules_deleted: ['handoff_dev-it_words_1'] });
    expect(emulator.run.jobs.size).toBe(0);
    expect(emulator.scheduler.jobs.size).toBe(0);
    expect(emulator.monitoring.alertPolicies.size + emulator.monitoring.channels.size + emulator.logging.metrics.size).toBe(0);
    expect(emulator.iam.serviceAccounts.has(TASK_SA)).toBe(false);
    const bucket = [...emulator.storage.buckets.keys()][0]!;
    expect(emulator.iam.policy(`projects/_/buckets/${bucket}`).bindings).toEqual([]);
    expect(emulator.iam.policy(`projects/${PROJECT}/secrets/handoff_dev-it`).bindings).toEqual([]);
    // The secrets themselves are the user's and stay, as SSM parameters do on AWS.
    expect(emulator.secrets.secrets.has(`projects/${PROJECT}/secrets/handoff_dev-it_words`)).toBe(true);
    expect(parse((await cli(['cloud', 'task', 'status', '-p', words])).stdout)).toEqual({ task: 'dev-it/words', status: 'NOT_CREATED', deployed: false, image: null, job: 'handoff-dev-it-words' });

    // Another task of the same resource group (deployed from its own project) still holds the identity; one of
    // another group does not.
    const otherTask = `projects/${PROJECT}/locations/${REGION}/jobs/handoff-dev-it-other`;
    const otherGroup = `projects/${PROJECT}/locations/${REGION}/jobs/handoff-prod-it-words`;
    emulator.run.jobs.set(otherTask, { name: otherTask, labels: { ...groupLabels, 'handoff-task': 'other' } });
    emulator.run.jobs.set(otherGroup, { name: otherGroup, labels: { ...groupLabels, 'handoff-resource-group': 'prod-it' } });
    const refused = await cli(['cloud', 'resources', 'delete', '-p', words]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('still has Cloud Run jobs that its scheduler identity starts: handoff-dev-it-other');
    expect(refused.stderr).not.toContain('handoff-prod-it-words');
    emulator.run.jobs.delete(otherTask);
    emulator.run.jobs.delete(otherGroup);
    expect((await cli(['cloud', 'resources', 'delete', '-p', words])).code).toBe(0);
    expect(emulator.iam.serviceAccounts.size).toBe(0);
    // The store commands a user runs on the way out, on Cloud Storage: status, get, then delete.
    const status = await cli(['cloud', 'bucket', 'status', '-p', words]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(bucket);
    const copy = makeTempDir('handoff-gcp-get-');
    for (const what of ['config', 'files', 'artifacts']) {
      const got = await cli([what, 'get', '-p', words, '-w', copy]);
      expect(got.code, `${what} get: ${got.stderr}`).toBe(0);
    }
    expect(fs.readFileSync(path.join(copy, 'artifacts', 'count_stdout.log'), 'utf8')).toBe('counting in dev\n');
    expect(fs.existsSync(path.join(copy, '.handoff', 'project', 'project.yml'))).toBe(true);
    const objects = (prefix: string): string[] => [...emulator.storage.buckets.get(bucket)!.objects.entries()].filter(([k, versions]) => k.startsWith(prefix) && versions.some((v) => v.live)).map(([k]) => k);
    expect(objects('words/artifacts/last/').length).toBeGreaterThan(0);
    expect((await cli(['artifacts', 'delete', '-p', words, '-y'])).code).toBe(0);
    expect(objects('words/artifacts/last/')).toEqual([]);
    expect(objects('words/artifacts/archives/').length).toBeGreaterThan(0);
    const kept = await cli(['cloud', 'bucket', 'delete', '-p', words]);
    expect(parse(kept.stdout)).toMatchObject({ action: 'retained' });
    expect(emulator.storage.buckets.has(bucket)).toBe(true);

    const secrets = await cli(['secrets', 'delete', '-p', words, '-y']);
    // Named where Secret Manager has them (before: SSM paths, which Google Cloud has none of).
    expect(parse(secrets.stdout)).toMatchObject({
      status: 'deleted',
      deleted: [`secretmanager:projects/${PROJECT}/secrets/handoff_dev-it_words (key API_TOKEN)`, expect.stringMatching(/^secretmanager:projects\/.*\(key SHARED_TOKEN\)$/)],
      missing: [],
    });
    // No job reads them any more (task delete ran): the emptied secrets go, rather than keep billed versions of {}.
    expect(emulator.secrets.secrets.has(`projects/${PROJECT}/secrets/handoff_dev-it_words`)).toBe(false);
    expect(emulator.secrets.secrets.has(`projects/${PROJECT}/secrets/handoff_dev-it`)).toBe(false);
    const removed = await cli(['project', 'delete', '-p', words, '-y']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(objects('words/project.yml').concat(objects('words/files/'))).toEqual([]);
    // Listings really paged along the way (the emulator's pages hold two items when a client names no size).
    expect(emulator.requests.some((r) => r.query.pageToken !== undefined)).toBe(true);
  });
});
