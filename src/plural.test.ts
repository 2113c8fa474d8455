import { describe, expect, it } from 'vitest';
import { plural } from './plural.js';

describe('plural', () => {
  it('uses the singular for one and the plural otherwise', () => {
    expect(plural(1, 'artifact')).toBe('1 artifact');
    expect(plural(0, 'artifact')).toBe('0 artifacts');
    expect(plural(2, 'process', 'processes')).toBe('2 processes');
    expect(plural(1, 'process', 'processes')).toBe('1 process');
  });
});
