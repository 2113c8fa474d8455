// Tests that the tasks parseTasksFast takes, zod takes too, to the same output; and that checkSchema is zod's either way.
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { stringify } from 'yaml';
import { generateLargeProject } from '../../bench/src/benchmarks/generate-large-project.js';
import { isUserError } from '../errors.js';
import { checkSchema, checkSchemaWith } from './check-schema.js';
import { parseYamlSource } from './parse-yaml-source.js';
import { parseTasksFast } from './parse-tasks-fast.js';
import { parseYamlWithPositions } from './read-positioned-yaml.js';
import { projectSchema, taskSchema } from './schema.js';
import { MAX_TIMEOUT_SECONDS } from './timeout-limit.js';

const taskList = z.array(taskSchema);

/** The same values, keys in the same order, NaN equal to NaN, -0 apart from 0. */
function expectSameValue(a: unknown, b: unknown, at: string): void {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    if (!Object.is(a, b)) throw new Error(`${at}: ${String(a)} (fast) against ${String(b)} (zod)`);
    return;
  }
  expect(Array.isArray(a), at).toBe(Array.isArray(b));
  expect(Object.keys(a), at).toEqual(Object.keys(b));
  for (const key of Object.keys(a)) expectSameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
}

/** The property: what the fast path takes, zod takes, to the same output. True when the fast path took it. */
function expectSameTasks(tasks: unknown): boolean {
  const fast = parseTasksFast(tasks);
  if (fast === undefined) return false;
  const zod = taskList.safeParse(tasks);
  if (!zod.success) throw new Error(`the fast path took tasks zod refuses: ${JSON.stringify(tasks)}\n${zod.error.message}`);
  expectSameValue(fast, zod.data, 'tasks');
  return true;
}

/** checkSchema (fast path first) gives exactly what zod's parse of the whole document gives, value and diagnostics. */
function expectSameCheck(text: string): boolean {
  const source = parseYamlSource(text, 'project.yml', parseYamlWithPositions);
  const check = checkSchema(source);
  const zod = checkSchemaWith(projectSchema, source);
  expect(check.diagnostics).toEqual(zod.diagnostics);
  expect(check.value === undefined).toBe(zod.value === undefined);
  if (check.value !== undefined) expectSameValue(check.value, zod.value, 'project');
  const data = source.data as Record<string, unknown> | null;
  return data !== null && typeof data === 'object' && parseTasksFast(data.tasks) !== undefined;
}

const values = [
  'x', '', 'yes', 'echo "{{ _line }}"', 0, -1, 1, 2, 1.5, -0, 0.001, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), NaN, Infinity, -Infinity,
  MAX_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS + 1, MAX_TIMEOUT_SECONDS + 0.5, true, false, null, [], {}, ['a'], { a: 1 },
];
const anyValue = fc.constantFrom(...values);
const text = fc.oneof({ weight: 10, arbitrary: fc.constantFrom('a', 'cat', 'x y', '{{ v }}') }, { weight: 2, arbitrary: fc.constantFrom(1, 0.3, 7) }, { weight: 1, arbitrary: anyValue });
const bool = fc.oneof({ weight: 10, arbitrary: fc.boolean() }, { weight: 1, arbitrary: anyValue });
const count = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(0, 1, 2, 600) }, { weight: 1, arbitrary: anyValue });

/**
 * A mapping of `required` and some of `optional`, keys in a generated order, now and then with a key no schema knows.
 */
function mappingOf(required: Record<string, fc.Arbitrary<unknown>>, optional: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.record(required), fc.record(optional, { requiredKeys: [] }), fc.nat({ max: 11 }), fc.nat(), fc.boolean())
    .map(([given, more, unknown, turn, reverse]) => {
      const record: Record<string, unknown> = { ...given, ...more, ...(unknown === 0 ? { unknown_key: 'x' } : {}) };
      const keys = Object.keys(record);
      const turned = keys.map((_, i) => keys[(i + turn) % keys.length]!);
      const out: Record<string, unknown> = {};
      for (const key of reverse ? turned.reverse() : turned) out[key] = record[key];
      return out;
    });
}

const arbitraries = fc.letrec<{ task: Record<string, unknown>; tasks: unknown; element: unknown; command: Record<string, unknown> }>((tie) => ({
  command: mappingOf({ command: text }, { args: text, venv: text, active: bool, timeout: count, nulldev: anyValue }),
  element: fc.oneof(
    { depthSize: 'small' },
    { weight: 4, arbitrary: tie('command') },
    mappingOf({ foreach: tie('tasks') }, { parallel: count, active: bool, nulldev: anyValue, fork: tie('tasks') }),
    mappingOf({ fork: tie('tasks') }, { active: bool, nulldev: anyValue, command: text }),
    mappingOf({ active: fc.constantFrom(false, true) }, { description: text, nulldev: anyValue }),
    anyValue,
  ),
  tasks: fc.oneof({ depthSize: 'small' }, { weight: 6, arbitrary: fc.array(tie('task'), { maxLength: 3 }) }, anyValue),
  task: mappingOf({ name: text }, {
    description: text,
    active: bool,
    kill_downstream_on_fail: bool,
    kill_loop_on_fail: bool,
    timeout: count,
    retries: count,
    stdout: anyValue,
    commands: fc.oneof({ weight: 4, arbitrary: fc.array(tie('command'), { maxLength: 3 }) }, anyValue),
    pipeline: fc.oneof({ weight: 4, arbitrary: fc.array(tie('element'), { maxLength: 3 }) }, anyValue),
    tasks: tie('tasks'),
  }),
}));

describe('parseTasksFast', () => {
  it('gives zod\'s output for the examples, the fixtures and the benchmark\'s projects, and checkSchema zod\'s result', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const files = ['examples', 'test'].flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => (f.endsWith('.yml') || f.endsWith('.yaml')) && !f.includes('node_modules'))
        .map((f) => readFileSync(path.join(root, dir, f), 'utf8')),
    );
    let taken = 0;
    for (const text of [...files, ...[1, 5, 500].map((n) => generateLargeProject(n))]) {
      let fast: boolean;
      try {
        fast = expectSameCheck(text);
      } catch (error) {
        if (isUserError(error)) continue; // not YAML the readers take
        throw error;
      }
      if (fast) taken++;
    }
    // The projects of the examples and the benchmark are what the fast path is for: it must take them.
    expect(taken).toBeGreaterThan(10);
    for (const count of [1, 5, 500]) {
      const source = parseYamlSource(generateLargeProject(count), 'project.yml', parseYamlWithPositions);
      expect(expectSameTasks((source.data as { tasks: unknown }).tasks)).toBe(true);
    }
  });

  it('takes nothing zod refuses or reads differently (generated task trees, valid and broken)', () => {
    let taken = 0;
    fc.assert(
      fc.property(arbitraries.tasks, (tasks) => {
        if (expectSameTasks(tasks)) taken++;
      }),
      { numRuns: 1500 },
    );
    // Without valid trees among the generated ones, the property would hold of a fast path that takes nothing.
    expect(taken).toBeGreaterThan(100);
  });

  it('leaves checkSchema\'s diagnostics and value zod\'s (generated documents written as YAML)', () => {
    const top = mappingOf({ tasks: arbitraries.tasks }, {
      version: text,
      vars: fc.oneof(fc.constant([{ key: 'a', value: 1 }]), anyValue),
      envs: fc.oneof(fc.constant([{ key: 'A', value: 'x' }]), fc.constant([{ key: 'A' }]), anyValue),
      kill_downstream_on_fail: bool,
      deploy: fc.oneof(fc.constant({ cloud_provider: 'aws' }), fc.constant({ cloud_provider: 'azur' }), anyValue),
    });
    let taken = 0;
    fc.assert(
      fc.property(top, (doc) => {
        if (expectSameCheck(stringify(doc))) taken++;
      }),
      { numRuns: 200 },
    );
    expect(taken).toBeGreaterThan(10);
  });
});
