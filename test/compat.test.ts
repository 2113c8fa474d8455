// Switching from the original handoff: projects shaped like its quick_start examples run unchanged, with exit codes
// and artifacts byte for byte as the original's code produces them (apart from SPEC §10's deliberate differences).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, makeProject, repoRoot, runCli } from './helpers/cli.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'compat');

/** A fresh copy of a fixture project (its .secrets/ too) and a workspace path beside it. */
function copyFixture(name: string): { projectDir: string; workspaceDir: string } {
  const root = makeTempDir('handoff-compat-');
  const projectDir = path.join(root, name);
  fs.cpSync(path.join(fixtures, name), projectDir, { recursive: true });
  return { projectDir, workspaceDir: path.join(root, 'workspace') };
}

/** Every file under W/artifacts (relative path → text). */
function readArtifacts(workspaceDir: string): Record<string, string> {
  const dir = path.join(workspaceDir, 'artifacts');
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = fs.readFileSync(file, 'utf8');
  }
  return files;
}

/** `<name>_stdout.log` of each name, all empty. */
function emptyLogs(names: string[], ...streams: Array<'stdout' | 'stderr'>): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => streams.map((s) => [`${n}_${s}.log`, ''])));
}

const run = (projectDir: string, workspaceDir: string, ...extra: string[]) => runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, ...extra]);

// Expectations are derived from the original's code (handoff/core/operators.py, 0.4): a `commands` task writes
// <task>_stdout.log and <task>_stderr.log; a pipeline writes only <task>_stdout.log (its stderr goes to the console);
// a foreach sub-task is named <task>_<line_safe>. Assertions marked [#18.3] check that a pipeline writes no
// <task>_stderr.log artifact (its processes' stderr is kept under runs/<run id>/, SPEC §5).
describe('the original quick_start shapes, run unchanged', () => {
  it('01 word count: one pipeline task, its stdout in artifacts/<task>_stdout.log', async () => {
    const { projectDir, workspaceDir } = copyFixture('word-count');
    const r = await run(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    expect(readArtifacts(workspaceDir)).toEqual({ 'count_words_stdout.log': '19\n' }); // [#18.3]
  });

  it('02 commands and vars: the misspelled key, stdout and nulldev warn; the inactive task and element are skipped', async () => {
    const { projectDir, workspaceDir } = copyFixture('commands-and-vars');
    const r = await run(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/descriptoin.*did you mean "description"/);
    expect(r.stderr).toMatch(/tasks\[0\]\.pipeline\[2\]\.nulldev.*is ignored/);
    expect(r.stderr).toMatch(/tasks\[1\]\.stdout.*is ignored/);
    expect(r.stderr).not.toMatch(/error/i);
    expect(readArtifacts(workspaceDir)).toEqual({
      'show_heading_stdout.log': 'Night Watch\nThe keeper climbed the stairs at dusk,\n',
      'show_heading_stderr.log': '',
    });
  });

  it('03 secrets: values, files and resource group secrets fill commands and files/, and never reach the console', async () => {
    const { projectDir, workspaceDir } = copyFixture('secrets');
    const passphrase = 'fourteen-quiet-herons-crossing-the-estuary';
    const r = await run(projectDir, workspaceDir, '-s', 'prod');
    expect(r.code, r.stderr).toBe(0);
    expect(readArtifacts(workspaceDir)).toEqual({
      'show_login_stdout.log': `login loader_bot:${passphrase} at https://warehouse.example.org\n`,
      'show_login_stderr.log': '',
    });
    // SPEC §10: the file keeps its last newline (the original's Jinja2 dropped it).
    expect(fs.readFileSync(path.join(workspaceDir, 'files', 'settings.json'), 'utf8')).toBe(
      `{\n    "account": "loader_bot",\n    "passphrase": "${passphrase}"\n}\n`,
    );
    expect(r.stdout + r.stderr).not.toContain(passphrase);
    expect(r.stderr).not.toMatch(/no secrets file/);
  });

  it('05 foreach: one sub-task per line, its log named <sub-task>_<line>, then a task counting the files made', async () => {
    const { projectDir, workspaceDir } = copyFixture('foreach');
    const r = await run(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    const ids = ['a1', 'b2', 'c3', 'd4', 'e5', 'f6'];
    expect(readArtifacts(workspaceDir)).toEqual({
      // [#18.3] pipelines: stdout logs only.
      ...emptyLogs(['make_markers', ...ids.map((id) => `touch_marker_${id}`)], 'stdout'),
      ...Object.fromEntries(ids.map((id) => [`marker_${id}.txt`, ''])),
      'count_markers_stdout.log': '6\n',
    });
  });

  it('05a foreach except: a failed line ends the loop (kill_loop_on_fail), its later sub-task still runs, the next task runs', async () => {
    const { projectDir, workspaceDir } = copyFixture('foreach-except');
    const r = await run(projectDir, workspaceDir);
    // SPEC §10: exit 1 when a task failed (the original exited 0).
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('13 is refused');
    const lines = ['7', '8', '13'];
    expect(readArtifacts(workspaceDir)).toEqual({
      // [#18.3] pipelines (triple_numbers, triple_<n>, count_results): stdout logs only.
      ...emptyLogs(['triple_numbers', ...lines.map((n) => `triple_${n}`)], 'stdout'),
      // SPEC §10: the original named these note_number_7_7_… (line appended twice); here the line is appended once.
      ...emptyLogs(lines.map((n) => `note_number_${n}`), 'stdout', 'stderr'),
      'result_7.txt': '',
      'result_8.txt': '',
      'tripled.txt': '21\n24\n',
      'noted.txt': '7\n8\n13\n',
      'count_results_stdout.log': '2\n',
    });
  });

  it('06a fork except: a failing fork child fails the task and, with kill_downstream_on_fail, stops the next one', async () => {
    const { projectDir, workspaceDir } = copyFixture('fork-except');
    const r = await run(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(1); // SPEC §10 (the original exited 0)
    expect(r.stderr).toContain('13 is refused');
    expect(readArtifacts(workspaceDir)).toEqual({
      // [#18.3] pipelines: stdout logs only. split_stream_stdout.log: written (empty) as the original writes it when
      // its fork succeeds; the original skipped it when a fork child failed, as a side effect of the exception.
      ...emptyLogs(['split_stream', 'checker', 'repeater'], 'stdout'),
      'seen_7.txt': '',
      'seen_8.txt': '',
      'repeated.txt': '77\n88\n1133\n99\n1100\n',
    });
    expect(fs.readFileSync(path.join(workspaceDir, 'checked.txt'), 'utf8')).toBe('');
  });
});

describe('HO_STAGE', () => {
  it('is in the environment of every command handoff starts: installs, commands, pipelines, foreach and fork', async () => {
    const { projectDir, workspaceDir } = makeProject(`
installs:
- command: echo "install $HO_STAGE" >> stages.txt
tasks:
- name: plain
  commands:
  - command: echo "commands $HO_STAGE {{ HO_STAGE }}" >> stages.txt
- name: piped
  pipeline:
  - command: echo "pipeline $HO_STAGE" >> stages.txt; printf 'x\\ny\\n'
  - foreach:
    - name: sub
      commands:
      - command: echo "foreach-{{ _line }} $HO_STAGE" >> stages.txt
- name: forked
  pipeline:
  - command: printf 'z\\n'
  - fork:
    - name: child
      pipeline:
      - command: cat > /dev/null; echo "fork-child $HO_STAGE" >> stages.txt
`);
    // -s wins over an HO_STAGE the shell already had, in the children too.
    const env = { HO_STAGE: 'elsewhere' };
    const install = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir, '-s', 'qa'], { env });
    expect(install.code, install.stderr).toBe(0);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-s', 'qa'], { env });
    expect(r.code, r.stderr).toBe(0);
    const lines = fs.readFileSync(path.join(workspaceDir, 'stages.txt'), 'utf8').trim().split('\n').sort();
    expect(lines).toEqual(['commands qa qa', 'foreach-x qa', 'foreach-y qa', 'fork-child qa', 'install qa', 'pipeline qa']);
  });
});

describe('-e on run local', () => {
  it('exports each variable to every command, over the project envs, as the original did', async () => {
    const { projectDir, workspaceDir } = makeProject(`
envs:
- key: GREETING
  value: from-project
- key: KEPT
  value: kept
tasks:
- name: show
  pipeline:
  - command: echo "$GREETING $KEPT $EXTRA"
  - foreach:
    - name: line
      commands:
      - command: echo "{{ _line }} $EXTRA" >> lines.txt
`);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-e', 'GREETING=from-cli', 'EXTRA=1.0']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'lines.txt'), 'utf8')).toBe('from-cli kept 1.0 1.0\n');
  });

  it('an env overridden with -e has that one value in templates too (files/, vars, commands), below -v', async () => {
    const { projectDir, workspaceDir } = makeProject(
      `
envs:
- key: TITLE
  value: from-project
vars:
- key: heading
  value: "# {{ TITLE }}"
tasks:
- name: show
  commands:
  - command: echo "{{ TITLE }} $TITLE {{ heading }} {{ ONLY_CLI }}" > artifacts/out.txt
`,
      { 'files/conf.txt': 'title={{ TITLE }}\n' },
    );
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-e', 'TITLE=from-cli', 'ONLY_CLI=yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'out.txt'), 'utf8')).toBe('from-cli from-cli # from-cli yes\n');
    expect(fs.readFileSync(path.join(workspaceDir, 'files', 'conf.txt'), 'utf8')).toBe('title=from-cli\n');
    // -v is for templates and wins there, as over any other value.
    const v = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-e', 'TITLE=from-cli', '-v', 'TITLE=from-v']);
    expect(v.code, v.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'out.txt'), 'utf8')).toBe('from-v from-cli # from-v \n');
  });
});

/** python3 with the original's libraries (Jinja2, PyYAML): the reference for how values render. */
const oracleReady = spawnSync('python3', ['-c', 'import jinja2, yaml'], { stdio: 'ignore' }).status === 0;

/** Renders templates as the original did (see fixtures/compat/jinja_oracle.py). */
function renderLikeTheOriginal(project: string, cliVars: string[], templates: Record<string, string>, extra: Record<string, unknown> = {}): Record<string, string> {
  const input = JSON.stringify({ project, cli_vars: cliVars, templates, extra });
  return JSON.parse(execFileSync('python3', [path.join(fixtures, 'jinja_oracle.py')], { input, encoding: 'utf8' })) as Record<string, string>;
}

/** What `/bin/sh -c <line>` prints, as the original's Popen(shell=True) ran a rendered command. */
function shellOutput(line: string, cwd: string): string {
  return execFileSync('/bin/sh', ['-c', line], { cwd, encoding: 'utf8' });
}

describe('values render as the original rendered them', () => {
  const cliVars = ['flag=true', 'neg=F', 'num=007', 'fl=3.5', 'whole=1.0', 'big=1e5'];

  it.skipIf(!oracleReady)(
    `in commands, foreach sub-tasks and files/, locally and from the store with __VARS (against Jinja2 + PyYAML)${oracleReady ? '' : ' (skipped: python3 has no jinja2/PyYAML)'}`,
    async () => {
      const { projectDir, workspaceDir } = copyFixture('values');
      const projectFile = path.join(projectDir, 'project.yml');
      const command = 'echo {{ on_flag }} {{ off_flag }} {{ ratio }} {{ half }} {{ tiny }} {{ nothing }} {{ count }} {{ flag }} {{ neg }} {{ num }} {{ fl }} {{ whole }} {{ big }} [{{ undefined_value }}]';
      const perLine = 'echo {{ _line }} {{ ratio }} {{ nothing }} {{ whole }}';
      const fileText = fs.readFileSync(path.join(projectDir, 'files', 'values.txt'), 'utf8');
      const reference = renderLikeTheOriginal(projectFile, cliVars, { command, file: fileText, flag: '{{ flag }}' });
      const line = reference.flag as string;
      const { perLine: perLineRendered } = renderLikeTheOriginal(projectFile, cliVars, { perLine }, { _line: line });
      const expected = {
        'show_values_stdout.log': shellOutput(reference.command as string, projectDir),
        'show_values_stderr.log': '',
        'per_line_stdout.log': '',
        [`line_values_${line}_stdout.log`]: shellOutput(perLineRendered as string, projectDir),
        [`line_values_${line}_stderr.log`]: '',
      };
      // What the reference printed, so a reader sees the values at stake.
      expect(reference.command).toBe("echo True False 1.0 2.5 1e-05 None 7 True False 7 3.5 1.0 100000 []");

      const local = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', ...cliVars]);
      expect(local.code, local.stderr).toBe(0);
      expect(readArtifacts(workspaceDir)).toEqual(expected); // [#18.3] per_line is a pipeline: no stderr log
      expect(fs.readFileSync(path.join(workspaceDir, 'files', 'values.txt'), 'utf8')).toBe(reference.file);

      // The same project from the (local) store, its variables from __VARS as a schedule or container passes them.
      const env = { HANDOFF_HOME: makeTempDir('handoff-home-') };
      expect((await runCli(['cloud', 'bucket', 'create', '-p', projectDir], { env })).code).toBe(0);
      const pushed = await runCli(['project', 'push', '-p', projectDir, '-y'], { env });
      expect(pushed.code, pushed.stderr).toBe(0);
      const storeWorkspace = path.join(makeTempDir(), 'ws');
      const fromStore = await runCli(['run', '-p', projectDir, '-w', storeWorkspace], { env: { ...env, __VARS: cliVars.join(' ') } });
      expect(fromStore.code, fromStore.stderr).toBe(0);
      expect(readArtifacts(storeWorkspace)).toEqual(expected);
      expect(fs.readFileSync(path.join(storeWorkspace, 'files', 'values.txt'), 'utf8')).toBe(reference.file);
    },
    60_000,
  );
});

describe('attribute paths over values read from YAML, as Jinja2 walks them over PyYAML\'s', () => {
  // Twenty-second session (review): PyYAML reads `80:` as the int 80, which `ports.80` finds (a part of digits is
  // an int); handoff holds that key as the str '80', so a part of digits also finds a YAML key of those digits. The
  // branch's first cut found only an int key: every value below was Undefined, groupby an error.
  it.skipIf(!oracleReady)(
    `map, join, selectattr, rejectattr, groupby and sort by 'ports.80' find int keys of YAML mappings${oracleReady ? '' : ' (skipped: python3 has no jinja2/PyYAML)'}`,
    async () => {
      const template =
        "{{ hosts | map(attribute='ports.80') | list }}|{{ hosts | join(',', attribute='ports.80') }}|{{ hosts | selectattr('ports.443', 'defined') | map(attribute='name') | join }}|" +
        "{{ hosts | rejectattr('ports.80', 'eq', 'http') | map(attribute='name') | join }}|{% for g in hosts | groupby('ports.80') %}{{ g.grouper }}={{ g.list | map(attribute='name') | join }};{% endfor %}|" +
        "{{ hosts | sort(attribute='ports.80,name', reverse=true) | map(attribute='name') | join }}|{{ hosts | map(attribute='ports.443', default='-') | join(',') }}|{{ hosts[0].ports[80] }}\n";
      const { projectDir, workspaceDir } = makeProject(
        'vars:\n- key: hosts\n  value:\n  - name: a\n    ports:\n      80: http\n      443: https\n  - name: b\n    ports:\n      80: web\n  - name: c\n    ports:\n      80: http\n' +
          'tasks:\n- name: t\n  commands:\n  - command: echo\n',
        { 'files/hosts.txt': template },
      );
      const reference = renderLikeTheOriginal(path.join(projectDir, 'project.yml'), [], { file: template });
      expect(reference.file).toBe("['http', 'web', 'http']|http,web,http|a|b|http=ac;web=b;|bca|https,-,-|http\n");
      const r = await runCli(['files', 'get', 'local', '-p', projectDir, '-w', workspaceDir]);
      expect(r.code, r.stderr).toBe(0);
      expect(fs.readFileSync(path.join(workspaceDir, 'files', 'hosts.txt'), 'utf8')).toBe(reference.file);
    },
    30_000,
  );
});

describe('secrets files written for the original (read with PyYAML)', () => {
  it('push: no / off / yes are the booleans they were: run local uses all three, secrets push skips the first two', async () => {
    const { projectDir, workspaceDir } = makeProject(
      'deploy:\n  cloud_provider: local\n  resource_group: rg\n  task: mytask\nenvs:\n- key: A\n- key: B\n- key: C\ntasks:\n- name: t\n  commands:\n  - command: printf "%s" "$A$B$C" | wc -c\n',
      {
        '.secrets/dev_secrets.yml': '- key: A\n  value: aaaa-secret\n  push: no\n- key: B\n  value: bbbb-secret\n  push: off\n- key: C\n  value: cccc-secret\n  push: yes\n',
      },
    );
    const local = await run(projectDir, workspaceDir);
    expect(local.code, local.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8').trim()).toBe('33');

    const env = { HANDOFF_HOME: makeTempDir('handoff-home-') };
    const pushed = await runCli(['secrets', 'push', '-p', projectDir, '-y'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toMatch(/- A \(task level\).* SKIP \(push: false\)/);
    expect(pushed.stderr).toMatch(/- B \(task level\).* SKIP \(push: false\)/);
    expect(pushed.stderr).not.toMatch(/- C \(task level\).* SKIP/);
    const stored = await runCli(['secrets', 'print', '-p', projectDir, '--json'], { env });
    expect(stored.code, stored.stderr).toBe(0);
    expect(stored.stdout).toContain('"C"');
    expect(stored.stdout).not.toMatch(/"(A|B)"/);
  });
});

describe('secret values are typed as PyYAML typed them, as vars are (README: the secrets file is read with PyYAML\'s rules)', () => {
  it.skipIf(!oracleReady)(
    `yes renders True, 1.50 renders 1.5, 98765 is an int; the environment gets the printed text, and the printed forms are masked${oracleReady ? '' : ' (skipped: python3 has no jinja2/PyYAML)'}`,
    async () => {
      const secretsYml = "- key: FLAGS\n  value: yes\n- key: FLT\n  value: 1.50\n- key: PIN\n  value: 98765\n- key: RATE\n  value: 1.0e+3\n- key: CODE\n  value: '0123'\n";
      const args = 'flags={{ FLAGS }} flt={{ FLT }} pin1={{ PIN + 1 }} rate={{ RATE }} code={{ CODE }} env={{ PIN is number }}';
      const { projectDir, workspaceDir } = makeProject(
        `envs:\n- key: PIN\ntasks:\n- name: t\n  commands:\n  - command: echo\n    args: "${args}"\n  - command: sh\n    args: -c 'echo "PIN=$PIN"'\n`,
        { '.secrets/dev_secrets.yml': secretsYml },
      );
      // The original: PyYAML reads the secrets file, Jinja2 renders with its values.
      const program = 'import jinja2, yaml, sys\nvalues = {e["key"]: e["value"] for e in yaml.safe_load(open(sys.argv[1]))}\nprint(jinja2.Template(sys.argv[2]).render(**values))';
      const expected = execFileSync('python3', ['-c', program, path.join(projectDir, '.secrets', 'dev_secrets.yml'), args], { encoding: 'utf8' });
      expect(expected).toBe('flags=True flt=1.5 pin1=98766 rate=1000.0 code=0123 env=True\n');

      const r = await run(projectDir, workspaceDir);
      expect(r.code, r.stderr).toBe(0);
      expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe(`${expected}PIN=98765\n`);
      // The secrets' printed forms are secrets too: the logged command line masks them, as it masks the written ones.
      expect(r.stderr).toContain('flags=*** flt=***');
      expect(r.stderr).toContain('rate=***');
      expect(r.stderr).not.toMatch(/True|1\.5\b|1000\.0|98765/);
      const records = fs.readdirSync(workspaceDir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && !path.relative(workspaceDir, e.parentPath).startsWith('artifacts'))
        .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'));
      expect(records.join('\n')).not.toMatch(/flags=True|flt=1\.5|rate=1000\.0/);
    },
    60_000,
  );
});

describe('a resource group secret listed without a value (the original warned "Unregistered resource group level secret")', () => {
  const deploy = 'deploy:\n  cloud_provider: local\n  resource_group: rg\n';
  const tasks = 'tasks:\n- name: t\n  commands:\n  - command: echo "[{{ shared_pw }}]"\n';

  it('runs with a warning naming file, line and key; and secrets push never overwrites the group value another project pushed', async () => {
    const env = { HANDOFF_HOME: makeTempDir('handoff-home-') };
    // Another project of the resource group registers the shared secret.
    const owner = makeProject(`${deploy}  task: owner\n${tasks}`, {
      '.secrets/dev_secrets.yml': '- key: shared_pw\n  value: group-pw-4711\n  level: resource group\n',
    });
    expect((await runCli(['cloud', 'bucket', 'create', '-p', owner.projectDir], { env })).code).toBe(0);
    const registered = await runCli(['secrets', 'push', '-p', owner.projectDir, '-y'], { env });
    expect(registered.code, registered.stderr).toBe(0);

    const { projectDir, workspaceDir } = makeProject(`${deploy}  task: user\n${tasks}`, {
      '.secrets/dev_secrets.yml': '- key: a\n  value: aaaa-secret\n- key: shared_pw\n  level: resource group\n',
    });
    const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
    const local = await run(projectDir, workspaceDir);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stderr).toContain(`${file}:3:8: resource group secret "shared_pw" has neither value nor file`);
    // Not an empty value used without a word: the template's use of it is reported as undefined.
    expect(local.stderr).toMatch(/undefined.*shared_pw|shared_pw.*undefined/);

    const pushed = await runCli(['secrets', 'push', '-p', projectDir, '-y'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain(`${file}:3:8: resource group secret "shared_pw"`);
    expect(pushed.stderr).not.toMatch(/- shared_pw/);
    const revealed = await runCli(['secrets', 'print', '-p', projectDir, '--reveal', '--json'], { env });
    expect(revealed.code, revealed.stderr).toBe(0);
    expect(revealed.stdout).toContain('group-pw-4711');
  });
});

describe('-l as the original listed its levels (DEBUG, INFO, WARNING, ERROR, CRITICAL)', () => {
  it('takes a level in any case; an unknown level is still a usage error', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: t\n  commands:\n  - command: echo hi\n');
    const debug = await run(projectDir, workspaceDir, '-l', 'DEBUG');
    expect(debug.code, debug.stderr).toBe(0);
    expect(debug.stderr).toMatch(/ DEBUG - /);
    const warning = await run(projectDir, workspaceDir, '--log-level', 'Warning');
    expect(warning.code, warning.stderr).toBe(0);
    expect(warning.stderr).not.toMatch(/ INFO - /);
    const unknown = await run(projectDir, workspaceDir, '-l', 'LOUD');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("argument 'LOUD' is invalid. Allowed choices are debug, info, warning, error, critical.");
  });
});
