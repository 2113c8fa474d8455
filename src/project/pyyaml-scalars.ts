// The one table of how a plain YAML scalar becomes a value, as PyYAML (YAML 1.1) read it; every YAML reader uses it.
import type { ScalarTag, Tags } from 'yaml';

/** One implicit type: a plain scalar whose text matches `test` becomes `resolve(text)`. The first match wins. */
export interface PlainScalarType {
  /** The YAML tag the type stands for (several types share one: int is written in five forms). */
  tag: string;
  /** A name unique to this type (the fast reader needs one per type). */
  name: string;
  test: RegExp;
  resolve(text: string): unknown;
}

const INT = 'tag:yaml.org,2002:int';
const FLOAT = 'tag:yaml.org,2002:float';

/**
 * Python's ints have no size limit, so PyYAML reads `1234567890123456789` exactly; a JavaScript number would round it
 * to `1234567890123456800`. An int beyond the safe integers is kept as its decimal digits (what Python's str() of it
 * prints), as `-v` keeps such values.
 */
function keepIntDigits(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

function readInt(text: string, prefixLength: number, radixPrefix: string): number | string {
  const sign = text[0];
  const digits = text.slice(sign === '-' || sign === '+' ? prefixLength + 1 : prefixLength).replace(/_/g, '');
  // As PyYAML: `0_` is 0 (after the underscores, only the leading 0 is left), and `0x_` has no digits at all.
  if (digits === '' && radixPrefix === '0o') return 0;
  if (digits === '') throw new Error(`${text} has no digits after ${radixPrefix}; quote it if it is text`);
  const magnitude = BigInt(`${radixPrefix}${digits}`);
  return keepIntDigits(sign === '-' ? -magnitude : magnitude);
}

/** `1:30:00` is 5400: each part is sixty of the next (YAML 1.1's sexagesimal numbers). */
function readSexagesimal(text: string, asInt: boolean): number | string {
  const sign = text[0];
  const parts = (sign === '-' || sign === '+' ? text.slice(1) : text).replace(/_/g, '').split(':');
  if (asInt) {
    const magnitude = parts.reduce((sum, part) => sum * 60n + BigInt(part), 0n);
    return keepIntDigits(sign === '-' ? -magnitude : magnitude);
  }
  const magnitude = parts.reduce((sum, part) => sum * 60 + Number(part), 0);
  return sign === '-' ? -magnitude : magnitude;
}

/**
 * In the order YAML 1.1 tries them. Where PyYAML's resolvers differ from the yaml package's 1.1 schema, PyYAML's are
 * followed, so a project reads exactly as it did with the original: `y`/`n` stay text, `08` and `1e3` stay text, and
 * dates stay text (PyYAML made dates that the original turned straight back into the same text).
 */
export const PLAIN_SCALAR_TYPES: readonly PlainScalarType[] = [
  { tag: 'tag:yaml.org,2002:null', name: 'null', test: /^(?:~|[Nn]ull|NULL)?$/, resolve: () => null },
  { tag: 'tag:yaml.org,2002:bool', name: 'true', test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, resolve: () => true },
  { tag: 'tag:yaml.org,2002:bool', name: 'false', test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, resolve: () => false },
  { tag: INT, name: 'int-binary', test: /^[-+]?0b[0-1_]+$/, resolve: (text) => readInt(text, 2, '0b') },
  { tag: INT, name: 'int-octal', test: /^[-+]?0[0-7_]+$/, resolve: (text) => readInt(text, 1, '0o') },
  { tag: INT, name: 'int', test: /^[-+]?(?:0|[1-9][0-9_]*)$/, resolve: (text) => readInt(text, 0, '') },
  { tag: INT, name: 'int-hex', test: /^[-+]?0x[0-9a-fA-F_]+$/, resolve: (text) => readInt(text, 2, '0x') },
  {
    tag: FLOAT,
    name: 'float-special',
    test: /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    resolve: (text) => (text.slice(-3).toLowerCase() === 'nan' ? Number.NaN : text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY),
  },
  { tag: FLOAT, name: 'float-exponent', test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)[eE][-+][0-9]+$/, resolve: (text) => Number.parseFloat(text.replace(/_/g, '')) },
  { tag: FLOAT, name: 'float', test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)$/, resolve: (text) => Number.parseFloat(text.replace(/_/g, '')) },
  { tag: INT, name: 'int-sexagesimal', test: /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/, resolve: (text) => readSexagesimal(text, true) },
  { tag: FLOAT, name: 'float-sexagesimal', test: /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/, resolve: (text) => readSexagesimal(text, false) },
];

const floatTypes = PLAIN_SCALAR_TYPES.filter((t) => t.name === 'float' || t.name === 'float-exponent');

/** True for the text of a plain scalar that PyYAML reads as a float (`1.0`, `2.`, `1.5e+3`): Python prints it `1.0`. */
export function isYamlFloatText(text: string | undefined): boolean {
  return text !== undefined && floatTypes.some((t) => t.test.test(text));
}

/**
 * The yaml package's YAML 1.1 tags with its implicit scalar types replaced by PLAIN_SCALAR_TYPES (PyYAML's rules,
 * shared with the fast reader); collections, strings, merge keys and the explicit-only tags are kept. For
 * `parseDocument(text, { version: '1.1', customTags: usePyYamlScalars })`: project.yml and the secrets files, both of
 * which the original read with PyYAML.
 */
export function usePyYamlScalars(tags: Tags): Tags {
  const replaced = new Set([...PLAIN_SCALAR_TYPES.map((t) => t.tag), 'tag:yaml.org,2002:timestamp']);
  const kept = tags.filter((tag) => typeof tag === 'string' || !replaced.has(tag.tag) || !('test' in tag) || !tag.test);
  const scalars: ScalarTag[] = PLAIN_SCALAR_TYPES.map((type) => ({
    tag: type.tag,
    default: true,
    test: type.test,
    resolve: (text) => type.resolve(text) as ReturnType<ScalarTag['resolve']>,
  }));
  return [...scalars, ...kept];
}
