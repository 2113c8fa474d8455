// Tests that values print as Python's str() prints them, checked against a real python3.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPythonFloat, formatPythonJson, formatPythonStr, PythonFloat, toPythonFloat } from './python-str.js';

/** Python's str() of each literal, one per line (json keeps each on one line). */
function pythonStr(literals: string[]): string[] {
  const program = `import json, sys\nfor lit in json.load(sys.stdin):\n    print(json.dumps(str(eval(lit))))`;
  const out = execFileSync('python3', ['-c', program], { input: JSON.stringify(literals), encoding: 'utf8' });
  return out.trim().split('\n').map((line) => JSON.parse(line) as string);
}

describe('formatPythonStr', () => {
  it('prints booleans, None, ints, floats, lists and dicts as python3 does', () => {
    const cases: Array<[string, unknown]> = [
      ['True', true],
      ['False', false],
      ['None', null],
      ['7', 7],
      ['-3', -3],
      ['3.5', 3.5],
      ['1.0', new PythonFloat(1)],
      ['100.0', toPythonFloat(100)],
      ['1e-05', 0.00001],
      ['0.0001', 0.0001],
      ['1.5e+16', toPythonFloat(1.5e16)],
      ['1e+16', new PythonFloat(1e16)],
      ['123456789012345.6', 123456789012345.6],
      ['0.1 + 0.2', 0.1 + 0.2],
      ['10**21', 1e21],
      ['-2.5e-07', -2.5e-7],
      ["'text'", 'text'],
      ["[1, 'a', True, None, 2.5]", [1, 'a', true, null, 2.5]],
      ["{'k': 'v', 'n': 1}", { k: 'v', n: 1 }],
      ['["it\'s"]', ["it's"]],
      ["['a\\nb', 'q\"\\'']", ['a\nb', `q"'`]],
    ];
    expect(cases.map(([, value]) => formatPythonStr(value))).toEqual(pythonStr(cases.map(([lit]) => lit)));
  });

  it('prints an undefined value (Jinja2 Undefined) as nothing', () => {
    expect(formatPythonStr(undefined)).toBe('');
  });

  it('prints any finite double as python3 prints that float', () => {
    const doubles = fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), 300);
    const literals = doubles.map((d) => `float.fromhex('${toHex(d)}')`);
    expect(doubles.map(formatPythonFloat)).toEqual(pythonStr(literals));
  });

  it('keeps a whole float usable as its number', () => {
    const f = new PythonFloat(2);
    expect(Number(f) * 2).toBe(4);
    expect(JSON.stringify({ f })).toBe('{"f":2}');
    // Zero is marked too (`0.0` prints `0.0`, `-0.0` keeps its sign); its truth is Python's (pythonTruthy).
    expect(formatPythonStr(toPythonFloat(0))).toBe('0.0');
    expect(formatPythonStr(toPythonFloat(-0))).toBe('-0.0');
  });
});

/** A double as Python's float.hex() text, so python3 reads exactly the same bits. */
function toHex(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0x0p+0' : '0x0p+0';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = bits & 0xfffffffffffffn;
  const lead = exponent === 0 ? 0 : 1;
  const exp = exponent === 0 ? -1022 : exponent - 1023;
  return `${sign}0x${lead}.${mantissa.toString(16).padStart(13, '0')}p${exp >= 0 ? '+' : ''}${exp}`;
}

describe('formatPythonJson (Jinja2 tojson)', () => {
  it('writes what json.dumps(value, sort_keys=True) writes, with <, >, & and \' escaped as Jinja2 does', () => {
    const literals = ["{'b': [1, 2.5, True, None], 'a': 'x<y>&\\'z'}", "'é – 😀\\n\\t\\x7f\"'", '1.0', "float('nan')", "[float('inf'), -1e-05, 12345678901234567890]", '{}', '[]'];
    const program = `import json, sys\nfor lit in json.load(sys.stdin):\n    s = json.dumps(eval(lit), sort_keys=True)\n    print(json.dumps(s.replace("<", "\\\\u003c").replace(">", "\\\\u003e").replace("&", "\\\\u0026").replace("'", "\\\\u0027")))`;
    const expected = execFileSync('python3', ['-c', program], { input: JSON.stringify(literals), encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l) as string);
    const values: unknown[] = [{ b: [1, 2.5, true, null], a: "x<y>&'z" }, 'é – 😀\n\t\x7f"', new PythonFloat(1), Number.NaN, [Number.POSITIVE_INFINITY, -0.00001, 12345678901234567890n], {}, []];
    expect(values.map((value) => formatPythonJson(value))).toEqual(expected);
  });
});
