// Hostile input: YAML bombs, huge and deep documents, odd task names, symlinks out of files/, templates in values.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import { expectNoProcessesLeft, listFiles, runHandoff, runRecords } from './fault-helpers.js';

const validate = (projectDir: string) => runHandoff(['config', 'validate', '-p', projectDir], { measureMemory: true });
const runLocal = (p: { projectDir: string; workspaceDir: string }, extra: string[] = []) =>
  runHandoff(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir, ...extra]);

/** Billion laughs: ten levels of nine aliases each would be 9^10 (3.4 billion) nodes if expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 10; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\ntasks:\n- name: boom\n  commands:\n  - command: echo\n    args: *a10\n`;
}

describe('YAML built to exhaust the reader', () => {
  it('an alias bomb is refused with exit 2 and a location, without expanding it', async () => {
    const { projectDir } = makeProject(aliasBomb());
    const r = await validate(projectDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expands aliases more than 1000 times (an alias bomb?)');
    expect(r.stderr).toMatch(/project\.yml:\d+:\d+: aliases expand more than 1000 times/);
    expect(r.peakKb).toBeLessThan(150 * 1024);
  });

  it('a document nested 100,000 levels deep is refused with exit 2 instead of overflowing the stack', async () => {
    const { projectDir } = makeProject(`tasks: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const r = await validate(projectDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nested too deeply');
    expect(r.stderr).not.toContain('Maximum call stack size exceeded');
    expect(r.peakKb).toBeLessThan(300 * 1024);
  });

  it('a 50 MB project.yml is refused with exit 2 before it is read', async () => {
    const { projectDir, workspaceDir } = makeProject('');
    const line = `# ${'x'.repeat(1021)}\n`;
    fs.writeFileSync(path.join(projectDir, 'project.yml'), `tasks: []\n${line.repeat(50 * 1024)}`);
    const r = await validate(projectDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is larger than 2 MB; a project.yml is expected to be a few kilobytes');
    // It is refused by its size on disk: handoff's memory stays at its resting size, far below the file's 50 MB.
    expect(r.peakKb).toBeLessThan(100 * 1024);
    const run = await runLocal({ projectDir, workspaceDir });
    expect(run.code).toBe(2);
    expect(fs.existsSync(workspaceDir)).toBe(false);
  });
});

describe('task names', () => {
  it('names that would climb out of artifacts/ ("../x", "a/b", "..", "/etc/passwd") are refused, each with its line, and nothing runs', async () => {
    const p = makeProject(`
tasks:
- name: ../escape
  commands:
  - command: touch ran
- name: a/b
  commands:
  - command: touch ran
- name: ..
  commands:
  - command: touch ran
- name: /etc/passwd
  commands:
  - command: touch ran
`);
    const r = await runLocal(p);
    expect(r.code).toBe(2);
    for (const [line, name] of [[3, '../escape'], [6, 'a/b'], [9, '..'], [12, '/etc/passwd']]) {
      expect(r.stderr).toContain(`project.yml:${line}:9: tasks[${(Number(line) - 3) / 3}].name: found the task name "${name}"`);
    }
    expect(r.stderr).toContain('so they must be non-empty and contain no "/"');
    expect(fs.existsSync(p.workspaceDir)).toBe(false);
    expect(fs.readdirSync(path.dirname(p.workspaceDir))).toEqual(['project']);
  });

  it('names with spaces, unicode, a leading dot, a backslash, a newline or 300 characters run, with safe log names inside artifacts/', async () => {
    const long = 'x'.repeat(300);
    const p = makeProject(`
tasks:
- name: with space
  commands:
  - command: echo space
- name: ünïcødé-名前
  commands:
  - command: echo unicode >&2
- name: .hidden
  commands:
  - command: echo hidden
- name: 'back\\slash'
  commands:
  - command: echo backslash
- name: "new\\nline"
  commands:
  - command: echo newline
- name: ${long}
  commands:
  - command: echo long
- name: lines
  pipeline:
  - command: printf '../../etc/x\\n/abs\\n..\\n.profile\\n'
  - foreach:
    - name: each
      commands:
      - command: echo {{ _line_safe }}
`);
    const r = await runLocal(p);
    expect(r.code).toBe(0);
    const artifacts = fs.readdirSync(path.join(p.workspaceDir, 'artifacts')).filter((f) => f.endsWith('_stdout.log')).sort();
    expect(artifacts).toEqual(
      [
        '_hidden', '_n_c_d_-_', 'back_slash', 'each_.._.._etc_x', 'each__abs', 'each_..', 'each_.profile', 'lines', 'new_line', 'with_space',
        'x'.repeat(200),
      ].map((n) => `${n}_stdout.log`).sort(),
    );
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'with_space_stdout.log'), 'utf8')).toBe('space\n');
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', '_n_c_d_-__stderr.log'), 'utf8')).toBe('unicode\n');
    // Every file the run wrote is inside the workspace, and every log name is made of safe characters only.
    const root = path.dirname(p.workspaceDir);
    expect(fs.readdirSync(root).sort()).toEqual(['project', 'workspace']);
    for (const file of [...listFiles(path.join(p.workspaceDir, 'artifacts')), ...listFiles(path.join(p.workspaceDir, 'runs'))]) {
      expect(path.basename(file)).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/);
    }
    // The record keeps the names as written.
    expect(runRecords(p.workspaceDir)[0].tasks.map((t: { name: string }) => t.name)).toContain('ünïcødé-名前');
  });
});

describe('symbolic links in files/', () => {
  for (const [what, target] of [
    ['an absolute path outside the project', '/etc/passwd'],
    ['a relative path climbing out of files/', '../../outside.txt'],
    ['the project folder itself', '..'],
  ]) {
    it(`a link to ${what} is refused with exit 2, never followed, and nothing runs`, async () => {
      const p = makeProject(`
tasks:
- name: t
  commands:
  - command: touch ran
`, { 'files/real.txt': 'inside\n' });
      fs.writeFileSync(path.join(path.dirname(p.projectDir), 'outside.txt'), 'outside secret\n');
      fs.symlinkSync(target, path.join(p.projectDir, 'files', 'link'));
      const r = await runLocal(p);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`files/link is a symbolic link to ${target}, which is outside the project's files/ folder`);
      expect(r.stderr).toContain('links outside files/ are never followed');
      expect(fs.existsSync(path.join(p.workspaceDir, 'files', 'link'))).toBe(false);
      expect(fs.existsSync(path.join(p.workspaceDir, 'ran'))).toBe(false);
      for (const file of listFiles(p.workspaceDir)) expect(fs.readFileSync(file, 'utf8')).not.toContain('outside secret');
    });
  }

  it('a link to a file inside files/ is kept as a link to the rendered file in the workspace', async () => {
    const p = makeProject(`
vars:
- key: who
  value: world
tasks:
- name: t
  commands:
  - command: cat files/alias.txt
`, { 'files/real.txt': 'hello {{ who }}\n' });
    fs.symlinkSync('real.txt', path.join(p.projectDir, 'files', 'alias.txt'));
    const r = await runLocal(p);
    expect(r.code).toBe(0);
    expect(fs.readlinkSync(path.join(p.workspaceDir, 'files', 'alias.txt'))).toBe('real.txt');
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe('hello world\n');
  });
});

describe('values that look like templates or shell', () => {
  it('a -v value holding {{ }} is rendered once, never evaluated again: in commands, in vars and in files/', async () => {
    const p = makeProject(`
vars:
- key: wrapped
  value: "[{{ payload }}]"
tasks:
- name: t
  commands:
  - command: printf '%s\\n' {{ payload | shell_quote }} {{ wrapped | shell_quote }}
  - command: cat files/conf.txt
`, { 'files/conf.txt': 'payload={{ payload }}\n' });
    const payload = "{{ _stage }}{% raw %}{{ 7 * 7 }}{% endraw %}{{ range(10**9) | list }}";
    const r = await runLocal(p, ['-v', `payload=${payload}`]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe(`${payload}\n[${payload}]\npayload=${payload}\n`);
  });

  it('a foreach line holding {{ }} reaches the sub-task as text', async () => {
    const p = makeProject(`
tasks:
- name: t
  pipeline:
  - command: echo '{{ "{{ _stage }}" }}'
  - foreach:
    - name: each
      commands:
      - command: printf '%s\\n' {{ _line | shell_quote }} > artifacts/line.txt
`);
    const r = await runLocal(p);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'line.txt'), 'utf8')).toBe('{{ _stage }}\n');
  });

  it('a -v value is shell code only where the command line puts it bare; `| shell_quote` makes it one word', async () => {
    const attack = 'x; touch pwned #';
    const bare = makeProject(`
tasks:
- name: t
  commands:
  - command: echo {{ name }}
`);
    const r1 = await runLocal(bare, ['-v', `name=${attack}`]);
    expect(r1.code).toBe(0);
    // Documented: the user's own command line handed the value to the shell.
    expect(fs.existsSync(path.join(bare.workspaceDir, 'pwned'))).toBe(true);

    const quoted = makeProject(`
tasks:
- name: t
  commands:
  - command: echo {{ name | shell_quote }}
`);
    const r2 = await runLocal(quoted, ['-v', `name=${attack}`]);
    expect(r2.code).toBe(0);
    expect(fs.existsSync(path.join(quoted.workspaceDir, 'pwned'))).toBe(false);
    expect(fs.readFileSync(path.join(quoted.workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe(`${attack}\n`);
    await expectNoProcessesLeft(r2.marker);
  });

  it('a -v value never reaches a shell through files/, names or the environment', async () => {
    const p = makeProject(`
envs:
- key: GREETING
  value: hello
tasks:
- name: t
  commands:
  - command: sh files/show.sh
`, { 'files/show.sh': 'echo "conf: $(cat files/conf.txt)"\n', 'files/conf.txt': '{{ name }}\n' });
    const r = await runLocal(p, ['-v', 'name=$(touch pwned)`touch pwned2`']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe('conf: $(touch pwned)`touch pwned2`\n');
    expect(fs.readdirSync(p.workspaceDir).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });
});
