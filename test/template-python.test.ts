// The CLI renders command lines with Python's string semantics, as the original's Jinja2 did: slices, str methods, %, /.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from './helpers/cli.js';

const projectYml = `vars:
  - key: start_date
    value: "2024-03-15"
  - key: table
    value: my-table-name
  - key: n
    value: 5
tasks:
  - name: t
    commands:
      - command: echo
        args: "year={{ start_date[:4] }} month={{ start_date[0:7] }} t={{ table.replace('-', '_') }} p={{ '%02d' % n }} h={{ n / 2 }} w={{ 4 / 2 }} u={{ table.upper() }} f={{ '{}_{:03d}'.format(table.split('-')[0], n) }} m={{ table.split('-') | map('upper') | join('.') }} r={{ start_date[::-1] }} s={{ '%s-%s' | format(table[-4:], n) }}"
`;

describe('command lines with Python string operations', () => {
  it('run as the original ran them (the expected line is what python3 Jinja2 3.1.6 renders from these vars)', async () => {
    const { projectDir, workspaceDir } = makeProject(projectYml);
    const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(result.code, result.stderr).toBe(0);
    // Before: year=['2', '0', '2', '4'] …, t=my_table-name, p=nan, w=2, and `.upper()` ended the run with an error.
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe(
      'year=2024 month=2024-03 t=my_table_name p=05 h=2.5 w=2.0 u=MY-TABLE-NAME f=my_005 m=MY.TABLE.NAME r=51-30-4202 s=name-5\n',
    );
  }, 60_000);

  it('config validate refuses a %-format Python would refuse, located in project.yml', async () => {
    const { projectDir } = makeProject(projectYml.replace("'%02d' % n", "'%q' % n"));
    const result = await runCli(['config', 'validate', '-p', projectDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/project\.yml:12:\d+: tasks\[0\]\.commands\[0\]\.args: "%q": unsupported format character 'q'/);
  }, 60_000);
});

describe('a float in a text key (args:, command:, envs[].value)', () => {
  it("is Python's str() of it, as the original's command line printed it: args: 1.0 runs echo 1.0", async () => {
    const yml = 'envs:\n- key: R\n  value: 1.0\n- key: BIG\n  value: 1.0e+20\nvars:\n- key: vb\n  value: 1.0e+20\ntasks:\n- name: t\n  commands:\n  - command: echo\n    args: 1.0\n  - command: echo\n    args: 1.5e+3\n  - command: echo "R=$R BIG=$BIG tR={{ R }} tBIG={{ BIG }} vb={{ vb }}"\n';
    const { projectDir, workspaceDir } = makeProject(yml);
    const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(result.code, result.stderr).toBe(0);
    // python3: yaml.safe_load, then '%s %s' % (command, args): echo 1.0, echo 1500.0; str(1.0e+20) is 1e+20.
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe('1.0\n1500.0\nR=1.0 BIG=1e+20 tR=1.0 tBIG=1e+20 vb=1e+20\n');
    expect(result.stderr).toContain('args: found 1.5e+3, which YAML reads as a number; it is used as the text "1500.0"');
  }, 60_000);
});

describe('_today, _yesterday and _tomorrow', () => {
  /** The date in `timeZone` now, as `date +%F` prints it there. */
  const dateIn = (timeZone: string): string =>
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

  it("are the local dates of handoff's time zone (TZ), as the original's datetime.date.today() and the shell's date", async () => {
    const { projectDir } = makeProject('tasks:\n- name: t\n  commands:\n  - command: echo "{{ _yesterday }} {{ _today }} {{ _tomorrow }} $(date +%F)"\n');
    const seen: Record<string, string[]> = {};
    // 25 hours apart: their local dates always differ, and at least one of them differs from UTC's.
    for (const timeZone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      const workspaceDir = path.join(path.dirname(projectDir), `w-${timeZone.replace('/', '-')}`);
      const before = dateIn(timeZone);
      const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { TZ: timeZone } });
      expect(result.code, result.stderr).toBe(0);
      const [yesterday, today, tomorrow, shell] = fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8').trim().split(' ');
      // The run may cross midnight there; either date is then right.
      expect([before, dateIn(timeZone)]).toContain(today);
      expect([today, tomorrow]).toContain(shell);
      const noon = new Date(`${today}T12:00:00Z`).getTime();
      expect([yesterday, tomorrow]).toEqual([new Date(noon - 86_400_000).toISOString().slice(0, 10), new Date(noon + 86_400_000).toISOString().slice(0, 10)]);
      seen[timeZone] = [today!];
    }
    expect(seen['Pacific/Kiritimati']).not.toEqual(seen['Pacific/Pago_Pago']);
  }, 60_000);
});

describe('wordwrap, attr, range and generators (Jinja2 3.1 filters nunjucks refused or printed otherwise)', () => {
  it('render in files/ as python3 Jinja2 3.1.6 renders them', async () => {
    const yml = 'vars:\n- key: table\n  value: my-table-name\n- key: text\n  value: The quick brown fox jumps over-the-lazy dog\ntasks:\n- name: t\n  commands:\n  - command: cat files/out.txt\n';
    const template = "{{ range(3) }} {{ range(3)|list }} {{ [1, 2, 3]|select('odd') is sequence }} {{ [1, 2, 3]|select('odd')|join(',') }} {{ (table|attr('upper'))() }} [{{ table|attr('nope') }}]\n{{ text|wordwrap(12) }}\n";
    const { projectDir, workspaceDir } = makeProject(yml, { 'files/out.txt': template });
    const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(result.code, result.stderr).toBe(0);
    // Before: wordwrap and attr were unknown filters (exit 2); without them the line was "[0, 1, 2] [0, 1, 2] True 1,3".
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe(
      'range(0, 3) [0, 1, 2] False 1,3 MY-TABLE-NAME []\nThe quick\nbrown fox\njumps over-\nthe-lazy dog\n',
    );
  }, 60_000);
});

describe('the last Jinja2 differences of the tenth review: -0.0 and 0.0, {%+ and +%}, an unknown filter in a branch never taken', () => {
  const oracleReady = spawnSync('python3', ['-c', 'import jinja2, yaml'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!oracleReady)(`render in files/ as Jinja2 3.1.6 renders them over PyYAML's values${oracleReady ? '' : ' (skipped: python3 has no jinja2/PyYAML)'}`, async () => {
    const yml = 'vars:\n- key: z\n  value: 0.0\n- key: neg\n  value: -0.0\n- key: n\n  value: 1\n- key: lst\n  value: [1, 2]\ntasks:\n- name: t\n  commands:\n  - command: cat files/out.txt\n';
    const template = [
      // Before: `0 0 [0, 0]` (a zero float lost its `.0`, and -0.0 its sign).
      "{{ z }} {{ neg }} {{ [neg, z] }} {{ neg * 1 }} {{ -z }} {% if z %}T{% else %}F{% endif %}{{ z or 'o' }}{{ 'y' if neg else 'n' }}{{ not z }}{{ [z, 1] | select | list }}{{ z | default('d', true) }}",
      // Before: "tag name expected" (exit 2).
      '  {%+ if n %}keep{% endif %}|{% if n +%}',
      'x{% endif %}',
      // Before: "unknown filter" refused the whole file (exit 2): Jinja2 defers it to when its branch is taken.
      "{{ x | swapcase if false else 's' }} {{ lst | map('add', 1) | list if false else 'skip' }} {% if false %}{{ x | swapcase }}{% elif n %}e{% else %}{{ x is oddish }}{% endif %}",
      '',
    ].join('\n');
    const { projectDir, workspaceDir } = makeProject(yml, { 'files/out.txt': template });
    const program = 'import jinja2, yaml, sys\nvalues = {v["key"]: v["value"] for v in yaml.safe_load(open(sys.argv[1]))["vars"]}\nsys.stdout.write(jinja2.Environment(keep_trailing_newline=True).from_string(open(sys.argv[2]).read()).render(**values))';
    const expected = execFileSync('python3', ['-c', program, path.join(projectDir, 'project.yml'), path.join(projectDir, 'files', 'out.txt')], { encoding: 'utf8' });
    expect(expected).toBe('0.0 -0.0 [-0.0, 0.0] -0.0 -0.0 FonTrue[1]d\n  keep|\nx\ns skip e\n');
    const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe(expected);
  }, 60_000);

  it('an unknown filter in a branch that is taken is still an error, located, exit 2', async () => {
    const yml = 'tasks:\n- name: t\n  commands:\n  - command: cat files/out.txt\n';
    const { projectDir, workspaceDir } = makeProject(yml, { 'files/out.txt': "a\n{{ 'x' | swapcase if true else 's' }}\n" });
    const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/files\/out\.txt.*line 2.*swapcase/);
  }, 60_000);
});

describe('ints beyond 2**53 in vars and -v (the tenth review left them text)', () => {
  const oracleReady = spawnSync('python3', ['-c', 'import jinja2, yaml'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!oracleReady)(`are exact ints in templates, as PyYAML read them, in every run (the validated-project cache too)${oracleReady ? '' : ' (skipped: python3 has no jinja2/PyYAML)'}`, async () => {
    const yml = [
      'vars:',
      '- key: big_id',
      '  value: 123456789012345678901',
      '- key: hex_id',
      '  value: 0x1ffffffffffffffff',
      "- key: quoted",
      "  value: '123456789012345678901'",
      '- key: lst',
      '  value: [98765432109876543210, -9007199254740993]',
      '- key: m',
      '  value: {a: 12345678901234567890123}',
      '- key: f',
      '  value: 1.0',
      'tasks:',
      '- name: t',
      '  commands:',
      '  - command: cat files/out.txt',
      '',
    ].join('\n');
    // Before: `big_id + 1` was "unsupported operand type(s) for +: 'str' and 'int'" (exit 2), and from the second run
    // on (the validated-project cache) `f` printed {'value': 1}.
    const template = "{{ big_id + 1 }} {{ big_id }} {{ hex_id + 0 }} {{ quoted ~ 'x' }} {{ quoted is string }} {{ big_id is integer }} {{ lst[0] + 1 }} {{ lst[1] - 1 }} {{ m.a * 2 }} {{ lst }} {{ f }} {{ [f] }}\n";
    const { projectDir, workspaceDir } = makeProject(yml, { 'files/out.txt': template });
    const program = 'import jinja2, yaml, sys\nvalues = {v["key"]: v["value"] for v in yaml.safe_load(open(sys.argv[1]))["vars"]}\nsys.stdout.write(jinja2.Environment(keep_trailing_newline=True).from_string(open(sys.argv[2]).read()).render(**values))';
    const expected = execFileSync('python3', ['-c', program, path.join(projectDir, 'project.yml'), path.join(projectDir, 'files', 'out.txt')], { encoding: 'utf8' });
    expect(expected).toBe(
      "123456789012345678902 123456789012345678901 36893488147419103231 123456789012345678901x True True 98765432109876543211 -9007199254740994 24691357802469135780246 [98765432109876543210, -9007199254740993] 1.0 [1.0]\n",
    );
    for (let i = 0; i < 3; i++) {
      const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
      expect(result.code, result.stderr).toBe(0);
      expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8'), `run ${i + 1}`).toBe(expected);
    }
  }, 120_000);

  it('-v big_id=123456789012345678901 is an int too (the original read -v numbers as numbers)', async () => {
    const yml = 'tasks:\n- name: t\n  commands:\n  - command: cat files/out.txt\n';
    const { projectDir, workspaceDir } = makeProject(yml, { 'files/out.txt': '{{ big_id + 1 }} {{ big_id is integer }} {{ neg // 2 }} {{ big_id }}\n' });
    const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', 'big_id=123456789012345678901', 'neg=-9007199254740995']);
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe('123456789012345678902 True -4503599627370498 123456789012345678901\n');
  }, 60_000);
});

describe('a bad %-format in a branch never taken (the twelfth review left it refused when read)', () => {
  const yml = [
    'vars:',
    '- key: n',
    '  value: 5',
    'tasks:',
    '- name: t',
    '  commands:',
    '  - command: echo',
    `    args: "{{ '%,d' | format(n) if n > 100 else n }}"`,
    '',
  ].join('\n');
  const oracleReady = spawnSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0;

  it.skipIf(!oracleReady)(`is valid and runs, as with the original (Jinja2 raises only when it runs)${oracleReady ? '' : ' (skipped: python3 has no jinja2)'}`, async () => {
    const program = "import jinja2; print(jinja2.Environment().from_string(\"{{ '%,d' | format(n) if n > 100 else n }}\").render(n=5))";
    expect(execFileSync('python3', ['-c', program], { encoding: 'utf8' })).toBe('5\n');
    const { projectDir, workspaceDir } = makeProject(yml);
    // Before: both refused with "template syntax error … unsupported format character ','", exit 2.
    const validate = await runCli(['config', 'validate', '-p', projectDir]);
    expect(validate.code, validate.stderr).toBe(0);
    const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe('5\n');
  }, 60_000);

  it('is a located error, exit 2, when its branch runs, and nothing runs', async () => {
    const { projectDir, workspaceDir } = makeProject(yml);
    const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', 'n=1000']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/tasks\[0\]\.commands\[0\].*line 1, column \d+: ValueError: unsupported format character ','/);
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'))).toBe(false);
  }, 60_000);
});
