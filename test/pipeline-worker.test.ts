// A pipeline of commands only starts through the run's launcher worker: kernel pipe(2)s it makes, no FIFO, and each
// command still under a launcher of its own (its pid, its exit, its stderr, pipefail, a timeout, a stop).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, readArtifact, runCli } from './helpers/cli.js';

interface RecordedProcess {
  commandLine: string;
  exitCode: number | null;
  signal: string | null;
  failure?: string;
  terminatedBy?: string;
}

function readOnlyRecord(workspaceDir: string): { tasks: { name: string; status: string; exitCode: number; processes: RecordedProcess[] }[] } {
  const runsDir = path.join(workspaceDir, 'runs');
  const files = fs.readdirSync(runsDir).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(fs.readFileSync(path.join(runsDir, files[0]), 'utf8'));
}

describe('a pipeline of commands only', () => {
  it('is joined by kernel pipes without a FIFO, each command recorded with its own exit (pipefail)', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sh -c 'printf "b\\na\\n"; echo note-1 >&2'
  - command: sh -c 'test -p /dev/stdin && sort; echo note-2 >&2; exit 3'
  - command: tr a-z A-Z
`);
    // A TMPDIR below a plain file: no FIFO could be made there (see tmpdir-unwritable.test.ts); none is needed.
    const file = path.join(makeTempDir(), 'not-a-folder');
    fs.writeFileSync(file, '');
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { TMPDIR: path.join(file, 'tmp') } });
    expect(r.code, r.stderr).toBe(1);
    expect(readArtifact(workspaceDir, 'p_stdout.log')).toBe('A\nB\n');
    expect(r.stderr).toContain('[p] sh: note-1');
    expect(r.stderr).toContain('[p] sh: note-2');
    const task = readOnlyRecord(workspaceDir).tasks[0];
    expect(task.status).toBe('failed');
    expect(task.exitCode).toBe(3);
    expect(task.processes.map((p) => [p.exitCode, p.failure])).toEqual([
      [0, undefined],
      [3, 'exit_code'],
      [0, undefined],
    ]);
  });

  it('a command that times out ends it, the others ended by the pipeline, nothing left running', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sleep 30
    timeout: 1
  - command: cat
`);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HANDOFF_GRACE_SECONDS: '1' } });
    expect(r.code, r.stderr).not.toBe(0);
    const processes = readOnlyRecord(workspaceDir).tasks[0].processes;
    expect(processes[0].terminatedBy).toBe('timeout');
    expect(processes[0].failure).toBe('timeout');
  });
});
