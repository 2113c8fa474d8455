// Values PyYAML made Python objects of (floats, datetimes, bytes), as the original printed them: Python's str() of each.
import type { KeyPath } from './format-key-path.js';
import { PLAIN_SCALAR_TYPES } from './pyyaml-scalars.js';
import { formatPythonFloat, toPythonFloat } from '../template/python-str.js';

/**
 * PyYAML's implicit timestamp with a time (its resolver's second form): `2024-01-01T10:00:00Z`, `2024-1-1 1:00:00.5`,
 * `2024-01-01 10:00:00 +05:30`. A date alone (`2024-01-01`) is left out: Python prints a date as it is written.
 */
const PYYAML_DATETIME =
  /^(\d{4})-(\d\d?)-(\d\d?)(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d\d?)(?::(\d\d))?))?$/;

const pad = (n: number | string, width = 2): string => String(n).padStart(width, '0');

/**
 * Python's str() of the datetime PyYAML read from `text` (`2024-01-01 10:00:00+00:00`, `2024-01-01 10:00:00.500000`),
 * or undefined when `text` is not such a timestamp or names no real time (PyYAML refused those).
 */
export function formatPythonDatetime(text: string): string | undefined {
  const m = PYYAML_DATETIME.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction, tz, sign, tzHour, tzMinute] = m;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    return undefined;
  }
  // PyYAML keeps six digits of the fraction (padded with zeros); Python prints microseconds only when there are any.
  const micros = (fraction ?? '').slice(0, 6).padEnd(6, '0');
  let out = `${year}-${pad(month!)}-${pad(day!)} ${pad(hour!)}:${minute}:${second}${Number(micros) > 0 ? `.${micros}` : ''}`;
  if (tz === 'Z') out += '+00:00';
  else if (tz !== undefined) out += `${sign}${pad(tzHour!)}:${tzMinute ?? '00'}`;
  return out;
}

/** Python's repr() of bytes, which str() of bytes is: `b'hello'`, `b"it's"`, `b'\x00\xff'`. */
export function formatPythonBytes(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let body = '';
  for (const b of bytes) {
    if (b === 0x5c) body += '\\\\';
    else if (b === quote.charCodeAt(0)) body += `\\${quote}`;
    else if (b === 0x09) body += '\\t';
    else if (b === 0x0a) body += '\\n';
    else if (b === 0x0d) body += '\\r';
    else if (b < 0x20 || b >= 0x7f) body += `\\x${b.toString(16).padStart(2, '0')}`;
    else body += String.fromCharCode(b);
  }
  return `b${quote}${body}${quote}`;
}

/**
 * A float of the project model, as written (`1.0`): a Number object, so that it survives every copy of the model as a
 * number — JSON (the UI's API) prints it as one, and the validated-project cache's V8 serialization keeps a Number
 * object (a class of ours, such as the templates' PythonFloat, comes back from that cache as a plain `{value: 1}`).
 * fromModelYamlValue makes the template value of it; String() prints it as Python did (`1.0`).
 */
class WrittenFloat extends Number {
  override toString(): string {
    return formatPythonFloat(this.valueOf());
  }
}

/** PyYAML's int types: the text of a plain scalar an int was read from (`123…`, `0x1f…`, `0o17`, `1_000`, `1:30`). */
const intTypes = PLAIN_SCALAR_TYPES.filter((t) => t.tag === 'tag:yaml.org,2002:int');

/**
 * Whether `digits` (an int beyond 2**53, which the YAML readers keep as its decimal digits: see pyyaml-scalars.ts) was
 * written as a plain int, which PyYAML read as an int, rather than as quoted text that happens to be digits.
 */
function isWrittenInt(digits: string, written: string | undefined): boolean {
  if (written === undefined) return false;
  const type = intTypes.find((t) => t.test.test(written));
  if (!type) return false;
  try {
    return type.resolve(written) === digits;
  } catch {
    return false;
  }
}

/** The decimal digits an int beyond 2**53 is kept as (shorter digit strings are numbers already). */
const LONG_DIGITS = /^-?\d{16,}$/;

/**
 * A value PyYAML read (a var's, nested lists and mappings too) as the project model keeps it: numbers written as floats
 * are WrittenFloat (so `1.0` prints `1.0`), ints beyond 2**53 written as ints are String objects of their digits (JSON
 * prints the digits; the templates get the exact int from fromModelYamlValue); what PyYAML made a datetime (a plain
 * `2024-01-01T10:00:00Z`, not a quoted one) or bytes (`!!binary`) becomes the text Python's str() gave
 * (`2024-01-01 10:00:00+00:00`, `b'hello'`). The one typing of vars and secrets: `writtenAsFloat`/`writtenAs` tell how
 * the value at `at` was written. Templates take the value through fromModelYamlValue.
 */
export function toPythonYamlValue(value: unknown, at: KeyPath, writtenAsFloat: (at: KeyPath) => boolean, writtenAs: (at: KeyPath) => string | undefined): unknown {
  if (typeof value === 'number') return writtenAsFloat(at) && toPythonFloat(value) !== value ? new WrittenFloat(value) : value;
  if (typeof value === 'string') {
    // How it was written is asked only of text that looks like a timestamp or a long int: it may need the positional reader.
    if (LONG_DIGITS.test(value)) return isWrittenInt(value, writtenAs(at)) ? new String(value) : value;
    const printed = formatPythonDatetime(value);
    return printed !== undefined && writtenAs(at) === value ? printed : value;
  }
  if (value instanceof Uint8Array) return formatPythonBytes(value);
  if (Array.isArray(value)) return value.map((item, i) => toPythonYamlValue(item, [...at, i], writtenAsFloat, writtenAs));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPythonYamlValue(v, [...at, k], writtenAsFloat, writtenAs)]));
  }
  return value;
}

/**
 * The template value of a model value (toPythonYamlValue's): a Number object is a float as Python holds it (PythonFloat
 * for a whole value), a String object an exact int (a bigint, as the template engine holds ints beyond 2**53). Also
 * what comes back from the validated-project cache, where a WrittenFloat is a plain Number object.
 */
export function fromModelYamlValue(value: unknown): unknown {
  if (value instanceof Number) return toPythonFloat(value.valueOf());
  if (value instanceof String) return BigInt(value.valueOf());
  if (Array.isArray(value)) return value.map(fromModelYamlValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromModelYamlValue(v)]));
  }
  return value;
}
