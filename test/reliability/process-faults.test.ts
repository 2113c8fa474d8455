// Process faults: commands killed, crashing, hanging or deaf to SIGTERM, and handoff itself interrupted mid-run.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import {
  artifactHasLines,
  expectFinalRecord,
  expectNoProcessesLeft,
  expectStateIntact,
  hasProcess,
  pidsRunning,
  runHandoff,
  seedState,
  SINGER_FILES,
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
      env: { HANDOFF_GRACE_SECONDS: '1' },
      during: async (_child, marker) => {
        // Seen alive after handoff's SIGTERM reached its group: only the SIGKILL that follows the grace period can end it.
        // The shell around it has no such trap and dies of the SIGTERM: from then on the script must still live.
        await waitFor(() => hasProcess(marker, 'files/stubborn.sh'));
        await waitFor(() => pidsRunning(marker, ['/bin/sh', '-c', 'sh files/stubborn.sh']).length === 0);
        expect(pidsRunning(marker, ['sh', 'files/stubborn.sh'])).toHaveLength(1);
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
});
