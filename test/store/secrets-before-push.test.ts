// What a cloud's secret store would refuse of the secrets file, found by config validate (and said by run local) before any push or credentials.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli, type CliResult } from '../helpers/cli.js';

const TASKS = `tasks:
  - name: load
    commands:
      - command: echo
        args: loading
`;
const DEPLOY: Record<string, string> = {
  aws: 'deploy:\n  cloud_provider: aws\n  resource_group: etl\n  task: words\n',
  gcp: 'deploy:\n  cloud_provider: gcp\n  resource_group: etl\n  task: words\n  gcp_project: acme-data-123\n  region: europe-west1\n',
  azure:
    'deploy:\n  cloud_provider: azure\n  resource_group: etl\n  task: words\n  subscription_id: 00000000-0000-0000-0000-000000000000\n  resource_group_name: data\n  location: westeurope\n',
  local: 'deploy:\n  resource_group: etl\n  task: words\n',
};

/** No credentials of any cloud, and every endpoint closed: a check that called a cloud would fail otherwise. */
function cli(args: string[]): Promise<CliResult> {
  const empty = makeTempDir('no-cloud-');
  return runCli(args, {
    env: {
      HANDOFF_HOME: makeTempDir('handoff-home-'),
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_CONFIG_FILE: path.join(empty, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(empty, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      GOOGLE_APPLICATION_CREDENTIALS: undefined,
      CLOUDSDK_CONFIG: empty,
      __VARS: undefined,
    } as NodeJS.ProcessEnv,
    timeoutMs: 60_000,
  });
}

const BAD_SECRETS = [
  '- key: API_TOKEN',
  '  value: tok-secret-abc123xyz',
  '- key: "my key"',
  '  value: v1-secret-value',
  '- key: a/b',
  '  value: v2-secret-value',
  `- key: ${'k'.repeat(1000)}`,
  '  value: v3-secret-value',
  '- key: HUGE',
  `  value: ${'h'.repeat(9000)}`,
  '',
].join('\n');

describe('config validate of a project deploying to AWS, without credentials', () => {
  it('refuses what SSM would refuse (keys, a value over 8 KiB), every secret at its line, exit 2', async () => {
    const { projectDir } = makeProject(TASKS + DEPLOY.aws!, { '.secrets/dev_secrets.yml': BAD_SECRETS });
    const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
    const result = await cli(['config', 'validate', '-p', projectDir]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`error: ${file}:3: secret "my key": SSM parameter key "my key" is invalid: AWS allows letters, digits and _ . - (and 3 more secrets)`);
    expect(result.stderr).toContain(`${file}:5: secret "a/b": SSM parameter key "a/b" is invalid`);
    expect(result.stderr).toContain(`${file}:7: secret "${'k'.repeat(1000)}": SSM parameter /handoff/dev-etl/words/${'k'.repeat(1000)} is too long`);
    expect(result.stderr).toContain(`${file}:9: secret "HUGE" is 9000 bytes as stored; SSM parameters hold at most 8192 bytes (Advanced tier)`);
    expect(result.stderr).not.toContain('Nothing was pushed');
    for (const value of ['tok-secret-abc123xyz', 'v1-secret-value', 'hhhhhhhh']) expect(result.stderr + result.stdout).not.toContain(value);

    // --json: the same problems as the refusal's diagnostics, each at its line.
    const json = await cli(['config', 'validate', '-p', projectDir, '--json']);
    expect(json.code).toBe(2);
    const refusal = JSON.parse(json.stdout) as { valid: boolean; problems: { location?: { line?: number } }[] };
    expect(refusal.valid).toBe(false);
    expect(refusal.problems.map((e) => e.location?.line)).toEqual([3, 5, 7, 9]);
  });

  it('passes a secret of 4-8 KiB with a warning that its push needs -v allow_advanced_tier=true, and none with it', async () => {
    const { projectDir } = makeProject(TASKS + DEPLOY.aws!, { '.secrets/dev_secrets.yml': `- key: API_TOKEN\n  value: tok-secret-abc123xyz\n- key: CERT\n  value: ${'c'.repeat(5000)}\n` });
    const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
    const result = await cli(['config', 'validate', '-p', projectDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`warning: ${file}:3: secret "CERT" is 5000 bytes as stored: SSM keeps it in the Advanced tier`);
    expect(result.stderr).toContain('-v allow_advanced_tier=true');
    const allowed = await cli(['config', 'validate', '-p', projectDir, '-v', 'allow_advanced_tier=true']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).not.toContain('CERT');
  });

  it('checks the -s stage\'s file, or -v secrets_dir\'s', async () => {
    const { projectDir } = makeProject(TASKS + DEPLOY.aws!, { '.secrets/dev_secrets.yml': '- key: GOOD\n  value: good-value\n', '.secrets/secrets.yml': '- key: "bad key"\n  value: prod-value\n' });
    expect((await cli(['config', 'validate', '-p', projectDir])).code).toBe(0);
    const prod = await cli(['config', 'validate', '-p', projectDir, '-s', 'prod']);
    expect(prod.code).toBe(2);
    expect(prod.stderr).toContain(`${path.join(projectDir, '.secrets', 'secrets.yml')}:1: secret "bad key": SSM parameter key "bad key" is invalid`);
    const elsewhere = makeTempDir('secrets-');
    fs.writeFileSync(path.join(elsewhere, 'dev_secrets.yml'), '- key: a/b\n  value: x-value\n');
    const dir = await cli(['config', 'validate', '-p', projectDir, '-v', `secrets_dir=${elsewhere}`]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain(`${path.join(elsewhere, 'dev_secrets.yml')}:1: secret "a/b"`);
  });

  it('run local runs, and warns of each secret a push would refuse', async () => {
    const { projectDir, workspaceDir } = makeProject(TASKS + DEPLOY.aws!, { '.secrets/dev_secrets.yml': BAD_SECRETS });
    const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
    const result = await cli(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`WARNING - ${file}:3: secret "my key": SSM parameter key "my key" is invalid: AWS allows letters, digits and _ . -; secrets push and cloud deploy to aws would refuse it`);
    expect(result.stderr).toContain(`${file}:9: secret "HUGE" is 9000 bytes as stored`);
    expect(result.stderr).toContain('Task load ended with exit code 0');
    for (const value of ['tok-secret-abc123xyz', 'v1-secret-value', 'hhhhhhhh']) expect(result.stderr + result.stdout).not.toContain(value);
  });
});

describe('config validate of the other clouds, each with its own store\'s rules', () => {
  it('Google Cloud and Azure refuse a key their stores keep no name for, and a value over one secret\'s size', async () => {
    for (const [cloud, limit] of [['gcp', 'a Secret Manager secret holds at most 65536 bytes'], ['azure', 'a Key Vault secret holds at most 25600 bytes']] as const) {
      const big = cloud === 'gcp' ? 70_000 : 30_000;
      const { projectDir } = makeProject(TASKS + DEPLOY[cloud]!, { '.secrets/dev_secrets.yml': `- key: "my key"\n  value: v1-secret-value\n- key: BIG\n  value: ${'b'.repeat(big)}\n` });
      const file = path.join(projectDir, '.secrets', 'dev_secrets.yml');
      const result = await cli(['config', 'validate', '-p', projectDir]);
      expect(result.code, `${cloud}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`error: ${file}:1: secret key "my key" is invalid: use letters, digits and _ . - (at most 256) (and 1 more secret)`);
      expect(result.stderr).toContain(`${file}:3: secret "BIG" is ${big} bytes as stored; ${limit}`);
      // A value SSM would need the Advanced tier for is nothing to these stores.
      const mid = makeProject(TASKS + DEPLOY[cloud]!, { '.secrets/dev_secrets.yml': `- key: CERT\n  value: ${'c'.repeat(5000)}\n` });
      const ok = await cli(['config', 'validate', '-p', mid.projectDir]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).not.toContain('warning');
    }
  });

  it('a local project\'s secrets are not checked: they may be meant for local runs only', async () => {
    const { projectDir } = makeProject(TASKS + DEPLOY.local!, { '.secrets/dev_secrets.yml': BAD_SECRETS });
    const result = await cli(['config', 'validate', '-p', projectDir]);
    expect(result.code, result.stderr).toBe(0);
    // --cloud-provider checks them for that cloud, as it checks deploy.
    const aws = await cli(['config', 'validate', '-p', projectDir, '--cloud-provider', 'aws']);
    expect(aws.code).toBe(2);
    expect(aws.stderr).toContain('secret "my key": SSM parameter key "my key" is invalid');
  });
});
