// Tests that YAML is read as PyYAML read it (YAML 1.1) and that positions and limits hold.
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { MAX_NESTING_DEPTH, parseYamlSource } from './parse-yaml-source.js';
import { parseYamlWithPositions } from './read-positioned-yaml.js';

function read(value: string): unknown {
  return (parseYamlSource(`v: ${value}\n`, 'f.yml', parseYamlWithPositions).data as { v: unknown }).v;
}

describe('parseYamlSource', () => {
  it('reads CR-only line ends as PyYAML does: values, block scalars, and lines counted right', () => {
    const text = 'tasks:\r- name: a\r  commands:\r  - command: |\r      echo one\r      echo two\r    args: "x\r      y"\r';
    expect(parseYamlSource(text, 'f.yml', parseYamlWithPositions).data).toEqual({ tasks: [{ name: 'a', commands: [{ command: 'echo one\necho two\n', args: 'x y' }] }] });
    // PyYAML: "while parsing a flow node ... line 4, column 1"
    let error: unknown;
    try {
      parseYamlSource('a: 1\r\rb: [\r', 'f.yml', parseYamlWithPositions);
    } catch (e) {
      error = e;
    }
    expect((error as UserError).diagnostics.map((d) => d.location?.line)).toEqual([4]);
  });

  it('reads scalars as PyYAML does (YAML 1.1)', () => {
    const cases: Array<[string, unknown]> = [
      ['yes', true],
      ['No', false],
      ['on', true],
      ['OFF', false],
      ['y', 'y'],
      ['n', 'n'],
      ['0755', 493],
      ['007', 7],
      ['08', '08'],
      ['0x1F', 31],
      ['0b101', 5],
      ['1_000', 1000],
      ['12:30', 750],
      ['0.3', 0.3],
      ['1.5e+3', 1500],
      ['1e3', '1e3'],
      ['.5', 0.5],
      ['-.5', '-.5'],
      ['.inf', Infinity],
      ['~', null],
      ['2021-01-01', '2021-01-01'],
      ['"yes"', 'yes'],
      // Python's ints are exact at any size: beyond JavaScript's safe integers, the digits Python's str() prints.
      ['1234567890123456789', '1234567890123456789'],
      ['-9007199254740993', '-9007199254740993'],
      ['9007199254740991', 9007199254740991],
      ['0x7FFFFFFFFFFFFFFF', '9223372036854775807'],
      ['1_000_000_000_000_000_000', '1000000000000000000'],
      ['-0', 0],
      // PyYAML: underscores go first, so `0_` is 0.
      ['0_', 0],
    ];
    for (const [written, expected] of cases) expect([written, read(written)]).toEqual([written, expected]);
  });

  it('locates keys and values by key path, 1-based', () => {
    const source = parseYamlSource('tasks:\n- name: a\n  pipeline:\n  - command: cat\n', 'f.yml', parseYamlWithPositions);
    expect(source.locate(['tasks', 0, 'pipeline', 0, 'command'])).toEqual({ file: 'f.yml', line: 4, col: 14 });
    expect(source.locate(['tasks', 0, 'pipeline'], 'key')).toEqual({ file: 'f.yml', line: 3, col: 3 });
    // A path that does not exist points at the nearest enclosing node.
    expect(source.locate(['tasks', 0, 'missing'])).toEqual({ file: 'f.yml', line: 2, col: 3 });
    expect(source.sourceText(['tasks', 0, 'name'])).toBe('a');
  });

  it('reads merge keys and aliases', () => {
    const source = parseYamlSource('base: &b {active: false}\ntask:\n  <<: *b\n  name: x\n', 'f.yml', parseYamlWithPositions);
    expect(source.data).toEqual({ base: { active: false }, task: { active: false, name: 'x' } });
  });

  it('refuses a duplicate key with its position', () => {
    try {
      parseYamlSource('a: 1\na: 2\n', 'f.yml', parseYamlWithPositions);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).diagnostics[0]).toMatchObject({ location: { line: 2, col: 1 }, hint: expect.stringContaining('once') });
    }
  });

  it('refuses a number with no digits after its prefix, at its position', () => {
    expect(() => parseYamlSource('a: 1\nb: 0x_\n', 'f.yml', parseYamlWithPositions)).toThrow(UserError);
    try {
      parseYamlSource('a: 1\nb: 0x_\n', 'f.yml', parseYamlWithPositions);
    } catch (e) {
      expect((e as UserError).diagnostics[0]).toMatchObject({ message: expect.stringContaining('0x_ has no digits'), location: { line: 2, col: 4 } });
    }
  });

  it('refuses an alias to nothing and a key that is a list', () => {
    expect(() => parseYamlSource('a: *nothing\n', 'f.yml', parseYamlWithPositions)).toThrow(/no anchor/);
    expect(() => parseYamlSource('? [a, b]\n: c\n', 'f.yml', parseYamlWithPositions)).toThrow(/key/);
  });

  it('accepts nesting up to the limit and refuses beyond it', () => {
    const nested = (depth: number) => `${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`;
    expect(() => parseYamlSource(`v: ${nested(MAX_NESTING_DEPTH - 1)}\n`, 'f.yml', parseYamlWithPositions)).not.toThrow();
    expect(() => parseYamlSource(`v: ${nested(MAX_NESTING_DEPTH + 1)}\n`, 'f.yml', parseYamlWithPositions)).toThrow(/nesting deeper than 200/);
  });

  it('refuses an unknown tag at its position, as every PyYAML loader did; keeps a !!python/ tag (the original\'s FullLoader read several) as a warning', () => {
    const refusal = (text: string) => {
      try {
        parseYamlSource(text, 'f.yml', parseYamlWithPositions);
      } catch (e) {
        return e as UserError;
      }
      throw new Error('expected a refusal');
    };
    for (const text of ['a: !custom x\n', 'a: !<tag:x.com,2000:a> b\n']) {
      expect(refusal(text).diagnostics[0]).toMatchObject({ severity: 'error', location: { line: 1, col: 4 }, hint: 'remove the `!tag`; project.yml holds plain values only' });
    }
    const source = parseYamlSource('a: !!python/tuple [1]\n', 'f.yml', parseYamlWithPositions);
    expect(source.warnings[0]).toMatchObject({ severity: 'warning', location: { line: 1, col: 4 } });
  });

  it('refuses a tab outside quotes, block scalars and comments, where PyYAML found "character \'\\t\' that cannot start any token"', () => {
    const where = (text: string): unknown => {
      try {
        parseYamlSource(text, 'f.yml', parseYamlWithPositions);
        return 'read';
      } catch (e) {
        return (e as UserError).diagnostics[0]?.location;
      }
    };
    // Each refused by python3 -c "import yaml; yaml.safe_load(...)" (and FullLoader).
    expect(where('name:\tt1\n')).toEqual({ file: 'f.yml', line: 1, col: 6 });
    expect(where('a: 1\t# c\n')).toEqual({ file: 'f.yml', line: 1, col: 5 });
    expect(where('a: [1,\t2]\n')).toEqual({ file: 'f.yml', line: 1, col: 7 });
    expect(where('a: 1\nb: x\ty\n')).toEqual({ file: 'f.yml', line: 2, col: 5 });
    // Each read by PyYAML too.
    for (const text of ['a: "x\ty"\n', "a: 'x\ty'\n", 'a: |\n  x\ty\nb: 1\n', 'a: >-\n  x\ty\n', 'a: 1 # c\td\n']) expect(where(text)).toBe('read');
  });
});
