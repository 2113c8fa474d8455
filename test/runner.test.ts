// Integration tests of `run local`: real processes joined by OS pipes, pipefail, signals, timeouts, foreach and fork.
import { execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliOptions, cliPath, makeProject, newMarker, processesWithMarker, readArtifact, runCli, waitFor } from './helpers/cli.js';

interface RecordedTask {
  name: string;
  status: string;
  failure?: string;
  exitCode: number;
  message?: string;
  processes: { commandLine: string; signal: string | null; terminatedBy?: string }[];
  subtasks: RecordedTask[];
}

/** The record of the workspace's only run. */
function readOnlyRecord(workspaceDir: string): { reason?: string; tasks: RecordedTask[] } {
  const runsDir = path.join(workspaceDir, 'runs');
  const files = fs.readdirSync(runsDir).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(fs.readFileSync(path.join(runsDir, files[0]), 'utf8'));
}

function runLocal(projectDir: string, workspaceDir: string, extra: string[] = [], marker = newMarker(), onSpawn?: CliOptions['onSpawn']) {
  return runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, ...extra], { env: { HANDOFF_TEST_MARKER: marker }, onSpawn });
}

describe('pipeline', () => {
  it('joins commands with pipes and writes the last stdout to artifacts/<task>_stdout.log', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: upper
  pipeline:
  - command: printf
    args: "'b\\\\na\\\\n'"
  - command: tr a-z A-Z
  - command: sort
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.stderr).toContain('Job started at');
    expect(r.stderr).toContain('Job ended at');
    expect(r.stderr).toContain('Task upper ended with exit code 0');
    expect(r.code).toBe(0);
    expect(readArtifact(workspaceDir, 'upper_stdout.log')).toBe('A\nB\n');
  });

  it('joins commands with real pipes: /dev/stdin, /dev/stderr and /dev/fd paths work as in a shell', async () => {
    // The producer stays alive a moment: reopening a pipe by path (/dev/stdin) needs its writer to be there still
    // (handoff's pipes are unlinked FIFOs; see docs/reliability.md, known limits).
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: paths
  pipeline:
  - command: sh -c "printf 'one\\ntwo\\n'; sleep 1"
  - command: cat /dev/stdin
  - command: sh -c 'tee /dev/stderr; echo note > /dev/stderr'
  - command: sh -c 'test -p /dev/stdin && wc -l < /dev/fd/0'
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    expect(readArtifact(workspaceDir, 'paths_stdout.log').trim()).toBe('2');
    expect(r.stderr).toContain('[paths] sh: note');
    expect(r.stderr).toContain('[paths] sh: two');
  });

  it('finishes `yes | head -n 1` and does not count the SIGPIPE of yes as a failure', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: first
  pipeline:
  - command: "yes"
  - command: head -n 1
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    expect(readArtifact(workspaceDir, 'first_stdout.log')).toBe('y\n');
  });

  it('ends the other commands when a middle command fails, leaving no process behind', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: broken
  pipeline:
  - command: sleep 300
  - command: sh -c 'echo boom >&2; exit 3'
  - command: sleep 300
`);
    const r = await runLocal(projectDir, workspaceDir, [], marker);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Task broken ended with exit code 3');
    expect(r.stderr).toContain('boom');
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it('reports a command that is not found (exit 127) as such', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: missing
  commands:
  - command: no-such-command-xyz
`);
    const r = await runLocal(projectDir, workspaceDir, ['--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('command not found');
    const result = JSON.parse(r.stdout);
    expect(result.tasks[0].processes[0].exitCode).toBe(127);
    expect(result.tasks[0].failure).toBe('command_not_found');
  });

  it('treats a command timeout as a failure and ends the process', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: slow
  pipeline:
  - command: sleep 300
    timeout: 1
  - command: cat
`);
    const r = await runLocal(projectDir, workspaceDir, ['--json'], marker);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.tasks[0].failure).toBe('timeout');
    expect(result.tasks[0].processes[0].failure).toBe('timeout');
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it('kills a command that ignores SIGTERM after the grace period', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: stubborn
  timeout: 1
  commands:
  - command: sh -c 'trap "" INT TERM; while true; do sleep 0.1; done'
`);
    const r = await runLocal(projectDir, workspaceDir, ['--json'], marker);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).tasks[0].failure).toBe('timeout');
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it('exits 130 on SIGINT and leaves no process behind', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: long
  pipeline:
  - command: sleep 300
  - command: cat
`);
    const r = await runLocal(projectDir, workspaceDir, [], marker, (child) => {
      void waitFor(() => processesWithMarker(marker).length >= 3).then(() => child.kill('SIGINT'));
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Received SIGINT');
    expect(processesWithMarker(marker)).toEqual([]);
  });

  // Ctrl-C passes SIGINT on, as the terminal gave it to the commands of the original handoff (Python's
  // KeyboardInterrupt, a `finally:` runs), and SIGTERM passes SIGTERM: in a pipeline (a launcher per command) and in
  // foreach lines run by launcher workers alike. The tasks then say the run's own code, not 143 next to a run's 130.
  it.each([
    ['SIGINT', 'INT', 130],
    ['SIGTERM', 'TERM', 143],
  ] as const)('passes %s on to every process group of the run, and the tasks say the run\'s exit code', async (signal, got, exitCode) => {
    const trapScript = [
      `trap 'echo INT >> artifacts/got_$1; exit 0' INT`,
      `trap 'echo TERM >> artifacts/got_$1; exit 0' TERM`,
      'touch artifacts/ready_$1',
      'while :; do sleep 0.1; done',
    ].join('\n');
    const projects = [
      {
        yml: `
tasks:
- name: sync
  pipeline:
  - command: sh files/trap.sh sync
  - command: sleep 300
`,
        names: ['sync'],
      },
      {
        yml: `
tasks:
- name: loop
  pipeline:
  - command: printf '1\\n2\\n'
  - foreach:
    - name: step
      commands:
      - command: sh files/trap.sh step_{{ _line }}
    parallel: 2
`,
        names: ['step_1', 'step_2'],
      },
    ];
    for (const { yml, names } of projects) {
      const marker = newMarker();
      const { projectDir, workspaceDir } = makeProject(yml, { 'files/trap.sh': trapScript });
      const artifact = (name: string): string => path.join(workspaceDir, 'artifacts', name);
      const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], {
        env: { HANDOFF_TEST_MARKER: marker, HANDOFF_GRACE_SECONDS: '10' },
        onSpawn: (child) => {
          void waitFor(() => names.every((n) => fs.existsSync(artifact(`ready_${n}`)))).then(() => child.kill(signal));
        },
      });
      expect(r.code).toBe(exitCode);
      for (const name of names) expect(fs.readFileSync(artifact(`got_${name}`), 'utf8')).toBe(`${got}\n`);
      expect(r.stderr).toContain(`Received ${signal}: stopping the run (processes get ${signal}`);
      expect(r.stderr).toMatch(new RegExp(`Task (sync|loop) ended with exit code ${exitCode}\\b`));
      expect(r.stderr).not.toMatch(new RegExp(`ended with exit code (?!${exitCode}\\b)\\d+`));
      expect(processesWithMarker(marker)).toEqual([]);
    }
  });

  it('exits 143 on SIGTERM and leaves no process behind', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: long
  commands:
  - command: sleep 300
`);
    const r = await runLocal(projectDir, workspaceDir, [], marker, (child) => {
      void waitFor(() => processesWithMarker(marker).length >= 2).then(() => child.kill('SIGTERM'));
    });
    expect(r.code).toBe(143);
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it('moves 2 GB through a 3-command pipeline with handoff itself staying under 100 MB of memory', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: big
  pipeline:
  - command: head -c 2147483648 /dev/zero
  - command: cat
  - command: wc -c
`);
    let peakKb = 0;
    let timer: NodeJS.Timeout | undefined;
    const r = await runLocal(projectDir, workspaceDir, [], newMarker(), (child) => {
      timer = setInterval(() => {
        try {
          const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
          peakKb = Math.max(peakKb, hwm);
        } catch {
          // exited
        }
      }, 50);
    });
    clearInterval(timer);
    expect(r.code).toBe(0);
    expect(readArtifact(workspaceDir, 'big_stdout.log').trim()).toBe('2147483648');
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(100 * 1024);
  });

  it('keeps every line of a stderr written as fast as a process can, without holding them in memory', async () => {
    // 1,000,000 short lines: each one passes through handoff (masked, counted, logged). Written to the logs a line at a
    // time, they queued in memory faster than the disk took them: 330 MB for these, growing with the count.
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: chatty
  commands:
  - command: seq 1 1000000 >&2
- name: piped
  pipeline:
  - command: seq 1 1000000 >&2
  - command: cat
`);
    let peakKb = 0;
    let timer: NodeJS.Timeout | undefined;
    // V8 alone decides when to collect garbage, and under CPU load it let the heap grow further before it did: peak RSS
    // 170-184 MB at load ~5, once 205.8 MB at load ~10, for the same lines. A cap on the heap makes the peak stand for
    // what handoff holds (135-155 MB with it at load ~5): lines kept in memory would not fit (a build holding each line
    // as the old per-line writes did aborted out of memory with it; without it, it reached 650 MB).
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], {
      env: { HANDOFF_TEST_MARKER: newMarker() },
      nodeOptions: ['--max-old-space-size=64'],
      onSpawn: (child) => {
        timer = setInterval(() => {
          try {
            peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0));
          } catch {
            // exited
          }
        }, 50);
      },
    });
    clearInterval(timer);
    expect(r.code, r.stderr).toBe(0);
    const expected = `${Array.from({ length: 1_000_000 }, (_, i) => i + 1).join('\n')}\n`;
    // The commands task's stderr artifact, and the run's whole copy of the pipeline process's stderr.
    expect(readArtifact(workspaceDir, 'chatty_stderr.log')).toBe(expected);
    const runsDir = path.join(workspaceDir, 'runs');
    const runDir = fs.readdirSync(runsDir).find((entry) => !entry.startsWith('.') && fs.statSync(path.join(runsDir, entry)).isDirectory());
    expect(fs.readFileSync(path.join(runsDir, runDir ?? '', 'piped.seq.stderr.log'), 'utf8')).toBe(expected);
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb).toBeLessThan(200 * 1024);
  });

  it('keeps stderr byte for byte where it is kept whole: CR, invalid UTF-8, a 200 KB line, no newline at the end', async () => {
    // Written by a script in files/ (rendered into W/files, where commands run), once per task.
    const script = `printf 'a\\r\\nprogress 10%%\\rprogress 20%%\\r\\n\\377\\376A\\n'; head -c 200000 /dev/zero | tr '\\0' x; printf '\\nno-newline-at-end'`;
    const { projectDir, workspaceDir } = makeProject(
      `
tasks:
- name: chatty
  commands:
  - command: sh files/err.sh >&2
- name: piped
  pipeline:
  - command: sh files/err.sh >&2
  - command: cat
`,
      { 'files/err.sh': `${script}\n` },
    );
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    const expected = execSync(script, { shell: '/bin/sh' });
    expect(expected.length).toBe(200_052);
    expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'chatty_stderr.log')).equals(expected)).toBe(true);
    const record = JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(fs.readFileSync(path.join(workspaceDir, record.logs.stderr['piped/sh'])).equals(expected)).toBe(true);
    // The console shows it as text, as before: the line that ended with CR LF without its CR.
    expect(r.stderr).toContain('[chatty] sh: a\n');
  });
});

describe('commands', () => {
  // One launcher for the run's commands: tasks (LauncherWorker); these fail if each command got a launcher of its own, if
  // a pipeline in between disturbed it, or if it outlived the run.
  it("runs every command of the run's commands: tasks under one launcher, which is gone when the run ends", async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: first
  commands:
  - command: echo $PPID
  - command: echo $PPID; echo to-stderr > /dev/stderr
- name: piped
  pipeline:
  - command: echo piped
  - command: cat
- name: last
  commands:
  - command: echo $PPID
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    const parents = [...readArtifact(workspaceDir, 'first_stdout.log').trim().split('\n'), readArtifact(workspaceDir, 'last_stdout.log').trim()];
    expect(parents).toHaveLength(3);
    expect(new Set(parents).size).toBe(1);
    expect(readArtifact(workspaceDir, 'first_stderr.log')).toBe('to-stderr\n');
    expect(readArtifact(workspaceDir, 'piped_stdout.log')).toBe('piped\n');
    const launcherPid = Number(parents[0]);
    expect(launcherPid).toBeGreaterThan(1);
    const launcherAlive = (): boolean => {
      try {
        return fs.readFileSync(`/proc/${launcherPid}/cmdline`, 'utf8').includes('handoff-launch');
      } catch {
        return false; // no such process
      }
    };
    expect(launcherAlive()).toBe(false);
  });

  it('runs commands one after another into one stdout log and stops at the first failure', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: steps
  commands:
  - command: echo one
  - command: echo two >&2
  - command: "false"
  - command: echo never
- name: after
  commands:
  - command: echo after
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(readArtifact(workspaceDir, 'steps_stdout.log')).toBe('one\n');
    expect(readArtifact(workspaceDir, 'steps_stderr.log')).toBe('two\n');
    // kill_downstream_on_fail (default true) stops the following task.
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'after_stdout.log'))).toBe(false);
  });

  it('continues with the next task when kill_downstream_on_fail is false, and still exits 1', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: failing
  kill_downstream_on_fail: false
  commands:
  - command: exit 4
- name: after
  commands:
  - command: echo after
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Task failing ended with exit code 4');
    expect(readArtifact(workspaceDir, 'after_stdout.log')).toBe('after\n');
  });

  it('skips inactive tasks and inactive commands inside a pipeline', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: disabled
  active: false
  commands:
  - command: echo off
- name: enabled
  pipeline:
  - command: echo hello
  - command: "false"
    active: false
  - command: cat
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    expect(readArtifact(workspaceDir, 'enabled_stdout.log')).toBe('hello\n');
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'disabled_stdout.log'))).toBe(false);
  });

  it('retries a failing task as many times as `retries` says', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: flaky
  retries: 2
  commands:
  - command: echo try >> artifacts/tries.txt; test $(wc -l < artifacts/tries.txt) -ge 3
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    expect(readArtifact(workspaceDir, 'tries.txt')).toBe('try\ntry\ntry\n');
  });
});

describe('the render of files/ is part of the run', () => {
  // Eight templates that take a moment each to render: the whole render takes seconds.
  const slowFiles = Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [`files/slow${i}.txt`, '{% for i in range(400000) %}{{ i }},{% endfor %}\n']),
  );
  const project = `
tasks:
- name: t
  commands:
  - command: touch artifacts/ran
`;

  it('--timeout ends the render between files: the run fails as timed out, no task runs, W/files keeps no half', async () => {
    const { projectDir, workspaceDir } = makeProject(project, slowFiles);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--timeout', '1']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("The run's --timeout of 1 s ran out while files/ was rendered");
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'ran'))).toBe(false);
    const record = readOnlyRecord(workspaceDir) as ReturnType<typeof readOnlyRecord> & { status: string };
    expect(record.status).toBe('failed');
    expect(record.reason).toBe('the run timed out after 1 s');
    expect(record.tasks.map((t) => [t.name, t.status])).toEqual([['t', 'not_run']]);
    // Stopped while the templates rendered: nothing was moved into W/files, and nothing staged is left.
    expect(fs.readdirSync(path.join(workspaceDir, 'files'))).toEqual([]);
    // .handoff holds the workspace's mark and owner records (owner.json and the owner-recorded marker; nothing of the render).
    expect(fs.readdirSync(workspaceDir).sort()).toEqual(['.handoff', 'artifacts', 'files', 'runs']);
    expect(fs.readdirSync(path.join(workspaceDir, '.handoff')).sort()).toEqual(['owner-recorded', 'owner.json', 'workspace.json']);
  });

  it('SIGTERM during the render stops it at once: the run is interrupted (143) and recorded so', async () => {
    const { projectDir, workspaceDir } = makeProject(project, slowFiles);
    const started = Date.now();
    let signalledAt = 0;
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], {
      onSpawn: (child) => {
        // The first rendered template is staged: the render is under way.
        void waitFor(() => fs.existsSync(path.join(workspaceDir, '.files-render.handoff-tmp')), 20_000, 10).then(() => {
          signalledAt = Date.now();
          child.kill('SIGTERM');
        });
      },
    });
    expect(signalledAt).toBeGreaterThan(started);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('The render of files/ was ended before it finished: no task runs');
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'ran'))).toBe(false);
    const record = readOnlyRecord(workspaceDir) as ReturnType<typeof readOnlyRecord> & { status: string };
    expect(record.status).toBe('interrupted');
    expect(record.reason).toBe('interrupted by SIGTERM');
    expect(fs.readdirSync(path.join(workspaceDir, 'files'))).toEqual([]);
    expect(fs.existsSync(path.join(workspaceDir, '.files-render.handoff-tmp'))).toBe(false);
  });
});

describe('timeouts that fire while no process can be signalled', () => {
  // The command exits at once, leaving a job deaf to SIGTERM that its launcher takes the grace period to end: the
  // timeout fires meanwhile, with no command to mark, and the tasks after it are never started.
  // The job ignores SIGTERM from its first instant (set before it starts, not in a subshell racing the signal).
  const leavesAJob = `sh -c 'trap "" TERM; sleep 10 & trap - TERM; sleep 0.2; echo {\\"type\\":\\"STATE\\",\\"value\\":{\\"n\\":1}}'`;

  it('fail the run with --timeout: no task after it runs, and the state is not saved', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: tap
  pipeline:
  - command: ${leavesAJob}
- name: load
  commands:
  - command: touch artifacts/loaded
`);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '--timeout', '1'], { env: { HANDOFF_GRACE_SECONDS: '3' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Run timed out after 1 s');
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'loaded'))).toBe(false);
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'state.json'))).toBe(false);
    const record = readOnlyRecord(workspaceDir) as ReturnType<typeof readOnlyRecord> & { status: string };
    expect(record.status).toBe('failed');
    expect(record.tasks.map((t) => [t.name, t.status, t.failure])).toEqual([
      ['tap', 'failed', 'timeout'],
      ['load', 'not_run', undefined],
    ]);
  });

  it("fail a tasks: parent at its timeout when its later sub-tasks never start", async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: parent
  timeout: 1
  tasks:
  - name: extract
    commands:
    - command: ${leavesAJob}
  - name: load
    commands:
    - command: touch artifacts/loaded
`);
    const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { HANDOFF_GRACE_SECONDS: '3' } });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('counts as succeeded');
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'loaded'))).toBe(false);
    const [parent] = readOnlyRecord(workspaceDir).tasks;
    expect(parent).toMatchObject({ status: 'failed', failure: 'timeout' });
    expect(parent.subtasks.map((t) => t.status)).toEqual(['failed', 'not_run']);
  });
});

describe('standard input', () => {
  it('commands never read handoff\'s stdin; run local says so once when it is a pipe, and not when it is /dev/null', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: c1
  commands:
  - command: cat
- name: p1
  pipeline:
  - command: cat
  - command: wc -c
`);
    const args = [cliPath, 'run', 'local', '-p', projectDir, '-w', workspaceDir];
    // A shell's pipe (a FIFO), as in `zcat dump.gz | handoff run local …`.
    const piped = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('sh', ['-c', 'echo hello | "$0" "$@"', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr.match(/standard input is a pipe, but commands do not read it/g)).toHaveLength(1);
    expect(readArtifact(workspaceDir, 'c1_stdout.log')).toBe('');
    expect(readArtifact(workspaceDir, 'p1_stdout.log').trim()).toBe('0');
    const quiet = await runCli(args.slice(1));
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain('standard input');
  });
});

describe('foreach', () => {
  it('runs the sub-tasks once per line with _line and _line_safe', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: printf
    args: "'New York\\\\nParis\\\\n'"
  - foreach:
    - name: say
      pipeline:
      - command: echo "hello {{ _line }} ({{ _line_safe }})"
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    expect(readArtifact(workspaceDir, 'say_New_York_stdout.log')).toBe('hello New York (New_York)\n');
    expect(readArtifact(workspaceDir, 'say_Paris_stdout.log')).toBe('hello Paris (Paris)\n');
  });

  it('runs nothing for empty and blank lines, and says once how many it skipped', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: printf
    args: "'a\\\\n\\\\n   \\\\nb\\\\n\\\\n'"
  - foreach:
    - name: s
      commands:
      - command: echo "[{{ _line }}]"
`);
    const r = await runLocal(projectDir, workspaceDir, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tasks[0].subtasks.map((t: { name: string }) => t.name)).toEqual(['s_a', 's_b']);
    expect(r.stderr.match(/foreach skipped .*/g)).toEqual(['foreach skipped 3 empty or blank lines of its input (no sub-task runs for them)']);
  });

  it('stops the loop after a failure when kill_loop_on_fail is true', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: printf
    args: "'a\\\\nb\\\\nc\\\\n'"
  - foreach:
    - name: step
      commands:
      - command: test {{ _line }} != b && echo ok-{{ _line }}
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(readArtifact(workspaceDir, 'step_a_stdout.log')).toBe('ok-a\n');
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'step_c_stdout.log'))).toBe(false);
  });

  it("goes on after a failure when kill_loop_on_fail is false, skipping that line's later sub-tasks, and fails at the end", async () => {
    const { projectDir, workspaceDir } = makeProject(`
kill_loop_on_fail: false
tasks:
- name: loop
  pipeline:
  - command: printf
    args: "'a\\\\nb\\\\nc\\\\n'"
  - foreach:
    - name: check
      commands:
      - command: test {{ _line }} != b
    - name: after
      commands:
      - command: echo after-{{ _line }}
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(readArtifact(workspaceDir, 'after_a_stdout.log')).toBe('after-a\n');
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'after_b_stdout.log'))).toBe(false);
    expect(readArtifact(workspaceDir, 'after_c_stdout.log')).toBe('after-c\n');
  });

  it("runs that line's later sub-tasks after a failure when kill_downstream_on_fail is false", async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: echo x
  - foreach:
    - name: check
      kill_downstream_on_fail: false
      commands:
      - command: "false"
    - name: after
      commands:
      - command: echo after-{{ _line }}
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(readArtifact(workspaceDir, 'after_x_stdout.log')).toBe('after-x\n');
  });

  // With parallel: 1 the next line's command is sent to the worker before its turn (foreach-launchers.ts): these fail
  // if a line sent ahead ever runs out of turn, twice, or after a failure that stops the loop.
  it('runs one-command lines one at a time in order, each once, and a failed line stops none after it when kill_loop_on_fail is false', async () => {
    const { projectDir, workspaceDir } = makeProject(`
kill_loop_on_fail: false
tasks:
- name: loop
  pipeline:
  - command: seq 1 60
  - foreach:
    - name: step
      commands:
      - command: echo {{ _line }} >> artifacts/order.txt; test $(( {{ _line }} % 5 )) != 0
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    const lines = Array.from({ length: 60 }, (_, i) => String(i + 1));
    expect(readArtifact(workspaceDir, 'order.txt').trim().split('\n')).toEqual(lines);
    for (const line of lines) expect(fs.existsSync(path.join(workspaceDir, 'artifacts', `step_${line}_stdout.log`))).toBe(true);
    const record = JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => f.endsWith('.json'))!), 'utf8'));
    const subtasks = record.tasks.find((t: { name: string }) => t.name === 'loop').subtasks as { name: string; status: string }[];
    expect(subtasks.filter((s) => s.status === 'failed').map((s) => s.name)).toEqual(lines.filter((l) => Number(l) % 5 === 0).map((l) => `step_${l}`));
    expect(subtasks.filter((s) => s.status === 'succeeded')).toHaveLength(48);
  });

  it('runs no line sent ahead past a failed one-command line when kill_loop_on_fail is true', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: seq 1 40
  - foreach:
    - name: step
      commands:
      - command: echo {{ _line }} >> artifacts/order.txt; test {{ _line }} != 5
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(readArtifact(workspaceDir, 'order.txt')).toBe('1\n2\n3\n4\n5\n');
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'step_6_stdout.log'))).toBe(false);
  });

  // A line's first command is sent ahead rendered (foreach-launchers.ts): rendering it again when the line's turn came
  // ran one command and recorded another, and ran some lines twice, whenever a template renders differently twice.
  it('runs each line once, as recorded, when its template renders differently each time (random)', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: seq 1 30
  - foreach:
    - name: step
      commands:
      - command: echo {{ _line }} {{ [1, 2, 3, 4, 5, 6, 7, 8, 9] | random }} >> artifacts/ran.txt
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    const ran = readArtifact(workspaceDir, 'ran.txt').trim().split('\n');
    expect(ran.map((l) => l.split(' ')[0])).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
    const record = readOnlyRecord(workspaceDir);
    const recorded = record.tasks[0].subtasks.map((s) => s.processes[0].commandLine);
    expect(recorded).toEqual(ran.map((l) => `echo ${l} >> artifacts/ran.txt`));
  });

  it("keeps each line's stderr in its own log when two lines' logs have the same name", async () => {
    const pairs = Array.from({ length: 8 }, (_, i) => [`r ${i}/1`, `r ${i}:1`]).flat();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: printf '${pairs.join('\\n')}\\n'
  - foreach:
    - name: step
      commands:
      - command: 'echo "warning for {{ _line }}" >&2'
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    // `r 0/1` and `r 0:1` are both step_r_0_1: the log left is the second line's, and only its.
    for (let i = 0; i < 8; i++) expect(readArtifact(workspaceDir, `step_r_${i}_1_stderr.log`)).toBe(`warning for r ${i}:1\n`);
  });

  it('records a line that another line failing ended as failed, not as the cause, nor as succeeded or a timeout', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: printf 'fail\\nslow\\n'
  - foreach:
    - name: step
      commands:
      - command: 'if [ {{ _line }} = fail ]; then sleep 0.5; exit 3; fi; sleep 30'
      - command: echo never
    parallel: 2
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Task step_slow ended with exit code 143 — ended because another part of the pipeline failed');
    const record = readOnlyRecord(workspaceDir);
    const [fail, slow] = record.tasks[0].subtasks;
    expect(fail).toMatchObject({ name: 'step_fail', status: 'failed', failure: 'exit_code', exitCode: 3 });
    expect(slow).toMatchObject({ name: 'step_slow', status: 'failed', exitCode: 143, message: 'ended because another part of the pipeline failed' });
    expect(slow.failure).toBeUndefined();
    expect(slow.processes).toHaveLength(1);
    expect(slow.processes[0]).toMatchObject({ signal: 'SIGTERM', terminatedBy: 'pipeline_failed' });
    expect(record.reason).toBe('task step_fail: if exited with code 3');
  });

  it('gives a pipeline sub-task and a fork child that a failing sibling ended exit code 143 too, as a commands: sub-task', async () => {
    const ended = { status: 'failed', exitCode: 143, message: 'ended because another part of the pipeline failed' };
    const loop = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: printf 'fail\\nslow\\n'
  - foreach:
    - name: step
      pipeline:
      - command: sh -c 'if [ {{ _line }} = fail ]; then sleep 0.5; exit 3; fi; sleep 30'
    parallel: 2
`);
    const r1 = await runLocal(loop.projectDir, loop.workspaceDir);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('Task step_slow ended with exit code 143 — ended because another part of the pipeline failed');
    const [loopTask] = readOnlyRecord(loop.workspaceDir).tasks;
    expect(loopTask).toMatchObject({ exitCode: 3 });
    expect(loopTask.subtasks[1]).toMatchObject({ name: 'step_slow', ...ended });

    const split = makeProject(`
tasks:
- name: split
  pipeline:
  - command: echo hi
  - fork:
    - name: bad
      pipeline:
      - command: sh -c 'cat >/dev/null; sleep 0.5; exit 4'
    - name: slow
      pipeline:
      - command: sh -c 'cat; sleep 30'
`);
    const r2 = await runLocal(split.projectDir, split.workspaceDir);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('Task slow ended with exit code 143 — ended because another part of the pipeline failed');
    const [splitTask] = readOnlyRecord(split.workspaceDir).tasks;
    expect(splitTask).toMatchObject({ exitCode: 4 });
    expect(splitTask.subtasks.find((t: { name: string }) => t.name === 'slow')).toMatchObject(ended);
  });


  it('names the upstream as the cause when it fails while a line runs, and the line it ended as failed', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: echo a; sleep 0.5; exit 2
  - foreach:
    - name: step
      commands:
      - command: sleep 30
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    const record = readOnlyRecord(workspaceDir);
    expect(record.tasks[0]).toMatchObject({ status: 'failed', failure: 'exit_code', exitCode: 2 });
    expect(record.tasks[0].subtasks[0]).toMatchObject({ name: 'step_a', status: 'failed', message: 'ended because another part of the pipeline failed' });
    expect(record.reason).toBe('task loop: echo exited with code 2');
  });

  // The worker makes a waiting line's logs ahead, as unnamed files (handoff-launch.c, prepare_next): these fail if a line
  // that started got old files (a hard link to last run's log would then change), or one that never started changed any.
  it("gives each line that starts new log files and leaves the logs of lines that never start as they were", async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: seq 1 12
  - foreach:
    - name: step
      commands:
      - command: echo out-{{ _line }}-$ROUND; echo err-{{ _line }}-$ROUND >&2; test {{ _line }} != "$STOP_AT"
`);
    const artifacts = path.join(workspaceDir, 'artifacts');
    const first = await runLocal(projectDir, workspaceDir, [], newMarker(), undefined);
    expect(first.code).toBe(0);
    for (const line of [3, 9]) fs.linkSync(path.join(artifacts, `step_${line}_stdout.log`), path.join(artifacts, `kept_${line}.log`));
    const before = fs.readdirSync(artifacts).sort();

    const second = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], { env: { ROUND: '2', STOP_AT: '6' } });
    expect(second.code).toBe(1);
    // Lines 1 to 6 ran again: new files, with this round's lines; last round's file lives on under its other name.
    expect(readArtifact(workspaceDir, 'step_3_stdout.log')).toBe('out-3-2\n');
    expect(readArtifact(workspaceDir, 'step_3_stderr.log')).toBe('err-3-2\n');
    expect(readArtifact(workspaceDir, 'step_6_stderr.log')).toBe('err-6-2\n');
    expect(readArtifact(workspaceDir, 'kept_3.log')).toBe('out-3-\n');
    // Lines 7 to 12 never started (line 7 was most likely sent ahead and its files made): nothing of theirs changed.
    expect(readArtifact(workspaceDir, 'step_7_stdout.log')).toBe('out-7-\n');
    expect(readArtifact(workspaceDir, 'step_7_stderr.log')).toBe('err-7-\n');
    expect(fs.statSync(path.join(artifacts, 'step_9_stdout.log')).ino).toBe(fs.statSync(path.join(artifacts, 'kept_9.log')).ino);
    // No file was added or left behind on the way.
    expect(fs.readdirSync(artifacts).sort()).toEqual(before);
  });

  it('runs up to N lines at once with parallel: N', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: seq 1 8
  - foreach:
    - name: item
      commands:
      - command: echo start >> artifacts/events.txt; i=0; while [ $(grep -c start artifacts/events.txt) -lt 4 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; echo end >> artifacts/events.txt
    parallel: 4
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    const events = readArtifact(workspaceDir, 'events.txt').trim().split('\n');
    expect(events).toHaveLength(16);
    // With 4 at once, four lines start before the first one ends: each of the first four waits (10 s at most) until
    // four have started, so the order does not hang on how fast this machine starts processes. One at a time, the
    // first line would wait out its 10 s alone and end before the second started.
    expect(events.slice(0, 4)).toEqual(['start', 'start', 'start', 'start']);
  });

  it('lets lines whose logs have the same names take turns with parallel: N, as with parallel: 1, and runs the others at once', async () => {
    // `a/b` and `a:b` are both `each_a_b`; `x` twice is the same name. Run at once, one line's stdout log was lost and
    // both lines' stderr mixed in one file.
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: t
  pipeline:
  - command: printf 'a/b\\na:b\\nx\\nx\\ny\\n'
  - foreach:
    - name: each
      commands:
      - command: for i in 1 2 3; do echo "out {{ _line }} $i"; echo "err {{ _line }} $i" >&2; sleep 0.2; done
    parallel: 3
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    // The last line's logs alone, each whole.
    expect(readArtifact(workspaceDir, 'each_a_b_stdout.log')).toBe('out a:b 1\nout a:b 2\nout a:b 3\n');
    expect(readArtifact(workspaceDir, 'each_a_b_stderr.log')).toBe('err a:b 1\nerr a:b 2\nerr a:b 3\n');
    expect(readArtifact(workspaceDir, 'each_x_stdout.log')).toBe('out x 1\nout x 2\nout x 3\n');
    expect(readArtifact(workspaceDir, 'each_x_stderr.log')).toBe('err x 1\nerr x 2\nerr x 3\n');
    expect(readArtifact(workspaceDir, 'each_y_stdout.log')).toBe('out y 1\nout y 2\nout y 3\n');
    const subtasks = readOnlyRecord(workspaceDir).tasks[0].subtasks;
    expect(subtasks.map((s) => [s.name, s.status])).toEqual([
      ['each_a_b', 'succeeded'],
      ['each_a_b', 'succeeded'],
      ['each_x', 'succeeded'],
      ['each_x', 'succeeded'],
      ['each_y', 'succeeded'],
    ]);
  });

  it('cuts a long line\'s sub-task name to 200 characters and a short hash in the console and the record, its log names as before', async () => {
    // Two 5,000-character lines that differ only at their end: names stay distinct, and no 5 KB name is printed.
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: t
  pipeline:
  - command: for end in A B; do printf '%05000d%s\\n' 0 $end; done
  - foreach:
    - name: each
      commands:
      - command: printf '{{ _line }}' | wc -c
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    const subtasks = readOnlyRecord(workspaceDir).tasks[0].subtasks;
    expect(subtasks).toHaveLength(2);
    const head = `each_${'0'.repeat(195)}`;
    for (const sub of subtasks) expect(sub.name).toMatch(new RegExp(`^${head}…[0-9a-f]{8}$`));
    expect(subtasks[0].name).not.toBe(subtasks[1].name);
    expect(r.stderr).toContain(`Task ${subtasks[1].name} ended with exit code 0`);
    // Its command line is printed whole (that is what ran); the lines naming the sub-task are short.
    for (const line of r.stderr.split('\n').filter((l) => l.includes('Task each_'))) expect(line.length).toBeLessThan(400);
    // The command still got the whole line; the log is named by the first 200 characters, as before.
    expect(readArtifact(workspaceDir, `${head}_stdout.log`).trim()).toBe('5001');
  });

  it('runs no process the user never wrote when every command before a foreach is inactive, and warns where', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: printf 'x\\n'
    active: false
  - foreach:
    - name: e
      commands:
      - command: echo line {{ _line }}
`);
    const r = await runLocal(projectDir, workspaceDir, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/project\.yml:7: tasks\[0\]\.pipeline\[1\]: the foreach of task "loop" follows only commands with active: false/);
    expect(r.stderr).not.toMatch(/Process \d+ cat/);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task).toMatchObject({ status: 'succeeded', processes: [], subtasks: [] });
  });

  it('lists the first 1,000 sub-tasks of a long foreach in the record and counts the rest', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: seq 1 1200
  - foreach:
    - name: item
      commands:
      - command: echo {{ _line }}
        active: false
`);
    const r = await runLocal(projectDir, workspaceDir, ['--json']);
    expect(r.code).toBe(0);
    const task = JSON.parse(r.stdout).tasks[0];
    expect(task.subtasks).toHaveLength(1000);
    expect(task.unlistedSubtasks).toBe(200);
    expect(task.subtasks[999].name).toBe('item_1000');
  });

  // One-command lines run as a batch through one worker's queue (foreach-batch.ts): the lines queued behind one whose
  // worker dies were never run by it, and must still run, once each and in order, when the loop goes on.
  // At most once: the worker may die before its report that line 5 started is out, yet line 5 ran (and must not run
  // again); its `sleep 30`, left in a group no launcher ends now, must be found and ended all the same.
  it('runs every line once and in order, with its own logs and record, when the worker running its lines is killed', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
kill_loop_on_fail: false
tasks:
- name: loop
  pipeline:
  - command: seq 1 40
  - foreach:
    - name: step
      commands:
      - command: 'echo {{ _line }} >> artifacts/order.txt; echo "note {{ _line }}" >&2; if [ {{ _line }} = 5 ]; then kill -9 $PPID; sleep 30; fi'
`);
    const r = await runLocal(projectDir, workspaceDir, ['--json'], marker);
    expect(r.code).toBe(1);
    expect(processesWithMarker(marker)).toEqual([]);
    const lines = Array.from({ length: 40 }, (_, i) => String(i + 1));
    expect(readArtifact(workspaceDir, 'order.txt')).toBe(lines.map((l) => `${l}\n`).join(''));
    const subtasks = JSON.parse(r.stdout).tasks[0].subtasks as RecordedTask[];
    expect(subtasks.map((t) => t.name)).toEqual(lines.map((l) => `step_${l}`));
    expect(subtasks[4]).toMatchObject({ status: 'failed', failure: 'out_of_memory' });
    expect(subtasks[4].processes[0].signal).toBe('SIGKILL');
    for (const t of [...subtasks.slice(0, 4), ...subtasks.slice(5)]) expect(t).toMatchObject({ status: 'succeeded', exitCode: 0 });
    // Line 5's stderr goes through the worker, which relays it to the log: killed before it relayed it, it is lost
    // (nothing else held it). Only the line that killed its worker may miss it.
    for (const l of lines) {
      const log = readArtifact(workspaceDir, `step_${l}_stderr.log`);
      if (l === '5') expect(['', 'note 5\n']).toContain(log);
      else expect(log).toBe(`note ${l}\n`);
    }
    expect(r.stderr).toContain('Task step_40 ended with exit code 0');
  });

  // The worker holds up to 128 lines queued and is topped up as it runs low (foreach-batch.ts): a line failing deep in
  // the queue, past the first top-up, must stop the loop there as it always did: no line after it starts or is recorded.
  it.each([
    ['true', 'ends the loop at once'],
    ['false', 'stops the loop before the next line'],
  ])('starts no queued line after a failed one when kill_loop_on_fail is true (kill_downstream_on_fail: %s %s)', async (downstream) => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: seq 1 400
  - foreach:
    - name: step
      kill_downstream_on_fail: ${downstream}
      commands:
      - command: echo {{ _line }} >> artifacts/order.txt; echo "note {{ _line }}" >&2; test {{ _line }} != 150
`);
    const r = await runLocal(projectDir, workspaceDir, ['--json']);
    expect(r.code).toBe(1);
    const lines = Array.from({ length: 150 }, (_, i) => String(i + 1));
    expect(readArtifact(workspaceDir, 'order.txt')).toBe(lines.map((l) => `${l}\n`).join(''));
    const subtasks = JSON.parse(r.stdout).tasks[0].subtasks as RecordedTask[];
    expect(subtasks.map((t) => t.name)).toEqual(lines.map((l) => `step_${l}`));
    expect(subtasks[149]).toMatchObject({ status: 'failed', failure: 'exit_code', exitCode: 1 });
    for (const t of subtasks.slice(0, 149)) expect(t).toMatchObject({ status: 'succeeded', exitCode: 0 });
    for (const l of ['1', '150']) expect(readArtifact(workspaceDir, `step_${l}_stderr.log`)).toBe(`note ${l}\n`);
    // Lines queued behind the failed one left no logs (the worker makes them only as a line starts) and no console line.
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'step_151_stdout.log'))).toBe(false);
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'step_151_stderr.log'))).toBe(false);
    expect(r.stderr).not.toContain('step_151');
    // Each line is told in turn: the next line's start comes after the line before it ended.
    const told = r.stderr.split('\n').filter((l) => /Task step_(\d+) (started|ended)/.test(l)).map((l) => /Task (step_\d+ \w+)/.exec(l)![1]);
    expect(told.slice(0, 6)).toEqual(['step_1 started', 'step_1 ended', 'step_2 started', 'step_2 ended', 'step_3 started', 'step_3 ended']);
  });

  // artifacts/ is one folder for every level: line 1 of foreach sub-task `load` is `load_1`, as a task elsewhere is.
  it('refuses a line whose sub-task would be named like another task, before it starts, and leaves that task\'s log alone', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: nightly
  tasks:
  - name: load_1
    commands:
    - command: echo nested task output
- name: loop
  pipeline:
  - command: seq 1 2
  - foreach:
    - name: load
      commands:
      - command: echo loaded line {{ _line }}
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Task loop: foreach line "1" would name sub-task "load" load_1, as task "load_1" (tasks[0].tasks[0]) is named');
    expect(readArtifact(workspaceDir, 'load_1_stdout.log')).toBe('nested task output\n');
    expect(r.stderr).not.toContain('loaded line');
    expect(readOnlyRecord(workspaceDir).tasks[1]).toMatchObject({ name: 'loop', status: 'failed' });
  });

  // SIGTERM while the worker holds a queue of lines: the line running ends, no queued line starts, nothing is left.
  it('ends the running line on SIGTERM, starts none of the lines queued behind it, and leaves no process behind', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: seq 1 1000
  - foreach:
    - name: step
      commands:
      - command: touch artifacts/started_{{ _line }}; sleep 0.02; if [ {{ _line }} = 40 ]; then sleep 300; fi
`);
    const started = (): number => fs.readdirSync(path.join(workspaceDir, 'artifacts')).filter((f) => f.startsWith('started_')).length;
    const r = await runLocal(projectDir, workspaceDir, ['--json'], marker, (child) => {
      void waitFor(() => fs.existsSync(path.join(workspaceDir, 'artifacts', 'started_40'))).then(() => child.kill('SIGTERM'));
    });
    expect(r.code).toBe(143);
    expect(processesWithMarker(marker)).toEqual([]);
    expect(started()).toBe(40);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(started()).toBe(40);
    const record = readOnlyRecord(workspaceDir);
    expect(record.reason).toBe('interrupted by SIGTERM');
    const subtasks = record.tasks[0].subtasks;
    expect(subtasks).toHaveLength(40);
    expect(subtasks[39]).toMatchObject({ name: 'step_40', status: 'interrupted' });
    expect(subtasks[39].processes[0].signal).toBe('SIGTERM');
  });

  it('gives a line cut short by SIGTERM the run\'s 143 in the console and the record, not 1, when it has no code of its own', async () => {
    // The first command ignores TERM and exits 0 of itself within the grace period: the line's second command is then
    // skipped by the stop (one project), or the line's only command has exited 0 as the run stops (the other).
    const firstCommand = `trap '' TERM; touch artifacts/ready_{{ _line }}; sleep 1`;
    for (const rest of ['\n      - command: echo never', '']) {
      const marker = newMarker();
      const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: loop
  pipeline:
  - command: echo 1
  - foreach:
    - name: step
      commands:
      - command: ${firstCommand}${rest}
`);
      // A grace period well past the command's own 1 s, so a loaded machine cannot turn its exit 0 into a SIGKILL (137).
      const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir], {
        env: { HANDOFF_TEST_MARKER: marker, HANDOFF_GRACE_SECONDS: '10' },
        onSpawn: (child) => {
          void waitFor(() => fs.existsSync(path.join(workspaceDir, 'artifacts', 'ready_1'))).then(() => child.kill('SIGTERM'));
        },
      });
      expect(r.code).toBe(143);
      expect(r.stderr).toContain('Task step_1 ended with exit code 143');
      expect(r.stderr).toContain('Task loop ended with exit code 143');
      expect(r.stderr).not.toMatch(/ended with exit code 1\b/);
      const [loop] = readOnlyRecord(workspaceDir).tasks;
      expect(loop).toMatchObject({ status: 'interrupted', exitCode: 143 });
      expect(loop.subtasks[0]).toMatchObject({ name: 'step_1', status: 'interrupted', exitCode: 143 });
      expect(processesWithMarker(marker)).toEqual([]);
    }
  });
});

describe('fork', () => {
  it("skips a child with active: false, and ends a child at its own timeout, failing the fork", async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: split
  pipeline:
  - command: seq 1 3
  - fork:
    - name: disabled
      active: false
      pipeline:
      - command: sh -c 'touch artifacts/disabled_ran; cat'
    - name: slow
      timeout: 1
      pipeline:
      - command: sh -c 'cat; sleep 30'
    - name: quick
      pipeline:
      - command: wc -l
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Task disabled skipped (active: false)');
    expect(r.stderr).toContain('Task slow timed out after 1 s');
    expect(fs.existsSync(path.join(workspaceDir, 'artifacts', 'disabled_ran'))).toBe(false);
    expect(readArtifact(workspaceDir, 'quick_stdout.log').trim()).toBe('3');
    const children = readOnlyRecord(workspaceDir).tasks[0].subtasks;
    expect(children.find((c) => c.name === 'disabled')).toMatchObject({ status: 'skipped' });
    expect(children.find((c) => c.name === 'slow')).toMatchObject({ status: 'failed', failure: 'timeout' });
    expect(children.find((c) => c.name === 'quick')).toMatchObject({ status: 'succeeded' });
  });

  it('records a child that read all its input and exited 0 as succeeded when a sibling fails, never with a made-up exit 1', async () => {
    // The failing sibling's stop often reaches wc's launcher just as wc ends of itself: that end is still wc's own.
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: split
  pipeline:
  - command: seq 1 100000
  - fork:
    - name: c1
      pipeline:
      - command: wc -l
    - name: c2
      pipeline:
      - command: sh -c 'head -n 5 >/dev/null; exit 7'
    - name: c3
      pipeline:
      - command: sh -c 'cat >/dev/null; sleep 30'
`);
    for (let i = 0; i < 5; i++) {
      fs.rmSync(path.join(workspaceDir, 'runs'), { recursive: true, force: true });
      const r = await runLocal(projectDir, workspaceDir);
      expect(r.code).toBe(1);
      const split = readOnlyRecord(workspaceDir).tasks[0];
      const children = split.subtasks;
      const c1 = children.find((c) => c.name === 'c1')!;
      const wc = c1.processes[0] as RecordedTask['processes'][number] & { exitCode: number | null };
      // Everything upstream of the children (seq and the copy) ended by itself with exit 0: only then can handoff know
      // wc's input was whole. The stop can also reach the copy after its last write but before it exits (CI saw it):
      // wc then counts every line, yet the copy was ended by handoff, and the child counts as ended by the stop.
      const upstreamClean = split.processes.every((p) => (p as RecordedTask['processes'][number] & { exitCode: number | null }).exitCode === 0 && p.signal === null && p.terminatedBy === undefined);
      if (upstreamClean && readArtifact(workspaceDir, 'c1_stdout.log').trim() === '100000' && wc.exitCode === 0 && wc.signal === null) {
        // wc read its whole input and ended by itself: it finished, whatever stop reached its launcher as it ended.
        expect(c1, r.stderr).toMatchObject({ status: 'succeeded', exitCode: 0 });
        expect(wc.terminatedBy).toBeUndefined();
      } else {
        // Its input was cut short (the copy ended by handoff), or handoff ended it: not a success.
        expect(c1, r.stderr).toMatchObject({ status: 'failed', message: 'ended because another part of the pipeline failed' });
        expect(c1.exitCode).toBe(wc.exitCode ?? 143);
      }
      expect(children.find((c) => c.name === 'c2')).toMatchObject({ status: 'failed', exitCode: 7 });
    }
  });

  it('records a child that exited 0 after handoff cut its input short as failed with its real exit code 0, never a made-up 1', async () => {
    // c1's shell ignores SIGTERM (and so does its cat): it exits 0 of itself once the stop ends the copy and its input
    // closes, whichever of them the stop reaches first.
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: split
  pipeline:
  - command: sh -c 'echo a; sleep 30'
  - fork:
    - name: c1
      pipeline:
      - command: trap '' TERM; cat >/dev/null; exit 0
    - name: c2
      pipeline:
      - command: sh -c 'sleep 0.5; exit 7'
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    const children = readOnlyRecord(workspaceDir).tasks[0].subtasks;
    const c1 = children.find((c) => c.name === 'c1')!;
    expect(c1, r.stderr).toMatchObject({ status: 'failed', exitCode: 0, message: 'ended because another part of the pipeline failed' });
    expect(c1.failure).toBeUndefined();
    expect(c1.processes[0]).toMatchObject({ exitCode: 0, signal: null, terminatedBy: 'pipeline_failed' });
    expect(children.find((c) => c.name === 'c2')).toMatchObject({ status: 'failed', exitCode: 7 });
    // The console says why it failed, and no exit code that reads as a success.
    expect(r.stderr).toContain('Task c1 ended because another part of the pipeline failed');
    expect(r.stderr).not.toMatch(/Task c1 ended with exit code/);
    const shown = await runCli(['runs', 'show', 'latest', '-w', workspaceDir]);
    expect(shown.stdout).toContain('task c1: failed (ended because another part of the pipeline failed; its command exited 0)');
    expect(shown.stdout).not.toContain('(exit code 0)');
  });

  it('copies the stream to every child; a child that exits early does not fail the others', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: split
  pipeline:
  - command: seq 1 100000
  - fork:
    - name: count
      pipeline:
      - command: wc -l
    - name: first
      pipeline:
      - command: head -n 1
    - name: checksum
      pipeline:
      - command: cksum
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(0);
    expect(readArtifact(workspaceDir, 'count_stdout.log').trim()).toBe('100000');
    expect(readArtifact(workspaceDir, 'first_stdout.log')).toBe('1\n');
    expect(readArtifact(workspaceDir, 'checksum_stdout.log')).toBe(execSync('seq 1 100000 | cksum').toString());
  });

  it('fails when a child fails and leaves no process behind', async () => {
    const marker = newMarker();
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: split
  pipeline:
  - command: "yes"
  - fork:
    - name: ok
      pipeline:
      - command: cat > /dev/null
    - name: bad
      pipeline:
      - command: sh -c 'head -n 10 > /dev/null; exit 5'
`);
    const r = await runLocal(projectDir, workspaceDir, [], marker);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Task split ended with exit code 5');
    expect(processesWithMarker(marker)).toEqual([]);
  });
});

describe('stderr is an artifact of commands: tasks only (SPEC §5)', () => {
  it('a pipeline, its fork children and its pipeline sub-tasks write no <task>_stderr.log; the run keeps each process whole', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: piped
  pipeline:
  - command: sh -c 'echo from-upstream >&2; printf "a\\\\nb\\\\n"'
  - foreach:
    - name: each
      commands:
      - command: echo "sub {{ _line }}" >&2
    - name: inner
      pipeline:
      - command: sh -c 'echo inner-pipe >&2'
- name: forked
  pipeline:
  - command: printf 'x\\n'
  - fork:
    - name: child
      pipeline:
      - command: sh -c 'cat; echo from-child >&2'
- name: listed
  commands:
  - command: echo from-commands >&2
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code, r.stderr).toBe(0);
    const stderrArtifacts = fs.readdirSync(path.join(workspaceDir, 'artifacts')).filter((f) => f.endsWith('_stderr.log')).sort();
    expect(stderrArtifacts).toEqual(['each_a_stderr.log', 'each_b_stderr.log', 'listed_stderr.log']);
    expect(readArtifact(workspaceDir, 'each_a_stderr.log')).toBe('sub a\n');
    expect(readArtifact(workspaceDir, 'listed_stderr.log')).toBe('from-commands\n');
    // Every process's stderr is still in the run's own logs, and on the console.
    const record = JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', `${fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => f.endsWith('.json'))}`), 'utf8'));
    const logOf = (key: string): string => fs.readFileSync(path.join(workspaceDir, record.logs.stderr[key]), 'utf8');
    expect(logOf('piped/sh')).toBe('from-upstream\n');
    expect(logOf('child/sh')).toBe('from-child\n');
    expect(logOf('inner_a/sh')).toBe('inner-pipe\n');
    for (const line of ['[piped] sh: from-upstream', '[child] sh: from-child', '[inner_b] sh: inner-pipe', '[listed] echo: from-commands']) {
      expect(r.stderr).toContain(line);
    }
  });
});

describe('a command that cannot start', () => {
  it('says why (the kernel refusing a line over 128 KiB), in the console and in runs show', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: t
  pipeline:
  - command: python3 -c "print('x' * 200000)"
  - foreach:
    - name: sub
      commands:
      - command: echo {{ _line }}
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not start: \S*sh: Argument list too long \(the kernel limits each argument of a command line to 128 KiB: pass large data through stdin or a file instead\)/);
    const shown = await runCli(['runs', 'show', 'latest', '-w', workspaceDir]);
    expect(shown.stdout).toContain('not started: ');
    expect(shown.stdout).toContain('Argument list too long');
  });

  it("says the same of a pipeline's command (its line is an argument of the launcher), not that the launcher is broken", async () => {
    const { projectDir, workspaceDir } = makeProject(`
vars:
- key: big
  value: ${'a'.repeat(200_000)}
tasks:
- name: p
  pipeline:
  - command: echo {{ big }}
  - command: wc -c
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not start: \/bin\/sh: Argument list too long \(the kernel limits each argument of a command line to 128 KiB: pass large data through stdin or a file instead\)/);
    expect(r.stderr).not.toContain("cannot start handoff's process launcher");
    const shown = await runCli(['runs', 'show', 'latest', '-w', workspaceDir]);
    expect(shown.stdout).toContain('not started: /bin/sh: Argument list too long');
  });
});

describe('the reason of a failed run', () => {
  it("names the same failure as the task's exit code in a parallel foreach: the first failed line in line order", async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: t
  pipeline:
  - command: seq 1 6
  - foreach:
    - name: a
      timeout: 1
      kill_loop_on_fail: false
      commands:
      - command: sh -c 'case {{ _line }} in 2) sleep 30;; 4) exit 3;; *) sleep 0.2;; esac'
    parallel: 3
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    const record = readOnlyRecord(workspaceDir);
    const t = record.tasks[0]!;
    const a2 = t.subtasks.find((s) => s.name === 'a_2')!;
    const a4 = t.subtasks.find((s) => s.name === 'a_4')!;
    // Line 4 fails first (exit 3), line 2 a moment later (its timeout): the foreach reports line 2, as the reason does.
    expect(a4).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(a2).toMatchObject({ status: 'failed', failure: 'timeout' });
    expect(t).toMatchObject({ failure: 'timeout', exitCode: a2.exitCode });
    expect(record.reason).toMatch(/^task a_2: /);
  });

  it('names the fork child that failed, not a sibling handoff ended because of it', async () => {
    const { projectDir, workspaceDir } = makeProject(`
tasks:
- name: t
  pipeline:
  - command: seq 1 200000
  - fork:
    - name: ok_child
      pipeline:
      - command: wc -l
    - name: bad_child
      pipeline:
      - command: sh -c 'head -n 3 >/dev/null; exit 7'
`);
    const r = await runLocal(projectDir, workspaceDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Run \S+ failed: task bad_child: sh exited with code 7/);
    const record = JSON.parse(fs.readFileSync(path.join(workspaceDir, 'runs', fs.readdirSync(path.join(workspaceDir, 'runs')).find((f) => f.endsWith('.json'))!), 'utf8')) as { reason: string };
    expect(record.reason).toBe('task bad_child: sh exited with code 7');
  });
});
