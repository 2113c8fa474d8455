// A secret planted everywhere it can travel, then looked for in every sink handoff writes: it is never found.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { listFiles } from './fault-helpers.js';

const TOKEN = 'sekret-value-4711';
/** A file secret of several lines (a key): each line is masked on its own, since output comes line by line. */
const KEY_LINES = ['c2VjcmV0LWtleS1saW5lLW9uZQ', 'c2VjcmV0LWtleS1saW5lLXR3bw'];
const KEY_FILE = `-----BEGIN PRIVATE KEY-----\n${KEY_LINES.join('\n')}\n-----END PRIVATE KEY-----\n`;
/** A password with characters handoff's own templates change (`_line_safe`, `| shell_quote`, `| tojson`, `| e`, …). */
const PASSWORD = "it's-Summer<2024>&!x";
/** The forms the templates below print PASSWORD in: each must be masked like the value. */
const PASSWORD_FORMS = [
  `it'"'"'s-Summer<2024>&!x`, // | shell_quote
  'it\\u0027s-Summer\\u003c2024\\u003e\\u0026!x', // | tojson
  'it&#39;s-Summer&lt;2024&gt;&amp;!x', // | e
  "it'\"'\"'s-Summer%3C2024%3E%26!x", // | urlencode | shell_quote
  'it_s-Summer_2024_x', // _line_safe of a line that holds it
];
/** What must appear nowhere: the values, the JSON-escaped form of the multi-line one, the forms of the password. */
const FORBIDDEN = [TOKEN, ...KEY_LINES, JSON.stringify(KEY_FILE).slice(1, -1), PASSWORD, ...PASSWORD_FORMS];

function expectNoSecret(text: string, where: string): void {
  for (const value of FORBIDDEN) expect(text.includes(value), `${where} holds a secret value`).toBe(false);
}

const SECRETS = {
  '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${TOKEN}\n- key: service_key\n  file: key.pem\n- key: PW\n  value: "${PASSWORD}"\n`,
  '.secrets/key.pem': KEY_FILE,
  // One stderr line of 65531 bytes, the secret, then more: longer than the 64 KiB a line is cut at, with the secret
  // across the cut, in one write (handoff reads 64 KiB at a time).
  'files/long_line.py': "import os, sys\nsys.stderr.write('A' * 65531 + os.environ['API_TOKEN'] + 'B' * 70000 + '\\n')\n",
};

/**
 * Every way a task can hand a secret to handoff: stderr (echoed, templated, multi-line), its command line, a foreach
 * input line (which names sub-tasks and their log files), a failing command's stderr tail, an undefined-variable
 * warning next to it. The stdout of the tasks carries only the secret's length, to prove the value did arrive.
 */
const LEAKY_PROJECT = `
envs:
- key: API_TOKEN
tasks:
- name: console
  kill_downstream_on_fail: false
  commands:
  - command: echo "env $API_TOKEN" >&2
  - command: echo "template {{ API_TOKEN }} {{ not_defined_anywhere }}" >&2
  - command: printf '%s\\n' {{ service_key | shell_quote }} >&2
  - command: printf '%s' "$API_TOKEN" | wc -c
  - command: python3 files/long_line.py
- name: lines
  kill_downstream_on_fail: false
  pipeline:
  - command: printf '%s\\nplain\\n' "$API_TOKEN"
  - foreach:
    - name: each
      commands:
      - command: echo "line {{ _line }}" >&2
- name: piped
  kill_downstream_on_fail: false
  pipeline:
  - command: echo "{{ API_TOKEN }}"
  - command: sh -c 'cat >/dev/null; echo "downstream saw $API_TOKEN" >&2; exit 4'
- name: labelled
  kill_downstream_on_fail: false
  commands:
  - command: "pw-{{ API_TOKEN }}-not-a-command"
- name: derived
  kill_downstream_on_fail: false
  pipeline:
  - command: printf '%s\\n' "https://x.invalid/?pw="{{ PW | shell_quote }}
  - foreach:
    - name: get
      commands:
      - command: "true"
        args: "--output files/{{ _line_safe }}.json {{ _line | shell_quote }} {{ {'pw': PW} | tojson | shell_quote }} {{ PW | e | shell_quote }} {{ PW | urlencode | shell_quote }}"
      - command: echo "{{ _line_safe }}" >&2
- name: failing
  commands:
  - command: sh -c 'echo "failing with $API_TOKEN" >&2; exit 3'
`;

describe('a secret planted in every sink is never found', () => {
  const { projectDir, workspaceDir } = makeProject(LEAKY_PROJECT, SECRETS);
  let run: CliResult;
  let runId = '';

  beforeAll(async () => {
    run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-l', 'debug', '--json']);
    runId = JSON.parse(run.stdout).runId;
  });

  it('the secret reached the commands (the sinks below were really exercised)', () => {
    expect(run.code).toBe(1);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'console_stdout.log'), 'utf8').trim()).toBe(String(TOKEN.length));
    expect(run.stderr).toContain('env ***');
    expect(run.stderr).toContain('template *** ');
    expect(run.stderr).toContain('failing with ***');
  });

  it('console: handoff stderr at debug level (stderr lines, command lines, task names, warnings, the failure summary)', () => {
    expectNoSecret(run.stderr, 'stderr of run local');
    // A line longer than the cut (64 KiB) with the secret across it: cut before the secret, which is masked whole.
    expect(run.stderr).toMatch(new RegExp(`\\[console\\] python3: A{65531}\\n.*\\[console\\] python3: \\*\\*\\*B{20}`));
    // A secret in a command line does not reach the name a process is known by: console prefix, record keys, files.
    expect(run.stderr).toContain('[labelled] pw-***-not-a-command: ');
    expect(run.stderr).toMatch(/Process \d+ pw-\*\*\*-not-a-command exited with code 127/);
    expect(run.stderr).toMatch(/DEBUG - Process \d+ started: echo "template \*\*\* " >&2/);
    expect(run.stderr).toContain('Task each__ started');
    // The forms handoff's templates make of a secret are masked as the secret is (the value did reach the command).
    expect(run.stderr).toContain(`true --output files/https_x.invalid_pw_***.json 'https://x.invalid/?pw=***' '{"pw": "***"}' '***' '***' exited with code 0`);
    expect(run.stderr).toContain('[get_https_x.invalid_pw_] echo: https_x.invalid_pw_***');
  });

  it('--json output of run local', () => {
    expectNoSecret(run.stdout, 'stdout of run local --json');
    expect(run.stdout).toContain('***');
  });

  it('run record, per-run console log and per-process stderr logs (contents and file names)', () => {
    const files = listFiles(path.join(workspaceDir, 'runs'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      expectNoSecret(path.relative(workspaceDir, file), 'a file name under runs/');
      expectNoSecret(fs.readFileSync(file, 'utf8'), file);
    }
    const record = JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', `${runId}.json`), 'utf8'));
    expect(record.reason).toBe('task piped: sh exited with code 4');
    expect(Object.keys(record.logs.stderr)).toContain('labelled/pw-***-not-a-command');
    expect(record.tasks.find((t: { name: string }) => t.name === 'labelled').processes[0].name).toBe('pw-***-not-a-command');
    expect(JSON.stringify(record)).toContain('failing with ***');
  });

  it('artifacts/: stderr logs of every task and sub-task (contents and file names)', () => {
    const files = listFiles(path.join(workspaceDir, 'artifacts'));
    for (const file of files) expectNoSecret(path.basename(file), 'a file name under artifacts/');
    const stderrLogs = files.filter((f) => f.endsWith('_stderr.log'));
    expect(stderrLogs.map((f) => path.basename(f)).sort()).toEqual(
      // `commands:` tasks only: a pipeline's stderr is no artifact (SPEC §5).
      ['console', 'each__', 'each_plain', 'failing', 'get_https_x.invalid_pw_', 'labelled'].map((n) => `${n}_stderr.log`),
    );
    for (const file of stderrLogs) expectNoSecret(fs.readFileSync(file, 'utf8'), file);
  });

  it('runs list, runs show (text and --json) and runs logs', async () => {
    const outputs = await Promise.all([
      runCli(['runs', 'list', '-w', workspaceDir]),
      runCli(['runs', 'list', '-w', workspaceDir, '--json']),
      runCli(['runs', 'show', runId, '-w', workspaceDir]),
      runCli(['runs', 'show', runId, '-w', workspaceDir, '--json']),
      runCli(['runs', 'logs', runId, '-w', workspaceDir]),
    ]);
    for (const [i, r] of outputs.entries()) {
      expect(r.code).toBe(0);
      expectNoSecret(r.stdout + r.stderr, `runs command ${i}`);
    }
    expect(outputs[2].stdout).toContain('| failing with ***');
    expect(outputs[4].stdout).toContain('env ***');
  });

  it('--dry-run plan, as text and as JSON', async () => {
    for (const extra of [[], ['--json']]) {
      const r = await runCli(['run', 'local', '-p', projectDir, '-w', makeTempDir(), '--dry-run', ...extra]);
      expect(r.code).toBe(0);
      expectNoSecret(r.stdout + r.stderr, `run local --dry-run ${extra.join(' ')}`);
    }
  });
});

describe('error messages never quote a secret', () => {
  // `{% include %}` of a value made nunjucks say "template not found: <the value>", an error that quoted a value; it is
  // refused before anything is rendered now, and no message, log or record holds the value.
  const quoting = '{% include API_TOKEN %}';

  it.each([
    ['a command line', `tasks:\n- name: t\n  commands:\n  - command: echo "${quoting}"\n`, {}],
    ['a vars value', `vars:\n- key: v\n  value: "${quoting}"\ntasks:\n- name: t\n  commands:\n  - command: echo\n`, {}],
    ['a file under files/', 'tasks:\n- name: t\n  commands:\n  - command: cat files/conf.txt\n', { 'files/conf.txt': `token=${quoting}\n` }],
    ['a foreach command, rendered per line', `tasks:\n- name: t\n  pipeline:\n  - command: echo x\n  - foreach:\n    - name: e\n      commands:\n      - command: echo "${quoting}"\n`, {}],
  ])('run local: a template error in %s, at every log level', async (_where, yml, files) => {
    const { projectDir, workspaceDir } = makeProject(yml, { ...SECRETS, ...files });
    for (const level of ['info', 'debug']) {
      const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-l', level]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('{% include %} is not supported');
      expectNoSecret(r.stdout + r.stderr, `run local -l ${level}`);
    }
    for (const file of listFiles(workspaceDir).filter((f) => !f.includes(`${path.sep}files${path.sep}`))) {
      expectNoSecret(fs.readFileSync(file, 'utf8'), file);
    }
  });

  it('workspace install: a template error in an install command', async () => {
    const { projectDir, workspaceDir } = makeProject(`installs:\n- venv: v\n  command: echo "${quoting}"\ntasks:\n- name: t\n  commands:\n  - command: echo\n`, SECRETS);
    const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir, '-l', 'debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('{% include %} is not supported');
    expectNoSecret(r.stdout + r.stderr, 'workspace install');
  });

  it('workspace install: a failing install command that holds a secret, its --json result and the fingerprint file', async () => {
    const failing = `installs:\n- venv: v\n  command: echo "pip install git+https://{{ API_TOKEN }}@example.invalid/x" && exit 1\n`;
    const { projectDir, workspaceDir } = makeProject(failing, SECRETS);
    for (const extra of [[], ['--json']]) {
      const r = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir, '-l', 'debug', ...extra], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(1);
      // The error still says which command failed, with the secret masked as everywhere else.
      expect(r.stderr).toContain('install of venv v failed: "echo "pip install git+https://***@example.invalid/x" && exit 1" exited with code 1');
      expectNoSecret(r.stdout + r.stderr, `failing workspace install ${extra.join(' ')}`);
    }

    // A succeeding install: the file that remembers it holds no secret, yet a changed secret is a changed install.
    fs.writeFileSync(path.join(projectDir, 'project.yml'), 'installs:\n- venv: v\n  command: echo "{{ API_TOKEN }}" > /dev/null\n');
    const install = () => runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir], { timeoutMs: 120_000 });
    const ok = await install();
    expect(ok.code, ok.stderr).toBe(0);
    const fingerprintFile = path.join(workspaceDir, 'v', '.handoff-install.json');
    expectNoSecret(fs.readFileSync(fingerprintFile, 'utf8'), fingerprintFile);
    expect(fs.readFileSync(fingerprintFile, 'utf8')).toContain('echo \\"***\\" > /dev/null');
    expect((await install()).stderr).toContain('Skipping venv v');
    // A workspace installed by an earlier handoff kept the command in clear text: an unchanged install rewrites it.
    const { fingerprint, python } = JSON.parse(fs.readFileSync(fingerprintFile, 'utf8'));
    fs.writeFileSync(fingerprintFile, JSON.stringify({ fingerprint, command: `echo "${TOKEN}" > /dev/null`, python }));
    expect((await install()).stderr).toContain('Skipping venv v');
    expectNoSecret(fs.readFileSync(fingerprintFile, 'utf8'), `${fingerprintFile} of an earlier handoff`);
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), `- key: API_TOKEN\n  value: ${TOKEN}-rotated\n`);
    const rotated = await install();
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stderr).toContain('Installing venv v: echo "***" > /dev/null');
    expect(rotated.stderr).not.toContain('Skipping');
  });
});

describe('the local store: push, run from the store, print', () => {
  it('console output, config print, secrets print (masked) and every file of HANDOFF_HOME but the secret store itself', async () => {
    const home = makeTempDir('handoff-home-');
    const env = { HANDOFF_HOME: home };
    const { projectDir } = makeProject(
      `deploy:\n  resource_group: rg\n  task: leaky\n${LEAKY_PROJECT}`,
      { ...SECRETS, 'files/conf.txt': 'token={{ API_TOKEN }}\n' },
    );
    const workspaceDir = path.join(makeTempDir(), 'ws');
    const target = ['-e', 'resource_group=rg', 'task=leaky'];
    const steps: Array<[string[], number]> = [
      [['cloud', 'bucket', 'create', '-p', projectDir], 0],
      [['project', 'push', '-p', projectDir, '-y', '-l', 'debug'], 0],
      [['run', '-w', workspaceDir, ...target, '-a', '-l', 'debug', '--json'], 1],
      [['config', 'print', ...target], 0],
      [['config', 'print', ...target, '--json'], 0],
      [['secrets', 'print', ...target], 0],
      [['secrets', 'print', ...target, '--json'], 0],
      [['runs', 'list', '-w', workspaceDir, '--json'], 0],
    ];
    for (const [args, code] of steps) {
      const r = await runCli(args, { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expectNoSecret(r.stdout + r.stderr, args.join(' '));
    }
    // The secret store holds the values by design (files of mode 0600); everything else is searched, names included.
    const secretStore = path.join(home, 'parameters');
    for (const file of listFiles(secretStore)) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const searched = [...listFiles(home).filter((f) => !f.startsWith(secretStore)), ...listFiles(path.join(workspaceDir, 'runs'))];
    expect(searched.some((f) => f.includes(`${path.sep}runs${path.sep}`))).toBe(true);
    for (const file of searched) {
      // Rendered files/ hold the value on purpose (the tap reads its password there); they stay in the workspace.
      if (file.startsWith(path.join(workspaceDir, 'files'))) continue;
      expectNoSecret(path.relative(home, file), 'a file name in the store');
      expectNoSecret(fs.readFileSync(file, 'utf8'), file);
    }
    // Only --reveal shows a value, by request.
    const revealed = await runCli(['secrets', 'print', ...target, '--reveal'], { env });
    expect(revealed.stdout).toContain(TOKEN);
  });
});

describe('a short secret that occurs in the run id (a PIN 1206 in a run of 6 December)', () => {
  // The run id starts with the year it is made in (a test run across New Year's midnight aside).
  const PIN = String(new Date().getUTCFullYear());
  const yml = `envs:\n- key: PIN\ntasks:\n- name: t\n  commands:\n  - command: sh -c 'echo "pin=$PIN" >&2; exit 1'\n`;

  it('is masked in what the command prints, never in the run id, the record file name or its log paths', async () => {
    const { projectDir, workspaceDir } = makeProject(yml, { '.secrets/dev_secrets.yml': `- key: PIN\n  value: "${PIN}"\n` });
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--json']);
    expect(run.code).toBe(1);
    const runId = JSON.parse(run.stdout).runId as string;
    expect(runId.startsWith(PIN)).toBe(true);
    expect(run.stderr).toContain('pin=***');
    expect(run.stderr).toContain(`handoff runs show ${runId}`);
    expect(fs.readdirSync(path.join(workspaceDir, 'runs')).filter((n) => !n.startsWith('.')).sort()).toEqual([runId, `${runId}.json`]);
    const record = JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', `${runId}.json`), 'utf8'));
    expect(record.runId).toBe(runId);
    expect(record.logs.console).toBe(`runs/${runId}/console.log`);
    expect(JSON.stringify(record)).not.toContain('pin=2');
    const [show, logs] = await Promise.all([runCli(['runs', 'show', runId, '-w', workspaceDir]), runCli(['runs', 'logs', runId, '-w', workspaceDir])]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('pin=***');
    expect(logs.stdout).toContain('pin=***');
    expect(logs.stdout).toContain(runId);
  });
});

describe('a secret given with -v or -e in place of the file\'s value', () => {
  const yml = `envs:\n- key: TOK\ntasks:\n- name: t\n  commands:\n  - command: echo 'pre-{{ TOK }}-post'\n  - command: sh -c 'echo "tok=$TOK" >&2'\n`;

  it.each([
    ['-v', 'override-value-777'],
    ['-e', 'envsecret-1234'],
  ])('%s TOK=…: masked in the console, the record, the logs and runs show', async (flag, value) => {
    const { projectDir, workspaceDir } = makeProject(yml, { '.secrets/dev_secrets.yml': '- key: TOK\n  value: file-value-123\n' });
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-l', 'debug', '--json', flag, `TOK=${value}`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('tok=***');
    expect(run.stderr).toContain("echo 'pre-***-post'");
    const runId = JSON.parse(run.stdout).runId as string;
    const show = await runCli(['runs', 'show', runId, '-w', workspaceDir]);
    const logs = await runCli(['runs', 'logs', runId, '-w', workspaceDir]);
    expect(logs.stdout).toContain('tok=***');
    for (const text of [run.stdout + run.stderr, show.stdout, logs.stdout, ...listFiles(path.join(workspaceDir, 'runs')).map((f) => fs.readFileSync(f, 'utf8'))]) {
      expect(text).not.toContain(value);
    }
  });
});

describe('a local-only secret (push: false) given with -v or -e to a run from the store', () => {
  it('is masked when -p names the project, whose secrets file says the key is a secret', async () => {
    const env = { HANDOFF_HOME: makeTempDir('handoff-home-') };
    const yml = `deploy:\n  resource_group: rg\n  task: localonly\ntasks:\n- name: t\n  commands:\n  - command: echo 'pre-{{ notify_url }}-post'\n  - command: sh -c 'echo "hook=$hook_token" >&2'\n`;
    const { projectDir } = makeProject(yml, {
      '.secrets/dev_secrets.yml': '- key: API_TOKEN\n  value: pushed-token-123\n- key: notify_url\n  value: file-url-123\n  push: false\n- key: hook_token\n  value: file-hook-123\n  push: false\n',
    });
    const workspaceDir = path.join(makeTempDir(), 'ws');
    for (const args of [['cloud', 'bucket', 'create', '-p', projectDir], ['project', 'push', '-p', projectDir, '-y']]) {
      const r = await runCli(args, { env });
      expect(r.code, r.stderr).toBe(0);
    }
    const given = ['https://hooks.example.invalid/given-777', 'given-hook-4242'];
    const run = await runCli(['run', '-p', projectDir, '-w', workspaceDir, '-l', 'debug', '--json', '-v', `notify_url=${given[0]}`, '-e', `hook_token=${given[1]}`], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("echo 'pre-***-post'");
    expect(run.stderr).toContain('hook=***');
    const runId = JSON.parse(run.stdout).runId as string;
    const show = await runCli(['runs', 'show', runId, '-w', workspaceDir], { env });
    const logs = await runCli(['runs', 'logs', runId, '-w', workspaceDir], { env });
    for (const text of [run.stdout + run.stderr, show.stdout, logs.stdout, ...listFiles(path.join(workspaceDir, 'runs')).map((f) => fs.readFileSync(f, 'utf8'))]) {
      for (const value of given) expect(text).not.toContain(value);
    }
  });
});

describe('runs show and runs logs mask with the project\'s current secrets, as the UI does', () => {
  it('a value printed in clear before it was made a secret', async () => {
    const { projectDir, workspaceDir } = makeProject("tasks:\n- name: t\n  commands:\n  - command: echo 'pre-late-value-5555-post'\n  - command: sh -c 'echo late-value-5555 >&2'\n");
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-l', 'debug', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('late-value-5555');
    const runId = JSON.parse(run.stdout).runId as string;
    fs.mkdirSync(path.join(projectDir, '.secrets'));
    fs.writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), '- key: LATE\n  value: late-value-5555\n');
    // -p, or the folder the record says the run was started from.
    for (const where of [['-p', projectDir], []]) {
      const outputs = await Promise.all([
        runCli(['runs', 'show', runId, '-w', workspaceDir, ...where]),
        runCli(['runs', 'show', runId, '-w', workspaceDir, '--json', ...where]),
        runCli(['runs', 'logs', runId, '-w', workspaceDir, ...where]),
        runCli(['runs', 'logs', runId, '-w', workspaceDir, '-l', 'debug', ...where]),
      ]);
      for (const r of outputs) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).not.toContain('late-value-5555');
      }
      expect(outputs[0].stdout).toContain(`run ${runId}: succeeded`);
      expect(outputs[0].stdout).toContain("echo 'pre-***-post'");
      expect(outputs[3].stdout).toContain('pre-***-post');
    }
  });
});

describe('a secret too short to be masked', () => {
  it('config validate warns about it as run local does, in the singular for one key', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: t\n  commands:\n  - command: "true"\n', { '.secrets/dev_secrets.yml': '- key: S1\n  value: "a"\n' });
    const validate = await runCli(['config', 'validate', '-p', projectDir]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toContain('secret S1 is too short to be masked in output');
    expect(validate.stdout).toContain('1 warning');
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.stderr).toContain('secret S1 is too short to be masked in output');
  });

  it('secrets push warns about it on stderr, without its value, and still pushes it', async () => {
    const env = { HANDOFF_HOME: makeTempDir('handoff-home-') };
    const { projectDir } = makeProject('deploy:\n  resource_group: rg\n  task: short\ntasks:\n- name: t\n  commands:\n  - command: "true"\n', {
      '.secrets/dev_secrets.yml': '- key: S1\n  value: "Q7"\n- key: S2\n  value: "long-enough"\n',
    });
    const push = await runCli(['secrets', 'push', '-p', projectDir, '-y'], { env });
    expect(push.code, push.stderr).toBe(0);
    const warning = push.stderr.split('\n').find((line) => line.includes('too short to be masked'));
    expect(warning ?? '', push.stderr).toContain('secret S1 is too short to be masked in output');
    expect(warning).not.toContain('Q7');
    expect(push.stdout).not.toContain('too short');
    const printed = await runCli(['secrets', 'print', '-e', 'resource_group=rg', 'task=short', '--reveal', '--json'], { env });
    expect(printed.code, printed.stderr).toBe(0);
    expect(JSON.parse(printed.stdout)).toContainEqual(expect.objectContaining({ key: 'S1', value: 'Q7' }));
  });
});
