// Runs where the temporary folder cannot be written (a container's read-only root file system, a TMPDIR that is not a
// folder): what needs no temporary folder runs, and what needs one says so with a fix, not "a bug in handoff".
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

/** A TMPDIR below a plain file: every mkdtemp in it fails (ENOTDIR), as on a read-only root, even for root. */
function unusableTmpdir(): string {
  const file = path.join(makeTempDir(), 'not-a-folder');
  fs.writeFileSync(file, '');
  return path.join(file, 'tmp');
}

describe('a temporary folder handoff cannot write', () => {
  it('a pipeline with a foreach or fork (joined by FIFOs) is refused with what to set (TMPDIR), exit 2, before any process starts', async () => {
    // A pipeline of commands only needs no temporary folder (the launcher worker makes its pipes: pipeline-worker.test.ts).
    const { projectDir, workspaceDir } = makeProject(
      'tasks:\n  - name: t\n    pipeline:\n      - command: echo\n        args: hi\n      - foreach:\n          - name: line\n            commands:\n              - command: echo\n                args: "{{ _line }}"\n',
    );
    const result = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { TMPDIR: unusableTmpdir() } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain("cannot make a folder for a pipeline's pipes in the temporary folder");
    expect(result.stderr).toContain('set TMPDIR to a folder handoff can write');
    expect(result.stderr).not.toContain('a bug in handoff');
    expect(fs.existsSync(path.join(workspaceDir, 'logs', 't_stdout.log'))).toBe(false);
  });

  it('`handoff run` of a stored commands-only project runs (its early check of the stored copy needs no temporary folder)', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir } = makeProject('tasks:\n- name: t\n  commands:\n  - command: echo ok\ndeploy:\n  cloud_provider: local\n  resource_group: rg\n  task: tmpless\n');
    for (const args of [['cloud', 'bucket', 'create'], ['project', 'push', '-y']]) {
      const pushed = await runCli([...args, '-p', projectDir], { env: { HANDOFF_HOME: home } });
      expect(pushed.code, pushed.stderr).toBe(0);
    }
    const workspaceDir = path.join(makeTempDir(), 'ws');
    const result = await runCli(['run', '-e', 'resource_group=rg', 'task=tmpless', '-w', workspaceDir], { env: { HANDOFF_HOME: home, TMPDIR: unusableTmpdir() } });
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe('ok\n');
  });
});
