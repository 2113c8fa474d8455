// A secrets delete (or a push's stale-secret removal) the store stops midway says which secrets went and which are still stored.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

const KEYS = ['A', 'B', 'C', 'D', 'E'];
const VALUES = ['alpha-del-1001', 'bravo-del-2002', 'charlie-del-3003', 'delta-del-4004', 'echo-del-5005'];
const secretsYml = (keys: string[]): string => keys.map((k) => `- key: ${k}\n  value: ${VALUES[KEYS.indexOf(k)]}\n`).join('');

function projectYml(provider: string): string {
  return `tasks:
- name: t
  commands:
  - command: echo hi
deploy:
  cloud_provider: ${provider}
  resource_group: delmid
  task: five
`;
}

/** A project whose five task-level secrets are pushed. */
async function pushFive(cli: (args: string[]) => Promise<CliResult>, provider: string): Promise<string> {
  const { projectDir } = makeProject(projectYml(provider), { '.secrets/dev_secrets.yml': secretsYml(KEYS) });
  const created = await cli(['cloud', 'bucket', 'create', '-p', projectDir]);
  expect(created.code, created.stderr).toBe(0);
  const pushed = await cli(['secrets', 'push', '-p', projectDir, '-y']);
  expect(pushed.code, pushed.stderr).toBe(0);
  return projectDir;
}

async function storedKeys(cli: (args: string[]) => Promise<CliResult>, projectDir: string): Promise<string[]> {
  const printed = await cli(['secrets', 'print', '-p', projectDir, '--json']);
  expect(printed.code, printed.stderr).toBe(0);
  return (JSON.parse(printed.stdout) as { key: string }[]).map((s) => s.key).sort();
}

function expectNoValue(out: CliResult): void {
  for (const value of VALUES) expect(out.stdout + out.stderr).not.toContain(value);
}

describe('local store: a delete the store refuses at the third of five', () => {
  /** The local store's refusal: C's file is immutable (root cannot remove it either). Undone by the returned function. */
  function lockFile(home: string, key: string): () => void {
    const file = path.join(home, 'parameters', 'handoff', 'dev-delmid', 'five', key);
    expect(fs.statSync(file).isFile()).toBe(true);
    execFileSync('chattr', ['+i', file]);
    return () => execFileSync('chattr', ['-i', file]);
  }

  it('secrets delete: says A and B were deleted, C refused, C, D, E still stored; exit non-zero, no value', async () => {
    const home = makeTempDir('handoff-home-');
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: { HANDOFF_HOME: home }, timeoutMs: 120_000 });
    const projectDir = await pushFive(cli, 'local');
    const unlock = lockFile(home, 'C');
    try {
      const deleted = await cli(['secrets', 'delete', '-p', projectDir, '-y']);
      expect(deleted.code).not.toBe(0);
      expect(deleted.stderr).toContain('could not delete secret "C" from the local secret store');
      expect(deleted.stderr).toContain('deleted before it: A, B; not deleted: C, D, E');
      expect(deleted.stderr).toMatch(/fix: .*delete again/);
      expectNoValue(deleted);
      expect(await storedKeys(cli, projectDir)).toEqual(['C', 'D', 'E']);

      const byKey = await cli(['secrets', 'delete', '-p', projectDir, '-y', '--key', 'C', '--key', 'D']);
      expect(byKey.code).not.toBe(0);
      expect(byKey.stderr).toContain('deleted before it: none; not deleted: C, D');
      expectNoValue(byKey);
    } finally {
      unlock();
    }
  });

  it('secrets delete -p: keys of the file never stored are not called still stored; the ones the store had not are listed as such', async () => {
    const home = makeTempDir('handoff-home-');
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: { HANDOFF_HOME: home }, timeoutMs: 120_000 });
    const projectDir = await pushFive(cli, 'local');
    // The file now also lists X (before the refusal) and Y (after it), never pushed.
    const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
    const lines = secretsYml(KEYS).split(/(?=- key: )/);
    fs.writeFileSync(file, [lines[0], '- key: X\n  value: xray-never-6006\n', lines[1], lines[2], lines[3], '- key: Y\n  value: yankee-never-7007\n', lines[4]].join(''));
    const unlock = lockFile(home, 'C');
    try {
      const deleted = await cli(['secrets', 'delete', '-p', projectDir, '-y']);
      expect(deleted.code).not.toBe(0);
      expect(deleted.stderr).toContain('deleted before it: A, B; not in the store: X; not deleted: C, D, Y, E (each still stored if it was)');
      expect(deleted.stderr).not.toContain('(still stored)');
      expectNoValue(deleted);
      expect(deleted.stdout + deleted.stderr).not.toMatch(/xray-never|yankee-never/);
      expect(await storedKeys(cli, projectDir)).toEqual(['C', 'D', 'E']);
    } finally {
      unlock();
    }
  });

  it('project delete: a secret refused midway says project.yml and files/ were deleted before the secrets failed', async () => {
    const home = makeTempDir('handoff-home-');
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: { HANDOFF_HOME: home }, timeoutMs: 120_000 });
    const projectDir = await pushFive(cli, 'local');
    const project = await cli(['project', 'push', '-p', projectDir, '-y']);
    expect(project.code, project.stderr).toBe(0);
    const taskDir = path.join(home, 'buckets', 'handoff-dev-delmid', 'five');
    expect(fs.existsSync(path.join(taskDir, 'project.yml'))).toBe(true);
    const unlock = lockFile(home, 'C');
    try {
      const deleted = await cli(['project', 'delete', '-p', projectDir, '-y']);
      expect(deleted.code).not.toBe(0);
      expect(deleted.stderr).toContain('project.yml and files/ of five were deleted from the local store; then could not delete secret "C"');
      expect(deleted.stderr).toContain('deleted before it: A, B; not deleted: C, D, E (still stored)');
      expect(deleted.stderr).toMatch(/fix: .*then run project delete again/);
      expectNoValue(deleted);
      expect(fs.existsSync(path.join(taskDir, 'project.yml'))).toBe(false);
    } finally {
      unlock();
    }
  });

  it('secrets push: stale secrets removed one by one; a refusal midway says which were removed and which not', async () => {
    const home = makeTempDir('handoff-home-');
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: { HANDOFF_HOME: home }, timeoutMs: 120_000 });
    const projectDir = await pushFive(cli, 'local');
    // The file now keeps A only: B, C, D, E are stale task-level secrets the push removes.
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), secretsYml(['A']));
    const unlock = lockFile(home, 'D');
    try {
      const pushed = await cli(['secrets', 'push', '-p', projectDir, '-y']);
      expect(pushed.code).not.toBe(0);
      expect(pushed.stderr).toContain('could not remove stale secret "D" from the local secret store');
      expect(pushed.stderr).toContain('removed before it: B, C; not removed: D, E');
      expect(pushed.stderr).toContain('every secret of the file was pushed');
      expectNoValue(pushed);
      expect(await storedKeys(cli, projectDir)).toEqual(['A', 'D', 'E']);
    } finally {
      unlock();
    }
  });
});

describe('AWS (moto behind a loopback proxy that refuses deleting C): a delete stopped midway', () => {
  let moto: MotoServer;
  let proxy: http.Server;
  let env: Record<string, string>;
  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    moto = await startMotoServer();
    // Forwards every request to moto, except an SSM DeleteParameters that names the key C: refused as IAM would.
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (String(req.headers['x-amz-target']).endsWith('.DeleteParameters') && /\/five\/C"/.test(body.toString())) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'User is not authorized to perform: ssm:DeleteParameters on resource C' }));
          return;
        }
        const upstream = http.request(`${moto.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    env = { ...moto.env, AWS_ENDPOINT_URL: url, HANDOFF_HOME: makeTempDir('handoff-home-') };
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await moto?.stop();
  });

  it('secrets delete: A and B deleted, C refused (with why), C, D, E still in SSM; exit non-zero, no value', async () => {
    const cli = (args: string[]): Promise<CliResult> =>
      runCli(args, { env: { ...env, AWS_PROFILE: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
    const projectDir = await pushFive(cli, 'aws');
    const deleted = await cli(['secrets', 'delete', '-p', projectDir, '-y']);
    expect(deleted.code).not.toBe(0);
    expect(deleted.stderr).toContain('could not delete secret "C" from the aws secret store');
    expect(deleted.stderr).toContain('AWS denied access');
    expect(deleted.stderr).toContain('deleted before it: A, B; not deleted: C, D, E');
    expectNoValue(deleted);
    expect(await storedKeys(cli, projectDir)).toEqual(['C', 'D', 'E']);
  });
});
