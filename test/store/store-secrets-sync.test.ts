// The store's secrets follow the secrets file: stale task-level ones removed, empty values refused, on local and AWS (moto).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';
import { runWith } from './store-scenario.js';

const PROJECT_YML = (task: string): string => `version: 0.3
tasks:
  - name: t
    commands:
      - command: echo
        args: hi
deploy:
  cloud_provider: local
  resource_group: ${task}
  task: ${task}
`;

interface Stored {
  key: string;
  level: string;
  value: string;
}

let moto: MotoServer | undefined;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
});

afterAll(async () => {
  await moto?.stop();
});

describe.each(['local', 'aws'])('secrets in the %s store follow the secrets file', (provider) => {
  let taskCount = 0;
  // A fresh resource group and task (and, locally, HANDOFF_HOME) per test: a group's secrets are shared by its tasks.
  function setUp(secrets: string): { projectDir: string; env: Record<string, string>; cli: (args: string[]) => ReturnType<typeof runWith>; secretsFile: string; task: string } {
    const task = `sync-${provider}-${++taskCount}`;
    const { projectDir } = makeProject(PROJECT_YML(task), { 'files/a.txt': 'a\n', '.secrets/dev_secrets.yml': secrets });
    const env = { ...(provider === 'aws' ? moto!.env : {}), HANDOFF_HOME: makeTempDir('handoff-home-') };
    const flags = provider === 'aws' ? ['--cloud-provider', 'aws'] : [];
    return { projectDir, env, task, secretsFile: path.join(projectDir, '.secrets', 'dev_secrets.yml'), cli: (args) => runWith(env, [...flags, ...args]) };
  }
  async function stored(cli: (args: string[]) => ReturnType<typeof runWith>, projectDir: string): Promise<Stored[]> {
    const printed = await cli(['secrets', 'print', '-p', projectDir, '--reveal', '--json']);
    expect(printed.code, printed.stderr).toBe(0);
    return (JSON.parse(printed.stdout) as Stored[]).map(({ key, level, value }) => ({ key, level, value })).sort((a, b) => a.key.localeCompare(b.key));
  }

  it('project push removes task-level secrets made push: false, dropped or moved to the resource group, and warns about shared ones', async () => {
    const { projectDir, cli, secretsFile } = setUp(
      [
        '- key: made_local',
        '  value: OLD-local-1',
        '- key: dropped',
        '  value: OLD-dropped-2',
        '- key: moved',
        '  value: OLD-task-3',
        '- key: kept',
        '  value: kept-4',
        '- key: shared',
        '  value: shared-5',
        '  level: resource group',
        '',
      ].join('\n'),
    );
    expect((await cli(['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    const first = await cli(['project', 'push', '-p', projectDir, '-y']);
    expect(first.code, first.stderr).toBe(0);
    fs.writeFileSync(
      secretsFile,
      [
        '- key: made_local',
        '  value: NEW-local-only',
        '  push: false',
        '- key: moved',
        '  value: NEW-group-3',
        '  level: resource group',
        '- key: kept',
        '  value: kept-4',
        '- key: shared',
        '  value: shared-5',
        '  level: resource group',
        '  push: false',
        '',
      ].join('\n'),
    );

    // Without an answer nothing changes, and the plan already says what would be removed.
    const asked = await cli(['project', 'push', '-p', projectDir]);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toMatch(/- made_local \(task level\) -> .* REMOVE from the store \(push: false\)/);
    expect(asked.stderr).toMatch(/- dropped \(task level\) -> .* REMOVE from the store \(not in the secrets file\)/);
    expect(asked.stderr).toMatch(/- moved \(task level\) -> .* REMOVE from the store \(now resource group level\)/);
    expect(asked.stderr).toContain('and remove 3 stale secrets from it?');
    expect((await stored(cli, projectDir)).map((s) => s.key)).toEqual(['dropped', 'kept', 'made_local', 'moved', 'shared']);

    const pushed = await cli(['project', 'push', '-p', projectDir, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain('removed 3 stale secrets (dropped, made_local, moved)');
    expect(pushed.stderr).toContain('handoff secrets delete -p <project> --key shared');
    // What a run from the store reads: the new group-level value of `moved`, nothing withdrawn, the shared one kept.
    expect(await stored(cli, projectDir)).toEqual([
      { key: 'kept', level: 'task', value: 'kept-4' },
      { key: 'moved', level: 'resource group', value: 'NEW-group-3' },
      { key: 'shared', level: 'resource group', value: 'shared-5' },
    ]);

    const deleted = await cli(['secrets', 'delete', '-p', projectDir, '--key', 'shared', '-y']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await stored(cli, projectDir)).map((s) => s.key)).toEqual(['kept', 'moved']);
    // Once in step, a push removes nothing more.
    const again = await cli(['project', 'push', '-p', projectDir, '-y']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('REMOVE');
    // A dozen CLI calls, each a bucket or SSM round trip on moto: longer than the default under a loaded test run.
  }, 180_000);

  it('secrets push removes a task-level secret the file no longer has; with no secrets file, project push removes nothing', async () => {
    const { projectDir, cli, secretsFile } = setUp('- key: one\n  value: v-1\n- key: two\n  value: v-2\n');
    expect((await cli(['secrets', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    fs.writeFileSync(secretsFile, '- key: one\n  value: v-1b\n');
    const pushed = await cli(['secrets', 'push', '-p', projectDir, '-y']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toMatch(/- two \(task level\) -> .* REMOVE from the store \(not in the secrets file\)/);
    expect(await stored(cli, projectDir)).toEqual([{ key: 'one', level: 'task', value: 'v-1b' }]);

    // A checkout without .secrets/ (CI) does not say which secrets the task has: the stored ones stay.
    fs.rmSync(path.dirname(secretsFile), { recursive: true });
    expect((await cli(['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    const bare = await cli(['project', 'push', '-p', projectDir, '-y']);
    expect(bare.code, bare.stderr).toBe(0);
    expect(await stored(cli, projectDir)).toEqual([{ key: 'one', level: 'task', value: 'v-1b' }]);
  }, 180_000);

  it('refuses an empty secret (a value or a file) before anything is written, naming the secrets file and key', async () => {
    const { projectDir, cli, secretsFile } = setUp('- key: A_FIRST\n  value: first-value\n- key: B_EMPTY\n  value: ""\n- key: C_LAST\n  value: last-value\n');
    const pushed = await cli(['secrets', 'push', '-p', projectDir, '-y']);
    expect(pushed.code).toBe(2);
    expect(pushed.stderr).toContain(`secret "B_EMPTY" (${secretsFile}:3) is empty`);
    expect(pushed.stderr).not.toContain('This is a bug');
    expect(await stored(cli, projectDir)).toEqual([]);

    fs.writeFileSync(path.join(path.dirname(secretsFile), 'empty.key'), '');
    fs.writeFileSync(secretsFile, '- key: A_FIRST\n  value: first-value\n- key: KEYFILE\n  file: empty.key\n');
    expect((await cli(['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    const project = await cli(['project', 'push', '-p', projectDir, '-y']);
    expect(project.code).toBe(2);
    expect(project.stderr).toContain(`secret "KEYFILE" (${secretsFile}:3 (file: ${path.join(path.dirname(secretsFile), 'empty.key')})) is empty`);
    expect(await stored(cli, projectDir)).toEqual([]);
    // Nothing of the project either: the check runs before files/ and project.yml are written.
    const config = await cli(['config', 'print', '-p', projectDir]);
    expect(config.code).not.toBe(0);
  }, 180_000);
});
