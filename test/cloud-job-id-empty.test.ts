// `-v id=` with nothing after `=` (`-v id=$JOB`, $JOB unset) and a `-v follow=` that is not a boolean are bad input
// (exit 2) for `cloud job status|stop` and `cloud logs` (review azure8, findings 1 and 3): the empty id named a task's
// only run, so `cloud job stop -v id=` stopped a run the user never named, and `follow=yes` was a silent one-shot read.
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

/** A local task with one ended run, whose log says `counted`. */
async function oneRun() {
    const home = makeTempDir();
    const dir = makeProject('tasks:\n  - name: count\n    commands:\n      - command: "echo counted"\ndeploy:\n  cloud_provider: local\n  resource_group: ide\n  task: count\n').projectDir;
    const env = { HANDOFF_HOME: home, __VARS: undefined } as NodeJS.ProcessEnv;
    const cli = (args: string[]) => runCli(args, { env });
    for (const args of [['cloud', 'bucket', 'create', '-p', dir], ['project', 'push', '-p', dir, '-y'], ['cloud', 'run', '-p', dir, '--wait']]) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(0);
    }
    return { dir, cli };
}

describe('cloud job status|stop and cloud logs on a task with one run', () => {
  it('refuse an empty -v id= with exit 2, and read nothing', async () => {
    const { dir, cli } = await oneRun();
    for (const command of [['job', 'status'], ['job', 'stop'], ['logs']]) {
      for (const id of ['id=', 'id= ', 'id=""']) {
        const r = await cli(['cloud', ...command, '-p', dir, '-v', id]);
        expect(r.code, `${command.join(' ')} -v ${id}: ${r.stdout}${r.stderr}`).toBe(2);
        expect(r.stderr).toContain('-v id= is empty');
        expect(r.stderr).toContain('handoff cloud job status');
        expect(r.stdout).not.toContain('counted');
      }
    }
  }, 180_000);

  it('refuse a -v follow= that is not true or false with exit 2, and take the words every -v switch takes', async () => {
    const { dir, cli } = await oneRun();
    for (const value of ['yes', 'maybe', '1']) {
      const r = await cli(['cloud', 'logs', '-p', dir, '-v', `follow=${value}`]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`-v follow=${value} is not true or false`);
      expect(r.stdout).toBe('');
    }
    // The boolean words every -v switch takes: the run has ended, so following reads its lines and stops.
    for (const value of ['true', 'T', 'false', 'f']) {
      const r = await cli(['cloud', 'logs', '-p', dir, '-v', `follow=${value}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('counted');
    }
  }, 180_000);
});
