// Bad input to the store commands (local provider): a clear error, exit 2, and nothing written to HANDOFF_HOME.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliPath, makeProject, makeTempDir, repoRoot, type CliResult } from '../helpers/cli.js';
import { makeStoreProject, RESOURCE_GROUP, runWith, TASK } from './store-scenario.js';

/** Every file under a folder, so a test can say "nothing was written". */
function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** A home with the bucket already created, so only the command under test can write into it. */
async function makeHome(projectDir: string): Promise<string> {
  const home = makeTempDir('handoff-home-');
  const created = await runWith({ HANDOFF_HOME: home }, ['cloud', 'bucket', 'create', '-p', projectDir]);
  expect(created.code, created.stderr).toBe(0);
  return home;
}

/** Runs the CLI with `input` on its stdin (a pipe that then closes), to answer a prompt. */
function runWithInput(env: Record<string, string>, args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('store commands refuse bad input before writing anything', () => {
  it('a project without deploy.resource_group', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir } = makeProject('tasks:\n  - name: t\n    commands:\n      - command: "true"\ndeploy:\n  task: t\n');
    for (const args of [['config', 'push'], ['project', 'push', '-y'], ['cloud', 'bucket', 'create']]) {
      const result = await runWith({ HANDOFF_HOME: home }, [...args, '-p', projectDir]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('error: no resource group: deploy.resource_group is not set in');
      expect(result.stderr).toContain('fix: add "resource_group: <name>" under deploy: in project.yml');
    }
    expect(listTree(home)).toEqual([]);
  });

  it('run without -p and without -e names says how to name the store', async () => {
    const result = await runWith({ HANDOFF_HOME: makeTempDir() }, ['run', '-w', path.join(makeTempDir(), 'ws')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: no resource group');
    expect(result.stderr).toContain('-e resource_group=<name> task=<name>');
  });

  it('no bucket: the local store says to create it', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir } = makeStoreProject();
    const result = await runWith({ HANDOFF_HOME: home }, ['config', 'push', '-p', projectDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: the local bucket ${path.join(home, 'buckets', `handoff-dev-${RESOURCE_GROUP}`)} does not exist`);
    expect(result.stderr).toContain(`fix: create it with \`handoff cloud bucket create -p ${projectDir}\``);
    expect(listTree(home)).toEqual([]);
  });

  it('a secret over 8 KiB: nothing is pushed, not even the other secrets or the config', async () => {
    const { projectDir } = makeStoreProject(`- key: huge\n  value: ${'y'.repeat(9000)}\n`);
    const home = await makeHome(projectDir);
    for (const args of [['secrets', 'push'], ['project', 'push']]) {
      const result = await runWith({ HANDOFF_HOME: home }, [...args, '-p', projectDir, '-y', '-v', 'allow_advanced_tier=true']);
      expect(result.code).toBe(2);
      // Located at its line of the secrets file (the file's first entries are the project's other secrets).
      expect(result.stderr).toMatch(/error: \S+dev_secrets\.yml:\d+: secret "huge" is 9000 bytes as stored; SSM parameters hold at most 8192 bytes/);
      expect(result.stderr).toContain('Nothing was pushed');
    }
    expect(listTree(home)).toEqual([]);
  });

  it('a misspelt field in the secrets file (psh: false): every push refuses it, at its line, before writing anything', async () => {
    const { projectDir, workspaceDir } = makeStoreProject('- key: meant_local\n  value: meant-local-value-31\n  psh: false\n');
    const home = await makeHome(projectDir);
    const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
    for (const [args, action] of [[['secrets', 'push'], 'secrets push'], [['project', 'push'], 'project push']] as const) {
      const result = await runWith({ HANDOFF_HOME: home }, [...args, '-p', projectDir, '-y']);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`error: ${file}:13:3: secret "meant_local" has an unknown field "psh" (did you mean "push"?); ${action} writes nothing`);
      expect(result.stderr).toContain('a misspelt "push: false" would push a secret meant to stay local');
      expect(result.stderr).toContain('fix: correct or remove the field ("psh" → "push")');
      expect(result.stderr).not.toContain('meant-local-value-31');
    }
    expect(listTree(home)).toEqual([]);
    // A run only warns, at the field's line, with the did-you-mean project.yml's unknown keys get.
    const run = await runWith({ HANDOFF_HOME: home }, ['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`WARNING - ${file}:13:3: entry 5 (key "meant_local"): unknown field "psh" is ignored (did you mean "push"?)`);
  });

  it('an env whose secret is missing names where the secrets were read: the store (push: false), or -v secrets_dir', async () => {
    const yml = 'deploy: {cloud_provider: local, resource_group: rg4, task: t4}\nenvs:\n- key: PW\n- key: localonly\ntasks:\n- name: main\n  commands:\n  - command: "true"\n';
    const { projectDir, workspaceDir } = makeProject(yml, {
      '.secrets/dev_secrets.yml': '- key: PW\n  value: pa55word-xyz\n- key: localonly\n  value: never-pushed-val\n  push: false\n',
    });
    const home = await makeHome(projectDir);
    expect((await runWith({ HANDOFF_HOME: home }, ['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    const fromStore = await runWith({ HANDOFF_HOME: home }, ['run', '-p', projectDir, '-w', workspaceDir]);
    expect(fromStore.code, fromStore.stderr).toBe(2);
    const taskPath = path.join(home, 'parameters', 'handoff', 'dev-rg4', 't4');
    expect(fromStore.stderr).toContain(`error: envs[1] "localonly" has no value, and the store holds no secret "localonly" for stage "dev" (read from ${taskPath}/* and`);
    expect(fromStore.stderr).toContain('a secret marked "push: false" in the secrets file is never pushed');
    expect(fromStore.stderr).not.toContain('.secrets/dev_secrets.yml');

    const secretsDir = makeTempDir();
    fs.writeFileSync(path.join(secretsDir, 'dev_secrets.yml'), '- key: OTHER\n  value: zzzzzz\n');
    const local = await runWith({ HANDOFF_HOME: home }, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', `secrets_dir=${secretsDir}`]);
    expect(local.code, local.stderr).toBe(2);
    expect(local.stderr).toContain(`have no key "PW" (read from ${path.join(secretsDir, 'dev_secrets.yml')})`);
    expect(local.stderr).toContain(`fix: add "- key: PW" with a value to ${path.join(secretsDir, 'dev_secrets.yml')}`);
    expect(local.stderr).not.toContain('.secrets/dev_secrets.yml');
  });

  it('{{ }} escaping counts toward the size: a value that fits only unescaped is refused', async () => {
    // 4094 bytes as written (fits Standard's 4096), 4098 once `{{` and `}}` are stored as `\{\{` and `\}\}`.
    const { projectDir } = makeStoreProject(`- key: templated\n  value: "{{ ${'z'.repeat(4088)} }}"\n`);
    const home = await makeHome(projectDir);
    const result = await runWith({ HANDOFF_HOME: home }, ['secrets', 'push', '-p', projectDir, '-y']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('secret "templated" is 4098 bytes as stored');
    expect(listTree(home)).toEqual([]);
  });

  it('a secret key named config is reserved', async () => {
    const { projectDir } = makeStoreProject('- key: config\n  value: not-a-project-at-all\n');
    const home = await makeHome(projectDir);
    const result = await runWith({ HANDOFF_HOME: home }, ['secrets', 'push', '-p', projectDir, '-y']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: a secret is named "config"');
    expect(result.stderr).toContain('a name reserved by handoff');
    expect(result.stderr).toContain(`/handoff/dev-${RESOURCE_GROUP}/${TASK}/config`);
    expect(listTree(home)).toEqual([]);
  });

  it('a secret key SSM cannot name', async () => {
    const { projectDir } = makeStoreProject('- key: "bad key!"\n  value: some-value\n');
    const home = await makeHome(projectDir);
    const result = await runWith({ HANDOFF_HOME: home }, ['secrets', 'push', '-p', projectDir, '-y']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SSM parameter key "bad key!" is invalid');
    expect(listTree(home)).toEqual([]);
  });

  it('without -y and with nothing on stdin (CI), it refuses instead of waiting', async () => {
    const { projectDir } = makeStoreProject();
    const home = await makeHome(projectDir);
    for (const args of [['secrets', 'push'], ['project', 'push']]) {
      const result = await runWith({ HANDOFF_HOME: home }, [...args, '-p', projectDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('error: this command asks for confirmation, but there is no answer on standard input');
      expect(result.stderr).toContain('fix: add -y');
    }
    expect(listTree(home)).toEqual([]);
  });

  it('-n answers no and nothing is written; an answer piped to stdin is read', async () => {
    const { projectDir } = makeStoreProject();
    const home = await makeHome(projectDir);
    const no = await runWith({ HANDOFF_HOME: home }, ['secrets', 'push', '-p', projectDir, '-n']);
    expect(no.code).toBe(0);
    expect(parse(no.stdout)).toMatchObject({ status: 'aborted' });
    expect(listTree(home)).toEqual([]);

    const typedNo = await runWithInput({ HANDOFF_HOME: home }, ['project', 'push', '-p', projectDir], 'n\n');
    expect(typedNo.code).toBe(0);
    expect(typedNo.stderr).toContain('[y/N]');
    expect(listTree(home)).toEqual([]);

    const typedYes = await runWithInput({ HANDOFF_HOME: home }, ['secrets', 'push', '-p', projectDir], 'y\n');
    expect(typedYes.code, typedYes.stderr).toBe(0);
    expect(listTree(path.join(home, 'parameters'))).toEqual([
      `handoff/dev-${RESOURCE_GROUP}/db_password`,
      `handoff/dev-${RESOURCE_GROUP}/${TASK}/API_TOKEN`,
      `handoff/dev-${RESOURCE_GROUP}/${TASK}/jinja_secret`,
    ]);

    const deleted = await runWith({ HANDOFF_HOME: home }, ['secrets', 'delete', '-p', projectDir, '-y']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(listTree(path.join(home, 'parameters'))).toEqual([]);
  });

  it('an unknown --cloud-provider', async () => {
    const { projectDir } = makeStoreProject();
    const result = await runWith({ HANDOFF_HOME: makeTempDir() }, ['config', 'push', '-p', projectDir, '--cloud-provider', 'gpc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: unknown cloud provider "gpc" (--cloud-provider)');
    expect(result.stderr).toContain('fix: use one of: local, aws, gcp');
  });

  it('a misspelt key is a warning at its line, as config validate shows it', async () => {
    const { projectDir } = makeProject('tasks:\n  - name: t\n    commands:\n      - command: "true"\ndeploy:\n  cloud_provider: local\n  resource_group: rg\n  task: tt\n  regoin: x\n');
    const result = await runWith({ HANDOFF_HOME: makeTempDir('handoff-home-') }, ['cloud', 'bucket', 'status', '-p', projectDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('/project.yml:9:3: deploy.regoin: unknown key "regoin" is ignored (did you mean "region"?)');
  });

  it('files get with an unknown source, and run with an unknown target', async () => {
    const files = await runWith({}, ['files', 'get', 'remote', '-w', makeTempDir()]);
    expect(files.code).toBe(2);
    expect(files.stderr).toContain('unknown files source "remote"');
    const run = await runWith({}, ['run', 'cloud', '-w', makeTempDir()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown run target "cloud"');
  });
});
