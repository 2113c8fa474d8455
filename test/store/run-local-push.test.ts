// `run local -a`: after the run, the record and the artifacts go to the store named by the project's deploy keys.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir } from '../helpers/cli.js';
import { runRecorded } from '../helpers/module-recorder.js';
import { runWith } from './store-scenario.js';

const RG = 'push-local';
const TASK = 'job';

/** A project that writes an artifact, copies the workspace lock's holder, then succeeds or fails. */
function pushProject(opts: { fail?: boolean; deploy?: string } = {}): { projectDir: string; workspaceDir: string } {
  const deploy = opts.deploy ?? `deploy:\n  cloud_provider: local\n  resource_group: ${RG}\n  task: ${TASK}\n`;
  return makeProject(`version: 0.3
tasks:
  - name: work
    commands:
      - command: sh
        args: -c "echo made > artifacts/out.txt; cat .handoff.lock > artifacts/lock.txt; echo said"
${opts.fail ? '      - command: sh\n        args: -c "exit 3"\n' : ''}${deploy}`);
}

async function createBucket(home: string, projectDir: string): Promise<string> {
  const created = await runWith({ HANDOFF_HOME: home }, ['cloud', 'bucket', 'create', '-p', projectDir]);
  expect(created.code, created.stderr).toBe(0);
  return path.join(home, 'buckets', `handoff-dev-${RG}`, TASK);
}

function recordsOf(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort() : [];
}

describe('run local -a (local store under HANDOFF_HOME)', () => {
  it('a succeeded run pushes its record and artifacts, archives them, holding the workspace lock throughout', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir, workspaceDir } = pushProject();
    const taskDir = await createBucket(home, projectDir);
    const run = await runWith({ HANDOFF_HOME: home }, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a']);
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(taskDir, 'artifacts', 'last', 'out.txt'), 'utf8')).toBe('made\n');
    expect(fs.readFileSync(path.join(taskDir, 'artifacts', 'last', 'work_stdout.log'), 'utf8')).toContain('said');
    const archives = fs.readdirSync(path.join(taskDir, 'artifacts', 'archives'));
    expect(archives).toHaveLength(1);
    expect(fs.readdirSync(path.join(taskDir, 'artifacts', 'archives', archives[0]))).toContain('out.txt');
    const records = recordsOf(path.join(taskDir, 'runs'));
    expect(records).toHaveLength(1);
    expect(records).toEqual(recordsOf(path.join(workspaceDir, 'runs')));
    // The lock the run ran under is the one taken for the push too (taken before the run, released after the push).
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'lock.txt'), 'utf8')).toContain(' -a');
    expect(fs.existsSync(path.join(workspaceDir, '.handoff.lock'))).toBe(false);
    expect(run.stderr).toMatch(/Pushed 1 run record and \d+ artifacts to .*, archived them to /);
  });

  it('a failed run pushes its artifacts when deploy.push_artifacts_on_fail is unset, and exits 1', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir, workspaceDir } = pushProject({ fail: true });
    const taskDir = await createBucket(home, projectDir);
    const run = await runWith({ HANDOFF_HOME: home }, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a']);
    expect(run.code, run.stderr).toBe(1);
    expect(fs.readFileSync(path.join(taskDir, 'artifacts', 'last', 'out.txt'), 'utf8')).toBe('made\n');
    expect(fs.readdirSync(path.join(taskDir, 'artifacts', 'archives'))).toHaveLength(1);
    expect(recordsOf(path.join(taskDir, 'runs'))).toHaveLength(1);
  });

  it('a failed run with deploy.push_artifacts_on_fail: false pushes its record only', async () => {
    const home = makeTempDir('handoff-home-');
    const deploy = `deploy:\n  cloud_provider: local\n  resource_group: ${RG}\n  task: ${TASK}\n  push_artifacts_on_fail: false\n`;
    const { projectDir, workspaceDir } = pushProject({ fail: true, deploy });
    const taskDir = await createBucket(home, projectDir);
    const run = await runWith({ HANDOFF_HOME: home }, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('deploy.push_artifacts_on_fail is false: artifacts were not pushed');
    expect(fs.existsSync(path.join(taskDir, 'artifacts'))).toBe(false);
    const records = recordsOf(path.join(taskDir, 'runs'));
    expect(records).toHaveLength(1);
    expect(records).toEqual(recordsOf(path.join(workspaceDir, 'runs')));
  });

  it("pushes only this project's and this stage's records: not a prod run's, not another project's in the same workspace", async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir, workspaceDir } = pushProject();
    const taskDir = await createBucket(home, projectDir);
    const other = makeProject('tasks:\n  - name: other\n    commands:\n      - command: echo other\n');
    // Same workspace, none pushed: a dev run of this project, a prod run of it, and a run of another project.
    const runLocal = (dir: string, env: Record<string, string> = {}) => runWith({ HANDOFF_HOME: home, ...env }, ['run', 'local', '-p', dir, '-w', workspaceDir]);
    expect((await runLocal(projectDir)).code).toBe(0);
    expect((await runLocal(projectDir, { HO_STAGE: 'prod' })).code).toBe(0);
    // A workspace belongs to one project (W/.handoff/owner.json): another project's run is refused unless the
    // workspace is handed over, as README says; it is handed over and back, as one shared before that rule would be.
    const owner = path.join(workspaceDir, '.handoff', 'owner.json');
    expect((await runLocal(other.projectDir)).code).toBe(2);
    fs.rmSync(owner);
    expect((await runLocal(other.projectDir)).code).toBe(0);
    fs.rmSync(owner);
    const [devRun, prodRun, otherRun] = recordsOf(path.join(workspaceDir, 'runs'));
    // A record that cannot be read says neither whose nor which stage: it is not pushed either.
    fs.writeFileSync(path.join(workspaceDir, 'runs', '29991231T000000.000Z-aaaa.json'), '{"schema": 1, "runId": "2999');

    const run = await runWith({ HANDOFF_HOME: home }, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a']);
    expect(run.code, run.stderr).toBe(0);
    const current = recordsOf(path.join(workspaceDir, 'runs')).filter((n) => ![devRun, prodRun, otherRun].includes(n) && !n.startsWith('2999'));
    expect(recordsOf(path.join(taskDir, 'runs'))).toEqual([devRun, ...current]);
    expect(run.stderr).toMatch(/Pushed 2 run records and \d+ artifacts/);
    expect(run.stderr).toContain(`3 run records in ${path.join(workspaceDir, 'runs')} were not pushed: they are other stages' or projects' runs, or cannot be read`);
  });

  it('handoff run -a pushes the records of run local -p of the same project in its workspace, and run local -a those of handoff run', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir, workspaceDir } = pushProject();
    const taskDir = await createBucket(home, projectDir);
    expect((await runWith({ HANDOFF_HOME: home }, ['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    const runsDir = path.join(workspaceDir, 'runs');
    const fromStore = ['run', '-e', `resource_group=${RG}`, `task=${TASK}`, '-w', workspaceDir];
    // Run from the project's folder, not pushed; then from the store (its copy in W/.handoff/project) with -a.
    expect((await runWith({ HANDOFF_HOME: home }, ['run', 'local', '-p', projectDir, '-w', workspaceDir])).code).toBe(0);
    const stored = await runWith({ HANDOFF_HOME: home }, [...fromStore, '-a']);
    expect(stored.code, stored.stderr).toBe(0);
    expect(recordsOf(runsDir)).toHaveLength(2);
    expect(recordsOf(path.join(taskDir, 'runs'))).toEqual(recordsOf(runsDir));
    expect(stored.stderr).toMatch(/Pushed 2 run records and \d+ artifacts/);
    // The other way round: a run from the store not pushed, then run local -p … -a.
    expect((await runWith({ HANDOFF_HOME: home }, fromStore)).code).toBe(0);
    const local = await runWith({ HANDOFF_HOME: home }, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a']);
    expect(local.code, local.stderr).toBe(0);
    expect(recordsOf(runsDir)).toHaveLength(4);
    expect(recordsOf(path.join(taskDir, 'runs'))).toEqual(recordsOf(runsDir));
    expect(local.stderr).not.toMatch(/not pushed/);
  });

  it('without -a nothing is pushed', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir, workspaceDir } = pushProject();
    const taskDir = await createBucket(home, projectDir);
    const run = await runWith({ HANDOFF_HOME: home }, ['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(taskDir, 'artifacts'))).toBe(false);
    expect(fs.existsSync(path.join(taskDir, 'runs'))).toBe(false);
  });

  it('loads the store code only with -a (run local start-up is benchmarked)', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir, workspaceDir } = pushProject();
    await createBucket(home, projectDir);
    // Text of the push's signal handling, as it stands in the bundle.
    const storeCode = (files: string[]): string[] =>
      files.filter((f) => /while pushing to the store/.test(fs.readFileSync(f, 'utf8')));
    const plain = await runRecorded(['run', 'local', '-p', projectDir, '-w', workspaceDir], { HANDOFF_HOME: home });
    expect(plain.code, plain.stderr).toBe(0);
    expect(storeCode(plain.loaded)).toEqual([]);
    const pushing = await runRecorded(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a'], { HANDOFF_HOME: home });
    expect(pushing.code, pushing.stderr).toBe(0);
    expect(storeCode(pushing.loaded).length).toBeGreaterThan(0);
  });

  const usableDeploy = `deploy:\n  cloud_provider: local\n  resource_group: ${RG}\n  task: ${TASK}\n`;
  const unusable: [string, string, Record<string, string>, RegExp, string[]?][] = [
    ['no deploy keys', '', {}, /deploy\.resource_group is not set/],
    // Found before an hour's run, not at its push (the local bucket is a folder under HANDOFF_HOME; none is created).
    ['a bucket that does not exist', usableDeploy, {}, /the local bucket .*handoff-dev-push-local does not exist .*bucket create/s],
    ['an unknown provider', usableDeploy, {}, /unknown cloud provider "nimbus" \(--cloud-provider\)/, ['--cloud-provider', 'nimbus']],
    [
      'AWS without credentials',
      `deploy:\n  cloud_provider: aws\n  resource_group: ${RG}\n  task: ${TASK}\n`,
      {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent/aws-config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      },
      /credential/i,
    ],
  ];
  for (const [what, deploy, env, message, extra = []] of unusable) {
    it(`-a with ${what} is refused with exit 2 before anything runs`, async () => {
      const home = makeTempDir('handoff-home-');
      const { projectDir, workspaceDir } = pushProject({ deploy });
      const run = await runWith({ HANDOFF_HOME: home, ...env }, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a', ...extra]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/fix|add|set|configure|use one of/i);
      // Nothing ran and nothing was written: no workspace, no store.
      expect(fs.existsSync(workspaceDir)).toBe(false);
      expect(fs.readdirSync(home)).toEqual([]);
    });
  }
});
