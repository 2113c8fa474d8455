// A secrets push the store stops midway (the third of five refused) says which secrets it holds now and which it does not.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';

const PROJECT_YML = `tasks:
- name: t
  commands:
  - command: echo hi
deploy:
  cloud_provider: local
  resource_group: midway
  task: five
`;
const VALUES = ['alpha-secret-1001', 'bravo-secret-2002', 'charlie-secret-3003', 'delta-secret-4004', 'echo-secret-5005'];
const SECRETS_YML = ['A', 'B', 'C', 'D', 'E'].map((k, i) => `- key: ${k}\n  value: ${VALUES[i]}\n`).join('');

/** A project whose store refuses its third secret: a folder stands where C's file goes (the local store's refusal). */
async function makeMidwayProject(): Promise<{ projectDir: string; cli: (args: string[]) => Promise<CliResult>; stored: (key: string) => string | undefined }> {
  const home = makeTempDir('handoff-home-');
  const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: { HANDOFF_HOME: home }, timeoutMs: 120_000 });
  const { projectDir } = makeProject(PROJECT_YML, { '.secrets/dev_secrets.yml': SECRETS_YML, 'files/a.txt': 'a\n' });
  const created = await cli(['cloud', 'bucket', 'create', '-p', projectDir]);
  expect(created.code, created.stderr).toBe(0);
  const taskDir = path.join(home, 'parameters', 'handoff', 'dev-midway', 'five');
  fs.mkdirSync(path.join(taskDir, 'C', 'inside'), { recursive: true });
  const stored = (key: string): string | undefined => {
    const file = path.join(taskDir, key);
    return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  };
  return { projectDir, cli, stored };
}

describe('a secrets push the store stops at the third of five secrets', () => {
  it('secrets push: says A and B were pushed, C refused (with why), C, D, E not pushed; no value is shown', async () => {
    const { projectDir, cli, stored } = await makeMidwayProject();
    const pushed = await cli(['secrets', 'push', '-p', projectDir, '-y']);
    expect(pushed.code).toBe(2);
    expect(pushed.stderr).toContain('could not write secret "C" to the local secret store');
    expect(pushed.stderr).toContain('is a folder of other secrets');
    expect(pushed.stderr).toContain('pushed before it: A, B; not pushed: C, D, E');
    expect(pushed.stderr).toMatch(/fix: .*push again/);
    expect([stored('A'), stored('B'), stored('D'), stored('E')]).toEqual([VALUES[0], VALUES[1], undefined, undefined]);
    for (const value of VALUES) expect(pushed.stdout + pushed.stderr).not.toContain(value);
  });

  it('project push: says project.yml and files/ were pushed before the secrets, and which secrets were', async () => {
    const { projectDir, cli, stored } = await makeMidwayProject();
    const pushed = await cli(['project', 'push', '-p', projectDir, '-y']);
    expect(pushed.code).toBe(2);
    expect(pushed.stderr).toContain('pushed before it: A, B; not pushed: C, D, E');
    expect(pushed.stderr).toContain('project.yml and 1 file were pushed before the secrets');
    expect([stored('A'), stored('B'), stored('E')]).toEqual([VALUES[0], VALUES[1], undefined]);
    for (const value of VALUES) expect(pushed.stdout + pushed.stderr).not.toContain(value);
  });
});
