import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareVersionTags, findHighestVersion, findNextVersion, isVersionTag } from './image-version.js';

describe('image versions', () => {
  it('starts at 0.1 when there is no version tag', () => {
    expect(findNextVersion([])).toBe('0.1');
    expect(findNextVersion(['latest', 'dev'])).toBe('0.1');
  });

  it('counts past 9 numerically, not as text', () => {
    expect(findNextVersion(['0.9', '0.1', 'latest'])).toBe('0.10');
    expect(findNextVersion(['0.10', '0.9'])).toBe('0.11');
    expect(findNextVersion(['1.2.3', '1.2.10'])).toBe('1.2.11');
    expect(findNextVersion(['2'])).toBe('3');
  });

  it('finds the highest tag and ignores non-versions', () => {
    expect(findHighestVersion(['0.2', '0.10', '0.9', 'latest', 'v1.0'])).toBe('0.10');
    expect(findHighestVersion(['latest'])).toBeUndefined();
    expect(isVersionTag('1.0')).toBe(true);
    expect(isVersionTag('1.')).toBe(false);
    expect(isVersionTag('v1')).toBe(false);
  });

  it('the next version is higher than every existing one', () => {
    const tag = fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 4 }).map((p) => p.join('.'));
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 12 }), (tags) => {
        const next = findNextVersion(tags);
        return isVersionTag(next) && tags.every((t) => compareVersionTags(next, t) > 0);
      }),
    );
  });
});
