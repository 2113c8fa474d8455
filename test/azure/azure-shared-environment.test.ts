// Two projects whose jobs share one Container Apps environment (deploy.environment), and a Ctrl-C during cloud deploy:
// the environment is never deleted from under another project's job, and an interrupted deploy says what it did.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { runWith } from '../store/store-scenario.js';
import { startAzureTestbed, type AzureTestbed } from './azure-testbed.js';

let bed: AzureTestbed;
let root = '';

function writeProject(name: string, resourceGroup: string, task: string, extra: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'project.yml'),
    `tasks:
  - name: ${task}
    commands:
      - command: echo
        args: hello
deploy:
  resource_group: ${resourceGroup}
  task: ${task}
  container_image: ${name}
${bed.deployKeys(extra)}
`,
  );
  return dir;
}

function cli(args: string[]): Promise<CliResult> {
  return runWith(bed.env, args);
}

function expectCode(result: CliResult, code: number): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(code);
}

beforeAll(async () => {
  bed = await startAzureTestbed();
  root = makeTempDir('handoff-azure-shared-env-');
}, 60_000);

afterAll(async () => {
  await bed?.stop();
});

describe('azure: an environment another project uses through deploy.environment', () => {
  it('is not deleted (nor its workspace) while that project has a job in it; deleted once it has none', async () => {
    const sales = writeProject('sales', 'sales', 'loader');
    const first = await cli(['cloud', 'deploy', '-p', sales, '-v', 'version=0.1', '-y']);
    expectCode(first, 0);
    const environment = (parse(first.stdout) as { resources: { resource: string; what: string }[] }).resources.find((r) => r.what === 'Container Apps environment')!.resource;
    const mkt = writeProject('mkt', 'mkt', 'mktload', { environment });
    const second = await cli(['cloud', 'deploy', '-p', mkt, '-v', 'version=0.1', '-y']);
    expectCode(second, 0);
    const mktJob = (parse(second.stdout) as { resources: { resource: string; what: string }[] }).resources.find((r) => r.what === 'Container Apps job')!.resource;

    expectCode(await cli(['cloud', 'task', 'delete', '-p', sales, '-y']), 0);
    const refused = await cli(['cloud', 'resources', 'delete', '-p', sales, '-y']);
    expectCode(refused, 2);
    expect(refused.stderr).toContain(`the environment ${environment} still runs 1 job`);
    expect(refused.stderr).toContain(mktJob);
    expect(refused.stderr).toContain('mkt');
    expect(refused.stderr).not.toContain('    at ');
    // Nothing was deleted: the other project's task is still deployed and its environment and workspace are there.
    const status = await cli(['cloud', 'resources', 'status', '-p', sales]);
    expectCode(status, 0);
    expect(status.stdout).not.toMatch(/NOT_CREATED|absent/);
    const mktStatus = await cli(['cloud', 'task', 'status', '-p', mkt]);
    expectCode(mktStatus, 0);
    expect(mktStatus.stdout).toContain('deployed: true');
    expectCode(await cli(['cloud', 'deploy', '-p', mkt, '-v', 'version=0.1', '-y']), 0);

    expectCode(await cli(['cloud', 'task', 'delete', '-p', mkt, '-y']), 0);
    const deleted = await cli(['cloud', 'resources', 'delete', '-p', sales, '-y']);
    expectCode(deleted, 0);
    expect(deleted.stderr).toContain(`Container Apps environment ${environment} deleted`);
  }, 300_000);
});

describe('azure: a signal during cloud deploy', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s: says what was done, what may be half-done, and to deploy again; deploying again completes it', async (signal) => {
    const dir = writeProject(`stopped${signal.toLowerCase()}`, `stopped${signal.toLowerCase()}`, 'loader');
    let seen = '';
    const stopped = await runCli(['cloud', 'deploy', '-p', dir, '-v', 'version=0.1', '-y'], {
      env: bed.env as NodeJS.ProcessEnv,
      timeoutMs: 240_000,
      onSpawn: (child) =>
        child.stderr?.on('data', (d: Buffer) => {
          const before = seen;
          seen += d.toString();
          // Once a step has finished and the next one started: the deploy is part-way.
          if (!/ created\n[\s\S]*Creating /.test(before) && / created\n[\s\S]*Creating /.test(seen)) child.kill(signal);
        }),
    });
    expect(stopped.signal, stopped.stderr).toBeNull();
    expect(stopped.code, stopped.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
    expect(stopped.stderr).toContain(`cloud deploy was interrupted by ${signal}`);
    expect(stopped.stderr).toMatch(/done so far: .* created/);
    expect(stopped.stderr).toMatch(/it was creating .* \(the cloud may finish that step or not\)/);
    expect(stopped.stderr).toContain('run `handoff cloud deploy` again');
    expect(stopped.stderr).not.toContain('    at ');
    const again = await cli(['cloud', 'deploy', '-p', dir, '-v', 'version=0.1', '-y']);
    expectCode(again, 0);
    const status = await cli(['cloud', 'task', 'status', '-p', dir]);
    expect(status.stdout).toContain('deployed: true');
  }, 300_000);
});

describe('azure: a run stopped by cloud run --wait --timeout', () => {
  it('is listed as timed out, not as stopped by a user', async () => {
    const dir = path.join(root, 'sleeper');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'project.yml'),
      `tasks:
  - name: nap
    commands:
      - command: sh
        args: -c 'sleep "$SLEEP"'
deploy:
  resource_group: naps
  task: nap
  container_image: sleeper
${bed.deployKeys()}
`,
    );
    bed.emulator.registerImage(`${bed.emulator.registryServer}/sleeper:0.1`, dir);
    expectCode(await cli(['cloud', 'deploy', '-p', dir, '-v', 'version=0.1', '-y']), 0);
    const run = await cli(['cloud', 'run', '-p', dir, '--wait', '--timeout', '3', '-e', 'SLEEP=60']);
    expectCode(run, 1);
    const id = /Job (\S+) timed out after 3 s and was stopped/.exec(run.stderr)?.[1];
    expect(id, run.stderr).toBeDefined();
    for (let i = 0; i < 100; i++) {
      const status = await cli(['cloud', 'job', 'status', '-p', dir, '-v', `id=${id}`, '--json']);
      expectCode(status, 0);
      const job = JSON.parse(status.stdout).job as { status: string; failure?: string; reason?: string };
      if (job.status !== 'running' && job.status !== 'pending') {
        expect(job).toMatchObject({ status: 'failed', failure: 'timeout' });
        expect(job.reason).toContain('--timeout');
        const listed = await cli(['cloud', 'job', 'status', '-p', dir]);
        expect(listed.stdout).toContain('failure: timeout');
        expect(listed.stdout).not.toContain('failure: stopped');
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the stopped run never ended');
  }, 300_000);
});

describe('azure: a resource-group secret deleted from the store while a task needs it', () => {
  it('cloud run says the key is in the secrets file but not in the store: push it', async () => {
    const dir = path.join(root, 'payer');
    fs.mkdirSync(path.join(dir, '.secrets'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'project.yml'),
      `tasks:
  - name: pay
    commands:
      - command: echo
        args: paid
envs:
  - key: RGKEY
deploy:
  resource_group: hr2
  task: pay
  container_image: payer
${bed.deployKeys()}
`,
    );
    fs.writeFileSync(path.join(dir, '.secrets', 'dev_secrets.yml'), '- key: RGKEY\n  value: rg-key-value-5d1e\n  level: resource group\n');
    expectCode(await cli(['cloud', 'deploy', '-p', dir, '-v', 'version=0.1', '-y']), 0);
    // A second task of the group reads the same resource-group secret; deleting it from that project names task pay.
    const other = path.join(root, 'payer2');
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, 'project.yml'), fs.readFileSync(path.join(dir, 'project.yml'), 'utf8').replace(/pay\b/g, 'pay2').replace('container_image: payer', 'container_image: payer2'));
    expectCode(await cli(['cloud', 'deploy', '-p', other, '-v', 'version=0.1', '-y']), 0);
    const deleted = await cli(['secrets', 'delete', '-p', other, '--key', 'RGKEY', '-y']);
    expectCode(deleted, 0);
    expect(deleted.stderr).toMatch(/WARNING - RGKEY is a secret of resource group \S*hr2, and other deployed tasks of it read it: task pay \(/);
    expect(deleted.stderr + deleted.stdout).not.toContain('rg-key-value-5d1e');
    const run = await cli(['cloud', 'run', '-p', dir, '--wait']);
    expectCode(run, 2);
    expect(run.stderr).toContain('RGKEY');
    expect(run.stderr).toContain(`${path.join(dir, '.secrets', 'dev_secrets.yml')} has it, the store does not`);
    expect(run.stderr).toContain('handoff secrets push');
    expect(run.stderr).not.toContain('add it to');
    expect(run.stderr + run.stdout).not.toContain('rg-key-value-5d1e');
    // pay2 pushes its own value of the shared key: the bundle is rewritten, said so, and task pay named.
    fs.mkdirSync(path.join(other, '.secrets'), { recursive: true });
    fs.writeFileSync(path.join(other, '.secrets', 'dev_secrets.yml'), '- key: RGKEY\n  value: other-value-9c3b\n  level: resource group\n');
    const rewritten = await cli(['cloud', 'deploy', '-p', other, '-v', 'version=0.1', '-y']);
    expectCode(rewritten, 0);
    expect(rewritten.stderr).toMatch(/Key Vault secret \S+ updated/);
    expect(rewritten.stderr).toMatch(/WARNING - RGKEY of resource group \S*hr2 is rewritten: the other deployed tasks of the group that read it get the new value at their next run: task pay /);
    expect(rewritten.stderr + rewritten.stdout).not.toContain('other-value-9c3b');
  }, 300_000);
});
