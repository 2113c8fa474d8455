// The whole local lifecycle with a real clock: push, schedule, the scheduler fires a real run, records reach the store.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, makeProject, makeTempDir, runCli, waitFor } from './helpers/cli.js';

const homes: string[] = [];
afterEach(async () => {
  // Never leave a scheduler behind, whatever the test did.
  for (const home of homes.splice(0)) await runCli(['scheduler', 'stop', '--stop-runs'], { env: { HANDOFF_HOME: home } });
});

function lifecycleProject(task: string, schedules: string) {
  return makeProject(`
tasks:
- name: tick
  commands:
  - command: echo "tick for {{ who }}"
deploy:
  resource_group: demo
  task: ${task}
schedules:
${schedules}
`);
}

describe('local lifecycle', () => {
  it('deploys schedules, fires a real run from the scheduler, and keeps one scheduler per HANDOFF_HOME', async () => {
    const home = makeTempDir('handoff-home-');
    homes.push(home);
    const cli = (args: string[]) => runCli(args, { env: { HANDOFF_HOME: home } });
    const { projectDir } = lifecycleProject('ticker', '- target_id: 1\n  cron: rate(1 minute)\n  envs:\n  - key: __VARS\n    value: who=scheduler\n- target_id: 2\n  cron: "0 3 * * ? *"');
    const sibling = lifecycleProject('ticker2', '- target_id: 1\n  cron: "0 4 * * ? *"');

    expect((await cli(['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    expect((await cli(['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    const created = await cli(['cloud', 'schedule', 'create', '-p', projectDir, '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout).schedules.map((s: any) => s.action)).toEqual(['created', 'created']);
    expect(created.stderr).toContain('scheduler is not running');
    // Idempotent: a second create changes nothing.
    expect(JSON.parse((await cli(['cloud', 'schedule', 'create', '-p', projectDir, '--json'])).stdout).schedules.map((s: any) => s.action)).toEqual(['unchanged', 'unchanged']);
    expect((await cli(['cloud', 'schedule', 'create', '-p', sibling.projectDir])).code).toBe(0);

    const start = await cli(['scheduler', 'start']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stderr).toMatch(/Scheduler started \(pid \d+\)/);
    const again = await cli(['scheduler', 'start']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already running \(pid \d+/);

    // The rate schedule fires at once (as EventBridge fires a new rate schedule); its run pushes its record to the store.
    const runsDir = path.join(home, 'buckets', 'handoff-dev-demo', 'ticker', 'runs');
    await waitFor(() => fs.existsSync(runsDir) && fs.readdirSync(runsDir).some((f) => f.endsWith('.json')), 30_000);
    const record = JSON.parse(fs.readFileSync(path.join(runsDir, fs.readdirSync(runsDir).find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(record.trigger).toBe('schedule');
    expect(record.status).toBe('succeeded');
    // The run pushes its record first (small, and it says what happened), then its artifacts: wait for those too.
    const stdoutLog = path.join(home, 'buckets', 'handoff-dev-demo', 'ticker', 'artifacts', 'last', 'tick_stdout.log');
    await waitFor(() => fs.existsSync(stdoutLog), 30_000);
    expect(fs.readFileSync(stdoutLog, 'utf8')).toBe('tick for scheduler\n');

    const status = JSON.parse((await cli(['scheduler', 'status', '--json'])).stdout);
    expect(status.scheduler.running).toBe(true);
    expect(status.recent_fires[0]).toMatchObject({ scheduleId: 'dev-demo/ticker/1', outcome: 'fired' });
    expect(status.schedules.map((s: any) => s.id).sort()).toEqual(['dev-demo/ticker/1', 'dev-demo/ticker/2', 'dev-demo/ticker2/1']);
    // The scheduler records its build; `scheduler status` warns when it is not this CLI's (one left running across an
    // upgrade, whose lock an older handoff wrote without a build).
    expect(status.scheduler.build).toMatch(/^\S+$/);
    expect((await cli(['scheduler', 'status'])).stderr).not.toContain('than this CLI');
    const lockFile = path.join(home, 'scheduler', 'scheduler.lock');
    const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
    fs.writeFileSync(lockFile, JSON.stringify({ ...lock, command: 'scheduler start' }));
    const older = await cli(['scheduler', 'status', '--json']);
    expect(JSON.parse(older.stdout).scheduler).toMatchObject({ running: true, build: null });
    expect(older.stderr).toContain('runs an older handoff than this CLI');
    expect(older.stderr).toContain('handoff scheduler stop && handoff scheduler start');
    fs.writeFileSync(lockFile, JSON.stringify(lock));

    // Declared against deployed: edit one, drop one from project.yml.
    fs.writeFileSync(path.join(projectDir, 'project.yml'), fs.readFileSync(path.join(projectDir, 'project.yml'), 'utf8').replace('0 3 * * ? *', '0 5 * * ? *').replace('- target_id: 1\n  cron: rate(1 minute)\n  envs:\n  - key: __VARS\n    value: who=scheduler\n', '- target_id: 3\n  cron: "@daily"\n'));
    const listed = JSON.parse((await cli(['cloud', 'schedule', 'list', '-p', projectDir, '--json'])).stdout).schedules;
    expect(Object.fromEntries(listed.map((s: any) => [s.target_id, s.status]))).toEqual({ '1': 'orphaned', '2': 'edited', '3': 'draft' });

    // Delete touches exactly this task's schedules, not ticker2's whose name shares the prefix.
    const deleted = JSON.parse((await cli(['cloud', 'schedule', 'delete', '-p', projectDir, '--json', '-y'])).stdout).schedules;
    expect(deleted.map((s: any) => s.id).sort()).toEqual(['dev-demo/ticker/1', 'dev-demo/ticker/2']);
    expect(fs.readdirSync(path.join(home, 'schedules'))).toEqual(['dev-demo__ticker2__1.json']);

    const stop = await cli(['scheduler', 'stop']);
    expect(stop.code).toBe(0);
    expect(JSON.parse((await cli(['scheduler', 'status', '--json'])).stdout).scheduler.running).toBe(false);
  });

  it('fires a schedule file without envs (an older build or a hand edit), and logs once why a broken schedule file does not fire', async () => {
    const home = makeTempDir('handoff-home-');
    homes.push(home);
    const cli = (args: string[]) => runCli(args, { env: { HANDOFF_HOME: home } });
    const { projectDir } = lifecycleProject('noenvs', '- target_id: 1\n  cron: rate(1 minute)');
    expect((await cli(['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    expect((await cli(['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    expect((await cli(['cloud', 'schedule', 'create', '-p', projectDir])).code).toBe(0);
    const schedules = path.join(home, 'schedules');
    const file = path.join(schedules, 'dev-demo__noenvs__1.json');
    const { envs: _envs, ...withoutEnvs } = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify(withoutEnvs));
    const broken = path.join(schedules, 'dev-demo__broken__1.json');
    fs.writeFileSync(broken, '{"id": "dev-demo/broken/1", "broken');
    const noTask = path.join(schedules, 'dev-demo__notask__1.json');
    fs.writeFileSync(noTask, JSON.stringify({ ...withoutEnvs, id: 'dev-demo/notask/1', task: 5 }));

    expect((await cli(['scheduler', 'start'])).code).toBe(0);
    const runsDir = path.join(home, 'buckets', 'handoff-dev-demo', 'noenvs', 'runs');
    await waitFor(() => fs.existsSync(runsDir) && fs.readdirSync(runsDir).some((f) => f.endsWith('.json')), 30_000);
    // Reloads (a change in the folder) do not repeat what was said about a file that did not change.
    fs.writeFileSync(path.join(schedules, 'unrelated.txt'), 'x');
    const log = path.join(home, 'scheduler', 'scheduler.log');
    await waitFor(() => fs.readFileSync(log, 'utf8').includes('noenvs/1 fired'));
    const text = fs.readFileSync(log, 'utf8');
    expect(text).not.toContain('not iterable');
    expect(text.split(`cannot read the schedule file ${broken}`)).toHaveLength(2);
    expect(text).toContain('it does not fire until it is fixed (run `handoff cloud schedule create -p <project>` again)');
    expect(text).toMatch(new RegExp(`cannot read the schedule file ${noTask.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: task is not a string`));
    // scheduler status names them too, so a schedule that went silent is not simply missing from the list.
    const status = await cli(['scheduler', 'status']);
    expect(status.stderr).toContain(`cannot read the schedule file ${broken}`);
  });

  it('rejects an invalid schedule before deploying anything', async () => {
    const home = makeTempDir('handoff-home-');
    const { projectDir } = lifecycleProject('bad', '- target_id: 1\n  cron: "0 6 * * MON *"');
    const r = await runCli(['cloud', 'schedule', 'create', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('schedules[0].cron');
    expect(fs.existsSync(path.join(home, 'schedules'))).toBe(false);
  });
});

describe('cloud run, job and logs (local provider)', () => {
  it('runs the task in the background against the store, reports its status, stops it, and shows its logs', async () => {
    const home = makeTempDir('handoff-home-');
    const cli = (args: string[]) => runCli(args, { env: { HANDOFF_HOME: home } });
    const { projectDir } = makeProject(`
tasks:
- name: work
  commands:
  - command: echo "working for {{ who }}" >&2; test "{{ who }}" != slow || sleep 300; test "{{ who }}" != broken
deploy:
  resource_group: demo
  task: worker
schedules:
- target_id: 7
  cron: "@daily"
  envs:
  - key: __VARS
    value: who=schedule-seven
`);
    expect((await cli(['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    expect((await cli(['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);

    const ok = await cli(['cloud', 'run', '-p', projectDir, '-v', 'target_id=7', '--wait']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('working for schedule-seven');

    const broken = await cli(['cloud', 'run', '-p', projectDir, '-e', '__VARS=who=broken', '--wait']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/Job \S+ failed with exit code 1/);

    const slow = await cli(['cloud', 'run', '-p', projectDir, '-e', '__VARS=who=slow', '--json']);
    const jobId = JSON.parse(slow.stdout).job;
    await waitFor(() => fs.readFileSync(JSON.parse(slow.stdout).log, 'utf8').includes('working for slow'));
    const running = JSON.parse((await cli(['cloud', 'job', 'status', '-p', projectDir, '--json'])).stdout).jobs;
    expect(running.find((j: any) => j.id === jobId).status).toBe('running');
    expect((await cli(['cloud', 'job', 'stop', '-p', projectDir, '-v', `id=${jobId}`])).code).toBe(0);
    let final: any;
    for (let i = 0; i < 100; i++) {
      final = JSON.parse((await cli(['cloud', 'job', 'status', '-p', projectDir, '--json'])).stdout).jobs.find((j: any) => j.id === jobId);
      if (final.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(final.status).toBe('interrupted');
    const statuses = JSON.parse((await cli(['cloud', 'job', 'status', '-p', projectDir, '--json'])).stdout).jobs.map((j: any) => j.status);
    expect(statuses).toEqual(['interrupted', 'failed', 'succeeded']);

    const logs = await cli(['cloud', 'logs', '-p', projectDir, '-v', 'filter_pattern=echo: working for']);
    expect(logs.stdout.trim().split('\n')).toHaveLength(3);
    expect(logs.stdout).toContain('working for schedule-seven');

    // A wrong id is an error, as for job status; a -v key these commands do not read is said, not dropped silently.
    const wrongId = await cli(['cloud', 'logs', '-p', projectDir, '-v', 'id=nope']);
    expect(wrongId.code).toBe(2);
    expect(wrongId.stderr).toContain('no job "nope"');
    const typo = await cli(['cloud', 'logs', '-p', projectDir, '-v', 'idd=1']);
    expect(typo.stderr).toContain('-v idd is not read by cloud logs');
    const runVar = await cli(['cloud', 'run', '-p', projectDir, '-v', 'start_date=2024-02-01', '-v', 'target_id=9', '--wait']);
    expect(runVar.code).toBe(2);
    expect(runVar.stderr).toContain("-v start_date is not read by cloud run, which takes -v target_id=; it was ignored (a run's variables go in with -e __VARS=");
    expect(runVar.stderr).toContain('no schedule with target_id 9');
    expect(runVar.stderr).toContain("use one of the target_ids of project.yml's schedules: 7");
    // A start of an id that several jobs share names none of them; a job that has ended is not "asked to stop".
    const ambiguous = await cli(['cloud', 'job', 'stop', '-p', projectDir, '-v', `id=${jobId.slice(0, 4)}`]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/"\d{4}" matches 3 jobs of/);
    const ended = await cli(['cloud', 'job', 'stop', '-p', projectDir, '-v', `id=${jobId}`]);
    expect(ended.code).toBe(0);
    expect(ended.stderr).toContain(`Job ${jobId} had already ended (interrupted); there is nothing to stop`);
  });
});

describe('cloud run of a task the store cannot run (local provider)', () => {
  it('refuses before starting anything when the store has no bucket or no project, and a job that fails before its run is a start failure with its reason', async () => {
    const home = makeTempDir('handoff-home-');
    const cli = (args: string[]) => runCli(args, { env: { HANDOFF_HOME: home } });
    const { projectDir } = makeProject(`
installs:
- venv: tools
  command: echo installing; exit 3
tasks:
- name: work
  commands:
  - command: echo never
deploy:
  resource_group: demo
  task: broken
`);
    const noBucket = await cli(['cloud', 'run', '-p', projectDir]);
    expect(noBucket.code).toBe(2);
    expect(noBucket.stderr).toContain('does not exist, so a run of broken would find no project');
    expect((await cli(['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    const noProject = await cli(['cloud', 'run', '-p', projectDir]);
    expect(noProject.code).toBe(2);
    expect(noProject.stderr).toContain('no project.yml of broken in the local store');
    expect(fs.existsSync(path.join(home, 'jobs'))).toBe(false);

    expect((await cli(['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    const run = await cli(['cloud', 'run', '-p', projectDir, '--wait']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Job \S+ failed \(failed to start\): install of venv tools failed/);
    const [job] = JSON.parse((await cli(['cloud', 'job', 'status', '-p', projectDir, '--json'])).stdout).jobs;
    expect(job).toMatchObject({ status: 'failed', failure: 'start_failure', reason: expect.stringMatching(/^install of venv tools failed: .* \(before its run started; see .*\.log\)$/) });
  });
});

describe('scheduler start --foreground', () => {
  it('exits 130 on SIGINT and 143 on SIGTERM, as an interrupted command does', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const home = makeTempDir('handoff-home-');
      const child = spawn(process.execPath, [cliPath, 'scheduler', 'start', '--foreground'], { env: { ...process.env, HANDOFF_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await waitFor(() => stderr.includes('scheduler started'));
      child.kill(signal);
      const exit = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(exit, stderr).toBe(code);
      expect(stderr).toContain(`received ${signal}: stopping the scheduler`);
    }
  });
});

describe('following and pushing, as a user gets them wrong', () => {
  it('Ctrl-C on cloud run --wait stops following and says the job goes on; artifacts push of a folder that is no workspace is refused', async () => {
    const home = makeTempDir('handoff-home-');
    const env = { ...process.env, HANDOFF_HOME: home };
    const { projectDir } = makeProject(`
tasks:
- name: nap
  commands:
  - command: sleep 30
deploy:
  resource_group: demo
  task: napper
`);
    const cli = (args: string[]) => runCli(args, { env: { HANDOFF_HOME: home } });
    expect((await cli(['cloud', 'bucket', 'create', '-p', projectDir])).code).toBe(0);
    expect((await cli(['project', 'push', '-p', projectDir, '-y'])).code).toBe(0);
    const child = spawn(process.execPath, [cliPath, 'cloud', 'run', '-p', projectDir, '--wait'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => /Started job (\S+)/.test(stderr));
    const jobId = /Started job (\S+)/.exec(stderr)![1]!;
    child.kill('SIGINT');
    const exit = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(exit).toBe(130);
    expect(stderr).toContain(`Stopped following job ${jobId} (SIGINT); the job goes on: \`handoff cloud job stop -v id=${jobId}\` stops it`);
    const status = JSON.parse((await cli(['cloud', 'job', 'status', '-p', projectDir, '-v', `id=${jobId}`, '--json'])).stdout) as { job: { status: string } };
    expect(status.job.status).toBe('running');
    expect((await cli(['cloud', 'job', 'stop', '-p', projectDir, '-v', `id=${jobId}`])).code).toBe(0);

    const typo = await cli(['artifacts', 'push', '-p', projectDir, '-w', path.join(home, 'no-such-workspace')]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('has no artifacts/ folder: it is not a workspace that has run');
  });
});
