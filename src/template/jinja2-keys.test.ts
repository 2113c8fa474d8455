// Empty brackets (`lst[]`), dict keys of digits in insertion order, and dict methods that change the dict, against
// what Jinja2 3.1.6 renders.
import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { createRenderer, loadTemplateEngine } from './render.js';

beforeAll(loadTemplateEngine);

const VALUES: Record<string, unknown> = { lst: [1, 2], s: 'ab' };

/** Each template and what Jinja2 renders for it with VALUES (or `error: <its exception>`). */
const JINJA2_RENDERS: Array<[string, string]> = [
  // nunjucks left no node for the index of `lst[]`: an internal error. Jinja2 reads it as `lst[()]`.
  ["{{ lst[] }}|{{ {(): 'e'}[] }}|{{ s[] }}|{{ lst[] is defined }}|{{ lst[] | default('z') }}", '|e||False|z'],
  ['{{ lst[].x }}', 'error: UndefinedError'],
  // A str key that looks like an int came first, in ascending order (JavaScript's order of such names).
  ["{{ {'2': 'a', '1': 'b'} }}|{{ dict({'2': 'a', '1': 'b'}) }}|{{ dict([('2', 'a'), ('1', 'b')]) }}", "{'2': 'a', '1': 'b'}|{'2': 'a', '1': 'b'}|{'2': 'a', '1': 'b'}"],
  ["{% set d = {'2': 'a', 'x': 'c', '1': 'b'} %}{{ d.items() | list }}|{{ d.keys() | list }}|{{ d.values() | list }}|{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}|{{ d | list }}|{{ d.copy() }}|{{ d | xmlattr }}", "[('2', 'a'), ('x', 'c'), ('1', 'b')]|['2', 'x', '1']|['a', 'c', 'b']|2x1|2axc1b|['2', 'x', '1']|{'2': 'a', 'x': 'c', '1': 'b'}| 2=\"a\" x=\"c\" 1=\"b\""],
  ["{% set d = {'2': 'a', '1': 'b'} %}{{ d | tojson }}|{{ {'x': d} | tojson }}|{{ d['2'] }}{{ d.get('1') }}|{{ '2' in d }}|{{ d == {'1': 'b', '2': 'a'} }}|{{ d | dictsort }}|{{ d | pprint }}|{{ d | length }}", "{\"1\": \"b\", \"2\": \"a\"}|{\"x\": {\"1\": \"b\", \"2\": \"a\"}}|ab|True|True|[('1', 'b'), ('2', 'a')]|{'1': 'b', '2': 'a'}|2"],
  ["{{ {'2': 'a', '01': 'c', '-1': 'd', '4294967295': 'e', '0': 'f'} }}|{% set k = '3' %}{{ {k: 1, '0': 2} }}", "{'2': 'a', '01': 'c', '-1': 'd', '4294967295': 'e', '0': 'f'}|{'3': 1, '0': 2}"],
  // A str key of digits is not the int (nunjucks' lookup found it by the int's digits).
  ["{{ {'1': 2}[1] }}|{{ {1: 2}['1'] }}|{{ 1 in {'1': 2} }}", '||False'],
  // nunjucks' pop, setdefault and update took a key that is not a str as its digits; popitem took the first key.
  ["{% set d = {'a': 1, '2': 'x'} %}{{ d.pop(1, 'no') }}|{{ d.setdefault(1, 5) }}|{{ d.setdefault('a') }}|{{ d }}|{{ d.update({3: 4}, b=2) }}|{{ d }}|{{ d.popitem() }}|{{ d.pop('2') }}|{{ d }}", "no|5|1|{'a': 1, '2': 'x', 1: 5}|None|{'a': 1, '2': 'x', 1: 5, 3: 4, 'b': 2}|('b', 2)|x|{'a': 1, 1: 5, 3: 4}"],
  ["{% set d = {'2': 1} %}{{ d.update([('1', 2)]) }}{{ d }}{{ d.update(x=1) }}{{ d }}{{ d.setdefault('5') }}{{ d }}", "None{'2': 1, '1': 2}None{'2': 1, '1': 2, 'x': 1}None{'2': 1, '1': 2, 'x': 1, '5': None}"],
  ["{% set d = {} %}{{ d.pop('z') }}", 'error: KeyError'],
  ['{% set d = {} %}{{ d.popitem() }}', 'error: KeyError'],
];

function render(template: string): string {
  try {
    return createRenderer({ strict: false, onWarning: () => undefined }).render(template, VALUES, 'files/k.txt');
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const name = /: (\w+Error)\b/.exec((e as Error).message)?.[1];
    return `error: ${name ?? (e as Error).message}`;
  }
}

describe('keys, lookups and dict methods render as in Jinja2', () => {
  it.each(JINJA2_RENDERS)('%s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('gives an attribute of `lst[]` as an error at its line, not an internal error', () => {
    expect(() => createRenderer({ strict: false, onWarning: () => undefined }).render('text\n{{ lst[].x }}', VALUES, 'files/k.txt')).toThrow(
      /^template error in files\/k\.txt at line 2, column \d+: UndefinedError/,
    );
  });

  it('still finds a str key of digits by the int in a mapping that did not come from a template (YAML)', () => {
    // The project's YAML gives `1: a` a str key where PyYAML gave the int.
    expect(createRenderer({ strict: false, onWarning: () => undefined }).render('{{ m[1] }}{{ m["1"] }}', { m: { '1': 'a' } }, 'files/k.txt')).toBe('aa');
  });
});

const jinja2Here = spawnSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0;
describe('the expectations', () => {
  it.skipIf(!jinja2Here)(`are what the installed Jinja2 renders${jinja2Here ? '' : ' (skipped: python3 has no jinja2)'}`, () => {
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
    const templates = JINJA2_RENDERS.map(([template]) => template);
    const rendered = JSON.parse(execFileSync('python3', ['-c', program], { input: JSON.stringify({ values: VALUES, templates }), encoding: 'utf8' })) as string[];
    expect(rendered).toEqual(JINJA2_RENDERS.map(([, text]) => text));
  });
});
