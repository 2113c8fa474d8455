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
