// Tests for template rendering: exact bytes, undefined variables, errors with positions, shell_quote.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { UserError } from '../errors.js';
import { PythonFloat } from './python-str.js';
import { createRenderer, quoteForShell, loadTemplateEngine } from './render.js';

// Templates need the engine, which the CLI loads before rendering (see loadTemplateEngine).
beforeAll(loadTemplateEngine);

function makeRenderer(strict = false) {
  const warnings: string[] = [];
  const renderer = createRenderer({ strict, onWarning: (m) => warnings.push(m) });
  return { renderer, warnings };
}

function catchError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected an error');
}

describe('createRenderer', () => {
  it('substitutes variables, filters and control structures', () => {
    const { renderer } = makeRenderer();
    const out = renderer.render(
      '{{ name | upper }}:{% for i in range(3) %}{{ i }}{% endfor %}{% if flag %}!{% endif %}',
      { name: 'abc', flag: true },
      't',
    );
    expect(out).toBe('ABC:012!');
  });

  it('renders text with only {{ name }} of defined values exactly as the engine does, without compiling it', () => {
    const { renderer, warnings } = makeRenderer();
    const values: Record<string, unknown> = {
      s: 'a b', n: 7, f: new PythonFloat(2), t: true, fa: false, nul: null, und: undefined,
      arr: [1, 'x', true, null], obj: { a: 1, b: [false] }, braces: '{{ x }} {% y %}', multi: 'x\ny',
    };
    const templates = ['{{s}}', 'a {{ n }} b {{t}}{{fa}} {{ f }}', '{{ nul }}-{{ und }}-', '{{arr}} {{ obj }}', 'q {{ braces }} }} { x', '{{\ts\t}}\r\n{{ multi }}'];
    for (const template of templates) {
      // A comment makes the same text go through nunjucks' parse and compile.
      expect(renderer.render(template, values, 't'), template).toBe(renderer.render(`${template}{# engine #}`, values, 't'));
    }
    expect(renderer.render('{{ s }}', values, 't')).toBe('a b');
    expect(renderer.render('{{ t }} {{ nul }} {{ arr }}', values, 't')).toBe('True None [1, \'x\', True, None]');
    // A name the values do not hold goes to the engine: reported as undefined, or one of its globals (range).
    expect(renderer.render('[{{ missing }}]', values, 'tasks[0]')).toBe('[]');
    expect(warnings).toEqual(['undefined variable "missing" in tasks[0] (renders as empty)']);
    expect(renderer.render('{{ range }}', values, 't')).toBe(renderer.render('{{ range }}{# engine #}', values, 't'));
    expect(() => makeRenderer(true).renderer.render('{{ missing }}', values, 't')).toThrow(/undefined variable "missing"/);
  });

  it('keeps a trailing newline, CRLF line ends and surrounding whitespace', () => {
    const { renderer } = makeRenderer();
    expect(renderer.render('a {{ x }}\r\n  b\r\n\n', { x: 1 }, 'files/a.txt')).toBe('a 1\r\n  b\r\n\n');
    expect(renderer.render('{% if x %}\n  yes\n{% endif %}\n', { x: true }, 'f')).toBe('\n  yes\n\n');
    expect(renderer.render('plain\n', {}, 'f')).toBe('plain\n');
  });

  it('does not escape HTML characters', () => {
    const { renderer } = makeRenderer();
    expect(renderer.render('{{ x }}', { x: '<a href="x">&</a>' }, 'f')).toBe('<a href="x">&</a>');
  });

  it('renders a value containing template syntax once, without evaluating it again', () => {
    const { renderer, warnings } = makeRenderer();
    const out = renderer.render('v={{ x }}', { x: '{{ secret }} {% if 1 %}' }, 'f');
    expect(out).toBe('v={{ secret }} {% if 1 %}');
    expect(warnings).toEqual([]);
  });

  it('renders an undefined variable as empty and warns once per name', () => {
    const { renderer, warnings } = makeRenderer();
    expect(renderer.render('a{{ foo }}b{{ foo }}', {}, 'tasks[0].pipeline[1]')).toBe('ab');
    expect(renderer.render('{{ foo }}{{ bar }}', {}, 'tasks[1].commands[0]')).toBe('');
    expect(warnings).toEqual([
      'undefined variable "foo" in tasks[0].pipeline[1] (renders as empty)',
      'undefined variable "bar" in tasks[1].commands[0] (renders as empty)',
    ]);
  });

  it('does not report names defined inside the template, loop variables, globals or Jinja constants', () => {
    const { renderer, warnings } = makeRenderer(true);
    const out = renderer.render(
      '{% set a = 1 %}{% macro m(p) %}{{ p }}{{ a }}{% endmacro %}{% for i in items %}{{ i }}{% endfor %}{{ m(2) }}{{ True }}{{ range(1) | length }}',
      { items: ['x', 'y'] },
      'f',
    );
    expect(out).toBe('xy21True1');
    expect(warnings).toEqual([]);
  });

  it('does not report a name checked with "is defined" or given a default', () => {
    const { renderer, warnings } = makeRenderer(true);
    expect(renderer.render('{% if x is defined %}{{ x }}{% endif %}{{ y | default("d") }}{{ z is undefined }}', {}, 'f')).toBe(
      'dTrue',
    );
    expect(warnings).toEqual([]);
  });

  it('treats a key present with an empty value as defined; a null (YAML `~`) prints None as in Jinja2', () => {
    const { renderer, warnings } = makeRenderer(true);
    expect(renderer.render('[{{ a }}][{{ b }}]', { a: null, b: '' }, 'f')).toBe('[None][]');
    expect(warnings).toEqual([]);
  });

  it('reads attributes of defined objects and renders a missing attribute as empty', () => {
    const { renderer } = makeRenderer(true);
    expect(renderer.render('{{ a.b }}-{{ a.c }}-{{ a.b.d }}', { a: { b: 'x' } }, 'f')).toBe('x--');
  });

  it('supports Jinja2 forms used by projects written for the original (slices, None, dict methods)', () => {
    const { renderer, warnings } = makeRenderer();
    const out = renderer.render('{{ xs[1:] | join(",") }}|{{ None }}|{{ d.keys() | join(",") }}', { xs: [1, 2, 3], d: { a: 1, b: 2 } }, 'f');
    expect(out).toBe('2,3|None|a,b');
    expect(warnings).toEqual([]);
  });

  it('makes an undefined variable an error naming it and the origin when strict', () => {
    const { renderer, warnings } = makeRenderer(true);
    const e = catchError(() => renderer.render('cat {{ input_file }}', {}, 'tasks[0].pipeline[1]'));
    expect(e.message).toContain('"input_file"');
    expect(e.message).toContain('tasks[0].pipeline[1]');
    expect(e.exitCode).toBe(2);
    expect(warnings).toEqual([]);
  });

  it('names the origin, line and column of a syntax error', () => {
    const { renderer } = makeRenderer();
    const e = catchError(() => renderer.render('line one\nline {{ x + }} two\n', { x: 1 }, 'files/config.json'));
    expect(e.message).toContain('files/config.json');
    expect(e.message).toContain('line 2, column 13');
    expect(e.diagnostics[0].location).toEqual({ file: 'files/config.json', line: 2, col: 13 });
  });

  it('refuses a {% raw %} that is never closed, as Jinja2 does, at once however long the text after it', () => {
    const { renderer } = makeRenderer();
    const e = catchError(() => renderer.render(`before\n  {% raw %}\nafter {{ x }}\n${'y'.repeat(200_000)}`, { x: 1 }, 'files/a.txt'));
    expect(e.message).toContain('files/a.txt at line 2, column 3: {% raw %} is never closed (expected {% endraw %})');
    // Closed, it renders its inside as written; a second block is checked too.
    expect(renderer.render('{% raw %}{{ x }}{% endraw %}-{{ x }}-{% raw %}{% if %}{% endraw %}', { x: 1 }, 't')).toBe('{{ x }}-1-{% if %}');
    expect(catchError(() => renderer.render('{% raw %}a{% endraw %}{% raw %}b', {}, 't')).message).toContain('line 1, column 23');
  });

  it('names the last line for a block left open at the end of the template', () => {
    const { renderer } = makeRenderer();
    const e = catchError(() => renderer.render('a\n{% if x %}\nb', { x: 1 }, 'files/a.txt'));
    expect(e.message).toContain('files/a.txt at line 3');
    expect(e.message).toMatch(/endif/);
  });

  it('reports an unknown filter with its position; inside an if, as Jinja2 3 does, only when its branch is reached', () => {
    const { renderer } = makeRenderer();
    const e = catchError(() => renderer.render('a\n{{ x | nosuchfilter }}', { x: 1 }, 'files/a.txt'));
    expect(e.message).toContain('unknown filter "nosuchfilter"');
    expect(e.message).toContain('line 2');
    expect(renderer.render('a\n{% if false %}{{ x | nosuchfilter }}{% endif %}', { x: 1 }, 'files/a.txt')).toBe('a\n');
    const reached = catchError(() => renderer.render('a\n{% if true %}{{ x | nosuchfilter }}{% endif %}', { x: 1 }, 'files/a.txt'));
    expect(reached.message).toMatch(/files\/a\.txt at line 2.*nosuchfilter/);
  });

  it('turns a runtime failure into a UserError naming the origin', () => {
    const { renderer } = makeRenderer();
    const e = catchError(() => renderer.render('{{ nothing() }}', {}, 'tasks[2].commands[0]'));
    expect(e.message).toContain('tasks[2].commands[0]');
    expect(e.message).toContain('nothing');
  });

  it('renders the same template text with different values (compiled once, cached)', () => {
    const { renderer } = makeRenderer();
    const lines = ['a', 'b', 'c'].map((l) => renderer.render('echo {{ _line }}', { _line: l }, 'f'));
    expect(lines).toEqual(['echo a', 'echo b', 'echo c']);
  });

  it('renders values as str() does in Python (the original rendered with Jinja2 over Python values)', () => {
    // A float plus an int is a float in Python: Jinja2 renders `whole + 1` (whole = 1.0) as 2.0.
    const { renderer } = makeRenderer();
    const values = { n: 7, b: false, t: true, f: 3.5, whole: new PythonFloat(1), tiny: 0.00001, none: null, list: ['a', 1, true], d: { k: 'v' } };
    expect(renderer.render('{{ n }} {{ b }} {{ t }} {{ f }} {{ whole }} {{ tiny }} {{ none }} {{ list }} {{ d }}', values, 'f')).toBe(
      "7 False True 3.5 1.0 1e-05 None ['a', 1, True] {'k': 'v'}",
    );
    expect(renderer.render('{{ t | shell_quote }} {{ whole + 1 }} {% if whole > 0.5 %}big{% endif %}', values, 'f')).toBe("'True' 2.0 big");
  });

  it('joins values with ~, join and string as Jinja2 does, with Python str() of each side', () => {
    const { renderer } = makeRenderer();
    const values = { t: true, none: null, whole: new PythonFloat(2), list: [true, 1, 'a', null], rows: [{ k: false }, { k: 3.5 }] };
    expect(renderer.render("{{ t ~ '-' ~ none ~ '-' ~ whole ~ missing }}", values, 'f')).toBe('True-None-2.0');
    expect(renderer.render("{{ list | join(',') }}|{{ list | join }}|{{ rows | join('/', 'k') }}", values, 'f')).toBe(
      'True,1,a,None|True1aNone|False/3.5',
    );
    expect(renderer.render('{{ t | string }}{{ (t | string) | length }}', values, 'f')).toBe('True4');
    // Jinja2's tojson, often used to pass a value to a tool as JSON.
    expect(renderer.render("echo '{{ rows | tojson }}'", values, 'f')).toBe(`echo '[{"k": false}, {"k": 3.5}]'`);
  });
});

describe('shell_quote', () => {
  it('quotes values so the shell sees them as one literal word', () => {
    const { renderer } = makeRenderer();
    expect(renderer.render("{{ v | shell_quote }}", { v: "a'b" }, 'f')).toBe(`'a'"'"'b'`);
    expect(quoteForShell('')).toBe("''");
    expect(quoteForShell(undefined)).toBe("''");
    expect(quoteForShell(3)).toBe("'3'");
  });

  it('survives a real shell unchanged', () => {
    const { renderer } = makeRenderer();
    const nasty = `it's "$HOME" $(echo no) \`x\` ; | & \\ *`;
    const line = renderer.render('printf %s {{ v | shell_quote }}', { v: nasty }, 'f');
    expect(execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' })).toBe(nasty);
  });
});
