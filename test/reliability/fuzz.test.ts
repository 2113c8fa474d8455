// Property-based tests (fast-check) of the -v parser and, through the real CLI, of -v values and project.yml text.
// The loader's own properties (any text gives a project or a located UserError) are in
// src/project/load-project.property.test.ts; here the same promise is checked end to end, down to the exit code.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseVarTokens } from '../../src/template/parse-vars.js';
import { PythonFloat } from '../../src/template/python-str.js';
import { makeProject, makeTempDir, runCli } from '../helpers/cli.js';

/** Pieces that make parsers and shells stumble, mixed with arbitrary text. */
const nasty = fc.constantFrom(
  '=', '==', ' ', '\t', '\n', "'", '"', '\\', '`', '$', '$(touch pwned)', '`touch pwned`', ';', '|', '&', '*', '~', '#',
  '{{ _stage }}', '{% if true %}', '{#', '%s', '-v', '--', 'true', 'F', '007', '1e3', '.5', 'ü', '名', '🙂',
);
const text = fc.array(fc.oneof(nasty, fc.string({ maxLength: 6 })), { maxLength: 8 }).map((parts) => parts.join(''));
const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/).filter((k) => k !== '__proto__');
/** Values the parser keeps as text: not a boolean word or a number (`1e3` too), not wrapped in one pair of matching quotes. */
const isPlain = (v: string): boolean => !/^(true|t|false|f)$/i.test(v) && !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v) && !/^(['"]).*\1$/s.test(v);
const plainValue = text.filter(isPlain);

describe('-v parser properties', () => {
  it('any tokens give variables of text, numbers and booleans, or a UserError naming -v; never another error', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 6 }), (tokens) => {
        try {
          const vars = parseVarTokens(tokens, '-v');
          for (const value of Object.values(vars)) {
            // A whole float (`1.0`) is a PythonFloat, so it prints `1.0` as the original printed it.
            if (value instanceof PythonFloat) expect(Number.isInteger(Number(value))).toBe(true);
            else expect(['string', 'number', 'boolean']).toContain(typeof value);
            if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
          }
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          expect(error.message).toContain('-v');
          expect(error.fix).toContain('-v key=value');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('key=value splits at the first = and keeps the value exactly, whatever it holds', () => {
    fc.assert(
      fc.property(key, plainValue, (k, v) => {
        expect(parseVarTokens([`${k}=${v}`], '-v')).toEqual({ [k]: v });
      }),
      { numRuns: 2000 },
    );
  });

  it('tokens without = continue the value before them, joined by one space (as -v $(eval echo $__VARS) needs)', () => {
    const word = plainValue.filter((w) => !w.includes('='));
    fc.assert(
      fc.property(key, plainValue, fc.array(word, { minLength: 1, maxLength: 4 }), (k, first, rest) => {
        const joined = [first, ...rest].join(' ');
        fc.pre(isPlain(joined));
        expect(parseVarTokens([`${k}=${first}`, ...rest], '-v')).toEqual({ [k]: joined });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('through the CLI', () => {
  it('any -v value reaches a command as exactly one word through | shell_quote, rendered once, running nothing', async () => {
    const { projectDir } = makeProject(`
tasks:
- name: echo
  commands:
  - command: "printf '%s\\\\n' {{ x | shell_quote }}"
`);
    await fc.assert(
      fc.asyncProperty(plainValue.filter((v) => !v.includes('\0') && v !== ''), async (v) => {
        const workspaceDir = path.join(makeTempDir(), 'ws');
        const r = await runCli(['run', 'local', '-p', projectDir, '-w', workspaceDir, '-v', `x=${v}`]);
        expect(r.code, r.stderr).toBe(0);
        expect(fs.readFileSync(path.join(workspaceDir, 'artifacts', 'echo_stdout.log'), 'utf8')).toBe(`${v}\n`);
        expect(fs.readdirSync(workspaceDir).filter((f) => f.startsWith('pwned'))).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  it('any -v tokens end in exit 0 or a usage error (exit 2), never a crash', async () => {
    const { projectDir } = makeProject('tasks:\n- name: t\n  commands:\n  - command: "true"\n');
    await fc.assert(
      fc.asyncProperty(fc.array(text.filter((t) => !t.includes('\0')), { minLength: 1, maxLength: 4 }), async (tokens) => {
        const r = await runCli(['run', 'local', '-p', projectDir, '-w', makeTempDir(), '--dry-run', '-v', ...tokens]);
        expect([0, 2], r.stderr).toContain(r.code);
        expect(r.stderr).not.toContain('This is a bug');
        expect(r.stderr).not.toMatch(/^\s+at /m);
      }),
      { numRuns: 25 },
    );
  });

  it('any project.yml text ends in exit 0 or exit 2 with every problem at file:line:col, never a crash', async () => {
    const yamlish = fc
      .array(fc.oneof(nasty, fc.constantFrom('tasks:', '\n- name: t', '\n  commands:', '\n  - command: ', '\n  pipeline:', '\n  - foreach:', '&a ', '*a', '<<: ', '[', ']', '{', '}', ': ', '- ', '\n    ', '!!binary ', '? '), fc.string({ maxLength: 5 })), { maxLength: 25 })
      .map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(yamlish.filter((t) => !t.includes('\0')), async (yml) => {
        const { projectDir } = makeProject(yml);
        const r = await runCli(['config', 'validate', '-p', projectDir]);
        expect([0, 2], r.stderr).toContain(r.code);
        expect(r.stderr).not.toContain('This is a bug');
        expect(r.stderr).not.toMatch(/^\s+at /m);
        if (r.code === 2) expect(r.stderr).toMatch(/^\s+error: \S*project\.yml:\d+:\d+/m);
      }),
      { numRuns: 30 },
    );
  });
});
