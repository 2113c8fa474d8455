// `-v secrets_dir=007` (a value -v would read as a number) names the folder `007`: it is neither ignored nor read as 7.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

const PROJECT_YML = `envs:
- key: TOKEN
tasks:
- name: t
  commands:
  - command: sh
    args: -c 'echo "token=$TOKEN"; echo "dir={{ secrets_dir }}"'
deploy:
  cloud_provider: local
  resource_group: sdir
  task: numbered
`;

describe('-v secrets_dir= with a folder named like a number', () => {
  it.each(['007', '123', '1e3'])('reads the secrets of folder %s (relative to the current folder) in run local and secrets push', async (folder) => {
    const { projectDir, workspaceDir } = makeProject(PROJECT_YML);
    const cwd = makeTempDir('secrets-dir-cwd-');
    fs.mkdirSync(path.join(cwd, folder));
    fs.writeFileSync(path.join(cwd, folder, 'dev_secrets.yml'), '- key: TOKEN\n  value: numbered-folder-token-77\n');
    const home = makeTempDir('handoff-home-');
    const cli = (args: string[]) => runCli(args, { cwd, env: { HANDOFF_HOME: home }, timeoutMs: 120_000 });

    const local = await cli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', `secrets_dir=${folder}`]);
    expect(local.code, local.stderr).toBe(0);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8')).toBe(`token=numbered-folder-token-77\ndir=${folder}\n`);

    expect((await cli(['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    const pushed = await cli(['secrets', 'push', '-p', projectDir, '-y', '-v', `secrets_dir=${folder}`]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const revealed = await cli(['secrets', 'print', '-p', projectDir, '--reveal', '--json']);
    expect(JSON.parse(revealed.stdout)).toMatchObject([{ key: 'TOKEN', value: 'numbered-folder-token-77' }]);
  });
});
