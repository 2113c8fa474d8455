// A secret PyYAML types (`yes`, `0123`, `1.0`, a date) is seen the same by `run local` and by a run from the store.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

// Plain scalars PyYAML types, a plain one it keeps as text (`0o17` is no YAML 1.1 int), and quoted ones (text).
const SECRETS_YML = `- key: FLAG
  value: yes
- key: SWITCH
  value: on
- key: RATIO
  value: 1.0
- key: OCTAL
  value: 0o17
- key: PIN
  value: 0123
- key: DAY
  value: 2024-01-02
- key: QPIN
  value: '0123'
- key: QYES
  value: "yes"
- key: PASSWORD
  value: pw-typed-secret-4711
`;

const KEYS = ['FLAG', 'SWITCH', 'RATIO', 'OCTAL', 'PIN', 'DAY', 'QPIN', 'QYES'];
const TEMPLATE = KEYS.map((k) => `${k}={{ ${k} }}`).join(' ');
const ENV = KEYS.map((k) => `${k}=$${k}`).join(' ');
// What the original printed of each (Python's str() of the PyYAML value); the environment gets the same text.
const PRINTED = 'FLAG=True SWITCH=True RATIO=1.0 OCTAL=0o17 PIN=83 DAY=2024-01-02 QPIN=0123 QYES=yes';

function projectYml(provider: string, task: string): string {
  return `envs:
${KEYS.map((k) => `- key: ${k}`).join('\n')}
tasks:
- name: t
  commands:
  - command: echo
    args: "${TEMPLATE}"
  - command: sh
    args: -c 'echo "${ENV}"'
  - command: cat
    args: files/conf.txt
deploy:
  cloud_provider: ${provider}
  resource_group: typed
  task: ${task}
`;
}

function makeTypedProject(provider: string, task: string): { projectDir: string; workspaceDir: string } {
  return makeProject(projectYml(provider, task), { '.secrets/dev_secrets.yml': SECRETS_YML, 'files/conf.txt': `${TEMPLATE}\n` });
}

const stdoutOf = (workspaceDir: string): string => fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8');

async function revealed(cli: (args: string[]) => Promise<CliResult>, projectDir: string): Promise<Record<string, string>> {
  const printed = await cli(['secrets', 'print', '-p', projectDir, '--reveal', '--json']);
  expect(printed.code, printed.stderr).toBe(0);
  return Object.fromEntries((JSON.parse(printed.stdout) as { key: string; value: string }[]).map((s) => [s.key, s.value]));
}

/** run local, then project push and `handoff run` from the store: both print the same text, in templates and the environment. */
async function expectStoreRunAsLocal(cli: (args: string[]) => Promise<CliResult>, provider: string, task: string): Promise<string> {
  const { projectDir, workspaceDir } = makeTypedProject(provider, task);
  const local = await cli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
  expect(local.code, local.stderr).toBe(0);
  const expected = `${PRINTED}\n${PRINTED}\n${PRINTED}\n`;
  expect(stdoutOf(workspaceDir)).toBe(expected);

  const created = await cli(['cloud', 'bucket', 'create', '-p', projectDir]);
  expect(created.code, created.stderr).toBe(0);
  const pushed = await cli(['project', 'push', '-p', projectDir, '-y']);
  expect(pushed.code, pushed.stderr).toBe(0);
  const storeWorkspace = makeTempDir('typed-store-ws-');
  const fromStore = await cli(['run', '-p', projectDir, '-w', storeWorkspace]);
  expect(fromStore.code, fromStore.stderr).toBe(0);
  expect(stdoutOf(storeWorkspace)).toBe(expected);
  for (const out of [local, pushed, fromStore]) expect(out.stdout + out.stderr).not.toContain('pw-typed-secret-4711');

  // What is stored is that text; quoted values as written.
  const stored = await revealed(cli, projectDir);
  expect(stored).toMatchObject({ FLAG: 'True', SWITCH: 'True', RATIO: '1.0', OCTAL: '0o17', PIN: '83', DAY: '2024-01-02', QPIN: '0123', QYES: 'yes' });
  return projectDir;
}

describe('typed secrets: a run from the local store sees what run local sees', () => {
  it('renders and exports True, 83, 1.0 from the store as run local does; a store pushed before with the written text keeps it', async () => {
    const env = { HANDOFF_HOME: makeTempDir('handoff-home-') };
    const cli = (args: string[]): Promise<CliResult> => runCli(args, { env });
    const projectDir = await expectStoreRunAsLocal(cli, 'local', 'local-typed');

    // A store pushed by an earlier handoff holds the written text (`yes`): read as it is, text stays text.
    const stored = path.join(env.HANDOFF_HOME, 'parameters', 'handoff', 'dev-typed', 'local-typed', 'FLAG');
    expect(fs.readFileSync(stored, 'utf8')).toBe('True');
    fs.writeFileSync(stored, 'yes');
    const workspaceDir = makeTempDir('typed-old-ws-');
    const old = await cli(['run', '-p', projectDir, '-w', workspaceDir]);
    expect(old.code, old.stderr).toBe(0);
    expect(stdoutOf(workspaceDir).split('\n')[0]).toBe(PRINTED.replace('FLAG=True', 'FLAG=yes'));
  });
});

describe('typed secrets: a run from AWS (moto: SSM and S3) sees what run local sees', () => {
  let moto: MotoServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    moto = await startMotoServer();
    env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('stores the printed text in SSM, and the run from the store prints it in templates and the environment', async () => {
    const cli = (args: string[]): Promise<CliResult> =>
      runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 180_000 });
    await expectStoreRunAsLocal(cli, 'aws', 'aws-typed');
  });
});
