// How the built CLI reads its words: -v/-e values end at a command word, typos with --help, HO_STAGE, a full stdout.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, makeProject, makeTempDir, runCli } from './helpers/cli.js';

const ECHO_PROJECT = (extra = '') =>
  `${extra}tasks:\n  - name: t\n    commands:\n      - command: sh\n        args: -c 'echo version=LOCAL a={{ a }} prov=$HO_CLOUD_PROVIDER tmpl={{ HO_CLOUD_PROVIDER }}'\n`;

function stdoutLog(workspaceDir: string): string {
  return fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8');
}

describe('-v/-e values end at a command word', () => {
  it('run -v a=1 local runs the local project (it ran the stored one with a="1 local")', async () => {
    const home = makeTempDir();
    const { projectDir, workspaceDir } = makeProject(ECHO_PROJECT('deploy: {cloud_provider: local, resource_group: rg, task: t4}\n'));
    const env = { HANDOFF_HOME: home };
    expect((await runCli(['cloud', 'bucket', 'create', '-p', projectDir, '-y'], { env })).code).toBe(0);
    expect((await runCli(['project', 'push', '-p', projectDir, '-y'], { env })).code).toBe(0);
    fs.writeFileSync(path.join(projectDir, 'project.yml'), ECHO_PROJECT('deploy: {cloud_provider: local, resource_group: rg, task: t4}\n').replace('LOCAL', 'EDITED'));
    const r = await runCli(['run', '-v', 'a=1', 'local', '-p', projectDir, '-w', workspaceDir], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutLog(workspaceDir)).toContain('version=EDITED a=1 prov');
  });

  it('options before the command words, -v joining words without = onto a value, and a bare -v (nargs="*")', async () => {
    const { projectDir, workspaceDir } = makeProject(ECHO_PROJECT());
    let r = await runCli(['-v', 'a=9', 'x', '-e', 'E=1', 'run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutLog(workspaceDir)).toContain('a=9 x prov');
    r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', '-s', 'dev', '-e']);
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutLog(workspaceDir)).toContain('a= prov');
  });

  it('-v taking every word before an unknown command says so, exit 2 (was the root help and no error)', async () => {
    const r = await runCli(['-v', 'a=9', 'rn', 'local', '-p', 'p']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: no command given: -v took the words "rn", "local" as parts of a value');
    expect(r.stderr).not.toContain('Usage:');
  });
});

describe('a mistyped command with --help', () => {
  it.each([
    [['rn', '--help'], "unknown command 'rn'", 'run'],
    [['-h', 'confg', 'validate'], "unknown command 'confg'", 'config'],
    [['cloud', 'tsk', '-h'], "unknown command 'tsk'", 'task'],
  ])('%j is the unknown-command error, exit 2 (was help, exit 0)', async (args, error, suggestion) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(error);
    expect(r.stderr).toContain(`Did you mean ${suggestion}?`);
    expect(r.stdout).toBe('');
  });
});

describe('HO_STAGE', () => {
  it('empty counts as unset; a bad one breaks only commands that use a stage', async () => {
    const { projectDir, workspaceDir } = makeProject(ECHO_PROJECT());
    expect((await runCli(['version'], { env: { HO_STAGE: '' } })).code).toBe(0);
    expect((await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HO_STAGE: '' } })).code).toBe(0);
    expect((await runCli(['schema'], { env: { HO_STAGE: 'bad stage' } })).code).toBe(0);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HO_STAGE: 'bad stage' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('HO_STAGE "bad stage" is not a stage name');
  });
});

describe('a full standard output', () => {
  it.each([[['version']], [['schema']], [['--help']], [['--version']], [['config', 'validate', '--help']]])('%j: one error line, exit 1, no stack trace', (args) => {
    const full = fs.openSync('/dev/full', 'w');
    const r = spawnSync(process.execPath, [cliPath, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
    fs.closeSync(full);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: cannot write standard output: ENOSPC (no space left on device); the command itself succeeded\n');
  });
});

describe('a standard output whose reader went away', () => {
  // The pipe's reading end is closed before handoff starts, so its first write fails with EPIPE every time.
  const CLOSED_PIPE = `import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
sys.stdout.write(f"{p.returncode} {p.stderr.decode()!r}")`;
  it.each([[['--help']], [['version']], [['config', 'validate', '--help']], [['nosuch']]])('%j: dropped as a shell tool stops writing, nothing on stderr but the command\'s own', (args) => {
    const r = spawnSync('python3', ['-c', CLOSED_PIPE, process.execPath, cliPath, ...args], { encoding: 'utf8' });
    if (args[0] === 'nosuch') expect(r.stdout).toMatch(/^2 "error: unknown command 'nosuch'\\n\(add --help for usage\)\\n"$/);
    else expect(r.stdout).toBe("0 ''");
  });
});

describe('run local --cloud-provider', () => {
  it('overrides deploy for HO_CLOUD_PROVIDER, and an unknown name is exit 2', async () => {
    const { projectDir, workspaceDir } = makeProject(ECHO_PROJECT());
    let r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--cloud-provider', 'aws']);
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutLog(workspaceDir)).toContain('prov=aws tmpl=aws');
    r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--cloud-provider', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown cloud provider "nope" (--cloud-provider)');
  });
});

describe('a project with no tasks', () => {
  it('says that nothing runs', async () => {
    const { projectDir, workspaceDir } = makeProject('tsks:\n  - name: t\n    commands:\n      - command: echo hi\n');
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(r.stderr).toContain('has no tasks: nothing to run');
  });
});

describe('version --json', () => {
  it('prints {"version": …} (it printed the plain version)', async () => {
    const r = await runCli(['version', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});
