// Jinja2 3.1's built-in filters where nunjucks' own differ (round, truncate, …), with Jinja2's arguments and results.
import { PythonTemplateError, dictKeyName, intResult, isMapping, isPySpace, keywordsOf, numberOf, realOf, repeatCount, strMember, pythonAdd, pythonCompare, pythonIndex, pythonRound, pythonTruthy, pythonTypeName } from './python-ops.js';
import { PythonDictView, PythonFloat, PythonIterator, PythonRange, PythonTuple, dictKeyOf, dictKeys, formatPythonJson, formatPythonStr, toPythonFloat } from './python-str.js';

function fail(message: string): never {
  throw new PythonTemplateError(message);
}

/**
 * A filter's arguments by Jinja2's parameter names, positional or keyword (`round(2, 'floor')` and
 * `round(method='floor', precision=2)` alike); a parameter not given keeps its default.
 */
export function bindArguments(filter: string, rest: unknown[], params: Record<string, unknown>): Record<string, unknown> {
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
 * An int argument that only bounds a length (truncate's length and leeway): one beyond 2**53 (a bigint) is past any
 * text's length, so it counts as infinite with its sign; it is never rounded into a different bound.
 */
function boundArgument(value: unknown): number {
  if (typeof value === 'bigint') return value > 0n ? Infinity : -Infinity;
  return integerArgument(value);
}

/**
 * The items Jinja2 iterates in a value: a list's items, a dict's keys, a str's characters; nothing for Undefined/None;
 * what is left of a generator (which is then used up).
 */
export function iterate(value: unknown): unknown[] {
  if (value instanceof PythonIterator) return Array.from(value);
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return Array.from(value);
  if (value === undefined || value === null) return [];
  if (typeof value === 'object') return dictKeys(value);
  return fail(`TypeError: '${pythonTypeName(value)}' object is not iterable`);
}

/** The items of a value as `iterate` gives them, but a generator's only as they are asked for (a filter's generator over it). */
export function iterateLazily(value: unknown): Iterable<unknown> {
  return value instanceof PythonIterator ? value : iterate(value);
}

/**
 * Jinja2's attribute path (`a.b`, `items.0`), as its make_attrgetter walks it: a part of digits is an int (a list's
 * index, a dict's int key, or a YAML mapping's key of those digits: not a template's str key of them), another part a
 * dict's str key, a groupby group's `grouper` or `list`; a non-str path is one key. A part that is missing is
 * undefined; a part after one is Jinja2's UndefinedError (an Undefined has no items), naming the part that was
 * missing. A `fallback` (a filter's `default=`, not None) stands in for each missing part, as in make_attrgetter, so
 * the walk goes on from it (`a.b` of `{'x': 1}` with default 0 looks up `b` of 0: missing, so 0 again).
 */
export function attributeOf(item: unknown, path: string | number, fallback?: unknown): unknown {
  const parts: Array<string | number> = typeof path === 'string' ? path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [path];
  const hasFallback = fallback !== undefined && fallback !== null;
  let value = item;
  let missing: string | undefined;
  for (const part of parts) {
    if (missing !== undefined) fail(`UndefinedError: ${missing}`);
    const found = itemOf(value, part);
    if (found.length === 0) missing = describeMissing(value, part);
    value = found[0];
    if (value === undefined && hasFallback) {
      value = fallback;
      missing = undefined;
    }
  }
  return value;
}

/** One part of an attribute path: `[value]` when `container` holds it, else `[]`. */
function itemOf(container: unknown, part: string | number): [unknown] | [] {
  if (container === undefined || container === null) return [];
  if (typeof part === 'number') {
    if (Array.isArray(container) || typeof container === 'string') {
      const picked = Number.isSafeInteger(part) ? pythonIndex(container, part) : undefined;
      return picked === undefined ? [] : [picked];
    }
    if (!isMapping(container)) return [];
    // A mapping read from YAML holds PyYAML's int key 80 as the str '80' (a template's `{'80': …}` holds it under
    // another name, so stays distinct), as memberLookup finds `ports[80]`.
    const key = dictKeyName(container, part) ?? (Object.prototype.hasOwnProperty.call(container, String(part)) ? String(part) : undefined);
    return key === undefined ? [] : [container[key]];
  }
  if (isMapping(container)) {
    const key = dictKeyName(container, part);
    return key === undefined ? [] : [container[key]];
  }
  // A groupby group's named fields (Python's namedtuple attributes).
  if (container instanceof PythonGroup && (part === 'grouper' || part === 'list')) return [container[part]];
  if (typeof container === 'object' && !Array.isArray(container) && Object.prototype.hasOwnProperty.call(container, part)) return [(container as Record<string, unknown>)[part]];
  return [];
}

/** Jinja2's Undefined message for a missing part (`'dict object' has no attribute 'b'`, `list object has no element 5`). */
function describeMissing(container: unknown, part: string | number): string {
  const type = container === null ? 'None' : container === undefined ? 'Undefined' : `${pythonTypeName(container)} object`;
  return typeof part === 'number' ? `${type} has no element ${part}` : `'${type}' has no attribute '${part}'`;
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
  // Jinja2 computes `math.floor(value * 10 ** precision) / 10 ** precision`: for an int and a precision >= 0 that is
  // the int divided back, i.e. float(value) exactly (the float path below would round twice beyond 2**53).
  if (typeof value === 'bigint' && places >= 0) return toPythonFloat(realOf(value)!);
  const n = realOf(value);
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
  const max = boundArgument(length);
  const slack = boundArgument(leeway);
  const endLength = Array.from(end).length;
  if (max < endLength) fail(`AssertionError: expected length >= ${endLength}, got ${formatPythonStr(length)}`);
  if (slack < 0) fail(`AssertionError: expected leeway >= 0, got ${formatPythonStr(leeway)}`);
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
  if (value instanceof PythonIterator) fail(`TypeError: object of type '${pythonTypeName(value)}' has no len()`);
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object' && !(value instanceof PythonFloat)) return Object.keys(value).length;
  return fail(`TypeError: object of type '${pythonTypeName(value)}' has no len()`);
}

/** The items of an iterable, as Python iterates them; None and numbers are not iterable (`iterate` forgives None). */
function itemsOf(value: unknown): unknown[] {
  if (value === null) fail("TypeError: 'NoneType' object is not iterable");
  return iterate(value);
}

/** Jinja2's key for max, min, unique and sort: an attribute path of each item, strs lower-cased unless case_sensitive. */
function keyFunction(attribute: unknown, caseSensitive: unknown): (item: unknown) => unknown {
  const lower = (v: unknown): unknown => (typeof v === 'string' && !pythonTruthy(caseSensitive) ? v.toLowerCase() : v);
  if (attribute === undefined || attribute === null) return lower;
  const path = typeof attribute === 'number' ? String(attribute) : attribute;
  if (typeof path !== 'string') fail(`TypeError: attribute must be a str, not ${pythonTypeName(attribute)}`);
  return (item) => {
    const picked = attributeOf(item, path);
    if (picked === undefined) fail(`UndefinedError: an item has no attribute '${path}'`);
    return lower(picked);
  };
}

function extreme(filter: 'max' | 'min', value: unknown, rest: unknown[]): unknown {
  const { case_sensitive: caseSensitive, attribute } = bindArguments(filter, rest, { case_sensitive: false, attribute: null });
  const items = itemsOf(value);
  // Jinja2: an empty sequence gives Undefined ("No aggregated item, sequence was empty."), which renders as empty.
  if (items.length === 0) return undefined;
  const key = keyFunction(attribute, caseSensitive);
  const op = filter === 'max' ? '>' : '<';
  let best = items[0];
  let bestKey = key(best);
  for (const item of items.slice(1)) {
    const k = key(item);
    // Python's max and min keep the first of equal items.
    const c = pythonCompare(k, bestKey, op);
    if (filter === 'max' ? c > 0 : c < 0) [best, bestKey] = [item, k];
  }
  return best;
}

/** Jinja2's `max(value, case_sensitive=False, attribute=None)`: the largest item (strs compared lower-cased). */
export function maxFilter(value: unknown, ...rest: unknown[]): unknown {
  return extreme('max', value, rest);
}

/** Jinja2's `min(value, case_sensitive=False, attribute=None)`. */
export function minFilter(value: unknown, ...rest: unknown[]): unknown {
  return extreme('min', value, rest);
}

/** Jinja2's `sum(iterable, attribute=None, start=0)`: Python's sum, so floats stay floats (`[1.5, 2.5]` → `4.0`). */
export function sumFilter(value: unknown, ...rest: unknown[]): unknown {
  const { attribute, start } = bindArguments('sum', rest, { attribute: null, start: 0 });
  const key = attribute === null || attribute === undefined ? (v: unknown): unknown => v : keyFunction(attribute, true);
  return itemsOf(value).reduce((total, item) => pythonAdd(total, key(item)), start);
}

/** A value's identity in a Python set: `1`, `1.0` and `True` are one key; lists and dicts cannot be held. */
function hashKey(value: unknown): string {
  const n = numberOf(value);
  if (n !== undefined) return `n${n}`;
  if (typeof value === 'string') return `s${value}`;
  if (value === null) return 'None';
  if (value instanceof PythonTuple) return `t(${value.map(hashKey).join(',')})`;
  return fail(`TypeError: unhashable type: '${pythonTypeName(value)}'`);
}

/** Jinja2's `unique(value, case_sensitive=False, attribute=None)`: the first item of each key, in order; a list. */
export function uniqueFilter(value: unknown, ...rest: unknown[]): PythonIterator {
  const { case_sensitive: caseSensitive, attribute } = bindArguments('unique', rest, { case_sensitive: false, attribute: null });
  const key = keyFunction(attribute, caseSensitive);
  const kept = function* () {
    const seen = new Set<string>();
    for (const item of value === null ? itemsOf(value) : iterateLazily(value)) {
      const k = hashKey(key(item));
      if (seen.has(k)) continue;
      seen.add(k);
      yield item;
    }
  };
  return PythonIterator.make('generator', kept(), 'sync_do_unique');
}

/**
 * Jinja2's `sort(value, reverse=False, case_sensitive=False, attribute=None)`: Python's stable sort with Python's
 * ordering (mixed types are an error, not JavaScript's coercion); `attribute='a,b'` sorts by a, then b.
 */
export function sortFilter(value: unknown, ...rest: unknown[]): unknown[] {
  const { reverse, case_sensitive: caseSensitive, attribute } = bindArguments('sort', rest, { reverse: false, case_sensitive: false, attribute: null });
  const paths = typeof attribute === 'string' ? attribute.split(',') : [attribute];
  const keys = paths.map((path) => keyFunction(path, caseSensitive));
  const keyOf = (item: unknown): unknown => (keys.length === 1 ? keys[0]!(item) : PythonTuple.from(keys.map((k) => k(item))));
  const keyed = itemsOf(value).map((item) => ({ item, key: keyOf(item) }));
  const sign = pythonTruthy(reverse) ? -1 : 1;
  return keyed.sort((a, b) => sign * pythonCompare(a.key, b.key)).map((k) => k.item);
}

/** One group of Jinja2's groupby: a `(grouper, list)` tuple whose parts are also `.grouper` and `.list`. */
export class PythonGroup extends PythonTuple {
  get grouper(): unknown {
    return this[0];
  }

  get list(): unknown {
    return this[1];
  }
}

/**
 * Jinja2's `groupby(value, attribute, default=None, case_sensitive=False)`: the items sorted by the attribute (an
 * `a.b` path; strs compared lower-cased unless case_sensitive), then equal neighbours grouped, as itertools.groupby
 * does; without case_sensitive a group's grouper is its first item's value as written.
 */
export function groupbyFilter(value: unknown, ...rest: unknown[]): PythonGroup[] {
  const { attribute, default: fallback, case_sensitive: caseSensitive } = bindArguments('groupby', rest, { attribute: undefined, default: null, case_sensitive: false });
  if (attribute === undefined) fail("TypeError: groupby() missing 1 required positional argument: 'attribute'");
  const path = typeof attribute === 'number' ? String(attribute) : attribute;
  if (typeof path !== 'string') fail(`TypeError: attribute must be a str, not ${pythonTypeName(attribute)}`);
  const written = (item: unknown): unknown => {
    // The default stands in for each missing part of the path; without one, a missing value is Jinja2's UndefinedError.
    const picked = attributeOf(item, path, fallback);
    if (picked !== undefined) return picked;
    return fail(`UndefinedError: an item has no attribute '${path}'`);
  };
  const key = (item: unknown): unknown => {
    const v = written(item);
    return typeof v === 'string' && !pythonTruthy(caseSensitive) ? v.toLowerCase() : v;
  };
  const keyed = itemsOf(value).map((item) => ({ item, key: key(item) }));
  keyed.sort((a, b) => pythonCompare(a.key, b.key));
  const groups: PythonGroup[] = [];
  let lastKey: unknown;
  for (const { item, key: k } of keyed) {
    const current = groups[groups.length - 1];
    if (current !== undefined && pythonCompare(lastKey, k) === 0) (current[1] as unknown[]).push(item);
    else groups.push(PythonGroup.from([written(item), [item]]) as PythonGroup);
    lastKey = k;
  }
  return groups;
}

/**
 * Jinja2's `batch(value, linecount, fill_with=None)`: a generator of lists of `linecount` items, the last filled up
 * with fill_with when given (nunjucks' gave a list of lists, printed as one).
 */
export function batchFilter(value: unknown, ...rest: unknown[]): PythonIterator {
  const { linecount, fill_with: fill } = bindArguments('batch', rest, { linecount: undefined, fill_with: null });
  if (linecount === undefined) fail("TypeError: do_batch() missing 1 required positional argument: 'linecount'");
  const batches = function* () {
    // An int beyond 2**53 is never a batch's length (no list is that long): one batch of all, as in Python.
    const size = typeof linecount === 'bigint' ? Number.POSITIVE_INFINITY : numberOf(linecount);
    let batch: unknown[] = [];
    for (const item of iterateLazily(value === null ? itemsOf(value) : value)) {
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
      batch.push(item);
    }
    if (batch.length > 0) {
      const short = typeof linecount === 'bigint' ? BigInt(batch.length) < linecount : size !== undefined && batch.length < size;
      if (fill !== null && fill !== undefined && short) {
        // Jinja2's `[fill_with] * (linecount - len(tmp))`, with Python's errors for a count too large.
        const missing = typeof linecount === 'bigint' ? linecount - BigInt(batch.length) : integerArgument(linecount) - batch.length;
        batch.push(...Array.from({ length: repeatCount(missing, [fill]) }, () => fill));
      }
      yield batch;
    }
  };
  return PythonIterator.make('generator', batches(), 'do_batch');
}

/**
 * Jinja2's `slice(value, slices, fill_with=None)`: a generator of `slices` lists (columns), the first ones one item
 * longer when the items do not divide evenly, the others then filled with fill_with when given.
 */
export function sliceFilter(value: unknown, ...rest: unknown[]): PythonIterator {
  const { slices, fill_with: fill } = bindArguments('slice', rest, { slices: undefined, fill_with: null });
  if (slices === undefined) fail("TypeError: sync_do_slice() missing 1 required positional argument: 'slices'");
  const columns = function* () {
    const seq = itemsOf(value);
    const count = integerArgument(slices);
    if (count === 0) fail('ZeroDivisionError: integer division or modulo by zero');
    const perSlice = Math.floor(seq.length / count);
    const withExtra = seq.length - perSlice * count;
    let offset = 0;
    for (let n = 0; n < count; n++) {
      const start = offset + n * perSlice;
      if (n < withExtra) offset += 1;
      const column = seq.slice(start, Math.max(start, offset + (n + 1) * perSlice));
      if (fill !== null && fill !== undefined && n >= withExtra) column.push(fill);
      yield column;
    }
  };
  return PythonIterator.make('generator', columns(), 'sync_do_slice');
}

/** Jinja2's `list`: Python's list() of the value, so a dict gives its keys and a str its characters (by code point). */
export function listFilter(value: unknown): unknown[] {
  return [...itemsOf(value)];
}

/** Jinja2's `items` (3.1): a generator of a dict's (key, value) pairs; Undefined gives none. */
export function itemsFilter(value: unknown): PythonIterator {
  // Its checks are part of the generator, as in Jinja2: `5 | items` is a generator that fails when iterated.
  const pairs = function* () {
    if (value === undefined) return;
    if (!isMapping(value)) fail('TypeError: Can only get item pairs from a mapping.');
    yield* pairsOf(value);
  };
  return PythonIterator.make('generator', pairs(), 'do_items');
}

function pairsOf(dict: Record<string, unknown>): PythonTuple[] {
  return Object.entries(dict).map(([name, value]) => PythonTuple.from([dictKeyOf(name), value]));
}

/**
 * Jinja2's `dictsort(value, case_sensitive=False, by='key', reverse=False)`: (key, value) tuples sorted by Python's
 * ordering of the key or the value.
 */
export function dictsortFilter(value: unknown, ...rest: unknown[]): unknown[] {
  const { case_sensitive: caseSensitive, by, reverse } = bindArguments('dictsort', rest, { case_sensitive: false, by: 'key', reverse: false });
  if (by !== 'key' && by !== 'value') fail("FilterArgumentError: You can only sort by either 'key' or 'value'");
  if (!isMapping(value)) fail(`AttributeError: '${pythonTypeName(value)}' object has no attribute 'items'`);
  const pos = by === 'key' ? 0 : 1;
  const key = keyFunction(null, caseSensitive);
  const sign = pythonTruthy(reverse) ? -1 : 1;
  return pairsOf(value).sort((a, b) => sign * pythonCompare(key((a as unknown[])[pos]), key((b as unknown[])[pos])));
}

/** Python's str.strip() of text (Python's whitespace, not JavaScript's \s). */
function pyStrip(text: string): string {
  return (strMember(text, 'strip') as () => string)();
}

/** Digits of `text` in `base`, with Python's single underscores between them; undefined when not an int literal. */
function parseIntText(text: string, base: number): number | bigint | undefined {
  const m = /^([+-]?)(0[xXoObB])?(.*)$/s.exec(pyStrip(text))!;
  let [, sign, prefix, digits] = m as unknown as [string, string, string | undefined, string];
  let radix = base;
  if (prefix !== undefined) {
    const prefixRadix = { x: 16, o: 8, b: 2 }[prefix[1]!.toLowerCase() as 'x' | 'o' | 'b'];
    if (base === 0 || base === prefixRadix) radix = prefixRadix;
    else [prefix, digits] = [undefined, prefix + digits];
  }
  if (radix === 0) radix = 10;
  const digit = radix <= 10 ? `[0-${radix - 1}]` : `[0-9a-${String.fromCharCode(86 + radix)}]`;
  if (!new RegExp(`^${prefix !== undefined ? '_?' : ''}${digit}(?:_?${digit})*$`, 'i').test(digits)) return undefined;
  const clean = digits.replace(/_/g, '');
  // Base 0 refuses a decimal with leading zeros (`010`), as Python's int literals do.
  if (base === 0 && prefix === undefined && /^0+[1-9]/.test(clean)) return undefined;
  // Exact at any length, as Python's int(): parseInt would round digits beyond 2**53.
  let n = 0n;
  for (const ch of clean) n = n * BigInt(radix) + BigInt(parseInt(ch, 36));
  return intResult(sign === '-' ? -n : n);
}

/** Python's float() of a str: decimal or exponent notation with single underscores between digits, inf and nan. */
export function parseFloatText(text: string): number | undefined {
  const t = pyStrip(text);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const digits = '\\d(?:_?\\d)*';
  if (!new RegExp(`^[+-]?(?:${digits}(?:\\.(?:${digits})?)?|\\.${digits})(?:[eE][+-]?${digits})?$`).test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

function notUndefined(value: unknown, filter: string): void {
  // Jinja2's Undefined refuses int() and float(): the filter raises UndefinedError rather than giving its default.
  if (value === undefined) throw new PythonTemplateError(`UndefinedError: ${filter} of an undefined value`, 'define the value, or give it a default first (| default(0))');
}

/**
 * Jinja2's `default(value, default_value='', boolean=False)`: the default for an undefined value, and with `boolean`
 * for any false one by Python's truth (`0.0`, `[]`, `{}` are false; nunjucks took JavaScript's, where `[]` is true).
 */
export function defaultFilter(value: unknown, ...rest: unknown[]): unknown {
  const { default_value: otherwise, boolean } = bindArguments('default', rest, { default_value: '', boolean: false });
  return value === undefined || (pythonTruthy(boolean) && !pythonTruthy(value)) ? otherwise : value;
}

/**
 * Jinja2's `int(value, default=0, base=10)`: int() of the value (a str in `base`, with Python's underscores and
 * prefixes), else int(float(value)) (`'42.5'` → 42, `'1e3'` → 1000), else the default.
 */
export function intFilter(value: unknown, ...rest: unknown[]): unknown {
  const { default: otherwise, base } = bindArguments('int', rest, { default: 0, base: 10 });
  notUndefined(value, 'int');
  const radix = integerArgument(base);
  if (radix !== 0 && (radix < 2 || radix > 36)) fail('ValueError: int() base must be >= 2 and <= 36, or 0');
  if (typeof value === 'bigint') return value;
  const n = typeof value === 'string' ? (parseIntText(value, radix) ?? parseFloatText(value)) : numberOf(value);
  if (typeof n === 'bigint') return n;
  if (n === undefined || !Number.isFinite(n)) return otherwise;
  // int() of a float beyond 2**53 is exact in Python (`1.8e19 | int` is 18000000000000000000): a bigint here.
  const whole = Math.trunc(n) + 0;
  return Number.isSafeInteger(whole) ? whole : BigInt(whole);
}

/** Jinja2's `abs` (Python's abs()): an int stays an int (a bigint exact), a float a float (`-1.0` → `1.0`). */
export function absFilter(value: unknown): unknown {
  if (typeof value === 'bigint') return value < 0n ? -value : value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof PythonFloat) return new PythonFloat(Math.abs(value.value));
  if (typeof value === 'number') return Math.abs(value);
  return fail(`TypeError: bad operand type for abs(): '${pythonTypeName(value)}'`);
}

/** Jinja2's `float(value, default=0.0)`: float() of the value (`'1e3'` → 1000.0, `' 2.5 '` → 2.5), else the default. */
export function floatFilter(value: unknown, ...rest: unknown[]): unknown {
  const { default: otherwise } = bindArguments('float', rest, { default: new PythonFloat(0) });
  notUndefined(value, 'float');
  // float() of an int beyond 2**53 is its nearest double, as in Python (OverflowError past the largest, which
  // Jinja2's filter does not catch).
  const n = typeof value === 'string' ? parseFloatText(value) : realOf(value);
  if (n === undefined) return otherwise;
  return Number.isInteger(n) ? new PythonFloat(n) : n;
}

/** Jinja2's `length` (and `count`): len() of a str in code points, a list, a dict; 0 for Undefined. */
export function lengthFilter(value: unknown): number {
  return value === undefined ? 0 : lengthOf(value);
}

/** Jinja2's `first`: the first item, key or character (code point); Undefined when there is none. */
export function firstFilter(value: unknown): unknown {
  // Of a generator, only its next item is taken (Python's next(iter(value))).
  if (value instanceof PythonIterator) return value.next().value;
  return itemsOf(value)[0];
}

/** Jinja2's `last`. */
export function lastFilter(value: unknown): unknown {
  if (value === null || value instanceof PythonIterator) fail(`TypeError: '${pythonTypeName(value)}' object is not reversible`);
  return itemsOf(value).at(-1);
}

/** Jinja2's `trim(value, chars=None)`: str() of the value, then Python's strip (of `chars` when given). */
export function trimFilter(value: unknown, ...rest: unknown[]): string {
  const { chars } = bindArguments('trim', rest, { chars: null });
  return (strMember(formatPythonStr(value), 'strip') as (chars: unknown) => string)(chars);
}

/** Jinja2's `upper`, `lower` and `capitalize`: the str method on str() of the value (`None | lower` is `none`). */
export function strMethodFilter(method: 'upper' | 'lower' | 'capitalize'): (value: unknown) => string {
  return (value) => (strMember(formatPythonStr(value), method) as () => string)();
}

/**
 * Jinja2's `title`: not str.title; a word starts only after whitespace or one of `-({[<`, and its other letters are
 * lower-cased, so `it's 3rd x_y` is `It's 3rd X_y` (str.title gives `It'S 3Rd X_Y`).
 */
export function titleFilter(value: unknown): string {
  let out = '';
  let wordStart = true;
  for (const ch of formatPythonStr(value)) {
    if (isPySpace(ch) || '-({[<'.includes(ch)) {
      out += ch;
      wordStart = true;
    } else {
      out += wordStart ? ch.toUpperCase() : ch.toLowerCase();
      wordStart = false;
    }
  }
  return out;
}

/**
 * Jinja2's `safe`: Markup(value), which is str() of the value (`None`, `[1, 'a']`, `True`); only Undefined is empty.
 * Templates render with autoescape off, so plain text is as safe as nunjucks' SafeString.
 */
export function safeFilter(value: unknown): string {
  if (value === undefined) return '';
  // An already safe value (nunjucks' SafeString, a String object) is its own text.
  if (value instanceof String) return value.toString();
  return formatPythonStr(value);
}

/** Jinja2's `join(value, d='', attribute=None)`: str() of each item (a dict's keys, a str's characters) joined by d. */
export function joinFilter(value: unknown, ...rest: unknown[]): string {
  const { d, attribute } = bindArguments('join', rest, { d: '', attribute: null });
  const items = itemsOf(value);
  const picked = typeof attribute === 'string' || typeof attribute === 'number' ? items.map((item) => attributeOf(item, attribute)) : items;
  return picked.map(formatPythonStr).join(formatPythonStr(d));
}

/** Jinja2's `tojson(value, indent=None)`: json.dumps with sorted keys, HTML-safe; Undefined and dict views cannot be. */
export function tojsonFilter(value: unknown, ...rest: unknown[]): string {
  const { indent } = bindArguments('tojson', rest, { indent: null });
  if (value === undefined || value instanceof PythonDictView || value instanceof PythonIterator || value instanceof PythonRange) {
    fail(`TypeError: Object of type ${pythonTypeName(value)} is not JSON serializable`);
  }
  return formatPythonJson(value, indent === null || indent === undefined ? undefined : integerArgument(indent));
}

/** The reversed iterator Python's reversed() gives of each dict view. */
const REVERSED_VIEW: Record<PythonDictView['kind'], string> = {
  dict_keys: 'dict_reversekeyiterator',
  dict_values: 'dict_reversevalueiterator',
  dict_items: 'dict_reverseitemiterator',
};

/**
 * Jinja2's `reverse`: a str reversed; else Python's reversed() of the value, an iterator that prints as one
 * (`<list_reverseiterator object at 0x…>`); what reversed() refuses (a generator) becomes a reversed list.
 */
export function reverseFilter(value: unknown): unknown {
  if (typeof value === 'string') return Array.from(value).reverse().join('');
  if (value === undefined) return PythonIterator.make('reversed', []);
  if (value instanceof PythonIterator) return Array.from(value).reverse();
  if (value instanceof PythonRange) return PythonIterator.make('range_iterator', [...value].reverse());
  if (value instanceof PythonDictView) return PythonIterator.make(REVERSED_VIEW[value.kind], [...value].reverse());
  if (value instanceof PythonTuple) return PythonIterator.make('reversed', [...value].reverse());
  if (Array.isArray(value)) return PythonIterator.make('list_reverseiterator', [...value].reverse());
  if (isMapping(value)) return PythonIterator.make('dict_reversekeyiterator', dictKeys(value).reverse());
  return fail('FilterArgumentError: argument must be iterable');
}

/** The whitespace textwrap knows (its `_whitespace`): not Unicode's, so a no-break space stays inside a word. */
const WRAP_SPACE = '[\\t\\n\\x0b\\x0c\\r ]';
/** Python's `\w` (letters, digits, `_`) and `[^\d\W]` (a letter: `\w` but no decimal digit), in Unicode. */
const WORD_CHAR = '[\\p{L}\\p{N}_]';
const LETTER = '[\\p{L}\\p{Nl}\\p{No}_]';
const WORD_PUNCT = `(?:${WORD_CHAR}|[!"'&.,?])`;
/**
 * textwrap's `wordsep_re`: runs of whitespace; an em-dash (`--`) between words; a word, ending at whitespace, at the
 * end, before an em-dash, or after a hyphen between letters (`goof-ball` is `goof-`, `ball`).
 */
const WORD_SEPARATORS = new RegExp(
  `(${WRAP_SPACE}+` +
    `|(?<=${WORD_PUNCT})-{2,}(?=${WORD_CHAR})` +
    `|[^\\t\\n\\x0b\\x0c\\r ]+?(?:-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})|(?=${WRAP_SPACE}|$)|(?<=${WORD_PUNCT})(?=-{2,}${WORD_CHAR})))`,
  'u',
);
const SPACE_SEPARATORS = new RegExp(`(${WRAP_SPACE}+)`, 'u');

/** Python's len() of text: code points. */
const length = (text: string): number => Array.from(text).length;

/**
 * Python's `textwrap.wrap(line, width, expand_tabs=False, replace_whitespace=False, break_long_words, break_on_hyphens)`:
 * chunks (words and the whitespace between them) filled into lines of at most `width` code points, whitespace dropped
 * at the start and end of each line, a word longer than a line broken (after its last fitting hyphen when allowed).
 */
function wrapLine(line: string, width: number, breakLongWords: boolean, breakOnHyphens: unknown): string[] {
  if (width <= 0) fail(`ValueError: invalid width ${width} (must be > 0)`);
  // textwrap tests `break_on_hyphens is True` here, and its truth below.
  const chunks = line.split(breakOnHyphens === true ? WORD_SEPARATORS : SPACE_SEPARATORS).filter((c) => c);
  chunks.reverse();
  const isBlank = (chunk: string): boolean => (strMember(chunk, 'strip') as () => string)() === '';
  const lines: string[] = [];
  while (chunks.length > 0) {
    const current: string[] = [];
    let used = 0;
    if (lines.length > 0 && isBlank(chunks.at(-1)!)) chunks.pop();
    while (chunks.length > 0 && used + length(chunks.at(-1)!) <= width) {
      const chunk = chunks.pop()!;
      current.push(chunk);
      used += length(chunk);
    }
    if (chunks.length > 0 && length(chunks.at(-1)!) > width) {
      const spaceLeft = width < 1 ? 1 : width - used;
      if (breakLongWords) {
        if (!Number.isInteger(spaceLeft)) fail('TypeError: slice indices must be integers or None or have an __index__ method');
        const chars = Array.from(chunks.at(-1)!);
        let end = spaceLeft;
        if (pythonTruthy(breakOnHyphens) && chars.length > spaceLeft) {
          const hyphen = chars.slice(0, spaceLeft).lastIndexOf('-');
          if (hyphen > 0 && chars.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
        }
        current.push(chars.slice(0, end).join(''));
        chunks[chunks.length - 1] = chars.slice(end).join('');
      } else if (current.length === 0) {
        current.push(chunks.pop()!);
      }
    }
    if (current.length > 0 && isBlank(current.at(-1)!)) current.pop();
    if (current.length > 0) lines.push(current.join(''));
  }
  return lines;
}

/**
 * Jinja2's `wordwrap(s, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True)`: each line of the
 * text (Python's splitlines) wrapped on its own by textwrap, all joined by wrapstring (a newline when None).
 */
export function wordwrapFilter(value: unknown, ...rest: unknown[]): string {
  const { width, break_long_words: breakLongWords, wrapstring, break_on_hyphens: breakOnHyphens } = bindArguments('wordwrap', rest, {
    width: 79,
    break_long_words: true,
    wrapstring: null,
    break_on_hyphens: true,
  });
  if (value === undefined) fail('UndefinedError: wordwrap of an undefined value');
  if (typeof value !== 'string') fail(`AttributeError: '${pythonTypeName(value)}' object has no attribute 'splitlines'`);
  const columns = numberOf(width);
  if (columns === undefined) fail(`TypeError: wordwrap() width must be a number, not ${pythonTypeName(width)}`);
  const joiner = wrapstring === null || wrapstring === undefined ? '\n' : wrapstring;
  if (typeof joiner !== 'string') fail(`TypeError: wordwrap() wrapstring must be str, not ${pythonTypeName(joiner)}`);
  const lines = (strMember(value, 'splitlines') as () => string[])();
  return lines.map((line) => wrapLine(line, columns, pythonTruthy(breakLongWords), breakOnHyphens).join(joiner)).join(joiner);
}
