// The local provider end to end: push a project to HANDOFF_HOME, delete the copy, run it from the store twice.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliPath, makeTempDir, waitFor } from '../helpers/cli.js';
import { DB_PASSWORD, expectNoSecretIn, JINJA_SECRET, makeStoreProject, readJsonFiles, RESOURCE_GROUP, runWith, TASK, TOKEN } from './store-scenario.js';

describe('local provider: project push, then run from the store', () => {
  const home = makeTempDir('handoff-home-');
  const env = { HANDOFF_HOME: home };
  const bucketDir = path.join(home, 'buckets', `handoff-dev-${RESOURCE_GROUP}`);
  const taskDir = path.join(bucketDir, TASK);
  const target = ['-e', `resource_group=${RESOURCE_GROUP}`, `task=${TASK}`];
  let consoleText = '';

  beforeAll(async () => {
    const { projectDir, root } = makeStoreProject();
    const created = await runWith(env, ['cloud', 'bucket', 'create', '-p', projectDir]);
    expect(created.code, created.stderr).toBe(0);
    expect(parse(created.stdout)).toMatchObject({ action: 'created', location: bucketDir });
    const pushed = await runWith(env, ['project', 'push', '-p', projectDir, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    consoleText += pushed.stdout + pushed.stderr;
    // The project exists only in the store from here on.
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('stores project.yml, files and secrets in the S3/SSM layout, secrets as 0600 files with {{ }} escaped', () => {
    expect(fs.existsSync(path.join(taskDir, 'project.yml'))).toBe(true);
    expect(fs.readdirSync(path.join(taskDir, 'files')).sort()).toEqual(['config.ini', 'hello.sh', 'work.sh']);
    const taskSecret = path.join(home, 'parameters', 'handoff', `dev-${RESOURCE_GROUP}`, TASK, 'API_TOKEN');
    const groupSecret = path.join(home, 'parameters', 'handoff', `dev-${RESOURCE_GROUP}`, 'db_password');
    expect(fs.readFileSync(taskSecret, 'utf8')).toBe(TOKEN);
    expect(fs.readFileSync(groupSecret, 'utf8')).toBe(DB_PASSWORD);
    expect(fs.statSync(taskSecret).mode & 0o777).toBe(0o600);
    expect(fs.statSync(groupSecret).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(path.dirname(taskSecret), 'jinja_secret'), 'utf8')).toBe('left \\{\\{ braces \\}\\} right');
    // push: false secrets never leave the machine's project folder.
    expect(fs.existsSync(path.join(path.dirname(taskSecret), 'local_only'))).toBe(false);
  });

  it('runs from the store with -a: files rendered with stored secrets, __VARS evaluated, artifacts pushed and archived', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    const run = await runWith({ ...env, __VARS: 'start=$(echo 2024-01-0$((1 + 1))) label="two words"' }, ['run', '-w', workspace, ...target, '-a']);
    consoleText += run.stdout + run.stderr;
    expect(run.code, run.stderr).toBe(0);
    const config = fs.readFileSync(path.join(workspace, 'files', 'config.ini'), 'utf8');
    expect(config).toBe(`password=${DB_PASSWORD}\njinja=${JINJA_SECRET}\nstage=dev\n`);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'vars.txt'), 'utf8')).toBe('start=2024-01-02 label=two words\n');
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'hello.txt'), 'utf8')).toBe('hello from an executable\n');
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'state.json'), 'utf8').trim()).toBe('{"runs": 1}');
    expect(fs.readFileSync(path.join(taskDir, 'artifacts', 'last', 'state.json'), 'utf8').trim()).toBe('{"runs": 1}');
    const archives = fs.readdirSync(path.join(taskDir, 'artifacts', 'archives'));
    expect(archives).toHaveLength(1);
    expect(archives[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(fs.readdirSync(path.join(taskDir, 'artifacts', 'archives', archives[0]))).toContain('vars.txt');
    // The run record went to <task>/runs/<run_id>.json, the same one the workspace holds.
    const storedRuns = fs.readdirSync(path.join(taskDir, 'runs'));
    expect(storedRuns).toEqual(fs.readdirSync(path.join(workspace, 'runs')).filter((n) => n.endsWith('.json')));
    expectNoSecretIn(readJsonFiles(path.join(taskDir, 'runs')));
    expect(run.stderr).toContain('debug token=***');
  });

  it('a second run in a fresh workspace sees the first run\'s artifacts/state.json; __VARS from -e; -v wins over it', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    // -e pairs other than the store's names become the run's environment, as a container's envs would; __VARS too.
    const run = await runWith(env, ['run', '-w', workspace, ...target, '-a', '-e', '__VARS="start=2020-01-01 label=x"', '-v', 'label=from-cli']);
    consoleText += run.stdout + run.stderr;
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'state.json'), 'utf8').trim()).toBe('{"runs": 2}');
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'vars.txt'), 'utf8')).toBe('start=2020-01-01 label=from-cli\n');
    expect(fs.readdirSync(path.join(taskDir, 'artifacts', 'archives'))).toHaveLength(2);
    expect(fs.readdirSync(path.join(taskDir, 'runs'))).toHaveLength(2);
  });

  it('run --dry-run prints the stored project\'s plan and runs nothing', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    const dry = await runWith(env, ['run', '--dry-run', '-w', workspace, ...target, '-v', 'start=s', 'label=l']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`Run plan of ${path.join(taskDir, 'project.yml')} (stage dev); nothing is run:`);
    expect(dry.stdout).toContain('task work:');
    // The last artifacts were fetched, but nothing ran: the state is the stored one and there is no run record.
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'state.json'), 'utf8').trim()).toBe('{"runs": 2}');
    expect(fs.readdirSync(path.join(workspace, 'runs'))).toEqual([]);
  });

  it('run --dry-run refuses a broken template in the stored files/ as the run would, said to be the store\'s copy to fix and push again', async () => {
    const broken = path.join(taskDir, 'files', 'broken.txt');
    fs.writeFileSync(broken, 'line1\nline2 {{ x \n');
    try {
      const workspace = path.join(makeTempDir(), 'ws');
      const dry = await runWith(env, ['run', '--dry-run', '-w', workspace, ...target, '-v', 'start=s', 'label=l']);
      expect(dry.code, dry.stderr).toBe(2);
      expect(dry.stderr).toMatch(/files\/broken\.txt at line 3/);
      // The file to fix is the project's, pushed again: the fetched copy is replaced at every run.
      expect(dry.stderr).toContain('(the copy fetched from the store');
      expect(dry.stderr).toContain('then push it again: handoff project push');
      expect(dry.stdout).not.toContain('Run plan');
      expect(fs.existsSync(path.join(workspace, 'files', 'broken.txt'))).toBe(false);
      const run = await runWith(env, ['run', '-w', workspace, ...target, '-v', 'start=s', 'label=l']);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/files\/broken\.txt at line 3.*\(the copy fetched from the store/);
      const got = await runWith(env, ['files', 'get', '-w', workspace, ...target]);
      expect(got.code, got.stderr).toBe(2);
      expect(got.stderr).toMatch(/files\/broken\.txt at line 3.*\(the copy fetched from the store/);
    } finally {
      fs.rmSync(broken);
    }
  });

  it('a template problem in the stored project is located at its line, and said to be in the fetched copy', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    const refused = await runWith(env, ['run', '--strict', '-w', workspace, ...target]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/project\.yml:11:\d+: tasks\[0\]\.commands\[1\]\.args: undefined variables "start", "label"/);
    expect(refused.stderr).toContain('(the copy fetched from the store');
    expect(fs.readdirSync(path.join(workspace, 'runs'))).toEqual([]);
  });

  it('secrets print masks values unless --reveal, and says where each lives', async () => {
    const masked = await runWith(env, ['secrets', 'print', ...target, '--json']);
    expect(masked.code, masked.stderr).toBe(0);
    const list = JSON.parse(masked.stdout) as { key: string; level: string; where: string; value: string }[];
    expect(list.map((s) => [s.key, s.level]).sort()).toEqual([
      ['API_TOKEN', 'task'],
      ['db_password', 'resource group'],
      ['jinja_secret', 'task'],
    ]);
    expect(list.every((s) => s.value === '***')).toBe(true);
    expect(list.find((s) => s.key === 'db_password')?.where).toBe(path.join(home, 'parameters', 'handoff', `dev-${RESOURCE_GROUP}`, 'db_password'));
    consoleText += masked.stdout + masked.stderr;
    const revealed = await runWith(env, ['secrets', 'print', ...target, '--reveal']);
    expect(parse(revealed.stdout)).toContainEqual(expect.objectContaining({ key: 'jinja_secret', value: JINJA_SECRET }));
  });

  it('never printed a secret value, except through secrets print --reveal', () => {
    expectNoSecretIn(consoleText);
  });

  it('config print/get/delete, files delete, artifacts get/archive/delete, project delete and bucket status/delete', async () => {
    const printed = await runWith(env, ['config', 'print', ...target, '--json']);
    expect(JSON.parse(printed.stdout)).toMatchObject({ deploy: { task: TASK } });
    const workspace = path.join(makeTempDir(), 'ws');
    const got = await runWith(env, ['config', 'get', '-w', workspace, ...target]);
    expect(got.code, got.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, '.handoff', 'project', 'project.yml'), 'utf8')).toContain(`task: ${TASK}`);

    const artifacts = await runWith(env, ['artifacts', 'get', '-w', workspace, ...target]);
    expect(artifacts.code, artifacts.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 'state.json'), 'utf8').trim()).toBe('{"runs": 2}');
    fs.writeFileSync(path.join(workspace, 'artifacts', 'extra.txt'), 'pushed by hand\n');
    expect((await runWith(env, ['artifacts', 'push', '-w', workspace, ...target])).code).toBe(0);
    expect(fs.readFileSync(path.join(taskDir, 'artifacts', 'last', 'extra.txt'), 'utf8')).toBe('pushed by hand\n');
    expect((await runWith(env, ['artifacts', 'archive', ...target])).code).toBe(0);
    expect(fs.readdirSync(path.join(taskDir, 'artifacts', 'archives'))).toHaveLength(3);
    expect((await runWith(env, ['artifacts', 'delete', ...target])).code).toBe(0);
    expect(fs.existsSync(path.join(taskDir, 'artifacts', 'last'))).toBe(false);

    expect((await runWith(env, ['files', 'delete', ...target])).code).toBe(0);
    expect(fs.existsSync(path.join(taskDir, 'files'))).toBe(false);
    expect((await runWith(env, ['config', 'delete', ...target])).code).toBe(0);
    expect(fs.existsSync(path.join(taskDir, 'project.yml'))).toBe(false);

    const deleted = await runWith(env, ['project', 'delete', ...target, '-y']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(fs.existsSync(path.join(home, 'parameters', 'handoff', `dev-${RESOURCE_GROUP}`, TASK))).toBe(false);
    // Resource-group secrets are shared by other tasks: project delete leaves them, and says so.
    expect(fs.existsSync(path.join(home, 'parameters', 'handoff', `dev-${RESOURCE_GROUP}`, 'db_password'))).toBe(true);
    expect(deleted.stderr).toContain("Kept the resource group's 1 secret: `handoff secrets delete -p <project>` removes them");
    expect(parse(deleted.stdout)).toMatchObject({ resource_group_secrets_kept: 1 });

    const status = await runWith(env, ['cloud', 'bucket', 'status', ...target, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ exists: true, location: bucketDir });
    // Archives and run records are still there, so the bucket is retained, as the AWS stack retains its bucket.
    const kept = await runWith(env, ['cloud', 'bucket', 'delete', ...target]);
    expect(parse(kept.stdout)).toMatchObject({ action: 'retained' });
    expect(fs.existsSync(bucketDir)).toBe(true);
  });
});

describe('files get local and files get', () => {
  it('renders P/files with local secrets, or the stored files with stored secrets, into W/files', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir, workspaceDir } = makeStoreProject();
    const local = await runWith({ HANDOFF_HOME: home }, ['files', 'get', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(local.code, local.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'files', 'config.ini'), 'utf8')).toContain(`password=${DB_PASSWORD}`);
    expectNoSecretIn(local.stdout + local.stderr);

    expect((await runWith({ HANDOFF_HOME: home }, ['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    expect((await runWith({ HANDOFF_HOME: home }, ['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    const workspace2 = path.join(makeTempDir(), 'ws');
    const remote = await runWith({ HANDOFF_HOME: home }, ['files', 'get', '-w', workspace2, '-p', projectDir]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace2, 'files', 'config.ini'), 'utf8')).toBe(`password=${DB_PASSWORD}\njinja=${JINJA_SECRET}\nstage=dev\n`);
  });
});

describe('stages: only the resource group carries the stage prefix', () => {
  it('prod pushes to handoff-<rg>/<task>/ and runs from there; dev keys use the same bare task name', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir } = makeStoreProject();
    fs.copyFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), path.join(projectDir, '.secrets', 'secrets.yml'));
    for (const stage of ['prod', 'dev']) {
      expect((await runWith({ HANDOFF_HOME: home }, ['cloud', 'bucket', 'create', '-p', projectDir, '-s', stage])).code).toBe(0);
      const pushed = await runWith({ HANDOFF_HOME: home }, ['project', 'push', '-p', projectDir, '-s', stage, '-y']);
      expect(pushed.code, pushed.stderr).toBe(0);
    }
    expect(fs.existsSync(path.join(home, 'buckets', `handoff-${RESOURCE_GROUP}`, TASK, 'project.yml'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'buckets', `handoff-dev-${RESOURCE_GROUP}`, TASK, 'project.yml'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'parameters', 'handoff', RESOURCE_GROUP, TASK, 'API_TOKEN'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'parameters', 'handoff', `dev-${RESOURCE_GROUP}`, TASK, 'API_TOKEN'))).toBe(true);
    const workspace = path.join(makeTempDir(), 'ws');
    const run = await runWith({ HANDOFF_HOME: home }, ['run', '-s', 'prod', '-w', workspace, '-p', projectDir, '-a', '-v', 'start=s', 'label=l']);
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspace, 'files', 'config.ini'), 'utf8')).toContain('stage=\n');
    expect(fs.existsSync(path.join(home, 'buckets', `handoff-${RESOURCE_GROUP}`, TASK, 'artifacts', 'last', 'state.json'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'buckets', `handoff-dev-${RESOURCE_GROUP}`, TASK, 'artifacts'))).toBe(false);
  });
});

describe('files push and project push mirror files/', () => {
  it('remove from the store a file deleted from the project, so runs from the store no longer find it', async () => {
    const home = makeTempDir('handoff-home-');
    const env = { HANDOFF_HOME: home };
    const { projectDir } = makeStoreProject();
    const filesDir = path.join(home, 'buckets', `handoff-dev-${RESOURCE_GROUP}`, TASK, 'files');
    expect((await runWith(env, ['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    expect((await runWith(env, ['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    expect(fs.readdirSync(filesDir).sort()).toEqual(['config.ini', 'hello.sh', 'work.sh']);

    fs.rmSync(path.join(projectDir, 'files', 'hello.sh'));
    const pushed = await runWith(env, ['files', 'push', '-p', projectDir]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain('removed a stored file no longer in');
    expect(parse(pushed.stdout)).toMatchObject({ pushed: { count: 2, removed: 1 } });
    expect(fs.readdirSync(filesDir).sort()).toEqual(['config.ini', 'work.sh']);

    fs.rmSync(path.join(projectDir, 'files', 'work.sh'));
    expect((await runWith(env, ['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    expect(fs.readdirSync(filesDir)).toEqual(['config.ini']);
  });
});

describe('an interrupted push', () => {
  it('stops after the current upload, says what the store holds and to push again, and exits 143', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir } = makeStoreProject();
    for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(projectDir, 'files', `part_${i}.txt`), `${i}\n`);
    const filesDir = path.join(home, 'buckets', `handoff-dev-${RESOURCE_GROUP}`, TASK, 'files');
    expect((await runWith({ HANDOFF_HOME: home }, ['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    const child = spawn(process.execPath, [cliPath, 'files', 'push', '-p', projectDir], { env: { ...process.env, HANDOFF_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => fs.existsSync(filesDir) && fs.readdirSync(filesDir).length > 20);
    child.kill('SIGTERM');
    const exit = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(exit, stderr).toBe(143);
    expect(stderr).toContain('Received SIGTERM while pushing files/ of');
    expect(stderr).toContain('was interrupted by SIGTERM: the store holds part of it');
    expect(stderr).toContain('fix: push again');
    expect(fs.readdirSync(filesDir).length).toBeLessThan(3003);
  });
});
