// Secrets pushed to SSM through the CLI: keys SSM refuses are located in the secrets file, all at once; a parameter stays Advanced once it is.
import { DescribeParametersCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';
import { startMotoServer, type MotoServer } from '../helpers/moto-server.js';

let moto: MotoServer;
let env: Record<string, string>;

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { ...env, AWS_PROFILE: undefined, __VARS: undefined } as NodeJS.ProcessEnv, timeoutMs: 120_000 });
}

const ssm = () => new SSMClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

const PROJECT = `tasks:
  - name: load
    commands:
      - command: echo
        args: loading
deploy:
  cloud_provider: aws
  resource_group: etl
  task: words
`;

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  moto = await startMotoServer();
  env = { ...moto.env, HANDOFF_HOME: makeTempDir('handoff-home-') };
});

afterAll(async () => {
  await moto?.stop();
});

describe('a secret that shrinks below 4 KiB after it was pushed Advanced', () => {
  it('is written Advanced again, and the push says why', async () => {
    const { projectDir } = makeProject(PROJECT, { '.secrets/dev_secrets.yml': `- key: BIG\n  value: ${'b'.repeat(5000)}\n` });
    const big = await cli(['secrets', 'push', '-p', projectDir, '-y', '-v', 'allow_advanced_tier=true']);
    expect(big.code, big.stderr).toBe(0);
    writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), '- key: BIG\n  value: small-now\n');
    const small = await cli(['secrets', 'push', '-p', projectDir, '-y']);
    expect(small.code, small.stderr).toBe(0);
    expect(small.stderr).toContain('the SSM parameter /handoff/dev-etl/words/BIG stays in the Advanced tier');
    const name = '/handoff/dev-etl/words/BIG';
    const described = await ssm().send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: [name] }] }));
    expect(described.Parameters?.[0]?.Tier).toBe('Advanced');
    expect((await ssm().send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value).toBe('small-now');
  });
});

describe('secret keys SSM refuses', () => {
  it('are refused together, each at its line of the secrets file, before anything is pushed', async () => {
    const secrets = ['- key: API_TOKEN', '  value: tok-secret-abc123xyz', '- key: "my key"', '  value: v1', '- key: a/b', '  value: v2', `- key: ${'k'.repeat(1000)}`, '  value: v3', ''].join('\n');
    const { projectDir } = makeProject(PROJECT, { '.secrets/dev_secrets.yml': secrets });
    const result = await cli(['secrets', 'push', '-p', projectDir, '-y']);
    expect(result.code, result.stderr).toBe(2);
    const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
    expect(result.stderr).toContain(`${file}:3: secret "my key": SSM parameter key "my key" is invalid`);
    expect(result.stderr).toContain(`${file}:5: secret "a/b": SSM parameter key "a/b" is invalid`);
    expect(result.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7: secret "k+": SSM parameter /handoff/dev-etl/words/k+ is too long`));
    expect(result.stderr).not.toContain('tok-secret-abc123xyz');
    const stored = await ssm().send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/handoff/dev-etl/words/API_TOKEN'] }] }));
    expect(stored.Parameters ?? []).toEqual([]);
  });
});

describe('secrets push of values the store already holds', () => {
  it('writes no new SSM parameter version for an unchanged secret and reports it unchanged, without its value', async () => {
    const project = PROJECT.replace('task: words', 'task: same');
    const { projectDir } = makeProject(project, { '.secrets/dev_secrets.yml': '- key: KEEP\n  value: keep-secret-1234\n- key: CHANGE\n  value: change-secret-1\n' });
    const first = await cli(['secrets', 'push', '-p', projectDir, '-y']);
    expect(first.code, first.stderr).toBe(0);
    const version = async (key: string): Promise<number | undefined> =>
      (await ssm().send(new GetParameterCommand({ Name: `/handoff/dev-etl/same/${key}`, WithDecryption: true }))).Parameter?.Version;
    expect(await version('KEEP')).toBe(1);

    const again = await cli(['secrets', 'push', '-p', projectDir, '-y', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(await version('KEEP')).toBe(1);
    expect(await version('CHANGE')).toBe(1);
    expect(again.stderr).toMatch(/- KEEP \(task level\) -> .* UNCHANGED/);
    expect(again.stderr).toContain('2 secrets unchanged: nothing was written');
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'unchanged', secrets: [{ key: 'KEEP', unchanged: true }, { key: 'CHANGE', unchanged: true }] });

    writeFileSync(path.join(projectDir, '.secrets', 'dev_secrets.yml'), '- key: KEEP\n  value: keep-secret-1234\n- key: CHANGE\n  value: change-secret-2\n');
    const changed = await cli(['secrets', 'push', '-p', projectDir, '-y']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(await version('KEEP')).toBe(1);
    expect(await version('CHANGE')).toBe(2);
    expect(changed.stderr).toContain('Pushed 1 secret (1 unchanged)');
    for (const r of [first, again, changed]) {
      for (const value of ['keep-secret-1234', 'change-secret-1', 'change-secret-2']) expect(r.stdout + r.stderr).not.toContain(value);
    }
  }, 120_000);
});
