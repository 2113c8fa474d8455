// What Jinja2 raises only when it runs (a bad %-format, a `'…'.format()` template, a str method) is refused before
// rendering only where it always runs; in a branch, loop body or macro it is an error when reached, located.
import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { createRenderer, loadTemplateEngine } from './render.js';

beforeAll(loadTemplateEngine);

const VALUES: Record<string, unknown> = { n: 7, lst: [1, 2] };

/**
 * Templates whose faulty part never runs, and what Jinja2 3.1.6 renders for them. Before, each was refused when read
 * ("template syntax error … unsupported format character", exit 2), though the original rendered it.
 */
const NEVER_RUN: Array<[string, string]> = [
  ["{{ '%,d' | format(1) if false else 'x' }}", 'x'],
  ["{% if n > 100 %}{{ '%,d' % n }}{% else %}{{ n }}{% endif %}", '7'],
  ["{% if false %}{% elif n %}e{% else %}{{ '%q' % n }}{% endif %}", 'e'],
  ["{{ false and '%q' % 1 }}|{{ n or '%q' % 1 }}", 'False|7'],
  ["{{ 1 > 2 > ('%q' % 1) }}", 'False'],
  ["{% for x in [] %}{{ '%q' % x }}{% else %}empty{% endfor %}", 'empty'],
  ["{% for x in lst if x > 5 %}{{ '%q' % x }}{% endfor %}|", '|'],
  ["{% macro m() %}{{ '%q' % 1 }}{% endmacro %}m", 'm'],
  ["{% macro m() %}{% if false %}{{ caller() }}{% endif %}{% endmacro %}{% call m() %}{{ '%q' % 1 }}{% endcall %}c", 'c'],
  ["{{ '{:q}'.format(1) if false else 'f' }}|{% if false %}{{ '{0'.format(1) }}{% endif %}", 'f|'],
  ["{{ 'abc'.nosuch() if false else 'u' }}", 'u'],
];

/** The same faults where they run: errors in Jinja2 (the class it raises), located here at the fault. */
const RUN: Array<[string, string, RegExp]> = [
  ["a\n{{ '%,d' | format(1) if true else 'x' }}", 'ValueError', /at line 2, column \d+: .*unsupported format character ','/],
  ["a\n{% if n < 100 %}{{ '%,d' % n }}{% endif %}", 'ValueError', /at line 2, column \d+: .*unsupported format character ','/],
  ["a\n{% for x in lst %}{{ '%q' % x }}{% endfor %}", 'ValueError', /at line 2, column \d+: .*unsupported format character 'q'/],
  ["a\n{{ '{:q}'.format(1) if n else 'f' }}", 'ValueError', /at line 2, column \d+: ValueError: Unknown format code 'q' for object of type 'int'$/],
  ["a\n{{ 'abc'.nosuch() if n else 'u' }}", 'UndefinedError', /at line 2, column \d+: .*nosuch/],
];

function renderer() {
  return createRenderer({ strict: false, onWarning: () => undefined });
}

describe('a fault Jinja2 raises only when it runs', () => {
  it.each(NEVER_RUN)('is no error where it never runs: %s', (template, expected) => {
    expect(() => renderer().check(template, 'files/f.txt')).not.toThrow();
    expect(renderer().render(template, VALUES, 'files/f.txt')).toBe(expected);
  });

  it.each(RUN)('is a located template error where it runs: %s', (template, _error, message) => {
    let error: unknown;
    try {
      renderer().render(template, VALUES, 'files/f.txt');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/^template error in files\/f\.txt /);
    expect((error as UserError).message).toMatch(message);
  });

  it('is still refused before rendering where it always runs (validate, a foreach line checked before the first)', () => {
    let error: unknown;
    try {
      renderer().check("x\n{{ lst | join }} {{ '%,d' % n }}", 'tasks[0].commands[0].args');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/^template syntax error in tasks\[0\]\.commands\[0\]\.args at line 2, column \d+: .*unsupported format character ','/);
    expect(() => renderer().check("{% set s = '{:q}'.format(1) %}", 'files/f.txt')).toThrow(/template syntax error/);
    expect(() => renderer().check("{% with %}{{ 'a'.nosuch() }}{% endwith %}", 'files/f.txt')).toThrow(/str has no method "nosuch"/);
  });

  const jinja2Here = spawnSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!jinja2Here)(`and these expectations are what the installed Jinja2 does${jinja2Here ? '' : ' (skipped: python3 has no jinja2)'}`, () => {
    const program = [
      'import jinja2, json, sys',
      'job = json.load(sys.stdin)',
      'env = jinja2.Environment()',
      'def render(t):',
      '    try:',
      "        return env.from_string(t).render(**job['values'])",
      '    except Exception as e:',
      "        return 'error: ' + type(e).__name__",
      "print(json.dumps([render(t) for t in job['templates']]))",
    ].join('\n');
    const templates = [...NEVER_RUN, ...RUN].map(([t]) => t);
    const rendered = JSON.parse(execFileSync('python3', ['-c', program], { input: JSON.stringify({ values: VALUES, templates }), encoding: 'utf8' })) as string[];
    expect(rendered).toEqual([...NEVER_RUN.map(([, text]) => text), ...RUN.map(([, error]) => `error: ${error}`)]);
  });
});
