// A schedule's envs and `cloud run -e` win over project.yml's envs and secrets of the same key, as `run -e` does
// (review gcp9, finding 2: they reached the run as process environment only, and project.yml's value replaced them).
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

const PROJECT = `envs:
  - key: GREETING
    value: default-greeting
  - key: API_TOKEN
tasks:
  - name: count
    commands:
      # On stderr, which the run's log shows.
      - command: '{ echo "greet=$GREETING"; test "$API_TOKEN" = override-secret-999 && echo token-overridden || echo token-stored; } >&2'
deploy:
  cloud_provider: local
  resource_group: ov
  task: count
schedules:
  - target_id: "1"
    cron: "0 6 * * ? *"
    envs:
      - key: GREETING
        value: bonjour
`;

describe('environment overrides of a run started by the provider', () => {
  const home = makeTempDir();
  const { projectDir: dir } = makeProject(PROJECT, { '.secrets/dev_secrets.yml': '- key: API_TOKEN\n  value: stored-abc123\n' });
  const env = { HANDOFF_HOME: home, __VARS: undefined, GREETING: undefined, API_TOKEN: undefined, HANDOFF_ENV_OVERRIDES: undefined } as NodeJS.ProcessEnv;

  it('cloud run -v target_id=N -e KEY=… runs with the schedule env and the -e value, the secret override masked', async () => {
    for (const args of [['cloud', 'bucket', 'create', '-p', dir], ['project', 'push', '-p', dir, '-y']]) {
      const r = await runCli(args, { env });
      expect(r.code, r.stderr).toBe(0);
    }
    const run = await runCli(['cloud', 'run', '-p', dir, '-v', 'target_id=1', '-e', 'API_TOKEN=override-secret-999', '--wait'], { env, timeoutMs: 90_000 });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout + run.stderr).toContain('greet=bonjour');
    expect(run.stdout + run.stderr).toContain('token-overridden');
    expect(run.stdout + run.stderr).not.toContain('override-secret-999');
  }, 120_000);

  it("a store run takes only the keys HANDOFF_ENV_OVERRIDES names from its environment; others keep project.yml's value", async () => {
    const workspace = makeTempDir();
    const base = ['run', '-w', workspace, '-s', 'dev', '-a', '--cloud-provider', 'local', '-e', 'resource_group=ov', 'task=count'];
    // A shell's GREETING is not an override (as for `run local`): project.yml's value stays.
    const plain = await runCli(base, { env: { ...env, GREETING: 'from-shell', API_TOKEN: 'override-secret-999' } });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain('greet=default-greeting');
    expect(plain.stderr).toContain('token-stored');
    // As a provider starts a container with a schedule's envs: the named keys win.
    const named = await runCli(base, { env: { ...env, GREETING: 'bonjour', API_TOKEN: 'override-secret-999', HANDOFF_ENV_OVERRIDES: 'GREETING,API_TOKEN' } });
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).toContain('greet=bonjour');
    expect(named.stderr).toContain('token-overridden');
    expect(named.stdout + named.stderr).not.toContain('override-secret-999');
  }, 120_000);
});
