// Google Cloud against the loopback emulator, where another project's names meet this one's: prod + `dev-etl` is dev +
// `etl`, `Runs` is `runs` in lowercase names; commands run out of order (task before bucket or resources, the store
// without a bucket); names Google would refuse. Each is refused with exit 2 before any write (review of 2026-12-06,
// findings 1-6 and 9).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

const PROJECT = 'acme-data';
const REGION = 'europe-west1';
const LOCATION = `projects/${PROJECT}/locations/${REGION}`;
const DIGEST = crypto.createHash('md5').update(PROJECT).digest('hex').slice(-8);

function projectYml(resourceGroup: string, extra = ''): string {
  return `tasks:
  - name: count
    commands:
      - command: "true"
deploy:
  cloud_provider: gcp
  gcp_project: ${PROJECT}
  region: ${REGION}
  resource_group: ${resourceGroup}
  task: words
  image_version: "0.3"
${extra}schedules:
  - target_id: 1
    cron: "0 6 * * ? *"
    timezone: Europe/Paris
`;
}

function makeTeam(resourceGroup: string, stage: string, secret: string, extra = ''): string {
  return makeProject(projectYml(resourceGroup, extra), { 'files/q.sql': `select '${secret}';\n`, [`.secrets/${stage === 'prod' ? '' : `${stage}_`}secrets.yml`]: `- key: API_TOKEN\n  value: ${secret}\n` }).projectDir;
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

/** Everything handoff keeps of a deploy, to compare before and after a refused command. */
function snapshot(): string {
  const secrets = [...emulator.secrets.secrets.keys()].sort().map((name) => [name, emulator.secrets.read(name)]);
  const bucket = emulator.storage.buckets.get(`handoff-dev-etl-${DIGEST}`);
  return JSON.stringify({ jobs: [...emulator.run.jobs.entries()], secrets, labels: bucket?.labels, schedules: [...emulator.scheduler.jobs.keys()].sort() });
}

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
});

afterAll(async () => {
  await emulator?.stop();
});

describe('stage prod + resource group dev-etl meets stage dev + resource group etl', () => {
  let teamA = '';
  let teamB = '';

  beforeAll(async () => {
    teamA = makeTeam('etl', 'dev', 'TeamASecret');
    teamB = makeTeam('dev-etl', 'prod', 'TeamBSecret');
    const deployed = await cli(['cloud', 'deploy', '-p', teamA, '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const pushed = await cli(['project', 'push', '-p', teamA, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
  });

  it('the deploy labels what it made with the stage and an owner mark', () => {
    expect(emulator.storage.buckets.get(`handoff-dev-etl-${DIGEST}`)!.labels).toMatchObject({ 'handoff-resource-group': 'dev-etl', 'handoff-stage': 'dev', 'handoff-owner': expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(emulator.run.jobs.get(`${LOCATION}/jobs/handoff-dev-etl-words`)!.labels).toMatchObject({ 'handoff-stage': 'dev', 'handoff-task': 'words' });
  });

  it('plan, deploy, task update|delete, schedule create, run and every store write of prod refuse, naming stage dev; nothing changes', async () => {
    const before = snapshot();
    const commands = [
      ['cloud', 'plan', '-p', teamB, '-s', 'prod'],
      ['cloud', 'deploy', '-p', teamB, '-s', 'prod', '-y'],
      ['cloud', 'task', 'update', '-p', teamB, '-s', 'prod'],
      ['cloud', 'task', 'delete', '-p', teamB, '-s', 'prod'],
      ['cloud', 'resources', 'delete', '-p', teamB, '-s', 'prod'],
      ['cloud', 'schedule', 'create', '-p', teamB, '-s', 'prod'],
      ['cloud', 'run', '-p', teamB, '-s', 'prod'],
      ['project', 'push', '-p', teamB, '-s', 'prod', '-y'],
      ['secrets', 'push', '-p', teamB, '-s', 'prod', '-y'],
      ['config', 'push', '-p', teamB, '-s', 'prod', '-y'],
      ['cloud', 'bucket', 'create', '-p', teamB, '-s', 'prod'],
    ];
    for (const args of commands) {
      const { result, writes } = await writesDuring(() => cli(args));
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/belongs to stage dev \(resource group etl\), not to this project's stage prod \(resource group dev-etl\)/);
      expect(writes, args.join(' ')).toEqual([]);
    }
    expect(snapshot()).toBe(before);
    expect(emulator.secrets.read(`projects/${PROJECT}/secrets/handoff_dev-etl_words`)).toBe('{"API_TOKEN":"TeamASecret"}');
    const plan = await cli(['cloud', 'plan', '-p', teamA]);
    expect(plan.code, plan.stderr).toBe(0);
  });
});

describe('a resource group or stage that differs only in case', () => {
  let runs = '';
  let capital = '';

  beforeAll(async () => {
    runs = makeTeam('runs', 'dev', 'LowerSecret');
    capital = makeTeam('Runs', 'dev', 'UpperSecret');
    const deployed = await cli(['cloud', 'deploy', '-p', runs, '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
  });

  it('is refused before any write by deploy, plan, task update, run and the store; -s Dev on dev\'s project too; no second schedule', async () => {
    const schedules = [...emulator.scheduler.jobs.keys()].filter((k) => k.includes('runs') || k.includes('Runs'));
    const commands = [
      ['cloud', 'deploy', '-p', capital, '-y'],
      ['cloud', 'plan', '-p', capital],
      ['cloud', 'task', 'update', '-p', capital],
      ['cloud', 'schedule', 'create', '-p', capital],
      ['cloud', 'run', '-p', capital],
      ['project', 'push', '-p', capital, '-y'],
      ['cloud', 'plan', '-p', runs, '-s', 'Dev'],
      ['cloud', 'deploy', '-p', runs, '-s', 'Dev', '-y'],
    ];
    for (const args of commands) {
      const { result, writes } = await writesDuring(() => cli(args));
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('names that differ only in case meet in them');
      expect(result.stderr, args.join(' ')).toContain('spell -s/--stage, deploy.resource_group and deploy.task as the deployed ones are');
      expect(writes, args.join(' ')).toEqual([]);
    }
    expect([...emulator.scheduler.jobs.keys()].filter((k) => k.includes('runs') || k.includes('Runs'))).toEqual(schedules);
    expect([...emulator.secrets.secrets.keys()].filter((k) => /Runs|Dev-/.test(k))).toEqual([]);
  });

  it('a job deployed before the owner labels is still judged by its HO_STAGE and the identity\'s display name', async () => {
    const name = `${LOCATION}/jobs/handoff-dev-runs-words`;
    const job = emulator.run.jobs.get(name)!;
    const labels = job.labels as Record<string, string>;
    job.labels = { 'handoff-resource-group': labels['handoff-resource-group']!, 'handoff-task': labels['handoff-task']! };
    try {
      const stage = await cli(['cloud', 'plan', '-p', runs, '-s', 'Dev']);
      expect(stage.code, stage.stderr).toBe(2);
      expect(stage.stderr).toContain('belongs to handoff dev-runs/words (stage dev), not to this project\'s Dev-runs/words (stage Dev)');
      const group = await cli(['cloud', 'plan', '-p', capital]);
      expect(group.code, group.stderr).toBe(2);
      expect(group.stderr).toContain('belongs to handoff dev-runs/words, not to this project\'s dev-Runs/words (stage dev)');
    } finally {
      job.labels = labels;
    }
  });
});

describe('commands run out of order', () => {
  it('cloud task create before cloud bucket create: exit 2 at once, naming the command to run, nothing created', async () => {
    const dir = makeTeam('ord', 'dev', 'x');
    const started = Date.now();
    const { result, writes } = await writesDuring(() => cli(['cloud', 'task', 'create', '-p', dir]));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`the bucket gs://handoff-dev-ord-${DIGEST} does not exist yet`);
    expect(result.stderr).toContain('run `handoff cloud bucket create` first');
    expect(writes).toEqual([]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('cloud task create before cloud resources create: exit 2 at once, naming the scheduler identity, nothing created', async () => {
    const dir = makeTeam('ordtwo', 'dev', 'x');
    const bucket = await cli(['cloud', 'bucket', 'create', '-p', dir]);
    expect(bucket.code, bucket.stderr).toBe(0);
    const { result, writes } = await writesDuring(() => cli(['cloud', 'task', 'create', '-p', dir]));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`the resource group's scheduler identity ho-dev-ordtwo--sched@${PROJECT}.iam.gserviceaccount.com does not exist yet`);
    expect(result.stderr).toContain('run `handoff cloud resources create` first');
    expect(writes).toEqual([]);
    const resources = await cli(['cloud', 'resources', 'create', '-p', dir]);
    expect(resources.code, resources.stderr).toBe(0);
    const task = await cli(['cloud', 'task', 'create', '-p', dir]);
    expect(task.code, task.stderr).toBe(0);
  });

  it('store commands without the bucket: exit 2 naming the bucket and `cloud bucket create`, not "a bug in handoff"', async () => {
    const dir = makeTeam('nobucket', 'dev', 'x');
    for (const args of [['project', 'push', '-p', dir, '-y'], ['config', 'push', '-p', dir, '-y'], ['files', 'push', '-p', dir, '-y'], ['runs', 'list', '-p', dir]]) {
      const result = await cli(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`the bucket gs://handoff-dev-nobucket-${DIGEST} does not exist`);
      expect(result.stderr).toContain('`handoff cloud bucket create`');
      expect(result.stderr).not.toContain('This is a bug');
    }
  });
});

describe('deploy.alarm_email', () => {
  it('that is not one address is refused at its line before any request', async () => {
    const dir = makeTeam('bad', 'dev', 'x', '  alarm_email: "notanemail, b@x"\n');
    for (const args of [['cloud', 'plan', '-p', dir], ['cloud', 'deploy', '-p', dir, '-y'], ['cloud', 'task', 'create', '-p', dir]]) {
      const before = emulator.requests.length;
      const result = await cli(args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/deploy\.alarm_email "notanemail, b@x" is not an e-mail address[^]*project\.yml:12:\d+: deploy\.alarm_email/);
      expect(emulator.requests.slice(before)).toEqual([]);
    }
  });
});

describe('names Google Cloud would refuse', () => {
  it('a resource group too long for the bucket and job names, and a target_id no scheduler job can have, are located at their line', async () => {
    const long = makeTeam('a'.repeat(50), 'dev', 'x');
    const badTarget = makeProject(`${projectYml('tgt')}  - target_id: nightly.run\n    cron: "0 7 * * ? *"\n`).projectDir;
    const cases: [string, RegExp][] = [
      [long, /project\.yml:9:\d+: deploy\.resource_group: Cloud Storage bucket name "handoff-dev-a+-[0-9a-f]{8}" is 71 characters/],
      [badTarget, /project\.yml:16:\d+: schedules\[1\]\.target_id: schedule target_id "nightly\.run" cannot name a Cloud Scheduler job/],
    ];
    for (const [dir, message] of cases) {
      for (const args of [['cloud', 'plan', '-p', dir], ['cloud', 'task', 'create', '-p', dir]]) {
        const before = emulator.requests.length;
        const result = await cli(args);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(emulator.requests.slice(before)).toEqual([]);
      }
    }
  });
});
