// Tests for reading local secrets files: values, files, levels, push, missing file, errors without values.
import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { loadLocalSecrets, refuseUnknownFieldsForPush } from './local-secrets.js';

const SECRET = 'Sup3r-Secret-Value';

function makeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-secrets-'));
  mkdirSync(join(dir, '.secrets'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, '.secrets', name), text);
  return dir;
}

function loadError(yml: string, extra: Record<string, string> = {}): UserError {
  const projectDir = makeProject({ 'dev_secrets.yml': yml, ...extra });
  try {
    loadLocalSecrets({ projectDir, stage: 'dev' });
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const error = e as UserError;
    // No message, fix or diagnostic may carry a secret value.
    expect(JSON.stringify({ m: error.message, f: error.fix, d: error.diagnostics })).not.toContain(SECRET);
    return error;
  }
  throw new Error('expected an error');
}

describe('loadLocalSecrets', () => {
  it('warns about a missing file only when the project uses secrets (given its envs)', () => {
    const bare = mkdtempSync(join(tmpdir(), 'handoff-secrets-'));
    // No .secrets/ folder, no secret-backed env: the project has no secrets, nothing to warn about.
    expect(loadLocalSecrets({ projectDir: bare, stage: 'dev', envs: [{ value: 'x' }] }).warnings).toEqual([]);
    // An env without a value takes a secret: its absence is worth saying.
    expect(loadLocalSecrets({ projectDir: bare, stage: 'dev', envs: [{}] }).warnings[0]?.message).toMatch(/no secrets file for stage "dev"/);
    // A .secrets/ folder without this stage's file (here only prod's) is worth saying too.
    const prodOnly = makeProject({ 'secrets.yml': '- key: a\n  value: b\n' });
    expect(loadLocalSecrets({ projectDir: prodOnly, stage: 'dev', envs: [] }).warnings[0]?.message).toMatch(/looked for .*dev_secrets\.yml/);
    // Callers that do not pass envs (secrets push) always hear about it.
    expect(loadLocalSecrets({ projectDir: bare, stage: 'dev' }).warnings).toHaveLength(1);
  });

  it('reads values, files, levels and push flags of the stage file', () => {
    const projectDir = makeProject({
      'dev_secrets.yml': [
        '- key: username',
        '  value: my_user',
        '- key: google',
        '  file: google.json',
        '  level: resource group',
        '- key: local_only',
        `  value: ${SECRET}`,
        '  push: false',
        '- key: pin',
        '  value: 0123',
        '- key: shared',
        '  value: "x y"',
        '  level: resource_group',
      ].join('\n'),
      'google.json': '{\n  "k": "v"\n}\n',
      'secrets.yml': '- key: prod_only\n  value: p\n',
    });
    const { secrets, warnings } = loadLocalSecrets({ projectDir, stage: 'dev' });
    const file = join(projectDir, '.secrets', 'dev_secrets.yml');
    // `0123` is the int 83 to PyYAML: warned of at its value, without it.
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:10:10: the value of secret "pin" is unquoted`))]);
    expect(secrets).toEqual([
      { key: 'username', value: 'my_user', level: 'task', push: true, source: `${file}:1` },
      { key: 'google', value: '{\n  "k": "v"\n}\n', level: 'resource group', push: true, source: `${file}:3 (file: ${join(projectDir, '.secrets', 'google.json')})` },
      { key: 'local_only', value: SECRET, level: 'task', push: false, source: `${file}:6` },
      // In templates, the octal int PyYAML read (as for vars); the environment and the store get its printed form, as
      // a template prints it (the written text is kept to be masked too).
      { key: 'pin', value: '83', level: 'task', push: true, source: `${file}:9`, typed: 83, written: '0123' },
      { key: 'shared', value: 'x y', level: 'resource group', push: true, source: `${file}:11` },
    ]);
    const prod = loadLocalSecrets({ projectDir, stage: 'prod' });
    expect(prod.secrets.map((s) => s.key)).toEqual(['prod_only']);
  });

  it('reads from a secrets folder given relative to the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'handoff-secrets-dir-'));
    writeFileSync(join(dir, 'dev_secrets.yml'), '- key: a\n  file: a.txt\n');
    writeFileSync(join(dir, 'a.txt'), 'from-dir');
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const { secrets } = loadLocalSecrets({ projectDir: '/nonexistent', stage: 'dev', secretsDir: join('.', dir.slice(tmpdir().length + 1)) });
      expect(secrets.map((s) => [s.key, s.value])).toEqual([['a', 'from-dir']]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('warns about a missing file, naming the path looked for and the stage', () => {
    const projectDir = makeProject({});
    const { secrets, warnings } = loadLocalSecrets({ projectDir, stage: 'staging' });
    expect(secrets).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].severity).toBe('warning');
    expect(warnings[0].message).toContain(join(projectDir, '.secrets', 'staging_secrets.yml'));
    expect(warnings[0].message).toContain('"staging"');
  });

  it('treats an empty file as no secrets', () => {
    const projectDir = makeProject({ 'dev_secrets.yml': '# nothing yet\n' });
    expect(loadLocalSecrets({ projectDir, stage: 'dev' })).toEqual({ secrets: [], warnings: [], fileFound: true, unknownFields: [] });
  });

  it('reads a file saved with a UTF-8 BOM as PyYAML does, as the same file without it', () => {
    const text = `- key: API_TOKEN\n  value: ${SECRET}\n- key: b\n  value: "2"\n`;
    const plain = loadLocalSecrets({ projectDir: makeProject({ 'dev_secrets.yml': text }), stage: 'dev' });
    const withBom = loadLocalSecrets({ projectDir: makeProject({ 'dev_secrets.yml': `\ufeff${text}` }), stage: 'dev' });
    expect(withBom.secrets.map(({ key, value }) => ({ key, value }))).toEqual([
      { key: 'API_TOKEN', value: SECRET },
      { key: 'b', value: '2' },
    ]);
    expect(withBom.secrets.map(({ key, value }) => ({ key, value }))).toEqual(plain.secrets.map(({ key, value }) => ({ key, value })));
    expect(withBom.warnings).toEqual([]);
  });

  it('reads aliases and "<<" merge keys as PyYAML does (python3 -c "import yaml; yaml.safe_load(...)")', () => {
    const read = (yml: string) => loadLocalSecrets({ projectDir: makeProject({ 'dev_secrets.yml': yml }), stage: 'dev' });
    const pairs = (yml: string) => read(yml).secrets.map(({ key, value, level, push }) => ({ key, value, level, push }));
    expect(pairs(`- key: API_TOKEN\n  value: &v ${SECRET}\n- key: OTHER\n  value: *v\n`)).toEqual([
      { key: 'API_TOKEN', value: SECRET, level: 'task', push: true },
      { key: 'OTHER', value: SECRET, level: 'task', push: true },
    ]);
    const merged = read(`- &b {key: API_TOKEN, value: ${SECRET}}\n- <<: *b\n  key: OTHER\n`);
    expect(merged.secrets.map((x) => [x.key, x.value])).toEqual([['API_TOKEN', SECRET], ['OTHER', SECRET]]);
    expect(merged.warnings).toEqual([]);
    // The entry's own fields win; of a list of merged mappings, the earlier wins.
    expect(pairs('- &a {key: A, value: x, level: task}\n- &b {key: B, value: y, push: false, level: resource group}\n- <<: [*a, *b]\n  key: C\n')).toEqual([
      { key: 'A', value: 'x', level: 'task', push: true },
      { key: 'B', value: 'y', level: 'resource group', push: false },
      { key: 'C', value: 'x', level: 'task', push: false },
    ]);
  });

  it('refuses an alias to no anchor at its line, as PyYAML did, and never names a JavaScript symbol', () => {
    const e = loadError(`- key: A\n  value: ${SECRET}\n  other: *nope\n`);
    expect(e.message).toMatch(/dev_secrets\.yml:3:10: alias \*nope refers to no anchor &nope defined before it$/);
    const merge = loadError('- key: A\n  <<: [1]\n');
    expect(merge.message).toContain('a "<<" merge key must name a mapping');
    expect(JSON.stringify([e, merge].map((x) => [x.message, x.fix, x.diagnostics]))).not.toContain('Symbol(');
  });

  it('warns about an unknown field by name only', () => {
    const projectDir = makeProject({ 'dev_secrets.yml': `- key: a\n  value: x\n  descriptoin: ${SECRET}\n` });
    const { secrets, warnings } = loadLocalSecrets({ projectDir, stage: 'dev' });
    expect(secrets).toHaveLength(1);
    expect(warnings[0].message).toContain('"descriptoin"');
    expect(warnings[0].location).toMatchObject({ line: 3, col: 3 });
    expect(JSON.stringify(warnings)).not.toContain(SECRET);
  });

  it('says where an unknown field is, whose entry it is in and which known field it is likely a typo of', () => {
    const projectDir = makeProject({ 'dev_secrets.yml': `- key: a\n  value: x\n- key: b\n  value: y\n  psh: false\n  zzz_other: 1\n` });
    const file = join(projectDir, '.secrets', 'dev_secrets.yml');
    const { secrets, warnings, unknownFields } = loadLocalSecrets({ projectDir, stage: 'dev' });
    expect(secrets.map((s) => [s.key, s.push])).toEqual([['a', true], ['b', true]]);
    expect(warnings.map((w) => w.message)).toEqual([
      `${file}:5:3: entry 2 (key "b"): unknown field "psh" is ignored (did you mean "push"?)`,
      `${file}:6:3: entry 2 (key "b"): unknown field "zzz_other" is ignored (known fields are key, value, file, level, push and description)`,
    ]);
    expect(unknownFields.map((u) => [u.key, u.field, u.suggestion])).toEqual([['b', 'psh', 'push'], ['b', 'zzz_other', undefined]]);
  });

  it('refuses a push while the file has an unknown field, naming it and the likely field', () => {
    const projectDir = makeProject({ 'dev_secrets.yml': `- key: b\n  value: ${SECRET}\n  levl: resource group\n` });
    const file = join(projectDir, '.secrets', 'dev_secrets.yml');
    const { unknownFields } = loadLocalSecrets({ projectDir, stage: 'dev' });
    expect(() => refuseUnknownFieldsForPush([], 'secrets push')).not.toThrow();
    let error: UserError | undefined;
    try {
      refuseUnknownFieldsForPush(unknownFields, 'secrets push');
    } catch (e) {
      error = e as UserError;
    }
    expect(error).toBeInstanceOf(UserError);
    expect(error!.exitCode).toBe(2);
    expect(error!.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:3: secret "b" has an unknown field "levl" \\(did you mean "level"\\?\\); secrets push writes nothing`));
    expect(error!.fix).toContain('"levl" → "level"');
    expect(error!.diagnostics[0]).toMatchObject({ severity: 'error', location: { file, line: 3, col: 3 }, hint: 'did you mean "level"?' });
    expect(JSON.stringify({ m: error!.message, f: error!.fix, d: error!.diagnostics })).not.toContain(SECRET);
  });

  it('names an unknown field beside the error it likely caused (valu: → neither value nor file, kye: → no key)', () => {
    expect(loadError(`- key: PW\n  valu: ${SECRET}\n`).message).toMatch(
      /dev_secrets\.yml:1:8: secret "PW" has neither value nor file \(beside it: unknown field "valu", did you mean "value"\?\)$/,
    );
    expect(loadError(`- kye: PW\n  value: ${SECRET}\n`).message).toMatch(/entry 1 has no key \(beside it: unknown field "kye", did you mean "key"\?\)$/);
  });

  it('rejects a file that is not a list', () => {
    const e = loadError(`username: ${SECRET}\n`);
    expect(e.message).toMatch(/dev_secrets\.yml:1:1: .*list/);
  });

  it('reads CR-only line ends as PyYAML does: values read, an error at its real line', () => {
    const text = `- key: a\r  value: ${SECRET}\r- key: b\r  value: |\r    one\r    two\r`;
    const read = loadLocalSecrets({ projectDir: makeProject({ 'dev_secrets.yml': text }), stage: 'dev' });
    // python3 -c "import yaml; print(yaml.safe_load(text))": the same values.
    expect(read.secrets.map(({ key, value, source }) => ({ key, value, line: source.split(':').pop() }))).toEqual([
      { key: 'a', value: SECRET, line: '1' },
      { key: 'b', value: 'one\ntwo\n', line: '3' },
    ]);
    const e = loadError(`- key: a\r  value: ${SECRET}\r- key: b\r  push: maybe\r  value: x\r`);
    expect(e.message).toMatch(/dev_secrets\.yml:4:\d+: push of secret "b" must be true or false/);
  });

  it('refuses a tab outside quotes at the tab, naming the entry, as PyYAML did (a tab in quotes or a block scalar is text)', () => {
    // PyYAML: "found character '\t' that cannot start any token", line 4, column 8 (and line 2, column 12).
    const e = loadError(`- key: a\n  value: ${SECRET}\n- key: b\n  push:\tno\n  value: ${SECRET}\n`);
    expect(e.message).toMatch(/dev_secrets\.yml:4:8: found a tab outside quotes; PyYAML .* refused it.*\(in the entry of secret "b"\)$/);
    expect(e.diagnostics[0]?.location).toMatchObject({ line: 4, col: 8 });
    expect(loadError(`- key: a\n  value: ${SECRET}\t# old\n`).message).toMatch(/:2:\d+: found a tab outside quotes.*secret "a"/);
    // A tab as indentation the yaml package refuses itself, also at its line.
    expect(loadError(`- key: a\n\tvalue: ${SECRET}\n`).message).toMatch(/:2:\d+: not valid YAML/);
    const ok = `- key: a\n  value: "x\ty"\n- key: b\n  value: |\n    one\ttwo\n`;
    expect(loadLocalSecrets({ projectDir: makeProject({ 'dev_secrets.yml': ok }), stage: 'dev' }).secrets.map((x) => x.value)).toEqual(['x\ty', 'one\ttwo\n']);
  });

  it('rejects invalid YAML without quoting the line', () => {
    const e = loadError(`- key: a\n  value: "${SECRET}\n`);
    expect(e.message).toMatch(/dev_secrets\.yml:\d+:\d+: not valid YAML/);
  });

  it('rejects an entry without a key, with its position', () => {
    const e = loadError(`- key: a\n  value: x\n- value: ${SECRET}\n`);
    expect(e.message).toContain('dev_secrets.yml:3:3');
    expect(e.message).toContain('no key');
  });

  it('rejects both value and file, and neither', () => {
    expect(loadError(`- key: a\n  value: ${SECRET}\n  file: f.txt\n`).message).toMatch(/:3:3: secret "a" has both value and file/);
    expect(loadError('- key: a\n  level: task\n').message).toMatch(/:1:8: secret "a" has neither value nor file/);
  });

  it('warns about a resource group secret with neither value nor file (the original did), and leaves it out', () => {
    const projectDir = makeProject({ 'dev_secrets.yml': `- key: a\n  value: ${SECRET}\n- key: shared_pw\n  level: resource group\n- key: other\n  value:\n  level: resource group\n` });
    const { secrets, warnings } = loadLocalSecrets({ projectDir, stage: 'dev' });
    // Left out, never loaded as an empty value that a template or env would use without a word.
    expect(secrets.map((s) => s.key)).toEqual(['a']);
    const file = join(projectDir, '.secrets', 'dev_secrets.yml');
    expect(warnings.map((w) => w.message)).toEqual([
      `${file}:3:8: resource group secret "shared_pw" has neither value nor file; it is not loaded here, and secrets push leaves it alone`,
      `${file}:5:8: resource group secret "other" has neither value nor file; it is not loaded here, and secrets push leaves it alone`,
    ]);
    expect(warnings[0]).toMatchObject({ severity: 'warning', location: { file, line: 3, col: 8 } });
    // At task level (the default) it is still an error: nothing else could provide the value.
    expect(loadError('- key: a\n  value:\n').message).toMatch(/:1:8: secret "a" has neither value nor file/);
  });

  it('rejects an unreadable secret file', () => {
    const e = loadError('- key: a\n  file: missing.json\n');
    expect(e.message).toContain('dev_secrets.yml:2:9');
    expect(e.message).toContain('missing.json');
  });

  it('rejects a duplicate key, naming the first line', () => {
    const e = loadError(`- key: a\n  value: ${SECRET}\n- key: a\n  value: ${SECRET}2\n`);
    expect(e.message).toContain('dev_secrets.yml:3:8');
    expect(e.message).toContain('duplicate secret key "a" (first defined on line 1)');
  });

  it('rejects an unknown level and a non-boolean push', () => {
    expect(loadError(`- key: a\n  value: ${SECRET}\n  level: account\n`).message).toMatch(/:3:10: .*unknown level "account"/);
    expect(loadError(`- key: a\n  value: ${SECRET}\n  push: maybe\n`).message).toMatch(/:3:9: push of secret "a" must be true or false/);
  });

  it('rejects a value that is not text', () => {
    expect(loadError(`- key: a\n  value:\n    nested: ${SECRET}\n`).message).toMatch(/:3:5: the value of secret "a" must be text/);
  });
});

describe('loadLocalSecrets reads scalars as PyYAML did (the original read this file with it)', () => {
  it('takes yes/no/on/off in any of their spellings as push flags; what PyYAML read as text is still refused', () => {
    const flags: Array<[string, boolean]> = [['no', false], ['off', false], ['No', false], ['OFF', false], ['yes', true], ['on', true], ['Yes', true], ['True', true], ['false', false]];
    const projectDir = makeProject({
      'dev_secrets.yml': flags.map(([text], i) => `- key: k${i}\n  value: ${SECRET}${i}\n  push: ${text}\n`).join(''),
    });
    const { secrets, warnings } = loadLocalSecrets({ projectDir, stage: 'dev' });
    expect(warnings).toEqual([]);
    expect(secrets.map((s) => s.push)).toEqual(flags.map(([, push]) => push));
    // `y`, `n` and a quoted "no" were text to PyYAML (a truthy string the original pushed): refused, not guessed.
    expect(loadError(`- key: a\n  value: ${SECRET}\n  push: y\n`).message).toMatch(/:3:9: push of secret "a" must be true or false/);
    expect(loadError(`- key: a\n  value: ${SECRET}\n  push: "no"\n`).message).toMatch(/:3:9: push of secret "a" must be true or false/);
    // Values that PyYAML reads as booleans or numbers are its print of them, as the original rendered them (a store run
    // then sees what run local sees); the written text is kept to be masked, and each is warned of, without its value.
    const written = makeProject({ 'dev_secrets.yml': '- key: a\n  value: no\n- key: b\n  value: 0x1F\n- key: c\n  value: 1:30\n- key: d\n  value: \'1:30\'\n' });
    const read = loadLocalSecrets({ projectDir: written, stage: 'dev' });
    expect(read.secrets.map((s) => s.value)).toEqual(['False', '31', '90', '1:30']);
    expect(read.secrets.map((s) => s.written)).toEqual(['no', '0x1F', '1:30', undefined]);
    const file = join(written, '.secrets', 'dev_secrets.yml');
    expect(read.warnings.map((w) => w.message.slice(0, w.message.indexOf(' is unquoted')))).toEqual([
      `${file}:2:10: the value of secret "a"`,
      `${file}:4:10: the value of secret "b"`,
      `${file}:6:10: the value of secret "c"`,
    ]);
    expect(read.warnings.map((w) => w.hint)).toEqual(Array(3).fill("quote it (value: '…') to keep the text as written"));
    expect(JSON.stringify(read.warnings)).not.toMatch(/0x1F|1:30|\bno\b/);
  });
});
