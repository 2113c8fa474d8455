// A `-v` switch read by the store and cloud commands (allow_advanced_tier, delete_logs) takes only the words every `-v`
// variable converts to a boolean (true/t, false/f): `yes` was read as false, silently (eighth review, left over).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

/** An environment whose AWS endpoint is a closed loopback port: a command that reached the cloud would fail there. */
function offlineAws(home: string): NodeJS.ProcessEnv {
  return {
    HANDOFF_HOME: home,
    __VARS: undefined,
    AWS_PROFILE: undefined,
    AWS_DEFAULT_PROFILE: undefined,
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  } as NodeJS.ProcessEnv;
}

function project(provider: string): string {
  const yml = `deploy: {cloud_provider: ${provider}, resource_group: rgv, task: tv}\ntasks:\n- name: main\n  commands:\n  - command: "true"\n`;
  return makeProject(yml, { '.secrets/dev_secrets.yml': '- key: token\n  value: a-token-of-some-length-42\n' }).projectDir;
}

describe('-v switches of the store and cloud commands', () => {
  it('refuse allow_advanced_tier=yes (not a boolean word) with exit 2 before anything is written or called', async () => {
    const home = makeTempDir('handoff-home-');
    const local = project('local');
    const aws = project('aws');
    const env = offlineAws(home);
    const runs: string[][] = [
      ['secrets', 'push', '-p', local, '-y'],
      ['project', 'push', '-p', local, '-y'],
      ['config', 'validate', '-p', aws],
      ['config', 'validate', '-p', local],
      ['cloud', 'deploy', '-p', aws, '-y'],
      ['cloud', 'plan', '-p', aws],
    ];
    for (const args of runs) {
      const r = await runCli([...args, '-v', 'allow_advanced_tier=yes'], { env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('error: -v allow_advanced_tier=yes is not true or false');
      expect(r.stderr).toContain('fix: write -v allow_advanced_tier=true or -v allow_advanced_tier=false (t and f too)');
    }
    expect(fs.readdirSync(home)).toEqual([]);
  }, 120_000);

  it('refuse delete_logs=yes for cloud task delete with exit 2 before the cloud is called', async () => {
    const aws = project('aws');
    const r = await runCli(['cloud', 'task', 'delete', '-p', aws, '-v', 'delete_logs=yes'], { env: offlineAws(makeTempDir('handoff-home-')) });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('error: -v delete_logs=yes is not true or false');
    expect(r.stderr).not.toContain('127.0.0.1:9');
  }, 60_000);

  it('take true/t/false/f in any case', async () => {
    const local = project('local');
    for (const value of ['true', 'T', 'false', 'F']) {
      const r = await runCli(['config', 'validate', '-p', local, '-v', `allow_advanced_tier=${value}`], { env: offlineAws(makeTempDir()) });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 60_000);
});
