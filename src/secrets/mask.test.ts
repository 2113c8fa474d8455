// Tests for masking secret values in text and JSON records.
import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Secret } from './local-secrets.js';
import { byteMaskerOf, createMasker, findUnmaskableSecrets, maskDeep } from './mask.js';

function makeSecret(key: string, value: string): Secret {
  return { key, value, level: 'task', push: true, source: 'test' };
}

describe('createMasker', () => {
  it('replaces every occurrence of each value', () => {
    const m = createMasker(['hunter2', 'tok.en*']);
    expect(m.mask('pw=hunter2 again hunter2, token tok.en* not tokXen*')).toBe('pw=*** again ***, token *** not tokXen*');
  });

  it('leaves an occurrence wholly inside a spared token (a run id), and masks one that only overlaps it', () => {
    const m = createMasker(['1206', '3b42-tail'], { spare: /\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}/g });
    expect(m.mask('run 20261206T113014.202Z-3b42 pin 1206')).toBe('run 20261206T113014.202Z-3b42 pin ***');
    expect(m.mask('20261206T113014.202Z-3b42-tail')).toBe('20261206T113014.202Z-***');
  });

  it('masks the longest value first so a longer secret leaves no suffix', () => {
    const m = createMasker(['abc', 'abcdef']);
    expect(m.mask('x abcdef y abc')).toBe('x *** y ***');
    expect(createMasker(['abcdef', 'abc']).mask('abcdef')).toBe('***');
  });

  it('masks a multi-line value whole and each of its longer lines alone', () => {
    const key = '-----BEGIN KEY-----\nMIIEvQIBADANBg\nab\n-----END KEY-----\n';
    const m = createMasker([key]);
    expect(m.mask(`before ${key}after`)).toBe('before ***after');
    expect(m.mask('line: MIIEvQIBADANBg\n')).toBe('line: ***\n');
    expect(m.mask('ab stays')).toBe('ab stays');
    expect(m.mask('{"key": "-----BEGIN KEY-----\\nMIIEvQIBADANBg\\nab\\n-----END KEY-----\\n"}')).toBe('{"key": "***"}');
  });

  it("masks a line of a multi-line value inside JSON text, where its quotes are escaped (a key file's line in an API answer)", () => {
    const keyFile = '{\n  "type": "service_account",\n  "private_key": "ZZ-key-material-42",\n  "x": 1\n}';
    const masker = createMasker([keyFile]);
    const logLine = 'cat printed:   "private_key": "ZZ-key-material-42",';
    const answer = JSON.stringify({ lines: [logLine] });
    expect(masker.mask(answer)).not.toContain('ZZ-key-material-42');
    expect(JSON.parse(masker.mask(answer)).lines[0]).toBe('cat printed:   ***');
  });

  it("masks the forms handoff's own templates print a secret in: _line_safe, | shell_quote, | tojson, | e, | urlencode", () => {
    const m = createMasker(["it's Summer<2024>&!"]);
    expect(m.mask("--output files/https_x_pw_it_s_Summer_2024_.json")).toBe('--output files/https_x_pw_***.json');
    expect(m.mask(`admin:'it'"'"'s Summer<2024>&!'`)).toBe("admin:'***'");
    expect(m.mask('{"pw": "it\\u0027s Summer\\u003c2024\\u003e\\u0026!"}')).toBe('{"pw": "***"}');
    expect(m.mask('<b>it&#39;s Summer&lt;2024&gt;&amp;!</b>')).toBe('<b>***</b>');
    expect(m.mask('?pw=it\'s%20Summer%3C2024%3E%26!&x=1')).toBe('?pw=***&x=1');
    expect(m.mask(`curl 'u?pw=it'"'"'s%20Summer%3C2024%3E%26!'`)).toBe("curl 'u?pw=***'");
    // A line of a multi-line value too: a key file's line read by foreach, its `+/=` turned into `_`.
    expect(createMasker(['-----BEGIN-----\nc2Vj+cmV0/a2V5=\n-----END-----']).mask('get_c2Vj_cmV0_a2V5_')).toBe('get_***');
  });

  it('adds no form for a value of only file-name-safe characters, nor a _line_safe form that is mostly `_`', () => {
    expect(createMasker(['plain-value_1.0']).values).toEqual(['plain-value_1.0']);
    const symbols = createMasker(['!@#$%^']);
    expect(symbols.values).not.toContain('_');
    expect(symbols.mask('a_b_c')).toBe('a_b_c');
  });

  it('does not mask values shorter than three characters', () => {
    const m = createMasker(['ab', '', 'abc']);
    expect(m.mask('ab abc')).toBe('ab ***');
    expect(m.values).toEqual(['abc']);
  });

  it('returns text unchanged when there is nothing to mask', () => {
    expect(createMasker([]).mask('a $ b')).toBe('a $ b');
  });

  it('masks large text in one pass', () => {
    const m = createMasker(Array.from({ length: 50 }, (_, i) => `secret-${i}-value`));
    const text = 'x'.repeat(1000) + 'secret-42-value' + 'y'.repeat(1_000_000);
    const out = m.mask(text);
    expect(out.length).toBe(text.length - 'secret-42-value'.length + 3);
    expect(out).not.toContain('secret-42-value');
  });
});

describe("createMasker and Jinja2's urlencode", () => {
  it("masks a value as `| urlencode` prints it, with `'` and `!` escaped (Jinja2's quote), in a path and in a query", () => {
    const m = createMasker(["it's-Summer<2024>&!x/y z"]);
    expect(m.mask("a 'it%27s-Summer%3C2024%3E%26%21x/y%20z' b")).toBe("a '***' b");
    expect(m.mask('pw=it%27s-Summer%3C2024%3E%26%21x%2Fy+z&u=1')).toBe('pw=***&u=1');
  });
});

describe('createMasker with many or large secrets', () => {
  // Random printable values: a JSON-escaped or quoted form of each is added too, as for any real secret.
  const randomValue = (length: number): string => randomBytes(length).toString('base64').slice(0, length);

  it('masks 24 secrets of 100 KB each (one regex of them all was "too large" for V8), in text, bytes and pieces', () => {
    const values = Array.from({ length: 24 }, () => randomValue(100_000));
    const m = createMasker(values);
    const text = `a ${values[3]} b ${values[23]}${values[0]} c`;
    expect(m.mask(text)).toBe('a *** b ****** c');
    expect(byteMaskerOf(m).mask(`x${values[7]}y`)).toBe('x***y');
    // A stream cut into pieces never cuts inside a secret.
    const cut = m.cut(text, 50_000);
    expect(cut).toBe(2);
    expect(m.cut(text.slice(2), 50_000)).toBe(100_000);
  });

  it('masks thousands of short secrets (split into several regexes) with the longest value at a position winning', () => {
    const values = Array.from({ length: 5000 }, () => randomValue(40));
    const long = `${values[10]}${randomValue(2000)}`;
    const m = createMasker([...values, long, 'abc', 'abcdef']);
    expect(m.mask(`[${values[0]}] [${values[4999]}] [${long}] [${values[10]}] x abcdef y abc`)).toBe('[***] [***] [***] [***] x *** y ***');
  });

  it('spares a value inside a spared token when some values are long', () => {
    const long = randomValue(5000);
    const m = createMasker(['1206', long], { spare: /\d{8}T\d{6}/g });
    expect(m.mask(`20261206T113014 ${long} 1206`)).toBe('20261206T113014 *** ***');
  });
});

describe('findUnmaskableSecrets', () => {
  it('returns the keys of non-empty secrets too short to mask', () => {
    expect(findUnmaskableSecrets([makeSecret('a', 'x'), makeSecret('b', 'xy'), makeSecret('c', 'xyz'), makeSecret('d', '')])).toEqual(['a', 'b']);
  });
});

describe('maskDeep', () => {
  it('masks strings inside objects and arrays without changing the original', () => {
    const m = createMasker(['s3cret']);
    const record = { command: 'curl -u s3cret', list: ['a', 's3cret!'], n: 1, nested: { ok: true, v: 'xs3cretx' }, none: null };
    const masked = maskDeep(record, m);
    expect(masked).toEqual({ command: 'curl -u ***', list: ['a', '***!'], n: 1, nested: { ok: true, v: 'x***x' }, none: null });
    expect(record.command).toBe('curl -u s3cret');
  });

  it('masks a plain string', () => {
    expect(maskDeep('a s3cret', createMasker(['s3cret']))).toBe('a ***');
  });
});

describe('runSecretValues', () => {
  it('masks a -v value given for a secret however -v typed it (an int, a bigint beyond 2**53, a bool)', async () => {
    const { runSecretValues } = await import('./run-masker.js');
    const secrets = [{ key: 'PIN', value: 'x', level: 'task' as const, push: true, source: 's:1' }];
    const values = runSecretValues({ secrets, envs: [{ key: 'TOKEN' }], cliVars: { PIN: 123456789012345678901n, TOKEN: 98765, other: 5 } });
    expect(values).toContain('123456789012345678901');
    expect(values).toContain('98765');
    expect(values).not.toContain('5');
  });
});
