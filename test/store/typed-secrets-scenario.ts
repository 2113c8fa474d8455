// The typed-secrets scenario every store is tested with: `run local`, then a push and `handoff run` from the store, print the same text.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { makeProject, makeTempDir, type CliResult } from '../helpers/cli.js';

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
export const PRINTED = 'FLAG=True SWITCH=True RATIO=1.0 OCTAL=0o17 PIN=83 DAY=2024-01-02 QPIN=0123 QYES=yes';

/** `deploy`: the deploy block's lines (two-space indented), or a provider name for `cloud_provider`, resource group `typed`. */
function projectYml(deploy: string, task: string): string {
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
${deploy.includes('\n') || deploy.startsWith('  ') ? deploy : `  cloud_provider: ${deploy}`}
  resource_group: typed
  task: ${task}
`;
}

function makeTypedProject(deploy: string, task: string): { projectDir: string; workspaceDir: string } {
  return makeProject(projectYml(deploy, task), { '.secrets/dev_secrets.yml': SECRETS_YML, 'files/conf.txt': `${TEMPLATE}\n` });
}

export const stdoutOf = (workspaceDir: string): string => fs.readFileSync(path.join(workspaceDir, 'artifacts', 't_stdout.log'), 'utf8');

async function revealed(cli: (args: string[]) => Promise<CliResult>, projectDir: string): Promise<Record<string, string>> {
  const printed = await cli(['secrets', 'print', '-p', projectDir, '--reveal', '--json']);
  expect(printed.code, printed.stderr).toBe(0);
  return Object.fromEntries((JSON.parse(printed.stdout) as { key: string; value: string }[]).map((s) => [s.key, s.value]));
}

/** run local, then project push and `handoff run` from the store: both print the same text, in templates and the environment. */
/** `deploy`: a provider name, or the deploy block's lines (without resource_group and task). */
export async function expectStoreRunAsLocal(cli: (args: string[]) => Promise<CliResult>, deploy: string, task: string): Promise<string> {
  const { projectDir, workspaceDir } = makeTypedProject(deploy, task);
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

