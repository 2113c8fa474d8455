// Tests for -v/-e parsing: joins, quotes, booleans, numbers, vars files and usage errors.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { parseVarTexts, parseVarTokens, readVarBoolean } from './parse-vars.js';
import { formatPythonStr, PythonFloat } from './python-str.js';

function catchError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected an error');
}

describe('parseVarTokens', () => {
  it('splits at the first = only', () => {
    expect(parseVarTokens(['url=https://x?a=b', 'e='], '-v')).toEqual({ url: 'https://x?a=b', e: '' });
  });

  it('joins a token without = onto the previous value with one space', () => {
    expect(parseVarTokens(['start=2020-01-01', 'end=a', 'b', 'c'], '-v')).toEqual({ start: '2020-01-01', end: 'a b c' });
  });

  it('strips one pair of matching outer quotes from key and value', () => {
    expect(parseVarTokens([`'k1'="v 1"`, `k2='"x"'`, `k3="mixed'`, `"k4"=`], '-v')).toEqual({
      k1: 'v 1',
      k2: '"x"',
      k3: `"mixed'`,
      k4: '',
    });
  });

  it('strips quotes around a value that was split into several tokens', () => {
    expect(parseVarTokens(['msg="hello', 'world"'], '-v')).toEqual({ msg: 'hello world' });
  });

  it('turns true/t/false/f in any case into booleans', () => {
    expect(parseVarTokens(['a=true', 'b=T', 'c=False', 'd=f', 'e=TRUE', 'f=yes', 'g=tru'], '-v')).toEqual({
      a: true,
      b: true,
      c: false,
      d: false,
      e: true,
      f: 'yes',
      g: 'tru',
    });
  });

  it('turns integers and decimals into numbers as the original did: 007 into 7, 1e3 into 1000', () => {
    expect(parseVarTokens(['a=007', 'b=-3', 'c=+2.5', 'd=.5', 'e=1e3', 'f=1.2.3', 'g=12abc', 'h=0'], '-v')).toEqual({
      a: 7,
      b: -3,
      c: 2.5,
      d: 0.5,
      e: 1000,
      f: '1.2.3',
      g: '12abc',
      h: 0,
    });
  });

  it('keeps a whole float a float (1.0 renders 1.0) and a small exponent a float, not the int 0', () => {
    const vars = parseVarTokens(['a=1.0', 'b=2.50', 'c=1e-05', 'd=0.0'], '-v');
    expect(vars.a).toBeInstanceOf(PythonFloat);
    // `0.0` too: the original's CLI made it the float 0.0, which Jinja2 printed `0.0`.
    expect([vars.a, vars.b, vars.c, vars.d].map(formatPythonStr)).toEqual(['1.0', '2.5', '1e-05', '0.0']);
    expect(Number(vars.a) + 1).toBe(2);
  });

  it('reads integers too long for a JS number as exact ints (bigints), so no digit is lost', () => {
    expect(parseVarTokens(['id=123456789012345678901', 'n=-9007199254740993', 'p=+00123456789012345678'], '-v')).toEqual({ id: 123456789012345678901n, n: -9007199254740993n, p: 123456789012345678n });
    // parseVarTexts still gives the text (ids read as ids: account numbers, job ids).
    expect(parseVarTexts(['id=00123456789012345678901'], '-v')).toEqual({ id: '00123456789012345678901' });
  });

  it('lets a later token win for the same key', () => {
    expect(parseVarTokens(['a=1', 'a=2'], '-v')).toEqual({ a: 2 });
  });

  it('returns nothing for no tokens', () => {
    expect(parseVarTokens([], '-v')).toEqual({});
  });

  it('rejects a first token without = naming it and the expected form', () => {
    const e = catchError(() => parseVarTokens(['oops', 'a=1'], '-e'));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('"oops"');
    expect(e.message).toContain('-e');
    expect(e.fix).toContain('key=value');
  });

  it('rejects an empty key', () => {
    const e = catchError(() => parseVarTokens(['a=1', '=2'], '-v'));
    expect(e.message).toContain('"=2"');
    expect(e.message).toContain('empty key');
    expect(catchError(() => parseVarTokens(['""=2'], '-v')).message).toContain('empty key');
  });

  it('reads a single existing file as one key=value per line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-vars-'));
    const file = join(dir, 'vars.txt');
    writeFileSync(file, '# settings\n\nstart=2020-01-01\r\n  full = true \nname="a b"\ncount=007\n');
    expect(parseVarTokens([file], '-v')).toEqual({ start: '2020-01-01', full: true, name: 'a b', count: 7 });
  });

  it('names file:line for a bad line in a vars file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-vars-'));
    const file = join(dir, 'vars.txt');
    writeFileSync(file, 'a=1\n# ok\nnot a pair\n');
    const e = catchError(() => parseVarTokens([file], '-v'));
    expect(e.message).toContain(`${file}:3`);
    writeFileSync(file, 'a=1\n=2\n');
    expect(catchError(() => parseVarTokens([file], '-v')).message).toContain(`${file}:2`);
  });

  it('treats a single token that is not an existing file as a token', () => {
    const e = catchError(() => parseVarTokens(['/no/such/file'], '-v'));
    expect(e.message).toContain('"/no/such/file"');
  });
});

describe('parseVarTexts', () => {
  it('keeps identifiers as typed: leading zeros, exponents and t/f survive, quotes and joins as for -v', () => {
    const tokens = ['id=07515', 'target_id=01', 'filter_pattern=1e5', 'flag=t', 'name="a', 'b"'];
    expect(parseVarTexts(tokens, '-v')).toEqual({ id: '07515', target_id: '01', filter_pattern: '1e5', flag: 't', name: 'a b' });
    // The typed reading of the same tokens is what would lose them.
    expect(parseVarTokens(tokens, '-v')).toMatchObject({ id: 7515, target_id: 1, filter_pattern: 100000, flag: true });
  });

  it('reads a vars file as text too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-vars-'));
    const file = join(dir, 'vars.txt');
    writeFileSync(file, 'grantee_account_id=012345678901\nexternal_id = "0042"\n');
    expect(parseVarTexts([file], '-v')).toEqual({ grantee_account_id: '012345678901', external_id: '0042' });
  });
});

describe('readVarBoolean', () => {
  it('takes the words a -v variable converts to a boolean, and refuses any other value with exit 2', () => {
    const vars = parseVarTokens(['a=true', 'b=F', 'c=t', 'd=yes', 'e=1'], '-v');
    expect([readVarBoolean(vars, 'a', '-v'), readVarBoolean(vars, 'b', '-v'), readVarBoolean(vars, 'c', '-v'), readVarBoolean(vars, 'none', '-v')]).toEqual([true, false, true, undefined]);
    for (const key of ['d', 'e']) {
      const error = (() => {
        try {
          readVarBoolean(vars, key, '-v');
        } catch (e) {
          return e;
        }
      })() as UserError;
      expect(error).toBeInstanceOf(UserError);
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`-v ${key}=${vars[key]} is not true or false`);
    }
  });
});
