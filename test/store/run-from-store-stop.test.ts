// `handoff run` (the container's entry point) while it installs: SIGTERM and --timeout end the install, and -e reaches templates.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, newMarker, processesWithMarker, runCli, waitFor, type CliOptions } from '../helpers/cli.js';

// An install without a venv runs at every run; with -e SLOW=1 it says it started, then waits far longer than any test.
const PROJECT_YML = `deploy:
  cloud_provider: local
  resource_group: stop-test
  task: stopping
installs:
- command: if [ "$SLOW" = 1 ]; then touch install-started; sleep 600; fi
tasks:
- name: t
  commands:
  - command: echo "tf={{ FOO }} env=$FOO"
`;

describe('handoff run: signals and --timeout reach the installs; -e reaches templates', () => {
  const home = makeTempDir('handoff-home-');
  const run = (args: string[], options: CliOptions = {}) =>
    runCli(['run', '-e', 'resource_group=stop-test', 'task=stopping', ...args], { timeoutMs: 90_000, ...options, env: { HANDOFF_HOME: home, __VARS: undefined, ...options.env } });
  const records = (dir: string): Array<Record<string, unknown>> =>
    fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as Record<string, unknown>);

  beforeAll(async () => {
    const { projectDir } = makeProject(PROJECT_YML);
    for (const args of [['cloud', 'bucket', 'create', '-p', projectDir], ['project', 'push', '-p', projectDir, '-y']]) {
      const r = await runCli(args, { env: { HANDOFF_HOME: home } });
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('SIGTERM during an install ends it and the run: exit 143, recorded interrupted and pushed with -a, nothing left', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    const marker = newMarker();
    const r = await run(['-w', workspace, '-a', '-e', 'SLOW=1'], {
      env: { HANDOFF_TEST_MARKER: marker },
      onSpawn: (child) => {
        void waitFor(() => fs.existsSync(path.join(workspace, 'install-started')), 60_000).then(() => child.kill('SIGTERM'));
      },
    });
    // Before, the run waited for the install (sleep 600) and then exited: here the CLI would be killed at 90 s instead.
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('The venv installs were ended before they finished');
    const [record] = records(path.join(workspace, 'runs'));
    expect(record).toMatchObject({ status: 'interrupted', exitCode: 143 });
    const stored = records(path.join(home, 'buckets', 'handoff-dev-stop-test', 'stopping', 'runs'));
    expect(stored.map((s) => s.runId)).toContain(record?.runId);
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it('--timeout covers the installs: the install is ended and the run fails as timed out, its task not run', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    const marker = newMarker();
    const r = await run(['-w', workspace, '-e', 'SLOW=1', '--timeout', '3'], { env: { HANDOFF_TEST_MARKER: marker } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("The run's --timeout of 3 s ran out while venvs were installed");
    const [record] = records(path.join(workspace, 'runs'));
    expect(record).toMatchObject({ status: 'failed', exitCode: 1, reason: 'the run timed out after 3 s' });
    expect((record?.tasks as Array<{ status: string }>).map((t) => t.status)).toEqual(['not_run']);
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it('-e KEY=value is in templates as in run local: {{ FOO }} and $FOO agree', async () => {
    const workspace = path.join(makeTempDir(), 'ws');
    const r = await run(['-w', workspace, '-e', 'FOO=bar']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('undefined variable');
    expect(fs.readFileSync(path.join(workspace, 'artifacts', 't_stdout.log'), 'utf8')).toBe('tf=bar env=bar\n');
  });
});
