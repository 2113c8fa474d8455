// Console lines of a run: filtered by level, teed to the run's log, and written to stderr a turn's worth at a time.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatchedStderr, createConsoleLog, readLogLevel } from './console-log.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createBatchedStderr', () => {
  afterEach(() => vi.restoreAllMocks());

  const recordStderr = (): string[] => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    return writes;
  };

  it('writes the lines of one event loop turn in one write, in order, once the turn is over', async () => {
    const writes = recordStderr();
    const stderr = createBatchedStderr();
    stderr.write('one\n');
    stderr.write('two\n');
    stderr.write('three\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['one\ntwo\nthree\n']);
    stderr.write('four\n');
    await nextTurn();
    expect(writes).toEqual(['one\ntwo\nthree\n', 'four\n']);
  });

  it('flush writes what is pending at once (before an error is printed), and nothing when nothing is', async () => {
    const writes = recordStderr();
    const stderr = createBatchedStderr();
    stderr.flush();
    expect(writes).toEqual([]);
    stderr.write('Task a ended with exit code 1\n');
    stderr.flush();
    expect(writes).toEqual(['Task a ended with exit code 1\n']);
    await nextTurn();
    expect(writes).toHaveLength(1);
  });

  it('writes a batch as soon as it holds 64 K characters, so a flood of lines is not kept in memory', () => {
    const writes = recordStderr();
    const stderr = createBatchedStderr();
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) stderr.write(line);
    expect(writes).toEqual([line.repeat(64)]);
    stderr.flush();
  });

  it('gives a console log its lines through the batch, above the threshold only, and every line to the tee', async () => {
    const writes = recordStderr();
    const stderr = createBatchedStderr();
    const log = createConsoleLog('info', stderr.write);
    const teed: string[] = [];
    log.tee((line) => teed.push(line));
    log.log('info', 'Task a started');
    log.log('debug', 'Process 1 started: true');
    log.log('info', 'Task a ended with exit code 0');
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writes[0].split('\n').filter(Boolean).map((l) => l.replace(/^\[[^\]]+\]\s+/, ''))).toEqual(['INFO - Task a started', 'INFO - Task a ended with exit code 0']);
    expect(teed).toHaveLength(3);
  });
});

describe('createConsoleLog hold', () => {
  it('holds lines (stderr and tee) until released, writes them through the rewrite in order, and a detach waits for them', async () => {
    const written: string[] = [];
    const log = createConsoleLog('info', (t) => written.push(t));
    const teed: string[] = [];
    log.tee((line) => teed.push(line));
    log.log('info', 'Task a started');
    const release = log.hold();
    log.log('warning', 'Received SIGTERM: stopping the run');
    log.log('error', 'Task a ended with exit code 143');
    // The run ends and detaches its console log while the lines are held: they still reach it once released.
    const detached = log.tee(undefined);
    expect(written).toHaveLength(1);
    expect(teed).toHaveLength(1);
    release((level, message) => (level === 'error' ? `${message} [mark]` : message));
    release();
    await detached;
    log.log('error', 'later');
    const strip = (l: string): string => l.replace(/^\[[^\]]+\]\s+/, '').trim();
    expect(written.map(strip)).toEqual(['INFO - Task a started', 'WARNING - Received SIGTERM: stopping the run', 'ERROR - Task a ended with exit code 143 [mark]', 'ERROR - later [mark]']);
    expect(teed.map(strip)).toEqual(['INFO - Task a started', 'WARNING - Received SIGTERM: stopping the run', 'ERROR - Task a ended with exit code 143 [mark]']);
  });
});

describe('readLogLevel', () => {
  it('reads a level in any case (the original upper-cased -l and listed DEBUG, INFO, WARNING…), WARN too, and nothing else', () => {
    expect(['DEBUG', 'Info', 'WARNING', 'warn', 'ERROR', 'critical'].map(readLogLevel)).toEqual(['debug', 'info', 'warning', 'warning', 'error', 'critical']);
    expect(readLogLevel('loud')).toBeUndefined();
    expect(readLogLevel('')).toBeUndefined();
  });
});
