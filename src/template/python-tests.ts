// Jinja2 3.1's tests (`x is integer`, `x is sequence`, …) and the filters that take a test (select, selectattr, …), with Python's types.
import { PythonTemplateError, dictKeyName, isMapping, numberOf, pythonCompare, pythonEquals, pythonTruthy } from './python-ops.js';

export { pythonEquals };
import { attributeOf, iterateLazily } from './python-filters.js';
import { PythonDictView, PythonFloat, PythonIterator } from './python-str.js';

/** What a test or a filter is called with as `this` (nunjucks' context): the environment, to find tests and filters by name. */
interface TestContext {
  env: { getTest(name: string): unknown; getFilter(name: string): unknown };
}
type Test = (this: TestContext, value: unknown, ...args: unknown[]) => boolean;

function isInteger(value: unknown): boolean {
  // A bigint is an int beyond 2**53 (python-ops' intResult).
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

function isFloat(value: unknown): boolean {
  return value instanceof PythonFloat || (typeof value === 'number' && !Number.isInteger(value));
}

/**
 * Python's `in`: a substring of a str, an item of a list or tuple, a key of a dict; a generator is iterated up to the
 * item (what it gave is used up); Undefined holds nothing.
 */
export function pythonContains(container: unknown, item: unknown): boolean {
  if (container === undefined) return false;
  if (container instanceof PythonIterator) {
    for (const c of container) if (pythonEquals(c, item)) return true;
    return false;
  }
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new PythonTemplateError(`TypeError: 'in <string>' requires string as left operand`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((c) => pythonEquals(c, item));
  if (isMapping(container)) return dictKeyName(container, item) !== undefined;
  throw new PythonTemplateError(`TypeError: argument of this type is not iterable`);
}

/** Python's `a is b`: None, True and False are themselves; numbers and strs of one type and value count as the same object. */
function pythonIdentical(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (isFloat(a) !== isFloat(b)) return false;
  if (a instanceof PythonFloat || b instanceof PythonFloat) return numberOf(a) === numberOf(b);
  return a === b;
}

/** str.islower()/isupper(): at least one cased character, and every cased one in that case. */
function isCase(value: unknown, upper: boolean): boolean {
  const text = String(value ?? '');
  const cased = Array.from(text).filter((c) => c.toLowerCase() !== c.toUpperCase());
  return cased.length > 0 && cased.every((c) => (upper ? c === c.toUpperCase() : c === c.toLowerCase()));
}

function remainder(value: unknown, by: number): number {
  // An int beyond 2**53: its exact remainder (`%` on bigints), as Python's.
  if (typeof value === 'bigint' && Number.isInteger(by)) return Number(((value % BigInt(by)) + BigInt(by)) % BigInt(by));
  const n = numberOf(value);
  if (n === undefined) throw new PythonTemplateError(`TypeError: unsupported operand type(s) for %`);
  return ((n % by) + by) % by;
}

function known(lookup: () => unknown): boolean {
  try {
    return lookup() !== undefined;
  } catch {
    return false;
  }
}

/**
 * Jinja2's tests where nunjucks has none (`integer`, `sequence`, `in`, …) or a JavaScript one (`number` refused `2.0`
 * and `True`, `iterable` refused dicts). Jinja2's Undefined counts as a sequence and as iterable, as there.
 */
export const JINJA2_TESTS: Record<string, Test> = {
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  none: (v) => v === null,
  integer: (v) => isInteger(v),
  float: (v) => isFloat(v),
  number: (v) => typeof v === 'bigint' || numberOf(v) !== undefined,
  string: (v) => typeof v === 'string',
  mapping: (v) => isMapping(v),
  // Python's check: len() and [] work, so str, list, tuple, range and dict are sequences; a dict's views and a
  // generator are not.
  sequence: (v) => v === undefined || typeof v === 'string' || isMapping(v) || (Array.isArray(v) && !(v instanceof PythonDictView) && !(v instanceof PythonIterator)),
  iterable: (v) => v === undefined || typeof v === 'string' || isMapping(v) || Array.isArray(v) || v instanceof PythonIterator,
  callable: (v) => typeof v === 'function',
  in: (v, container) => pythonContains(container, v),
  eq: (v, other) => pythonEquals(v, other),
  ne: (v, other) => !pythonEquals(v, other),
  lt: (v, other) => pythonCompare(v, other, '<') < 0,
  le: (v, other) => pythonCompare(v, other, '<=') <= 0,
  gt: (v, other) => pythonCompare(v, other, '>') > 0,
  ge: (v, other) => pythonCompare(v, other, '>=') >= 0,
  sameas: (v, other) => pythonIdentical(v, other),
  even: (v) => remainder(v, 2) === 0,
  odd: (v) => remainder(v, 2) === 1,
  divisibleby: (v, by) => {
    const n = numberOf(by);
    if (n === undefined || n === 0) throw new PythonTemplateError(n === 0 ? 'ZeroDivisionError: divisibleby(0)' : 'TypeError: divisibleby() needs a number');
    return remainder(v, n) === 0;
  },
  lower: (v) => isCase(v, false),
  upper: (v) => isCase(v, true),
  filter(v) {
    return typeof v === 'string' && known(() => this.env.getFilter(v));
  },
  test(v) {
    return typeof v === 'string' && known(() => this.env.getTest(v));
  },
};
/** Jinja2's other names of the same tests. */
const ALIASES: Record<string, string> = { '==': 'eq', equalto: 'eq', '!=': 'ne', '<': 'lt', lessthan: 'lt', '<=': 'le', '>': 'gt', greaterthan: 'gt', '>=': 'ge' };
for (const [alias, name] of Object.entries(ALIASES)) JINJA2_TESTS[alias] = JINJA2_TESTS[name]!;

/** `select('odd')`, `selectattr('a.b', 'eq', 1)`: keeps (or, rejecting, drops) the items the test holds for; no test is Python's truth. */
function selectItems(context: TestContext, value: unknown, pick: (item: unknown) => unknown, testArgs: unknown[], keep: boolean): PythonIterator {
  const [name, ...args] = testArgs;
  let holds: (item: unknown) => boolean = pythonTruthy;
  if (name !== undefined) {
    if (typeof name !== 'string') throw new PythonTemplateError('TypeError: the test of select/reject must be named by a str');
    let test: Test;
    try {
      test = context.env.getTest(name) as Test;
    } catch {
      throw new PythonTemplateError(`TemplateRuntimeError: No test named '${name}'.`);
    }
    holds = (item) => test.call(context, item, ...args) === true;
  }
  // Jinja2's generator, which prints as `<generator object select_or_reject at 0x…>`; it tests items as they are
  // asked for, and gives none of a false value (`if value:` there), so `0 | select` is empty and `5 | select` fails
  // only when iterated.
  const kept = function* () {
    if (!pythonTruthy(value)) return;
    for (const item of iterateLazily(value)) if (holds(pick(item)) === keep) yield item;
  };
  return PythonIterator.make('generator', kept(), 'select_or_reject');
}

function attributeName(filter: string, attribute: unknown): string {
  if (typeof attribute !== 'string' && typeof attribute !== 'number') throw new PythonTemplateError(`TypeError: ${filter}() needs an attribute name`);
  return String(attribute);
}

/** Jinja2's select, reject, selectattr and rejectattr (nunjucks' selectattr took no test, and kept every truthy item). */
export const JINJA2_TEST_FILTERS: Record<string, (this: TestContext, value: unknown, ...args: unknown[]) => PythonIterator> = {
  select(value, ...args) {
    return selectItems(this, value, (item) => item, args, true);
  },
  reject(value, ...args) {
    return selectItems(this, value, (item) => item, args, false);
  },
  selectattr(value, attribute, ...args) {
    const name = attributeName('selectattr', attribute);
    return selectItems(this, value, (item) => attributeOf(item, name), args, true);
  },
  rejectattr(value, attribute, ...args) {
    const name = attributeName('rejectattr', attribute);
    return selectItems(this, value, (item) => attributeOf(item, name), args, false);
  },
};
