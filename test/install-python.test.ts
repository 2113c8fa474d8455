// installs[].python through the CLI: a venv made by another interpreter, its fingerprint, and a missing interpreter.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from './helpers/cli.js';
import { findOtherPython, versionOf } from './helpers/pythons.js';

const other = findOtherPython();

describe('installs[].python', () => {
  it.skipIf(!other)(`creates the venv with the named interpreter, fingerprints it, and recreates the venv when it changes${other ? '' : ' (skipped: this machine has no Python besides python3)'}`, async () => {
    const python = other!.file;
    const yml = (interpreter: string) => `
installs:
- venv: old
  python: ${interpreter}
  command: python -c "import sys; print(sys.version.split()[0])" >> install-log.txt
tasks:
- name: show
  commands:
  - command: python -c "import sys; print(sys.version.split()[0])"
    venv: old
`;
    const { projectDir, workspaceDir } = makeProject(yml(python));
    const install = () => runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 180_000 });
    const first = await install();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`with Python ${other!.version} (`);
    const log = () => fs.readFileSync(path.join(workspaceDir, 'install-log.txt'), 'utf8').trim().split('\n');
    expect(log()).toEqual([other!.version]);

    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'show_stdout.log'), 'utf8')).toBe(`${other!.version}\n`);

    // Unchanged: skipped. Another interpreter: the venv is made anew by it.
    const again = await install();
    expect(again.stderr).toContain('Skipping venv old');
    fs.writeFileSync(path.join(projectDir, 'project.yml'), yml('python3'));
    const changed = await install();
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr).toContain('Recreating venv old: its interpreter changed');
    expect(log()).toEqual([other!.version, versionOf('python3')]);
  }, 300_000);

  it('stops before installing anything when an interpreter is missing, naming the entry and what was looked for', async () => {
    const { projectDir, workspaceDir } = makeProject(`
installs:
- venv: first
  command: touch first-ran.txt
- venv: legacy
  python: python3.99-not-here
  command: touch legacy-ran.txt
`);
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('installs[1].python: interpreter "python3.99-not-here" of venv legacy was not found: looked for "python3.99-not-here" on PATH');
    // Located at its key's line and column, as every other problem of project.yml (SPEC §2).
    expect(r.stderr).toContain(`${path.join(projectDir, 'project.yml')}:6:11: installs[1].python`);
    // Found before the workspace is made or files/ rendered into it.
    expect(fs.existsSync(workspaceDir)).toBe(false);

    fs.writeFileSync(path.join(projectDir, 'project.yml'), 'installs:\n- venv: v\n  python: /no/such/python3\n  command: "true"\n');
    const abs = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
    expect(abs.code).toBe(2);
    expect(abs.stderr).toContain('looked for the file /no/such/python3');
  });

  it('rejects a python without a venv and a relative path, at their lines', async () => {
    const { projectDir } = makeProject('installs:\n- command: "true"\n  python: python3\n- venv: v\n  command: "true"\n  python: bin/python\n');
    const r = await runCli(['config', 'validate', '-p', projectDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/project\.yml:3:\d+.*install without a venv/);
    expect(r.stderr).toMatch(/project\.yml:6:\d+.*expected a command name \(python3\.9\) or an absolute path/);
  });

  it('refuses a bare version (python: 3.10, as CI configs write it) at its line, suggesting the command name', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n- venv: v\n  python: 3.10\n  command: "true"\n- venv: w\n  python: "3.9"\n  command: "true"\n', { 'files/a.txt': 'a' });
    for (const args of [['config', 'validate', '-p', projectDir], ['workspace', 'install', '-p', projectDir, '-w', workspaceDir]]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/project\.yml:3:\d+: installs\[0\]\.python: found the Python version 3\.10; .*did you mean `python: python3\.10`\?/);
      expect(r.stderr).toMatch(/project\.yml:6:\d+: installs\[1\]\.python: found the Python version 3\.9; .*did you mean `python: python3\.9`\?/);
      expect(r.stderr).not.toContain('bin/3.1');
    }
    expect(fs.existsSync(workspaceDir)).toBe(false);
  });
});
