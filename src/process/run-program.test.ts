import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countLiveProcessGroups } from './process-registry.js';
import { runProgram } from './run-program.js';

describe('runProgram', () => {
  it('passes arguments without a shell, feeds stdin, and streams stdout and stderr lines', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const exit = await runProgram({
      file: 'sh',
      args: ['-c', 'read secret; echo "got ${#secret} chars"; echo "$1" >&2; printf tail', 'sh', 'a $b; `c`'],
      input: 'hunter2\n',
      captureStdout: true,
      onStdoutLine: (l) => out.push(l),
      onStderrLine: (l) => err.push(l),
    }).exited;
    expect(exit.exitCode).toBe(0);
    expect(out).toEqual(['got 7 chars', 'tail']);
    expect(err).toEqual(['a $b; `c`']);
    expect(exit.stdout).toBe('got 7 chars\ntail\n');
    expect(countLiveProcessGroups()).toBe(0);
  });

  it('reports exit codes, signals and programs that do not exist', async () => {
    expect((await runProgram({ file: 'sh', args: ['-c', 'exit 3'] }).exited).exitCode).toBe(3);
    const running = runProgram({ file: 'sleep', args: ['30'] });
    running.signal('SIGTERM');
    expect((await running.exited).signal).toBe('SIGTERM');
    const missing = await runProgram({ file: 'handoff-no-such-program', args: [] }).exited;
    expect(missing.startError?.code).toBe('ENOENT');
    expect(missing.exitCode).toBeNull();
  });

  it('ends what the program left running in its group when it exits', async () => {
    const exit = await runProgram({ file: 'sh', args: ['-c', 'sleep 30 & echo $!'], captureStdout: true }).exited;
    const orphan = Number(exit.stdout.trim());
    expect(orphan).toBeGreaterThan(0);
    // Gone, or a zombie waiting to be reaped: either way no longer running.
    const state = (): string => {
      try {
        return /^\d+ \(.*\) (\S)/.exec(fs.readFileSync(`/proc/${orphan}/stat`, 'utf8'))?.[1] ?? 'gone';
      } catch {
        return 'gone';
      }
    };
    for (let i = 0; i < 50 && !['gone', 'Z'].includes(state()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(['gone', 'Z']).toContain(state());
  });
});
