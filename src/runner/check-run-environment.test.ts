// The run's environment is refused before anything starts when the kernel would refuse it, naming keys, never values.
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { checkRunEnvironment, MAX_ENV_ENTRY_BYTES } from './check-run-environment.js';

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
});
