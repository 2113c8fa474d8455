// What a user switching from the original Python handoff meets: each case is a finding of the compat review, run through the real CLI.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from './helpers/cli.js';

const catProject = (file: string) => `version: 0.3
vars:
- key: user
  value: alice
tasks:
- name: t
  commands:
  - command: cat
    args: ${file}
`;

describe('a file under files/ that is not UTF-8', () => {
  // Saved in cp1252 by a Windows editor: `é` is the single byte 0xe9, on line 1 at byte 5.
  const latin1 = Buffer.concat([Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from(' config\nuser = {{ user }}\n')]);

  it('is refused, naming the file, the line and byte of the first bad byte and the fix, when it holds template syntax', async () => {
    const { projectDir, workspaceDir } = makeProject(catProject('files/app.ini'), { 'files/app.ini': latin1 });
    for (const args of [
      ['config', 'validate', '-p', projectDir],
      ['files', 'get', 'local', '-p', projectDir, '-w', workspaceDir],
      ['run', 'local', '-p', projectDir, '-w', workspaceDir],
    ]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('files/app.ini');
      expect(r.stderr).toMatch(/line 1\b/);
      expect(r.stderr).toMatch(/byte offset 5\b/);
      expect(r.stderr).toContain('save it as UTF-8');
    }
    // Nothing ran, nothing was rendered.
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'))).toBe(false);
    expect(fs.existsSync(path.join(workspaceDir, 'files', 'app.ini'))).toBe(false);
  });

  it('is copied byte for byte when it holds no template syntax, as binary files are', async () => {
    const plain = Buffer.concat([Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from(' { not a template }\n')]);
    const { projectDir, workspaceDir } = makeProject(catProject('files/app.ini'), { 'files/app.ini': plain });
    expect((await runCli(['config', 'validate', '-p', projectDir])).code).toBe(0);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'files', 'app.ini')).equals(plain)).toBe(true);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log')).equals(plain)).toBe(true);
  });
});

describe('an env whose secret is missing (no .secrets/ in a fresh clone)', () => {
  const project = (install: string, vars = '') => `version: 0.3
${vars}installs:
- venv: v
  command: ${install}
envs:
- key: API_TOKEN
tasks:
- name: t
  commands:
  - command: echo
    args: hi
`;

  it('workspace install warns and installs without it when no install command names it', async () => {
    const { projectDir, workspaceDir } = makeProject(project('echo installing > installed.txt; env > env.txt'));
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/WARNING.*envs\[0\] "API_TOKEN" has no value, and there is no secrets file for stage "dev"/);
    // The warning says installs get the envs, and that this one is left out.
    expect(r.stderr).toMatch(/install commands run without API_TOKEN in their environment/);
    expect(fs.readFileSync(path.join(workspaceDir, 'installed.txt'), 'utf8')).toBe('installing\n');
    const env = fs.readFileSync(path.join(workspaceDir, 'env.txt'), 'utf8');
    expect(env).toContain('VIRTUAL_ENV=');
    expect(env).not.toContain('API_TOKEN=');
  });

  it('workspace install still refuses when an install command names it', async () => {
    const viaVar = 'vars:\n- key: index\n  value: "https://x:{{ API_TOKEN }}@pypi.example/simple"\n- key: args\n  value: "--index-url {{ index }}"\n';
    for (const [install, vars] of [
      ['pip install --index-url "https://x:$API_TOKEN@pypi.example/simple" tap', ''],
      ['pip install "tap --token {{ API_TOKEN }}"', ''],
      ['pip install {{ args }} tap', viaVar],
    ] as const) {
      const { projectDir, workspaceDir } = makeProject(project(install, vars));
      const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('there is no secrets file for stage "dev"');
      expect(fs.existsSync(path.join(workspaceDir, 'v'))).toBe(false);
    }
  });

  it('run local --dry-run prints the plan with a warning; run local itself still refuses', async () => {
    const { projectDir, workspaceDir } = makeProject(project('echo installing'));
    const dry = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('echo hi');
    expect(dry.stderr).toMatch(/WARNING.*envs\[0\] "API_TOKEN" has no value.*a run refuses to start without it/);
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('there is no secrets file for stage "dev"');
  });
});
