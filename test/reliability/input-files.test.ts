// Malformed and unusual input files through the real CLI, as a fuzz review found them: read as PyYAML read them, or
// refused at their line with exit 2 before anything starts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from '../helpers/cli.js';

const TASKS = 'tasks:\n- name: t1\n  commands:\n  - command: echo hi\n';

describe('local provider names', () => {
  it('deploy.resource_group and deploy.task that the local store refuses are errors of config validate at their line, and a store command says the same there', async () => {
    const home = makeTempDir();
    const { projectDir } = makeProject(`${TASKS}deploy:\n  cloud_provider: local\n  resource_group: FZ_x\n  task: ${'b'.repeat(300)}\n`);
    const validate = await runCli(['config', 'validate', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(validate.code, validate.stderr).toBe(2);
    expect(validate.stderr).toMatch(/project\.yml:7:19: deploy\.resource_group: resource group "FZ_x" can only contain letters, digits and hyphens/);
    expect(validate.stderr).toMatch(/project\.yml:8:9: deploy\.task: task "b+…" is 300 characters; the local store takes at most 64/);
    const push = await runCli(['secrets', 'push', '-y', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(push.code, push.stderr).toBe(2);
    expect(push.stderr).toMatch(/project\.yml:7:19: deploy\.resource_group: resource group "FZ_x"/);
    // The local store is folders: no IAM, ECR, alarm or region rule is applied to it.
    expect(`${validate.stderr}${push.stderr}`).not.toMatch(/IAM|ECR|CloudWatch|use1|AWS/);
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it('names only AWS would refuse (its role names are at most 64 characters) are valid locally and stored', async () => {
    const home = makeTempDir();
    const long = 'a'.repeat(40);
    const { projectDir } = makeProject(`${TASKS}deploy:\n  resource_group: ${long}\n  task: ${long}\n`);
    const validate = await runCli(['config', 'validate', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(validate.code, validate.stderr).toBe(0);
    const bucket = await runCli(['cloud', 'bucket', 'create', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(bucket.code, bucket.stderr).toBe(0);
    const push = await runCli(['config', 'push', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(push.code, push.stderr).toBe(0);
    expect(fs.existsSync(path.join(home, 'buckets', `handoff-dev-${long}`, long, 'project.yml'))).toBe(true);
  });
});

describe('environment values no process can be started with', () => {
  const SECRET = 'Sup3rSecretValue9876';

  it('a NUL byte in an env value is refused by config validate at its line, and by run local before anything is run or recorded', async () => {
    const { projectDir, workspaceDir } = makeProject(`${TASKS}envs:\n- key: ML\n  value: "${SECRET}\\nb\\0c"\n`);
    const validate = await runCli(['config', 'validate', '-p', projectDir]);
    expect(validate.code, validate.stderr).toBe(2);
    expect(validate.stderr).toContain('project.yml:7:10: envs[0].value: found a NUL byte in the value; no environment variable can hold one');
    const run = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(2);
    expect(`${validate.stderr}${run.stderr}`).not.toContain(SECRET);
    expect(fs.existsSync(path.join(workspaceDir, 'runs'))).toBe(false);
  });

  it('a secret taken by an env with a NUL byte, or too large for the environment, is refused before the run starts, naming the key and its size, never the value', async () => {
    const nul = makeProject(`${TASKS}envs:\n- key: API_TOKEN\n`, { '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: "${SECRET}\\0"\n` });
    const r1 = await runCli(['run', 'local', '-p', nul.projectDir, '-w', nul.workspaceDir]);
    expect(r1.code, r1.stderr).toBe(2);
    expect(r1.stderr).toMatch(/environment variable "API_TOKEN" \(secret "API_TOKEN" of .*dev_secrets\.yml:1, taken by envs\[0\]\) holds a NUL byte/);
    expect(r1.stderr).not.toContain(SECRET);
    expect(fs.existsSync(path.join(nul.workspaceDir, 'runs'))).toBe(false);

    const big = makeProject(`${TASKS}envs:\n- key: BIG\n`, { '.secrets/dev_secrets.yml': `- key: BIG\n  value: ${SECRET}${'x'.repeat(1_200_000)}\n` });
    const r2 = await runCli(['run', 'local', '-p', big.projectDir, '-w', big.workspaceDir]);
    expect(r2.code, r2.stderr).toBe(2);
    expect(r2.stderr).toContain('environment variable "BIG" (secret "BIG" of');
    expect(r2.stderr).toContain('is 1200025 bytes; Linux starts no process with an environment entry over 131072 bytes (E2BIG)');
    expect(r2.stderr).not.toContain(SECRET);
    expect(r2.stderr.length).toBeLessThan(5000);
    expect(fs.existsSync(path.join(big.workspaceDir, 'runs'))).toBe(false);
  });

  it('secrets each under 128 KiB whose sum is over ARG_MAX are refused before the run starts, naming the largest, never a value', async () => {
    // 24 × 100 KB: every entry fits, the whole (2.4 MB) is over the default 2 MiB (an 8 MiB stack limit / 4).
    const keys = Array.from({ length: 24 }, (_, i) => `PART_${i}`);
    const secrets = keys.map((k, i) => `- key: ${k}\n  value: ${SECRET}${'x'.repeat(100_000 + i)}\n`).join('');
    const envs = keys.map((k) => `- key: ${k}\n`).join('');
    const { projectDir, workspaceDir } = makeProject(`${TASKS}envs:\n${envs}`, { '.secrets/dev_secrets.yml': secrets });
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HANDOFF_HOME: makeTempDir() } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/the run's environment is \d+ bytes in \d+ entries; with 16384 bytes for a command's arguments that is over the \d+ bytes Linux gives a new process's environment and arguments together \(ARG_MAX/);
    expect(r.stderr).toMatch(/the largest: "PART_23" \(secret "PART_23" of .*dev_secrets\.yml:47, taken by envs\[23\]\) 100052 bytes/);
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stderr.length).toBeLessThan(5000);
    expect(fs.existsSync(path.join(workspaceDir, 'runs'))).toBe(false);
  });
});

describe('vars PyYAML read as datetimes or bytes', () => {
  it('render as PyYAML + Jinja2 rendered them (the expected line is what python3 printed for this project.yml)', async () => {
    const { projectDir, workspaceDir } = makeProject(
      'vars:\n- {key: a, value: 2024-01-01T10:00:00Z}\n- {key: b, value: 2024-01-01 10:00:00.5}\n- {key: c, value: 2024-01-01}\n- {key: e, value: !!binary aGVsbG8=}\ntasks:\n- name: t\n  commands:\n  - command: echo a={{ a }} b={{ b }} c={{ c }} e={{ e }}\n',
    );
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("echo a=2024-01-01 10:00:00+00:00 b=2024-01-01 10:00:00.500000 c=2024-01-01 e=b'hello'");
  });
});

describe('what PyYAML refused in project.yml', () => {
  it('a tab after a colon and an unknown !tag are refused at their line by config validate and run local, nothing run', async () => {
    for (const [yml, where, what] of [
      ['tasks:\n- name:\tt1\n  commands:\n  - command: echo hi\n', 'project.yml:2:8', 'found a tab outside quotes'],
      ['tasks:\n- name: t1\n  commands:\n  - command: !foo echo hi\n', 'project.yml:4:14', 'Unresolved tag: !foo'],
    ] as const) {
      const { projectDir, workspaceDir } = makeProject(yml);
      for (const args of [['config', 'validate', '-p', projectDir], ['run', 'local', '-p', projectDir, '-w', workspaceDir]]) {
        const r = await runCli(args);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toContain(`${where}: ${what}`);
      }
      expect(fs.existsSync(path.join(workspaceDir, 'runs'))).toBe(false);
    }
  });
});
