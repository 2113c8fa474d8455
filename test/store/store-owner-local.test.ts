// The local store's task prefix has an owner, as on AWS and Azure: a shared deploy.bucket, or a stage whose staged resource group is another's (prod + dev-etl is dev + etl), is refused before any write.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir } from '../helpers/cli.js';
import { runWith } from './store-scenario.js';

function project(input: { resourceGroup: string; task: string; description: string; files: string[]; bucket?: string; token?: string }): string {
  return makeProject(
    `description: ${input.description}
envs:
  - key: API_TOKEN
tasks:
  - name: load
    commands:
      - command: echo
        args: loading
deploy:
  resource_group: ${input.resourceGroup}
  task: ${input.task}
${input.bucket ? `  bucket: ${input.bucket}\n` : ''}`,
    {
      ...Object.fromEntries(input.files.map((f) => [`files/${f}`, `select '${f}';\n`])),
      '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${input.token ?? 'tok-dev-1'}\n`,
      '.secrets/secrets.yml': `- key: API_TOKEN\n  value: ${input.token ?? 'tok-prod-1'}\n`,
    },
  ).projectDir;
}

/** Every file under `dir`, relative and sorted. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('local store: two resource groups sharing one deploy.bucket with the same task name', () => {
  const home = makeTempDir('handoff-home-');
  const env = { HANDOFF_HOME: home };
  const BUCKET = 'team-data-bucket';
  const taskDir = path.join(home, 'buckets', BUCKET, 'sync');
  let alpha = '';
  let beta = '';

  beforeAll(async () => {
    alpha = project({ resourceGroup: 'alpha', task: 'sync', description: 'project of alpha', files: ['a1.sql', 'a2.sql'], bucket: BUCKET });
    beta = project({ resourceGroup: 'beta', task: 'sync', description: 'project of beta', files: ['evil.sql'], bucket: BUCKET });
    expect((await runWith(env, ['cloud', 'bucket', 'create', '-p', alpha])).code).toBe(0);
    const pushed = await runWith(env, ['project', 'push', '-p', alpha, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const workspace = makeTempDir('ws-');
    fs.mkdirSync(path.join(workspace, 'artifacts'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'artifacts', 'state.json'), '{"bookmark":1}');
    const artifacts = await runWith(env, ['artifacts', 'push', '-p', alpha, '-w', workspace]);
    expect(artifacts.code, artifacts.stderr).toBe(0);
  });

  it('the first push marks sync/ as stage dev, resource group alpha', () => {
    expect(fs.readFileSync(path.join(taskDir, '.handoff-owner'), 'utf8')).toBe('dev/alpha\n');
  });

  it("beta's project, config and files pushes and its files, artifacts and project deletes are refused; alpha's store stays", async () => {
    const before = listFiles(taskDir);
    expect(before).toEqual(['.handoff-owner', 'artifacts/last/state.json', 'files/a1.sql', 'files/a2.sql', 'project.yml']);
    for (const args of [
      ['project', 'push', '-y'],
      ['config', 'push'],
      ['files', 'push'],
      ['files', 'delete', '-y'],
      ['artifacts', 'delete', '-y'],
      ['project', 'delete', '-y'],
    ]) {
      const result = await runWith(env, [...args, '-p', beta]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(`${taskDir}/ holds the store of stage dev, resource group alpha (its owner mark ${taskDir}/.handoff-owner), not of this project's stage dev, resource group beta`);
      expect(result.stderr, args.join(' ')).toContain('give this project another deploy.task');
    }
    expect(listFiles(taskDir)).toEqual(before);
    expect(fs.readFileSync(path.join(taskDir, 'project.yml'), 'utf8')).toContain('project of alpha');
  });

  it('another stage of alpha is refused too; alpha itself pushes again', async () => {
    const prod = await runWith(env, ['files', 'push', '-p', alpha, '-s', 'prod']);
    expect(prod.code, prod.stderr).toBe(2);
    expect(prod.stderr).toContain('holds the store of stage dev, resource group alpha');
    const again = await runWith(env, ['project', 'push', '-p', alpha, '-y']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('a prefix pushed before owner marks existed keeps working for its project, which marks it, and refuses another resource group', async () => {
    const oldDir = path.join(home, 'buckets', BUCKET, 'old');
    fs.mkdirSync(path.join(oldDir, 'artifacts', 'last'), { recursive: true });
    fs.writeFileSync(path.join(oldDir, 'project.yml'), 'deploy:\n  resource_group: alpha\n  task: old\n');
    fs.writeFileSync(path.join(oldDir, 'artifacts', 'last', 'state.json'), '{"bookmark":1}');
    const betaOld = project({ resourceGroup: 'beta', task: 'old', description: 'project of beta', files: ['evil.sql'], bucket: BUCKET });
    const refused = await runWith(env, ['files', 'push', '-p', betaOld]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('holds the store of resource group alpha (its project.yml)');
    const alphaOld = project({ resourceGroup: 'alpha', task: 'old', description: 'project of alpha', files: ['a1.sql'], bucket: BUCKET });
    const pushed = await runWith(env, ['project', 'push', '-p', alphaOld, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(fs.readFileSync(path.join(oldDir, '.handoff-owner'), 'utf8')).toBe('dev/alpha\n');
    expect(fs.readFileSync(path.join(oldDir, 'artifacts', 'last', 'state.json'), 'utf8')).toBe('{"bookmark":1}');
  });
});

describe('local store: stage prod + resource group dev-etl, whose default bucket is stage dev + resource group etl\'s', () => {
  const home = makeTempDir('handoff-home-');
  const env = { HANDOFF_HOME: home };
  const taskDir = path.join(home, 'buckets', 'handoff-dev-etl', 'words');
  const secretsDir = path.join(home, 'parameters', 'handoff', 'dev-etl', 'words');
  let dev = '';
  let prod = '';

  beforeAll(async () => {
    dev = project({ resourceGroup: 'etl', task: 'words', description: 'project of dev', files: ['q.sql'], token: 'tok-dev-etl' });
    prod = project({ resourceGroup: 'dev-etl', task: 'words', description: 'OTHER TEAM', files: ['x.sql'], token: 'other-team-token-999' });
    expect((await runWith(env, ['cloud', 'bucket', 'create', '-p', dev])).code).toBe(0);
    const pushed = await runWith(env, ['project', 'push', '-p', dev, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
  });

  it('files push, project push, secrets push and cloud run of prod are refused, saying how to tell the names apart', async () => {
    for (const args of [['files', 'push'], ['project', 'push', '-y'], ['secrets', 'push', '-y'], ['cloud', 'run']]) {
      const result = await runWith(env, [...args, '-p', prod, '-s', 'prod']);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(`${taskDir}/ holds the store of stage dev, resource group etl (its owner mark ${taskDir}/.handoff-owner), not of this project's stage prod, resource group dev-etl`);
      expect(result.stderr, args.join(' ')).toContain('rename deploy.resource_group of this project (or deploy it to another stage)');
      expect(result.stdout + result.stderr).not.toContain('other-team-token-999');
    }
    expect(listFiles(taskDir)).toEqual(['.handoff-owner', 'files/q.sql', 'project.yml']);
    expect(fs.readFileSync(path.join(taskDir, 'project.yml'), 'utf8')).toContain('project of dev');
    expect(fs.readFileSync(path.join(secretsDir, 'API_TOKEN'), 'utf8')).toBe('tok-dev-etl');
  });

  it('an emptied store whose only object is the owner mark is deleted with the bucket (marks are not data)', async () => {
    const deleted = await runWith(env, ['project', 'delete', '-p', dev, '-y']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(listFiles(path.join(home, 'buckets', 'handoff-dev-etl'))).toEqual(['words/.handoff-owner']);
    const bucket = await runWith(env, ['cloud', 'bucket', 'delete', '-p', dev]);
    expect(bucket.code, bucket.stderr).toBe(0);
    expect(bucket.stdout).toContain('action: deleted');
    expect(fs.existsSync(path.join(home, 'buckets', 'handoff-dev-etl'))).toBe(false);
  });
});
