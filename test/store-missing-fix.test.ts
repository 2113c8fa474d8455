// A store that does not exist is said with the fix for the command's own project and stage (review azure8, finding 2):
// the fix said `-p <project>` without the stage, so following it made the dev bucket, and told a read to create one.
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

describe('a missing store on the local provider', () => {
  it('a read of a stage never deployed says so, with -p and -s; a push names the bucket to create for that stage', async () => {
    const home = makeTempDir();
    const dir = makeProject('tasks:\n  - name: count\n    commands:\n      - command: "true"\ndeploy:\n  cloud_provider: local\n  resource_group: sm\n  task: count\n').projectDir;
    const env = { HANDOFF_HOME: home, __VARS: undefined } as NodeJS.ProcessEnv;
    const made = await runCli(['cloud', 'bucket', 'create', '-p', dir], { env });
    expect(made.code, made.stderr).toBe(0);
    const read = await runCli(['runs', 'list', '-p', dir, '-s', 'prod'], { env });
    expect(read.code, read.stderr).toBe(2);
    expect(read.stderr).toContain(`nothing is deployed for stage prod of sm/count yet: deploy it with \`handoff cloud deploy -p ${dir} -s prod\``);
    expect(read.stderr).not.toContain('bucket create');
    const write = await runCli(['project', 'push', '-p', dir, '-s', 'prod', '-y'], { env });
    expect(write.code, write.stderr).toBe(2);
    expect(write.stderr).toContain(`handoff cloud bucket create -p ${dir} -s prod`);
    expect(write.stderr).not.toContain('<project>');
  }, 120_000);

  it('-e resource_group=f task=007 names the store as given (not "false"/"7"), and the fix repeats that -e (review docs10, finding 5)', async () => {
    const home = makeTempDir();
    const dir = makeProject('tasks:\n  - name: count\n    commands:\n      - command: "true"\ndeploy:\n  cloud_provider: local\n  resource_group: sm\n  task: count\n').projectDir;
    const env = { HANDOFF_HOME: home, __VARS: undefined } as NodeJS.ProcessEnv;
    const push = await runCli(['project', 'push', '-p', dir, '-e', 'resource_group=f', 'task=007', '-y'], { env });
    expect(push.code, push.stderr).toBe(2);
    expect(push.stderr).toContain('handoff-dev-f ');
    expect(push.stderr).toMatch(/needed to [a-z]+ 007\//);
    expect(push.stderr).toContain(`handoff cloud bucket create -p ${dir} -e resource_group=f task=007`);
    const made = await runCli(['cloud', 'bucket', 'create', '-p', dir, '-e', 'resource_group=f', 'task=007'], { env });
    expect(made.code, made.stderr).toBe(0);
    const pushed = await runCli(['project', 'push', '-p', dir, '-e', 'resource_group=f', 'task=007', '-y'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
  }, 120_000);
});
