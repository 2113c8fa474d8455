// Jinja2's tests (`is integer`, `is divisibleby 3`, `is in lst`) and select/reject/selectattr/rejectattr, against real Jinja2.
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { createRenderer, loadTemplateEngine } from './render.js';

beforeAll(loadTemplateEngine);

const VALUES: Record<string, unknown> = {
  s: 'abcabc',
  n: 7,
  lst: [3, 1, 2],
  d: { a: 1, b: 2 },
  flag: true,
  none_v: null,
  f: 2.345,
  items: [{ name: 'a' }, { name: 'b' }],
};

/**
 * Each template and what Jinja2 3.1.6 renders for it with VALUES (jinja2.Environment().from_string(t).render(**VALUES)
 * in python3, written here as literals so the tests need no Python). Before: `integer`, `float`, `boolean`,
 * `sequence`, `true`, `false`, `in`, `filter` and `test` were unknown, an argument without parentheses was a syntax
 * error, and two were silently other text: `2.0 is number` and `{'a': 1} is iterable` were False, and
 * `selectattr('name', 'eq', 'a')` ignored its test and kept every item.
 */
const JINJA2_RENDERS: Array<[string, string]> = [
  ["{{ 3 is integer }}", "True"],
  ["{{ 3.0 is integer }}", "False"],
  ["{{ flag is integer }}", "False"],
  ["{{ f is float }}", "True"],
  ["{{ 2.0 is float }}", "True"],
  ["{{ n is float }}", "False"],
  ["{{ flag is boolean }}", "True"],
  ["{{ n is boolean }}", "False"],
  ["{{ none_v is none }}", "True"],
  ["{{ n is none }}", "False"],
  ["{{ lst is sequence }}", "True"],
  ["{{ s is sequence }}", "True"],
  ["{{ d is sequence }}", "True"],
  ["{{ n is sequence }}", "False"],
  ["{{ d is mapping }}", "True"],
  ["{{ lst is mapping }}", "False"],
  ["{{ 2.0 is number }}", "True"],
  ["{{ flag is number }}", "True"],
  ["{{ n is number }}", "True"],
  ["{{ s is number }}", "False"],
  ["{{ flag is true }}", "True"],
  ["{{ 1 is true }}", "False"],
  ["{{ false is false }}", "True"],
  ["{{ 0 is false }}", "False"],
  ["{{ d is iterable }}", "True"],
  ["{{ s is iterable }}", "True"],
  ["{{ n is iterable }}", "False"],
  ["{{ 1 is in lst }}", "True"],
  ["{{ 'a' is in s }}", "True"],
  ["{{ 'a' is in d }}", "True"],
  ["{{ 4.0 is even }}", "True"],
  ["{{ 3.0 is odd }}", "True"],
  ["{{ 6.0 is divisibleby 3 }}", "True"],
  ["{{ 2.0 is eq 2 }}", "True"],
  ["{{ 2.0 is sameas 2 }}", "False"],
  ["{{ 'upper' is filter }}", "True"],
  ["{{ 'nope' is filter }}", "False"],
  ["{{ 'odd' is test }}", "True"],
  ["{{ s is string }}", "True"],
  ["{{ s is lower }}", "True"],
  ["{{ 'ABC' is upper }}", "True"],
  ["{{ none_v is defined }}", "True"],
  ["{{ undefined_x is integer }}", "False"],
  ["{{ undefined_x is sequence }}", "True"],
  ["{{ undefined_x is none }}", "False"],
  ["{{ lst|select('odd')|list }}", "[3, 1]"],
  ["{{ lst|reject('even')|list }}", "[3, 1]"],
  ["{{ [1, 2.0, 'a', none, true]|select('number')|list }}", "[1, 2.0, True]"],
  ["{{ [1, 2.0, 'a', none, true]|select('integer')|list }}", "[1]"],
  ["{{ [1, 2.5, 'a', none]|reject('none')|list }}", "[1, 2.5, 'a']"],
  ["{{ lst|select('gt', 1)|list }}", "[3, 2]"],
  ["{{ lst|select('in', [1,2])|list }}", "[1, 2]"],
  ["{{ items|selectattr('name', 'eq', 'a')|list }}", "[{'name': 'a'}]"],
  ["{{ d.items()|list is sequence }}", "True"],
  ["{{ 'x' is ne 'y' }}", "True"],
  ["{{ 3 is ge 3 }}", "True"],
  ["{{ 3 is lt 2 }}", "False"],
  ["{{ lst is callable }}", "False"],
  ["{{ s.upper is callable }}", "True"],
  ["{{ none_v is sameas none }}", "True"],
  ["{{ (1,2) is sequence }}", "True"],
  ["{{ n is divisibleby 7 and flag }}", "True"],
  ["{% if n is odd %}odd{% else %}even{% endif %}", "odd"],
  ["{{ none_v is not none }}", "False"],
  ["{{ 5 is not in lst }}", "True"],
  ["{{ [0, 1, '', 'a', none]|select|list }}", "[1, 'a']"],
  ["{{ [0, 1, '', 'a']|reject|list }}", "[0, '']"],
  ["{{ 3 is gt 1 or false }}", "True"],
  ["{{ 1 is in lst and 2 is in lst }}", "True"],
  ["{{ flag is sameas false }}", "False"],
  ["{{ n is divisibleby(7) }}", "True"],
  ["{{ 'a' is in 'abc' }}", "True"],
  ["{{ items|rejectattr('name','in',['a'])|list }}", "[{'name': 'b'}]"],
  ["{{ lst|select('lt', 3)|join(',') }}", "1,2"],
  ["{{ x is not defined }}", "True"],
  ["{{ lst is not sequence }}", "False"],
  ["{{ n is not divisibleby 2 }}", "True"],
  ["{{ items|selectattr('name')|list }}", "[{'name': 'a'}, {'name': 'b'}]"],
  ["{{ items|map(attribute='name')|select('ne','a')|list }}", "['b']"],
  ["{{ 'x' if n is odd else 'y' }}", "x"],
  ["{{ d|select('in', ['a'])|list }}", "['a']"],
  ["{{ s|select('in', 'ab')|join }}", "abab"],
  ["{{ lst|select('equalto', 3)|list }}", "[3]"],
  ["{{ lst|select('==', 3)|list }}", "[3]"],
  ["{{ lst is sequence and d is mapping }}", "True"],
];

function render(template: string): string {
  return createRenderer({ strict: false, onWarning: () => {} }).render(template, VALUES, 'tasks[0].commands[0]');
}

describe('Jinja2 tests render as Jinja2 renders them', () => {
  it.each(JINJA2_RENDERS)('%s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });
});

describe('a test that cannot be run is an error, as in Jinja2', () => {
  it.each([
    ['{{ 1 is nope 3 }}', 'unknown test "nope"'],
    ['{{ 1 is in 3 }}', 'argument of this type is not iterable'],
    ["{{ lst|select('nope')|list }}", "No test named 'nope'"],
    ['{{ n is not }}', 'expected a test name after `is`'],
  ])('%s', (template, message) => {
    expect(() => render(template)).toThrow(UserError);
    expect(() => render(template)).toThrow(message);
  });
});
