// Google Cloud against the loopback emulator: what a deploy or a delete used to leave behind (review of 2026-12-06,
// findings 10 and 11): the notification channel of a removed deploy.alarm_email, and secrets emptied by `secrets delete`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

const PROJECT = 'acme-data';

function projectYml(resourceGroup: string, extra = ''): string {
  return `tasks:
  - name: count
    commands:
      - command: "true"
deploy:
  cloud_provider: gcp
  gcp_project: ${PROJECT}
  region: europe-west1
  resource_group: ${resourceGroup}
  task: words
  image_version: "0.3"
${extra}`;
}

let emulator: GcpEmulator;

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
});

afterAll(async () => {
  await emulator?.stop();
});

describe('deploy.alarm_email removed', () => {
  it('the next deploy deletes the channel handoff made for it (after the policy stops naming it); a deploy after that changes nothing', async () => {
    const dir = makeProject(projectYml('idem', '  alarm_email: oncall@example.com\n')).projectDir;
    const first = await cli(['cloud', 'deploy', '-p', dir, '-y']);
    expect(first.code, first.stderr).toBe(0);
    expect([...emulator.monitoring.channels.values()].map((c) => c.displayName)).toEqual(['handoff dev-idem/words alarms']);

    fs.writeFileSync(path.join(dir, 'project.yml'), projectYml('idem'));
    const plan = await cli(['cloud', 'plan', '-p', dir]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('handoff dev-idem/words alarms (none: deploy.alarm_email is not set)');
    const second = await cli(['cloud', 'deploy', '-p', dir, '-y']);
    expect(second.code, second.stderr).toBe(0);
    expect(emulator.monitoring.channels.size).toBe(0);
    const [policy] = [...emulator.monitoring.alertPolicies.values()];
    expect(policy?.notificationChannels ?? []).toEqual([]);
    const third = await cli(['cloud', 'deploy', '-p', dir, '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ changed: false });
  });
});

describe('secrets delete', () => {
  it('deletes a secret it empties when no deployed job reads it, and keeps (empty) one a deployed job reads', async () => {
    const secrets = '- key: API_TOKEN\n  value: SuperSecretValue123\n- key: SHARED\n  value: shared-value\n  level: resource group\n';
    const dir = makeProject(projectYml('leak'), { '.secrets/dev_secrets.yml': secrets }).projectDir;
    const deployed = await cli(['cloud', 'deploy', '-p', dir, '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const task = `projects/${PROJECT}/secrets/handoff_dev-leak_words`;
    const group = `projects/${PROJECT}/secrets/handoff_dev-leak`;

    // While the job is deployed, its grants are on the secrets: they stay, empty.
    const whileDeployed = await cli(['secrets', 'delete', '-p', dir, '-y']);
    expect(whileDeployed.code, whileDeployed.stderr).toBe(0);
    expect(emulator.secrets.read(task)).toBe('{}');
    expect(emulator.secrets.read(group)).toBe('{}');

    const pushed = await cli(['secrets', 'push', '-p', dir, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const deleted = await cli(['cloud', 'task', 'delete', '-p', dir]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(emulator.secrets.secrets.has(task)).toBe(true);
    const emptied = await cli(['secrets', 'delete', '-p', dir, '-y']);
    expect(emptied.code, emptied.stderr).toBe(0);
    expect(emulator.secrets.secrets.has(task)).toBe(false);
    expect(emulator.secrets.secrets.has(group)).toBe(false);
  });
});

describe('a resource group with tasks in two regions', () => {
  it('cloud resources delete keeps the scheduler identity while a task of the group is deployed in another region, naming it', async () => {
    const secrets = { '.secrets/dev_secrets.yml': '- key: SHARED\n  value: shared-value\n  level: resource group\n' };
    const west1 = makeProject(projectYml('spread'), secrets).projectDir;
    const west4 = makeProject(projectYml('spread').replace('region: europe-west1', 'region: europe-west4').replace('task: words', 'task: other'), secrets).projectDir;
    for (const dir of [west1, west4]) {
      const deployed = await cli(['cloud', 'deploy', '-p', dir, '-y']);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
    const account = `ho-dev-spread--sched@${PROJECT}.iam.gserviceaccount.com`;
    const group = `projects/${PROJECT}/secrets/handoff_dev-spread`;
    const removed = await cli(['cloud', 'task', 'delete', '-p', west1]);
    expect(removed.code, removed.stderr).toBe(0);

    const refused = await cli(['cloud', 'resources', 'delete', '-p', west1]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('handoff-dev-spread-other (europe-west4)');
    expect(refused.stderr).toContain('deploy.region: europe-west4');
    expect(emulator.iam.serviceAccounts.has(account)).toBe(true);
    // The group's secret is read by the task in europe-west4 too: emptied, not deleted.
    const emptied = await cli(['secrets', 'delete', '-p', west1, '-y']);
    expect(emptied.code, emptied.stderr).toBe(0);
    expect(emulator.secrets.secrets.has(group)).toBe(true);

    const last = await cli(['cloud', 'task', 'delete', '-p', west4]);
    expect(last.code, last.stderr).toBe(0);
    const done = await cli(['cloud', 'resources', 'delete', '-p', west1]);
    expect(done.code, done.stderr).toBe(0);
    expect(emulator.iam.serviceAccounts.has(account)).toBe(false);
    // Listing the Cloud Run locations (to find the group's jobs in every region) used to print a client library warning.
    for (const result of [refused, done]) expect(result.stderr).not.toMatch(/AutopaginateTrueWarning|node --trace-warnings/);
  });
});

describe('a split deployment of an earlier version (resource group Split and split: two scheduler jobs, one Cloud Run job)', () => {
  it('cloud plan names the stray scheduler job with the command that deletes it; cloud task delete removes it with the task', async () => {
    const schedule = 'schedules:\n  - target_id: 1\n    cron: "0 6 * * ? *"\n';
    const dir = makeProject(projectYml('split') + schedule).projectDir;
    const deployed = await cli(['cloud', 'deploy', '-p', dir, '-y']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const location = `projects/${PROJECT}/locations/europe-west1`;
    const own = `${location}/jobs/handoff_dev-split_words_1`;
    const stray = `${location}/jobs/handoff_dev-Split_words_1`;
    // What `cloud deploy` of resource group Split made before the case check: the same job under its own scheduler id.
    emulator.scheduler.jobs.set(stray, { ...emulator.scheduler.jobs.get(own)!, name: stray });
    // A job of another task that merely shares the start of the name stays.
    const other = `${location}/jobs/handoff_dev-Split_wordsmith_1`;
    emulator.scheduler.jobs.set(other, { ...emulator.scheduler.jobs.get(own)!, name: other, httpTarget: { ...(emulator.scheduler.jobs.get(own)!.httpTarget as object), uri: `https://run.googleapis.com/v2/${location}/jobs/handoff-dev-split-wordsmith:run` } });

    const plan = await cli(['cloud', 'plan', '-p', dir]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr + plan.stdout).toContain(`gcloud scheduler jobs delete handoff_dev-Split_words_1 --location=europe-west1 --project=${PROJECT}`);
    expect(plan.stderr + plan.stdout).not.toContain('wordsmith');

    const removed = await cli(['cloud', 'task', 'delete', '-p', dir, '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout).schedules_deleted).toEqual(['handoff_dev-split_words_1', 'handoff_dev-Split_words_1']);
    expect(emulator.scheduler.jobs.has(stray)).toBe(false);
    expect(emulator.scheduler.jobs.has(other)).toBe(true);
    emulator.scheduler.jobs.delete(other);
  });
});
