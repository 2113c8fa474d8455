// Formats values as Python's str() does, so templates render `True`, `None`, `1.0`, `1e-05` as the original (Jinja2) did.
import { isoTime } from '../iso-time.js';

/**
 * A float whose value is a whole number (`1.0`, `100.0`): JavaScript has one number type, so without this mark it would
 * render as `1`. It behaves as its number in arithmetic and comparisons (valueOf). Zero is never marked, because an
 * object is always true in `{% if %}` while Python's `0.0` is false.
 */
export class PythonFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return formatPythonFloat(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/**
 * A tuple, `(a, b)` in a template: a list that prints as `(a, b)` and that `%` takes as its arguments, where a list is
 * one argument (`'%s' % [1, 2]` is `[1, 2]`).
 */
export class PythonTuple<T = unknown> extends Array<T> {}

/**
 * What a dict's `items()`, `keys()` and `values()` give: a list that prints as Python's view (`dict_items([('a', 1)])`),
 * its items tuples for `items()`. Filters and loops take it as the list it is.
 */
export class PythonDictView<T = unknown> extends Array<T> {
  // map, filter and slice of a view give plain lists, as list(view)[…] would in Python.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  kind: 'dict_items' | 'dict_keys' | 'dict_values' = 'dict_keys';

  static make<T>(kind: PythonDictView['kind'], items: T[]): PythonDictView<T> {
    const view = new PythonDictView<T>();
    view.push(...items);
    view.kind = kind;
    return view;
  }
}

/** Python prints an object's address in its repr; iterators get made-up ones of the same form (no template can rely on one). */
let nextAddress = 0x7f3a5c000000;

/** A made-up object address, as Python's repr shows one (`0x7f3a5c000070`). */
export function madeUpAddress(): string {
  return `0x${(nextAddress += 0x70).toString(16)}`;
}

/** What Python's repr gives for a callable of a template's (a bound method, `range`), set where it is made. */
const CALLABLE_REPRS = new WeakMap<object, string>();

/** Marks `callable` to print as `repr` (`<built-in method upper of str object at 0x…>`) rather than as JavaScript. */
export function describeAs<T extends object>(callable: T, repr: string): T {
  CALLABLE_REPRS.set(callable, repr);
  return callable;
}

/**
 * What Jinja2's select, reject, selectattr, rejectattr, map, unique, items, batch and slice give (a generator), and
 * what reversed() gives (`<list_reverseiterator object at 0x…>`): Python prints it as the object it is, not as its
 * items, and it has no len(), index or slice, and is always true. As in Python it is lazy (its items are made as they
 * are asked for) and used up by a pass: `{% set g = x | select %}{{ g | list }}{{ g | list }}` prints the items, then
 * `[]`. Iterating it (a loop, `list`, `join`, `in`) takes its items; `first` takes one.
 */
export class PythonIterator<T = unknown> implements IterableIterator<T> {
  // Private, so that no attribute lookup (`map(attribute='type')`) finds them as a dict's keys.
  readonly #type: string;
  readonly #label: string;
  readonly #address: string;
  #items: Iterable<T> | undefined;
  #iterator: Iterator<T> | undefined;

  private constructor(type: string, items: Iterable<T>, label: string) {
    this.#type = type;
    this.#items = items;
    this.#label = label;
    this.#address = madeUpAddress().slice(2);
  }

  /** `items` is iterated only as the iterator is: pass a generator (`function* () {…}()`) to make items lazily. */
  static make<T>(type: string, items: Iterable<T>, label = ''): PythonIterator<T> {
    return new PythonIterator(type, items, label);
  }

  /** Python's type name: `generator`, `list_reverseiterator`, `range_iterator`, … */
  get type(): string {
    return this.#type;
  }
  /** What Python's repr names after the type, e.g. a generator's function (`generator object select_or_reject`). */
  get label(): string {
    return this.#label;
  }
  get address(): string {
    return this.#address;
  }

  next(): IteratorResult<T> {
    if (this.#items) {
      this.#iterator = this.#items[Symbol.iterator]();
      this.#items = undefined;
    }
    if (!this.#iterator) return { done: true, value: undefined };
    let result: IteratorResult<T>;
    try {
      result = this.#iterator.next();
    } catch (e) {
      // A generator that raised is finished, in Python as in JavaScript.
      this.#iterator = undefined;
      throw e;
    }
    if (result.done) this.#iterator = undefined;
    return result;
  }

  [Symbol.iterator](): PythonIterator<T> {
    return this;
  }
}

/**
 * An object of Jinja2's own (a loop's `loop`, a `namespace()`, a `cycler()`): it has the attributes `member` gives and
 * no others (not JavaScript's), and prints as Python's repr of it.
 */
export abstract class PythonObject {
  /** Python's type name, for messages. */
  abstract readonly typeName: string;
  /** The attribute `name`, or undefined (Jinja2's Undefined) when the object has none of that name. */
  abstract member(name: string): unknown;
  abstract repr(): string;
  toString(): string {
    return this.repr();
  }
}

/**
 * Python's `range(start, stop, step)`, as Jinja2's `range()` gives it: its items, which loops and filters take, and its
 * repr, `range(0, 3)`, which is what `{{ range(3) }}` prints.
 */
export class PythonRange extends Array<number> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  start = 0;
  stop = 0;
  step = 1;

  static make(start: number, stop: number, step: number): PythonRange {
    const range = new PythonRange();
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) range.push(i);
    Object.assign(range, { start, stop, step });
    return range;
  }
}

/**
 * A number read from text that Python would hold as a float (`1.0`, `2.50`), marked when its value is whole; zero too
 * (`0.0` prints `0.0`, `-0.0` keeps its sign), since truth is judged by pythonTruthy, which takes a marked zero as false.
 */
export function toPythonFloat(value: number): number | PythonFloat {
  return Number.isInteger(value) || value === 0 ? new PythonFloat(value) : value;
}

/**
 * A number YAML read in a key meant as text (`args: 1.0`), as Python's str() printed it in the original: a float as
 * Python writes floats (`1.0`, `1500.0`, `1e+20`), an integer as its digits.
 */
export function formatNumberAsText(value: number, writtenAsFloat: boolean): string {
  return writtenAsFloat ? formatPythonFloat(value) : formatPythonStr(value);
}

/** Python's `str(value)`: what `{{ value }}` prints in Jinja2. `undefined` is Jinja's Undefined, which prints nothing. */
export function formatPythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return formatPythonRepr(value);
}

/**
 * A dict key that is not a str (`{1: 'a'}`, `{None: 0}`, `{(1, 2): 3}`): dicts here are JavaScript objects, whose keys
 * are strs, so such a key is held under a name no key of a template's str starts with (NUL, then the key's repr,
 * which keeps int-like names out of JavaScript's numeric ordering), and read back from it wherever keys are given out.
 */
const NON_STR_KEY = '\u0000';
/** The reprs of keys read back from the repr alone: ints (within a double's exact range), True, False, None. */
const SIMPLE_KEY_REPR = /^(?:-?\d{1,15}|True|False|None)$/;
/** The other keys (floats, tuples, large ints), by the name they are held under. */
const NON_STR_KEYS = new Map<string, unknown>();

/** The name a dict holds the non-str `key` under (a hashable key: see python-ops' dictKeyName). */
export function nonStrKeyName(key: unknown): string {
  const name = NON_STR_KEY + formatPythonRepr(key);
  if (!SIMPLE_KEY_REPR.test(name.slice(1)) && !NON_STR_KEYS.has(name)) NON_STR_KEYS.set(name, key);
  return name;
}

/**
 * A str key that looks like an int of JavaScript's array indexes (`'2'`) is held under this character then the key:
 * JavaScript gives such names first, in ascending order, where Python keeps a dict's insertion order.
 */
const DIGITS_KEY = '\u0001';
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

function isArrayIndex(key: string): boolean {
  return ARRAY_INDEX.test(key) && Number(key) < 4294967295;
}

/** The name a dict made in a template holds the str `key` under (a dict from YAML or JSON may hold it as itself). */
export function strKeyName(key: string): string {
  return isArrayIndex(key) ? DIGITS_KEY + key : key;
}

/** Whether a str key may be held in a dict: not one that starts like the names of other keys (NUL, or SOH). */
export function isHoldableStrKey(key: string): boolean {
  return !key.startsWith(NON_STR_KEY) && !key.startsWith(DIGITS_KEY);
}

/** Whether a dict's key `name` is a str key of a template's (rather than the name of a non-str key). */
export function isStrKeyName(name: string): boolean {
  return !name.startsWith(NON_STR_KEY);
}

/** The key a dict's `name` stands for: the str itself, or the int, float, bool, None or tuple held under it. */
export function dictKeyOf(name: string): unknown {
  if (name.startsWith(DIGITS_KEY) && isArrayIndex(name.slice(1))) return name.slice(1);
  if (isStrKeyName(name)) return name;
  const repr = name.slice(1);
  if (!SIMPLE_KEY_REPR.test(repr)) return NON_STR_KEYS.has(name) ? NON_STR_KEYS.get(name) : name;
  return repr === 'None' ? null : repr === 'True' ? true : repr === 'False' ? false : Number(repr);
}

/** A dict's keys, as Python gives them (`{1: 'a'}` has the int key 1). */
export function dictKeys(dict: object): unknown[] {
  return Object.keys(dict).map(dictKeyOf);
}

/** Python's `repr(value)`: how values print inside a list or dict (Jinja2's Undefined as `Undefined`: `[nothing]`). */
export function formatPythonRepr(value: unknown): string {
  if (value === null) return 'None';
  if (value === undefined) return 'Undefined';
  if (value instanceof PythonObject) return value.repr();
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return quotePythonString(value);
  if (typeof value === 'number') return Number.isInteger(value) ? formatPythonInt(value) : formatPythonFloat(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PythonFloat) return value.toString();
  if (value instanceof PythonDictView) return `${value.kind}([${value.map(formatPythonRepr).join(', ')}])`;
  if (value instanceof PythonIterator) return `<${value.type} object${value.label ? ` ${value.label}` : ''} at 0x${value.address}>`;
  if (value instanceof PythonRange) return value.step === 1 ? `range(${value.start}, ${value.stop})` : `range(${value.start}, ${value.stop}, ${value.step})`;
  if (value instanceof PythonTuple) return value.length === 1 ? `(${formatPythonRepr(value[0])},)` : `(${value.map(formatPythonRepr).join(', ')})`;
  if (Array.isArray(value)) return `[${value.map(formatPythonRepr).join(', ')}]`;
  if (value instanceof Date) return isoTime(value);
  // A function never prints its JavaScript source: a method as Python's repr of it, anything else as a function.
  if (typeof value === 'function') return CALLABLE_REPRS.get(value) ?? `<function ${value.name || 'object'} at ${madeUpAddress()}>`;
  if (typeof value === 'object') {
    // Objects with their own text (a nunjucks SafeString, a Date-like value) keep it.
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return String(value);
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${formatPythonRepr(dictKeyOf(k))}: ${formatPythonRepr(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

/** Python ints print every digit, never an exponent (`10**21` is `1000000000000000000000`). */
function formatPythonInt(value: number): string {
  return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
}

/**
 * Python's float repr: the shortest digits that read back as the same number (as JavaScript's), written in fixed
 * notation when the decimal exponent is in [-4, 16) — always with a fraction (`1.0`) — else as `1e-05`, `1.5e+16`.
 */
export function formatPythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const exponent = Number(exponentText);
  const digits = (mantissa ?? '').replace('.', '');
  const sign = value < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const exp = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    return `${sign}${digits[0]}${fraction}e${exp}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction || '0'}`;
}

/** Python's string repr: single quotes unless the text holds a single quote and no double quote. */
function quotePythonString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of text) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * Jinja2's `tojson`: Python's `json.dumps(value, sort_keys=True)` (separators `, ` and `: `, non-ASCII as `\uXXXX`,
 * floats as repr, `NaN`/`Infinity` as Python writes them), then `<`, `>`, `&` and `'` escaped so the text is safe in
 * HTML and in single-quoted shell or HTML attributes.
 */
export function formatPythonJson(value: unknown, indent?: number): string {
  return dumpJson(value, indent === undefined ? undefined : ' '.repeat(Math.max(0, indent)), '').replace(/[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** json.dumps: with an indent, each item on a line of its own and `,` without a space before the line break. */
function dumpJson(value: unknown, indent: string | undefined, margin: string): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return quoteJsonAscii(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PythonFloat) return formatJsonFloat(value.value);
  if (typeof value === 'number') return Number.isInteger(value) ? formatPythonInt(value) : formatJsonFloat(value);
  const inner = indent === undefined ? margin : margin + indent;
  const wrap = (open: string, parts: string[], close: string): string =>
    parts.length === 0 ? open + close : indent === undefined ? `${open}${parts.join(', ')}${close}` : `${open}\n${inner}${parts.join(`,\n${inner}`)}\n${margin}${close}`;
  if (Array.isArray(value)) return wrap('[', value.map((v) => dumpJson(v, indent, inner)), ']');
  if (typeof value === 'object') {
    const keys = jsonKeys(value);
    return wrap('{', keys.map(([k, text]) => `${quoteJsonAscii(text)}: ${dumpJson((value as Record<string, unknown>)[k], indent, inner)}`), '}');
  }
  return quoteJsonAscii(String(value));
}

/**
 * A dict's names with the text json.dumps writes for their keys, in sort_keys' order: a str as itself, an int or
 * float as its repr, True, False and None as `true`, `false`, `null`. Keys that Python cannot sort together (a str
 * and an int) or that JSON has no text for (a tuple) are Python's TypeError.
 */
function jsonKeys(dict: object): Array<[string, string]> {
  const names = Object.keys(dict);
  if (names.every(isStrKeyName)) {
    const keyed = names.map((name) => [name, dictKeyOf(name) as string] as [string, string]);
    return keyed.sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  const keys = names.map((name) => [name, dictKeyOf(name)] as const);
  const number = (key: unknown): number | undefined => (typeof key === 'number' ? key : typeof key === 'boolean' ? Number(key) : key instanceof PythonFloat ? key.value : undefined);
  for (const [, key] of keys) {
    if (key !== null && typeof key !== 'string' && number(key) === undefined) throw new Error('TypeError: keys must be str, int, float, bool or None, not tuple');
  }
  const kinds = new Set(keys.map(([, key]) => (key === null ? 'NoneType' : typeof key === 'string' ? 'str' : 'number')));
  if (kinds.size > 1 || (kinds.has('NoneType') && keys.length > 1)) throw new Error("TypeError: '<' not supported between the types of this dict's keys (tojson sorts them)");
  const text = (key: unknown): string => (key === null ? 'null' : typeof key === 'boolean' ? String(key) : typeof key === 'string' ? key : typeof key === 'number' && Number.isInteger(key) ? formatPythonInt(key) : formatJsonFloat(number(key)!));
  return keys.sort(([, a], [, b]) => (typeof a === 'string' ? (a < (b as string) ? -1 : a > (b as string) ? 1 : 0) : number(a)! - number(b)!)).map(([name, key]) => [name, text(key)]);
}

function formatJsonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return formatPythonFloat(value);
}

/** json.dumps' string with ensure_ascii: the short escapes, every other character below 0x20 or above 0x7e as \uXXXX. */
function quoteJsonAscii(text: string): string {
  const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
  let out = '"';
  for (const c of text) {
    if (short[c]) out += short[c];
    else if (c < ' ' || c > '~') {
      // Characters beyond the BMP as their UTF-16 surrogate pair, as Python writes them.
      for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else out += c;
  }
  return `${out}"`;
}
