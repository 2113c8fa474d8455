// Test helper: `runs prune -p P` on a store of three pushed run records, the same steps for every cloud's store.
import path from 'node:path';
import { expect } from 'vitest';
import { makeTempDir, type CliResult } from '../helpers/cli.js';

/** The tasks of a project whose runs only push their record: `deploy:` is added by each cloud's test. */
export const PRUNE_PROJECT_TASKS = `tasks:
  - name: work
    commands:
      - command: "true"
`;

async function storedIds(cli: (args: string[]) => Promise<CliResult>, projectDir: string): Promise<string[]> {
  const listed = await cli(['runs', 'list', '-p', projectDir, '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { runId: string }[]).map((r) => r.runId);
}

/**
 * Three `run local -a` runs push three records; then, as `runs prune -w` does it for a workspace: --keep 0 alone asks
 * (refused without an answer, kept on -n), --keep 1 removes the two oldest, --older-than keeps the newer unread.
 */
export async function expectStorePrune(cli: (args: string[]) => Promise<CliResult>, projectDir: string, where: RegExp): Promise<void> {
  const workspace = path.join(makeTempDir('handoff-prune-ws-'), 'ws');
  for (let i = 0; i < 3; i++) {
    const run = await cli(['run', 'local', '-p', projectDir, '-w', workspace, '-a']);
    expect(run.code, run.stderr).toBe(0);
  }
  const ids = await storedIds(cli, projectDir);
  expect(ids).toHaveLength(3);

  const unanswered = await cli(['runs', 'prune', '-p', projectDir, '--keep', '0']);
  expect(unanswered.code).toBe(2);
  expect(unanswered.stderr).toMatch(/Remove every finished run \(3 runs recorded\) in /);
  expect(unanswered.stderr).toMatch(where);
  expect(unanswered.stderr).toContain('add -y to proceed without asking');
  const no = await cli(['runs', 'prune', '-p', projectDir, '--keep', '0', '-n']);
  expect(no.code, no.stderr).toBe(0);
  expect(no.stderr).toContain('Nothing was removed (answered no)');
  expect(await storedIds(cli, projectDir)).toEqual(ids);

  const pruned = await cli(['runs', 'prune', '-p', projectDir, '--keep', '1', '--json']);
  expect(pruned.code, pruned.stderr).toBe(0);
  expect(JSON.parse(pruned.stdout)).toEqual({ removed: [ids[1], ids[2]], kept: 1, unreadable: [] });
  expect(await storedIds(cli, projectDir)).toEqual([ids[0]]);
  // The workspace's own history is another prune's (-w): the store's prune leaves it whole.
  const local = await cli(['runs', 'list', '-w', workspace, '--json']);
  expect((JSON.parse(local.stdout) as unknown[]).length).toBe(3);

  const recent = await cli(['runs', 'prune', '-p', projectDir, '--older-than', '1h']);
  expect(recent.code, recent.stderr).toBe(0);
  expect(recent.stderr).toMatch(/Removed 0 runs from \S+, kept the 1 run started in the last 1h \(not read\)\n/);
  expect(await storedIds(cli, projectDir)).toEqual([ids[0]]);
}
