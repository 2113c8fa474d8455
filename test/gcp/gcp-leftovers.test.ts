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
