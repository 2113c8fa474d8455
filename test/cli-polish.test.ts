// CLI polish left by the eighth review: did-you-mean for a run target, decimal-only --timeout, a confirmation before
// `runs prune --keep 0` removes every run, `quick_start make --json`, and the errors for a Latin-1 or null project.yml.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

const TRUE_PROJECT = 'tasks:\n  - name: t\n    commands:\n      - command: "true"\n';

describe('a mistyped operand', () => {
  it('run locl and config validate locl say did you mean "local", exit 2', async () => {
    const { projectDir } = makeProject(TRUE_PROJECT);
    const run = await runCli(['run', 'locl', '-p', projectDir, '-w', makeTempDir()]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('error: unknown run target "locl" (did you mean "local"?)');
    const validate = await runCli(['config', 'validate', 'loacl', '-p', projectDir]);
    expect(validate.code, validate.stderr).toBe(2);
    expect(validate.stderr).toContain('error: unknown config source "loacl" (did you mean "local"?)');
    // A word far from "local" gets no guess.
    const far = await runCli(['run', 'cloud', '-p', projectDir, '-w', makeTempDir()]);
    expect(far.code).toBe(2);
    expect(far.stderr).toContain('error: unknown run target "cloud"\n');
  });
});

describe('--timeout', () => {
  it('refuses hex, binary and exponent numbers (Number() read 0x10 as 16 and 1e3 as 1000), and takes decimals', async () => {
    const { projectDir, workspaceDir } = makeProject(TRUE_PROJECT);
    for (const value of ['0x10', '1e3', '0b1', '0o7', 'Infinity']) {
      const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--timeout', value]);
      expect(r.code, `${value}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`error: --timeout ${value} is not a number of seconds in decimal digits`);
      expect(fs.existsSync(path.join(workspaceDir, 'runs'))).toBe(false);
    }
    for (const value of ['30', '90.5']) {
      const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--timeout', value]);
      expect(r.code, r.stderr).toBe(0);
    }
  });
});

describe('runs prune --keep 0', () => {
  async function twoRuns(): Promise<string> {
    const { projectDir, workspaceDir } = makeProject(TRUE_PROJECT);
    for (let i = 0; i < 2; i++) expect((await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir])).code).toBe(0);
    return workspaceDir;
  }
  const records = (ws: string): string[] => fs.readdirSync(path.join(ws, 'runs')).filter((n) => n.endsWith('.json'));

  it('asks before removing every run: without an answer (CI) it refuses with the fix, -n removes nothing, -y removes them', async () => {
    const ws = await twoRuns();
    const refused = await runCli(['runs', 'prune', '--keep', '0', '-w', ws]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('Remove every finished run (2 runs recorded) in');
    expect(refused.stderr).toContain('error: this command asks for confirmation, but there is no answer on standard input (no terminal)');
    expect(refused.stderr).toContain('fix: add -y to proceed without asking');
    expect(records(ws)).toHaveLength(2);
    const no = await runCli(['runs', 'prune', '--keep', '0', '-w', ws, '-n']);
    expect(no.code, no.stderr).toBe(0);
    expect(no.stderr).toContain('Nothing was removed (answered no)');
    expect(records(ws)).toHaveLength(2);
    const yes = await runCli(['runs', 'prune', '--keep', '0', '-w', ws, '-y']);
    expect(yes.code, yes.stderr).toBe(0);
    expect(records(ws)).toHaveLength(0);
  });

  it('does not ask when something is kept (--keep 1, or --older-than)', async () => {
    const ws = await twoRuns();
    const r = await runCli(['runs', 'prune', '--keep', '1', '-w', ws]);
    expect(r.code, r.stderr).toBe(0);
    expect(records(ws)).toHaveLength(1);
    const older = await runCli(['runs', 'prune', '--keep', '0', '--older-than', '30d', '-w', ws]);
    expect(older.code, older.stderr).toBe(0);
    expect(records(ws)).toHaveLength(1);
  });
});

describe('quick_start make --json', () => {
  it('prints the folder and the projects it wrote', async () => {
    const target = path.join(makeTempDir(), 'projects');
    const r = await runCli(['quick_start', 'make', '-p', target, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as { folder: string; projects: string[] };
    expect(printed.folder).toBe(target);
    expect(printed.projects).toContain('word-count');
    expect(printed.projects.every((name) => fs.existsSync(path.join(target, name, 'project.yml')))).toBe(true);
  });
});

describe('a project.yml that cannot be a project', () => {
  it('in Latin-1: says it is not UTF-8 and which byte, not that it looks like binary data', async () => {
    const { projectDir } = makeProject(TRUE_PROJECT);
    fs.writeFileSync(path.join(projectDir, 'project.yml'), Buffer.from('tasks:\n  - name: caf\xe9\n    commands:\n      - command: "true"\n', 'latin1'));
    const file = path.join(projectDir, 'project.yml');
    for (const args of [['config', 'validate'], ['run', 'local', '-w', makeTempDir()]]) {
      const r = await runCli([...args, '-p', projectDir]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`error: ${file} is not UTF-8 text: byte 0xE9 at line 2, column 14 is not UTF-8 (the file looks saved as Latin-1 or Windows-1252)`);
      expect(r.stderr).toContain('fix: save project.yml as UTF-8');
      expect(r.stderr).not.toContain('binary');
    }
  });

  it('with only ~ (null): says null, not an empty document', async () => {
    const { projectDir } = makeProject('~\n');
    const file = path.join(projectDir, 'project.yml');
    const r = await runCli(['config', 'validate', '-p', projectDir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`error: ${file} must be a mapping of keys such as tasks:, found null (\`~\`)`);
    fs.writeFileSync(file, '# nothing yet\n');
    const empty = await runCli(['config', 'validate', '-p', projectDir]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('found an empty document');
  });
});

describe('container build when docker is installed but its engine is not running', () => {
  /** PATH with only node and a `docker` that answers as a client without an engine does (no podman). */
  function engineDownPath(): string {
    const bin = makeTempDir('handoff-docker-down-');
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.writeFileSync(
      path.join(bin, 'docker'),
      '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    return bin;
  }
  const yml = 'tasks:\n  - name: a\n    commands:\n      - command: echo hi\n';

  it('a dry run prints the Dockerfile all the same, with a warning that local images could not be listed', async () => {
    const { projectDir } = makeProject(yml);
    const result = await runCli(['container', 'build', '-p', projectDir, '--dry-run'], { env: { PATH: engineDownPath() } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('FROM ');
    expect(result.stderr).toMatch(/WARNING.*could not list local images.*Cannot connect to the Docker daemon/);
  });

  it('a build names the ways out: start the engine, or podman (exit 2, nothing built)', async () => {
    const { projectDir } = makeProject(yml);
    const result = await runCli(['container', 'build', '-p', projectDir], { env: { PATH: engineDownPath() } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Cannot connect to the Docker daemon');
    expect(result.stderr).toMatch(/fix: .*start the Docker engine.*--container-provider podman/);
    expect(result.stderr).not.toContain('says why');
  });
});

describe('handoff run -p on a project with no store', () => {
  it('names `run local` first (the command meant), then the store keys', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: a\n    commands:\n      - command: echo hi\n');
    const result = await runCli(['run', '-p', projectDir, '-w', workspaceDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no resource group: deploy.resource_group is not set');
    expect(result.stderr).toContain(`fix: to run this folder as it is, use \`handoff run local -p ${projectDir} -w ${workspaceDir}\``);
    expect(fs.existsSync(workspaceDir)).toBe(false);
  });
});

describe('help and -v polish (docs10 review, finding 10)', () => {
  it('schedule list --help shows the --count default as a number, not a quoted string', async () => {
    const r = await runCli(['schedule', 'list', '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/--count <n>\s+how many fire times to show \(default: 5\)/);
    expect(r.stdout).not.toContain('"5"');
  });

  it('-v naming a file that does not exist says no such file, exit 2', async () => {
    const { projectDir, workspaceDir } = makeProject(TRUE_PROJECT);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', '../nonexistent.txt']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('-v "../nonexistent.txt" is not a key=value pair, nor a vars file (no such file)');
    expect(fs.existsSync(path.join(workspaceDir, 'runs'))).toBe(false);
  });
});

describe('-s with a stage that has no secrets file (tenth review: -s Prod)', () => {
  const SECRET_PROJECT = 'envs:\n  - key: TOKEN\ntasks:\n  - name: t\n    commands:\n      - command: "true"\n';
  it('-s Prod says did you mean -s prod, in the error and the warning; a far name gets no guess', async () => {
    const { projectDir, workspaceDir } = makeProject(SECRET_PROJECT, { '.secrets/secrets.yml': '- key: TOKEN\n  value: p\n', '.secrets/staging_secrets.yml': '- key: TOKEN\n  value: s\n' });
    const prod = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-s', 'Prod']);
    expect(prod.code, prod.stderr).toBe(2);
    expect(prod.stderr).toMatch(/WARNING - no secrets file for stage "Prod".*\(did you mean -s prod\? stage names are case-sensitive; or create /);
    expect(prod.stderr).toMatch(/fix: did you mean -s prod\? stage names are case-sensitive; or create /);
    // A stage named by a secrets file of the project is a known one too.
    const staging = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-s', 'stagin']);
    expect(staging.stderr).toContain('did you mean -s staging? Or create ');
    expect(staging.stderr).not.toContain('?;');
    const far = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-s', 'qa']);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toContain('did you mean');
    expect(fs.existsSync(path.join(workspaceDir, 'runs'))).toBe(false);
  });
});

describe('fixes that name a command to run', () => {
  it("name the user's own -w and -p (quoted for the shell), not -w W / -p P", async () => {
    const { projectDir } = makeProject(TRUE_PROJECT);
    const workspaceDir = path.join(makeTempDir(), "my runs");
    expect((await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir])).code).toBe(0);
    const show = await runCli(['runs', 'show', 'nope', '-w', workspaceDir]);
    expect(show.code, show.stderr).toBe(2);
    expect(show.stderr).toContain(`fix: see the ids with \`handoff runs list -w '${workspaceDir}'\``);
    const logs = await runCli(['runs', 'logs', 'latest', '-p', projectDir]);
    expect(logs.code, logs.stderr).toBe(2);
    expect(logs.stderr).toContain(`handoff cloud logs -p ${projectDir}`);
    expect(logs.stderr).not.toMatch(/-p P\b|-w W\b/);
    // A failed run's "details:" command is one the shell reads as written.
    const failing = makeProject('tasks:\n  - name: t\n    commands:\n      - command: "false"\n');
    const failed = await runCli(['run', 'local', '-p', failing.projectDir, '-w', workspaceDir + '-2']);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`details: handoff runs show \\S+ -w '${workspaceDir}-2'\\)`));
  });
});

describe('quick_start make --help', () => {
  it('says what -p means for it: the folder the examples are copied into, not a project folder', async () => {
    const help = await runCli(['quick_start', 'make', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/-p DIR \(here\): the folder to copy the examples into/);
  });
});
