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

describe("-d key=value, the original 0.3 docs' vars option", () => {
  it('is refused on every command that takes -v, with the fix naming -v and the values given (exit 2)', async () => {
    const { projectDir, workspaceDir } = makeProject(catProject('files/a.txt'), { 'files/a.txt': 'a\n' });
    const cases: Array<[string[], string]> = [
      [['run', 'local', '-p', projectDir, '-w', workspaceDir, '-d', 'start=2025-01-01', 'password=secret pwd'], `-v start=2025-01-01 'password=secret pwd'`],
      [['secrets', 'push', '-p', projectDir, '-d', 'secrets_dir=/tmp/s'], '-v secrets_dir=/tmp/s'],
      [['config', 'validate', '-p', projectDir, '--data', 'x=1'], '-v x=1'],
      [['workspace', 'install', '-p', projectDir, '-w', workspaceDir, '-dx=1'], '-v x=1'],
    ];
    for (const [args, fix] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain("the original handoff's option for variables");
      expect(r.stderr).toContain(fix);
    }
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts'))).toBe(false);
  });
});

describe('smaller differences from the original', () => {
  it('{{ _stage- }} is refused with the fix for this known name, and the fix renders', async () => {
    const { projectDir, workspaceDir } = makeProject(catProject('files/a.txt'), { 'files/a.txt': 'prefix={{ _stage- }}x\n' });
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('files/a.txt');
    expect(r.stderr).toContain('{% if _stage %}{{ _stage }}-{% endif %}');
    fs.writeFileSync(path.join(projectDir, 'files', 'a.txt'), 'prefix={% if _stage %}{{ _stage }}-{% endif %}x\n');
    for (const [stage, out] of [['dev', 'prefix=dev-x\n'], ['prod', 'prefix=x\n']]) {
      const ok = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-s', stage!]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe(out);
    }
  });

  it('a folded `args: >` command line loses its final newline, as Jinja2 dropped it: one log line, record and plan', async () => {
    const yml = 'version: 0.3\ntasks:\n- name: t\n  commands:\n  - command: cat\n    args: >\n      files/a.txt\n  - command: echo\n    args: ok\n';
    const { projectDir, workspaceDir } = makeProject(yml, { 'files/a.txt': 'hi\n' });
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/INFO - Process \d+ cat files\/a.txt exited with code 0\n/);
    const runs = path.join(workspaceDir, 'runs');
    const record = fs.readFileSync(path.join(runs, fs.readdirSync(runs).find((n) => n.endsWith('.json'))!), 'utf8');
    expect(record).toMatch(/"commandLine": ?"cat files\/a.txt"/);
    const dry = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--dry-run']);
    expect(dry.stdout).toContain('  cat files/a.txt\n  echo ok\n');
  });

  it('an envs value holding {{ … }} is warned of at its line by config validate and run', async () => {
    const yml = 'version: 0.3\nvars:\n- key: base\n  value: data\nenvs:\n- key: OUT\n  value: "{{ base }}/x"\ntasks:\n- name: t\n  commands:\n  - command: echo\n    args: hi\n';
    const { projectDir, workspaceDir } = makeProject(yml);
    for (const args of [['config', 'validate', '-p', projectDir], ['run', 'local', '-p', projectDir, '-w', workspaceDir]]) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/project\.yml:7(:\d+)?: envs\[0\]\.value: envs values are not templates/);
    }
  });

  it('{{ _task }} and {{ _line }} in a vars value: the warning says they are empty in vars', async () => {
    const yml = 'version: 0.3\nvars:\n- key: logname\n  value: "{{ _task }}.log"\n- key: l\n  value: "{{ _line }}"\ntasks:\n- name: a\n  commands:\n  - command: echo\n    args: "[{{ logname }}] [{{ _task }}]"\n';
    const { projectDir, workspaceDir } = makeProject(yml);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/"_task" is empty in vars\[0\]\.value: vars are rendered once per run/);
    expect(r.stderr).toMatch(/"_line" is empty in vars\[1\]\.value: vars are rendered once per run/);
  });
});
