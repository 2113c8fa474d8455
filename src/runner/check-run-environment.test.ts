// The run's environment is refused before anything starts when the kernel would refuse it, naming keys, never values.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { argMaxOfThisProcess, ARGUMENTS_RESERVE_BYTES, checkRunEnvironment, MAX_ENV_ENTRY_BYTES } from './check-run-environment.js';

const origin = (key: string) => ({ describe: `secret "${key}"`, path: `envs[0]` });

function refusal(env: Record<string, string>, platform: NodeJS.Platform = 'linux'): UserError {
  try {
    checkRunEnvironment(env, origin, platform);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a refusal');
}

describe('checkRunEnvironment', () => {
  it('takes ordinary values', () => {
    expect(() => checkRunEnvironment({ A: 'x', B: 'y'.repeat(1000) }, origin, 'linux')).not.toThrow();
  });

  it('refuses a NUL byte, naming the key and where it comes from, not the value', () => {
    const e = refusal({ OK: 'fine', ML: 'Secr3t\nb\0c' });
    expect(e.message).toBe('environment variable "ML" (secret "ML") holds a NUL byte, which no environment variable can hold; nothing was run');
    expect(e.diagnostics).toHaveLength(1);
    expect(JSON.stringify({ m: e.message, f: e.fix, d: e.diagnostics })).not.toContain('Secr3t');
  });

  it('refuses an entry over Linux\'s 128 KiB per string, naming its size, not quoting it', () => {
    const big = 'S'.repeat(1_200_000);
    const e = refusal({ BIG: big });
    expect(e.message).toContain('environment variable "BIG" (secret "BIG") is 1200005 bytes; Linux starts no process with an environment entry over 131072 bytes (E2BIG)');
    expect(e.message.length).toBeLessThan(300);
    // At the limit it still starts; elsewhere only the total counts, and the spawn says so.
    expect(() => checkRunEnvironment({ K: 'v'.repeat(MAX_ENV_ENTRY_BYTES - 3) }, origin, 'linux')).not.toThrow();
    expect(() => checkRunEnvironment({ BIG: big }, origin, 'darwin')).not.toThrow();
  });

  it('refuses a whole environment over ARG_MAX (each entry under 128 KiB), naming the largest entries and the total, never a value', () => {
    const argMax = 2 * 1024 * 1024;
    const inherited = { PATH: '/usr/bin', HOME: '/home/u' };
    const env: Record<string, string> = {};
    for (let i = 0; i < 22; i++) env[`PART_${i}`] = `Secr3t${String(i)}`.padEnd(100_000 + i, 'v');
    let error: unknown;
    try {
      checkRunEnvironment(env, origin, 'linux', { inherited, argMax });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const e = error as UserError;
    expect(e.message).toMatch(/^the run's environment is 2200638 bytes in 24 entries; with 16384 bytes for a command's arguments that is over the 2097152 bytes Linux gives/);
    expect(e.message).toContain('the largest: "PART_21" (secret "PART_21") 100030 bytes, "PART_20" (secret "PART_20") 100029 bytes, "PART_19" (secret "PART_19") 100028 bytes; nothing was run');
    expect(e.diagnostics[0]?.path).toBe('envs[0]');
    expect(JSON.stringify({ m: e.message, f: e.fix, d: e.diagnostics })).not.toMatch(/Secr3t|vvvv/);
    // handoff's own environment counts too: the same run fits beside a small one, not beside a large one.
    const half: Record<string, string> = Object.fromEntries(Object.entries(env).slice(0, 11));
    expect(() => checkRunEnvironment(half, origin, 'linux', { inherited, argMax })).not.toThrow();
    const inheritedBig = { ...inherited, HUGE: 'x'.repeat(1_100_000) };
    expect(() => checkRunEnvironment(half, origin, 'linux', { inherited: inheritedBig, argMax })).toThrow(/"HUGE" \(handoff's own environment\) 1100006 bytes/);
    // Not known (another system): not checked here; the spawn reports it.
    expect(() => checkRunEnvironment(env, origin, 'darwin', { inherited, argMax: undefined })).not.toThrow();
    expect(ARGUMENTS_RESERVE_BYTES).toBe(16384);
  });

  it('takes ARG_MAX as the kernel computes it: getconf\'s quarter of the stack limit, within 128 KiB and 6 MiB', () => {
    const getconf = Number(execFileSync('getconf', ['ARG_MAX'], { encoding: 'utf8' }).trim());
    expect(argMaxOfThisProcess('linux')).toBe(Math.min(Math.max(getconf, 128 * 1024), 6 * 1024 * 1024));
    expect(argMaxOfThisProcess('darwin')).toBeUndefined();
  });
});
