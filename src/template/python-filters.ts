// Jinja2 3.1's built-in filters where nunjucks' own differ (round, truncate, …), with Jinja2's arguments and results.
import { PythonTemplateError, keywordsOf, numberOf, pythonRound, pythonTruthy, pythonTypeName } from './python-ops.js';
import { PythonFloat } from './python-str.js';

function fail(message: string): never {
  throw new PythonTemplateError(message);
}

/**
 * A filter's arguments by Jinja2's parameter names, positional or keyword (`round(2, 'floor')` and
 * `round(method='floor', precision=2)` alike); a parameter not given keeps its default.
 */
function bindArguments(filter: string, rest: unknown[], params: Record<string, unknown>): Record<string, unknown> {
  const [positional, keywords] = keywordsOf(rest);
  const names = Object.keys(params);
  if (positional.length > names.length) fail(`TypeError: ${filter}() takes at most ${names.length} arguments after the value (${positional.length} given)`);
  const bound = { ...params };
  positional.forEach((value, i) => {
    bound[names[i]!] = value;
  });
  for (const [name, value] of Object.entries(keywords)) {
    if (!names.includes(name)) fail(`TypeError: ${filter}() got an unexpected keyword argument '${name}'`);
    bound[name] = value;
  }
  return bound;
}

function integerArgument(value: unknown): number {
  const n = numberOf(value);
  if (n === undefined || value instanceof PythonFloat || !Number.isInteger(n)) fail(`TypeError: '${pythonTypeName(value)}' object cannot be interpreted as an integer`);
  return n;
}

/**
 * Jinja2's `round(value, precision=0, method='common')`: 'common' is Python's round (half to even, `2.5` → `2.0`,
 * an int stays an int); 'ceil' and 'floor' always give a float.
 */
export function roundFilter(value: unknown, ...rest: unknown[]): unknown {
  const { precision, method } = bindArguments('round', rest, { precision: 0, method: 'common' });
  if (method !== 'common' && method !== 'ceil' && method !== 'floor') fail('FilterArgumentError: method must be common, ceil or floor');
  const places = integerArgument(precision);
  if (method === 'common') return pythonRound(value, places);
  const n = numberOf(value);
  if (n === undefined) fail(`TypeError: must be real number, not ${pythonTypeName(value)}`);
  const scale = 10 ** places;
  // math.ceil gives an int, which has no -0: `-0.4 | round(method='ceil')` is `0.0`.
  const result = ((method === 'ceil' ? Math.ceil(n * scale) : Math.floor(n * scale)) + 0) / scale;
  return Number.isInteger(result) ? new PythonFloat(result) : result;
}

/**
 * Jinja2's `truncate(s, length=255, killwords=False, end='...', leeway=5)`: text up to `length + leeway` characters is
 * kept whole; longer text is cut to `length` with `end` counted in, at the last space unless killwords.
 */
export function truncateFilter(value: unknown, ...rest: unknown[]): unknown {
  const { length, killwords, end, leeway } = bindArguments('truncate', rest, { length: 255, killwords: false, end: '...', leeway: 5 });
  if (typeof end !== 'string') fail(`TypeError: truncate() end must be str, not ${pythonTypeName(end)}`);
  const max = integerArgument(length);
  const slack = integerArgument(leeway);
  const endLength = Array.from(end).length;
  if (max < endLength) fail(`AssertionError: expected length >= ${endLength}, got ${max}`);
  if (slack < 0) fail(`AssertionError: expected leeway >= 0, got ${slack}`);
  // Undefined has length 0 and is kept (empty); a list or dict is kept when short, as Jinja2's len() allows it.
  if (value === undefined) return value;
  if (typeof value !== 'string') {
    if ((Array.isArray(value) || (value !== null && typeof value === 'object')) && lengthOf(value) <= max + slack) return value;
    fail(`TypeError: truncate() needs a str, not ${pythonTypeName(value)}`);
  }
  const chars = Array.from(value);
  if (chars.length <= max + slack) return value;
  const cut = chars.slice(0, max - endLength).join('');
  if (pythonTruthy(killwords)) return cut + end;
  const space = cut.lastIndexOf(' ');
  return (space < 0 ? cut : cut.slice(0, space)) + end;
}

/** Python's len() of a str (in code points), list or dict; other values have none. */
function lengthOf(value: unknown): number {
  if (typeof value === 'string') return Array.from(value).length;
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object' && !(value instanceof PythonFloat)) return Object.keys(value).length;
  return fail(`TypeError: object of type '${pythonTypeName(value)}' has no len()`);
}
