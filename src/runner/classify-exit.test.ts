import { describe, expect, it } from 'vitest';
import type { ProcessExit } from '../process/spawn-command.js';
import { classifyExit, exitCodeOf, ownEndOf, signalOf } from './classify-exit.js';

const at = new Date(0);
const exit = (over: Partial<ProcessExit>): ProcessExit => ({ name: 'x', exitCode: 0, signal: null, startedAt: at, endedAt: at, ...over });

describe('classifyExit', () => {
  it('passes a clean exit and fails a non-zero one', () => {
    expect(classifyExit(exit({}), true)).toBeUndefined();
    expect(classifyExit(exit({ exitCode: 3 }), true)).toBe('exit_code');
  });

  it('forgives a broken pipe only when the downstream had stopped reading and everything downstream succeeded', () => {
    expect(classifyExit(exit({ exitCode: null, signal: 'SIGPIPE', stdoutReaderGone: true }), true)).toBeUndefined();
    expect(classifyExit(exit({ exitCode: 141, stdoutReaderGone: true }), true)).toBeUndefined();
    expect(classifyExit(exit({ exitCode: 141, stdoutReaderGone: true }), false)).toBe('signal');
    // The downstream was still reading: a plain `exit 141`, or a SIGPIPE from another pipe, is a failure.
    expect(classifyExit(exit({ exitCode: 141 }), true)).toBe('signal');
    expect(classifyExit(exit({ exitCode: null, signal: 'SIGPIPE' }), true)).toBe('signal');
  });

  it('names command-not-found, out-of-memory kills, timeouts, start failures and interrupts', () => {
    expect(classifyExit(exit({ exitCode: 127 }), true)).toBe('command_not_found');
    expect(classifyExit(exit({ exitCode: 137 }), true)).toBe('out_of_memory');
    expect(classifyExit(exit({ exitCode: null, signal: 'SIGKILL' }), true)).toBe('out_of_memory');
    expect(classifyExit(exit({ exitCode: null, signal: 'SIGTERM', terminatedBy: 'timeout' }), true)).toBe('timeout');
    expect(classifyExit(exit({ exitCode: null, startError: 'spawn ENOENT' }), true)).toBe('start_failure');
    expect(classifyExit(exit({ exitCode: null, signal: 'SIGTERM', terminatedBy: 'interrupted' }), true)).toBe('interrupted');
    expect(classifyExit(exit({ exitCode: 143 }), true)).toBe('signal');
  });

  it('does not blame a process handoff ended because another one failed', () => {
    expect(classifyExit(exit({ exitCode: null, signal: 'SIGTERM', terminatedBy: 'pipeline_failed' }), false)).toBeUndefined();
  });

  it('reports shell-style exit codes for signals', () => {
    expect(exitCodeOf(exit({ exitCode: null, signal: 'SIGKILL' }))).toBe(137);
    expect(exitCodeOf(exit({ exitCode: 5 }))).toBe(5);
    expect(signalOf(exit({ exitCode: 130 }))).toBe('SIGINT');
  });
});

describe('ownEndOf', () => {
  it("counts a clean exit on a whole input as the command's own end, even when a pipeline stop reached its launcher", () => {
    expect(ownEndOf(exit({ terminatedBy: 'pipeline_failed' }), true).terminatedBy).toBeUndefined();
    // Its input was cut short (an upstream handoff ended): its clean exit says nothing of a whole result.
    expect(ownEndOf(exit({ terminatedBy: 'pipeline_failed' }), false).terminatedBy).toBe('pipeline_failed');
    expect(ownEndOf(exit({ terminatedBy: 'pipeline_failed', exitCode: 143 }), true).terminatedBy).toBe('pipeline_failed');
    expect(ownEndOf(exit({ terminatedBy: 'pipeline_failed', exitCode: null, signal: 'SIGTERM' }), true).terminatedBy).toBe('pipeline_failed');
    expect(ownEndOf(exit({ terminatedBy: 'timeout' }), true).terminatedBy).toBe('timeout');
    // A clean end on an input handoff cut short, in a pipeline stopped because another part failed, is handoff's doing.
    expect(ownEndOf(exit({}), false, true).terminatedBy).toBe('pipeline_failed');
    expect(ownEndOf(exit({}), false, false).terminatedBy).toBeUndefined();
    expect(ownEndOf(exit({}), true, true).terminatedBy).toBeUndefined();
  });
});
