// workspace init/install through the CLI: venvs created once, skipped while unchanged, redone on change or --force.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, makeProject, newMarker, processesWithMarker, runCli, waitFor } from './helpers/cli.js';

describe('workspace', () => {
  it('init creates the folders; install fingerprints each venv and honours --force', async () => {
    const { projectDir, workspaceDir } = makeProject(`
installs:
- venv: tool
  command: echo "installed in $VIRTUAL_ENV" >> install-log.txt && python -c "import sys; print(sys.prefix)" >> install-log.txt
tasks:
- name: use
  commands:
  - command: python -c "import sys; print(sys.prefix)"
    venv: tool
`);
    const init = await runCli(['workspace', 'init', '-w', workspaceDir]);
    expect(init.code).toBe(0);
    for (const dir of ['files', 'artifacts', 'runs']) expect(fs.existsSync(path.join(workspaceDir, dir))).toBe(true);

    const install = (extra: string[] = []) => runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir, ...extra], { timeoutMs: 120_000 });
    const first = await install();
    expect(first.code, first.stderr).toBe(0);
    const venv = path.join(workspaceDir, 'tool');
    const log = (): string[] => fs.readFileSync(path.join(workspaceDir, 'install-log.txt'), 'utf8').trim().split('\n');
    // The install command ran inside the venv: VIRTUAL_ENV set and the venv's python first on PATH.
    expect(log()).toEqual([`installed in ${venv}`, venv]);

    const second = await install();
    expect(second.stderr).toContain('Skipping venv tool');
    expect(log()).toHaveLength(2);

    const forced = await install(['--force']);
    expect(forced.stderr).toContain('Creating venv tool');
    expect(log()).toHaveLength(4);

    fs.writeFileSync(path.join(projectDir, 'project.yml'), fs.readFileSync(path.join(projectDir, 'project.yml'), 'utf8').replace('echo "installed', 'echo "again installed'));
    const changed = await install();
    expect(changed.stderr).toContain('Installing venv tool');
    expect(log()[4]).toBe(`again installed in ${venv}`);

    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'use_stdout.log'), 'utf8').trim()).toBe(venv);
  }, 180_000);

  it('recreates a venv whose creation was interrupted, instead of installing into the global Python through it', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n- venv: v1\n  command: command -v pip > pip-used.txt\ntasks:\n- name: a\n  commands:\n  - command: echo a\n');
    // What Ctrl-C during `python -m venv` leaves: the interpreter linked in, no pip and no activate scripts yet.
    const bin = path.join(workspaceDir, 'v1', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.symlinkSync(execFileSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).trim(), path.join(bin, 'python'));
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Recreating venv v1: its creation was interrupted');
    expect(fs.existsSync(path.join(bin, 'activate'))).toBe(true);
    expect(fs.readFileSync(path.join(workspaceDir, 'pip-used.txt'), 'utf8').trim()).toBe(path.join(bin, 'pip'));
  }, 180_000);

  it('recreates a venv that is not where it was made (a moved or copied workspace), whose pip would be the global one or the old workspace\'s', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n- venv: v\n  command: command -v pip > pip-used.txt\ntasks:\n- name: a\n  commands:\n  - command: echo a\n');
    const install = (ws: string) => runCli(['workspace', 'install', '-p', projectDir, '-w', ws], { timeoutMs: 120_000 });
    expect((await install(workspaceDir)).code).toBe(0);
    const copy = `${workspaceDir}-copy`;
    fs.cpSync(workspaceDir, copy, { recursive: true, verbatimSymlinks: true });
    const copied = await install(copy);
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stderr).toContain(`Recreating venv v: it was made at ${path.join(workspaceDir, 'v')} (the workspace was moved or copied)`);
    expect(fs.readFileSync(path.join(copy, 'pip-used.txt'), 'utf8').trim()).toBe(path.join(copy, 'v', 'bin', 'pip'));
    expect((await install(copy)).stderr).toContain('Skipping venv v');

    // A venv from before the fingerprint said where it was made, or whose install never completed: bin/activate says.
    const old = `${workspaceDir}-old`;
    const bin = path.join(old, 'v', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.symlinkSync(execFileSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).trim(), path.join(bin, 'python'));
    fs.writeFileSync(path.join(bin, 'activate'), 'VIRTUAL_ENV="/nowhere/ws/v"\nexport VIRTUAL_ENV\n');
    const moved = await install(old);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain('Recreating venv v: it was made at /nowhere/ws/v');
    expect(fs.readFileSync(path.join(old, 'pip-used.txt'), 'utf8').trim()).toBe(path.join(bin, 'pip'));
  }, 240_000);

  it('reinstalls a venv when the files/ its command names change (pip install ./files/my_tap), not for other files', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n- venv: v\n  command: cat ./files/my_tap/*.txt >> install-log.txt\ntasks:\n- name: a\n  commands:\n  - command: echo a\n', {
      'files/my_tap/version.txt': 'one\n',
      'files/config.txt': '{{ _today }}\n',
    });
    const install = () => runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 120_000 });
    const log = (): string => fs.readFileSync(path.join(workspaceDir, 'install-log.txt'), 'utf8');
    expect((await install()).code).toBe(0);
    expect((await install()).stderr).toContain('Skipping venv v: its install command, files/my_tap and Python');
    fs.writeFileSync(path.join(projectDir, 'files', 'config.txt'), 'another config\n');
    expect((await install()).stderr).toContain('Skipping venv v');
    fs.writeFileSync(path.join(projectDir, 'files', 'my_tap', 'version.txt'), 'two\n');
    const changed = await install();
    expect(changed.stderr).toContain('Installing venv v');
    expect(log()).toBe('one\ntwo\n');
    expect((await install()).stderr).toContain('Skipping venv v');
  }, 180_000);

  it('a failing install command names the entry and exits 1', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n- venv: broken\n  command: exit 7\ntasks:\n- name: a\n  commands:\n  - command: echo a\n');
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/install of venv broken failed: "exit 7" exited with code 7 \(installs\[0\]\)/);
  });

  // A plain setup.py package, as Singer taps were written: pip builds it with bdist_wheel, which needs the wheel package.
  const setupPyTap = {
    'files/tap_pkg/setup.py': "from setuptools import setup\nsetup(name='tap-demo', version='0.1', py_modules=['tap_demo'], entry_points={'console_scripts': ['tap-demo=tap_demo:main']})\n",
    'files/tap_pkg/tap_demo.py': "def main():\n    print('demo')\n",
  };
  const setupPyProject = 'installs:\n- venv: tap\n  command: pip install --no-index --no-build-isolation ./files/tap_pkg\ntasks:\n- name: a\n  commands:\n  - command: tap-demo\n    venv: tap\n';

  it('puts wheel into each venv it makes, as the original did, so a setup.py package installs without build isolation', async () => {
    const { projectDir, workspaceDir } = makeProject(setupPyProject, setupPyTap);
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Installing wheel into venv tap');
    expect(r.stderr).toContain('Successfully installed tap-demo-0.1');
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'a_stdout.log'), 'utf8')).toBe('demo\n');
  }, 240_000);

  it('warns when pip cannot get wheel, goes on, and an install that then needs it says how to fix it', async () => {
    const { projectDir, workspaceDir } = makeProject(setupPyProject, setupPyTap);
    // No index and an empty find-links folder: pip can get nothing, as on a machine with no index reachable.
    const nothing = path.join(path.dirname(projectDir), 'no-wheels');
    fs.mkdirSync(nothing);
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 180_000, env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: nothing } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WARNING - could not install wheel into venv tap \(pip install wheel exited with code 1: ERROR: [^)]*wheel[^)]*\): an install that needs it/);
    expect(r.stderr).toContain("invalid command 'bdist_wheel'");
    expect(r.stderr).toMatch(/fix: its output says it needs the wheel package, which handoff could not install into this venv \(see the warning above\).* put `pip install wheel && ` before the command/);
  }, 240_000);

  it('puts wheel into a venv an older handoff made (no mark of it) before its changed commands run, without making it anew', async () => {
    // As an older handoff left it: a venv without wheel, whose fingerprint has no mark of it.
    const { projectDir, workspaceDir } = makeProject('installs:\n- venv: tap\n  command: python -c "print(1)"\ntasks:\n- name: a\n  commands:\n  - command: echo a\n', setupPyTap);
    const install = (env: Record<string, string> = {}) => runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 180_000, env });
    expect((await install()).code).toBe(0);
    const venv = path.join(workspaceDir, 'tap');
    const fingerprintFile = path.join(venv, '.handoff-install.json');
    expect(JSON.parse(fs.readFileSync(fingerprintFile, 'utf8')).wheel).toBe(true);
    execFileSync(path.join(venv, 'bin', 'python'), ['-m', 'pip', 'uninstall', '-y', '-q', 'wheel']);
    const { wheel: _mark, ...unmarked } = JSON.parse(fs.readFileSync(fingerprintFile, 'utf8'));
    fs.writeFileSync(fingerprintFile, JSON.stringify(unmarked));
    fs.writeFileSync(path.join(venv, 'kept.txt'), 'the same venv\n');
    // Unchanged, it is left alone: nothing runs in it.
    const same = await install();
    expect(same.stderr).toContain('Skipping venv tap');
    expect(same.stderr).not.toContain('Installing wheel');
    fs.writeFileSync(path.join(projectDir, 'project.yml'), setupPyProject);

    // No index reachable: the same warning as for a new venv, and the fix names it, not one from when the venv was made.
    const nothing = path.join(path.dirname(projectDir), 'no-wheels');
    fs.mkdirSync(nothing);
    const offline = await install({ PIP_NO_INDEX: '1', PIP_FIND_LINKS: nothing });
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain('Installing wheel into venv tap (its fingerprint has no mark of it');
    expect(offline.stderr).toMatch(/WARNING - could not install wheel into venv tap/);
    expect(offline.stderr).toContain('see the warning above');
    expect(offline.stderr).not.toContain('from when this one was made');

    const r = await install();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Installing wheel into venv tap (its fingerprint has no mark of it');
    expect(r.stderr).not.toContain('Creating venv tap');
    expect(r.stderr).toContain('Successfully installed tap-demo-0.1');
    expect(fs.readFileSync(path.join(venv, 'kept.txt'), 'utf8')).toBe('the same venv\n');
    expect(JSON.parse(fs.readFileSync(fingerprintFile, 'utf8')).wheel).toBe(true);
    fs.writeFileSync(path.join(projectDir, 'files', 'tap_pkg', 'tap_demo.py'), "def main():\n    print('demo 2')\n");
    // Marked now: a later change installs no wheel again.
    const later = await install();
    expect(later.code, later.stderr).toBe(0);
    expect(later.stderr).not.toContain('Installing wheel');
  }, 420_000);

  it('installs every entry of a venv that several entries share: made once, unchanged when none changed, --force redoes all', async () => {
    const yml = (second: string) => `
installs:
- venv: shared
  command: touch "$VIRTUAL_ENV/marker1" && echo one >> install-log.txt
- venv: shared
  command: ${second}
tasks:
- name: t
  commands:
  - command: ls "$VIRTUAL_ENV"
    venv: shared
`;
    const { projectDir, workspaceDir } = makeProject(yml('touch "$VIRTUAL_ENV/marker2" && echo two >> install-log.txt'));
    const install = (extra: string[] = []) => runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir, ...extra], { timeoutMs: 120_000 });
    const venv = path.join(workspaceDir, 'shared');
    const log = (): string[] => fs.readFileSync(path.join(workspaceDir, 'install-log.txt'), 'utf8').trim().split('\n');
    const markers = (): boolean[] => ['marker1', 'marker2'].map((m) => fs.existsSync(path.join(venv, m)));

    const first = await install();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr.match(/Creating venv shared/g)).toHaveLength(1);
    expect(log()).toEqual(['one', 'two']);
    expect(markers()).toEqual([true, true]);

    const second = await install();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('Skipping venv shared');
    expect(second.stderr).toContain('0 installed, 2 unchanged');
    expect(log()).toEqual(['one', 'two']);

    // --force makes the venv anew once, then runs both entries into it: the first entry's install survives.
    const forced = await install(['--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr.match(/Creating venv shared/g)).toHaveLength(1);
    expect(log()).toEqual(['one', 'two', 'one', 'two']);
    expect(markers()).toEqual([true, true]);

    // A change to one entry reinstalls the venv's entries in order, into the venv as it is.
    fs.writeFileSync(path.join(projectDir, 'project.yml'), yml('echo three >> install-log.txt'));
    const changed = await install();
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr).not.toContain('Creating venv shared');
    expect(log()).toEqual(['one', 'two', 'one', 'two', 'one', 'three']);
    expect((await install()).stderr).toContain('0 installed, 2 unchanged');
  }, 180_000);

  it('refuses two entries of one venv that name different interpreters (exit 2, before anything is made)', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n- venv: v\n  python: python3\n  command: "true"\n- venv: v\n  python: /usr/bin/python3\n  command: "true"\n');
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/project\.yml:6:\d+: installs\[1\]\.python: venv "v" is made by "python3", named at installs\[0\]\.python \(line 3\); this entry names "\/usr\/bin\/python3"/);
    expect(fs.existsSync(path.join(workspaceDir, 'v'))).toBe(false);
  });

  it('--json: init says what it created; install lists each entry as installed, unchanged or failed', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n- venv: v\n  command: "true"\n- command: echo no venv\n');
    const init = await runCli(['workspace', 'init', '-w', workspaceDir, '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout)).toEqual({ workspace: workspaceDir, created: ['', 'files', 'artifacts', 'runs'].map((d) => path.join(workspaceDir, d)) });
    expect(JSON.parse((await runCli(['workspace', 'init', '-w', workspaceDir, '--json'])).stdout)).toEqual({ workspace: workspaceDir, created: [] });

    const install = () => runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir, '--json'], { timeoutMs: 120_000 });
    const first = await install();
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      workspace: workspaceDir,
      status: 'succeeded',
      installed: 2,
      unchanged: 0,
      failed: 0,
      installs: [
        { index: 0, venv: 'v', status: 'installed' },
        { index: 1, status: 'installed' },
      ],
    });
    // Logs stay on stderr: stdout is the JSON document alone.
    expect(first.stderr).toContain('Installing venv v');
    const second = await install();
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'succeeded', installed: 1, unchanged: 1, installs: [{ index: 0, venv: 'v', status: 'unchanged' }, { index: 1, status: 'installed' }] });

    fs.writeFileSync(path.join(projectDir, 'project.yml'), 'installs:\n- venv: v\n  command: "true"\n- venv: w\n  command: exit 3\n- venv: x\n  command: "true"\n');
    const failed = await install();
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toEqual({
      workspace: workspaceDir,
      status: 'failed',
      installed: 0,
      unchanged: 1,
      failed: 1,
      installs: [
        { index: 0, venv: 'v', status: 'unchanged' },
        { index: 1, venv: 'w', status: 'failed', exitCode: 3 },
      ],
      error: 'install of venv w failed: "exit 3" exited with code 3 (installs[1])',
    });
    expect(failed.stderr).toContain('error: install of venv w failed');
  }, 180_000);

  it('reads secrets from -v secrets_dir= instead of the project\'s .secrets/', async () => {
    const { projectDir, workspaceDir } = makeProject('envs:\n- key: TOKEN\ntasks:\n- name: a\n  commands:\n  - command: test "$TOKEN" = from-elsewhere-42 && echo ok\n', {
      'elsewhere/dev_secrets.yml': '- key: TOKEN\n  value: from-elsewhere-42\n',
    });
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', `secrets_dir=${path.join(projectDir, 'elsewhere')}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'a_stdout.log'), 'utf8')).toBe('ok\n');
    expect(r.stderr).not.toContain('from-elsewhere-42');
  });
  it('renders the templates of files/ when project.yml holds none, and runs a project without templates as written', async () => {
    // The template engine is loaded only when a run can meet a template: here only files/ holds one.
    const { projectDir, workspaceDir } = makeProject(
      'version: 0.3\nvars:\n  - key: who\n    value: world\ntasks:\n  - name: show\n    commands:\n      - command: cat\n        args: files/greeting.txt\n',
      { 'files/greeting.txt': 'hello {{ who }} in {{ _stage }}\n' },
    );
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'show_stdout.log'), 'utf8')).toBe('hello world in dev\n');

    const plain = makeProject('version: 0.3\ntasks:\n  - name: say\n    commands:\n      - command: echo\n        args: "{ not a template } %}"\n');
    const plainRun = await runCli(['run', 'local', '-p', plain.projectDir, '-w', plain.workspaceDir]);
    expect(plainRun.code, plainRun.stderr).toBe(0);
    expect(fs.readFileSync(path.join(plain.workspaceDir, 'artifacts', 'say_stdout.log'), 'utf8')).toBe('{ not a template } %}\n');
  });

  it('refuses a venv that is the project folder (-p tap -w . with venv: tap) before anything is written, so --force cannot delete the project', async () => {
    const { projectDir } = makeProject('installs:\n- venv: project\n  command: echo installing\ntasks:\n- name: t\n  commands:\n  - command: echo hi\n    venv: project\n', {
      'files/data.txt': 'important\n',
      '.secrets/dev_secrets.yml': '- key: k\n  value: v\n',
    });
    const parent = path.dirname(projectDir);
    const before = fs.readdirSync(projectDir).sort();
    for (const args of [['workspace', 'install', '--force'], ['workspace', 'install'], ['run', 'local']]) {
      const r = await runCli([...args, '-p', 'project', '-w', '.'], { cwd: parent, timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`venv project (installs[0].venv) is the workspace folder ${projectDir}, which is the project folder itself`);
      expect(fs.readdirSync(projectDir).sort()).toEqual(before);
      expect(fs.existsSync(path.join(parent, 'files'))).toBe(false);
    }
    // A venv folder that holds the project is refused the same way.
    const nested = path.join(parent, 'outer', 'inner');
    fs.mkdirSync(nested, { recursive: true });
    fs.writeFileSync(path.join(nested, 'project.yml'), 'installs:\n- venv: outer\n  command: echo\ntasks:\n- name: t\n  commands:\n  - command: echo hi\n');
    const holds = await runCli(['workspace', 'install', '-p', nested, '-w', parent]);
    expect(holds.code).toBe(2);
    expect(holds.stderr).toContain(`holds the project folder ${nested}`);
    expect(fs.readdirSync(path.join(parent, 'outer'))).toEqual(['inner']);
  }, 180_000);

  it('refuses a project folder that is or lies inside the workspace\'s files/, artifacts/ or runs/ (a run would overwrite it)', async () => {
    const { workspaceDir } = makeProject('tasks: []\n');
    for (const [name, sub] of [['files', ''], ['artifacts', ''], ['runs', 'p']] as const) {
      const projectDir = path.join(workspaceDir, name, sub);
      fs.mkdirSync(path.join(projectDir, 'files'), { recursive: true });
      fs.writeFileSync(path.join(projectDir, 'project.yml'), 'tasks:\n- name: t\n  commands:\n  - command: echo hi\n');
      fs.writeFileSync(path.join(projectDir, 'files', 'a.txt'), 'a\n');
      const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${sub ? 'lies inside' : 'is'} the workspace's ${name}/ folder`);
      expect(fs.readdirSync(projectDir).sort()).toEqual(['files', 'project.yml']);
    }
  });
});

describe('workspace install interrupted', () => {
  it('SIGINT ends the install command, releases the workspace lock and exits 130, leaving no process', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n  - venv: v\n    command: echo start; sleep 30; echo done\ntasks:\n  - name: t\n    commands:\n      - command: echo hi\n');
    const marker = newMarker();
    const child = spawn(process.execPath, [cliPath, 'workspace', 'install', '-p', projectDir, '-w', workspaceDir], {
      env: { ...process.env, HANDOFF_TEST_MARKER: marker, HANDOFF_GRACE_SECONDS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => stderr.includes('[v] start'), 60_000);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    // Before: node died of the signal with no word, and W/.handoff.lock stayed behind.
    expect(code).toBe(130);
    expect(stderr).toContain('The install was interrupted by SIGINT');
    expect(fs.existsSync(path.join(workspaceDir, '.handoff.lock'))).toBe(false);
    expect(processesWithMarker(marker)).toEqual([]);
  }, 120_000);
});

describe('run local with a venv that is there but not usable as it is', () => {
  it('warns when the venv\'s last install failed, and when the workspace was moved since it was made', async () => {
    const yml = (cmd: string) => `installs:\n  - venv: v\n    command: ${cmd}\ntasks:\n  - name: t\n    commands:\n      - command: echo ran\n        venv: v\n`;
    const { projectDir, workspaceDir } = makeProject(yml('exit 3'));
    const failed = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 120_000 });
    expect(failed.code).toBe(1);
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    // Before: no word, and the run used what the failed install left.
    expect(run.stderr).toContain('venv v: its install did not complete (the last workspace install failed or was interrupted)');

    fs.writeFileSync(path.join(projectDir, 'project.yml'), yml('echo ok'));
    expect((await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 120_000 })).code).toBe(0);
    const clean = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(clean.stderr).not.toContain('venv v:');
    const moved = `${workspaceDir}-moved`;
    fs.renameSync(workspaceDir, moved);
    const after = await runCli(['run', 'local', '-p', projectDir, '-w', moved]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toContain(`venv v: it was made at ${fs.realpathSync(path.dirname(moved))}/${path.basename(workspaceDir)}/v (the workspace was moved or copied)`);
  }, 240_000);
});
