// Papercuts a newcomer hit: the dry-run plan shows commands as they would run, logged commands are tidy, and a
// project without secrets gets no "no secrets file" warning.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from './helpers/cli.js';

const TOKEN = 'tok-a1b2c3d4e5f6g7h8';

describe('run local --dry-run', () => {
  it('prints commands rendered with the run\'s variables, secrets masked, foreach lines as <line>, and runs nothing', async () => {
    const { projectDir, workspaceDir } = makeProject(
      `envs:
- key: API_TOKEN
vars:
- key: mode
  value: full
tasks:
- name: fetch
  pipeline:
  - command: tap
    args: --config c.json {% if _state_file %}--state {{ _state_file }}{% endif %} --token {{ API_TOKEN }} --mode {{ mode }}
  - command: target
    args: "{% if verbose %}-v{% endif %} --out out.csv"
  - foreach:
    - name: each
      commands:
      - command: echo
        args: "{{ _line }} {{ mode }} > artifacts/{{ _line_safe }}.txt"
`,
      { '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: ${TOKEN}\n` },
    );
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--dry-run', '-v', 'verbose=true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('  tap --config c.json --token *** --mode full\n');
    expect(r.stdout).toContain('  | target -v --out out.csv\n');
    expect(r.stdout).toContain('echo <line> full > artifacts/<line_safe>.txt\n');
    expect(r.stdout).not.toContain('{%');
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    const json = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--dry-run', '--json']);
    expect(JSON.parse(json.stdout).tasks[0].outline[0]).toBe('tap --config c.json --token *** --mode full');
    expect(fs.existsSync(workspaceDir)).toBe(false);
  });

  it('logs a command whose template block came out empty without a double space; the command runs as rendered', async () => {
    const { projectDir, workspaceDir } = makeProject(`tasks:
- name: show
  commands:
  - command: printf '%s|' one {% if extra %}two{% endif %}  "three  four"
`);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'show_stdout.log'), 'utf8')).toBe('one|three  four|');
    expect(r.stderr).toContain(`Process `);
    expect(r.stderr).toContain(`printf '%s|' one "three  four" exited with code 0`);
    const [record] = fs.readdirSync(path.join(workspaceDir, 'runs')).filter((f) => f.endsWith('.json'));
    expect(fs.readFileSync(path.join(workspaceDir, 'runs', record as string), 'utf8')).toContain(`printf '%s|' one \\"three  four\\"`);
  });
});

describe('secrets file warning', () => {
  it('is not given for a project without secrets, by workspace install or run local', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n- command: "true"\ntasks:\n- name: a\n  commands:\n  - command: echo hi\n');
    const install = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
    expect(install.code, install.stderr).toBe(0);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(install.stderr + r.stderr).not.toMatch(/secrets file/);
  });

  it('is given when the project has a .secrets/ folder without this stage\'s file', async () => {
    const { projectDir, workspaceDir } = makeProject('installs:\n- command: "true"\n', { '.secrets/secrets.yml': '- key: a\n  value: bcdefgh\n' });
    const install = await runCli(['workspace', 'install', '-p', projectDir, '-w', workspaceDir]);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toMatch(/no secrets file for stage "dev": looked for .*dev_secrets\.yml/);
  });
});
