// Python's semantics for what templates do with values (str methods, slices, `%`, str.format, arithmetic), as Jinja2 has them.
import { PythonDictView, PythonFloat, PythonIterator, PythonObject, PythonRange, PythonTuple, describeAs, dictKeyOf, dictKeys, formatPythonFloat, formatPythonRepr, formatPythonStr, isHoldableStrKey, isStrKeyName, madeUpAddress, nonStrKeyName, strKeyName } from './python-str.js';

/**
 * Errors raised here are shown to the user with the template's origin and position (render.ts). Their messages name
 * types and template syntax only, never a value: a value may be a secret, or a slice of one that no masker would find.
 */
export class PythonTemplateError extends Error {
  /**
   * `fix`: how to correct the template, when there is more to say than the renderer's general advice. `at`: the
   * 1-based line and column in the template, when the helper knows it better than nunjucks (which often has none).
   */
  constructor(message: string, readonly fix?: string, readonly at?: { line: number; col: number }) {
    super(message);
  }
}

function fail(message: string): never {
  throw new PythonTemplateError(message);
}

/** Python's type name of a value, for messages that must not quote the value itself. */
export function pythonTypeName(value: unknown): string {
  if (value === undefined) return 'Undefined';
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (value instanceof PythonFloat) return 'float';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (value instanceof PythonTuple) return 'tuple';
  if (value instanceof PythonDictView) return value.kind;
  if (value instanceof PythonIterator) return value.type;
  if (value instanceof PythonRange) return 'range';
  if (value instanceof PythonObject) return value.typeName;
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'function') return 'function';
  if (typeof value === 'object') return 'dict';
  return typeof value;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers and truth

/**
 * The number of an int, float or bool (Python's bool is an int), else undefined. An int beyond 2**53 (a bigint, see
 * intResult) has no exact number: asking for one is a loud error, never a rounded value, so a filter or method that
 * computes with numbers refuses it rather than print a different number.
 */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value instanceof PythonFloat) return value.value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return refuseBigInt();
  return undefined;
}

function refuseBigInt(): never {
  throw new PythonTemplateError(
    'an int beyond 2**53 (9007199254740992) is exact in handoff\'s templates only in + - * / // % **, comparisons, str() and %d/%i/%s: this use of it would round it',
    'compute with it in those operators and print it, or make it a float first (x * 1.0) if a rounded value is what you want',
  );
}

function isFloat(value: unknown): boolean {
  return value instanceof PythonFloat || (typeof value === 'number' && !Number.isInteger(value));
}

function isInt(value: unknown): boolean {
  return typeof value === 'boolean' || typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Python's ints have no size limit. A template's int is a JavaScript number while it is a safe integer, and a bigint
 * beyond (so the common case stays as fast as it was, and a value back in range is an ordinary number again).
 */
export function intResult(value: bigint): number | bigint {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

/** An int (bool, whole unmarked number, bigint) as a bigint, else undefined. */
function bigIntOf(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return undefined;
}

/** float(int) as Python converts it: the nearest double, or OverflowError beyond the largest. */
function floatOfInt(value: bigint): number {
  const n = Number(value);
  if (!Number.isFinite(n)) fail('OverflowError: int too large to convert to float');
  return n;
}

/**
 * Python's float() of an int, float or bool, else undefined: where Python converts an int to a float (`float`,
 * `filesizeformat`, `'{:.2f}'`, `'%e'`), an int beyond 2**53 becomes its nearest double (OverflowError beyond the
 * largest), as there. Not for exact uses: those take the bigint itself.
 */
export function realOf(value: unknown): number | undefined {
  return typeof value === 'bigint' ? floatOfInt(value) : numberOf(value);
}

/** The number of an operand, a bigint converted as Python converts an int mixed with a float. */
function numberOfOperand(value: unknown): number | undefined {
  return typeof value === 'bigint' ? floatOfInt(value) : numberOf(value);
}

/** A float result keeps its float-ness when whole (`2.0`); zero too, since truth is judged by pythonTruthy. */
function floatResult(value: number): number | PythonFloat {
  return Number.isInteger(value) ? new PythonFloat(value) : value;
}

/** Python's truth: empty lists, dicts and strings and zero floats are false, which JavaScript's truth disagrees on. */
export function pythonTruthy(value: unknown): boolean {
  if (value instanceof PythonFloat) return value.value !== 0;
  // A generator has no len(): it is true even when it would give nothing (`{% if lst | select('odd') %}`).
  if (value instanceof PythonIterator) return true;
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.keys(value).length > 0;
  }
  return Boolean(value);
}

function operands(op: string, left: unknown, right: unknown): [number, number] {
  const a = numberOfOperand(left);
  const b = numberOfOperand(right);
  if (a === undefined || b === undefined) {
    fail(`TypeError: unsupported operand type(s) for ${op}: '${pythonTypeName(left)}' and '${pythonTypeName(right)}'`);
  }
  return [a, b];
}

function arithmetic(left: unknown, right: unknown, value: number): number | PythonFloat {
  return isFloat(left) || isFloat(right) ? floatResult(value) : value;
}

/**
 * `op` on two ints, exact: with numbers while the result is a safe integer (the usual case), else with bigints.
 * Undefined when either side is not an int (the float rules apply).
 */
function intArithmetic(left: unknown, right: unknown, quick: (a: number, b: number) => number, exact: (a: bigint, b: bigint) => bigint): number | bigint | undefined {
  if (!isInt(left) || !isInt(right)) return undefined;
  if (typeof left !== 'bigint' && typeof right !== 'bigint') {
    const value = quick(Number(left), Number(right));
    if (Number.isSafeInteger(value)) return value;
  }
  return intResult(exact(bigIntOf(left)!, bigIntOf(right)!));
}

/** Python's floor division of ints (bigint division truncates toward zero). */
function floorDivide(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Python's modulo of ints: the sign of the divisor. */
function floorModulo(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

/** The most bits an int power may have: Python computes any, but a template that asks for more is a mistake. */
const MAX_POWER_BITS = 1_000_000;

function intPower(a: bigint, b: bigint): bigint {
  const bits = BigInt((a < 0n ? -a : a).toString(2).length);
  if (a !== 0n && a !== 1n && a !== -1n && bits * b > BigInt(MAX_POWER_BITS)) {
    fail(`OverflowError: the result of ** would have more than ${MAX_POWER_BITS} bits`);
  }
  return a ** b;
}

export function pythonAdd(left: unknown, right: unknown): unknown {
  if (typeof left === 'string' && typeof right === 'string') return left + right;
  if (Array.isArray(left) && Array.isArray(right) && left instanceof PythonTuple === right instanceof PythonTuple) {
    return left instanceof PythonTuple ? PythonTuple.from([...left, ...right]) : [...left, ...right];
  }
  const exact = intArithmetic(left, right, (a, b) => a + b, (a, b) => a + b);
  if (exact !== undefined) return exact;
  const [a, b] = operands('+', left, right);
  return arithmetic(left, right, a + b);
}

export function pythonSub(left: unknown, right: unknown): unknown {
  const exact = intArithmetic(left, right, (a, b) => a - b, (a, b) => a - b);
  if (exact !== undefined) return exact;
  const [a, b] = operands('-', left, right);
  return arithmetic(left, right, a - b);
}

/** The longest str and list JavaScript can hold (V8's string limit; an array's length limit). */
const LONGEST_STR = 2 ** 29 - 24;
const LONGEST_LIST = 2 ** 32 - 1;
const SSIZE_MAX = 2n ** 63n - 1n;

/**
 * How many times `seq * count` repeats a str or list of `length` items, with Python's errors: an int that does not fit
 * a C ssize_t is an OverflowError, a negative count or an empty seq gives an empty result, a str longer than ssize_t
 * an OverflowError. A result too long to hold is Python's MemoryError (there when memory runs out, here at
 * JavaScript's limits on a str's or a list's length), never JavaScript's raw RangeError.
 */
export function repeatCount(count: unknown, seq: string | unknown[]): number {
  const n = bigIntOf(count) ?? 0n;
  if (n > SSIZE_MAX || n < -SSIZE_MAX - 1n) fail("OverflowError: cannot fit 'int' into an index-sized integer");
  if (n <= 0n || seq.length === 0) return 0;
  const text = typeof seq === 'string';
  // Python counts a str's code points; JavaScript's limit is on UTF-16 units.
  if (text && BigInt((codePoints(seq) ?? seq).length) * n > SSIZE_MAX) fail('OverflowError: repeated string is too long');
  const total = BigInt(seq.length) * n;
  if (total > BigInt(text ? LONGEST_STR : LONGEST_LIST)) fail(`MemoryError: a ${text ? 'str' : 'list'} of ${total} ${text ? 'characters' : 'items'} is too long to hold`);
  return Number(n);
}

export function pythonMul(left: unknown, right: unknown): unknown {
  // `'ab' * 2` and `[0] * 3` repeat; a negative count gives an empty result, as in Python.
  const repeat = (seq: unknown, count: unknown): unknown => {
    if (typeof seq === 'string') return seq.repeat(repeatCount(count, seq));
    const items = seq as unknown[];
    const out: unknown[] = [];
    for (let i = repeatCount(count, items); i > 0; i--) out.push(...items);
    return seq instanceof PythonTuple ? PythonTuple.from(out) : out;
  };
  if ((typeof left === 'string' || Array.isArray(left)) && isInt(right)) return repeat(left, right);
  if ((typeof right === 'string' || Array.isArray(right)) && isInt(left)) return repeat(right, left);
  const exact = intArithmetic(left, right, (a, b) => a * b, (a, b) => a * b);
  if (exact !== undefined) return exact;
  const [a, b] = operands('*', left, right);
  return arithmetic(left, right, a * b);
}

/** True division: always a float (`4/2` is `2.0`). */
export function pythonDiv(left: unknown, right: unknown): unknown {
  const [a, b] = operands('/', left, right);
  if (b === 0) fail('ZeroDivisionError: division by zero');
  // Python divides two ints exactly and then rounds once; a bigint's nearest double first could round twice.
  if (typeof left === 'bigint' || typeof right === 'bigint') {
    const x = bigIntOf(left);
    const y = bigIntOf(right);
    if (x !== undefined && y !== undefined && x % y === 0n) return floatResult(floatOfInt(x / y));
  }
  return floatResult(a / b);
}

export function pythonFloorDiv(left: unknown, right: unknown): unknown {
  if (isInt(right) && bigIntOf(right) === 0n) fail('ZeroDivisionError: integer division or modulo by zero');
  // A quotient of numbers is rounded before the floor: exact only while both sides are small.
  const exact = intArithmetic(left, right, (a, b) => (Math.abs(a) < 2 ** 31 && Math.abs(b) < 2 ** 31 ? Math.floor(a / b) : Number.NaN), floorDivide);
  if (exact !== undefined) return exact;
  const [a, b] = operands('//', left, right);
  if (b === 0) fail('ZeroDivisionError: integer division or modulo by zero');
  return arithmetic(left, right, Math.floor(a / b));
}

/** `%`: printf-style formatting when the left side is a str, else Python's modulo (the sign of the divisor). */
export function pythonMod(left: unknown, right: unknown): unknown {
  if (typeof left === 'string') return percentFormat(left, right);
  if (isInt(right) && bigIntOf(right) === 0n) fail('ZeroDivisionError: integer division or modulo by zero');
  const exact = intArithmetic(left, right, (a, b) => { const r = a % b; return r !== 0 && r < 0 !== b < 0 ? r + b : r; }, floorModulo);
  if (exact !== undefined) return exact;
  const [a, b] = operands('%', left, right);
  if (b === 0) fail('ZeroDivisionError: integer division or modulo by zero');
  const r = a % b;
  return arithmetic(left, right, r !== 0 && r < 0 !== b < 0 ? r + b : r);
}

export function pythonPow(left: unknown, right: unknown): unknown {
  // An int to a non-negative int power is an exact int; to a negative one, a float (`2 ** -1` is `0.5`).
  if (isInt(left) && isInt(right) && bigIntOf(right)! >= 0n) {
    // Always with bigints: Math.pow is not promised exact even where the result is a safe integer.
    return intArithmetic(left, right, () => Number.NaN, intPower);
  }
  const [a, b] = operands('**', left, right);
  if (a === 0 && b < 0) fail('ZeroDivisionError: 0.0 cannot be raised to a negative power');
  return floatResult(a ** b);
}

export function pythonNeg(value: unknown): unknown {
  if (typeof value === 'bigint') return intResult(-value);
  const a = numberOf(value);
  if (a === undefined) fail(`TypeError: bad operand type for unary -: '${pythonTypeName(value)}'`);
  return isFloat(value) ? floatResult(-a) : -a;
}

export function pythonPos(value: unknown): unknown {
  if (typeof value === 'bigint') return value;
  const a = numberOf(value);
  if (a === undefined) fail(`TypeError: bad operand type for unary +: '${pythonTypeName(value)}'`);
  return isFloat(value) ? floatResult(a) : a;
}

/**
 * Python's `round(value, ndigits)`: half to even on the exact value of the double (`round(2.675, 2)` is 2.67, since
 * 2.675 is stored as 2.67499…), an int stays an int and a float stays a float (`round(2.5)` in Jinja2 is `2.0`).
 */
export function pythonRound(value: unknown, ndigits: number): unknown {
  if (typeof value === 'bigint') return roundBigInt(value, ndigits);
  const n = numberOf(value);
  if (n === undefined) fail(`TypeError: type ${pythonTypeName(value)} doesn't define __round__ method`);
  if (isInt(value)) {
    if (ndigits >= 0) return n;
    const unit = 10 ** -ndigits;
    let q = Math.floor(n / unit);
    const twice = 2 * (n - q * unit);
    if (twice > unit || (twice === unit && q % 2 !== 0)) q += 1;
    return q * unit;
  }
  if (!Number.isFinite(n) || ndigits > 60) return value;
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  if (ndigits >= 0) return floatResult(Number(sign + fixedDigits(n, ndigits)));
  // Left of the point: the whole part's digits are exact, and the fraction only breaks a tie.
  const unit = 10 ** -ndigits;
  const whole = Math.trunc(Math.abs(n));
  let q = Math.floor(whole / unit);
  const twice = 2 * (whole - q * unit) + (Math.abs(n) > whole ? 1 : 0);
  if (twice > unit || (twice === unit && q % 2 !== 0)) q += 1;
  return floatResult(Number(sign + String(q * unit)));
}

/** Python's round() of an int beyond 2**53: itself for ndigits >= 0, else to a multiple of 10**-ndigits, ties to even. */
function roundBigInt(value: bigint, ndigits: number): number | bigint {
  if (ndigits >= 0) return value;
  // A unit larger than twice the value rounds it to 0 (and 10n ** a huge exponent would take long to make).
  if (-ndigits > (value < 0n ? -value : value).toString().length) return 0;
  const unit = 10n ** BigInt(-ndigits);
  let q = floorDivide(value, unit);
  const twice = 2n * (value - q * unit);
  if (twice > unit || (twice === unit && q % 2n !== 0n)) q += 1n;
  return intResult(q * unit);
}

/**
 * The exact order of two numbers one of which is a bigint (an int beyond 2**53), as Python compares an int with an int
 * or a float: never through a rounded double. Undefined when the other side is not a number.
 */
function compareWithBigInt(a: unknown, b: unknown): number | undefined {
  const exact = (value: unknown): bigint | number | undefined => bigIntOf(value) ?? (value instanceof PythonFloat ? value.value : typeof value === 'number' ? value : undefined);
  const x = exact(a);
  const y = exact(b);
  if (x === undefined || y === undefined) return undefined;
  if (typeof x === 'number' && Number.isNaN(x)) return Number.NaN;
  if (typeof y === 'number' && Number.isNaN(y)) return Number.NaN;
  // A float is compared by its exact value: its whole part as a bigint, then its fraction.
  const order = (i: bigint, f: number): number => {
    if (!Number.isFinite(f)) return f > 0 ? -1 : 1;
    const whole = BigInt(Math.floor(f));
    return i < whole ? -1 : i > whole ? 1 : f > Math.floor(f) ? -1 : 0;
  };
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'bigint') return order(x, y as number);
  return -order(y as bigint, x);
}

/**
 * Python's ordering of two values (`a < b`): numbers (bools among them) by value, strs by code point, lists and
 * tuples item by item; anything else (None, dicts, a str against an int) is Python's TypeError naming `op`.
 */
export function pythonCompare(a: unknown, b: unknown, op = '<'): number {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const order = compareWithBigInt(a, b);
    if (order !== undefined) return order;
    if (!Array.isArray(a) || !Array.isArray(b)) fail(`TypeError: '${op}' not supported between instances of '${pythonTypeName(a)}' and '${pythonTypeName(b)}'`);
  }
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    // JavaScript's < compares UTF-16 units, which orders a character beyond U+FFFF before U+E000–U+FFFF.
    const [ca, cb] = [Array.from(a), Array.from(b)];
    for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
      const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
      if (d !== 0) return Math.sign(d);
    }
    return Math.sign(ca.length - cb.length);
  }
  if (Array.isArray(a) && Array.isArray(b) && a instanceof PythonTuple === b instanceof PythonTuple) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      // Python compares the first items that differ (by ==), so equal items of no order (None) are fine.
      if (a[i] === b[i]) continue;
      const c = pythonCompare(a[i], b[i], op);
      if (c !== 0) return c;
    }
    return Math.sign(a.length - b.length);
  }
  return fail(`TypeError: '${op}' not supported between instances of '${pythonTypeName(a)}' and '${pythonTypeName(b)}'`);
}

// ---------------------------------------------------------------------------------------------------------------
// String literals

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * The text of a string literal as Jinja2 reads it (its lexer decodes the literal with Python's `unicode-escape`):
 * `\n`, `\t`, `\'`, `\xhh`, `\uXXXX`, `\UXXXXXXXX`, octal `\101`, a backslash before a line break joins the lines,
 * and any other backslash stays as written (`\q` is `\q`). Throws the reason Python gives for a bad escape.
 */
export function unescapePythonString(written: string): string {
  // Jinja2 reads the line breaks of a literal as `\n`, whatever the template's were.
  const raw = written.replace(/\r\n?/g, '\n');
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== '\\' || i + 1 >= raw.length) {
      out += ch;
      continue;
    }
    const next = raw[++i]!;
    if (Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, next)) out += SIMPLE_ESCAPES[next];
    else if (next === '\n') continue;
    else if (/[0-7]/.test(next)) {
      const digits = /^[0-7]{1,3}/.exec(raw.slice(i))![0];
      out += String.fromCodePoint(parseInt(digits, 8));
      i += digits.length - 1;
    } else if (Object.prototype.hasOwnProperty.call(HEX_ESCAPES, next)) {
      const size = HEX_ESCAPES[next]!;
      const digits = raw.slice(i + 1, i + 1 + size);
      const name = next === 'x' ? 'xXX' : next === 'u' ? 'uXXXX' : 'UXXXXXXXX';
      if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(digits)) throw new PythonTemplateError(`truncated \\${name} escape`);
      const code = parseInt(digits, 16);
      if (code > 0x10ffff) throw new PythonTemplateError('illegal Unicode character');
      out += String.fromCodePoint(code);
      i += size;
    } else if (next === 'N') {
      throw new PythonTemplateError("a \\N{name} escape is not supported in handoff's templates; write the character, or \\u and its code");
    } else out += `\\${next}`;
  }
  return out;
}

/** Python's `==`: numbers (bools among them) by value, lists and tuples (never each other) item by item, dicts by items. */
export function pythonEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return compareWithBigInt(a, b) === 0;
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== undefined || y !== undefined) return x !== undefined && y !== undefined && x === y;
  // A generator equals only itself; a range equals a range of the same items, never a list.
  if (a instanceof PythonIterator || b instanceof PythonIterator) return a === b;
  // A dict's keys and items views compare as sets, with each other only; its values view equals only itself.
  if (a instanceof PythonDictView || b instanceof PythonDictView) {
    if (!(a instanceof PythonDictView && b instanceof PythonDictView) || a.kind === 'dict_values' || b.kind === 'dict_values') return a === b;
    return a.length === b.length && a.every((item) => b.some((other) => pythonEquals(item, other)));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a instanceof PythonTuple !== b instanceof PythonTuple || a instanceof PythonRange !== b instanceof PythonRange || a.length !== b.length) return false;
    return a.every((item, i) => pythonEquals(item, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => {
      const other = dictKeyName(b, dictKeyOf(k));
      return other !== undefined && pythonEquals(a[k], b[other]);
    });
  }
  return a === b;
}

// ---------------------------------------------------------------------------------------------------------------
// Indexing and slicing

const SURROGATE = /[\uD800-\uDFFF]/;

/** Python indexes strings by code point; JavaScript by UTF-16 unit. They agree unless the text has a surrogate pair. */
function codePoints(text: string): string[] | undefined {
  return SURROGATE.test(text) ? Array.from(text) : undefined;
}

/**
 * A slice's bound as a number. An int beyond 2**53 is beyond any sequence's length, where Python clamps it: the
 * largest safe integer stands for it, which clamps (and, as a step, steps) the same way.
 */
function sliceIndex(value: unknown, what: string): number | null {
  if (value === null || value === undefined) return null;
  if (!isInt(value)) fail(`TypeError: slice ${what} must be an integer or None, not ${pythonTypeName(value)}`);
  if (typeof value === 'bigint') return value > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
  return numberOf(value)!;
}

/** Python's slice.indices: start, stop and step for a sequence of `length`, negative indexes counted from the end. */
function sliceBounds(length: number, start: unknown, stop: unknown, step: unknown): [number, number, number] {
  const s = sliceIndex(step, 'step') ?? 1;
  if (s === 0) fail('ValueError: slice step cannot be zero');
  const [lower, upper] = s > 0 ? [0, length] : [-1, length - 1];
  const clamp = (index: number | null, otherwise: number): number => {
    if (index === null) return otherwise;
    const i = index < 0 ? index + length : index;
    return Math.min(Math.max(i, lower), upper);
  };
  return [clamp(sliceIndex(start, 'start'), s > 0 ? lower : upper), clamp(sliceIndex(stop, 'stop'), s > 0 ? upper : lower), s];
}

function slicePositions(length: number, start: unknown, stop: unknown, step: unknown): number[] {
  const [from, to, s] = sliceBounds(length, start, stop, step);
  const out: number[] = [];
  for (let i = from; s > 0 ? i < to : i > to; i += s) out.push(i);
  return out;
}

/**
 * Python's slice of a range: the range of the same items, its bounds computed as Python computes them, exactly (a
 * range's bounds, or the slice's step, may be ints beyond 2**53: `range(10)[::2 ** 64]` is
 * `range(0, 10, 18446744073709551616)`).
 */
function sliceRange(range: PythonRange, start: unknown, stop: unknown, step: unknown): PythonRange {
  const [from, to] = sliceBounds(range.length, start, stop, step);
  const s = isInt(step) ? bigIntOf(step)! : 1n;
  // The range's own bounds are numbers, or bigints when beyond 2**53 (the class declares numbers).
  const [first, by] = [BigInt(range.start as number | bigint), BigInt(range.step as number | bigint)];
  const sliced = new PythonRange();
  for (const i of slicePositions(range.length, start, stop, step)) sliced.push(range[i]!);
  Object.assign(sliced, { start: intResult(first + BigInt(from) * by), stop: intResult(first + BigInt(to) * by), step: intResult(by * s) });
  return sliced;
}

/**
 * `value[start:stop:step]`. Strings give strings and lists give lists; what Python cannot slice is Jinja2's
 * Undefined (Jinja2 turns the TypeError of `None[:2]` into Undefined), which renders as empty.
 */
export function pythonSlice(value: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  if (typeof value === 'string') {
    const chars = codePoints(value) ?? value;
    if (step === 1 || step === null || step === undefined) {
      const [from, to] = sliceBounds(chars.length, start, stop, 1);
      return typeof chars === 'string' ? chars.slice(from, Math.max(from, to)) : chars.slice(from, Math.max(from, to)).join('');
    }
    return slicePositions(chars.length, start, stop, step).map((i) => chars[i]).join('');
  }
  // A generator cannot be sliced (Jinja2 slices without its getitem, so the TypeError stays one); a range's slice is a
  // range (`range(3)[1:]` is `range(1, 3)`).
  if (value instanceof PythonIterator) fail(`TypeError: '${value.type}' object is not subscriptable`);
  if (value instanceof PythonRange) return sliceRange(value, start, stop, step);
  if (Array.isArray(value)) {
    const out = slicePositions(value.length, start, stop, step).map((i) => value[i] as unknown);
    return value instanceof PythonTuple ? PythonTuple.from(out) : out;
  }
  return undefined;
}

/** `value[index]` for an int index of a str or list, negative counted from the end; out of range is Undefined. */
export function pythonIndex(value: string | unknown[], index: number): unknown {
  const items = typeof value === 'string' ? (codePoints(value) ?? value) : value;
  const i = index < 0 ? index + items.length : index;
  return i >= 0 && i < items.length ? items[i] : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// str methods

/** Python's str.isspace characters: strip() and split() with no argument use these (JavaScript's \s differs). */
const PY_SPACE = '\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
export const isPySpace = (ch: string): boolean => PY_SPACE.includes(ch);
const CASED = /[\p{Lu}\p{Ll}\p{Lt}]/u;

function str(value: unknown, method: string, what = 'argument'): string {
  if (typeof value !== 'string') fail(`TypeError: str.${method}() ${what} must be str, not ${pythonTypeName(value)}`);
  return value;
}

function int(value: unknown, method: string): number {
  if (!isInt(value)) fail(`TypeError: str.${method}() expected an integer, not ${pythonTypeName(value)}`);
  return numberOf(value)!;
}

function stripChars(text: string, chars: unknown, method: string, left: boolean, right: boolean): string {
  const strip = chars === undefined || chars === null ? isPySpace : (ch: string) => str(chars, method).includes(ch);
  const cps = Array.from(text);
  let from = 0;
  let to = cps.length;
  if (left) while (from < to && strip(cps[from]!)) from++;
  if (right) while (to > from && strip(cps[to - 1]!)) to--;
  return cps.slice(from, to).join('');
}

function splitText(text: string, sep: unknown, maxsplit: unknown, method: string, fromRight: boolean): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : int(maxsplit, method);
  if (sep === undefined || sep === null) {
    // No separator: runs of whitespace split, and empty strings are dropped.
    const words: string[] = [];
    const cps = Array.from(text);
    const ordered = fromRight ? cps.reverse() : cps;
    let i = 0;
    while (i < ordered.length) {
      while (i < ordered.length && isPySpace(ordered[i]!)) i++;
      if (i >= ordered.length) break;
      if (max >= 0 && words.length === max) {
        let rest = ordered.slice(i);
        if (fromRight) rest = rest.reverse();
        // The remainder keeps its trailing (leading, for rsplit) whitespace, as Python's does.
        words.push(stripChars(rest.join(''), undefined, method, !fromRight, fromRight));
        break;
      }
      const start = i;
      while (i < ordered.length && !isPySpace(ordered[i]!)) i++;
      const word = ordered.slice(start, i);
      words.push((fromRight ? word.reverse() : word).join(''));
    }
    return fromRight ? words.reverse() : words;
  }
  const separator = str(sep, method);
  if (separator === '') fail('ValueError: empty separator');
  const parts = text.split(separator);
  if (max < 0 || parts.length - 1 <= max) return parts;
  return fromRight
    ? [parts.slice(0, parts.length - max).join(separator), ...parts.slice(parts.length - max)]
    : [...parts.slice(0, max), parts.slice(max).join(separator)];
}

/** The part of `text` that `start`/`end` (Python slice bounds, in code points) select, and its offset in code points. */
function window(text: string, start: unknown, end: unknown, method: string): [string, number] {
  if (start !== undefined && start !== null) int(start, method);
  if (end !== undefined && end !== null) int(end, method);
  const cps = codePoints(text);
  const [from, to] = sliceBounds(cps ? cps.length : text.length, start, end, 1);
  const part = cps ? cps.slice(from, Math.max(from, to)).join('') : text.slice(from, Math.max(from, to));
  return [part, from];
}

/** A UTF-16 offset in `text` as a code point offset. */
function toCodePointOffset(text: string, offset: number): number {
  return SURROGATE.test(text) ? Array.from(text.slice(0, offset)).length : offset;
}

function findIn(text: string, args: unknown[], method: string, fromRight: boolean): number {
  const sub = str(args[0], method);
  const [part, offset] = window(text, args[1], args[2], method);
  const at = fromRight ? part.lastIndexOf(sub) : part.indexOf(sub);
  return at < 0 ? -1 : offset + toCodePointOffset(part, at);
}

function affixTest(text: string, args: unknown[], method: string, atEnd: boolean): boolean {
  const [part] = window(text, args[1], args[2], method);
  const candidates = Array.isArray(args[0]) ? args[0] : [args[0]];
  return candidates.some((c) => {
    const affix = str(c, method, Array.isArray(args[0]) ? 'tuple item' : 'first arg');
    return atEnd ? part.endsWith(affix) : part.startsWith(affix);
  });
}

function pad(text: string, width: unknown, fill: unknown, method: string, align: '<' | '>' | '^'): string {
  const w = int(width, method);
  const f = fill === undefined ? ' ' : str(fill, method, 'fill character');
  if (Array.from(f).length !== 1) fail(`TypeError: The fill character must be exactly one character long`);
  const length = Array.from(text).length;
  const margin = w - length;
  if (margin <= 0) return text;
  if (align === '<') return text + f.repeat(margin);
  if (align === '>') return f.repeat(margin) + text;
  // CPython's center: the odd pad goes left when both the margin and the width are odd.
  const left = Math.floor(margin / 2) + (margin & w & 1);
  return f.repeat(left) + text + f.repeat(margin - left);
}

function caseTest(text: string, upper: boolean): boolean {
  let cased = false;
  for (const ch of text) {
    if (!CASED.test(ch)) continue;
    if (upper ? ch !== ch.toUpperCase() || ch === ch.toLowerCase() && ch !== ch.toUpperCase() : ch !== ch.toLowerCase()) return false;
    cased = true;
  }
  return cased;
}

function title(text: string): string {
  let out = '';
  let previousCased = false;
  for (const ch of text) {
    out += previousCased ? ch.toLowerCase() : ch.toUpperCase();
    previousCased = CASED.test(ch);
  }
  return out;
}

/** Splits the keyword arguments nunjucks passes last (an object marked `__keywords`) from the positional ones. */
export function keywordsOf(args: unknown[]): [unknown[], Record<string, unknown>] {
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    const { __keywords: _, ...kwargs } = last as Record<string, unknown>;
    return [args.slice(0, -1), kwargs];
  }
  return [args, {}];
}

type StrMethod = (text: string, args: unknown[]) => unknown;

const all = (text: string, test: (ch: string) => boolean): boolean => text.length > 0 && Array.from(text).every(test);

/** The str methods templates can call, with Python's results (`'a-b-c'.replace('-', '_')` replaces every match). */
const STR_METHODS: Record<string, StrMethod> = {
  upper: (t) => t.toUpperCase(),
  lower: (t) => t.toLowerCase(),
  casefold: (t) => t.toLowerCase(),
  swapcase: (t) => Array.from(t, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  title: (t) => title(t),
  capitalize: (t) => {
    const [first = '', ...rest] = Array.from(t);
    return first.toUpperCase() + rest.join('').toLowerCase();
  },
  strip: (t, [chars]) => stripChars(t, chars, 'strip', true, true),
  lstrip: (t, [chars]) => stripChars(t, chars, 'lstrip', true, false),
  rstrip: (t, [chars]) => stripChars(t, chars, 'rstrip', false, true),
  replace: (t, [old, replacement, count]) => {
    const from = str(old, 'replace');
    const to = str(replacement, 'replace');
    const n = count === undefined ? -1 : int(count, 'replace');
    if (from === '') {
      // Python inserts before each character and at the end (`'ab'.replace('', '-')` is `-a-b-`), the first n of them.
      const chars = Array.from(t);
      const k = n < 0 ? chars.length + 1 : Math.min(n, chars.length + 1);
      return chars.map((ch, i) => (i < k ? to : '') + ch).join('') + (k > chars.length ? to : '');
    }
    if (n < 0) return t.split(from).join(to);
    const parts = t.split(from);
    return parts.slice(0, n + 1).join(to) + (parts.length > n + 1 ? from + parts.slice(n + 1).join(from) : '');
  },
  split: (t, [sep, maxsplit]) => splitText(t, sep, maxsplit, 'split', false),
  rsplit: (t, [sep, maxsplit]) => splitText(t, sep, maxsplit, 'rsplit', true),
  splitlines: (t, [keepends]) => {
    const lines = t.match(/[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]|$)/g) ?? [];
    const kept = lines.filter((line, i) => line !== '' || i < lines.length - 1);
    return kept.filter((l) => l !== '').map((l) => (keepends ? l : l.replace(/(?:\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])$/, '')));
  },
  partition: (t, [sep]) => {
    const s = str(sep, 'partition');
    if (s === '') fail('ValueError: empty separator');
    const at = t.indexOf(s);
    return PythonTuple.from(at < 0 ? [t, '', ''] : [t.slice(0, at), s, t.slice(at + s.length)]);
  },
  rpartition: (t, [sep]) => {
    const s = str(sep, 'rpartition');
    if (s === '') fail('ValueError: empty separator');
    const at = t.lastIndexOf(s);
    return PythonTuple.from(at < 0 ? ['', '', t] : [t.slice(0, at), s, t.slice(at + s.length)]);
  },
  startswith: (t, args) => affixTest(t, args, 'startswith', false),
  endswith: (t, args) => affixTest(t, args, 'endswith', true),
  removeprefix: (t, [p]) => (t.startsWith(str(p, 'removeprefix')) ? t.slice((p as string).length) : t),
  removesuffix: (t, [s]) => (str(s, 'removesuffix') !== '' && t.endsWith(s as string) ? t.slice(0, t.length - (s as string).length) : t),
  find: (t, args) => findIn(t, args, 'find', false),
  rfind: (t, args) => findIn(t, args, 'rfind', true),
  index: (t, args) => {
    const at = findIn(t, args, 'index', false);
    return at < 0 ? fail('ValueError: substring not found') : at;
  },
  rindex: (t, args) => {
    const at = findIn(t, args, 'rindex', true);
    return at < 0 ? fail('ValueError: substring not found') : at;
  },
  count: (t, args) => {
    const sub = str(args[0], 'count');
    const [part] = window(t, args[1], args[2], 'count');
    return sub === '' ? Array.from(part).length + 1 : part.split(sub).length - 1;
  },
  join: (t, [items]) => {
    const list = typeof items === 'string' ? Array.from(items) : items instanceof PythonIterator ? Array.from(items) : Array.isArray(items) ? items : fail(`TypeError: can only join an iterable, not ${pythonTypeName(items)}`);
    return list
      .map((item, i) => (typeof item === 'string' ? item : fail(`TypeError: sequence item ${i}: expected str instance, ${pythonTypeName(item)} found`)))
      .join(t);
  },
  zfill: (t, [width]) => {
    const w = int(width, 'zfill');
    const cps = Array.from(t);
    if (cps.length >= w) return t;
    const sign = cps[0] === '+' || cps[0] === '-' ? cps[0] : '';
    return sign + '0'.repeat(w - cps.length) + cps.slice(sign ? 1 : 0).join('');
  },
  expandtabs: (t, args) => {
    const [positional, kwargs] = keywordsOf(args);
    const size = int(positional[0] ?? kwargs.tabsize ?? 8, 'expandtabs');
    // Each tab goes to the next multiple of the size; a line break starts the column again (code points, as Python).
    let out = '';
    let column = 0;
    for (const ch of t) {
      if (ch === '\t') {
        const spaces = size > 0 ? size - (column % size) : 0;
        out += ' '.repeat(spaces);
        column += spaces;
      } else {
        out += ch;
        column = ch === '\n' || ch === '\r' ? 0 : column + 1;
      }
    }
    return out;
  },
  center: (t, [width, fill]) => pad(t, width, fill, 'center', '^'),
  ljust: (t, [width, fill]) => pad(t, width, fill, 'ljust', '<'),
  rjust: (t, [width, fill]) => pad(t, width, fill, 'rjust', '>'),
  isdigit: (t) => all(t, (c) => /\p{Nd}|[\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089]/u.test(c)),
  isdecimal: (t) => all(t, (c) => /\p{Nd}/u.test(c)),
  isnumeric: (t) => all(t, (c) => /\p{N}/u.test(c)),
  isalpha: (t) => all(t, (c) => /\p{L}/u.test(c)),
  isalnum: (t) => all(t, (c) => /[\p{L}\p{N}]/u.test(c)),
  isspace: (t) => all(t, isPySpace),
  isascii: (t) => Array.from(t).every((c) => c.charCodeAt(0) < 0x80),
  islower: (t) => caseTest(t, false),
  isupper: (t) => caseTest(t, true),
  istitle: (t) => t.length > 0 && title(t) === t && CASED.test(t),
  isidentifier: (t) => /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(t),
  format: (t, args) => {
    const [positional, kwargs] = keywordsOf(args);
    return strFormat(t, positional, kwargs);
  },
  format_map: (t, [mapping]) => {
    if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping)) fail(`TypeError: format_map() argument must be a mapping, not ${pythonTypeName(mapping)}`);
    return strFormat(t, [], mapping as Record<string, unknown>);
  },
};

/** Python str methods handoff does not implement: calling one is an error rather than some other text. */
const UNSUPPORTED_STR_METHODS = new Set(['encode', 'isprintable', 'maketrans', 'translate']);

export function isPythonStrMethod(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(STR_METHODS, name) || UNSUPPORTED_STR_METHODS.has(name);
}

/**
 * `text.name` in a template: a Python str method bound to the text; anything else is Undefined, as an attribute str
 * does not have is in Jinja2 (so `s.length` renders empty and `s.toUpperCase()` is "unable to call", not JavaScript).
 */
export function strMember(text: string, name: unknown): unknown {
  if (typeof name !== 'string') return undefined;
  if (Object.prototype.hasOwnProperty.call(STR_METHODS, name)) {
    const method = STR_METHODS[name]!;
    return boundMethod(name, 'str', (...args: unknown[]) => method(text, args));
  }
  if (UNSUPPORTED_STR_METHODS.has(name)) {
    return boundMethod(name, 'str', () => fail(`str.${name}() is not supported in handoff's templates`));
  }
  return undefined;
}

/** A method bound to its object, which prints as Python prints one (`<built-in method upper of str object at 0x…>`). */
export function boundMethod<T extends object>(name: string, type: string, method: T): T {
  return describeAs(method, `<built-in method ${name} of ${type} object at ${madeUpAddress()}>`);
}

/** Whether `key` can be a dict's key, as Python's hash() takes it: a str, number, bool, None, or a tuple of those. */
export function isHashable(key: unknown): boolean {
  if (key === null || typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean' || key instanceof PythonFloat) return true;
  return key instanceof PythonTuple && key.every(isHashable);
}

/**
 * The name under which `dict` holds `key` (python-str's nonStrKeyName for a key that is not a str), found as Python
 * finds a key: by ==, so `1`, `1.0` and `True` are one key. Undefined when the dict has no such key or `key` cannot be one.
 */
export function dictKeyName(dict: object, key: unknown): string | undefined {
  const has = (name: string): boolean => Object.prototype.hasOwnProperty.call(dict, name);
  if (typeof key === 'string') {
    if (!isHoldableStrKey(key)) return undefined;
    const name = strKeyName(key);
    return has(name) ? name : has(key) ? key : undefined;
  }
  if (!isHashable(key)) return undefined;
  const name = nonStrKeyName(key);
  if (has(name)) return name;
  return Object.keys(dict).find((other) => !isStrKeyName(other) && pythonEquals(dictKeyOf(other), key));
}

/**
 * Python's `dict[key] = value`: a key equal to one the dict has keeps that key and takes the value (`{1: 'a', True:
 * 'b'}` is `{1: 'b'}`); an unhashable key is Python's TypeError (at `at`, when given).
 */
export function setDictItem(dict: Record<string, unknown>, key: unknown, value: unknown, at?: { line: number; col: number }): void {
  if (key === undefined) throw new PythonTemplateError('UndefinedError: a dict key is undefined', 'define the value used as the key, or test it first ({% if name is defined %})', at);
  if (!isHashable(key)) throw new PythonTemplateError(`TypeError: unhashable type: '${pythonTypeName(key)}'`, 'a dict key must be a str, number, bool, None or a tuple of those', at);
  if (typeof key === 'string' && !isHoldableStrKey(key)) throw new PythonTemplateError("a dict key that starts with the character NUL or SOH is not supported in handoff's templates", undefined, at);
  dict[dictKeyName(dict, key) ?? (typeof key === 'string' ? strKeyName(key) : nonStrKeyName(key))] = value;
}

/** Python's `{k1: v1, k2: v2, …}` of the (key, value, 0-based line, column) entries of a dict literal. */
export function dictLiteral(entries: Array<[unknown, unknown, number, number]>): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  for (const [key, value, line, col] of entries) setDictItem(dict, key, value, { line: line + 1, col: col + 1 });
  return dict;
}

/** The dict methods templates call, with Python's results: views that print as Python's, `get` giving None. */
const DICT_METHODS: Record<string, (dict: Record<string, unknown>, args: unknown[]) => unknown> = {
  items: (d) => PythonDictView.make('dict_items', Object.entries(d).map(([name, value]) => PythonTuple.from([dictKeyOf(name), value]))),
  keys: (d) => PythonDictView.make('dict_keys', dictKeys(d)),
  values: (d) => PythonDictView.make('dict_values', Object.values(d)),
  get: (d, [key, otherwise = null]) => {
    const name = dictKeyName(d, key);
    return name === undefined ? otherwise : d[name];
  },
  copy: (d) => ({ ...d }),
};

/** `dict.name` for the dict methods above, bound to the dict; undefined for any other name (nunjucks decides). */
export function dictMember(dict: Record<string, unknown>, name: unknown): unknown {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(DICT_METHODS, name)) return undefined;
  const method = DICT_METHODS[name]!;
  return boundMethod(name, 'dict', (...args: unknown[]) => method(dict, args));
}

/** The position of the first item equal (Python's ==) to `item`, or -1. */
function indexOf(list: unknown[], item: unknown): number {
  return list.findIndex((i) => pythonEquals(i, item));
}

/** A list index as Python's list.insert and list.pop read it (negative from the end). */
function listPosition(list: unknown[], at: unknown, method: string): number {
  if (!isInt(at)) fail(`TypeError: '${pythonTypeName(at)}' object cannot be interpreted as an integer (list.${method})`);
  const n = numberOf(at)!;
  return n < 0 ? n + list.length : n;
}

/** The items Python's list.extend takes from a value: a list's, a str's characters, a dict's keys, a generator's. */
function extendItems(value: unknown): unknown[] {
  if (value instanceof PythonIterator || Array.isArray(value)) return Array.from(value as Iterable<unknown>);
  if (typeof value === 'string') return Array.from(value);
  if (isMapping(value)) return dictKeys(value);
  return fail(`TypeError: '${pythonTypeName(value)}' object is not iterable`);
}

/**
 * Python's list methods, with Python's results: those that change the list give None (nunjucks' append gave the new
 * length, its pop(i) a list, its count and index compared by identity).
 */
const LIST_METHODS: Record<string, (list: unknown[], args: unknown[]) => unknown> = {
  append: (l, [item]) => (l.push(item), null),
  clear: (l) => ((l.length = 0), null),
  copy: (l) => [...l],
  count: (l, [item]) => l.filter((i) => pythonEquals(i, item)).length,
  extend: (l, [items]) => (l.push(...extendItems(items)), null),
  index: (l, [item]) => {
    const at = indexOf(l, item);
    return at < 0 ? fail('ValueError: the value is not in the list') : at;
  },
  insert: (l, [at, item]) => (l.splice(Math.min(Math.max(listPosition(l, at, 'insert'), 0), l.length), 0, item), null),
  pop: (l, [at = -1]) => {
    if (l.length === 0) fail('IndexError: pop from empty list');
    const i = listPosition(l, at, 'pop');
    if (i < 0 || i >= l.length) fail('IndexError: pop index out of range');
    return l.splice(i, 1)[0];
  },
  remove: (l, [item]) => {
    const at = indexOf(l, item);
    if (at < 0) fail('ValueError: list.remove(x): x not in list');
    l.splice(at, 1);
    return null;
  },
  reverse: (l) => (l.reverse(), null),
  sort: (l, args) => {
    const [positional, kwargs] = keywordsOf(args);
    if (positional.length > 0) fail('TypeError: sort() takes no positional arguments');
    if (kwargs.key !== undefined && kwargs.key !== null) fail("list.sort(key=…) is not supported in handoff's templates; use the sort filter (| sort(attribute='…'))");
    const sign = pythonTruthy(kwargs.reverse) ? -1 : 1;
    l.sort((a, b) => sign * pythonCompare(a, b));
    return null;
  },
};
const TUPLE_METHODS = new Set(['count', 'index']);

/**
 * `list.name` for Python's list methods (a tuple's or range's count and index), bound to the list; undefined for any
 * other name, so JavaScript's own members (`length`, `map`) are not reachable from a template, as in Jinja2.
 */
export function listMember(list: unknown[], name: unknown): unknown {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(LIST_METHODS, name)) return undefined;
  const plain = !(list instanceof PythonTuple || list instanceof PythonRange || list instanceof PythonDictView);
  if (!plain && !TUPLE_METHODS.has(name)) return undefined;
  const method = LIST_METHODS[name]!;
  return boundMethod(name, pythonTypeName(list), (...args: unknown[]) => method(list, args));
}

// ---------------------------------------------------------------------------------------------------------------
// Number formatting shared by `%` and str.format

/** The exact decimal digits of |value| rounded half to even at `places` after the point (Python rounds so; toFixed does not). */
function fixedDigits(value: number, places: number): string {
  if (places > 60) fail('a precision over 60 is not supported in handoff\'s templates');
  const abs = Math.abs(value);
  if (abs >= 1e21) return BigInt(abs).toString() + (places > 0 ? `.${'0'.repeat(places)}` : '');
  // toFixed(100) is exact for a double of this size: its decimal expansion ends well within 100 places... or is rounded
  // at the 100th, far beyond any tie at `places`.
  const exact = abs.toFixed(100);
  const point = exact.indexOf('.');
  const kept = exact.slice(0, point + 1 + places).replace(/\.$/, '');
  const rest = exact.slice(point + 1 + places);
  const first = rest.charCodeAt(0) - 48;
  const tail = /[1-9]/.test(rest.slice(1));
  const lastDigit = kept.charCodeAt(kept.length - 1) - 48;
  const up = first > 5 || (first === 5 && (tail || lastDigit % 2 === 1));
  return up ? incrementDecimal(kept) : kept;
}

function incrementDecimal(text: string): string {
  const chars = text.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    if (chars[i] === '.') continue;
    if (chars[i] === '9') chars[i] = '0';
    else {
      chars[i] = String(Number(chars[i]) + 1);
      return chars.join('');
    }
  }
  return `1${chars.join('')}`;
}

/** |value| as `d.ddd` and a decimal exponent, `precision` digits after the point, rounded half to even. */
function exponentDigits(value: number, precision: number): [string, number] {
  if (precision > 60) fail('a precision over 60 is not supported in handoff\'s templates');
  const abs = Math.abs(value);
  if (abs === 0) return [precision > 0 ? `0.${'0'.repeat(precision)}` : '0', 0];
  // toExponential(100) gives the first 101 significant digits, exact enough to see a tie at `precision`.
  const [mantissa, exp] = abs.toExponential(100).split('e');
  const digits = mantissa!.replace('.', '');
  let exponent = Number(exp);
  let kept = digits.slice(0, precision + 1);
  const first = digits.charCodeAt(precision + 1) - 48;
  const tail = /[1-9]/.test(digits.slice(precision + 2));
  const up = first > 5 || (first === 5 && (tail || (kept.charCodeAt(kept.length - 1) - 48) % 2 === 1));
  if (up) {
    kept = incrementDecimal(kept);
    if (kept.length > precision + 1) {
      kept = kept.slice(0, precision + 1);
      exponent += 1;
    }
  }
  return [kept.length > 1 ? `${kept[0]}.${kept.slice(1)}` : kept, exponent];
}

function formatExponent(value: number, precision: number, upper: boolean, alternate: boolean): string {
  const [mantissa, exponent] = exponentDigits(value, precision);
  const exp = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return `${mantissa}${alternate && !mantissa.includes('.') ? '.' : ''}${upper ? 'E' : 'e'}${exp}`;
}

function formatGeneral(value: number, precision: number, upper: boolean, alternate: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const [, exponent] = exponentDigits(value, p - 1);
  let out: string;
  if (exponent >= -4 && exponent < p) out = fixedDigits(value, p - 1 - exponent);
  else out = formatExponent(value, p - 1, upper, alternate);
  if (!alternate) {
    // Without '#', trailing zeros of the fraction (and a bare point) go.
    out = out.replace(/(\.\d*?)0+(?=$|[eE])/, '$1').replace(/\.(?=$|[eE])/, '');
  } else if (!out.includes('.') && !/[eE]/.test(out)) out += '.';
  return out;
}

/** A float by a conversion type (`f`, `e`, `g`, `%`, upper-case forms): digits only; the caller adds sign and padding. */
function formatFloatDigits(value: number, type: string, precision: number | undefined, alternate: boolean): string {
  if (Number.isNaN(value)) return type === type.toUpperCase() && type !== '%' ? 'NAN' : 'nan';
  if (!Number.isFinite(value)) return (type === type.toUpperCase() && type !== '%' ? 'INF' : 'inf') + (type === '%' ? '%' : '');
  const p = precision ?? 6;
  switch (type) {
    case 'f':
    case 'F': {
      const out = fixedDigits(value, p);
      return alternate && !out.includes('.') ? `${out}.` : out;
    }
    case 'e':
    case 'E':
      return formatExponent(value, p, type === 'E', alternate);
    case 'g':
    case 'G':
      return formatGeneral(value, p, type === 'G', alternate);
    case '%':
      return `${fixedDigits(value * 100, p)}%`;
    default:
      return fail(`unknown format code for float`);
  }
}

function signOf(negative: boolean, sign: string): string {
  return negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
}

function groupDigits(digits: string, separator: string, size: number): string {
  const [whole, fraction] = digits.split(/(?=[.eE%])/, 2) as [string, string | undefined];
  const rest = fraction === undefined ? '' : digits.slice(whole.length);
  let grouped = '';
  for (let i = whole.length; i > 0; i -= size) grouped = whole.slice(Math.max(0, i - size), i) + (grouped ? separator + grouped : '');
  return grouped + rest;
}

/**
 * Zero padding with a grouping option, as Python pads (`'{:012,}'.format(1234)` is `0,000,001,234`): the zeros are
 * digits, grouped with the rest, as few as make the text at least `room` long (one more where the first character
 * would be a separator). Undefined for a body that is not digits (inf, nan), padded as before.
 */
function zeroPadGrouped(body: string, separator: string, size: number, room: number): string | undefined {
  const ungrouped = body.split(separator).join('');
  const [whole, rest] = size === 4 ? [ungrouped, ''] : [ungrouped.split(/(?=[.eE%])/, 1)[0]!, ungrouped.slice(ungrouped.split(/(?=[.eE%])/, 1)[0]!.length)];
  if (!/^[0-9a-fA-F]+$/.test(whole)) return undefined;
  let digits = whole.length;
  while (digits + Math.floor((digits - 1) / size) + Array.from(rest).length < room) digits++;
  // Grouped here, not by groupDigits, which would split hex digits at an `e`.
  const all = '0'.repeat(digits - whole.length) + whole;
  const groups: string[] = [];
  for (let i = all.length; i > 0; i -= size) groups.unshift(all.slice(Math.max(0, i - size), i));
  return groups.join(separator) + rest;
}

// ---------------------------------------------------------------------------------------------------------------
// printf-style `%`

const PERCENT_SPEC = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)/gs;

/** Conversions `%` supports; `%a` (ascii) and `*` widths are not and are refused. */
const PERCENT_TYPES = 'sdiuxXofFeEgGcr%';

/** The conversions of a %-format, for validation without values: an error message if one is not supported. */
export function checkPercentFormat(format: string): string | undefined {
  PERCENT_SPEC.lastIndex = 0;
  for (let m = PERCENT_SPEC.exec(format); m !== null; m = PERCENT_SPEC.exec(format)) {
    const [whole, , , width, precision, type] = m;
    if (type === '') return 'incomplete format';
    if (width === '*' || precision === '*') return `"${whole}": a * width or precision is not supported in handoff's templates`;
    if (!PERCENT_TYPES.includes(type!)) return `"${whole}": unsupported format character '${type}'`;
  }
  return undefined;
}

function percentInteger(value: unknown, type: string): number | bigint {
  if (typeof value === 'bigint') return value;
  if (type === 'x' || type === 'X' || type === 'o') {
    if (!isInt(value)) fail(`TypeError: %${type} format: an integer is required, not ${pythonTypeName(value)}`);
    return numberOf(value)!;
  }
  const n = numberOf(value);
  if (n === undefined) fail(`TypeError: %${type} format: a real number is required, not ${pythonTypeName(value)}`);
  if (!Number.isFinite(n)) fail(`OverflowError: cannot convert float infinity or nan to integer`);
  return Math.trunc(n);
}

function percentOne(value: unknown, flags: string, width: number, precision: number | undefined, type: string): string {
  const alternate = flags.includes('#');
  const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  let body: string;
  let negative = false;
  let numeric = true;
  switch (type) {
    case 's':
    case 'r': {
      numeric = false;
      body = type === 's' ? formatPythonStr(value) : formatPythonRepr(value);
      if (precision !== undefined) body = Array.from(body).slice(0, precision).join('');
      break;
    }
    case 'c': {
      numeric = false;
      if (typeof value === 'string') {
        if (Array.from(value).length !== 1) fail('TypeError: %c requires an int or a unicode character, not a string of length other than 1');
        body = value;
      } else if (isInt(value) && numberOf(value)! >= 0 && numberOf(value)! <= 0x10ffff) body = String.fromCodePoint(numberOf(value)!);
      else fail(`TypeError: %c requires an int or a unicode character, not ${pythonTypeName(value)}`);
      break;
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      const n = percentInteger(value, type);
      negative = n < 0;
      const radix = type === 'd' || type === 'i' || type === 'u' ? 10 : type === 'o' ? 8 : 16;
      body = typeof n === 'bigint' ? (negative ? -n : n).toString(radix) : Math.abs(n) < 1e21 ? Math.abs(n).toString(radix) : BigInt(Math.abs(n)).toString(radix);
      if (type === 'X') body = body.toUpperCase();
      if (precision !== undefined) body = body.padStart(precision, '0');
      if (alternate && radix !== 10) body = (type === 'o' ? '0o' : type === 'x' ? '0x' : '0X') + body;
      break;
    }
    default: {
      const n = realOf(value);
      if (n === undefined) fail(`TypeError: must be real number, not ${pythonTypeName(value)}`);
      negative = n < 0 || Object.is(n, -0);
      body = formatFloatDigits(n, type, precision, alternate);
    }
  }
  const prefix = numeric ? signOf(negative, sign) : '';
  const length = Array.from(prefix + body).length;
  if (width <= length) return prefix + body;
  if (flags.includes('-')) return prefix + body + ' '.repeat(width - length);
  if (numeric && flags.includes('0') && /^[0-9]/.test(body) || numeric && flags.includes('0') && /^0[xXo]/.test(body)) {
    const radixPrefix = /^0[xXo]/.test(body) ? body.slice(0, 2) : '';
    return prefix + radixPrefix + '0'.repeat(width - length) + body.slice(radixPrefix.length);
  }
  return ' '.repeat(width - length) + prefix + body;
}

/** A dict: a plain object (a list, a tuple, a float or a SafeString is not). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Python's `format % args`: a tuple gives the arguments in order, a dict serves `%(name)s`, anything else is the one
 * argument (a list too: `'%s' % [1, 2]` is `[1, 2]`).
 */
export function percentFormat(format: string, args: unknown): string {
  const problem = checkPercentFormat(format);
  // The format text is not quoted: it may be a value (a secret) rather than template text.
  if (problem !== undefined) fail(`ValueError: ${problem.startsWith('"') ? problem.replace(/^"[^"]*": /, '') : problem} in a %-format`);
  const list = args instanceof PythonTuple ? [...args] : [args];
  let next = 0;
  let usedMapping = false;
  const take = (): unknown => {
    if (next >= list.length) fail('TypeError: not enough arguments for format string');
    return list[next++];
  };
  PERCENT_SPEC.lastIndex = 0;
  const out = format.replace(PERCENT_SPEC, (_whole, key: string | undefined, flags: string, width: string | undefined, precision: string | undefined, type: string) => {
    if (type === '%' && key === undefined && !flags && width === undefined && precision === undefined) return '%';
    let value: unknown;
    if (key !== undefined) {
      if (!isMapping(args)) fail('TypeError: format requires a mapping');
      usedMapping = true;
      if (!Object.prototype.hasOwnProperty.call(args, key)) fail('KeyError: a %(name) key the mapping does not have');
      value = args[key];
    } else value = type === '%' ? '%' : take();
    return percentOne(value, flags, width === undefined ? 0 : Number(width), precision === undefined ? undefined : Number(precision || '0'), type === '%' ? 's' : type);
  });
  // A dict argument that no %(name) used is fine in Python only when no plain conversion took it as a value.
  if (!usedMapping && next < list.length && !(isMapping(args) && next === 0)) fail('TypeError: not all arguments converted during string formatting');
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// str.format

const FORMAT_SPEC = /^(?:([\s\S])?([<>=^]))?([+\- ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

/** Applies a format spec (Python's format mini-language) to one value. */
export function formatWithSpec(value: unknown, spec: string): string {
  if (spec === '') return formatPythonStr(value);
  const m = FORMAT_SPEC.exec(spec);
  if (!m) fail('ValueError: invalid format specifier');
  const [, fillChar, alignChar, signChar, , alt, zero, widthText, grouping, precisionText, typeChar] = m;
  const alternate = alt !== undefined;
  const width = widthText === undefined ? 0 : Number(widthText);
  const precision = precisionText === undefined ? undefined : Number(precisionText);
  let fill = fillChar ?? ' ';
  let align = alignChar;
  let body: string;
  let negative = false;
  let numeric = true;
  const sign = signChar ?? '-';
  let type = typeChar ?? '';
  if (typeof value === 'string' || (!isInt(value) && numberOf(value) === undefined)) {
    if (typeof value !== 'string') {
      // None, lists and dicts have only object.__format__, which takes no spec at all.
      fail(`TypeError: unsupported format string passed to ${pythonTypeName(value)}.__format__`);
    }
    if (type !== '' && type !== 's') fail(`ValueError: Unknown format code '${type}' for object of type 'str'`);
    if (signChar !== undefined) fail('ValueError: Sign not allowed in string format specifier');
    if (alternate) fail('ValueError: Alternate form (#) not allowed in string format specifier');
    if (grouping !== undefined) fail(`ValueError: Cannot specify '${grouping}' with 's'.`);
    if (align === '=') fail("ValueError: '=' alignment not allowed in string format specifier");
    numeric = false;
    body = precision === undefined ? value : Array.from(value).slice(0, precision).join('');
    align = align ?? '<';
  } else if (isInt(value) && !'eEfFgG%'.includes(type || '-')) {
    // An int beyond 2**53 is a bigint: its digits in every base are exact, as Python's.
    const n = typeof value === 'bigint' ? value : numberOf(value)!;
    if (precision !== undefined) fail('ValueError: Precision not allowed in integer format specifier');
    negative = n < 0;
    const abs = typeof n === 'bigint' ? (n < 0n ? -n : n) : Math.abs(n);
    switch (type) {
      case '':
      case 'd':
      case 'n':
        body = typeof abs === 'bigint' || abs < 1e21 ? String(abs) : BigInt(abs).toString();
        break;
      case 'b':
        body = (alternate ? '0b' : '') + abs.toString(2);
        break;
      case 'o':
        body = (alternate ? '0o' : '') + abs.toString(8);
        break;
      case 'x':
        body = (alternate ? '0x' : '') + abs.toString(16);
        break;
      case 'X':
        body = (alternate ? '0X' : '') + abs.toString(16).toUpperCase();
        break;
      case 'c':
        numeric = false;
        if (typeof n === 'bigint') fail('OverflowError: %c arg not in range(0x110000)');
        body = String.fromCodePoint(n);
        break;
      default:
        return fail(`ValueError: Unknown format code '${type}' for object of type 'int'`);
    }
    if (grouping !== undefined) {
      const prefix = /^0[box]/i.test(body) ? body.slice(0, 2) : '';
      const size = type === 'b' || type === 'o' || type === 'x' || type === 'X' ? 4 : 3;
      if (size === 4 && grouping === ',') fail(`ValueError: Cannot specify ',' with '${type}'.`);
      body = prefix + groupDigits(body.slice(prefix.length), grouping, size);
    }
  } else {
    const n = realOf(value)!;
    negative = n < 0 || Object.is(n, -0);
    if (type === '') {
      // No type: repr's digits, or with a precision 'g' that keeps a point (`'{:.3}'.format(2.0)` is `2.0`).
      if (precision === undefined) body = formatPythonFloat(Math.abs(n));
      else {
        body = formatGeneral(Math.abs(n), precision, false, false);
        if (Number.isFinite(n) && !/[.e]/.test(body)) body += '.0';
      }
    } else if (type === 'n') {
      body = formatFloatDigits(Math.abs(n), 'g', precision, alternate);
    } else {
      body = formatFloatDigits(Math.abs(n), type, precision, alternate);
    }
    if (grouping !== undefined) body = groupDigits(body, grouping, 3);
    type = type || 'g';
  }
  const prefix = numeric ? signOf(negative, sign) : '';
  if (zero !== undefined && alignChar === undefined && numeric) {
    fill = '0';
    align = '=';
  }
  align = align ?? (numeric ? '>' : '<');
  const length = Array.from(prefix + body).length;
  if (width <= length) return prefix + body;
  const padding = width - length;
  switch (align) {
    case '<':
      return prefix + body + fill.repeat(padding);
    case '^': {
      const left = Math.floor(padding / 2);
      return fill.repeat(left) + prefix + body + fill.repeat(padding - left);
    }
    case '=': {
      const radixPrefix = /^0[box]/i.test(body) ? body.slice(0, 2) : '';
      if (fill === '0' && grouping !== undefined) {
        const size = typeChar !== undefined && 'boxX'.includes(typeChar) ? 4 : 3;
        const padded = zeroPadGrouped(body.slice(radixPrefix.length), grouping, size, width - Array.from(prefix + radixPrefix).length);
        if (padded !== undefined) return prefix + radixPrefix + padded;
      }
      return prefix + radixPrefix + fill.repeat(padding) + body.slice(radixPrefix.length);
    }
    default:
      return fill.repeat(padding) + prefix + body;
  }
}

interface FormatField {
  name: string;
  conversion: string | undefined;
  spec: string;
  /** A spec well formed but for its type code, which Python refuses when it formats (naming the value's type). */
  unknownCode?: string;
}

/** FORMAT_SPEC with any character as its type code: the spec of a FormatField with an unknownCode. */
const FORMAT_SPEC_ANY_CODE = new RegExp(FORMAT_SPEC.source.replace(/\(\[[^\]]*\]\)\?\$$/, '([\\s\\S])$'));

/** The static reason a field's spec is refused (validation has no value to name the type of), else undefined. */
export function unknownFormatCodes(parts: Array<string | FormatField>): string | undefined {
  const field = parts.find((part): part is FormatField => typeof part !== 'string' && part.unknownCode !== undefined);
  return field ? `Unknown format code '${field.unknownCode}'` : undefined;
}

/** Splits a str.format template into literal text and fields, or gives the reason it is malformed. */
export function parseFormatTemplate(format: string): Array<string | FormatField> | string {
  const parts: Array<string | FormatField> = [];
  let text = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (ch === '}') {
      if (format[i + 1] !== '}') return "Single '}' encountered in format string";
      text += '}';
      i += 2;
      continue;
    }
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    if (format[i + 1] === '{') {
      text += '{';
      i += 2;
      continue;
    }
    const end = format.indexOf('}', i + 1);
    if (end < 0) return "Single '{' encountered in format string";
    const inner = format.slice(i + 1, end);
    if (inner.includes('{')) return 'a nested {} field in a format spec is not supported in handoff\'s templates';
    const m = /^([^!:]*)(?:!(.))?(?::([\s\S]*))?$/.exec(inner);
    if (!m) return 'expected \':\' after conversion specifier';
    if (m[2] !== undefined && !'rs'.includes(m[2])) return m[2] === 'a' ? 'the !a conversion is not supported in handoff\'s templates' : 'Unknown conversion specifier';
    const spec = m[3] ?? '';
    const unknownCode = spec !== '' && !FORMAT_SPEC.test(spec) ? FORMAT_SPEC_ANY_CODE.exec(spec)?.[10] : undefined;
    if (spec !== '' && !FORMAT_SPEC.test(spec) && unknownCode === undefined) return 'Invalid format specifier';
    if (text) parts.push(text);
    text = '';
    parts.push({ name: m[1]!, conversion: m[2], spec, ...(unknownCode !== undefined ? { unknownCode } : {}) });
    i = end + 1;
  }
  if (text) parts.push(text);
  return parts;
}

function lookupField(name: string, positional: unknown[], kwargs: Record<string, unknown>, auto: { next: number; mode: string }): unknown {
  const m = /^([^.[]*)([\s\S]*)$/.exec(name)!;
  const first = m[1]!;
  let value: unknown;
  if (first === '' || /^\d+$/.test(first)) {
    const mode = first === '' ? 'auto' : 'manual';
    if (auto.mode && auto.mode !== mode) fail('ValueError: cannot switch between automatic and manual field numbering');
    auto.mode = mode;
    const index = first === '' ? auto.next++ : Number(first);
    if (index >= positional.length) fail(`IndexError: Replacement index ${index} out of range for positional args tuple`);
    value = positional[index];
  } else {
    if (!Object.prototype.hasOwnProperty.call(kwargs, first)) fail(`KeyError: '${first}'`);
    value = kwargs[first];
  }
  // `.attr` and `[key]` after the name: dict keys and list indexes (attributes of plain values are dict keys here).
  const rest = /\.([^.[]+)|\[([^\]]+)\]/g;
  let consumed = 0;
  for (let r = rest.exec(m[2]!); r !== null; r = rest.exec(m[2]!)) {
    if (r.index !== consumed) fail('ValueError: Only \'.\' or \'[\' may follow \']\' in format field specifier');
    consumed = rest.lastIndex;
    const key = r[1] ?? r[2]!;
    const index = r[2] !== undefined && /^\d+$/.test(key) ? Number(key) : key;
    if (Array.isArray(value) && typeof index === 'number') value = value[index];
    else if (isMapping(value) && dictKeyName(value, key) !== undefined) value = value[dictKeyName(value, key)!];
    else fail(r[1] !== undefined ? `AttributeError: '${pythonTypeName(value)}' object has no attribute '${key}'` : `KeyError or IndexError in a format field`);
  }
  if (consumed !== m[2]!.length) fail('ValueError: Only \'.\' or \'[\' may follow \']\' in format field specifier');
  return value;
}

/** Python's `format.format(*positional, **kwargs)`. */
export function strFormat(format: string, positional: unknown[], kwargs: Record<string, unknown>): string {
  const parts = parseFormatTemplate(format);
  if (typeof parts === 'string') fail(`ValueError: ${parts}`);
  const auto = { next: 0, mode: '' };
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      let value = lookupField(part.name, positional, kwargs, auto);
      if (part.conversion === 'r') value = formatPythonRepr(value);
      else if (part.conversion === 's') value = formatPythonStr(value);
      if (part.unknownCode !== undefined) {
        const grouping = FORMAT_SPEC_ANY_CODE.exec(part.spec)?.[8];
        fail(grouping ? `ValueError: Cannot specify '${grouping}' with '${part.unknownCode}'.` : `ValueError: Unknown format code '${part.unknownCode}' for object of type '${pythonTypeName(value)}'`);
      }
      return formatWithSpec(value, part.spec);
    })
    .join('');
}
