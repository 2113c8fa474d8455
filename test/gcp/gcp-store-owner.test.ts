// The task's prefix in a Cloud Storage bucket has an owner, as on AWS and Azure: two resource groups (or stages) that share one deploy.bucket and deploy.task are refused before any write, against the loopback emulator.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startGcpEmulator, type GcpEmulator } from './emulator/gcp-emulator.js';

const PROJECT = 'acme-data';
const BUCKET = 'team-data-bucket';

let emulator: GcpEmulator;

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...emulator.env, GOOGLE_CLOUD_PROJECT: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

function project(resourceGroup: string, task: string, files: string[]): string {
  return makeProject(
    `description: project of ${resourceGroup}
tasks:
  - name: count
    commands:
      - command: "true"
deploy:
  cloud_provider: gcp
  gcp_project: ${PROJECT}
  region: europe-west1
  resource_group: ${resourceGroup}
  task: ${task}
  bucket: ${BUCKET}
  image_version: "0.3"
`,
    {
      ...Object.fromEntries(files.map((f) => [`files/${f}`, `select '${f}';\n`])),
      '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: tok-${resourceGroup}\n`,
    },
  ).projectDir;
}

/** The live objects of the shared bucket under `prefix`, sorted. */
function liveKeys(prefix: string): string[] {
  const bucket = emulator.storage.buckets.get(BUCKET);
  return [...(bucket?.objects.entries() ?? [])].filter(([key, versions]) => key.startsWith(prefix) && versions.some((v) => v.live)).map(([key]) => key).sort();
}

function readLive(key: string): string | undefined {
  return emulator.storage.buckets.get(BUCKET)?.objects.get(key)?.find((v) => v.live)?.body.toString('utf8');
}

/** Writes to Cloud Storage objects made while `body` ran. */
async function objectWritesDuring(body: () => Promise<CliResult>): Promise<{ result: CliResult; writes: string[] }> {
  const before = emulator.requests.length;
  const result = await body();
  const writes = emulator.requests.slice(before).filter((r) => r.method !== 'GET' && /\/b\/[^/]+\/o/.test(r.path));
  return { result, writes: writes.map((r) => `${r.method} ${r.path}`) };
}

beforeAll(async () => {
  emulator = await startGcpEmulator({ containers: 'process' });
});

afterAll(async () => {
  await emulator?.stop();
});

describe('two resource groups sharing one deploy.bucket with the same task name', () => {
  let alpha = '';
  let beta = '';

  beforeAll(async () => {
    alpha = project('alpha', 'sync', ['a1.sql', 'a2.sql']);
    beta = project('beta', 'sync', ['evil.sql']);
    const created = await cli(['cloud', 'bucket', 'create', '-p', alpha]);
    expect(created.code, created.stderr).toBe(0);
    const pushed = await cli(['project', 'push', '-p', alpha, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const workspace = makeTempDir('ws-');
    fs.mkdirSync(path.join(workspace, 'artifacts'));
    fs.writeFileSync(path.join(workspace, 'artifacts', 'state.json'), '{"bookmark":1}');
    const artifacts = await cli(['artifacts', 'push', '-p', alpha, '-w', workspace]);
    expect(artifacts.code, artifacts.stderr).toBe(0);
  });

  it('the first push marks sync/ as stage dev, resource group alpha', () => {
    expect(readLive('sync/.handoff-owner')).toBe('dev/alpha\n');
  });

  it("beta's pushes, deletes and cloud plan are refused before any write; alpha's store stays", async () => {
    const before = liveKeys('sync/');
    expect(before).toEqual(['sync/.handoff-owner', 'sync/artifacts/last/state.json', 'sync/files/a1.sql', 'sync/files/a2.sql', 'sync/project.yml']);
    const workspace = makeTempDir('ws-');
    fs.mkdirSync(path.join(workspace, 'artifacts'));
    fs.writeFileSync(path.join(workspace, 'artifacts', 'state.json'), '{"bookmark":"beta"}');
    for (const args of [
      ['project', 'push', '-y'],
      ['config', 'push'],
      ['files', 'push'],
      ['files', 'delete', '-y'],
      ['artifacts', 'push', '-w', workspace],
      ['artifacts', 'delete', '-y'],
      ['cloud', 'plan'],
    ]) {
      const { result, writes } = await objectWritesDuring(() => cli([...args, '-p', beta]));
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(
        `gs://${BUCKET}/sync/ holds the store of stage dev, resource group alpha (its owner mark gs://${BUCKET}/sync/.handoff-owner), not of this project's stage dev, resource group beta`,
      );
      expect(result.stderr, args.join(' ')).toContain('give this project another deploy.task');
      expect(writes, args.join(' ')).toEqual([]);
    }
    expect(liveKeys('sync/')).toEqual(before);
    expect(readLive('sync/project.yml')).toContain('project of alpha');
    expect(readLive('sync/artifacts/last/state.json')).toBe('{"bookmark":1}');
  });

  it('another stage of alpha is refused too; alpha itself pushes and plans again', async () => {
    const prod = await cli(['files', 'push', '-p', alpha, '-s', 'prod']);
    expect(prod.code, prod.stderr).toBe(2);
    expect(prod.stderr).toContain('holds the store of stage dev, resource group alpha');
    const again = await cli(['project', 'push', '-p', alpha, '-y']);
    expect(again.code, again.stderr).toBe(0);
    const plan = await cli(['cloud', 'plan', '-p', alpha]);
    expect(plan.code, plan.stderr).toBe(0);
  });

  it('a prefix pushed before owner marks existed keeps working for its project, which marks it, and refuses another resource group', async () => {
    const objects = emulator.storage.buckets.get(BUCKET)!.objects;
    const put = (key: string, body: string): void => {
      objects.set(key, [{ ...objects.get('sync/project.yml')!.find((v) => v.live)!, body: Buffer.from(body), metadata: {} }]);
    };
    put('old/project.yml', 'deploy:\n  resource_group: alpha\n  task: old\n');
    put('old/artifacts/last/state.json', '{"bookmark":1}');
    const refused = await cli(['files', 'push', '-p', project('beta', 'old', ['evil.sql'])]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('holds the store of resource group alpha (its project.yml)');
    const pushed = await cli(['project', 'push', '-p', project('alpha', 'old', ['a1.sql']), '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(readLive('old/.handoff-owner')).toBe('dev/alpha\n');
    expect(readLive('old/artifacts/last/state.json')).toBe('{"bookmark":1}');
  });
});
