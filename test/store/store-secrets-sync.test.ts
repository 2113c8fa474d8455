// The store's secrets follow the secrets file: empty values refused, on local and AWS (moto).
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
  });
});
