// The running record written off the main thread: in order, the newest state last, the final record never replaced.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordWriteQueue } from './record-write-queue.js';
import { RunRecorder } from './run-recorder.js';
import { readRunRecord, runRecordPath } from './run-record.js';
import { createMasker } from '../secrets/mask.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-record-queue-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('RecordWriteQueue', () => {
  it('writes the state of the moment a write starts; asked for while one is in flight, one more write, the newest state last', async () => {
    const file = path.join(tempDir(), 'r.json');
    let state = 0;
    const written: number[] = [];
    const queue = new RecordWriteQueue(file, () => {
      written.push(state);
      return `${state}\n`;
    }, (error) => {
      throw error;
    });
    queue.request();
    for (state = 1; state <= 5; state++) queue.request();
    state = 6;
    expect(queue.busy).toBe(true);
    await queue.settled();
    expect(queue.busy).toBe(false);
    // The first write took state 0 at once; the five asked for while it was in flight are one write, of the newest state.
    expect(written).toEqual([0, 6]);
    expect(fs.readFileSync(file, 'utf8')).toBe('6\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['r.json']);
  });

  it('a write that fails is reported and leaves no temp file; nothing is written once the text is undefined', async () => {
    const dir = tempDir();
    const errors: string[] = [];
    const missing = new RecordWriteQueue(path.join(dir, 'gone', 'r.json'), () => 'x\n', (error) => errors.push((error as NodeJS.ErrnoException).code ?? ''));
    missing.request();
    await missing.settled();
    expect(errors).toEqual(['ENOENT']);
    const file = path.join(dir, 'r.json');
    const done = new RecordWriteQueue(file, () => undefined, () => undefined);
    done.request();
    await done.settled();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
  it('a write no longer wanted once its temp file is written is not renamed over the record, and its temp file is removed', async () => {
    const file = path.join(tempDir(), 'r.json');
    fs.writeFileSync(file, 'final\n');
    let wanted = true;
    const queue = new RecordWriteQueue(file, () => 'older\n', (error) => {
      throw error;
    }, () => undefined, () => wanted);
    queue.request();
    // The run's final record is written (sync) while this write is on the thread pool.
    wanted = false;
    await queue.settled();
    expect(fs.readFileSync(file, 'utf8')).toBe('final\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['r.json']);
  });

  it('a write asked for in a microtask queued as the last write ends is made, not lost', async () => {
    const file = path.join(tempDir(), 'r.json');
    let state = 1;
    let askedAgain = false;
    const queue: RecordWriteQueue = new RecordWriteQueue(file, () => `${state}\n`, (error) => {
      throw error;
    }, () => {
      if (askedAgain) return;
      askedAgain = true;
      state = 2;
      // Between the loop's last look at what is due and its end.
      queueMicrotask(() => queue.request());
    });
    queue.request();
    await queue.settled();
    await new Promise((resolve) => setImmediate(resolve));
    await queue.settled();
    expect(fs.readFileSync(file, 'utf8')).toBe('2\n');
  });
});

describe('RunRecorder with its running record written off the main thread', () => {
  it('a final record written while a running one is in flight is what the file says once the recorder is closed', async () => {
    const workspaceDir = tempDir();
    const runsDir = path.join(workspaceDir, 'runs');
    const runId = '20261207T190000Z-abcd';
    const recorder = new RunRecorder({
      workspaceDir,
      runsDir,
      stateFile: path.join(workspaceDir, 'artifacts', 'state.json'),
      runId,
      projectName: 'p',
      projectDir: workspaceDir,
      stage: 'dev',
      trigger: 'manual',
      startedAt: new Date(),
      masker: createMasker([]),
      stateSources: new Set(),
    });
    recorder.start();
    // A process start writes the running record (its live list): that write is now in flight on the thread pool …
    recorder.handle({ type: 'process_started', task: 'loop_1', name: 'true', pid: process.pid, commandLine: '/bin/true 1', launcher: { pid: process.pid } });
    // … when the run ends in the same turn: its final record is written at once, and must be the one that stays.
    const now = new Date().toISOString();
    recorder.handle({ type: 'run_finished', result: { runId, status: 'succeeded', startedAt: now, endedAt: now, durationMs: 0, tasks: [], exitCode: 0 } });
    expect(readRunRecord(runRecordPath(runsDir, runId))?.status).toBe('succeeded');
    await recorder.close();
    const record = readRunRecord(runRecordPath(runsDir, runId));
    expect(record?.status).toBe('succeeded');
    expect(record?.live).toBeUndefined();
    expect(fs.readdirSync(runsDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Out of the index of runs in progress (a running write's marker is not left behind).
    expect(fs.existsSync(path.join(runsDir, '.running', runId))).toBe(false);
  });

  it('while the run goes on, the record names the commands running once the writes have landed', async () => {
    const workspaceDir = tempDir();
    const runsDir = path.join(workspaceDir, 'runs');
    const runId = '20261207T190001Z-abcd';
    const recorder = new RunRecorder({
      workspaceDir,
      runsDir,
      stateFile: path.join(workspaceDir, 'artifacts', 'state.json'),
      runId,
      projectName: 'p',
      projectDir: workspaceDir,
      stage: 'dev',
      trigger: 'manual',
      startedAt: new Date(),
      masker: createMasker([]),
      stateSources: new Set(),
    });
    recorder.start();
    recorder.handle({ type: 'process_started', task: 'loop_1', name: 'true', pid: process.pid, commandLine: '/bin/true 1', launcher: { pid: process.pid } });
    await recorder.close();
    const record = readRunRecord(runRecordPath(runsDir, runId));
    expect(record?.status).toBe('running');
    expect(record?.live).toEqual([expect.objectContaining({ task: 'loop_1', pid: process.pid, startTicks: expect.any(String) })]);
    expect(fs.existsSync(path.join(runsDir, '.running', runId))).toBe(true);
  });
});
