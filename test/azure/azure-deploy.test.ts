// The azure provider's whole lifecycle against Azurite and the emulator: deploy twice, runs that succeed, fail, time out,
// never start and are stopped, their logs, least-privileged grants, schedules, export, and teardown.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir, type CliResult } from '../helpers/cli.js';
import { runWith } from '../store/store-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';
import { runKql } from './emulator/kql.js';

const SECRET = 'azure-secret-value-7f3a91';
const RG_SECRET = 'rg-level-secret-11b2c3';

let bed: AzureTestbed;
let projectDir = '';
let consoleText = '';

function projectYml(schedules: string): string {
  return `tasks:
  - name: greet
    commands:
      - command: sh
        args: -c 'echo "hello from azure, token=$API_TOKEN" >&2; echo "shared=$SHARED" >&2; if [ -n "$SLEEP" ]; then sleep "$SLEEP"; fi; test "$FAIL" != yes'
envs:
  - key: API_TOKEN
  - key: SHARED
deploy:
  resource_group: etl
  task: greet
  container_image: greeter
  task_timeout: 8
  alarm_email: data-team@example.com
${bed.deployKeys()}
schedules:
${schedules}`;
}

const SCHEDULES = `  - target_id: nightly
    cron: 0 2 * * ? *
    envs:
      - key: MODE
        value: full
  - target_id: tokyo
    cron: 0 6 ? * MON *
    timezone: Asia/Tokyo
  - target_id: paused
    cron: 0 12 * * ? *
    enabled: false
`;

async function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const result = await runWith({ ...bed.env, ...extraEnv }, args);
  consoleText += result.stdout + result.stderr;
  return result;
}

function expectOk(result: CliResult): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

beforeAll(async () => {
  bed = await startAzureTestbed();
  projectDir = path.join(makeTempDir('handoff-azure-'), 'greeter');
  fs.mkdirSync(path.join(projectDir, '.secrets'), { recursive: true });
  fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml(SCHEDULES));
  fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), `- key: API_TOKEN\n  value: ${SECRET}\n- key: SHARED\n  value: ${RG_SECRET}\n  level: resource group\n`);
  // Without podman there is no image to run: the emulator runs the project the image would hold.
  bed.emulator.registerImage(`${bed.emulator.registryServer}/greeter:0.1`, projectDir);
}, 60_000);

afterAll(async () => {
  await bed?.stop();
});

describe('azure: deploy, run, schedules and teardown on Container Apps jobs', () => {
  let jobName = '';
  let identityPrincipal = '';

  it('plans everything as new, then deploys bucket, environment, project, task and schedules', async () => {
    const plan = await cli(['cloud', 'plan', '-p', projectDir, '-v', 'version=0.1']);
    expectOk(plan);
    const planned = parse(plan.stdout) as { changes: number; resources: { what: string; action: string }[]; schedules: { target_id: string; action: string }[] };
    expect(planned.resources.every((r) => r.action === 'create')).toBe(true);
    expect(planned.schedules).toEqual([
      { target_id: 'nightly', action: 'create' },
      { target_id: 'tokyo', action: 'create' },
      // Disabled: deployed as no job at all, which is what it asks for.
      { target_id: 'paused', action: 'create' },
    ]);
    const deployed = await cli(['cloud', 'deploy', '-p', projectDir, '-v', 'version=0.1', '-y']);
    expectOk(deployed);
    const report = parse(deployed.stdout) as { changed: boolean; image: string; resources: { resource: string; what: string; kind: string; action: string }[] };
    expect(report.changed).toBe(true);
    expect(report.image).toBe(`${bed.emulator.registryServer}/greeter:0.1`);
    expect(report.resources.map((r) => r.what)).toEqual([
      'Azure resource group',
      'storage account',
      'Blob container',
      'Key Vault',
      'role assignments',
      'Log Analytics workspace',
      'Container Apps environment',
      'managed identity',
      'Key Vault secret',
      'Key Vault secret',
      'role assignments',
      'Container Apps job',
      'action group',
      'alert rule',
    ]);
    jobName = report.resources.find((r) => r.what === 'Container Apps job')!.resource;
    // The same rows as cloud plan's and the other clouds': resource, what, kind, action.
    expect(report.resources[0]).toEqual({ resource: 'rg-handoff-test', what: 'Azure resource group', kind: 'bucket', action: 'created' });
    expect(jobName).toMatch(/^ho-dev-etl-greet-[0-9a-f]{6}$/);
    expect(deployed.stderr).toContain('is not in 127.0.0.1');
  });

  it('deploys again without changing anything', async () => {
    const before = bed.emulator.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).length;
    const again = await cli(['cloud', 'deploy', '-p', projectDir, '-v', 'version=0.1', '-y']);
    expectOk(again);
    const report = parse(again.stdout) as { changed: boolean; resources: { action: string }[]; schedules: { action: string }[] };
    expect(report.changed).toBe(false);
    expect(report.resources.every((r) => r.action === 'unchanged')).toBe(true);
    expect(report.schedules.every((s) => s.action === 'unchanged')).toBe(true);
    // Nothing was written: only reads (and the long-running operations of none).
    const writes = bed.emulator.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).slice(before);
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([]);
  });

  it('refuses another project whose Azure names are this one\'s (resource group Etl; stage prod + dev-etl) before any write, naming the owner', async () => {
    // The same task and image, in a resource group that differs only in case, or whose stage prefix meets this one's.
    const other = (resourceGroup: string, name: string): string => {
      const dir = path.join(makeTempDir('handoff-azure-other-'), name);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'project.yml'), projectYml(SCHEDULES).replace('echo "hello from azure', 'echo "I am the other project').replace('resource_group: etl', `resource_group: ${resourceGroup}`));
      return dir;
    };
    const upper = other('Etl', 'upper');
    const prod = other('dev-etl', 'prod');
    const writes = (): string[] => bed.emulator.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).map((r) => `${r.method} ${r.path}`);
    const before = writes().length;
    const refusals: [string[], RegExp][] = [
      [['cloud', 'plan', '-p', upper, '-v', 'version=0.1'], /belongs to resource group dev-etl, not to this project's resource group dev-Etl/],
      [['cloud', 'deploy', '-p', upper, '-v', 'version=0.1', '-y'], /belongs to resource group dev-etl, not to this project's resource group dev-Etl/],
      [['cloud', 'task', 'delete', '-p', upper, '-y'], /managed identity handoff-dev-Etl_greet belongs to task greet of resource group dev-etl, not to this project's task greet of resource group dev-Etl \(stage dev\)/],
      [['cloud', 'task', 'update', '-p', upper, '-v', 'version=0.1', '-y'], /belongs to task greet of resource group dev-etl/],
      [['project', 'push', '-p', upper, '-y'], /the Blob container handoff-dev-etl-[0-9a-f]{8} holds the store of stage dev, resource group etl, not of this project's stage dev, resource group Etl/],
      [['cloud', 'plan', '-s', 'prod', '-p', prod, '-v', 'version=0.1'], /Container Apps job ho-dev-etl-greet-[0-9a-f]{6} belongs to task greet of resource group dev-etl \(stage dev\), not to this project's task greet of resource group dev-etl \(stage prod\)/],
      [['cloud', 'deploy', '-s', 'prod', '-p', prod, '-v', 'version=0.1', '-y'], /\(stage dev\), not to this project's task greet of resource group dev-etl \(stage prod\)/],
      [['cloud', 'schedule', 'delete', '-s', 'prod', '-p', prod, '-y'], /\(stage dev\), not to this project's/],
      [['cloud', 'schedule', 'create', '-s', 'prod', '-p', prod], /\(stage dev\), not to this project's/],
      [['cloud', 'task', 'delete', '-s', 'prod', '-p', prod, '-y'], /\(stage dev\), not to this project's/],
      [['cloud', 'run', '-s', 'prod', '-p', prod], /\(stage dev\), not to this project's/],
      [['project', 'push', '-s', 'prod', '-p', prod, '-y'], /holds the store of stage dev, resource group etl, not of this project's stage prod, resource group dev-etl/],
    ];
    for (const [args, message] of refusals) {
      const result = await cli(args);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).toContain('nothing was');
    }
    expect(writes().slice(before)).toEqual([]);
    // This project's task is whole, and its store holds its own project.yml.
    const status = parse((await cli(['cloud', 'task', 'status', '-p', projectDir])).stdout) as { identity: { status: string }; alert_rule: { status: string } };
    expect(status.identity.status).toBe('Succeeded');
    expect(status.alert_rule.status).toBe('Succeeded');
    const printed = await cli(['config', 'print', '-p', projectDir]);
    expectOk(printed);
    expect(printed.stdout).toContain('hello from azure');
    expect(printed.stdout).not.toContain('I am the other project');
  }, 120_000);

  it('gives the task\'s identity exactly its own blobs, its two secrets and the registry', () => {
    const identity = bed.emulator.resourcesOfType('Microsoft.ManagedIdentity/userAssignedIdentities')[0] as { properties: { principalId: string } };
    identityPrincipal = identity.properties.principalId;
    const grants = bed.emulator.roleAssignments().filter((a) => a.principalId === identityPrincipal);
    const vault = bed.emulator.resourcesOfType('Microsoft.KeyVault/vaults')[0] as { id: string };
    const container = bed.emulator.resourcesOfType('Microsoft.Storage/storageAccounts/blobServices/containers')[0] as { id: string };
    expect(grants).toHaveLength(4);
    expect(grants.map((g) => [g.scope, g.role])).toEqual(
      expect.arrayContaining([
        [container.id, 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'],
        [bed.emulator.registryId, '7f951dda-4ed3-4680-a7ca-43fe172d538d'],
        [expect.stringMatching(new RegExp(`^${vault.id}/secrets/handoff-dev-etl-[0-9a-f]{8}$`)), '4633458b-17de-408a-b874-0445c86b69e6'],
        [expect.stringMatching(new RegExp(`^${vault.id}/secrets/handoff-dev-etl-greet-[0-9a-f]{8}$`)), '4633458b-17de-408a-b874-0445c86b69e6'],
      ]),
    );
    // Blobs only under greet/ of the container, for reads, writes, deletes and listings.
    const blobs = grants.find((g) => g.scope === container.id)!;
    expect(blobs.condition).toContain("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'greet/'");
    expect(blobs.condition).toContain("@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:prefix] StringStartsWith 'greet/'");
    // Nothing at the vault, the resource group or the subscription.
    expect(grants.some((g) => g.scope === vault.id || !g.scope.includes('/providers/'))).toBe(false);
  });

  it('runs the job and follows its logs to the end, with the secrets read through its managed identity', async () => {
    const run = await cli(['cloud', 'run', '-p', projectDir, '--wait']);
    expectOk(run);
    expect(run.stdout).toContain('hello from azure, token=***');
    expect(run.stdout).toContain('shared=***');
    expect(run.stderr).toMatch(/Job ho-dev-etl-greet-[0-9a-f]{6}-[0-9a-f]{7} succeeded with exit code 0/);
    // The replica read Key Vault and Blob storage as the job's identity, and never called Resource Manager.
    const asIdentity = bed.emulator.requests.filter((r) => r.principal === identityPrincipal);
    expect(asIdentity.some((r) => r.path.startsWith('/keyvault/'))).toBe(true);
    expect(asIdentity.some((r) => r.path.startsWith('/subscriptions/'))).toBe(false);
  });

  it('a failing run exits with its code and is classed as an exit-code failure', async () => {
    const run = await cli(['cloud', 'run', '-p', projectDir, '--wait', '-e', 'FAIL=yes']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/failed with exit code 1/);
    const id = /Job (\S+) failed/.exec(run.stderr)![1]!;
    const status = await cli(['cloud', 'job', 'status', '-p', projectDir, '-v', `id=${id}`, '--json']);
    expect(JSON.parse(status.stdout).job).toMatchObject({ id, status: 'failed', failure: 'exit_code', exit_code: 1 });
  });

  it('a run past the replica timeout is ended and classed as timed out', async () => {
    const run = await cli(['cloud', 'run', '-p', projectDir, '--wait', '-e', 'SLEEP=60'], {});
    // The container's own code (SIGTERM), as `cloud run --wait` reports it on every cloud.
    expect(run.code, run.stderr).toBe(143);
    expect(run.stderr).toMatch(/failed with exit code 143 \(timed out\)/);
  }, 60_000);

  it('a run stopped with cloud job stop is interrupted', async () => {
    const started = await cli(['cloud', 'run', '-p', projectDir, '-e', 'SLEEP=60', '--json']);
    expectOk(started);
    const id = (JSON.parse(started.stdout) as { job: string }).job;
    // Stopped once its handoff is under way (a stop before that is a container Azure ends on its own).
    for (let i = 0; i < 100 && !bed.emulator.tables.ContainerAppConsoleLogs_CL!.some((r) => String(r.ContainerGroupName_s).startsWith(`${id}-`) && /Task greet started/.test(String(r.Log_s))); i++) await new Promise((r) => setTimeout(r, 100));
    const stopped = await cli(['cloud', 'job', 'stop', '-p', projectDir, '-v', `id=${id}`, '--json']);
    expectOk(stopped);
    // The stop is recorded in the store first, for the run's handoff to tell the failed-runs alert.
    expect(JSON.stringify(JSON.parse(stopped.stdout))).toContain(`greet/stops/${id}.json`);
    for (let i = 0; i < 50; i++) {
      const status = await cli(['cloud', 'job', 'status', '-p', projectDir, '-v', `id=${id}`, '--json']);
      const job = JSON.parse(status.stdout).job as { status: string; failure?: string };
      if (job.status !== 'running' && job.status !== 'pending') {
        expect(job).toMatchObject({ status: 'interrupted', failure: 'stopped' });
        const lines = bed.emulator.tables.ContainerAppConsoleLogs_CL!.filter((r) => String(r.ContainerGroupName_s).startsWith(`${id}-`)).map((r) => String(r.Log_s));
        expect(lines.filter((l) => l.includes('was stopped by `handoff cloud job stop`') && l.includes('[handoff: stopped by a user]'))).toHaveLength(2);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the stopped run never ended');
  });

  it('cloud logs follow=true follows the run going on until it ends', async () => {
    const started = await cli(['cloud', 'run', '-p', projectDir, '-e', 'SLEEP=2', '--json']);
    expectOk(started);
    const followed = await cli(['cloud', 'logs', '-p', projectDir, '-v', 'follow=true', `start_time=${new Date(Date.now() - 1000).toISOString()}`]);
    expectOk(followed);
    expect(followed.stderr).toContain(`Following job ${(JSON.parse(started.stdout) as { job: string }).job} until it ends`);
    expect(followed.stdout).toMatch(/Task greet ended with exit code 0/);
  });

  it('a version the registry does not have never starts, and that is a failure', async () => {
    const updated = await cli(['cloud', 'task', 'update', '-p', projectDir, '-v', 'version=0.404']);
    expectOk(updated);
    const run = await cli(['cloud', 'run', '-p', projectDir, '--wait']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/failed \(failed to start\): Back-off pulling image/);
    expectOk(await cli(['cloud', 'task', 'update', '-p', projectDir, '-v', 'version=0.1']));
  });

  it('lists the runs with their classes, and reads one run\'s logs from Log Analytics', async () => {
    const status = await cli(['cloud', 'job', 'status', '-p', projectDir, '--json']);
    expectOk(status);
    const jobs = (JSON.parse(status.stdout) as { jobs: { id: string; status: string; failure?: string }[] }).jobs;
    expect(jobs.map((j) => `${j.status}${j.failure ? `/${j.failure}` : ''}`)).toEqual(['failed/start_failure', 'succeeded', 'interrupted/stopped', 'failed/timeout', 'failed/exit_code', 'succeeded']);
    // A unique prefix of the id is enough, as for cloud job status.
    const logs = await cli(['cloud', 'logs', '-p', projectDir, '-v', `id=${jobs[5]!.id.slice(0, -2)}`]);
    expectOk(logs);
    expect(logs.stdout).toContain('hello from azure, token=***');
    // That run's lines only: one run started, none of the failed runs' lines.
    expect(logs.stdout.match(/Job started at/g)).toHaveLength(1);
    expect(logs.stdout).not.toContain('exited with code 1');
    const filtered = await cli(['cloud', 'logs', '-p', projectDir, '-v', 'filter_pattern=shared=']);
    expect(filtered.stdout.trim().split('\n').every((l) => l.includes('shared='))).toBe(true);
  });

  it('the failed-runs alert rule finds every run that failed, timed out or never started, and none that succeeded or a user stopped', async () => {
    const status = await cli(['cloud', 'job', 'status', '-p', projectDir, '--json']);
    const jobs = (JSON.parse(status.stdout) as { jobs: { id: string; status: string; failure?: string }[] }).jobs;
    const [rule] = bed.emulator.resourcesOfType('Microsoft.Insights/scheduledQueryRules') as { properties: { enabled: boolean; scopes: string[]; criteria: { allOf: { query: string; operator: string; threshold: number }[] }; actions: { actionGroups: string[] } } }[];
    const workspace = bed.emulator.resourcesOfType('Microsoft.OperationalInsights/workspaces')[0] as { id: string };
    expect(rule!.properties).toMatchObject({ enabled: true, scopes: [workspace.id] });
    expect(rule!.properties.criteria.allOf[0]).toMatchObject({ operator: 'GreaterThan', threshold: 0 });
    // The rule mails deploy.alarm_email through its action group.
    const group = bed.emulator.resource(rule!.properties.actions.actionGroups[0]!) as { properties: { emailReceivers: { emailAddress: string }[] } };
    expect(group.properties.emailReceivers.map((r) => r.emailAddress)).toEqual(['data-team@example.com']);
    // The rule's own query over the logs the runs above wrote: a row names a replica, `<execution>-<5 letters>`.
    const rows = runKql(rule!.properties.criteria.allOf[0]!.query, bed.emulator.tables).rows;
    const alerted = new Set(rows.map((r) => String(r.ReplicaName_s ?? r.ContainerGroupName_s).replace(/-[0-9a-f]{5}$/, '')));
    const failed = jobs.filter((j) => j.status === 'failed');
    expect(failed.map((j) => j.failure).sort()).toEqual(['exit_code', 'start_failure', 'timeout']);
    for (const job of failed) expect(alerted, `${job.id} (${job.failure})`).toContain(job.id);
    for (const job of jobs.filter((j) => j.status === 'succeeded')) expect(alerted).not.toContain(job.id);
    // Stopped by `cloud job stop`: SIGTERM and exit code 143 as the timed-out run, but not a failure.
    const stopped = jobs.filter((j) => j.status === 'interrupted');
    expect(stopped).toHaveLength(1);
    expect(alerted).not.toContain(stopped[0]!.id);
  });

  it('deployed one schedule job per enabled schedule, its cron in UTC, and lists them with the shared statuses', async () => {
    const jobs = bed.emulator.resourcesOfType('Microsoft.App/jobs') as { name: string; tags: Record<string, string>; properties: { configuration: { triggerType: string; scheduleTriggerConfig?: { cronExpression: string } }; template: { containers: { env: { name: string; value: string }[] }[] } } }[];
    const schedules = jobs.filter((j) => j.properties.configuration.triggerType === 'Schedule');
    expect(schedules.map((j) => [j.tags['handoff-target-id'], j.properties.configuration.scheduleTriggerConfig!.cronExpression]).sort()).toEqual([
      ['nightly', '0 2 * * *'],
      // 06:00 on Mondays in Tokyo (UTC+9) is 21:00 on Sundays in UTC.
      ['tokyo', '0 21 * * 0'],
    ]);
    expect(schedules.every((j) => j.name.startsWith(`${jobName}-`))).toBe(true);
    expect(schedules.find((j) => j.tags['handoff-target-id'] === 'nightly')!.properties.template.containers[0]!.env).toContainEqual({ name: 'MODE', value: 'full' });

    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml(SCHEDULES.replace('cron: 0 2 * * ? *', 'cron: 0 3 * * ? *')));
    const listed = await cli(['cloud', 'schedule', 'list', '-p', projectDir, '--json']);
    expectOk(listed);
    const listing = (JSON.parse(listed.stdout) as { schedules: { target_id: string; status: string; differences?: string[] }[] }).schedules;
    expect(listing.map((l) => [l.target_id, l.status, l.differences])).toEqual([
      ['nightly', 'edited', ['expression']],
      ['tokyo', 'scheduled', undefined],
      ['paused', 'scheduled', undefined],
    ]);
    const deleted = await cli(['cloud', 'schedule', 'delete', '-p', projectDir, '-v', 'target_id=tokyo']);
    expectOk(deleted);
    const after = (JSON.parse((await cli(['cloud', 'schedule', 'list', '-p', projectDir, '--json'])).stdout) as { schedules: { target_id: string; status: string }[] }).schedules;
    expect(after.find((l) => l.target_id === 'tokyo')!.status).toBe('draft');
  });

  it('fires a schedule in a zone with daylight saving by a Logic App in that zone, allowed to start its own job and nothing else', async () => {
    const PARIS = `${SCHEDULES}  - target_id: paris\n    cron: 0 6 ? * MON-FRI *\n    timezone: Europe/Paris\n    envs:\n      - key: MODE\n        value: paris\n`;
    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml(PARIS));
    const created = await cli(['cloud', 'schedule', 'create', '-p', projectDir, '--json']);
    expectOk(created);
    expect(created.stdout).toMatch(/"target_id":\s*"paris"[^}]*"action":\s*"created"/);
    const jobs = bed.emulator.resourcesOfType('Microsoft.App/jobs') as { id: string; name: string; tags: Record<string, string>; properties: { configuration: { triggerType: string }; template: { containers: { env: { name: string; value: string }[] }[] } } }[];
    const job = jobs.find((j) => j.tags['handoff-target-id'] === 'paris')!;
    // Container Apps would run a cron in UTC: the job has a manual trigger, and the Logic App of the same name fires it.
    expect(job.properties.configuration.triggerType).toBe('Manual');
    expect(job.properties.template.containers[0]!.env).toContainEqual({ name: 'MODE', value: 'paris' });
    const [workflow] = bed.emulator.resourcesOfType('Microsoft.Logic/workflows') as { name: string; identity: { type: string; principalId: string }; properties: { definition: { triggers: Record<string, { recurrence: unknown }> } } }[];
    expect(workflow!.name).toBe(job.name);
    expect(workflow!.identity.type).toBe('SystemAssigned');
    expect(workflow!.properties.definition.triggers.Recurrence!.recurrence).toEqual({
      frequency: 'Week',
      interval: 1,
      startTime: '2024-01-01T00:00:00',
      timeZone: 'Romance Standard Time',
      schedule: { hours: [6], minutes: [0], weekDays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] },
    });
    // Least privilege: the workflow's identity may operate that one job.
    expect(bed.emulator.roleAssignments().filter((a) => a.principalId === workflow!.identity.principalId).map((a) => [a.scope, a.role])).toEqual([[job.id, 'b9a307c4-5aa3-4b52-ba60-2b17c136cd7b']]);

    const listed = JSON.parse((await cli(['cloud', 'schedule', 'list', '-p', projectDir, '--json'])).stdout) as { schedules: { target_id: string; status: string; timezone: string }[] };
    expect(listed.schedules.find((l) => l.target_id === 'paris')).toMatchObject({ status: 'scheduled', timezone: 'Europe/Paris' });
    const again = await cli(['cloud', 'schedule', 'create', '-p', projectDir, '--json']);
    expect(again.stdout).toMatch(/"target_id":\s*"paris"[^}]*"action":\s*"unchanged"/);

    // Fired as its recurrence would at 06:00 in Paris: the workflow starts the schedule's job, whose run is a schedule run.
    const fired = await bed.emulator.fireWorkflow(workflow!.name);
    expect(fired).toMatchObject([{ action: 'Start_job', status: 'Succeeded', code: 202 }]);
    let run: { id: string; status: string; trigger: string; target_id?: string } | undefined;
    for (let i = 0; i < 150; i++) {
      const status = JSON.parse((await cli(['cloud', 'job', 'status', '-p', projectDir, '--json'])).stdout) as { jobs: (typeof run & object)[] };
      run = status.jobs.find((j) => j.target_id === 'paris');
      if (run && run.status !== 'running' && run.status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'schedule' });

    // Another time is an edit of the recurrence; moving to a zone without daylight saving drops the Logic App.
    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml(PARIS.replace('cron: 0 6 ? * MON-FRI *', 'cron: 0 7 ? * MON-FRI *')));
    const edited = JSON.parse((await cli(['cloud', 'schedule', 'list', '-p', projectDir, '--json'])).stdout) as { schedules: { target_id: string; status: string; differences?: string[] }[] };
    expect(edited.schedules.find((l) => l.target_id === 'paris')).toMatchObject({ status: 'edited', differences: ['expression'] });
    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml(PARIS.replace('timezone: Europe/Paris', 'timezone: Africa/Lagos')));
    expectOk(await cli(['cloud', 'schedule', 'create', '-p', projectDir]));
    expect(bed.emulator.resourcesOfType('Microsoft.Logic/workflows')).toEqual([]);
    expect(bed.emulator.roleAssignments().filter((a) => a.principalId === workflow!.identity.principalId)).toEqual([]);
    expect((bed.emulator.resource(job.id) as typeof job).properties.configuration).toMatchObject({ triggerType: 'Schedule', scheduleTriggerConfig: { cronExpression: '0 5 * * 1,2,3,4,5' } });

    // Back in Paris for the export and the teardown below.
    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml(PARIS));
    expectOk(await cli(['cloud', 'schedule', 'create', '-p', projectDir]));
    expect(bed.emulator.resourcesOfType('Microsoft.Logic/workflows')).toHaveLength(1);
  });

  it('refuses, before anything is sent, a schedule in a zone with daylight saving that a recurrence cannot express', async () => {
    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml(`${SCHEDULES}  - target_id: newyear\n    cron: 0 6 1 1 ? *\n    timezone: Europe/Paris\n`));
    const count = bed.emulator.requests.length;
    const plan = await cli(['cloud', 'plan', '-p', projectDir, '-v', 'version=0.1']);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('a recurrence cannot limit the months');
    expect(bed.emulator.requests.length).toBe(count);
  });

  it('exports the deploy as an azurerm Terraform configuration that terraform fmt leaves as it is', async () => {
    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml(`${SCHEDULES}  - target_id: paris\n    cron: 0 6 ? * MON-FRI *\n    timezone: Europe/Paris\n`));
    const out = makeTempDir('handoff-azure-export-');
    const exported = await cli(['cloud', 'export', '-p', projectDir, '--format', 'terraform', '-o', out, '-v', 'version=0.1']);
    expectOk(exported);
    const main = fs.readFileSync(path.join(out, 'main.tf'), 'utf8');
    for (const resource of ['azurerm_storage_container', 'azurerm_key_vault', 'azurerm_container_app_environment', 'azurerm_user_assigned_identity', 'azurerm_container_app_job', 'azurerm_monitor_scheduled_query_rules_alert_v2']) expect(main).toContain(`resource "${resource}"`);
    expect(main).toMatch(/cron_expression\s+= "0 21 \* \* 0"/);
    // The schedule in Paris: a manual job, a Logic App in Paris' Windows zone, and its one grant on that job.
    for (const resource of ['azurerm_logic_app_workflow', 'azurerm_logic_app_trigger_custom', 'azurerm_logic_app_action_custom']) expect(main).toContain(`resource "${resource}" "schedule_paris"`);
    expect(main).toContain('timeZone  = "Romance Standard Time"');
    expect(main).toMatch(/role_definition_name = "Container Apps Jobs Operator"\n\s+principal_id\s+= azurerm_logic_app_workflow.schedule_paris.identity\[0\].principal_id/);
    expect(main).toContain('prevent_destroy = true');
    // Only the AWS provider plugin is available offline, so `terraform validate` cannot run for azurerm; fmt needs no plugin.
    execFileSync('terraform', ['fmt', '-check', '-diff', out], { stdio: 'pipe' });
    // Its own files are replaced; a folder with the user's main.tf and README.md is refused, nothing written.
    expectOk(await cli(['cloud', 'export', '-p', projectDir, '--format', 'terraform', '-o', out, '-v', 'version=0.1']));
    const mine = makeTempDir('handoff-azure-mine-');
    fs.writeFileSync(path.join(mine, 'README.md'), '# my own notes\n');
    fs.writeFileSync(path.join(mine, 'main.tf'), 'resource "x" "y" {}\n');
    const refused = await cli(['cloud', 'export', '-p', projectDir, '--format', 'terraform', '-o', mine, '-v', 'version=0.1']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('would overwrite main.tf, README.md');
    expect(fs.readFileSync(path.join(mine, 'main.tf'), 'utf8')).toBe('resource "x" "y" {}\n');
    expect(fs.readdirSync(mine).sort()).toEqual(['README.md', 'main.tf']);
  });

  it('deletes the task (job, schedules, alert, identity and its grants), then the resources', async () => {
    const deleted = await cli(['cloud', 'task', 'delete', '-p', projectDir]);
    expectOk(deleted);
    expect(bed.emulator.resourcesOfType('Microsoft.App/jobs')).toEqual([]);
    expect(bed.emulator.resourcesOfType('Microsoft.Logic/workflows')).toEqual([]);
    expect(bed.emulator.resourcesOfType('Microsoft.ManagedIdentity/userAssignedIdentities')).toEqual([]);
    expect(bed.emulator.resourcesOfType('Microsoft.Insights/scheduledQueryRules')).toEqual([]);
    expect(bed.emulator.roleAssignments().filter((a) => a.principalId === identityPrincipal)).toEqual([]);
    const resources = await cli(['cloud', 'resources', 'delete', '-p', projectDir]);
    expectOk(resources);
    expect(bed.emulator.resourcesOfType('Microsoft.App/managedEnvironments')).toEqual([]);
    const status = await cli(['cloud', 'task', 'status', '-p', projectDir, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ job: { status: 'NOT_CREATED' }, identity: { status: 'NOT_CREATED' } });
  });

  it('never printed a secret value', () => {
    expect(consoleText).not.toContain(SECRET);
    expect(consoleText).not.toContain(RG_SECRET);
    expect(consoleText).not.toContain(bed.emulator.servicePrincipal.secret);
  });
});
