// Resource faults: a full disk, an unwritable workspace, huge and broken foreach input, and many foreach lines.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from '../helpers/cli.js';
import { callUi, startUi, waitForAnswer } from '../helpers/ui-process.js';
import type { RunDetail, RunsPage } from '../../src/ui/api-types.js';
import {
  expectFinalRecord,
  expectNoProcessesLeft,
  expectStateIntact,
  mountTmpfs,
  runHandoff,
  runRecords,
  seedState,
  SINGER_FILES,
} from './fault-helpers.js';

const runLocal = (p: { projectDir: string; workspaceDir: string }, extra: string[] = [], options: Parameters<typeof runHandoff>[1] = {}) =>
  runHandoff(['run', 'local', '-p', p.projectDir, '-w', p.workspaceDir, ...extra], options);

/** What must never reach the console: Node's report of a crash, or handoff's own "this is a bug". */
function expectNoCrash(stderr: string): void {
  expect(stderr).not.toContain("Unhandled 'error' event");
  expect(stderr).not.toContain('This is a bug in handoff');
  expect(stderr).not.toMatch(/^\s+at /m);
}

const FILLING_PIPELINE = `
tasks:
- name: sync
  pipeline:
  - command: sh files/tap.sh 2000 0
  - command: cat
`;

describe('a full disk', () => {
  it('a run started from the UI on a full workspace disk: the page shows the run as it ended, with the ENOSPC that cost it its logs', async (ctx) => {
    // 2 MB of stderr: more than the workspace's filesystem holds.
    const p = makeProject('tasks:\n- name: noisy\n  commands:\n  - command: sh\n    args: -c "yes a-line-of-stderr-output | head -c 2000000 >&2"\n');
    const unmount = mountTmpfs(p.workspaceDir, '400k');
    if (!unmount) return ctx.skip(); // needs root with CAP_SYS_ADMIN to mount a tmpfs
    try {
      const ui = await startUi(['-p', p.projectDir, '-w', p.workspaceDir]);
      const started = await callUi(ui, '/api/runs', { method: 'POST' });
      expect(started.status).toBe(201);
      const { runId } = (await started.json()) as { runId: string };
      let page: RunsPage | undefined;
      await waitForAnswer(async () => {
        page = (await (await callUi(ui, '/api/runs')).json()) as RunsPage;
        return page.runs[0]?.runId === runId && page.runs[0].status !== 'running' && /ENOSPC|no space left/i.test(page.runs[0].reason ?? '');
      }, 30_000).catch((error) => {
        process.stderr.write(`the last page seen: ${JSON.stringify(page)}\n`);
        throw error;
      });
      // Its command succeeded and handoff ended with exit 0: the record says so (written over the running record in
      // place), never that handoff was killed; the reason names what could not be written.
      expect(page!.runs[0]).toMatchObject({ status: 'succeeded', exitCode: 0 });
      const detail = (await (await callUi(ui, `/api/runs/${runId}`)).json()) as RunDetail;
      expect(detail.record.reason).toMatch(/handoff could not write all of this run's files: cannot write [^]*ENOSPC/);
      ui.child.kill('SIGTERM');
      await ui.exited;
      const shown = await runCli(['runs', 'show', runId, '-w', p.workspaceDir, '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'succeeded', reason: expect.stringMatching(/ENOSPC/) });
    } finally {
      unmount();
    }
  });

  it('artifacts/ on a full filesystem: the writing command fails, handoff reports it, keeps the record final and state.json', async () => {
    const p = makeProject(FILLING_PIPELINE, SINGER_FILES);
    const artifacts = path.join(p.workspaceDir, 'artifacts');
    // A 64 KiB tmpfs where root may mount one; otherwise a 64 KiB file size limit on handoff and its children.
    const unmount = mountTmpfs(artifacts, '64k');
    seedState(p.workspaceDir);
    try {
      const r = await runLocal(p, ['--json'], unmount ? {} : { limits: 'ulimit -f 128' });
      expectNoCrash(r.stderr);
      expect(r.code).toBe(1);
      const task = JSON.parse(r.stdout).tasks[0];
      expect(task.status).toBe('failed');
      const record = expectFinalRecord(p.workspaceDir, 'failed');
      if (unmount) {
        // cat reports ENOSPC and exits 1; the tap behind it only got SIGPIPE, so the reason names cat.
        expect(task.processes[1]).toMatchObject({ exitCode: 1, failure: 'exit_code' });
        expect(r.stderr).toContain('No space left on device');
        expect(record.reason).toContain('cat exited with code 1');
        // A pipeline writes no stderr artifact (SPEC §5): nothing more to fail on the full disk.
        expect(fs.existsSync(path.join(artifacts, 'sync_stderr.log'))).toBe(false);
      } else {
        expect(task.processes[1].failure).toBe('signal'); // SIGXFSZ
      }
      expectStateIntact(p.workspaceDir);
      await expectNoProcessesLeft(r.marker);
    } finally {
      unmount?.();
    }
  });

  it('the whole workspace on a full filesystem: no crash, the run ends with exit 1, the lock is released, state.json is kept', async (ctx) => {
    const p = makeProject(FILLING_PIPELINE, SINGER_FILES);
    const unmount = mountTmpfs(p.workspaceDir, '96k');
    if (!unmount) return ctx.skip(); // needs root with CAP_SYS_ADMIN to mount a tmpfs
    try {
      seedState(p.workspaceDir);
      const r = await runLocal(p);
      expectNoCrash(r.stderr);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('ENOSPC');
      expect(fs.existsSync(path.join(p.workspaceDir, '.handoff.lock'))).toBe(false);
      expect(fs.readdirSync(path.join(p.workspaceDir, 'runs')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expectStateIntact(p.workspaceDir);
      await expectNoProcessesLeft(r.marker);
      // The final record does not fit beside the full disk's data; handoff writes its end over the running record
      // (no new blocks), so the run is listed as failed, for the reason it failed, never as killed.
      const list = await runCli(['runs', 'list', '-w', p.workspaceDir, '--json']);
      expectNoCrash(list.stderr);
      expect(list.code).toBe(0);
      const [listed] = JSON.parse(list.stdout);
      expect(listed.status).toBe('failed');
      expect(listed.reason).not.toContain('killed');
      expect(listed.endedAt).toEqual(expect.any(String));
    } finally {
      unmount();
    }
  });
});

describe('an unwritable workspace', () => {
  const project = `
tasks:
- name: never
  commands:
  - command: touch {{ marker_file }}
`;

  it('a workspace path under a regular file is refused with exit 2 before anything runs', async () => {
    const p = makeProject(project);
    const file = path.join(makeTempDir(), 'plain-file');
    fs.writeFileSync(file, 'not a folder');
    const markerFile = path.join(makeTempDir(), 'ran');
    const r = await runHandoff(['run', 'local', '-p', p.projectDir, '-w', path.join(file, 'ws'), '-v', `marker_file=${markerFile}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot create or write the workspace');
    expect(r.stderr).toContain('fix: choose a folder you can write to with -w');
    expectNoCrash(r.stderr);
    expect(fs.existsSync(markerFile)).toBe(false);
    await expectNoProcessesLeft(r.marker);
  });

  it('a read-only workspace is refused with exit 2 before anything runs', async (ctx) => {
    const p = makeProject(project);
    let restore: (() => void) | undefined;
    if (process.getuid?.() === 0) {
      // root writes through file modes, so only a read-only filesystem can stop it.
      restore = mountTmpfs(p.workspaceDir, '1m', true);
      if (!restore) return ctx.skip();
    } else {
      fs.mkdirSync(p.workspaceDir, { recursive: true });
      fs.chmodSync(p.workspaceDir, 0o555);
      restore = () => fs.chmodSync(p.workspaceDir, 0o755);
    }
    try {
      const markerFile = path.join(makeTempDir(), 'ran');
      const r = await runLocal(p, ['-v', `marker_file=${markerFile}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/cannot create or write the workspace \S+: (EROFS|EACCES)/);
      expectNoCrash(r.stderr);
      expect(fs.existsSync(markerFile)).toBe(false);
      await expectNoProcessesLeft(r.marker);
    } finally {
      restore();
    }
  });
});

describe('foreach input', () => {
  it('a 200 MB line without a newline fails the task clearly while handoff stays far below 200 MB of memory', async () => {
    const p = makeProject(`
tasks:
- name: huge
  pipeline:
  - command: head -c 209715200 /dev/zero | tr '\\0' a
  - foreach:
    - name: each
      commands:
      - command: echo {{ _line | length }}
`);
    const r = await runLocal(p, [], { measureMemory: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('foreach input line longer than 16 MiB without a newline');
    const record = expectFinalRecord(p.workspaceDir, 'failed');
    expect(record.reason).toContain('longer than 16 MiB');
    // Nothing ran for the line: it was refused, not cut.
    expect(record.tasks[0].subtasks).toEqual([]);
    expect(r.peakKb).toBeGreaterThan(0);
    expect(r.peakKb).toBeLessThan(150 * 1024);
    await expectNoProcessesLeft(r.marker);
  });

  it('invalid UTF-8 and NUL bytes reach the sub-tasks as text, NULs removed with a warning, names kept safe', async () => {
    const p = makeProject(`
tasks:
- name: odd
  pipeline:
  - command: printf 'ok\\n\\377\\376bad\\nnul\\000byte\\n'
  - foreach:
    - name: each
      commands:
      - command: printf '%s\\n' {{ _line | shell_quote }} >> artifacts/seen.txt
`);
    const r = await runLocal(p, ['--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('foreach input contains NUL bytes; they were removed from _line');
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'seen.txt'), 'utf8')).toBe('ok\n\uFFFD\uFFFDbad\nnulbyte\n');
    const names = JSON.parse(r.stdout).tasks[0].subtasks.map((t: { name: string }) => t.name);
    expect(names).toEqual(['each_ok', 'each__bad', 'each_nulbyte']);
    for (const name of names) expect(fs.existsSync(path.join(p.workspaceDir, 'artifacts', `${name}_stdout.log`))).toBe(true);
    expectFinalRecord(p.workspaceDir, 'succeeded');
  });

  it('10,000 lines each get their sub-task, in order, within 256 descriptors and bounded memory', async () => {
    // The sub-task's command is inactive, so the cost measured is handoff's own per line (logs, events, record), not
    // 10,000 process starts (about 5 ms each on a small machine; the next test starts a real process per line).
    const p = makeProject(`
tasks:
- name: many
  pipeline:
  - command: seq 10000
  - foreach:
    - name: item
      commands:
      - command: echo {{ _line }}
        active: false
`);
    const r = await runLocal(p, ['-l', 'warning'], { limits: 'ulimit -n 256', measureMemory: true, timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const record = expectFinalRecord(p.workspaceDir, 'succeeded');
    const subtasks = record.tasks[0].subtasks as Array<{ name: string; status: string }>;
    // Every line got its sub-task, in order: the record lists the first 1,000 and counts the other 9,000.
    expect(subtasks).toHaveLength(1000);
    expect(subtasks.map((t) => t.name)).toEqual(Array.from({ length: 1000 }, (_, i) => `item_${i + 1}`));
    expect(record.tasks[0].unlistedSubtasks).toBe(9000);
    expect(subtasks.every((t) => t.status === 'succeeded')).toBe(true);
    expect(r.peakKb).toBeLessThan(400 * 1024);
  });

  it('1,000 lines each start a real process with no descriptor leaked (ulimit -n 128) and every line arrives once', async () => {
    const p = makeProject(`
tasks:
- name: many
  pipeline:
  - command: seq 1000
  - foreach:
    - name: item
      commands:
      - command: echo {{ _line }} >> artifacts/lines.txt
`);
    const r = await runLocal(p, ['-l', 'warning'], { limits: 'ulimit -n 128', timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const expected = Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join('');
    expect(fs.readFileSync(path.join(p.workspaceDir, 'artifacts', 'lines.txt'), 'utf8')).toBe(expected);
    expect(runRecords(p.workspaceDir)[0].tasks[0].subtasks).toHaveLength(1000);
    await expectNoProcessesLeft(r.marker);
  });
});

describe('a flood of stderr', () => {
  // 2,000,000 numbered lines (14.9 MB) from one process of a commands: task and one of a pipeline.
  it('is kept whole once; the console and console.log get its head and tail, with how much was left out and where', async () => {
    const p = makeProject(`
tasks:
- name: listed
  commands:
  - command: seq 1 2000000 >&2
- name: piped
  pipeline:
  - command: seq 1 2000000 >&2
  - command: cat
`);
    const r = await runLocal(p, [], { env: { HANDOFF_CONSOLE_STDERR_HEAD: '64KiB', HANDOFF_CONSOLE_STDERR_TAIL: '16KiB' }, measureMemory: true });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const full = execFileSync('seq', ['1', '2000000'], { maxBuffer: 64 * 1024 * 1024 }).toString();
    const record = runRecords(p.workspaceDir)[0];
    const read = (relative: string): string => fs.readFileSync(path.join(p.workspaceDir, relative), 'utf8');

    // One whole copy each: the commands: task's artifact (as the original), the pipeline process's log in runs/.
    expect(read('artifacts/listed_stderr.log')).toBe(full);
    expect(fs.existsSync(path.join(p.workspaceDir, 'artifacts', 'piped_stderr.log'))).toBe(false);
    const pipedLog = record.logs.stderr['piped/seq'];
    expect(read(pipedLog)).toBe(full);
    // The run's copy of the artifact keeps head and tail, and says where the whole is.
    const listedCopy = read(record.logs.stderr['listed/seq']);
    expect(listedCopy.length).toBeLessThan(100_000);
    expect(listedCopy).toContain('full log at artifacts/listed_stderr.log');

    // The console and the run's console.log: at most head + tail per process, plus a few lines.
    const consoleLog = read(record.logs.console);
    for (const text of [r.stderr, consoleLog]) {
      expect(text.length).toBeLessThan(400_000);
      for (const [task, fullLog] of [['listed', 'artifacts/listed_stderr.log'], ['piped', pipedLog]]) {
        const lines = text.split('\n').filter((l) => l.includes(`[${task}] seq: `)).map((l) => l.slice(l.indexOf(`[${task}] seq: `) + `[${task}] seq: `.length));
        const omitted = lines.find((l) => l.startsWith('… ') && l.includes('bytes omitted'));
        expect(omitted).toBe(`… ${/… (\d+) bytes omitted/.exec(omitted ?? '')?.[1]} bytes omitted, full log at ${fullLog}`);
        expect(lines).toContain(`… more than 64.0 KiB of stderr: the rest is in ${fullLog}; its last 16.0 KiB follow when the process ends`);
        // What was shown and what was left out add up to the whole stream: nothing lost, nothing twice.
        const shown = lines.filter((l) => /^\d+$/.test(l));
        expect(shown[0]).toBe('1');
        expect(shown[shown.length - 1]).toBe('2000000');
        const shownBytes = shown.reduce((n, l) => n + l.length + 1, 0);
        expect(shownBytes + Number(/… (\d+) bytes omitted/.exec(omitted as string)?.[1])).toBe(full.length);
      }
    }
    await expectNoProcessesLeft(r.marker);
  });

  it('a limit that is not a size is refused before anything runs', async () => {
    const p = makeProject('tasks:\n- name: t\n  commands:\n  - command: touch ran\n');
    const r = await runLocal(p, [], { env: { HANDOFF_CONSOLE_STDERR_HEAD: 'lots' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('HANDOFF_CONSOLE_STDERR_HEAD=lots is not a size in bytes');
    expect(fs.existsSync(path.join(p.workspaceDir, 'ran'))).toBe(false);
  });
});
