// Escaping of {{ }} (as the original stored values) and the SSM tier limits, checked on the stored bytes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UserError } from '../../errors.js';
import { chooseParameterTier, escapeSecretValue, unescapeSecretValue } from './secret-values.js';

describe('escapeSecretValue / unescapeSecretValue', () => {
  it('stores {{ and }} as \\{\\{ and \\}\\}, as the original handoff did', () => {
    expect(escapeSecretValue('a {{ b }} c')).toBe('a \\{\\{ b \\}\\} c');
    expect(escapeSecretValue('no braces { } here')).toBe('no braces { } here');
    expect(unescapeSecretValue('a \\{\\{ b \\}\\} c')).toBe('a {{ b }} c');
  });

  it('round-trips any value that does not itself contain the escaped form', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        fc.pre(!value.includes('\\{\\{') && !value.includes('\\}\\}') && !value.includes('\\{') && !value.includes('\\}'));
        expect(unescapeSecretValue(escapeSecretValue(value))).toBe(value);
        expect(escapeSecretValue(value)).not.toMatch(/\{\{|\}\}/);
      }),
    );
  });
});

describe('chooseParameterTier', () => {
  it('is Standard up to 4096 bytes, Advanced up to 8192 when allowed, refused above', () => {
    expect(chooseParameterTier('k', 'a'.repeat(4096), false)).toEqual({ tier: 'Standard', bytes: 4096 });
    expect(() => chooseParameterTier('k', 'a'.repeat(4097), false)).toThrow(/needs the Advanced tier/);
    expect(chooseParameterTier('k', 'a'.repeat(4097), true)).toEqual({ tier: 'Advanced', bytes: 4097 });
    expect(chooseParameterTier('k', 'a'.repeat(8192), true)).toEqual({ tier: 'Advanced', bytes: 8192 });
    expect(() => chooseParameterTier('k', 'a'.repeat(8193), true)).toThrow(UserError);
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 2,049 two-byte characters are 4,098 bytes.
    expect(() => chooseParameterTier('k', 'é'.repeat(2049), false)).toThrow(/4098 bytes/);
  });

  it('never quotes the value in its message', () => {
    const value = `SECRET-${'q'.repeat(9000)}`;
    try {
      chooseParameterTier('k', value, true);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('SECRET-');
      expect((error as UserError).fix).not.toContain('SECRET-');
    }
  });
});
