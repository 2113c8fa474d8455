// Process faults: commands killed, crashing, hanging or deaf to SIGTERM, and handoff itself interrupted mid-run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, makeProject, newMarker, processesWithMarker, runCli } from '../helpers/cli.js';
import {
  artifactHasLines,
  expectFinalRecord,
  expectNoProcessesLeft,
  expectStateIntact,
  hasProcess,
  pidsRunning,
  runHandoff,
  runRecords,
  seedState,
  SINGER_FILES,
  sleep,
  waitFor,
} from './fault-helpers.js';

/** tap | relay | target, slow enough (20 records a second for minutes) to be caught while data flows. */
const SLOW_PIPELINE = `
tasks:
- name: sync
  pipeline:
  - command: sh files/tap.sh 3000 0.05
  - command: sh files/relay.sh
  - command: sh files/target.sh
`;

function faultProject(yml: string): { projectDir: string; workspaceDir: string } {
  const project = makeProject(yml, SINGER_FILES);
  seedState(project.workspaceDir);
  return project;
}

const runLocal = (p: { projectDir: string; workspaceDir: string }, extra: string[], options: Parameters<typeof runHandoff>[1] = {}) =>
  runHandoff(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir, '--json', ...extra], options);

describe('a command of a running pipeline is SIGKILLed (like the OOM killer)', () => {
  it.each([
    ['first', 'files/tap.sh', 0],
    ['middle', 'files/relay.sh', 1],
    ['last', 'files/target.sh', 2],
  ])('%s command (%s): the task fails as out_of_memory with 137, the others are ended, state.json is kept', async (_position, script, index) => {
    const p = faultProject(SLOW_PIPELINE);
    const r = await runLocal(p, [], {
      during: async (_child, marker) => {
        await waitFor(() => artifactHasLines(p.workspaceDir, 'sync_stdout.log', 2));
        const pids = pidsRunning(marker, ['sh', script]);
        expect(pids).toHaveLength(1);
        process.kill(pids[0], 'SIGKILL');
      },
    });
    expect(r.code).toBe(1);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task.status).toBe('failed');
    expect(task.failure).toBe('out_of_memory');
    expect(task.exitCode).toBe(137);
    expect(task.processes[index]).toMatchObject({ failure: 'out_of_memory' });
    expect(r.stderr).toContain('killed by SIGKILL: out of memory, or kill -9');
    const record = expectFinalRecord(p.workspaceDir, 'failed');
    expect(record.state).toMatchObject({ saved: false });
    expectStateIntact(p.workspaceDir);
    await expectNoProcessesLeft(r.marker);
  });
});

describe('a command fails on its own', () => {
  it('a target that crashes after half the stream fails the task with its exit code and keeps state.json', async () => {
    const p = faultProject(`
tasks:
- name: sync
  pipeline:
  - command: sh files/tap.sh 500 0
  - command: sh files/target.sh 500
`);
    const r = await runLocal(p, []);
    expect(r.code).toBe(1);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task).toMatchObject({ status: 'failed', failure: 'exit_code', exitCode: 3 });
    expect(task.processes[1]).toMatchObject({ exitCode: 3, failure: 'exit_code', stderrTail: ['target crashed after 500 lines'] });
    // The target echoed STATE lines before it crashed; a failed run must not save them.
    expect(artifactHasLines(p.workspaceDir, 'sync_stdout.log', 10)).toBe(true);
    const record = expectFinalRecord(p.workspaceDir, 'failed');
    expect(record.reason).toContain('exited with code 3');
    expect(record.state).toMatchObject({ saved: false, reason: expect.stringContaining('left as it was') });
    expectStateIntact(p.workspaceDir);
    await expectNoProcessesLeft(r.marker);
  });

  it('a tap that hangs is ended by the task timeout and the failure is a timeout', async () => {
    const p = faultProject(`
tasks:
- name: sync
  timeout: 1
  pipeline:
  - command: sh files/tap.sh 5 0; sleep 300
  - command: sh files/target.sh
`);
    const r = await runLocal(p, []);
    expect(r.code).toBe(1);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task).toMatchObject({ status: 'failed', failure: 'timeout' });
    expect(task.processes[0].failure).toBe('timeout');
    expect(r.stderr).toContain('Task sync timed out after 1 s');
    expectFinalRecord(p.workspaceDir, 'failed');
    expectStateIntact(p.workspaceDir);
    await expectNoProcessesLeft(r.marker);
  });

  it('a command that ignores SIGTERM is SIGKILLed after the grace period when its pipeline fails', async () => {
    const p = faultProject(`
tasks:
- name: deaf
  pipeline:
  - command: sh files/stubborn.sh
  - command: sh -c 'sleep 0.5; exit 5'
`);
    const r = await runLocal(p, [], {
      // The window between the SIGTERM and the SIGKILL is what the checks below look into: on a machine loaded by the
      // other suites, scanning /proc for the run's processes has taken longer than a 1 s grace period.
      env: { HANDOFF_GRACE_SECONDS: '3' },
      during: async (_child, marker) => {
        // Seen alive after handoff's SIGTERM reached its group: only the SIGKILL that follows the grace period can end it.
        // The shell around it has no such trap and dies of the SIGTERM: from then on the script must still live.
        await waitFor(() => hasProcess(marker, 'files/stubborn.sh'));
        await waitFor(() => pidsRunning(marker, ['/bin/sh', '-c', 'sh files/stubborn.sh']).length === 0);
        // At least one: every 0.1 s the script forks a child that bears its command line until it execs sleep.
        expect(pidsRunning(marker, ['sh', 'files/stubborn.sh']).length).toBeGreaterThanOrEqual(1);
      },
    });
    expect(r.code).toBe(1);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task).toMatchObject({ status: 'failed', exitCode: 5 });
    expect(task.processes[0]).toMatchObject({ terminatedBy: 'pipeline_failed' });
    expect(task.processes[0].failure).toBeUndefined();
    expectFinalRecord(p.workspaceDir, 'failed');
    await expectNoProcessesLeft(r.marker);
  });

  it('a command that handles SIGTERM gets the grace period to clean up, even though its shell ends at once', async () => {
    const p = faultProject(`
tasks:
- name: careful
  pipeline:
  - command: sh files/graceful.sh
  - command: sh -c 'sleep 0.5; exit 5'
`);
    const r = await runLocal(p, [], { env: { HANDOFF_GRACE_SECONDS: '3' } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).tasks[0].processes[0]).toMatchObject({ terminatedBy: 'pipeline_failed' });
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'cleanup.txt'), 'utf8')).toBe('cleaned up\n');
    await expectNoProcessesLeft(r.marker);
  });
});

/** Each shape with the condition that shows it is in full swing, so the signal lands mid-run. */
const SHAPES: Record<string, { yml: string; ready: (workspaceDir: string, marker: string) => boolean }> = {
  pipeline: {
    yml: SLOW_PIPELINE,
    ready: (w) => artifactHasLines(w, 'sync_stdout.log', 2),
  },
  foreach: {
    yml: `
tasks:
- name: loop
  pipeline:
  - command: sh files/tap.sh 3000 0.05
  - foreach:
    - name: each
      commands:
      - command: sleep 300
`,
    ready: (_w, marker) => hasProcess(marker, 'sleep 300'),
  },
  fork: {
    yml: `
tasks:
- name: split
  pipeline:
  - command: sh files/tap.sh 3000 0.05
  - fork:
    - name: to_target
      pipeline:
      - command: sh files/target.sh
    - name: to_relay
      pipeline:
      - command: sh files/relay.sh
`,
    ready: (w) => artifactHasLines(w, 'to_target_stdout.log', 2) && artifactHasLines(w, 'to_relay_stdout.log', 2),
  },
  'a command that ignores SIGTERM': {
    yml: `
tasks:
- name: deaf
  commands:
  - command: sh files/stubborn.sh
`,
    ready: (_w, marker) => hasProcess(marker, 'sleep 0.1'),
  },
};

describe.concurrent('handoff itself is interrupted', () => {
  const cases = Object.keys(SHAPES).flatMap((shape) => [
    [shape, 'SIGINT', 130],
    [shape, 'SIGTERM', 143],
  ]) as Array<[string, 'SIGINT' | 'SIGTERM', number]>;

  it.each(cases)('during %s, %s ends every process, exits %i and records the run as interrupted', async (shape, signal, exitCode) => {
    const p = faultProject(SHAPES[shape].yml);
    const r = await runLocal(p, [], {
      during: async (child, marker) => {
        await waitFor(() => SHAPES[shape].ready(p.workspaceDir, marker));
        child.kill(signal);
      },
    });
    expect(r.code).toBe(exitCode);
    expect(r.stderr).toContain(`Received ${signal}`);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'interrupted', interruptSignal: signal, exitCode });
    const record = expectFinalRecord(p.workspaceDir, 'interrupted');
    expect(record.reason).toBe(`interrupted by ${signal}`);
    expectStateIntact(p.workspaceDir);
    await expectNoProcessesLeft(r.marker);
  });

  // The terminal or ssh session going away: before, handoff died at once, its record left `running` and the lock held.
  it('during pipeline, SIGHUP stops the run as SIGTERM does, records it interrupted, and handoff ends by SIGHUP (129)', async () => {
    const p = faultProject(SHAPES.pipeline.yml);
    const r = await runLocal(p, [], {
      during: async (child, marker) => {
        await waitFor(() => SHAPES.pipeline.ready(p.workspaceDir, marker));
        child.kill('SIGHUP');
      },
    });
    expect(r.signal).toBe('SIGHUP');
    expect(r.stderr).toContain('Received SIGHUP');
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'interrupted', interruptSignal: 'SIGHUP', exitCode: 129 });
    const record = expectFinalRecord(p.workspaceDir, 'interrupted');
    expect(record).toMatchObject({ reason: 'interrupted by SIGHUP', exitCode: 129 });
    expectStateIntact(p.workspaceDir);
    await expectNoProcessesLeft(r.marker);
  });
});

/** The first argument of each of the run's live processes, e.g. `/…/dist/handoff-launch` or `sh`. */
function programsOf(marker: string): Array<{ pid: number; program: string }> {
  return processesWithMarker(marker).map((pid) => {
    try {
      return { pid, program: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] };
    } catch {
      return { pid, program: '' };
    }
  });
}

describe('handoff itself is SIGKILLed (no chance to clean up)', () => {
  /** Starts the slow pipeline and SIGKILLs handoff mid-stream; with `alsoLaunchers`, the launchers die with it. */
  const startKilledRun = async (p: { projectDir: string; workspaceDir: string }, marker: string, alsoLaunchers = false): Promise<number> => {
    const child = spawn(process.execPath, [cliPath, 'run', 'local', '-p', p.projectDir, '-w', p.workspaceDir], {
      env: { ...process.env, HANDOFF_TEST_MARKER: marker, HANDOFF_GRACE_SECONDS: '1' },
      stdio: 'ignore',
    });
    await waitFor(() => artifactHasLines(p.workspaceDir, 'sync_stdout.log', 2));
    if (alsoLaunchers) {
      // handoff is stopped first, so neither it nor the launchers see the other go before both are gone.
      child.kill('SIGSTOP');
      for (const { pid, program } of programsOf(marker)) if (program.endsWith('handoff-launch')) process.kill(pid, 'SIGKILL');
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    return child.pid as number;
  };

  it('the tap, relay and target it leaves are ended by their launchers within the grace period', async () => {
    const p = faultProject(SLOW_PIPELINE);
    const marker = newMarker();
    await startKilledRun(p, marker);
    // SIGTERM when handoff's end of each launcher's control socket closes, SIGKILL a grace period (1 s) later.
    await waitFor(() => processesWithMarker(marker).length === 0, 5000).catch(() => undefined);
    expect(programsOf(marker)).toEqual([]);
    expectStateIntact(p.workspaceDir);
  });

  it('when its launchers are killed too, the next run ends the orphans first and saves only its own state', async () => {
    const p = faultProject(SLOW_PIPELINE);
    const marker = newMarker();
    const killedPid = await startKilledRun(p, marker, true);
    await sleep(300);
    // The orphans go on writing into artifacts/sync_stdout.log, as after a crash of the whole process tree but them.
    expect(pidsRunning(marker, ['sh', 'files/tap.sh'])).toHaveLength(1);
    expect(pidsRunning(marker, ['sh', 'files/target.sh'])).toHaveLength(1);

    // The next run is slow enough (10 records, 0.1 s apart) that orphans left alive would write into its log.
    fs.writeFileSync(
      path.join(p.projectDir, 'project.yml'),
      'tasks:\n- name: sync\n  pipeline:\n  - command: sh files/tap.sh 10 0.1\n  - command: sh files/target.sh\n',
    );
    const next = await runLocal(p, []);
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`took over a stale workspace lock left by pid ${killedPid}`);
    expect(next.stderr).toMatch(/was left running by a handoff that is gone; ended the processes it had left running \(pids \d+/);
    expect(processesWithMarker(marker)).toEqual([]);
    const log = fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'sync_stdout.log'));
    expect(log.includes(0)).toBe(false);
    expect(log.toString().trim().split('\n').map((l) => JSON.parse(l).bookmarks.users.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(JSON.parse(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'state.json'), 'utf8'))).toEqual({ bookmarks: { users: { id: 10 } } });
    const [abandoned, own] = runRecords(p.workspaceDir);
    expect(abandoned).toMatchObject({ status: 'interrupted', reason: expect.stringContaining('ended the') });
    expect(abandoned.live).toBeUndefined();
    expect(own).toMatchObject({ status: 'succeeded', state: { saved: true, value: { bookmarks: { users: { id: 10 } } } } });
  });
});

describe('handoff and its launchers SIGKILLed while a command runs with its environment cleared', () => {
  /** Pids of live processes whose command line holds `token` (an `env -i` process carries no marker in its environment). */
  const pidsWithToken = (token: string): number[] =>
    fs
      .readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          const words = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
          const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
          return words.includes(token) && !words.split('\0')[0].endsWith('handoff-launch') && !/^\d+ \(.*\) Z/.test(stat);
        } catch {
          return false;
        }
      })
      .map(Number);

  it("the next run ends what stayed in the command's process group, found by the recorded command and its start time", async () => {
    const token = newMarker();
    // `env -i` leaves no HANDOFF_RUN_ID to find it by: only the command's process group (recorded in the run) tells.
    const p = faultProject(`tasks:\n- name: hold\n  commands:\n  - command: env -i sh -c 'echo up; sleep 30; echo done' ${token}\n`);
    const marker = newMarker();
    const child = spawn(process.execPath, [cliPath, 'run', 'local', '-p', p.projectDir, '-w', p.workspaceDir], {
      env: { ...process.env, HANDOFF_TEST_MARKER: marker, HANDOFF_GRACE_SECONDS: '1' },
      stdio: 'ignore',
    });
    await waitFor(() => artifactHasLines(p.workspaceDir, 'hold_stdout.log', 1));
    const holders = pidsWithToken(token);
    expect(holders.length).toBeGreaterThan(0);
    // The running record names the command (written as it started), so the kill below leaves it identifiable.
    await waitFor(() => (runRecords(p.workspaceDir)[0]?.live ?? []).some((l: { startTicks?: string }) => l.startTicks !== undefined));
    child.kill('SIGSTOP');
    for (const { pid, program } of programsOf(marker)) if (program.endsWith('handoff-launch')) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await sleep(300);
    expect(pidsWithToken(token)).toEqual(holders);

    fs.writeFileSync(path.join(p.projectDir, 'project.yml'), 'tasks:\n- name: quick\n  commands:\n  - command: echo hi\n');
    const next = await runLocal(p, []);
    expect(next.code).toBe(0);
    for (const pid of holders) expect(next.stderr).toMatch(new RegExp(`ended the processes? it had left running \\(pids [\\d, ]*\\b${pid}\\b`));
    expect(pidsWithToken(token)).toEqual([]);
  });
});

describe('handoff SIGKILLed between tasks', () => {
  it('its record keeps the results of the tasks that had ended, and their time', async () => {
    const p = faultProject('tasks:\n- name: first\n  commands:\n  - command: echo hi\n- name: second\n  commands:\n  - command: sleep 30\n');
    const marker = newMarker();
    const child = spawn(process.execPath, [cliPath, 'run', 'local', '-p', p.projectDir, '-w', p.workspaceDir], {
      env: { ...process.env, HANDOFF_TEST_MARKER: marker, HANDOFF_GRACE_SECONDS: '1' },
      stdio: 'ignore',
    });
    await waitFor(() => pidsRunning(marker, ['sleep', '30']).length > 0);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await waitFor(() => processesWithMarker(marker).length === 0, 5000).catch(() => undefined);
    const [record] = runRecords(p.workspaceDir);
    expect(record!.tasks).toMatchObject([{ name: 'first', status: 'succeeded', exitCode: 0 }]);
    expect(Date.parse(record!.heartbeatAt)).toBeGreaterThan(Date.parse(record!.startedAt));
    const shown = await runCli(['runs', 'show', 'latest', '-w', p.workspaceDir]);
    expect(shown.stdout).toMatch(/task first: succeeded/);
  });
});

describe('what a command leaves behind is ended with it', () => {
  it('a timeout ends a daemon the command started in a session of its own (setsid), deaf to SIGINT and SIGTERM', async () => {
    const p = faultProject(`
tasks:
- name: daemon
  timeout: 1
  commands:
  - command: setsid -f sh -c 'trap "" INT TERM; sleep 25'; sleep 30
`);
    const r = await runLocal(p, [], {
      during: async (_child, marker) => {
        await waitFor(() => hasProcess(marker, 'sleep 25'));
      },
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).tasks[0]).toMatchObject({ status: 'failed', failure: 'timeout' });
    // Gone when handoff exits: not a moment later.
    expect(processesWithMarker(r.marker)).toEqual([]);
  });

  it('a background child still running when its shell exits gets SIGTERM and the grace period, and is named in a warning', async () => {
    const p = faultProject(`
tasks:
- name: bg
  commands:
  - command: sh -c 'trap "echo background flushed >&2; exit 0" TERM; while :; do sleep 0.05; done' & sleep 0.3; echo main done
`);
    const r = await runLocal(p, []);
    expect(r.code).toBe(0);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task.status).toBe('succeeded');
    expect(task.processes[0].leftBehind).toEqual(expect.arrayContaining([expect.stringMatching(/^\d+ sh -c trap /)]));
    expect(r.stderr).toMatch(/WARNING - Task bg: sh left \d+ process(es)? running after its shell exited \(\d+ sh -c trap/);
    // It had the time to finish its work: its last words are in the task's stderr log.
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'bg_stderr.log'), 'utf8')).toContain('background flushed');
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'bg_stdout.log'), 'utf8')).toBe('main done\n');
    await expectNoProcessesLeft(r.marker);
  });

  it('names a process left behind with an empty command line by its name (/proc/PID/comm), not by nothing', async () => {
    const p = faultProject(`
tasks:
- name: bg
  commands:
  - command: python3 blank_argv.py & while [ ! -e blanked ]; do sleep 0.05; done; echo main done
`);
    // Blanks its own command line (as a process does between exiting and becoming a zombie, when it reads empty), then
    // waits to be ended.
    fs.writeFileSync(
      path.join(p.workspaceDir, 'blank_argv.py'),
      [
        'import os, time',
        "fields = open('/proc/self/stat').read().rsplit(')', 1)[1].split()",
        'start, end = int(fields[45]), int(fields[46])',
        "fd = os.open('/proc/self/mem', os.O_RDWR)",
        "os.pwrite(fd, b'\\0' * (end - start), start)",
        "open('blanked', 'w').close()",
        'time.sleep(300)',
        '',
      ].join('\n'),
    );
    const r = await runLocal(p, []);
    expect(r.code, r.stderr).toBe(0);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task.processes[0].leftBehind).toEqual([expect.stringMatching(/^\d+ python3$/)]);
    await expectNoProcessesLeft(r.marker);
  });
});

describe('SIGPIPE is forgiven only when the downstream stopped reading and succeeded (SPEC §5)', () => {
  it.each([
    ['`exit 141` (what bash -o pipefail returns for a broken pipe of its own)', "sh -c 'echo partial; exit 141'"],
    ['a SIGPIPE from a pipe of its own', "sh -c 'echo partial; kill -PIPE $$'"],
    ['bash -o pipefail whose inner pipe broke', "bash -o pipefail -c 'echo partial; yes | head -n 1 >/dev/null'"],
  ])('an upstream ended by %s while its downstream still reads fails the pipeline, and state is kept', async (_what, upstream) => {
    const p = faultProject(`
tasks:
- name: sync
  pipeline:
  - command: ${upstream}
  - command: sh -c 'cat; sleep 20'
`);
    const r = await runLocal(p, []);
    expect(r.code).toBe(1);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task).toMatchObject({ status: 'failed', exitCode: 141 });
    expect(task.processes[0].failure).toEqual(expect.stringMatching(/^(exit_code|signal)$/));
    // Seen as a failure at once: the downstream is ended rather than waited for.
    expect(task.processes[1]).toMatchObject({ terminatedBy: 'pipeline_failed' });
    expectFinalRecord(p.workspaceDir, 'failed');
    expectStateIntact(p.workspaceDir);
    await expectNoProcessesLeft(r.marker);
  });

  it('an upstream ended by SIGPIPE after its downstream stopped reading and exited 0 is not a failure (yes | head)', async () => {
    const p = faultProject(`
tasks:
- name: first
  pipeline:
  - command: "yes"
  - command: sh files/relay.sh
  - command: head -n 2
`);
    const r = await runLocal(p, []);
    expect(r.code).toBe(0);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task.status).toBe('succeeded');
    expect(task.processes.map((x: { exitCode: number }) => x.exitCode)).toEqual([141, 141, 0]);
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'first_stdout.log'), 'utf8')).toBe('y\ny\n');
  });
});
