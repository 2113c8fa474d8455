// A pipeline of commands only starts through the run's launcher worker: kernel pipe(2)s it makes, no FIFO, and each
// command still under a launcher of its own (its pid, its exit, its stderr, pipefail, a timeout, a stop).
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { makeProject, makeTempDir, newMarker, processesWithMarker, readArtifact, repoRoot, runCli, sleep, waitFor } from './helpers/cli.js';
import { findFreezer } from './helpers/freeze.js';

interface RecordedProcess {
  commandLine: string;
  exitCode: number | null;
  signal: string | null;
  failure?: string;
  terminatedBy?: string;
}

function readOnlyRecord(workspaceDir: string): { tasks: { name: string; status: string; exitCode: number; processes: RecordedProcess[] }[] } {
  const runsDir = path.join(workspaceDir, 'runs');
  const files = fs.readdirSync(runsDir).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(fs.readFileSync(path.join(runsDir, files[0]), 'utf8'));
}

describe('a pipeline of commands only', () => {
  it('is joined by kernel pipes without a FIFO, each command recorded with its own exit (pipefail)', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sh -c 'printf "b\\na\\n"; echo note-1 >&2'
  - command: sh -c 'test -p /dev/stdin && sort; exec >&-; i=0; until [ -s "$PIPE_TEST_OUT" ] || [ $i -ge 1000 ]; do sleep 0.01; i=$((i+1)); done; echo note-2 >&2; exit 3'
  - command: tr a-z A-Z
`);
    // pipefail ends the other commands once one fails: the failing one closes its stdout and waits (up to 10 s) until
    // tr has written what it got, so that tr's own clean exit is what the record shows, not a race with that stop.
    // A TMPDIR below a plain file: no FIFO could be made there (see tmpdir-unwritable.test.ts); none is needed.
    const file = path.join(makeTempDir(), 'not-a-folder');
    fs.writeFileSync(file, '');
    const out = path.join(workspaceDir, 'artifacts', 'p_stdout.log');
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { TMPDIR: path.join(file, 'tmp'), PIPE_TEST_OUT: out } });
    expect(r.code, r.stderr).toBe(1);
    expect(readArtifact(workspaceDir, 'p_stdout.log')).toBe('A\nB\n');
    expect(r.stderr).toContain('[p] sh: note-1');
    expect(r.stderr).toContain('[p] sh: note-2');
    const task = readOnlyRecord(workspaceDir).tasks[0];
    expect(task.status).toBe('failed');
    expect(task.exitCode).toBe(3);
    expect(task.processes.map((p) => [p.exitCode, p.failure])).toEqual([
      [0, undefined],
      [3, 'exit_code'],
      [0, undefined],
    ]);
  });

  it('a command that times out ends it, the others ended by the pipeline, nothing left running', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sleep 30
    timeout: 1
  - command: cat
`);
    const marker = newMarker();
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HANDOFF_GRACE_SECONDS: '1', HANDOFF_TEST_MARKER: marker } });
    expect(r.code, r.stderr).not.toBe(0);
    const processes = readOnlyRecord(workspaceDir).tasks[0].processes;
    expect(processes[0].terminatedBy).toBe('timeout');
    expect(processes[0].failure).toBe('timeout');
    // The launchers too: each is reaped before its command's `done` is passed on, so none is still exiting now.
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it('a command whose launcher is SIGKILLed ends the run as killed, nothing it started left running', async () => {
    const marker = newMarker();
    // A daemon in a session of its own holds the command's stderr: only the worker, the subreaper its launcher left it
    // to, can end it, and the worker must not wait for that stderr's end for good.
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sh -c 'setsid sleep 3021 & sleep 3022'
  - command: cat
`);
    const running = runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HANDOFF_TEST_MARKER: marker }, timeoutMs: 120_000 });
    const launcher = await firstLauncher(marker);
    process.kill(launcher, 'SIGKILL');
    const r = await running;
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(1);
    const task = readOnlyRecord(workspaceDir).tasks[0];
    expect(task.exitCode).toBe(137);
    expect(task.processes[0].signal).toBe('SIGKILL');
    await waitFor(() => processesWithMarker(marker).length === 0, 20_000);
  }, 150_000);

  it('a command whose launcher dies after its timeout asked it to end is recorded as timed out, not as killed', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sh -c 'trap "echo got-term-$((3060+1)) >&2" INT TERM; while :; do sleep 0.1; done'
    timeout: 1
  - command: cat
`);
    let output = '';
    const running = runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], {
      env: { HANDOFF_TEST_MARKER: marker, HANDOFF_GRACE_SECONDS: '60' },
      onSpawn: (child) => child.stderr?.on('data', (d: Buffer) => (output += d.toString())),
    });
    const launcher = await firstLauncher(marker, /trap/);
    // The timeout's first signal (SIGINT) reached the command (it traps it and runs on): its launcher is killed before the
    // grace ends. The text is computed, so that a log line quoting the command line does not count.
    await waitFor(() => output.includes('got-term-3061'), 60_000);
    process.kill(launcher, 'SIGKILL');
    const r = await running;
    expect(r.code, r.stderr).not.toBe(0);
    const processes = readOnlyRecord(workspaceDir).tasks[0].processes;
    expect(processes[0].terminatedBy, r.stderr).toBe('timeout');
    expect(processes[0].failure).toBe('timeout');
    await waitFor(() => processesWithMarker(marker).length === 0, 20_000);
  }, 150_000);

  it('a command that exited 0 keeps its exit when its launcher is SIGKILLed while it ends what the command left', async () => {
    const marker = newMarker();
    // The command exits 0 at once and leaves a job that ignores SIGTERM: its launcher reports the exit, then waits the
    // grace period before its SIGKILL. A kill -9 of the launcher in that wait must not turn the exit into a SIGKILL.
    // The shell ignores SIGTERM before it starts the job, which inherits that: set in a subshell (`(trap ...) &`), the
    // launcher's SIGTERM could come first under load and end the job at once (a run of 16 ms the test never saw).
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sh -c 'trap "" TERM INT; sleep 3031 & exit 0'
  - command: cat
`);
    const running = runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], {
      env: { HANDOFF_TEST_MARKER: marker, HANDOFF_GRACE_SECONDS: '30' },
      timeoutMs: 120_000,
    });
    const launcher = await firstLauncher(marker, /trap/);
    // The command's shell has exited (reported by its launcher at once), its job runs on: the launcher now waits the
    // grace period before its SIGKILL (its warning comes at the end of it).
    await waitFor(() => {
      const lines = processesWithMarker(marker).map(cmdline);
      return lines.some((l) => l.trim() === 'sleep 3031') && !lines.some((l) => l.startsWith('sh -c'));
    }, 60_000);
    await sleep(500);
    process.kill(launcher, 'SIGKILL');
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    const task = readOnlyRecord(workspaceDir).tasks[0];
    expect(task.status).toBe('succeeded');
    expect(task.processes[0].exitCode).toBe(0);
    expect(task.processes[0].signal).toBeNull();
    expect(task.processes[0].failure).toBeUndefined();
    await waitFor(() => processesWithMarker(marker).length === 0, 20_000);
  }, 150_000);

  it('with handoff SIGKILLed too, its worker ends what the dead launcher left and exits', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sh -c 'setsid sleep 3023 & sleep 3024'
  - command: cat
`);
    let cli: ChildProcess | undefined;
    const running = runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], {
      env: { HANDOFF_TEST_MARKER: marker },
      onSpawn: (child) => (cli = child),
    });
    const launcher = await firstLauncher(marker);
    process.kill(launcher, 'SIGKILL');
    cli?.kill('SIGKILL');
    await running;
    await waitFor(() => processesWithMarker(marker).length === 0, 30_000);
  }, 120_000);

  it('a worker SIGKILLed once its first launcher runs leaves no command running after the run', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sh -c 'setsid sleep 3025 & sleep 3026'
  - command: sleep 3027
`);
    const running = runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HANDOFF_TEST_MARKER: marker } });
    let worker = 0;
    await waitFor(() => (worker = processesWithMarker(marker).find((p) => cmdline(p).includes('--worker')) ?? 0) > 0, 60_000, 1);
    // Stopped as soon as it has a child (its first launcher), before it can relay a `pid` (it may have: then the test
    // holds the other case), and SIGKILLed once the commands run.
    const children = (): number[] => {
      try {
        return fs.readFileSync(`/proc/${worker}/task/${worker}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    await waitFor(() => children().length > 0, 60_000, 0);
    process.kill(worker, 'SIGSTOP');
    await waitFor(() => processesWithMarker(marker).some((p) => /^sleep 3026/.test(cmdline(p))), 20_000);
    process.kill(worker, 'SIGKILL');
    const r = await running;
    expect(r.code, r.stderr).not.toBe(0);
    await waitFor(() => processesWithMarker(marker).length === 0, 30_000);
  }, 120_000);
});

describe('a pipeline whose launcher gave up on a process stuck in the kernel', () => {
  // A cgroup freezer holds a process in the kernel where even SIGKILL waits, as stuck I/O would (test/helpers/freeze.ts).
  const freezer = findFreezer();

  it("the next `commands:` task does not name it as its leftover, and it ends once thawed", async (ctx) => {
    const { make, skipReason } = await freezer;
    if (!make) return ctx.skip(skipReason);
    const marker = newMarker();
    const cgroup = make();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: p
  pipeline:
  - command: sh -c '(trap "" TERM INT; exec sleep 3082) </dev/null >/dev/null 2>&1 & ${cgroup.freezeScript.replaceAll("'", '"')}'
  - command: cat
- name: next
  commands:
  - command: echo next
`);
    try {
      const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HANDOFF_TEST_MARKER: marker, HANDOFF_GRACE_SECONDS: '1' } });
      const [p, next] = readOnlyRecord(workspaceDir).tasks as { name: string; status: string; processes: (RecordedProcess & { leftBehind?: string[] })[] }[];
      // Named as what the pipeline's command left, where it belongs; not as the next task's.
      expect(p.processes[0].leftBehind?.join(' '), r.stderr).toMatch(/sleep 3082/);
      expect(next.status, r.stderr).toBe('succeeded');
      expect(next.processes[0].leftBehind, r.stderr).toBeUndefined();
      expect(r.stderr).not.toMatch(/Task next: .* left/);
      // Still frozen after the run, then thawed: it meets the SIGKILL it was sent and ends.
      expect(processesWithMarker(marker).map(cmdline).join('\n')).toMatch(/sleep 3082/);
      cgroup.thaw();
      await waitFor(() => processesWithMarker(marker).length === 0, 20_000).catch(() => undefined);
      expect(processesWithMarker(marker).map(cmdline)).toEqual([]);
    } finally {
      await cgroup.remove();
    }
  }, 120_000);
});

describe("a pipeline command's launcher under --alive", () => {
  it('outlives its control socket (the worker) while handoff lives, and ends its command once handoff is gone', async () => {
    const marker = newMarker();
    const launcher = spawn(path.join(repoRoot, 'dist', 'handoff-launch'), ['--control=3', '--alive=4', '--grace-ms=1000', '--', '/bin/sh', '-c', 'sleep 3041'], {
      env: { ...process.env, HANDOFF_TEST_MARKER: marker },
      stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
    const control = launcher.stdio[3] as Duplex;
    const alive = launcher.stdio[4] as Duplex;
    let reports = '';
    control.on('data', (d: Buffer) => (reports += d.toString()));
    await waitFor(() => /^pid \d+/m.test(reports), 20_000);
    const command = Number(/^pid (\d+)/m.exec(reports)![1]);
    control.destroy();
    // The worker's end is gone, handoff's is not: the command runs on (handoff ends its group itself if it must).
    await sleep(500);
    expect(processesWithMarker(marker)).toContain(command);
    alive.destroy();
    await exited;
    await waitFor(() => processesWithMarker(marker).length === 0, 20_000);
  });
});

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The pid of the first pipeline command's launcher (handoff-launch ... -- sh -c 'setsid ...') once its daemon runs. */
async function firstLauncher(marker: string, command = /setsid/): Promise<number> {
  let pid = 0;
  await waitFor(() => {
    const pids = processesWithMarker(marker);
    pid = pids.find((p) => /handoff-launch .*--control=3.* -- /.test(cmdline(p)) && command.test(cmdline(p))) ?? 0;
    if (command.source !== 'setsid') return pid > 0;
    return pid > 0 && pids.some((p) => /^sleep 302\d$/.test(cmdline(p).trim())) && pids.filter((p) => /^sleep/.test(cmdline(p))).length >= 2;
  }, 60_000);
  return pid;
}
