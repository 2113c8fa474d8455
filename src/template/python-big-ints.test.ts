// Integers beyond 2**53 in templates (literals and + - * // % ** on ints) are exact, as Python's ints are in Jinja2.
import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { createRenderer, loadTemplateEngine } from './render.js';

beforeAll(loadTemplateEngine);

/** The values each template sees (the same dict was given to Jinja2): a millisecond timestamp, as in the finding. */
const VALUES: Record<string, unknown> = { epoch_ms: 1733550000123 };

/**
 * Each template and what Jinja2 3.1.6 renders for it with VALUES. Before, each int was a JavaScript double: a result
 * or literal beyond 2**53 was silently rounded (`{{ 2 ** 64 }}` gave `18446744073709552000`).
 */
const JINJA2_RENDERS: Array<[string, string]> = [
  ['{{ epoch_ms * 1000000 }}', '1733550000123000000'],
  ['{{ 1733550000123000001 }}', '1733550000123000001'],
  ["{{ '%d' % (epoch_ms * 1000000 + 7) }}", '1733550000123000007'],
  ['{{ 2 ** 64 }}', '18446744073709551616'],
  ['{{ 9007199254740993 }}', '9007199254740993'],
  ['{{ -9007199254740993 }}', '-9007199254740993'],
  ['{{ 2 ** 64 - 1 }}', '18446744073709551615'],
  ['{{ -(2 ** 63) }}', '-9223372036854775808'],
  ['{{ 2 ** 53 + 1 }}', '9007199254740993'],
  ['{{ 4611686018427387904 * 4 }}', '18446744073709551616'],
  ['{{ 2 ** 64 // 3 }}', '6148914691236517205'],
  ['{{ -(2 ** 64) // 3 }}', '-6148914691236517206'],
  ['{{ 2 ** 64 % 7 }}', '2'],
  ['{{ -(2 ** 64) % 7 }}', '5'],
  ['{{ 2 ** 64 % -7 }}', '-5'],
  ['{{ (2 ** 64) // (2 ** 62) }}', '4'],
  ['{{ 2 ** 64 - 2 ** 64 }}', '0'],
  ['{% if 2 ** 64 - 2 ** 64 %}t{% else %}f{% endif %}', 'f'],
  ['{{ 10 ** 20 }}', '100000000000000000000'],
  ['{{ 3 ** 40 }}', '12157665459056928801'],
  ['{{ 2 ** -1 }}', '0.5'],
  ['{{ True + 2 ** 64 }}', '18446744073709551617'],
  // Mixed with a float, the int becomes a float, as in Python.
  ['{{ 2 ** 64 / 2 }}', '9.223372036854776e+18'],
  ['{{ 2 ** 64 * 1.5 }}', '2.7670116110564327e+19'],
  ['{{ 2 ** 64 + 0.5 }}', '1.8446744073709552e+19'],
  // Compared exactly.
  ['{{ 2 ** 64 > 2 ** 64 - 1 }}', 'True'],
  ['{{ 2 ** 53 + 1 == 2 ** 53 }}', 'False'],
  ['{{ 2 ** 53 + 1 > 2 ** 53 }}', 'True'],
  ['{{ 2 ** 64 == 2.0 ** 64 }}', 'True'],
  ['{{ 9007199254740993 in [9007199254740992] }}', 'False'],
  ['{{ [1, 2 ** 64, 3] | max }}', '18446744073709551616'],
  // Printed as Python prints them.
  ['{{ [2 ** 64, 1] }}', '[18446744073709551616, 1]'],
  ['{{ (2 ** 64) | string }}', '18446744073709551616'],
  ["{{ (2 ** 64) ~ '!' }}", '18446744073709551616!'],
  ["{{ {'a': 2 ** 64} | tojson }}", '{"a": 18446744073709551616}'],
  ["{{ '%s|%i|%d' % (2 ** 64, 2 ** 64 + 1, -(2 ** 64)) }}", '18446744073709551616|18446744073709551617|-18446744073709551616'],
  ['{{ (2 ** 64) is number }}{{ (2 ** 64) is integer }}', 'TrueTrue'],
  // Jinja2's int literals in other bases and with underscores.
  ['{{ 0x1ffffffffffffffff }}', '36893488147419103231'],
  ['{{ 1_000_000_000_000_000_001 }}', '1000000000000000001'],
  // The numeric filters, methods and tests (the tenth review left them refusing such an int; `'…' | int` rounded).
  ['{{ (2 ** 64) | abs }} {{ (-(2 ** 64)) | abs }} {{ -1.0 | abs }}', '18446744073709551616 18446744073709551616 1.0'],
  ['{{ (2 ** 64) | int }} {{ (2 ** 64) | int + 1 }}', '18446744073709551616 18446744073709551617'],
  ["{{ '123456789012345678901' | int }} {{ '-123456789012345678901' | int }}", '123456789012345678901 -123456789012345678901'],
  ["{{ '1ffffffffffffffff' | int(base=16) }} {{ '0x1ffffffffffffffff' | int(0, 16) }} {{ '0b1' | int(0, 0) }}", '36893488147419103231 36893488147419103231 1'],
  ["{{ 1.8e19 | int }} {{ 1.8e19 | int + 1 }} {{ '1.5e20' | int }}", '18000000000000000000 18000000000000000001 150000000000000000000'],
  ['{{ (2 ** 64) | float }}', '1.8446744073709552e+19'],
  ['{{ (2 ** 64) | round }} {{ (2 ** 64) | round(2) }} {{ (2 ** 64 + 15) | round(-1) }} {{ (2 ** 64 + 25) | round(-1) }} {{ (2 ** 64) | round(-30) }}', '18446744073709551616 18446744073709551616 18446744073709551630 18446744073709551640 0'],
  ["{{ (2 ** 64) | round(method='floor') }} {{ (-(2 ** 64) - 5) | round(-1, 'ceil') }} {{ (2 ** 64) | round(2, 'ceil') }}", '1.8446744073709552e+19 -1.8446744073709552e+19 1.8446744073709552e+19'],
  ['{{ (2 ** 64) | filesizeformat }} {{ (2 ** 64) | filesizeformat(true) }} {{ (10 ** 30) | filesizeformat }}', '18.4 EB 16.0 EiB 1000000.0 YB'],
  ["{{ '{:,}'.format(2 ** 64) }} {{ '{:_}'.format(-(2 ** 64)) }} {{ '{:,}'.format(10 ** 30) }}", '18,446,744,073,709,551,616 -18_446_744_073_709_551_616 1,000,000,000,000,000,000,000,000,000,000'],
  ["{{ '{:x}'.format(2 ** 64) }} {{ '{:#b}'.format(2 ** 64) }} {{ '{:+d}'.format(2 ** 64) }} {{ '{:n}'.format(2 ** 64) }}", '10000000000000000 0b10000000000000000000000000000000000000000000000000000000000000000 +18446744073709551616 18446744073709551616'],
  ["[{{ '{:>30,}'.format(2 ** 64) }}]", '[    18,446,744,073,709,551,616]'],
  ["{{ '{:e}'.format(2 ** 64) }} {{ '{:.2f}'.format(2 ** 64) }} {{ '{:g}'.format(2 ** 64) }} {{ '{:%}'.format(2 ** 64) }}", '1.844674e+19 18446744073709551616.00 1.84467e+19 1844674407370955161600.000000%'],
  ["{{ '%.1f' % (2 ** 64) }} {{ '%e' % (2 ** 64) }}", '18446744073709551616.0 1.844674e+19'],
  ['{{ range(2 ** 64, 2 ** 64 + 3) | list }} {{ range(2 ** 64, 2 ** 64 + 3) }} {{ range(2 ** 64 + 4, 2 ** 64, -2) | list }}', '[18446744073709551616, 18446744073709551617, 18446744073709551618] range(18446744073709551616, 18446744073709551619) [18446744073709551620, 18446744073709551618]'],
  ['{{ range(2 ** 64, 2 ** 64 + 3) | sum }} {{ range(2 ** 64, 0) | list }}', '55340232221128654851 []'],
  ['{{ (2 ** 64) is divisibleby 3 }} {{ (2 ** 64) is even }} {{ (2 ** 64 + 1) is odd }}', 'False True True'],
  // batch and slices with such an int (the twelfth review left them refusing it): Python clamps a slice's bounds to the
  // sequence, and a range's slice is a range with exact bounds.
  ['{{ [1, 2] | batch(2 ** 64) | list }} {{ [1, 2] | batch(-(2 ** 64)) | list }}', '[[1, 2]] [[1, 2]]'],
  ["{{ range(10)[2 ** 64:] | list }} {{ range(10)[2 ** 64:] }} {{ 'abc'[:2 ** 64] }} {{ 'abc'[-(2 ** 64):] }} {{ [1, 2, 3][::2 ** 64] }} {{ [1, 2, 3][::-(2 ** 64)] }} {{ 'abc'[::2 ** 64] }} {{ (1, 2)[2 ** 64:] }}", '[] range(10, 10) abc abc [1] [3] a ()'],
  ['{{ range(10)[::2 ** 64] }} {{ range(10)[::-(2 ** 64)] }} {{ range(10)[-(2 ** 64):2 ** 64] }} {{ range(10)[::2 ** 64] | list }}', 'range(0, 10, 18446744073709551616) range(9, -1, -18446744073709551616) range(0, 10) [0]'],
  ['{{ range(2 ** 64, 2 ** 64 + 10)[2:5] }} {{ range(2 ** 64, 2 ** 64 + 10)[2:5] | list }} {{ range(2 ** 64, 2 ** 64 + 10)[3:1] }}', 'range(18446744073709551618, 18446744073709551621) [18446744073709551618, 18446744073709551619, 18446744073709551620] range(18446744073709551619, 18446744073709551617)'],
  ['{{ range(2 ** 64, 2 ** 64 + 10)[::-3] }} {{ range(2 ** 64, 2 ** 64 + 10)[::-3] | list }} {{ range(2 ** 64, 2 ** 64 + 10)[-1] }}', 'range(18446744073709551625, 18446744073709551615, -3) [18446744073709551625, 18446744073709551622, 18446744073709551619, 18446744073709551616] 18446744073709551625'],
  ['{{ range(0, 2 ** 64, 2 ** 62)[1:3] }} {{ range(0, 2 ** 64, 2 ** 62)[1:3] | list }} {{ range(0, 10, 2 ** 30)[::2 ** 30] }}', 'range(4611686018427387904, 13835058055282163712, 4611686018427387904) [4611686018427387904, 9223372036854775808] range(0, 1073741824, 1152921504606846976)'],
  ["[{{ [1, 2][2 ** 64] }}{{ 'ab'[2 ** 64] }}] {{ '' * 2 ** 60 }}{{ [] * 2 ** 60 }} [{{ 'ab' * -(2 ** 60) }}] {{ -(2 ** 60) * [1] }}", '[] [] [] []'],
];

/**
 * Templates Python refuses, the class of the error Jinja2 raises, and handoff's message. Before, `'ab' * 2 ** 64` was
 * handoff's own "beyond 2**53" error, and a huge repeat of a safe int (`'ab' * 10 ** 15`) a raw JavaScript RangeError.
 */
const JINJA2_ERRORS: Array<[string, string, RegExp]> = [
  ['x\n{{ (10 ** 400) | float }}', 'OverflowError', /^template error in files\/f\.txt at line 2, column \d+: OverflowError: int too large to convert to float/],
  ["{{ '{:c}'.format(2 ** 64) }}", 'OverflowError', /OverflowError/],
  ["{{ 'x' | abs }}", 'TypeError', /TypeError: bad operand type for abs\(\): 'str'/],
  ["x\n{{ 'ab' * 2 ** 64 }}", 'OverflowError', /^template error in files\/f\.txt at line 2, column \d+: OverflowError: cannot fit 'int' into an index-sized integer$/],
  ['{{ 2 ** 64 * [1] }}', 'OverflowError', /line 1, column \d+: OverflowError: cannot fit 'int' into an index-sized integer$/],
  ["{{ 'ab' * -(2 ** 64) }}", 'OverflowError', /OverflowError: cannot fit 'int' into an index-sized integer$/],
  ["{{ 'ab' * 2 ** 62 }}", 'OverflowError', /line 1, column \d+: OverflowError: repeated string is too long$/],
  ['{{ [1] * 2 ** 60 }}', 'MemoryError', /line 1, column \d+: MemoryError/],
  ["{{ 'ab' * 10 ** 15 }}", 'MemoryError', /line 1, column \d+: MemoryError/],
  ["x\n{{ [1, 2] | batch(2 ** 64, 'x') | list }}", 'OverflowError', /^template error in files\/f\.txt at line 2, column \d+: OverflowError: cannot fit 'int' into an index-sized integer$/],
];

function render(template: string): string {
  return createRenderer({ strict: false, onWarning: () => undefined }).render(template, VALUES, 'files/f.txt');
}

describe('integers beyond 2**53 are exact in templates, as Python ints are', () => {
  it.each(JINJA2_RENDERS)('%s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('what handoff cannot compute exactly with such an int is a located error, never a rounded number', () => {
    let error: unknown;
    try {
      // (truncate's length was the example until it took such an int as Jinja2 does: a bound past any text.)
      render("x\n{{ 'abc' | center(2 ** 64) }}");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/^template error in files\/f\.txt at line 2, column \d+: .*beyond 2\*\*53/);
    expect((error as UserError).fix).toContain('x * 1.0');
    // Python makes a range's items as a loop asks; handoff makes them at once, so it holds a limit.
    expect(() => render('{{ range(2 ** 64 + 3) | length }}')).toThrow(/line 1.*range\(\) of more than/);
  });

  it.each(JINJA2_ERRORS)('where Python raises on such an int, so does handoff, located: %s', (template, _error, message) => {
    let error: unknown;
    try {
      render(template);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
  });

  const jinja2Here = spawnSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!jinja2Here)(`and these expectations are what the installed Jinja2 renders${jinja2Here ? '' : ' (skipped: python3 has no jinja2)'}`, () => {
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
    const input = JSON.stringify({ values: VALUES, templates: [...JINJA2_RENDERS, ...JINJA2_ERRORS].map(([t]) => t) });
    const rendered = JSON.parse(execFileSync('python3', ['-c', program], { input, encoding: 'utf8' })) as string[];
    expect(rendered).toEqual([...JINJA2_RENDERS.map(([, text]) => text), ...JINJA2_ERRORS.map(([, error]) => `error: ${error}`)]);
  });
});
