// Run history against real runs: a restore during a run, a killed run's leftovers, records of an odd shape, --follow of a killed run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath, makeProject, makeTempDir, newMarker, processesWithMarker, runCli, waitFor } from './helpers/cli.js';

const LONG = `
tasks:
- name: long
  commands:
  - command: sleep 300
`;

function records(workspaceDir: string): Record<string, any>[] {
  const dir = path.join(workspaceDir, 'runs');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** Starts `run local` in the background and waits until its command runs and the record names it. */
async function startLongRun(projectDir: string, workspaceDir: string, marker: string) {
  markers.push(marker);
  const child = spawn(process.execPath, [cliPath, 'run', 'local', '-p', projectDir, '-w', workspaceDir], {
    env: { ...process.env, HANDOFF_TEST_MARKER: marker },
    stdio: 'ignore',
  });
  await waitFor(() => fs.existsSync(path.join(workspaceDir, 'runs')) && records(workspaceDir).some((r) => r.status === 'running' && (r.live ?? []).length === 1));
  return child;
}

/** SIGKILLs a run's handoff and its launcher together: its command is left running, with nobody to end it. */
async function killHandoffAndLauncher(child: ReturnType<typeof spawn>, workspaceDir: string): Promise<void> {
  const running = records(workspaceDir).find((r) => r.status === 'running')!;
  // Stopped first, so neither sees the other die and ends the command (as a launcher does when handoff alone dies).
  for (const pid of [child.pid!, running.live[0].launcher.pid]) process.kill(pid, 'SIGSTOP');
  for (const pid of [child.pid!, running.live[0].launcher.pid]) process.kill(pid, 'SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

const markers: string[] = [];
afterEach(() => {
  // A test that failed may have left its killed run's command running: end it (only processes carrying its marker).
  for (const marker of markers.splice(0)) for (const pid of processesWithMarker(marker)) process.kill(pid, 'SIGKILL');
});

describe('run history health', () => {
  it('runs state --restore during a run is refused (exit 2, naming the run), and state.json stays as the run leaves it', async () => {
    const root = makeTempDir();
    const slow = path.join(root, 'slow');
    const { projectDir, workspaceDir } = makeProject(
      'tasks:\n- name: sync\n  pipeline:\n  - command: sh files/tap.sh\n  - command: cat\n',
      { 'files/tap.sh': `[ -f ${slow} ] && sleep 300\necho '{"type": "STATE", "value": {"bookmark": "first"}}'\n` },
    );
    expect((await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir])).code).toBe(0);
    const first = records(workspaceDir)[0].runId;
    const stateFile = path.join(workspaceDir, 'artifacts', 'state.json');
    fs.writeFileSync(stateFile, '{"bookmark":"edited"}\n');
    fs.writeFileSync(slow, '');
    const marker = newMarker();
    const child = spawn(process.execPath, [cliPath, 'run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { ...process.env, HANDOFF_TEST_MARKER: marker }, stdio: 'ignore' });
    try {
      await waitFor(() => records(workspaceDir).some((r) => r.status === 'running'));
      const r = await runCli(['runs', 'state', first, '--restore', '-w', workspaceDir]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`is in use by another handoff \\(pid ${child.pid}, "run local`));
      expect(r.stderr).toContain('wait for that run to finish');
      expect(r.stderr).not.toContain('Restored');
      expect(fs.readFileSync(stateFile, 'utf8')).toBe('{"bookmark":"edited"}\n');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // Once no run holds the workspace, the restore goes ahead (and releases the lock: a run can start after it).
    const ok = await runCli(['runs', 'state', first, '--restore', '-w', workspaceDir]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))).toEqual({ bookmark: 'first' });
    expect(fs.existsSync(path.join(workspaceDir, '.handoff.lock'))).toBe(false);
  });

  it('runs prune marks a run whose handoff was killed as interrupted, ends its leftover processes and removes it', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(LONG);
    const child = await startLongRun(projectDir, workspaceDir, marker);
    await killHandoffAndLauncher(child, workspaceDir);
    // Its command outlived both: nobody is left to end it but the next handoff that looks.
    expect(processesWithMarker(marker).length).toBeGreaterThan(0);
    const r = await runCli(['runs', 'prune', '--keep', '0', '-y', '-w', workspaceDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('running run');
    expect(r.stderr).toContain('Removed 1 run');
    expect(processesWithMarker(marker)).toEqual([]);
    expect(records(workspaceDir)).toEqual([]);
  });

  it('runs state of a killed run marks it interrupted and ends its leftovers first', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(LONG);
    const child = await startLongRun(projectDir, workspaceDir, marker);
    await killHandoffAndLauncher(child, workspaceDir);
    const r = await runCli(['runs', 'state', 'latest', '-w', workspaceDir]);
    expect(r.code).toBe(2);
    expect(processesWithMarker(marker)).toEqual([]);
    expect(records(workspaceDir)[0].status).toBe('interrupted');
  });

  it('runs logs --follow of a run whose handoff is killed says it was interrupted and exits 1', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(LONG);
    const child = await startLongRun(projectDir, workspaceDir, marker);
    const follow = runCli(['runs', 'logs', 'latest', '--follow', '-w', workspaceDir]);
    await waitFor(() => processesWithMarker(marker).length > 0);
    child.kill('SIGKILL');
    const r = await follow;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/run \S+ was interrupted: handoff \(pid \d+\) stopped without finishing this run/);
    await waitFor(() => processesWithMarker(marker).length === 0);
  });

  it('a record with a missing or odd field is left out of list (with a warning naming it); show and logs refuse it with exit 2', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: hello\n  commands:\n  - command: echo hello\n');
    expect((await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir])).code).toBe(0);
    const good = records(workspaceDir)[0];
    const runsDir = path.join(workspaceDir, 'runs');
    const odd: Record<string, (r: any) => void> = {
      notrigger: (r) => delete r.trigger,
      nulltrigger: (r) => (r.trigger = null),
      numtrigger: (r) => (r.trigger = 5),
      nulltask: (r) => (r.tasks[0] = null),
      strtask: (r) => (r.tasks[0] = 'x'),
      nullprocesses: (r) => (r.tasks[0].processes = null),
      nullprocess: (r) => (r.tasks[0].processes[0] = null),
      nulldir: (r) => (r.project.dir = null),
      arraydir: (r) => (r.project.dir = []),
      records: (r) => (r.records = [1, 2]),
    };
    const ids: string[] = [];
    Object.entries(odd).forEach(([name, spoil], i) => {
      const runId = `29991231T0000${String(i).padStart(2, '0')}.000Z-${name.slice(0, 4)}${i}`;
      const record = JSON.parse(JSON.stringify({ ...good, runId }));
      spoil(record);
      fs.writeFileSync(path.join(runsDir, `${runId}.json`), JSON.stringify(record));
      ids.push(runId);
    });
    for (const json of [[], ['--json']]) {
      const list = await runCli(['runs', 'list', '-w', workspaceDir, ...json]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stderr).not.toContain('bug');
      for (const id of ids) expect(list.stderr).toContain(`the record of run ${id} cannot be read`);
      expect(list.stdout).toContain(good.runId);
      for (const id of ids) expect(list.stdout).not.toContain(id);
    }
    for (const id of ids) {
      for (const command of ['show', 'logs']) {
        const r = await runCli(['runs', command, id, '-w', workspaceDir]);
        expect(r.code, `${command} ${id}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain(`the record of run ${id} cannot be read`);
        expect(r.stderr).toContain(path.join(runsDir, `${id}.json`));
      }
    }
  });

  it('runs list --limit takes decimal digits only, as prune --keep does', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n- name: hello\n  commands:\n  - command: echo hello\n');
    expect((await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir])).code).toBe(0);
    for (const bad of ['1e1', '0x10', '2.5', '0', '-1']) {
      const r = await runCli(['runs', 'list', '-w', workspaceDir, '--limit', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`--limit ${bad} is not a positive whole number`);
    }
    expect((await runCli(['runs', 'list', '-w', workspaceDir, '--limit', '10'])).code).toBe(0);
  });
});
