// The local provider's `cloud run` refuses an HO_STAGE of another stage, as AWS, Google Cloud and Azure do (review "the
// same commands across providers", 2026-12-06, finding 6): it used to start the job, which ran as the deployed stage.
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

describe('cloud run on the local provider', () => {
  it('-e HO_STAGE=<another stage> is refused with exit 2 and no job started', async () => {
    const home = makeTempDir();
    const dir = makeProject('tasks:\n  - name: count\n    commands:\n      - command: "true"\ndeploy:\n  cloud_provider: local\n  resource_group: st\n  task: count\n').projectDir;
    const env = { HANDOFF_HOME: home, __VARS: undefined } as NodeJS.ProcessEnv;
    for (const args of [['cloud', 'bucket', 'create', '-p', dir], ['project', 'push', '-p', dir, '-y']]) expect((await runCli(args, { env })).code).toBe(0);
    const run = await runCli(['cloud', 'run', '-p', dir, '-e', 'HO_STAGE=prod'], { env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('HO_STAGE=prod contradicts the stage of the deployed task (dev)');
    const status = await runCli(['cloud', 'job', 'status', '-p', dir, '--json'], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ jobs: [] });
  }, 120_000);
});
