// Tests that the line reader gives exactly what the js-yaml fast reader gives for what it takes, and hands over the rest.
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateLargeProject } from '../../bench/src/benchmarks/generate-large-project.js';
import { parseYamlSource } from './parse-yaml-source.js';
import { parseYamlWithPositions } from './read-positioned-yaml.js';
import { readPlainYaml } from './read-plain-yaml.js';
import { readSimpleYaml } from './read-simple-yaml.js';

/** The same values, keys in the same order, NaN equal to NaN, -0 apart from 0. */
function expectSameValue(a: unknown, b: unknown, at: string): void {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    if (!Object.is(a, b)) throw new Error(`${at}: ${String(a)} (line reader) against ${String(b)} (js-yaml)`);
    return;
  }
  expect(Array.isArray(a), at).toBe(Array.isArray(b));
  expect(Object.getPrototypeOf(a), at).toBe(Object.getPrototypeOf(b));
  expect(Object.keys(a), at).toEqual(Object.keys(b));
  for (const key of Object.keys(a)) expectSameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
}

/** The property: what the line reader takes, the fast reader takes too, to the same data and numbers' texts. */
function expectSameReading(text: string): boolean {
  const simple = readSimpleYaml(text);
  if (!simple) return false;
  const plain = readPlainYaml(text);
  if (!plain) throw new Error(`the line reader took what the fast reader hands over:\n${text}`);
  expectSameValue(simple.data, plain.data, 'data');
  const visit = (value: unknown): void => {
    if (typeof value === 'number') expect([value, simple.writtenAs(value)]).toEqual([value, plain.writtenAs(value)]);
    else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) visit(v);
  };
  visit(plain.data);
  return true;
}

const trickyScalars = [
  'yes', 'No', 'on', 'OFF', 'y', 'n', '0755', '007', '08', '0_', '0x_', '0b101', '0x1F', '1_000', '12:30', '1:30.5',
  '0.3', '0.30', '.5', '-.5', '1e3', '1.5e+3', '.inf', '-.Inf', '.NaN', '~', 'null', 'Null', '', '2021-01-01',
  '1234567890123456789', '-0', '+12', '"yes"', "'0755'", '"a\\tb"', '"\\u00e9"', '"a\\/b"', "'it''s'", 'a b', 'a: b',
  'a #c', '#c', '"x" y', '[a, b]', '{a: 1}', '[a: 1]', '&x 1', '*x', '!!str 1', '!!int 1', '! 1', '!t 1', '<<', '|',
  '>-', '|2', '- a', '? a', '%YAML 1.1', '---', '...', '"\\x41"', '@a', '`a`', ':', '-', '?', ',', '{{ x }}', '"{{ x }}:{{ y }}"',
  'a:b', '-1', '- -', '{a: [b, {c: d}]}', '[a, [b]]', '"a" # c', "'a'b", '"\\N"', 'é', '日本', '"\\"', '[]', '{}', '[a,]',
  '{a, b}', '{a: }', '"a\\', '|+', '>2-', 'x # y # z', '- [a]', '- {a: 1}', 'a\u00a0b', '\ufeffa', '"\\L"',
  '"b"#c', "'b'#c", '[a,#c', '!<?> 1', '"\\U00110000"', '"\\U0001F600"', 'a\rb', '--- x', '---x', '...', '>\n   \n',
  'k'.repeat(1030), '"\\x41\\u00e9"', 'b\u2028c', '[\n  a]', '{\n  a: 1}', '-v "{{ x }}"', 'a:b c', ':x', '?x', '-x',
  '[1, 0x10, "a", \'b\']', '[ a , b ]', '[a b, -1]', '["a\\"b", \'c\'\'d\']', '"a\\\\b"', '"a\\nb"', 'a "b: c"', "'a: b'",
  '"a" #c', '[] #c', '[a]b', 'a  #c', 'x y z   ', '"', "'", '[a', '"\\t"', '1:2:3', '0o7', '+.inf', '-0.0',
];

describe('readSimpleYaml', () => {
  it('reads a project as the fast reader does, numbers\' texts included', () => {
    const text = 'version: 0.3\nvars:\n  - key: a\n    value: 0755\n  - key: b\n    value: yes\n  - key: c\n    value: "08"\ntasks:\n- name: t\n  commands: []\n';
    const simple = readSimpleYaml(text);
    expect(simple?.data).toEqual({
      version: 0.3,
      vars: [{ key: 'a', value: 493 }, { key: 'b', value: true }, { key: 'c', value: '08' }],
      tasks: [{ name: 't', commands: [] }],
    });
    expect(simple?.writtenAs(493)).toBe('0755');
    expect(expectSameReading(text)).toBe(true);
  });

  it('hands over anchors, tags, merge keys, block scalars, quoted and typed keys, multi-line scalars, odd indentation', () => {
    const handedOver = [
      'a: &x 1\nb: *x\n', 'a: !!int 1\n', 'a: ! 1\n', 'base: {a: 1}\nt:\n  <<: {b: 2}\n', '<<: x\n', '__proto__: x\n',
      '~: x\n', 'null: x\n', '1: x\n', 'yes: x\n', '"a": 1\n', "'a': 1\n", '? a\n: b\n', '%YAML 1.1\n---\na: 1\n',
      '---\na: 1\n', 'a: 1\n...\n', 'a: |\n  x\n', 'a: >-\n  x\n', 'a: b\n  c\n', 'a: "b\n  c"\n', 'a:\n  b: 1\n c: 2\n',
      'a:\n    b: 1\n  c: 2\n', 'a: 1\na: 2\n', 'a: 0x_\n', '', 'just text\n', '- [a]\n', 'a:\n- []\n', 'a: [b: 1]\n', 'a: {b: 1}\n',
      'a: [[b]]\n', 'a: b: c\n', 'a: 1\r\n', 'a:\tb\n', 'a: "\\x41"\n', '- - a\n', 'a:\n- b\n  c\n', 'a: -\n',
      '  a: 1\n', 'a: 1\n- b\n', 'a: "b" c\n', 'a: [b, ]\n', 'a: [b\n',
      `a: ${'['.repeat(100)}${']'.repeat(100)}\n`,
      `a:\n${Array.from({ length: 80 }, (_, i) => `${'  '.repeat(i + 1)}k:`).join('\n')} v\n`,
    ];
    for (const text of handedOver) expect([text, readSimpleYaml(text)]).toEqual([text, undefined]);
  });

  it('gives parseYamlSource the same data, positions and texts as the positional reader', () => {
    const text = 'tasks:\n- name: a\n  timeout: 0.50\n  pipeline:\n  - command: cat\n';
    expect(readSimpleYaml(text)).toBeDefined();
    const fast = parseYamlSource(text, 'f.yml', parseYamlWithPositions);
    const slow = parseYamlWithPositions(text, 'f.yml');
    expect(fast.data).toEqual(slow.data);
    expect(fast.locate(['tasks', 0, 'pipeline', 0, 'command'])).toEqual(slow.locate(['tasks', 0, 'pipeline', 0, 'command']));
    expect(fast.sourceText(['tasks', 0, 'timeout'])).toBe('0.50');
  });

  it('reads every example project, fixture and the benchmark\'s projects as the fast reader does', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const files = ['examples', 'test'].flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => (f.endsWith('.yml') || f.endsWith('.yaml')) && !f.includes('node_modules'))
        .map((f) => readFileSync(path.join(root, dir, f), 'utf8')),
    );
    expect(files.length).toBeGreaterThan(10);
    let taken = 0;
    for (const text of files) if (expectSameReading(text)) taken++;
    // Most real projects are what the line reader is for; if none were taken, it would be doing nothing.
    expect(taken).toBeGreaterThan(files.length / 2);
    for (const count of [1, 5, 500]) expect(expectSameReading(generateLargeProject(count))).toBe(true);
  });

  it('takes nothing the fast reader reads differently (generated lines)', () => {
    const scalar = fc.constantFrom(...trickyScalars);
    const key = fc.oneof(fc.constantFrom('a', 'b', 'tasks', 'name', '"k"', "'q'", 'yes', '1', '1.0', '0x10', '~', '<<', '__proto__', 'a b', '[x]', '{y: 1}', 'a#b', 'a #b', '-a', 'a:b'), fc.string({ maxLength: 4 }));
    const indent = fc.constantFrom('', '  ', '    ', '\t', ' ');
    const line = fc.oneof(
      fc.tuple(indent, key, scalar).map(([i, k, v]) => `${i}${k}: ${v}`),
      fc.tuple(indent, scalar).map(([i, v]) => `${i}- ${v}`),
      fc.tuple(indent, key).map(([i, k]) => `${i}${k}:`),
      fc.tuple(indent, scalar).map(([i, v]) => `${i}${v}`),
      fc.tuple(indent, key, scalar).map(([i, k, v]) => `${i}- ${k}: ${v}`),
      fc.tuple(indent, scalar).map(([i, v]) => `${i}# ${v}`),
    );
    const newline = fc.constantFrom('\n', '\r\n');
    fc.assert(fc.property(fc.array(line, { maxLength: 8 }), newline, (lines, nl) => void expectSameReading(`${lines.join(nl)}${nl}`)), { numRuns: 30000 });
  });

  it('takes nothing the fast reader reads differently (generated block documents of raw scalars)', () => {
    type Tree = string | { map: Array<[string, Tree]> } | { seq: Tree[] };
    const scalar = fc.oneof(fc.constantFrom(...trickyScalars), fc.string({ maxLength: 6 }), fc.string({ maxLength: 4, unit: 'binary' }));
    const key = fc.oneof(fc.constantFrom('a', 'b', 'name', 'yes', '1', '1.0', '0x10', '"q"', 'a b', 'k #c', 'x"y', "x'y"), fc.string({ maxLength: 4 }));
    const tree = fc.letrec<{ node: Tree }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        scalar,
        fc.array(fc.tuple(key, tie('node')), { minLength: 1, maxLength: 4 }).map((map) => ({ map })),
        fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((seq) => ({ seq })),
      ),
    })).node;
    // Sequences under a key are written indented or at the key's column (both are common in project.yml files).
    const render = (node: Tree, indent: string, compact: boolean): string => {
      if (typeof node === 'string') return ` ${node}\n`;
      const inner = `${indent}  `;
      if ('seq' in node) {
        const at = compact ? indent : inner;
        return `\n${node.seq.map((item) => `${at}-${render(item, `${at}  `, compact)}`).join('')}`;
      }
      return `\n${node.map.map(([k, v]) => `${inner}${k}:${render(v, inner, compact)}`).join('')}`;
    };
    let taken = 0;
    fc.assert(
      fc.property(tree, fc.boolean(), (node, compact) => {
        if (expectSameReading(`root:${render(node, '', compact)}`)) taken++;
      }),
      { numRuns: 30000 },
    );
    expect(taken).toBeGreaterThan(1000);
  });

  it('takes nothing the fast reader reads differently (generated data written as YAML)', () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(...trickyScalars), fc.bigInt());
    const data = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 })),
    }));
    const style = fc.record({ version: fc.constantFrom('1.1', '1.2') as fc.Arbitrary<'1.1' | '1.2'>, flow: fc.boolean(), plain: fc.boolean(), seqIndent: fc.boolean() });
    fc.assert(
      fc.property(data.value, style, (value, s) => {
        const text = stringify({ root: value }, { version: s.version, collectionStyle: s.flow ? 'flow' : 'any', defaultStringType: s.plain ? 'PLAIN' : 'QUOTE_DOUBLE', directives: false, indentSeq: s.seqIndent });
        expectSameReading(text);
      }),
      { numRuns: 15000 },
    );
  });
});
