// Tests of the "did you mean" suggestions for unknown keys.
import { describe, expect, it } from 'vitest';
import { measureEditDistance, suggestKey } from './check-written-form.js';

describe('suggestKey', () => {
  const taskKeys = ['name', 'description', 'active', 'commands', 'pipeline', 'tasks', 'timeout', 'retries'];

  it('suggests the closest key for typos, swaps and case', () => {
    expect(suggestKey('descriptoin', taskKeys)).toBe('description');
    expect(suggestKey('pipline', taskKeys)).toBe('pipeline');
    expect(suggestKey('Name', taskKeys)).toBe('name');
    expect(suggestKey('task', taskKeys)).toBe('tasks');
  });

  it('suggests nothing when no key is close', () => {
    expect(suggestKey('schedule_expression', taskKeys)).toBeUndefined();
    expect(suggestKey('x', taskKeys)).toBeUndefined();
  });

  it('counts a swap of neighbouring letters as one edit', () => {
    expect(measureEditDistance('ab', 'ba')).toBe(1);
    expect(measureEditDistance('kitten', 'sitting')).toBe(3);
    expect(measureEditDistance('', 'abc')).toBe(3);
  });
});
