// Bad input through the real CLI: each gives a one-paragraph error naming what and where, exit 2, and nothing run or written.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

/** Asserts the common promises of bad input: exit 2, no stack trace, no run, no workspace files. */
function expectRefused(r: { code: number | null; stderr: string }, workspaceDir: string, message: RegExp | string): void {
  expect(r.code, r.stderr).toBe(2);
  if (typeof message === 'string') expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain('Job started');
  expect(fs.existsSync(path.join(workspaceDir, 'runs'))).toBe(false);
  expect(fs.existsSync(path.join(workspaceDir, 'artifacts'))).toBe(false);
}

const run = (projectDir: string, workspaceDir: string, extra: string[] = []) => runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, ...extra]);

describe('bad input', () => {
  it('a missing project.yml names the path looked at', async () => {
    const projectDir = makeTempDir();
    const workspaceDir = path.join(makeTempDir(), 'ws');
    const r = await run(projectDir, workspaceDir);
    expectRefused(r, workspaceDir, path.join(projectDir, 'project.yml'));
  });

  it('a YAML syntax error gives file:line:col', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: "echo\n');
    const r = await run(projectDir, workspaceDir);
    expectRefused(r, workspaceDir, /project\.yml:\d+:\d+/);
  });

  it('wrong types, both pipeline and commands, and a foreach with something after it: all reported at once', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: a
  timeout: soon
  commands:
  - command: echo a
  pipeline:
  - command: echo b
- name: b
  pipeline:
  - command: cat x
  - foreach:
    - name: c
      commands:
      - command: echo
  - command: wc -l
`);
    const r = await run(projectDir, workspaceDir);
    expectRefused(r, workspaceDir, /project\.yml:4:\d+: tasks\[0\]\.timeout/);
    expect(r.stderr).toMatch(/tasks\[0\].*(both|more than one|exactly one)/);
    expect(r.stderr).toMatch(/tasks\[1\]\.pipeline\[2\]/);
  });

  it('a fork child that is not a pipeline', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: a
  pipeline:
  - command: cat x
  - fork:
    - name: child
      commands:
      - command: wc -l
`);
    expectRefused(await run(projectDir, workspaceDir), workspaceDir, /tasks\[0\]\.pipeline\[1\]\.fork\[0\]/);
  });

  it('the workspace folder equal to the project folder', async () => {
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    const r = await run(projectDir, projectDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is the project folder');
    expect(fs.existsSync(path.join(projectDir, 'artifacts'))).toBe(false);
  });

  it('a workspace inside the project\'s files/ (each run would copy it into itself)', async () => {
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    fs.mkdirSync(path.join(projectDir, 'files'), { recursive: true });
    const inside = path.join(projectDir, 'files', 'ws');
    const r = await run(projectDir, inside);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is inside the project's files/ folder");
    expect(fs.existsSync(inside)).toBe(false);
  });

  it('a venv named after one of the workspace\'s own folders, which workspace install --force would recreate', async () => {
    for (const name of ['artifacts', 'runs', 'files']) {
      const { projectDir, workspaceDir } = makeProject(`installs:\n- venv: ${name}\n  command: "true"\ntasks:\n- name: a\n  commands:\n  - command: echo a\n`);
      expectRefused(await run(projectDir, workspaceDir), workspaceDir, new RegExp(`installs\\[0\\]\\.venv.*"${name}", which the workspace uses for its own`));
    }
  });

  it('a timeout longer than a Node.js timer holds (it used to fire at once), in project.yml or --timeout', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  timeout: 3000000\n  commands:\n  - command: echo a\n    timeout: 2592000\n');
    expectRefused(await run(projectDir, workspaceDir), workspaceDir, /tasks\[0\]\.timeout: found the number 3000000; expected a number of at most 2147483[\s\S]*tasks\[0\]\.commands\[0\]\.timeout/);
    const fine = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    expectRefused(await run(fine.projectDir, fine.workspaceDir, ['--timeout', '3000000']), fine.workspaceDir, '--timeout 3000000 is longer than 2147483 s');
  });

  it('a template error in a foreach line\'s command: found before anything runs, and by config validate', async () => {
    const { projectDir, workspaceDir } = makeProject(`tasks:
- name: first
  commands:
  - command: sh -c 'echo first-ran > first.txt'
- name: loop
  pipeline:
  - command: printf 'a\\nb\\n'
  - foreach:
    - name: sub
      commands:
      - command: echo "{{ _line }"
      - command: echo "{{ _line | nosuchfilter }}"
`);
    const refused = await run(projectDir, workspaceDir);
    expectRefused(refused, workspaceDir, /template syntax error in tasks\[1\]\.pipeline\[1\]\.foreach\[0\]\.commands\[0\] at line 1, column \d+: expected variable end/);
    // The run reports both problems at once, each at its line of project.yml, as config validate does.
    expect(refused.stderr).toMatch(/project\.yml:11:\d+: tasks\[1\]\.pipeline\[1\]\.foreach\[0\]\.commands\[0\]\.command: expected variable end \(line 1, column \d+ of the command line\)/);
    expect(refused.stderr).toMatch(/project\.yml:12:\d+: tasks\[1\]\.pipeline\[1\]\.foreach\[0\]\.commands\[1\]\.command: .*unknown filter "nosuchfilter"/);
    expect(fs.existsSync(path.join(workspaceDir, 'first.txt'))).toBe(false);
    const validated = await runCli(['config', 'validate', '-p', projectDir]);
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain('has 2 template syntax errors');
    // Located at the line of project.yml that holds the command, and the column within the command line.
    expect(validated.stderr).toMatch(/project\.yml:11:\d+: tasks\[1\]\.pipeline\[1\]\.foreach\[0\]\.commands\[0\]\.command: expected variable end \(line 1, column \d+ of the command line\)/);
    expect(validated.stderr).toContain('unknown filter "nosuchfilter"');
  });

  it('template syntax errors in vars[].value and installs[].command: every one, at its line of project.yml, by config validate and run local', async () => {
    const { projectDir, workspaceDir } = makeProject(`installs:
- venv: v
  command: pip install {{ pkg
vars:
- key: a
  value: "{{ b }"
- key: fine
  value: "{{ _stage }}"
tasks:
- name: t
  commands:
  - command: sh -c 'echo ran > ran.txt'
  - command: echo
    args: "{{ a }} {{ a | nosuchfilter }}"
`);
    const file = path.join(projectDir, 'project.yml');
    const validated = await runCli(['config', 'validate', '-p', projectDir]);
    expect(validated.code, validated.stderr).toBe(2);
    expect(validated.stdout).not.toContain('is valid');
    expect(validated.stderr).toContain('has 3 template syntax errors');
    expect(validated.stderr).toMatch(new RegExp(`${file}:3:\\d+: installs\\[0\\]\\.command: expected variable end .*\\(line 1 of the value\\)`));
    expect(validated.stderr).toMatch(new RegExp(`${file}:6:\\d+: vars\\[0\\]\\.value: expected variable end \\(line 1, column 6 of the value\\)`));
    expect(validated.stderr).toMatch(new RegExp(`${file}:14:\\d+: tasks\\[0\\]\\.commands\\[1\\]\\.args: .*unknown filter "nosuchfilter"`));
    // A run refuses the same project before anything starts, with the same three problems at the same lines.
    const refused = await run(projectDir, workspaceDir);
    expectRefused(refused, workspaceDir, `${file}:6:`);
    expect(refused.stderr).toMatch(new RegExp(`${file}:3:\\d+: installs\\[0\\]\\.command: `));
    expect(refused.stderr).toMatch(new RegExp(`${file}:6:\\d+: vars\\[0\\]\\.value: expected variable end`));
    expect(refused.stderr).toMatch(new RegExp(`${file}:14:\\d+: tasks\\[0\\]\\.commands\\[1\\]\\.args: `));
    expect(refused.stderr).not.toContain('vars[0].value:1:');
    expect(fs.existsSync(path.join(workspaceDir, 'ran.txt'))).toBe(false);
    // workspace install names project.yml's line too, and installs nothing.
    const installed = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
    expect(installed.code).toBe(2);
    expect(installed.stderr).toMatch(new RegExp(`${file}:3:\\d+: installs\\[0\\]\\.command: `));
    expect(installed.stderr).toMatch(new RegExp(`${file}:6:\\d+: vars\\[0\\]\\.value: `));
    expect(fs.existsSync(path.join(workspaceDir, 'v'))).toBe(false);
  });

  it('a refused structure and template syntax errors: every problem in one answer, in file order (config validate, run local, --dry-run)', async () => {
    const { projectDir, workspaceDir } = makeProject(`version: 0.3
installs:
- venv: v
  command: pip install {{ pkg
vars:
- key: a
  value: "{{ b }"
tasks:
  - name: a
    pipeline:
      - command: echo
        args: "{{ foo"
      - foreach:
        - name: sub
          commands:
          - command: echo "{{ _line }"
          - command: echo "{% if %}"
            active: false
  - name: c
    comands:
      - command: sh -c 'echo ran > ran.txt'
`);
    const file = path.join(projectDir, 'project.yml');
    const lines = (stderr: string): number[] => [...stderr.matchAll(new RegExp(`${file.replace(/[.*+?^\${}()|[\]\\]/g, '\\$&')}:(\\d+):`, 'g'))].map((m) => Number(m[1]));
    const validated = await runCli(['config', 'validate', '-p', projectDir]);
    expect(validated.code, validated.stderr).toBe(2);
    expect(validated.stderr).toContain('has 5 problems (and 1 warning)');
    expect(validated.stderr).toMatch(new RegExp(`${file}:4:\\d+: installs\\[0\\]\\.command: expected variable end`));
    expect(validated.stderr).toMatch(new RegExp(`${file}:7:\\d+: vars\\[0\\]\\.value: expected variable end`));
    expect(validated.stderr).toMatch(new RegExp(`${file}:12:\\d+: tasks\\[0\\]\\.pipeline\\[0\\]\\.args: expected variable end`));
    expect(validated.stderr).toMatch(new RegExp(`${file}:16:\\d+: tasks\\[0\\]\\.pipeline\\[1\\]\\.foreach\\[0\\]\\.commands\\[0\\]\\.command: expected variable end`));
    expect(validated.stderr).toMatch(/task "c" has none of/);
    // The inactive command is not checked, as a run would not render it.
    expect(validated.stderr).not.toContain('commands[1].command');
    const order = lines(validated.stderr);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    const json = await runCli(['config', 'validate', '-p', projectDir, '--json']);
    expect(json.code).toBe(2);
    expect(json.stdout).toContain('tasks[0].pipeline[0].args');
    for (const extra of [[], ['--dry-run']]) {
      const refused = await run(projectDir, workspaceDir, extra);
      expectRefused(refused, workspaceDir, 'has 5 problems (and 1 warning)');
      expect(refused.stderr).toMatch(new RegExp(`${file}:12:\\d+: tasks\\[0\\]\\.pipeline\\[0\\]\\.args: expected variable end`));
      expect(refused.stderr).toMatch(/task "c" has none of/);
      expect(fs.existsSync(path.join(workspaceDir, 'ran.txt'))).toBe(false);
    }
    // A project with only the structural problem keeps its message: nothing about templates.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('{{ pkg', 'pkg').replace('"{{ b }"', 'b').replace('"{{ foo"', 'foo').replace('"{{ _line }"', '"{{ _line }}"'));
    const structural = await runCli(['config', 'validate', '-p', projectDir]);
    expect(structural.code).toBe(2);
    expect(structural.stderr).toContain('has 1 problem (and 1 warning)');
    expect(structural.stderr).not.toMatch(/template|variable end/);
  });

  it('a -s that differs from a known stage by case or a typo, in a project without secrets: warned once with the did-you-mean', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    const upper = await run(projectDir, workspaceDir, ['-s', 'PROD', '--dry-run']);
    expect(upper.code, upper.stderr).toBe(0);
    expect(upper.stderr.match(/did you mean -s prod\? stage names are case-sensitive/g)?.length).toBe(1);
    expect(upper.stderr).toContain('"PROD"');
    const typo = await run(projectDir, workspaceDir, ['-s', 'prdo', '--dry-run']);
    expect(typo.stderr.match(/did you mean -s prod\?/g)?.length).toBe(1);
    // A stage of its own, not near dev or prod, stays silent; so do dev and prod.
    for (const stage of ['staging', 'dev', 'prod']) {
      const r = await run(projectDir, workspaceDir, ['-s', stage, '--dry-run']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('did you mean');
    }
  });

  it('an undefined name under --strict: every command\'s, each at the line of project.yml that holds it', async () => {
    const { projectDir, workspaceDir } = makeProject(`tasks:
- name: a
  commands:
  - command: echo
    args: "{{ first_missing }}"
  - command: echo "{{ second_missing }}"
`);
    const r = await run(projectDir, workspaceDir, ['--strict']);
    expectRefused(r, workspaceDir, 'undefined variable "first_missing"');
    expect(r.stderr).toMatch(/project\.yml:5:\d+: tasks\[0\]\.commands\[0\]\.args: undefined variable "first_missing"/);
    expect(r.stderr).toMatch(/project\.yml:6:\d+: tasks\[0\]\.commands\[1\]\.command: undefined variable "second_missing"/);
  });

  it('a stage that is not a plain name (it names the secrets file and prefixes cloud names)', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    expectRefused(await run(projectDir, workspaceDir, ['-s', '../x']), workspaceDir, '-s "../x" is not a stage name');
    expectRefused(await run(projectDir, workspaceDir, ['-s', '']), workspaceDir, '-s "" is not a stage name');
    const fromEnv = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HO_STAGE: 'a b' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('HO_STAGE "a b" is not a stage name');
  });

  it('a -v version= that is no image tag, before any cloud call (the endpoint here answers nothing)', async () => {
    const { projectDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\ndeploy:\n  cloud_provider: aws\n  resource_group: rg\n  task: a\n');
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1' };
    for (const args of [['cloud', 'plan', '-p', projectDir], ['cloud', 'task', 'create', '-p', projectDir], ['container', 'build', '-p', projectDir]]) {
      const r = await runCli([...args, '-v', 'version=bad tag!'], { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('-v version="bad tag!" is not a valid image tag');
      expect(r.stderr).not.toContain('cannot reach AWS');
    }
  });

  it('a venv not declared in installs, and a declared venv not installed yet', async () => {
    const undeclared = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n    venv: nope\n');
    expectRefused(await run(undeclared.projectDir, undeclared.workspaceDir), undeclared.workspaceDir, /venv.*nope/);

    const notInstalled = makeProject('installs:\n- venv: tap\n  command: "true"\ntasks:\n- name: a\n  commands:\n  - command: echo a\n    venv: tap\n');
    const r = await run(notInstalled.projectDir, notInstalled.workspaceDir);
    expectRefused(r, notInstalled.workspaceDir, 'workspace install');
  });

  it('a template syntax error in files/ names the file and line, and leaves the workspace files as they were', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n', {
      'files/good.txt': 'good {{ _stage }}\n',
      'files/bad.json': '{\n  "x": "{{ oops( }}"\n}\n',
    });
    fs.mkdirSync(path.join(workspaceDir, 'files'), { recursive: true });
    fs.writeFileSync(path.join(workspaceDir, 'files', 'good.txt'), 'old\n');
    const r = await run(projectDir, workspaceDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/files\/bad\.json.*[Ll]ine 2/);
    expect(fs.readFileSync(path.join(workspaceDir, 'files', 'good.txt'), 'utf8')).toBe('old\n');
    expect(fs.existsSync(path.join(workspaceDir, 'files', 'bad.json'))).toBe(false);
    // No run was recorded: the run never started.
    expect(fs.readdirSync(path.join(workspaceDir, 'runs')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('an env with neither value nor secret is located at its line by run local; --dry-run warns of it (SPEC §4) and writes nothing', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\nenvs:\n- key: OTHER\n  value: x\n- key: API_TOKEN\n');
    const r = await run(projectDir, workspaceDir);
    expectRefused(r, workspaceDir, `${path.join(projectDir, 'project.yml')}:8:3: envs[1]: no value and no secret "API_TOKEN" for stage "dev"`);
    const dry = await run(projectDir, workspaceDir, ['--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`WARNING - ${path.join(projectDir, 'project.yml')}: envs[1] "API_TOKEN" has no value`);
    expect(fs.existsSync(workspaceDir)).toBe(false);
  });

  it('--dry-run refuses a template error in files/ as the run does, and writes nothing', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n', {
      'files/sub/bad.txt': 'line1\nline2 {{ x \n',
    });
    const dry = await run(projectDir, workspaceDir, ['--dry-run']);
    expectRefused(dry, workspaceDir, /files\/sub\/bad\.txt at line 3/);
    // config validate checks files/' template syntax too (before: "is valid", then the run refused it).
    const validated = await runCli(['config', 'validate', '-p', projectDir]);
    expect(validated.code).toBe(2);
    expect(validated.stderr).toMatch(/files\/sub\/bad\.txt at line 3/);
    expect(dry.stdout).not.toContain('Run plan');
    expect(fs.existsSync(workspaceDir)).toBe(false);
    const real = await run(projectDir, workspaceDir);
    expect(real.code).toBe(2);
    expect(real.stderr.split('\n')[0]).toBe(dry.stderr.split('\n')[0]);
  });

  it('an undefined variable warns once, and with --strict is an error before anything runs', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo "{{ nothere }}" > artifacts/out.txt\n  - command: echo "{{ nothere }}"\n');
    const warned = await run(projectDir, path.join(workspaceDir, 'loose'));
    expect(warned.code).toBe(0);
    expect(warned.stderr.match(/undefined variable "nothere"/g)).toHaveLength(1);
    const strict = await run(projectDir, workspaceDir, ['--strict']);
    expectRefused(strict, workspaceDir, 'nothere');
  });

  it('a -v token without =, and an empty key', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    expectRefused(await run(projectDir, workspaceDir, ['-v', 'novalue']), workspaceDir, 'novalue');
    expectRefused(await run(projectDir, workspaceDir, ['-v', '=x']), workspaceDir, '=x');
  });

  it('several YAML documents in project.yml: refused at the second one\'s line, by run local and config validate', async () => {
    // The original (PyYAML's yaml.load) refused such a file; reading the first document only would drop tasks unseen.
    const first = 'tasks:\n- name: a\n  commands:\n  - command: echo a > artifacts/a.txt\n';
    for (const second of ['---\ntasks:\n- name: b\n  commands:\n  - command: echo b\n', '---\nfoo: [\n']) {
      const { projectDir, workspaceDir } = makeProject(first + second);
      const file = path.join(projectDir, 'project.yml');
      const expected = `${file}:5:1: a second YAML document starts here; project.yml must be one document`;
      expectRefused(await run(projectDir, workspaceDir), workspaceDir, expected);
      expect(fs.existsSync(workspaceDir)).toBe(false);
      const validate = await runCli(['config', 'validate', '-p', projectDir]);
      expect(validate.code).toBe(2);
      expect(validate.stderr).toContain(expected);
      expect(validate.stdout).not.toContain('is valid');
    }
  });

  it('binary garbage as project.yml', async () => {
    const { projectDir, workspaceDir } = makeProject('');
    fs.writeFileSync(path.join(projectDir, 'project.yml'), Buffer.from([0x00, 0xff, 0xfe, 0x12, 0x89, 0x00, 0x41]));
    expectRefused(await run(projectDir, workspaceDir), workspaceDir, 'project.yml');
  });

  it('command: yes is explained as a YAML 1.1 boolean', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: a\n  pipeline:\n  - command: yes\n  - command: head -n 1\n');
    expectRefused(await run(projectDir, workspaceDir), workspaceDir, /boolean.*quote/);
  });

  it('an unknown key warns with a "did you mean" and the run goes on', async () => {
    const { projectDir, workspaceDir } = makeProject('descriptoin: typo\ntasks:\n- name: a\n  commands:\n  - command: echo a\n');
    const r = await run(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/descriptoin.*did you mean "description"/);
  });

  it('unknown commands and options are usage errors with help', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    const o = await runCli(['run', 'local', '--frob']);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain("unknown option '--frob'");
  });
});

describe('config validate and schema', () => {
  it('validate prints a summary for a good project and every problem for a bad one', async () => {
    const good = makeProject('tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    const ok = await runCli(['config', 'validate', 'local', '-p', good.projectDir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('is valid: 1 task');
    const bad = makeProject('tasks:\n- name: a\n  timeout: -1\n  commands:\n  - command: echo a\n    venv: nope\n');
    const r = await runCli(['config', 'validate', '-p', bad.projectDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 problems/);
  });

  it('--json gives a refused project\'s problems as JSON on stdout, for config validate and run local (text stays on stderr)', async () => {
    const { projectDir, workspaceDir } = makeProject('descriptoin: typo\ntasks:\n- name: a\n  timeout: abc\n  commands:\n  - command: echo a > artifacts/a.txt\n');
    const file = path.join(projectDir, 'project.yml');
    const expected = {
      valid: false,
      file,
      exitCode: 2,
      problems: [{ severity: 'error', path: 'tasks[0].timeout', location: { file, line: 4, col: 12 }, message: 'found the text "abc"; expected a number' }],
      warnings: [{ severity: 'warning', path: 'descriptoin', location: { file, line: 1, col: 1 } }],
    };
    const validated = await runCli(['config', 'validate', '-p', projectDir, '--json']);
    expect(validated.code).toBe(2);
    expect(JSON.parse(validated.stdout)).toMatchObject(expected);
    expect(validated.stderr).toContain(`${file}:4:12: tasks[0].timeout: found the text "abc"; expected a number`);
    const ran = await run(projectDir, workspaceDir, ['--json']);
    expectRefused(ran, workspaceDir, `${file}:4:12`);
    expect(JSON.parse(ran.stdout)).toMatchObject(expected);
    // The valid result keeps its shape, so a caller reads `valid` either way.
    fs.writeFileSync(file, 'tasks:\n- name: a\n  commands:\n  - command: echo a\n');
    expect(JSON.parse((await runCli(['config', 'validate', '-p', projectDir, '--json'])).stdout)).toMatchObject({ valid: true, file, tasks: 1, warnings: [] });
  });

  it('schema prints a JSON Schema with descriptions', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.$schema).toContain('json-schema.org');
    expect(JSON.stringify(schema)).toContain('kill_downstream_on_fail');
  });
});

describe('a workspace or HANDOFF_HOME where no folder can be', () => {
  it('runs list, show, logs, state and prune refuse a -w that is a file (list said "No runs recorded", prune removed none)', async () => {
    const file = path.join(makeTempDir(), 'not-a-workspace');
    fs.writeFileSync(file, 'x');
    for (const sub of [['list'], ['show', 'r1'], ['logs', 'r1'], ['state', 'r1'], ['prune', '--keep', '1']]) {
      const r = await runCli(['runs', ...sub, '-w', file]);
      expect(r.code, `runs ${sub[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`the workspace ${file} is a file, not a folder`);
      expect(r.stdout).toBe('');
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('scheduler start and cloud bucket create refuse at once a HANDOFF_HOME under /proc or inside a file (start looped forever)', async () => {
    const { projectDir } = makeProject('deploy:\n  cloud_provider: local\n  resource_group: rg\n  task: t1\ntasks:\n- name: t\n  commands:\n  - command: echo hi\n');
    const file = path.join(makeTempDir(), 'afile');
    fs.writeFileSync(file, 'x');
    const homes = [path.join(file, 'home'), ...(fs.existsSync('/proc/self') ? ['/proc/handoff-no-such/home'] : [])];
    for (const home of homes) {
      for (const args of [['scheduler', 'start'], ['cloud', 'bucket', 'create', '-p', projectDir]]) {
        const started = Date.now();
        const r = await runCli(args, { env: { HANDOFF_HOME: home }, timeoutMs: 20_000 });
        expect(r.code, `${args.join(' ')} with HANDOFF_HOME=${home}: ${r.signal ?? ''} ${r.stderr}`).toBe(2);
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(r.stderr).toContain(`HANDOFF_HOME (${home}) must be a folder`);
        expect(r.stderr).not.toMatch(/^\s+at |a bug in handoff/m);
      }
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  }, 90_000);
});

describe('cloud run --timeout', () => {
  it('is refused without --wait, before the store is touched (nothing would keep the limit: the job ran past it unsaid)', async () => {
    const { projectDir } = makeProject('deploy:\n  cloud_provider: local\n  resource_group: rg\n  task: t1\ntasks:\n- name: t\n  commands:\n  - command: echo hi\n');
    const home = path.join(makeTempDir(), 'home');
    const r = await runCli(['cloud', 'run', '-p', projectDir, '--timeout', '5'], { env: { HANDOFF_HOME: home } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--timeout 5 needs --wait with `cloud run`');
    expect(r.stderr).toContain('add --wait to follow the job and stop it after that long');
    expect(fs.existsSync(home)).toBe(false);
  });
});

describe('the deploy commands with the local provider', () => {
  it('say that each needs a cloud provider, in words that fit the command (not "cloud plan deploys to a cloud")', async () => {
    const { projectDir } = makeProject('deploy:\n  cloud_provider: local\n  resource_group: rg\n  task: t1\ntasks:\n- name: t\n  commands:\n  - command: echo hi\n');
    const home = path.join(makeTempDir(), 'home');
    for (const words of [['cloud', 'plan'], ['cloud', 'export'], ['cloud', 'task', 'status'], ['cloud', 'deploy']]) {
      const r = await runCli([...words, '-p', projectDir], { env: { HANDOFF_HOME: home } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`error: handoff ${words.join(' ')} needs a cloud provider (aws, gcp or azure), and this project uses the local provider:`);
      expect(r.stderr).not.toContain('deploys to a cloud');
    }
    expect(fs.existsSync(home)).toBe(false);
  });

  it('cloud task status|delete point at what shows or removes a task on this machine, not at how to deploy one', async () => {
    const { projectDir } = makeProject('deploy:\n  cloud_provider: local\n  resource_group: rg\n  task: t1\ntasks:\n- name: t\n  commands:\n  - command: echo hi\n');
    const home = path.join(makeTempDir(), 'home');
    const status = await runCli(['cloud', 'task', 'status', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(status.code, status.stderr).toBe(2);
    expect(status.stderr).toContain('fix: set deploy.cloud_provider (or --cloud-provider) to a cloud; with the local provider a task is its project in the local store: `cloud bucket status`, `cloud schedule list` and `cloud job status` show it');
    const removed = await runCli(['cloud', 'task', 'delete', '-p', projectDir, '-y'], { env: { HANDOFF_HOME: home } });
    expect(removed.code, removed.stderr).toBe(2);
    expect(removed.stderr).toContain('`cloud schedule delete` and `project delete` remove it');
    for (const r of [status, removed]) expect(r.stderr).not.toContain('cloud schedule create');
  });
});

describe('--cloud-profile with the local provider', () => {
  it('is said to be of no use to it (a warning, once), not dropped without a word', async () => {
    const { projectDir } = makeProject('deploy:\n  cloud_provider: local\n  resource_group: rg\n  task: t1\ntasks:\n- name: t\n  commands:\n  - command: echo hi\n');
    const home = path.join(makeTempDir(), 'home');
    const r = await runCli(['cloud', 'bucket', 'status', '-p', projectDir, '--cloud-profile', 'prod-account'], { env: { HANDOFF_HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('--cloud-profile'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`WARNING - --cloud-profile is not used by the local provider, which ignored it: its store is folders under ${home} (HANDOFF_HOME), which need no credentials`);
    // Without the option, nothing is said.
    const plain = await runCli(['cloud', 'bucket', 'status', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(plain.stderr).not.toContain('--cloud-profile');
  });
});
