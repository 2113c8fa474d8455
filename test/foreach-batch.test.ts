// A foreach run as a batch (one worker's queue): what each line tells comes within that line's own console lines.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, newMarker, readArtifact, runCli } from './helpers/cli.js';

describe('a batched foreach (one command per line, parallel: 1)', () => {
  it("tells that a line's stderr log cannot be made within that line's lines, and still shows its stderr", async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: printf
    args: "'a\\\\nb\\\\nc\\\\n'"
  - foreach:
    - name: s
      commands:
      - command: echo err-{{ _line }} >&2
`);
    // Line b's stderr log cannot be created: a folder has its name.
    const blocked = path.join(workspaceDir, 'artifacts', 's_b_stderr.log');
    fs.mkdirSync(blocked, { recursive: true });
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HANDOFF_TEST_MARKER: newMarker() } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    const at = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
    const warning = at(/WARNING - cannot write .*s_b_stderr\.log \(EISDIR\); its lines are still in the console/);
    expect(warning, r.stderr).toBeGreaterThan(-1);
    // Told in line b's turn (not amid line a's lines, when the worker reported it), before b's stderr and its end.
    expect(warning, r.stderr).toBeGreaterThan(at(/Task s_a ended/));
    expect(warning, r.stderr).toBeGreaterThan(at(/Task s_b started/));
    expect(warning, r.stderr).toBeLessThan(at(/\[s_b\] echo: err-b/));
    expect(at(/\[s_b\] echo: err-b/), r.stderr).toBeLessThan(at(/Task s_b ended with exit code 0/));
    expect(fs.statSync(blocked).isDirectory()).toBe(true);
    expect(readArtifact(workspaceDir, 's_a_stderr.log')).toBe('err-a\n');
    expect(readArtifact(workspaceDir, 's_c_stderr.log')).toBe('err-c\n');
  });
});

describe("a foreach's commands in a venv (one environment made per venv, shared by every line)", () => {
  it('every line runs with the venv first on PATH and VIRTUAL_ENV set, one at a time (batched) and with parallel: 2; a command outside it has neither', async () => {
    const { projectDir, workspaceDir } = makeProject(`
installs:
- venv: tool
  command: "true"
tasks:
- name: one
  pipeline:
  - command: printf
    args: "'a\\\\nb\\\\nc\\\\n'"
  - foreach:
    - name: s
      commands:
      - command: whereami {{ _line }}
        venv: tool
- name: two
  pipeline:
  - command: printf
    args: "'d\\\\ne\\\\nf\\\\n'"
  - foreach:
    - name: p
      commands:
      - command: whereami {{ _line }}
        venv: tool
      - command: sh -c 'echo "outside:\${VIRTUAL_ENV:-none}"'
    parallel: 2
`);
    // A venv as `workspace install` leaves it, as far as a run looks: its bin/ (here with a script of its own).
    const bin = path.join(workspaceDir, 'tool', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'whereami'), '#!/bin/sh\necho "$1 $VIRTUAL_ENV $(command -v whereami)"\n', { mode: 0o755 });
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HANDOFF_TEST_MARKER: newMarker() } });
    expect(r.code, r.stderr).toBe(0);
    const venv = path.join(workspaceDir, 'tool');
    for (const line of ['a', 'b', 'c']) expect(readArtifact(workspaceDir, `s_${line}_stdout.log`)).toBe(`${line} ${venv} ${path.join(bin, 'whereami')}\n`);
    for (const line of ['d', 'e', 'f']) expect(readArtifact(workspaceDir, `p_${line}_stdout.log`)).toBe(`${line} ${venv} ${path.join(bin, 'whereami')}\noutside:none\n`);
  });
});
