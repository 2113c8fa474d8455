// `runs list|show|state -p P`: the run records that runs pushed to the store (SPEC §1: a workspace's history or the store's).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir } from '../helpers/cli.js';
import { runWith } from './store-scenario.js';

const PROJECT = `version: 0.3
tasks:
  - name: work
    pipeline:
      - command: echo
        args: '''{"type": "STATE", "value": {"bookmark": 7}}'''
  - name: second
    commands:
      - command: sh
        args: -c "exit {{ code }}"
vars:
  - key: code
    value: 0
deploy:
  cloud_provider: local
  resource_group: runs-store
  task: job
`;

/** The one file named `name` under `dir` (the local store keeps objects as files). */
function findFile(dir: string, name: string): string {
  const found = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f) === name);
  expect(found).toHaveLength(1);
  return path.join(dir, found[0]!);
}

describe('runs from the store (-p without -w)', () => {
  it('lists, shows and prints the state of pushed records, newest first; logs and --restore say where to look', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir, workspaceDir } = makeProject(PROJECT);
    const env = { HANDOFF_HOME: home };
    const bucket = await runWith(env, ['cloud', 'bucket', 'create', '-p', projectDir]);
    expect(bucket.code, bucket.stderr).toBe(0);
    const first = await runWith(env, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a']);
    expect(first.code, first.stderr).toBe(0);
    const second = await runWith(env, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a', '-v', 'code=3']);
    expect(second.code).toBe(1);
    const ids = fs.readdirSync(path.join(workspaceDir, 'runs')).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort();
    expect(ids).toHaveLength(2);
    // The workspace goes away: what is left is the store's copy.
    fs.rmSync(workspaceDir, { recursive: true });

    const list = await runWith(env, ['runs', 'list', '-p', projectDir]);
    expect(list.code, list.stderr).toBe(0);
    const rows = list.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^RUN ID\s+STATUS/);
    expect(rows[1]).toMatch(new RegExp(`^${ids[1]}\\s+failed`));
    expect(rows[2]).toMatch(new RegExp(`^${ids[0]}\\s+succeeded`));
    // Without --limit the newest 20 are listed, and said so as -w says it (the count comes with the store's listing).
    expect(list.stderr).not.toContain('not listed');
    const stored = findFile(home, `${ids[0]}.json`);
    const text = fs.readFileSync(stored, 'utf8');
    for (let i = 0; i < 21; i++) {
      const id = `29990101T0000${String(i).padStart(2, '0')}.000Z-aaaa`;
      fs.writeFileSync(path.join(path.dirname(stored), `${id}.json`), text.replaceAll(ids[0]!, id));
    }
    const many = await runWith(env, ['runs', 'list', '-p', projectDir]);
    expect(many.code, many.stderr).toBe(0);
    expect(many.stdout.trim().split('\n')).toHaveLength(21);
    expect(many.stderr).toContain('listed the newest 20 runs; 3 older records not listed (--limit 23 lists them all)');
    for (const name of fs.readdirSync(path.dirname(stored))) if (name.startsWith('2999')) fs.rmSync(path.join(path.dirname(stored), name));
    const limited = await runWith(env, ['runs', 'list', '-p', projectDir, '--limit', '1', '--json']);
    expect((JSON.parse(limited.stdout) as Array<{ runId: string }>).map((r) => r.runId)).toEqual([ids[1]]);

    const show = await runWith(env, ['runs', 'show', ids[0]!.slice(0, 22), '-p', projectDir]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`run ${ids[0]}: succeeded`);
    expect(show.stdout).toContain('logs: not in the store');
    const latest = await runWith(env, ['runs', 'show', 'latest', '-p', projectDir]);
    expect(latest.stdout).toContain(`run ${ids[1]}: failed`);

    const state = await runWith(env, ['runs', 'state', ids[0]!, '-p', projectDir]);
    expect(state.code, state.stderr).toBe(0);
    expect(JSON.parse(state.stdout)).toEqual({ bookmark: 7 });

    const logs = await runWith(env, ['runs', 'logs', 'latest', '-p', projectDir]);
    expect(logs.code).toBe(2);
    expect(logs.stderr).toContain('the store keeps run records, not console logs');
    const restore = await runWith(env, ['runs', 'state', 'latest', '-p', projectDir, '--restore']);
    expect(restore.code).toBe(2);
    const missing = await runWith(env, ['runs', 'show', 'nosuchrun', '-p', projectDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no run "nosuchrun" in');
  }, 120_000);

  it('without -w or -p, says both ways', async () => {
    const result = await runWith({}, ['runs', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('add -w <workspace folder> (the runs of run local there), or -p <project>');
  });
});
