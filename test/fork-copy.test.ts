// A fork's copy of the stream (handoff's own `tee -p`) is shown as handoff's in the log, the run record and `runs show`.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from './helpers/cli.js';

describe("a fork's copy", () => {
  it("is named handoff's fork copy, never as if it were one of the project's commands", async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: split
  pipeline:
  - command: seq 1 200000
  - fork:
    - name: first
      pipeline:
      - command: head -n 1
    - name: count
      pipeline:
      - command: wc -l
`);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-l', 'DEBUG']);
    expect(r.code, r.stderr).toBe(0);
    // The console: its start and end lines say whose it is; no line names a bare `tee` as a process.
    expect(r.stderr).toMatch(/Process \d+ started: handoff's fork copy \(tee -p \/dev\/fd\/3\)\n/);
    expect(r.stderr).toMatch(/INFO - Process \d+ handoff's fork copy \(tee -p \/dev\/fd\/3\) exited with code 0\n/);
    expect(r.stderr).not.toMatch(/Process \d+ (started: )?tee /);
    // The record: the task's processes are the project's seq and handoff's copy, labelled so.
    const runsDir = path.join(workspaceDir, 'runs');
    const [file] = fs.readdirSync(runsDir).filter((f) => f.endsWith('.json'));
    const record = JSON.parse(fs.readFileSync(path.join(runsDir, file!), 'utf8')) as { tasks: { processes: { name: string; commandLine: string; exitCode: number }[] }[] };
    expect(record.tasks[0]!.processes.map((p) => [p.name, p.commandLine, p.exitCode])).toEqual([
      ['seq', 'seq 1 200000', 0],
      ['fork', "handoff's fork copy (tee -p /dev/fd/3)", 0],
    ]);
    // `runs show`, as the user reads the run afterwards.
    const shown = await runCli(['runs', 'show', 'latest', '-w', workspaceDir]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/process \d+ handoff's fork copy \(tee -p \/dev\/fd\/3\): exit 0/);
    expect(shown.stdout).not.toMatch(/process \d+ tee /);
  });
});
