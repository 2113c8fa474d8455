// workspace install's venvs against their interpreter and their path: a venv made by another Python, ":" on PATH,
// a Python too old for venv, and an editable install from files/.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from './helpers/cli.js';
import { findOtherPython, pyenvPythons, versionOf } from './helpers/pythons.js';

const other = findOtherPython();
const python2 = pyenvPythons(/^2\.\d+\.\d+$/)[0];
const showVersion = 'python -c "import sys; print(sys.version.split()[0])"';

function tapProject(python: string | undefined, command: string): string {
  return `installs:\n- venv: tap\n${python ? `  python: ${python}\n` : ''}  command: ${command}\ntasks:\n- name: t\n  commands:\n  - command: ${showVersion}\n    venv: tap\n`;
}

describe('workspace install: the venv\'s own interpreter', () => {
  it.skipIf(!other)('remakes a venv whose last install failed when python: changed, and never fingerprints the wrong Python', async () => {
    const { projectDir, workspaceDir } = makeProject(tapProject(undefined, 'exit 3'));
    const write = (python: string | undefined, command: string) => fs.writeFileSync(path.join(projectDir, 'project.yml'), tapProject(python, command));
    const install = () => runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 180_000 });
    const log = () => fs.readFileSync(path.join(workspaceDir, 'install-log.txt'), 'utf8').trim().split('\n');

    // Fails with python3: the venv stays, without a fingerprint.
    expect((await install()).code).toBe(1);
    write(other!.file, `${showVersion} >> install-log.txt`);
    const changed = await install();
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr).toContain('Recreating venv tap: its interpreter changed');
    expect(log()).toEqual([other!.version]);
    expect((await install()).stderr).toContain('Skipping venv tap');
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe(`${other!.version}\n`);

    // A venv that has no handoff record of its interpreter (made by an older handoff, last install failed): its
    // pyvenv.cfg tells.
    write(other!.file, 'exit 4');
    expect((await install()).code).toBe(1);
    for (const name of fs.readdirSync(path.join(workspaceDir, 'tap')).filter((n) => n.startsWith('.handoff'))) fs.rmSync(path.join(workspaceDir, 'tap', name));
    write(undefined, `${showVersion} >> install-log.txt`);
    const back = await install();
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toContain('Recreating venv tap: its interpreter changed');
    expect(log()).toEqual([other!.version, versionOf('python3')]);
  }, 300_000);
});

describe('workspace install: ":" cannot be on PATH', () => {
  it('refuses a venv name with ":" at its line', async () => {
    const { projectDir } = makeProject('installs:\n- venv: "a:b"\n  command: "true"\n');
    const r = await runCli(['config', 'validate', '-p', projectDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/project\.yml:2:\d+: installs\[0\]\.venv: found the venv name "a:b".*":"/);
  });

  it('refuses a workspace whose path holds ":" before anything is made, when the project has venvs', async () => {
    const { projectDir, workspaceDir } = makeProject(tapProject(undefined, 'touch ran.txt'));
    const colon = path.join(path.dirname(workspaceDir), 'wk:1');
    for (const command of [['workspace', 'install'], ['run', 'local']]) {
      const r = await runCli([...command, '-p', projectDir, '-w', colon]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`the workspace ${colon} contains ":"`);
      expect(fs.existsSync(colon)).toBe(false);
    }
  });

  it('quotes Python\'s own words when python -m venv fails for another reason than a missing venv module', async () => {
    const { projectDir, workspaceDir } = makeProject(tapProject(undefined, 'echo ok'));
    // A file where the venv's bin/ goes: python -m venv cannot make it. (Its pyvenv.cfg makes the folder a venv's, so
    // handoff tries: a folder of the user's that is no venv is refused before python runs.)
    fs.mkdirSync(path.join(workspaceDir, 'tap'), { recursive: true });
    fs.writeFileSync(path.join(workspaceDir, 'tap', 'pyvenv.cfg'), 'home = /usr/bin\n');
    fs.writeFileSync(path.join(workspaceDir, 'tap', 'bin'), 'a file\n');
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/could not create venv tap: .* exited with code 1: Error: .*tap\/bin/);
    expect(r.stderr).not.toContain('python3-venv');
  });
});

describe('workspace install: a Python without venv', () => {
  it.skipIf(!python2)('refuses Python 2 at its line before anything is made', async () => {
    const { projectDir, workspaceDir } = makeProject(tapProject(python2, 'echo ok'));
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/project\.yml:3:\d+: installs\[0\]\.python: interpreter .* of venv tap is Python 2\.7\.\d+; workspace install needs Python 3\.4 or later/);
    expect(fs.existsSync(workspaceDir)).toBe(false);
  });
});

describe('an editable install from files/', () => {
  it('is warned of by config validate and workspace install, with the fix', async () => {
    const { projectDir, workspaceDir } = makeProject(
      // Echoed, not run, and without a venv: the warning is the point, not pip.
      'installs:\n- command: echo pip install -e ./files/mypkg\n- command: "echo pip install --editable=files/other"\n',
      { 'files/mypkg/x.txt': 'x' },
    );
    const validate = await runCli(['config', 'validate', '-p', projectDir]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toMatch(/project\.yml:2:\d+: installs\[0\]\.command: .*editable install of files\/mypkg: .*next run/);
    expect(validate.stderr).toMatch(/project\.yml:3:\d+: installs\[1\]\.command: .*editable install of files\/other/);
    expect(validate.stderr).toContain('install it without -e');
    const install = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 120_000 });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toMatch(/WARNING.*editable install of files\/mypkg/);
  });
});
