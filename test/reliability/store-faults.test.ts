// Faults around the store (the local provider's folder): runs racing on a workspace, folders that became files, huge
// artifacts, killed fetches and pushes. The built CLI runs as a subprocess against a real HANDOFF_HOME.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, makeProject, makeTempDir, processesWithMarker, repoRoot, runCli, waitFor } from '../helpers/cli.js';
import { listFiles, runHandoff } from './fault-helpers.js';

const TASK = 'ingest';
const BUCKET_DIR = (home: string): string => path.join(home, 'buckets', 'handoff-dev-rg', TASK);

/**
 * A Singer-like task whose target echoes one state: `{"at": "<time>"}`, written only once `gate` exists, so a test can
 * hold the run in the middle. Each run's state is new, so a state that came from somewhere else shows.
 */
function makeGatedProject(gate: string): { projectDir: string; workspaceDir: string; root: string } {
  const made = makeProject(
    `tasks:
  - name: work
    pipeline:
      - command: sh
        args: files/tap.sh
      - command: cat
deploy:
  cloud_provider: local
  resource_group: rg
  task: ${TASK}
`,
    {
      'files/tap.sh': `while [ ! -e ${gate} ]; do sleep 0.05; done
echo "{\\"at\\": \\"$(date +%s%N)\\"}"
`,
    },
  );
  return { ...made, root: path.dirname(made.projectDir) };
}

async function setUpStore(projectDir: string, home: string): Promise<void> {
  for (const args of [['cloud', 'bucket', 'create'], ['project', 'push', '-y']]) {
    const result = await runCli([...args, '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(result.code, result.stderr).toBe(0);
  }
}

describe('the workspace of `handoff run` is locked from the fetch to the last push', () => {
  it('a second run (or artifacts get) on a workspace in use is refused before it writes there; the first run saves and pushes its own state', async () => {
    const root = makeTempDir();
    const gate = path.join(root, 'gate');
    const { projectDir } = makeGatedProject(gate);
    const home = path.join(root, 'home');
    await setUpStore(projectDir, home);
    // A previous run's state and stdout log in the store.
    fs.writeFileSync(gate, '');
    const first = await runCli(['run', '-e', 'resource_group=rg', `task=${TASK}`, '-w', path.join(root, 'ws0'), '-a'], { env: { HANDOFF_HOME: home } });
    expect(first.code, first.stderr).toBe(0);
    fs.rmSync(gate);
    const storedState = fs.readFileSync(path.join(BUCKET_DIR(home), 'artifacts', 'last', 'state.json'), 'utf8');

    const workspaceDir = path.join(root, 'ws');
    const env = { HANDOFF_HOME: home };
    const running = runHandoff(['run', '-e', 'resource_group=rg', `task=${TASK}`, '-w', workspaceDir, '-a'], { env });
    // The run is in its pipeline (its tap waits at the gate).
    await waitFor(() => fs.existsSync(path.join(workspaceDir, 'runs')) && fs.readdirSync(path.join(workspaceDir, 'runs')).some((f) => f.endsWith('.json')), 30_000);
    for (const args of [['run'], ['artifacts', 'get'], ['files', 'get'], ['config', 'get']]) {
      const second = await runCli([...args, '-e', 'resource_group=rg', `task=${TASK}`, '-w', workspaceDir], { env });
      expect(second.code, `${args.join(' ')}: ${second.stderr}`).toBe(2);
      expect(second.stderr).toContain(`the workspace ${workspaceDir} is in use by another handoff`);
    }
    fs.writeFileSync(gate, '');
    const result = await running;
    expect(result.code, result.stderr).toBe(0);

    const emitted = fs.readFileSync(path.join(workspaceDir, 'artifacts', 'work_stdout.log'), 'utf8');
    const saved = fs.readFileSync(path.join(workspaceDir, 'artifacts', 'state.json'), 'utf8');
    expect(JSON.parse(saved)).toEqual(JSON.parse(emitted));
    expect(saved).not.toBe(storedState);
    // What the store holds now is this run's state, not the one the store had before.
    expect(fs.readFileSync(path.join(BUCKET_DIR(home), 'artifacts', 'last', 'state.json'), 'utf8')).toBe(saved);
    expect(fs.existsSync(path.join(workspaceDir, '.handoff.lock'))).toBe(false);
  }, 120_000);
});

describe('a file that became a folder (or the reverse) since the last push', () => {
  it('files push and artifacts push replace the stored file or folder instead of failing, and say so', async () => {
    const root = makeTempDir();
    const { projectDir } = makeGatedProject(path.join(root, 'gate'));
    const home = path.join(root, 'home');
    await setUpStore(projectDir, home);
    const env = { HANDOFF_HOME: home };
    const files = path.join(projectDir, 'files');
    fs.writeFileSync(path.join(files, 'conf'), 'a file\n');
    fs.mkdirSync(path.join(files, 'lookup'));
    fs.writeFileSync(path.join(files, 'lookup', 'x.csv'), 'a,b\n');
    expect((await runCli(['files', 'push', '-p', projectDir], { env })).code).toBe(0);

    fs.rmSync(path.join(files, 'conf'));
    fs.mkdirSync(path.join(files, 'conf'));
    fs.writeFileSync(path.join(files, 'conf', 'main.ini'), 'now a folder\n');
    fs.rmSync(path.join(files, 'lookup'), { recursive: true });
    fs.writeFileSync(path.join(files, 'lookup'), 'now a file\n');
    const pushed = await runCli(['files', 'push', '-p', projectDir], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).not.toContain('This is a bug');
    expect(pushed.stderr).toContain('replaced the stored file');
    const stored = path.join(BUCKET_DIR(home), 'files');
    expect(fs.readFileSync(path.join(stored, 'conf', 'main.ini'), 'utf8')).toBe('now a folder\n');
    expect(fs.readFileSync(path.join(stored, 'lookup'), 'utf8')).toBe('now a file\n');
    expect(listFiles(stored).filter((f) => f.endsWith('.handoff-tmp'))).toEqual([]);

    // A run fetches exactly that layout.
    const workspaceDir = path.join(root, 'ws');
    const fetched = await runCli(['files', 'get', '-e', 'resource_group=rg', `task=${TASK}`, '-w', workspaceDir], { env });
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'files', 'conf', 'main.ini'), 'utf8')).toBe('now a folder\n');
  }, 60_000);
});

describe('a fetch killed half-way', () => {
  it('leaves the previous copy whole, and the next command removes what the killed one left', async () => {
    const root = makeTempDir();
    const { projectDir } = makeGatedProject(path.join(root, 'gate'));
    const home = path.join(root, 'home');
    // Many files, so the fetch takes long enough to be killed in the middle.
    for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(projectDir, 'files', `f${i}.txt`), `file ${i}\n`);
    await setUpStore(projectDir, home);
    // A TMPDIR of its own: the stored files/ are fetched (and checked) there first, then moved into W/.handoff at once.
    const tmp = path.join(root, 'tmp');
    fs.mkdirSync(tmp);
    const env = { HANDOFF_HOME: home, TMPDIR: tmp };
    const workspaceDir = path.join(root, 'ws');
    const target = ['-e', 'resource_group=rg', `task=${TASK}`, '-w', workspaceDir];
    expect((await runCli(['files', 'get', ...target], { env })).code).toBe(0);
    const copy = path.join(workspaceDir, '.handoff', 'project');
    const before = listFiles(copy).length;
    const staged = (): string[] => fs.readdirSync(tmp).filter((n) => n.startsWith('handoff-stored-files-'));

    // SIGKILL once the new files are being fetched.
    const killed = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [cliPath, 'files', 'get', ...target], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: 'ignore' });
      const timer = setInterval(() => {
        const [folder] = staged();
        if (folder !== undefined && listFiles(path.join(tmp, folder)).length > 50) child.kill('SIGKILL');
      }, 5);
      child.on('exit', (code) => {
        clearInterval(timer);
        resolve(code);
      });
    });
    expect(killed).toBeNull();
    expect(staged()).toHaveLength(1);
    expect(listFiles(copy).length).toBe(before);
    // What a fetch killed after the move left beside the copy: the replaced copy it had not finished removing.
    const deadPid = 2 ** 22 + 17; // above Linux's pid_max: never alive
    fs.mkdirSync(path.join(path.dirname(copy), `project.old-${deadPid}`, 'files'), { recursive: true });
    // The killed one's staging folder, a day later (a live owner's, or a recent one, may be in use: kept until then).
    const dayAgo = (Date.now() - 25 * 3600 * 1000) / 1000;
    fs.utimesSync(path.join(tmp, staged()[0]!), dayAgo, dayAgo);

    const again = await runCli(['files', 'get', ...target], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(fs.readdirSync(path.dirname(copy)).filter((n) => n.startsWith('project.'))).toEqual([]);
    expect(staged()).toEqual([]);
    expect(listFiles(copy).length).toBe(before);
  }, 120_000);
});

describe('SIGTERM while `handoff run` pushes to the store (a container being stopped)', () => {
  it('stops after the current upload with exit 143 and says so; the run record is in the store already, no temp file left', async () => {
    const root = makeTempDir();
    const { projectDir } = makeProject(
      `tasks:
  - name: many
    commands:
      - command: sh
        args: files/many.sh
deploy:
  cloud_provider: local
  resource_group: rg
  task: ${TASK}
`,
      { 'files/many.sh': 'mkdir -p artifacts/out\nfor i in $(seq 1 3000); do echo $i > artifacts/out/f$i.txt; done\n' },
    );
    const home = path.join(root, 'home');
    await setUpStore(projectDir, home);
    const workspaceDir = path.join(root, 'ws');
    let runId = '';
    const run = await runHandoff(['run', '-e', 'resource_group=rg', `task=${TASK}`, '-w', workspaceDir, '-a'], {
      env: { HANDOFF_HOME: home },
      during: (child) =>
        new Promise<void>((resolve) => {
          let seen = '';
          child.stderr?.on('data', (d: Buffer) => {
            seen += d.toString();
            const done = /Run (\S+) (succeeded|failed)/.exec(seen);
            if (done && !runId) {
              runId = done[1]!;
              child.kill('SIGTERM');
              resolve();
            }
          });
        }),
    });
    expect(runId).not.toBe('');
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(143);
    expect(run.stderr).toContain('Received SIGTERM while pushing to the store: stopping after the current upload');
    const stored = BUCKET_DIR(home);
    const record = JSON.parse(fs.readFileSync(path.join(stored, 'runs', `${runId}.json`), 'utf8')) as { status: string };
    expect(record.status).toBe('succeeded');
    const pushed = listFiles(path.join(stored, 'artifacts')).filter((f) => f.includes('/out/'));
    expect(pushed.length).toBeLessThan(3000);
    expect(listFiles(stored).filter((f) => f.endsWith('.handoff-tmp'))).toEqual([]);
    expect(fs.existsSync(path.join(workspaceDir, '.handoff.lock'))).toBe(false);
    // Nothing is lost: the workspace still holds every artifact, and a push afterwards completes the store.
    const again = await runCli(['artifacts', 'push', '-e', 'resource_group=rg', `task=${TASK}`, '-w', workspaceDir], { env: { HANDOFF_HOME: home } });
    expect(again.code, again.stderr).toBe(0);
    expect(listFiles(path.join(stored, 'artifacts', 'last', 'out')).length).toBe(3000);
  }, 120_000);
});

describe('a signal while handoff runs a program of its own (the $(…) of __VARS, podman for container build and push)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s ends the program too, one deaf to SIGTERM after the grace period, and handoff dies of the signal', async (signal) => {
    const root = makeTempDir();
    const { projectDir } = makeGatedProject(path.join(root, 'gate'));
    const home = path.join(root, 'home');
    await setUpStore(projectDir, home);
    const marker = `vars-${signal}-${process.pid}-${Date.now()}`;
    // Evaluated before anything is fetched; the program is in a process group of its own, away from handoff's.
    const vars = `x=$(sh -c 'trap "" TERM; echo started > ${root}/started; sleep 30')`;
    const run = await runHandoff(['run', '-e', 'resource_group=rg', `task=${TASK}`, '-w', path.join(root, 'ws')], {
      marker,
      env: { HANDOFF_HOME: home, __VARS: vars, HANDOFF_GRACE_SECONDS: '1' },
      during: async (child) => {
        await waitFor(() => fs.existsSync(path.join(root, 'started')), 20_000);
        expect(processesWithMarker(marker).length).toBeGreaterThan(1);
        child.kill(signal);
      },
    });
    expect(run.signal, run.stderr).toBe(signal);
    // handoff waited the grace period, then SIGKILLed the group: nothing is left once it is gone.
    expect(processesWithMarker(marker)).toEqual([]);
  }, 60_000);
});

describe('symbolic links in the workspace that a fetch would write through', () => {
  it('artifacts get replaces a link (a subfolder, or artifacts/ itself) to a folder outside the workspace by a real folder, says so, and writes nothing outside', async () => {
    const root = makeTempDir();
    const { projectDir } = makeGatedProject(path.join(root, 'gate'));
    const home = path.join(root, 'home');
    await setUpStore(projectDir, home);
    const env = { HANDOFF_HOME: home };
    const source = path.join(root, 'ws0');
    fs.mkdirSync(path.join(source, 'artifacts', 'out'), { recursive: true });
    fs.writeFileSync(path.join(source, 'artifacts', 'out', 'x.txt'), 'from the store\n');
    fs.writeFileSync(path.join(source, 'artifacts', 'state.json'), '{"n": 1}\n');
    expect((await runCli(['artifacts', 'push', '-p', projectDir, '-w', source], { env })).code).toBe(0);

    const outside = path.join(root, 'outside');
    fs.mkdirSync(outside);
    // A task of an earlier run left artifacts/out as a link out of the workspace; another workspace's artifacts/ is one.
    const linked = path.join(root, 'ws1');
    fs.mkdirSync(path.join(linked, 'artifacts'), { recursive: true });
    fs.symlinkSync(outside, path.join(linked, 'artifacts', 'out'));
    const whole = path.join(root, 'ws2');
    fs.mkdirSync(whole);
    fs.symlinkSync(outside, path.join(whole, 'artifacts'));
    for (const workspaceDir of [linked, whole]) {
      const got = await runCli(['artifacts', 'get', '-e', 'resource_group=rg', `task=${TASK}`, '-w', workspaceDir], { env });
      expect(got.code, got.stderr).toBe(0);
      expect(got.stderr).toContain('replaced the symbolic link');
      expect(fs.lstatSync(path.join(workspaceDir, 'artifacts')).isDirectory()).toBe(true);
      expect(fs.lstatSync(path.join(workspaceDir, 'artifacts', 'out')).isDirectory()).toBe(true);
      expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'out', 'x.txt'), 'utf8')).toBe('from the store\n');
      expect(fs.readdirSync(outside)).toEqual([]);
    }
  }, 60_000);
});

describe('a broken project.yml in the store', () => {
  it('handoff run and files get say it is the copy fetched from the store and that the fix goes into the project, pushed again (exit 2, located)', async () => {
    const root = makeTempDir();
    const { projectDir } = makeGatedProject(path.join(root, 'gate'));
    const home = path.join(root, 'home');
    await setUpStore(projectDir, home);
    // Someone (or another tool) wrote the stored copy; the project folder itself is fine.
    fs.writeFileSync(path.join(BUCKET_DIR(home), 'project.yml'), 'tasks:\n  - name: [unclosed\n');
    const workspaceDir = path.join(root, 'ws');
    for (const args of [['run'], ['files', 'get']]) {
      const result = await runCli([...args, '-e', 'resource_group=rg', `task=${TASK}`, '-w', workspaceDir], { env: { HANDOFF_HOME: home } });
      expect(result.code, result.stderr).toBe(2);
      // Both check the stored file before they make anything in the workspace (test/store/stored-copy-refused-first.test.ts).
      const copy = path.join(BUCKET_DIR(home), 'project.yml');
      expect(fs.existsSync(path.join(workspaceDir, '.handoff', 'project'))).toBe(false);
      expect(result.stderr).toContain(`error: ${copy} is not valid YAML`);
      expect(result.stderr).toContain(`(the copy fetched from the store ${BUCKET_DIR(home)}, replaced at every run)`);
      expect(result.stderr).toMatch(new RegExp(`${copy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1: `));
      expect(result.stderr).toContain('in the project folder, not in the copy; then push it again: handoff project push -p <project>');
      expect(result.stderr).not.toContain('This is a bug');
      expect(fs.existsSync(path.join(workspaceDir, 'runs')) ? fs.readdirSync(path.join(workspaceDir, 'runs')) : []).toEqual([]);
    }
  }, 60_000);

  it('a stored copy refused by its structure lists its template syntax errors too, from handoff run and files get', async () => {
    const root = makeTempDir();
    const { projectDir } = makeGatedProject(path.join(root, 'gate'));
    const home = path.join(root, 'home');
    await setUpStore(projectDir, home);
    // Task "c" misspells commands (structure) and task a's args do not close their {{ (template syntax, line 5).
    fs.writeFileSync(path.join(BUCKET_DIR(home), 'project.yml'), 'tasks:\n  - name: a\n    commands:\n      - command: echo\n        args: "{{ foo"\n  - name: c\n    comands:\n      - command: echo c\n');
    const workspaceDir = path.join(root, 'ws');
    for (const args of [['run'], ['files', 'get']]) {
      const result = await runCli([...args, '-e', 'resource_group=rg', `task=${TASK}`, '-w', workspaceDir], { env: { HANDOFF_HOME: home } });
      expect(result.code, result.stderr).toBe(2);
      const copy = path.join(BUCKET_DIR(home), 'project.yml');
      expect(result.stderr, args.join(' ')).toContain(`error: ${copy} has 2 problems`);
      expect(result.stderr, args.join(' ')).toContain(`${copy}:5:15: tasks[0].commands[0].args: expected variable end`);
      expect(result.stderr, args.join(' ')).toContain(`${copy}:6:5: tasks[1]: task "c" has none of`);
      expect(result.stderr, args.join(' ')).toContain(`(the copy fetched from the store ${BUCKET_DIR(home)}, replaced at every run)`);
      expect(fs.existsSync(path.join(workspaceDir, 'runs')) ? fs.readdirSync(path.join(workspaceDir, 'runs')) : [], args.join(' ')).toEqual([]);
    }
  }, 60_000);
});
