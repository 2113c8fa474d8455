import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

describe('login throttle', () => {
  it('lets five failures through, then doubles the wait after each further one, up to the cap', () => {
    const throttle = new LoginThrottle({ freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 8000 });
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      expect(throttle.check('10.0.0.1', 'alice', now).allowed, `try ${i + 1}`).toBe(true);
      waits.push(throttle.fail('10.0.0.1', 'alice', now));
      now += waits.at(-1)!;
    }
    expect(waits).toEqual([0, 0, 0, 0, 1000, 2000, 4000, 8000, 8000]);
  });

  it('blocks by address (any name) and by name (any address) while waiting, and says for how long', () => {
    const throttle = new LoginThrottle({ freeFailures: 2, baseDelayMs: 10_000 });
    throttle.fail('10.0.0.1', 'alice', 0);
    throttle.fail('10.0.0.1', 'bob', 0);
    const byAddress = throttle.check('10.0.0.1', 'carol', 1000);
    expect(byAddress).toMatchObject({ allowed: false, retryAfterSeconds: 9, firstRefusal: true });
    expect(throttle.check('10.0.0.1', 'carol', 1000).firstRefusal).toBe(false);
    expect(throttle.check('10.0.0.2', 'carol', 1000).allowed).toBe(true);
    throttle.fail('10.0.0.3', 'dave', 0);
    throttle.fail('10.0.0.4', 'dave', 0);
    expect(throttle.check('10.0.0.5', 'DAVE', 5000).allowed).toBe(false);
    expect(throttle.check('10.0.0.5', 'dave', 10_000).allowed).toBe(true);
  });

  it('forgets a success\'s failures, and stays bounded under a flood of names', () => {
    const throttle = new LoginThrottle({ freeFailures: 1, maxKeys: 100 });
    throttle.fail('10.0.0.1', 'alice', 0);
    throttle.succeed('10.0.0.1', 'alice');
    expect(throttle.check('10.0.0.1', 'alice', 1).allowed).toBe(true);
    for (let i = 0; i < 10_000; i++) throttle.fail(`10.1.${i >> 8}.${i & 255}`, `name-${i}`, 0);
    expect((throttle as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(100);
  });
});
