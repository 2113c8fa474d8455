// runShellCapture: stdout and exit code of a short shell line, and a time limit that ends the whole group.
import { describe, expect, it } from 'vitest';
import { countLiveProcessGroups } from './process-registry.js';
import { runShellCapture } from './run-shell-capture.js';

describe('runShellCapture', () => {
  it('returns stdout, stderr and the exit code', async () => {
    const result = await runShellCapture('echo "out $X"; echo err >&2; exit 4', { env: { ...process.env, X: 'x' } });
    expect(result).toMatchObject({ code: 4, signal: null, stdout: 'out x\n', stderr: 'err\n', timedOut: false });
  });

  it('kills the shell and what it started when the time limit passes', async () => {
    const result = await runShellCapture('sleep 30 & sleep 30; echo never', { timeoutMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe('SIGKILL');
    expect(result.stdout).toBe('');
    expect(countLiveProcessGroups()).toBe(0);
  });
});
