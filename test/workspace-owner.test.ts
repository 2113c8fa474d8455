// A workspace is handoff's and one project's: a folder it never made keeps its files/ and venv-named folders, and a
// workspace of one project does not silently feed another project its Singer state.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cliPath, makeProject, makeTempDir, runCli, waitFor } from './helpers/cli.js';
import { startTeamUi, startUi, stopUis } from './helpers/ui-process.js';

afterAll(stopUis);

const rates = (currency: string): string => `tasks:\n- name: t\n  commands:\n  - command: "echo ${currency} >> artifacts/seen.txt; echo {{ _stage }} >> artifacts/stages.txt"\n`;
const ONE_TASK = 'tasks:\n- name: t\n  commands:\n  - command: cat files/text.txt\n';

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('a folder handoff did not make', () => {
  it('keeps its own files/: a run in it is refused with exit 2 and nothing is removed or made', async () => {
    const { projectDir } = makeProject(ONE_TASK, { 'files/text.txt': 'hello\n' });
    const home = makeTempDir();
    fs.mkdirSync(path.join(home, 'files', 'thesis'), { recursive: true });
    fs.writeFileSync(path.join(home, 'files', 'thesis', 'chapter1.txt'), 'precious\n');
    fs.mkdirSync(path.join(home, 'artifacts'));
    fs.writeFileSync(path.join(home, 'artifacts', 'notes.txt'), 'keep\n');
    // handoff's own home (~/.handoff, the local store) is no sign of a workspace.
    fs.mkdirSync(path.join(home, '.handoff', 'buckets'), { recursive: true });
    const before = listFiles(home);

    for (const args of [['run', 'local', '-p', projectDir, '-w', home], ['workspace', 'init', '-w', home], ['files', 'get', 'local', '-p', projectDir, '-w', home]]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${path.join(home, 'files')} holds files handoff did not write (files/thesis/chapter1.txt)`);
      expect(r.stderr).toContain('fix: use an empty or new folder for the workspace');
    }
    expect(listFiles(home)).toEqual(before);
    expect(fs.existsSync(path.join(home, 'runs'))).toBe(false);
  });

  it('upgrades workspaces of earlier handoffs: one with runs/, and one of the original holding only its render of this project', async () => {
    const { projectDir } = makeProject(ONE_TASK, { 'files/text.txt': 'hello\n' });
    const older = makeTempDir();
    fs.mkdirSync(path.join(older, 'runs'));
    fs.mkdirSync(path.join(older, 'files'));
    fs.writeFileSync(path.join(older, 'files', 'retired.sql'), 'select 1\n');
    const r1 = await runCli(['run', 'local', '-p', projectDir, '-w', older]);
    expect(r1.code, r1.stderr).toBe(0);
    // Its render is handoff's: what files/ no longer has is removed, as before.
    expect(listFiles(path.join(older, 'files'))).toEqual(['text.txt']);

    const original = makeTempDir();
    fs.mkdirSync(path.join(original, 'files'));
    fs.mkdirSync(path.join(original, 'artifacts'));
    fs.writeFileSync(path.join(original, 'files', 'text.txt'), 'hello from an old render\n');
    const r2 = await runCli(['run', 'local', '-p', projectDir, '-w', original]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(fs.readFileSync(path.join(original, 'files', 'text.txt'), 'utf8')).toBe('hello\n');
    // Now marked as handoff's: a file the project does not have is handoff's to remove at the next run.
    fs.writeFileSync(path.join(original, 'files', 'left-by-a-command.txt'), 'x\n');
    const r3 = await runCli(['run', 'local', '-p', projectDir, '-w', original]);
    expect(r3.code, r3.stderr).toBe(0);
    expect(listFiles(path.join(original, 'files'))).toEqual(['text.txt']);
  });

  it("never makes a venv inside, nor with --force deletes, a folder of the user's named like the venv", async () => {
    const { projectDir } = makeProject('installs:\n- venv: tap\n  command: "true"\n' + ONE_TASK.replace('cat files/text.txt', 'echo hi'));
    const home = makeTempDir();
    fs.mkdirSync(path.join(home, 'tap'));
    fs.writeFileSync(path.join(home, 'tap', 'notes.txt'), 'mine\n');
    for (const extra of [[], ['--force']]) {
      const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', home, ...extra], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${path.join(home, 'tap')} (venv tap, installs[0].venv) is a folder that is not a venv`);
      expect(fs.readdirSync(path.join(home, 'tap'))).toEqual(['notes.txt']);
    }
  }, 180_000);
});

describe('a workspace of one project', () => {

  it('refuses a run of another project (exit 2, naming both) until its mark is removed', async () => {
    const a = makeProject(rates('USD'));
    const b = makeProject(rates('EUR'));
    const ws = a.workspaceDir;
    const first = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws]);
    expect(first.code, first.stderr).toBe(0);
    fs.writeFileSync(path.join(ws, 'artifacts', 'state.json'), '{"bookmarks":{"usd":"2024-02-29"}}');

    const other = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws]);
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toContain(`the workspace ${ws} belongs to project ${fs.realpathSync(a.projectDir)}`);
    expect(other.stderr).toContain(`this run is of project ${fs.realpathSync(b.projectDir)}`);
    expect(other.stderr).toContain(`fix: use a workspace per project`);
    expect(other.stderr).toContain(path.join(ws, '.handoff', 'owner.json'));
    // Nothing ran, nothing was recorded.
    expect(fs.readFileSync(path.join(ws, 'artifacts', 'seen.txt'), 'utf8')).toBe('USD\n');
    expect(fs.readdirSync(path.join(ws, 'runs')).filter((n) => n.endsWith('.json'))).toHaveLength(1);
    const dry = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws, '--dry-run']);
    expect(dry.code).toBe(2);

    // The way on the fix names: the workspace is handed over.
    fs.rmSync(path.join(ws, '.handoff', 'owner.json'));
    const handedOver = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws]);
    expect(handedOver.code, handedOver.stderr).toBe(0);
    expect(fs.readFileSync(path.join(ws, 'artifacts', 'seen.txt'), 'utf8')).toBe('USD\nEUR\n');
    const backToA = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws]);
    expect(backToA.code).toBe(2);
  });

  it('is still handed over by removing owner.json when an earlier handoff recorded its owner', async () => {
    const a = makeProject(rates('USD'));
    const b = makeProject(rates('EUR'));
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    // As the handoff before this one left it: the owner record and the mark, nothing else in .handoff.
    for (const name of fs.readdirSync(path.join(ws, '.handoff'))) if (name !== 'owner.json' && name !== 'workspace.json') fs.rmSync(path.join(ws, '.handoff', name));
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    fs.rmSync(path.join(ws, '.handoff', 'owner.json'));
    const handedOver = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws]);
    expect(handedOver.code, handedOver.stderr).toBe(0);
  });

  it('follows its project when the project folder is moved, with a warning', async () => {
    const a = makeProject(rates('USD'));
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    const moved = `${a.projectDir}-renamed`;
    fs.renameSync(a.projectDir, moved);
    const r = await runCli(['run', 'local', '-p', moved, '-w', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`belonged to project ${fs.realpathSync(path.dirname(moved))}${path.sep}project, which holds no project.yml now`);
    // The mark follows: no warning the next time.
    const again = await runCli(['run', 'local', '-p', moved, '-w', ws]);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('holds no project.yml now');
  });

  it('warns when another stage of the project resumes from the Singer state of the stage run there before', async () => {
    const a = makeProject(rates('USD'));
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    fs.writeFileSync(path.join(ws, 'artifacts', 'state.json'), '{}');
    const prod = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws, '-s', 'prod']);
    expect(prod.code, prod.stderr).toBe(0);
    expect(prod.stderr).toContain('the last run in this workspace was of stage dev: this run of stage prod resumes from its Singer state');
    const prodAgain = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws, '-s', 'prod']);
    expect(prodAgain.stderr).not.toContain('resumes from its Singer state');
  });
});

describe('every command that writes into a workspace', () => {
  const storeYml = (task: string): string =>
    `tasks:\n- name: t\n  commands:\n  - command: "cat files/text.txt >> artifacts/seen.txt; echo '{\\"from\\":\\"${task}\\"}' > artifacts/state.json"\n` +
    `deploy:\n  cloud_provider: local\n  resource_group: owner-test\n  task: ${task}\n`;

  it("refuses another project's workspace with the run's rule and message, and writes nothing there", async () => {
    const home = makeTempDir('handoff-home-');
    const env = { HANDOFF_HOME: home };
    const a = makeProject(storeYml('a-task'), { 'files/text.txt': 'A\n' });
    const b = makeProject(storeYml('b-task'), { 'files/text.txt': 'B\n' });
    const ws = a.workspaceDir;
    // B has a store (its project, files and artifacts) that a command could fetch into A's workspace.
    for (const args of [['cloud', 'bucket', 'create', '-p', b.projectDir], ['project', 'push', '-p', b.projectDir, '-y'], ['run', 'local', '-p', b.projectDir, '-w', b.workspaceDir, '-a']]) {
      const r = await runCli(args, { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const first = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws], { env });
    expect(first.code, first.stderr).toBe(0);
    const before = Object.fromEntries(listFiles(ws).filter((f) => !f.startsWith('runs/') && f !== '.handoff/project-cache.json').map((f) => [f, fs.readFileSync(path.join(ws, f), 'utf8')]));
    const bTarget = ['-e', 'resource_group=owner-test', 'task=b-task'];
    const commands = [
      ['workspace', 'install', '-p', b.projectDir, '-w', ws],
      ['workspace', 'init', '-p', b.projectDir, '-w', ws],
      ['files', 'get', 'local', '-p', b.projectDir, '-w', ws],
      ['files', 'get', '-p', b.projectDir, '-w', ws],
      ['artifacts', 'get', '-p', b.projectDir, '-w', ws],
      ['artifacts', 'get', '-w', ws, ...bTarget],
      ['config', 'get', '-w', ws, ...bTarget],
      ['run', '-w', ws, ...bTarget],
      ['run', '--dry-run', '-w', ws, ...bTarget],
      ['run', 'local', '-a', '-p', b.projectDir, '-w', ws],
      // Reads W, but would put A's Singer state into B's store, where B's next run would resume from it.
      ['artifacts', 'push', '-p', b.projectDir, '-w', ws],
      ['artifacts', 'push', '-w', ws, ...bTarget],
    ];
    for (const args of commands) {
      const r = await runCli(args, { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(`the workspace ${ws} belongs to project ${fs.realpathSync(a.projectDir)} (a-task)`);
      expect(r.stderr, args.join(' ')).toContain(args.includes('-p') ? `project ${fs.realpathSync(b.projectDir)} (b-task)` : 'project b-task (');
      expect(r.stderr, args.join(' ')).toContain('fix: use a workspace per project');
    }
    const after = Object.fromEntries(listFiles(ws).filter((f) => !f.startsWith('runs/') && f !== '.handoff/project-cache.json').map((f) => [f, fs.readFileSync(path.join(ws, f), 'utf8')]));
    expect(after).toEqual(before);
    expect(fs.readFileSync(path.join(ws, 'artifacts', 'state.json'), 'utf8')).toBe('{"from":"a-task"}\n');
    expect(fs.readFileSync(path.join(home, 'buckets', 'handoff-dev-owner-test', 'b-task', 'artifacts', 'last', 'state.json'), 'utf8')).toBe('{"from":"b-task"}\n');
    // A's own commands and the store copy of A's task still work there.
    const own = await runCli(['files', 'get', 'local', '-p', a.projectDir, '-w', ws], { env });
    expect(own.code, own.stderr).toBe(0);
  }, 300_000);

  it('checks the owner under the workspace lock: a run that passed its checks before another project took the workspace is refused', async () => {
    const a = makeProject(rates('USD'));
    // B's secret is read from a FIFO: its run stops there, after its early checks and before the lock, until it is written.
    const b = makeProject(rates('EUR').replace('tasks:', 'envs:\n- key: TOKEN\ntasks:'), { '.secrets/dev_secrets.yml': '- key: TOKEN\n  file: token\n' });
    const ws = a.workspaceDir;
    const fifo = path.join(b.projectDir, '.secrets', 'token');
    execFileSync('mkfifo', [fifo]);
    const bRun = runCli(['run', 'local', '-p', b.projectDir, '-w', ws]);
    // B has passed the owner check of a fresh workspace once it opens the FIFO: only then can a writer open it.
    let writer: number | undefined;
    await waitFor(() => {
      try {
        writer = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        return true;
      } catch {
        return false;
      }
    }, 60_000);
    const aRun = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws]);
    expect(aRun.code, aRun.stderr).toBe(0);
    fs.writeSync(writer!, 'token-value-123');
    fs.closeSync(writer!);
    const r = await bRun;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`the workspace ${ws} belongs to project ${fs.realpathSync(a.projectDir)}`);
    expect(fs.readFileSync(path.join(ws, 'artifacts', 'seen.txt'), 'utf8')).toBe('USD\n');
    expect(JSON.parse(fs.readFileSync(path.join(ws, '.handoff', 'owner.json'), 'utf8')).project.dir).toBe(fs.realpathSync(a.projectDir));
  }, 120_000);

  it("takes the owner of an earlier handoff's workspace (no owner record) from its run records", async () => {
    const a = makeProject(rates('USD'));
    const b = makeProject(rates('EUR'));
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    // As an earlier handoff left it: runs/ with A's records, no mark, no owner record.
    fs.rmSync(path.join(ws, '.handoff'), { recursive: true });
    for (const args of [['run', 'local', '-p', b.projectDir, '-w', ws], ['workspace', 'install', '-p', b.projectDir, '-w', ws]]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`the workspace ${ws} belongs to project ${fs.realpathSync(a.projectDir)}`);
      expect(r.stderr).toContain('its run records');
    }
    expect(fs.readFileSync(path.join(ws, 'artifacts', 'seen.txt'), 'utf8')).toBe('USD\n');
    // The project its records name adopts it, with no word; the other stage is warned about as in an owned workspace.
    fs.writeFileSync(path.join(ws, 'artifacts', 'state.json'), '{}');
    const prod = await runCli(['run', 'local', '-p', a.projectDir, '-w', ws, '-s', 'prod']);
    expect(prod.code, prod.stderr).toBe(0);
    expect(prod.stderr).toContain('the last run in this workspace was of stage dev');
    expect(JSON.parse(fs.readFileSync(path.join(ws, '.handoff', 'owner.json'), 'utf8')).project.dir).toBe(fs.realpathSync(a.projectDir));
    // Handing it over as the refusal's fix says still works once the owner is recorded.
    fs.rmSync(path.join(ws, '.handoff', 'owner.json'));
    const handedOver = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws]);
    expect(handedOver.code, handedOver.stderr).toBe(0);
  }, 120_000);
});

describe('a command that reads a workspace', () => {
  // A Singer pair: the tap's STATE names its project, the target echoes it (as a target does), and the run records it.
  const singer = (name: string): ReturnType<typeof makeProject> =>
    makeProject('tasks:\n- name: sync\n  pipeline:\n  - command: sh files/tap.sh\n  - command: sh files/target.sh\n', {
      'files/tap.sh': `echo '{"type": "STATE", "value": {"from": "${name}"}}'\n`,
      'files/target.sh': `sed -n 's/.*"value": //; s/}$//p' | tail -n 1\n`,
    });
  const warning = (ws: string, owner: string): string => `the workspace ${ws} belongs to project ${fs.realpathSync(owner)}`;
  const count = (text: string, part: string): number => text.split(part).length - 1;

  it("warns once when -p names another project; `runs state --restore` and `runs prune` (which write there) are refused", async () => {
    const a = singer('A');
    const b = singer('B');
    const ws = a.workspaceDir;
    for (let i = 0; i < 2; i++) expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    const state = path.join(ws, 'artifacts', 'state.json');
    expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toEqual({ from: 'A' });
    fs.writeFileSync(state, '{"from": "A, edited"}');
    const [latest] = JSON.parse((await runCli(['runs', 'list', '-w', ws, '--json'])).stdout) as Array<{ runId: string }>;

    for (const args of [['runs', 'list'], ['runs', 'show', 'latest'], ['runs', 'logs', 'latest'], ['runs', 'state', 'latest']]) {
      const r = await runCli([...args, '-p', b.projectDir, '-w', ws, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(count(r.stderr, warning(ws, a.projectDir)), `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(`not to project ${fs.realpathSync(b.projectDir)}`);
      expect(r.stdout).not.toContain('belongs to');
      if (args[1] !== 'logs') JSON.parse(r.stdout);
      // The owner's own -p, and no -p, say nothing.
      for (const own of [['-p', a.projectDir], []]) {
        const quiet = await runCli([...args, ...own, '-w', ws]);
        expect(quiet.code, quiet.stderr).toBe(0);
        expect(quiet.stderr).not.toContain('belongs to');
      }
    }

    for (const args of [['runs', 'state', latest.runId, '--restore'], ['runs', 'prune', '--keep', '0', '-y']]) {
      const r = await runCli([...args, '-p', b.projectDir, '-w', ws]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(warning(ws, a.projectDir));
      expect(r.stderr).toContain(`\`${args.slice(0, 2).join(' ')}${args[1] === 'state' ? ' --restore' : ''}\` is for project ${fs.realpathSync(b.projectDir)}`);
      expect(r.stderr).toContain('nothing was written');
      expect(r.stderr).toContain('fix: use a workspace per project');
    }
    expect(fs.readFileSync(state, 'utf8')).toBe('{"from": "A, edited"}');
    expect(fs.readdirSync(path.join(ws, 'runs')).filter((n) => n.endsWith('.json'))).toHaveLength(2);
    // The owner's restore still goes ahead.
    const own = await runCli(['runs', 'state', latest.runId, '--restore', '-p', a.projectDir, '-w', ws]);
    expect(own.code, own.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toEqual({ from: 'A' });
  }, 180_000);

  it('`runs state --restore` refuses the record of a run of another project than the owner (a history of before the hand-over)', async () => {
    const a = singer('A');
    const b = singer('B');
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    const [ofA] = JSON.parse((await runCli(['runs', 'list', '-w', ws, '--json'])).stdout) as Array<{ runId: string }>;
    // Handed over to B as the refusal's fix says: A's records stay in the history.
    fs.rmSync(path.join(ws, '.handoff', 'owner.json'));
    expect((await runCli(['run', 'local', '-p', b.projectDir, '-w', ws])).code).toBe(0);
    const state = path.join(ws, 'artifacts', 'state.json');
    expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toEqual({ from: 'B' });
    for (const own of [[], ['-p', b.projectDir]]) {
      const r = await runCli(['runs', 'state', ofA.runId, '--restore', '-w', ws, ...own]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`run ${ofA.runId} is of project ${fs.realpathSync(a.projectDir)}`);
      expect(r.stderr).toContain(`the workspace ${ws} belongs to project ${fs.realpathSync(b.projectDir)}`);
      expect(r.stderr).toContain('nothing was written');
    }
    expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toEqual({ from: 'B' });
    // Its state can still be read, and B's own records restored.
    const read = await runCli(['runs', 'state', ofA.runId, '-w', ws]);
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toEqual({ from: 'A' });
    fs.writeFileSync(state, '{}');
    const restored = await runCli(['runs', 'state', 'latest', '--restore', '-w', ws]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(state, 'utf8'))).toEqual({ from: 'B' });
  }, 180_000);

  it("`ui -p B` on A's workspace warns once at its start", async () => {
    const a = singer('A');
    const b = singer('B');
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    const ui = await startUi(['-p', b.projectDir, '-w', ws, '--port', '0', '--json']);
    await waitFor(() => ui.stderr().includes('Serving the UI'), 30_000);
    expect(count(ui.stderr(), warning(ws, a.projectDir)), ui.stderr()).toBe(1);
    expect(ui.stdout()).not.toContain('belongs to');
    const own = await startUi(['-p', a.projectDir, '-w', ws, '--port', '0']);
    await waitFor(() => own.stderr().includes('Serving the UI'), 30_000);
    expect(own.stderr()).not.toContain('belongs to');
  }, 120_000);

  it("`ui serve` (the team server) with -p B on A's workspace, or a ui.yml project on another's workspace, warns once at its start", async () => {
    const a = singer('A');
    const b = singer('B');
    const ws = a.workspaceDir;
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    const audit = ['--audit-log', path.join(makeTempDir(), 'audit.jsonl')];
    const team = await startTeamUi(['-p', b.projectDir, '-w', ws, '--port', '0', ...audit]);
    await waitFor(() => team.stderr().includes('Serving 1 project'), 30_000);
    expect(count(team.stderr(), warning(ws, a.projectDir)), team.stderr()).toBe(1);
    expect(team.stderr()).toContain('(-p)');
    expect(team.stdout()).not.toContain('belongs to');
    const own = await startTeamUi(['-p', a.projectDir, '-w', ws, '--port', '0', ...audit]);
    await waitFor(() => own.stderr().includes('Serving 1 project'), 30_000);
    expect(own.stderr()).not.toContain('belongs to');
    // ui.yml: the entry that names B with A's workspace is warned about by its id and keys; an entry of its own is not.
    const root = makeTempDir();
    fs.writeFileSync(path.join(root, 'ui.yml'), `listen: 127.0.0.1:0\nprojects:\n  - id: right\n    project: ${a.projectDir}\n    workspace: ${makeTempDir()}\n  - id: wrong\n    project: ${b.projectDir}\n    workspace: ${ws}\n`);
    const fromYml = await startTeamUi(['--config', path.join(root, 'ui.yml')]);
    await waitFor(() => fromYml.stderr().includes('Serving 2 projects'), 30_000);
    expect(count(fromYml.stderr(), warning(ws, a.projectDir)), fromYml.stderr()).toBe(1);
    expect(fromYml.stderr()).toContain('ui.yml project "wrong"');
    expect(fromYml.stderr()).not.toContain('(-p)');
  }, 120_000);
});

describe('workspace init -p', () => {
  it('records its project as the owner: the next command of another project there is refused', async () => {
    const a = makeProject(rates('USD'));
    const b = makeProject(rates('EUR'));
    const ws = a.workspaceDir;
    const init = await runCli(['workspace', 'init', '-p', a.projectDir, '-w', ws]);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(ws, '.handoff', 'owner.json'), 'utf8')).project.dir).toBe(fs.realpathSync(a.projectDir));
    const other = await runCli(['run', 'local', '-p', b.projectDir, '-w', ws]);
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toContain(`the workspace ${ws} belongs to project ${fs.realpathSync(a.projectDir)}`);
    expect(fs.existsSync(path.join(ws, 'artifacts', 'seen.txt'))).toBe(false);
    expect((await runCli(['run', 'local', '-p', a.projectDir, '-w', ws])).code).toBe(0);
    // Without -p, init records no one.
    const plain = makeTempDir();
    expect((await runCli(['workspace', 'init', '-w', plain])).code).toBe(0);
    expect(fs.existsSync(path.join(plain, '.handoff', 'owner.json'))).toBe(false);
  }, 120_000);
});

describe('a workspace another user made', () => {
  const isRoot = process.getuid?.() === 0;
  const hasRunuser = isRoot && spawnSync('runuser', ['--help']).status === 0;

  it.runIf(hasRunuser)("runs, with a warning, when its .handoff is another user's and the owner cannot be recorded", async () => {
    // Its own folder under /tmp: a user other than root must reach the project and the workspace.
    const root = fs.mkdtempSync(path.join('/tmp', 'handoff-owner-uid-'));
    try {
      fs.chmodSync(root, 0o777);
      const projectDir = path.join(root, 'project');
      fs.mkdirSync(projectDir, { mode: 0o755 });
      fs.writeFileSync(path.join(projectDir, 'project.yml'), rates('USD'), { mode: 0o644 });
      const ws = path.join(root, 'workspace');
      expect((await runCli(['run', 'local', '-p', projectDir, '-w', ws])).code).toBe(0);
      fs.writeFileSync(path.join(ws, 'artifacts', 'state.json'), '{}');
      // Shared as a volume often is: the workspace's folders writable by all, handoff's own folder left root's.
      for (const f of listFiles(ws).map((f) => path.join(ws, f)).concat(ws)) if (!f.includes(`${path.sep}.handoff`)) fs.chmodSync(f, fs.statSync(f).isDirectory() ? 0o777 : 0o666);
      for (const d of fs.readdirSync(ws, { recursive: true }) as string[]) if (!d.startsWith('.handoff') && fs.statSync(path.join(ws, d)).isDirectory()) fs.chmodSync(path.join(ws, d), 0o777);
      const home = path.join(root, 'home');
      fs.mkdirSync(home, { mode: 0o777 });
      const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, cliPath, 'run', 'local', '-p', projectDir, '-w', ws, '-s', 'prod'], { encoding: 'utf8', env: { ...process.env, HOME: home } });
      expect(r.stderr).not.toContain('This is a bug');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`could not record the owner of the workspace ${ws}`);
      expect(fs.readFileSync(path.join(ws, 'artifacts', 'seen.txt'), 'utf8')).toBe('USD\nUSD\n');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
