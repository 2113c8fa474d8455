// Tests that the fast reader reads every document it accepts exactly as the positional reader does, and hands over the rest.
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { UserError } from '../errors.js';
import { parseYamlSource } from './parse-yaml-source.js';
import { parseYamlWithPositions } from './read-positioned-yaml.js';
import { readPlainYaml } from './read-plain-yaml.js';

/** The property: what the fast reader accepts, the positional reader reads to the same data, with no warning. */
function expectSameReading(text: string): void {
  const plain = readPlainYaml(text);
  if (!plain) return;
  let positioned;
  try {
    positioned = parseYamlWithPositions(text, 'f.yml');
  } catch (error) {
    const detail = error instanceof UserError ? error.diagnostics.map((d) => d.message).join('; ') : String(error);
    throw new Error(`the fast reader accepted what the positional reader refuses (${detail}):\n${text}`);
  }
  expect(plain.data).toEqual(positioned.data);
  expect(positioned.warnings).toEqual([]);
  // Every number's written text, when the fast reader claims to know it, is the one the positional reader finds.
  const visit = (value: unknown, at: Array<string | number>): void => {
    if (typeof value === 'number') {
      const written = plain.writtenAs(value);
      if (written !== undefined) expect(written).toBe(positioned.sourceText(at));
    } else if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...at, i]));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, [...at, k]);
  };
  visit(plain.data, []);
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
  'k'.repeat(1030), '"\\x41\\u00e9"', 'b\u2028c', '[\n  a]', '{\n  a: 1}',
];

describe('readPlainYaml', () => {
  it('reads plain documents, with the scalars PyYAML read', () => {
    const plain = readPlainYaml('version: 0.3\nvars:\n  - key: a\n    value: 0755\n  - key: b\n    value: yes\n  - key: c\n    value: "08"\n');
    expect(plain?.data).toEqual({ version: 0.3, vars: [{ key: 'a', value: 493 }, { key: 'b', value: true }, { key: 'c', value: '08' }] });
    expect(plain?.writtenAs(493)).toBe('0755');
    expect(plain?.writtenAs(0.3)).toBe('0.3');
  });

  it('does not claim the text of a number written in two ways', () => {
    const plain = readPlainYaml('a: 0.3\nb: 0.30\nc: 1\n');
    expect(plain?.writtenAs(0.3)).toBeUndefined();
    expect(plain?.writtenAs(1)).toBe('1');
  });

  it('hands over every document the two readers could read differently, or that needs a located error', () => {
    const handedOver = [
      'a: &x 1\nb: *x\n', // anchors and aliases
      'a: !!int 1\n', // any explicit tag
      'a: !custom 1\n',
      'a: ! 1\n', // the non-specific tag
      'base: {a: 1}\nt:\n  <<: {b: 2}\n', // merge keys
      '? [a, b]\n: c\n', // a list as a key
      '[a]: 1\n',
      '? {a: 1}\n: c\n',
      '~: x\n', // a null key
      'null: x\n',
      '__proto__: x\n',
      '%YAML 1.1\n---\na: 1\n', // directives
      'a: 1\na: 2\n', // duplicate keys: the positional reader says where
      'a: [1\n', // syntax errors
      'a: 0x_\n', // a scalar that cannot be read
      '', // empty and scalar documents
      'just text\n',
      'a: [b: 1]\n', // a pair in a flow list makes a mapping of its own
      `v: ${'['.repeat(150)}${']'.repeat(150)}\n`, // deeper than js-yaml goes
    ];
    for (const text of handedOver) expect([text, readPlainYaml(text)]).toEqual([text, undefined]);
  });

  it('reads alike, or hands over, each difference an outside review found (js-yaml accepts, YAML refuses, or they differ)', () => {
    const found = [
      // A comment right after a quote, bracket or comma.
      'a: "b"#c\n', "a: 'b'#c\n", '- "x"#c\n', '[#c\n a]\n', '[a,#c\n b]\n', '{a: 1,#c\n b: 2}\n', '{#\n  }\n',
      // Flow collections over several lines.
      'a: [\nb]\n', '- [b,\nc]\n', 'a: {\n"b": 1\n}\n', 'tasks:\n- name: t\n  commands: [\n    {command: ls},\n]\n', 'tasks:\n  - name: x\n    commands: [a,\n    b]\n',
      // A carriage return alone is a line break.
      'a: 1\rb: 2\r', '- a\r- b\r', 'a: "x\ry"\n', 'a: x\r  y\r', 'a: "x"\r', 'a: 1 # c\rb: 2\n',
      // Text after a document marker on its line.
      '---a: 1\n', '---[a]\n', '----\n', '---{a: 1}\n', '---"a": 1\n', '--- a: 1\n', '--- - a\n', '---#c\na: 1\n',
      // Implicit keys over 1,024 characters.
      `${'k'.repeat(1100)}: v\n`, `"${'k'.repeat(1100)}": v\n`, `${'😀'.repeat(600)}: v\n`, `a:\n  ${'k'.repeat(1100)}: v\n`,
      // \U escapes beyond Unicode, verbatim tags, byte order marks, block scalars that start with lines of spaces.
      'a: "\\U00110000"\n', 'a: "\\UFFFFFFFF"\n', 'a: !<?> 1\n', 'a: !<?> "1"\n', 'a: !<tag:handoff.dev,2026:plain-scalar> yes\n',
      '\ufeff- a\n', '# c\n\ufeffa: 1\n', '\n\ufeff: .inf\n', 'a: >\n   \n # c\n', 'a: |\n   \n # c\n', 'a: >+\r\n   \r\n # c\r\n',
      // A second review: `---` followed by a line or paragraph separator, and a file that ends in spaces after a `|+`.
      '---\u2028a: 1\n', '---\u2029a: 1\n', '---\u2028"a": 1\n', 'a: |+\n  x\n  ', 'a: >+\n  x\n  ', '- a: >+\n ', 'a: |+\n\n  ', 'a: |+\r\n  x\r\n  ',
    ];
    for (const text of found) expectSameReading(text);
  });

  it('hands over a document with a line over 1,024 characters, wherever the line is, and reads one of 1,024', () => {
    const line = (n: number) => `k: ${'v'.repeat(n - 3)}`;
    for (const text of [`${line(1025)}\n`, line(1025), `a: 1\n${line(1025)}\nb: 2\n`, `a: 1\r\n${line(1024)}\r\n`, `a: 1\n${line(2000)}`]) {
      expect(readPlainYaml(text)).toBeUndefined();
    }
    for (const text of [`${line(1024)}\n`, line(1024), `a: 1\n${line(1024)}\nb: 2\n`, `a: 1\r\n${line(1023)}\r\n`]) {
      expect(readPlainYaml(text)?.data).toBeDefined();
    }
  });

  it('gives parseYamlSource the same data, positions and texts as the positional reader', () => {
    const text = 'tasks:\n- name: a\n  timeout: 0.50\n  pipeline:\n  - command: cat\n';
    const fast = parseYamlSource(text, 'f.yml', parseYamlWithPositions);
    const slow = parseYamlWithPositions(text, 'f.yml');
    expect(fast.data).toEqual(slow.data);
    expect(fast.locate(['tasks', 0, 'pipeline', 0, 'command'])).toEqual(slow.locate(['tasks', 0, 'pipeline', 0, 'command']));
    expect(fast.locate(['tasks', 0, 'pipeline'], 'key')).toEqual({ file: 'f.yml', line: 4, col: 3 });
    expect(fast.sourceText(['tasks', 0, 'timeout'])).toBe('0.50');
    expect(fast.sourceText(['tasks', 0, 'name'])).toBe('a');
  });

  it('reads every example project and fixture as the positional reader does', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const files = ['examples', 'test/fixtures'].flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
        .map((f) => path.join(root, dir, f)),
    );
    expect(files.length).toBeGreaterThan(10);
    let readFast = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (readPlainYaml(text)) readFast++;
      expectSameReading(text);
    }
    // Most real projects are plain documents; if none were, the fast reader would be doing nothing.
    expect(readFast).toBeGreaterThan(files.length / 2);
  });

  it('accepts nothing the positional reader reads differently (generated documents)', () => {
    const scalar = fc.constantFrom(...trickyScalars);
    const key = fc.oneof(fc.constantFrom('a', 'b', 'tasks', 'name', '"k"', "'q'", 'yes', '1', '1.0', '0x10', '~', '<<', '__proto__', 'a b', '[x]', '{y: 1}'), fc.string({ maxLength: 4 }));
    const indent = fc.constantFrom('', '  ', '    ', '\t', ' ');
    const line = fc.oneof(
      fc.tuple(indent, key, scalar).map(([i, k, v]) => `${i}${k}: ${v}`),
      fc.tuple(indent, scalar).map(([i, v]) => `${i}- ${v}`),
      fc.tuple(indent, key).map(([i, k]) => `${i}${k}:`),
      fc.tuple(indent, scalar).map(([i, v]) => `${i}${v}`),
      fc.tuple(indent, key, scalar).map(([i, k, v]) => `${i}- ${k}: ${v}`),
    );
    const newline = fc.constantFrom('\n', '\r\n');
    fc.assert(fc.property(fc.array(line, { maxLength: 8 }), newline, (lines, nl) => expectSameReading(`${lines.join(nl)}${nl}`)), { numRuns: 20000 });
  });

  it('accepts nothing the positional reader reads differently (generated block documents of raw scalars)', () => {
    // Well-formed block structure around scalars written raw (unquoted, unescaped), so most documents get past both
    // readers and reach scalar resolution, keys, comments and block scalars.
    type Tree = string | { map: Array<[string, Tree]> } | { seq: Tree[] };
    const scalar = fc.oneof(fc.constantFrom(...trickyScalars), fc.string({ maxLength: 6 }), fc.string({ maxLength: 4, unit: 'binary' }));
    const key = fc.oneof(fc.constantFrom('a', 'b', 'name', 'yes', '1', '1.0', '0x10', '"q"', 'a b', 'k #c'), fc.string({ maxLength: 4 }));
    const tree = fc.letrec<{ node: Tree }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        scalar,
        fc.array(fc.tuple(key, tie('node')), { minLength: 1, maxLength: 4 }).map((map) => ({ map })),
        fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((seq) => ({ seq })),
      ),
    })).node;
    const render = (node: Tree, indent: string): string => {
      if (typeof node === 'string') return ` ${node}\n`;
      const inner = `${indent}  `;
      if ('seq' in node) return `\n${node.seq.map((item) => `${inner}-${render(item, `${inner}  `)}`).join('')}`;
      return `\n${node.map.map(([k, v]) => `${inner}${k}:${render(v, inner)}`).join('')}`;
    };
    let accepted = 0;
    fc.assert(
      fc.property(tree, fc.boolean(), (node, crlf) => {
        const lf = `root:${render(node, '')}`;
        const text = crlf ? lf.replace(/\n/g, '\r\n') : lf;
        if (readPlainYaml(text)) accepted++;
        expectSameReading(text);
      }),
      { numRuns: 20000 },
    );
    // The property means something only if the fast reader accepts a good share of the documents.
    expect(accepted).toBeGreaterThan(300);
  });

  it('accepts nothing the positional reader reads differently (generated data written as YAML)', () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(...trickyScalars), fc.bigInt());
    const data = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 })),
    }));
    const style = fc.record({ version: fc.constantFrom('1.1', '1.2') as fc.Arbitrary<'1.1' | '1.2'>, flow: fc.boolean(), plain: fc.boolean() });
    fc.assert(
      fc.property(data.value, style, (value, s) => {
        const text = stringify({ root: value }, { version: s.version, collectionStyle: s.flow ? 'flow' : 'any', defaultStringType: s.plain ? 'PLAIN' : 'QUOTE_DOUBLE', directives: false });
        expectSameReading(text);
      }),
      { numRuns: 10000 },
    );
  });
});
