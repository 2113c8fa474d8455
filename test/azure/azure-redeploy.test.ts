// The azure provider after a first deploy: a renamed task, a shared deploy.bucket, a task update under schedules, a
// removed alarm_email, a moved location, disabled schedules, ambiguous run ids and a bucket delete under deployed tasks.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir, type CliResult } from '../helpers/cli.js';
import { runWith } from '../store/store-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

const SECRET = 'redeploy-secret-5c1e07';

let bed: AzureTestbed;
let projectDir = '';
let consoleText = '';

interface DeployedJob {
  id: string;
  name: string;
  tags: Record<string, string>;
  properties: { template: { containers: { image: string }[] } };
}

const SCHEDULES = `schedules:
  - target_id: nightly
    cron: 0 2 * * ? *
  - target_id: paris
    cron: 0 6 ? * MON-FRI *
    timezone: Europe/Paris
  - target_id: paused
    cron: 0 12 * * ? *
    enabled: false
`;

function projectYml(input: { resourceGroup?: string; task?: string; alarm?: boolean; extra?: Record<string, string> } = {}): string {
  return `tasks:
  - name: greet
    commands:
      - command: sh
        args: -c 'echo "hello, token=$API_TOKEN" >&2'
envs:
  - key: API_TOKEN
deploy:
  resource_group: ${input.resourceGroup ?? 'etl'}
  task: ${input.task ?? 'greet'}
  container_image: greeter
${input.alarm === false ? '' : '  alarm_email: data-team@example.com\n'}${bed.deployKeys(input.extra)}
${SCHEDULES}`;
}

function writeProject(dir: string, yml: string, file: string): string {
  fs.mkdirSync(path.join(dir, '.secrets'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'project.yml'), yml);
  fs.writeFileSync(path.join(dir, 'files', file), `${file}\n`);
  fs.writeFileSync(path.join(dir, '.secrets', 'dev_secrets.yml'), `- key: API_TOKEN\n  value: ${SECRET}\n`);
  return dir;
}

async function cli(args: string[]): Promise<CliResult> {
  const result = await runWith(bed.env, args);
  consoleText += result.stdout + result.stderr;
  return result;
}

function expectOk(result: CliResult): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

/** Resource Manager writes since `from` (token requests aside). */
function writesSince(from: number): string[] {
  return bed.emulator.requests
    .slice(from)
    .filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/'))
    .map((r) => `${r.method} ${r.path}`);
}

function jobs(): DeployedJob[] {
  return bed.emulator.resourcesOfType('Microsoft.App/jobs') as unknown as DeployedJob[];
}

beforeAll(async () => {
  bed = await startAzureTestbed();
  projectDir = writeProject(path.join(makeTempDir('handoff-azure-redeploy-'), 'greeter'), projectYml(), 'a.txt');
  for (const version of ['0.1', '0.2']) bed.emulator.registerImage(`${bed.emulator.registryServer}/greeter:${version}`, projectDir);
  expectOk(await cli(['cloud', 'deploy', '-p', projectDir, '-v', 'version=0.1', '-y']));
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe('azure: after the first deploy', () => {
  it('cloud task update -v version= rewrites the deployed schedule jobs with the task\'s job, and lists them', async () => {
    const updated = await cli(['cloud', 'task', 'update', '-p', projectDir, '-v', 'version=0.2', '-y']);
    expectOk(updated);
    const report = parse(updated.stdout) as { schedules?: { target_id: string; action: string }[] };
    expect(report.schedules).toEqual([
      { target_id: 'nightly', id: expect.any(String), action: 'updated' },
      { target_id: 'paris', id: expect.any(String), action: 'updated' },
    ]);
    const images = jobs().map((j) => [j.tags['handoff-target-id'] ?? 'task', j.properties.template.containers[0]!.image]);
    expect(images.sort()).toEqual([
      ['nightly', `${bed.emulator.registryServer}/greeter:0.2`],
      ['paris', `${bed.emulator.registryServer}/greeter:0.2`],
      ['task', `${bed.emulator.registryServer}/greeter:0.2`],
    ]);
    const listed = parse((await cli(['cloud', 'schedule', 'list', '-p', projectDir])).stdout) as { schedules: { target_id: string; status: string }[] };
    expect(listed.schedules.map((s) => s.status)).toEqual(['scheduled', 'scheduled', 'scheduled']);
  });

  it('a run id prefix that matches several runs names them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = await cli(['cloud', 'run', '-p', projectDir, '--wait']);
      expectOk(run);
      ids.push(/Job (\S+) succeeded/.exec(run.stderr)![1]!);
    }
    const job = jobs().find((j) => j.tags['handoff-target-id'] === undefined)!.name;
    const status = await cli(['cloud', 'job', 'status', '-p', projectDir, '-v', `id=${job}`]);
    expect(status.code, status.stderr).toBe(2);
    expect(status.stderr).toContain(`"${job}" matches 2 runs`);
    for (const id of ids) expect(status.stderr).toContain(id);
  }, 120_000);

  it('a disabled schedule (deployed as no job) is said to be disabled by schedule create and delete, not offered as a deployed id', async () => {
    const created = await cli(['cloud', 'schedule', 'create', '-p', projectDir, '-v', 'target_id=paused']);
    expectOk(created);
    expect(created.stderr).toContain('schedule paused is disabled (enabled: false in');
    expect(created.stderr).toContain('nothing to create');
    const deleted = await cli(['cloud', 'schedule', 'delete', '-p', projectDir, '-v', 'target_id=paused', '-y']);
    expectOk(deleted);
    expect(deleted.stderr).toContain('schedule paused is disabled (enabled: false in');
    expect(deleted.stderr).not.toContain('use one of the deployed target ids');
  });

  it('plan and deploy of a renamed deploy.task name the group\'s other deployed task and how to delete it', async () => {
    const renamed = writeProject(path.join(makeTempDir('handoff-azure-renamed-'), 'greeter'), projectYml({ task: 'greet2' }), 'a.txt');
    const job = jobs().find((j) => j.tags['handoff-target-id'] === undefined)!.name;
    const plan = await cli(['cloud', 'plan', '-p', renamed, '-v', 'version=0.2']);
    expectOk(plan);
    expect(plan.stderr).toContain(`also deployed in resource group dev-etl: task greet (Container Apps job ${job}, 2 enabled schedules)`);
    expect(plan.stderr).toContain('handoff cloud task delete -p <project> -e task=<former task>');
    // The task itself is not another task.
    const own = await cli(['cloud', 'plan', '-p', projectDir, '-v', 'version=0.2']);
    expectOk(own);
    expect(own.stderr).not.toContain('also deployed in resource group');
  });

  it('another resource group whose deploy.bucket is this container and whose deploy.task is the same is refused before any write, naming the owner', async () => {
    const container = (bed.emulator.resourcesOfType('Microsoft.Storage/storageAccounts/blobServices/containers')[0] as { name: string }).name;
    const other = writeProject(path.join(makeTempDir('handoff-azure-shared-'), 'sales'), projectYml({ resourceGroup: 'sales', extra: { bucket: container } }), 'b.txt');
    const before = bed.emulator.requests.length;
    for (const args of [
      ['cloud', 'plan', '-p', other, '-v', 'version=0.2'],
      ['cloud', 'deploy', '-p', other, '-v', 'version=0.2', '-y'],
      ['project', 'push', '-p', other, '-y'],
      ['files', 'push', '-p', other, '-y'],
    ]) {
      const result = await cli(args);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(new RegExp(`${container}/greet/ holds the store of stage dev, resource group etl \\(its owner mark [^)]*/greet/\\.handoff-owner\\), not of this project's stage dev, resource group sales`));
      expect(result.stderr).toContain('give this project another deploy.task, or its own deploy.bucket');
    }
    expect(writesSince(before)).toEqual([]);
    // This project's store is whole: its own files, its own project.yml.
    const workspace = makeTempDir('handoff-azure-ws-');
    expectOk(await cli(['files', 'get', '-p', projectDir, '-w', workspace, '-y']));
    expect(fs.readdirSync(path.join(workspace, 'files'))).toEqual(['a.txt']);
    const printed = await cli(['config', 'print', '-p', projectDir]);
    expect(printed.stdout).toContain('resource_group: etl');
  });

  it('removing deploy.alarm_email deletes the action group that mailed it', async () => {
    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml({ alarm: false }));
    const plan = await cli(['cloud', 'plan', '-p', projectDir, '-v', 'version=0.2']);
    expectOk(plan);
    const planned = parse(plan.stdout) as { resources: { what: string; resource: string; action: string }[] };
    expect(planned.resources.filter((r) => r.what === 'action group')).toEqual([expect.objectContaining({ resource: expect.stringContaining('(none: deploy.alarm_email is not set)'), action: 'update' })]);
    expectOk(await cli(['cloud', 'deploy', '-p', projectDir, '-v', 'version=0.2', '-y']));
    expect(bed.emulator.resourcesOfType('Microsoft.Insights/actionGroups')).toEqual([]);
    const again = parse((await cli(['cloud', 'deploy', '-p', projectDir, '-v', 'version=0.2', '-y'])).stdout) as { changed: boolean };
    expect(again.changed).toBe(false);
  });

  it('a deploy.location other than the deployed resources\' is refused at its line by plan, deploy and task update, before any write or push', async () => {
    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml({ alarm: false, extra: { location: 'northeurope' } }));
    const before = bed.emulator.requests.length;
    for (const args of [
      ['cloud', 'plan', '-p', projectDir, '-v', 'version=0.2'],
      ['cloud', 'deploy', '-p', projectDir, '-v', 'version=0.2', '-y'],
      ['cloud', 'task', 'update', '-p', projectDir, '-v', 'version=0.2', '-y'],
      ['cloud', 'resources', 'update', '-p', projectDir, '-y'],
    ]) {
      const result = await cli(args);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('deploy.location is northeurope, but');
      expect(result.stderr).toContain('Azure does not move a resource to another region');
      expect(result.stderr).toMatch(/project\.yml:\d+:\d+: deploy\.location: the deployed resources are in westeurope/);
      expect(result.stderr).toContain('keep deploy.location: westeurope');
    }
    expect(writesSince(before)).toEqual([]);
    expect((await cli(['config', 'print', '-p', projectDir])).stdout).not.toContain('northeurope');
    fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml({ alarm: false }));
  });

  it('cloud bucket delete is refused while the group\'s tasks are deployed; once they are deleted, the container (with only owner marks left) goes', async () => {
    const ops = writeProject(path.join(makeTempDir('handoff-azure-ops-'), 'ops'), projectYml({ resourceGroup: 'ops', task: 'c1' }), 'c.txt');
    expectOk(await cli(['cloud', 'deploy', '-p', ops, '-v', 'version=0.2', '-y']));
    expectOk(await cli(['project', 'delete', '-p', ops, '-y']));
    const containers = (): string[] => bed.emulator.resourcesOfType('Microsoft.Storage/storageAccounts/blobServices/containers').map((c) => (c as { name: string }).name);
    const before = containers();
    const refused = await cli(['cloud', 'bucket', 'delete', '-p', ops, '-y']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/the Blob container handoff-dev-ops-[0-9a-f]{8} is the store of task c1 \(Container Apps job ho-dev-ops-c1-[0-9a-f]{6}\); nothing was deleted/);
    expect(refused.stderr).toContain("handoff cloud task delete -p <each task's project>");
    expect(containers()).toEqual(before);
    expectOk(await cli(['cloud', 'task', 'delete', '-p', ops, '-y']));
    const deleted = await cli(['cloud', 'bucket', 'delete', '-p', ops, '-y']);
    expectOk(deleted);
    expect(parse(deleted.stdout)).toMatchObject({ action: 'deleted' });
    expect(containers().filter((c) => c.startsWith('handoff-dev-ops-'))).toEqual([]);
  }, 120_000);

  it('never printed a secret value', () => {
    expect(consoleText).not.toContain(SECRET);
    expect(consoleText).not.toContain(bed.emulator.servicePrincipal.secret);
  });
});
