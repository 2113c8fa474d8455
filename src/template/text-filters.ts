// Jinja2's escape, forceescape, indent, filesizeformat, pprint and xmlattr filters, with Jinja2's (and Python's) output.
import { PythonTemplateError, isMapping, numberOf, percentFormat, pythonTruthy, pythonTypeName } from './python-ops.js';
import { bindArguments, parseFloatText } from './python-filters.js';
import { formatPythonRepr, formatPythonStr, PythonFloat, PythonTuple } from './python-str.js';

function fail(message: string): never {
  throw new PythonTemplateError(message);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/**
 * Jinja2's `escape` (`e`) and `forceescape`: markupsafe's, so `"` is `&#34;` and `'` `&#39;` (nunjucks wrote `&quot;`).
 * The result is a str, where Jinja2's is Markup (which a second escape leaves alone): a str works with every other
 * filter and operator as Jinja2's Markup does, where a JavaScript String object would not.
 */
export function escapeFilter(value: unknown): string {
  // A macro's output (nunjucks' SafeString) is text to escape: Jinja2's macros give a str without autoescape.
  const text = value instanceof String ? value.toString() : formatPythonStr(value);
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Python's `str.splitlines()`: the line breaks Python knows, none kept, no empty last line. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Jinja2's `indent(s, width=4, first=False, blank=False)`: a width that is a str is the indent itself; the first line
 * and blank lines are left as they are unless `first`/`blank`; line breaks become `\n` (Python's splitlines).
 */
export function indentFilter(value: unknown, ...rest: unknown[]): string {
  const { width, first, blank } = bindArguments('indent', rest, { width: 4, first: false, blank: false });
  if (value === undefined) fail('UndefinedError: indent of an undefined value');
  if (typeof value !== 'string' && !(value instanceof String)) fail(`TypeError: indent() needs a str, not ${pythonTypeName(value)}`);
  let indention: string;
  if (typeof width === 'string') indention = width;
  else {
    const n = numberOf(width);
    if (n === undefined || width instanceof PythonFloat || !Number.isInteger(n)) fail(`TypeError: can't multiply sequence by non-int of type '${pythonTypeName(width)}'`);
    indention = ' '.repeat(Math.max(0, n));
  }
  // Jinja2 adds a line break first, so that a text ending in one keeps an (indented, with blank) empty last line.
  const lines = splitLines(`${value.toString()}\n`);
  let out: string;
  if (pythonTruthy(blank)) out = lines.join(`\n${indention}`);
  else out = [lines[0] ?? '', ...lines.slice(1).map((line) => (line ? indention + line : line))].join('\n');
  return pythonTruthy(first) ? indention + out : out;
}

/** Python's `float(value)`, for filesizeformat; the message never quotes the value. */
function pythonFloat(value: unknown): number {
  const n = typeof value === 'string' ? parseFloatText(value) : numberOf(value);
  if (n !== undefined) return n;
  if (typeof value === 'string') fail('ValueError: could not convert string to float');
  return fail(`TypeError: float() argument must be a string or a real number, not '${pythonTypeName(value)}'`);
}

/** Jinja2's `filesizeformat(value, binary=False)`: `13 Bytes`, `4.1 MB`, or with binary `117.7 MiB`. */
export function filesizeformatFilter(value: unknown, ...rest: unknown[]): string {
  const { binary } = bindArguments('filesizeformat', rest, { binary: false });
  const bytes = pythonFloat(value);
  const base = pythonTruthy(binary) ? 1024 : 1000;
  const prefixes = base === 1024 ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  // The units are Python ints, compared exactly with the float (1e24 is below 1000 ** 8 there, and is 1000.0 ZB).
  let unit = BigInt(base);
  for (const prefix of prefixes) {
    unit *= BigInt(base);
    const below = Number.isFinite(bytes) ? BigInt(Math.floor(bytes)) < unit : bytes < 0;
    if (below || prefix === prefixes[prefixes.length - 1]) return `${percentFormat('%.1f', (base * bytes) / Number(unit))} ${prefix}`;
  }
  return '';
}

/** Jinja2's `xmlattr(d, autospace=True)`: ` key="value"` for each item whose value is not None or undefined, escaped. */
export function xmlattrFilter(value: unknown, ...rest: unknown[]): string {
  const { autospace } = bindArguments('xmlattr', rest, { autospace: true });
  if (!isMapping(value)) fail(`AttributeError: '${pythonTypeName(value)}' object has no attribute 'items'`);
  const items: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (item === null || item === undefined) continue;
    // Keys are not quoted in the message: they may come from values.
    if (/[\t\n\v\f\r\x1c-\x1f />=]/.test(key)) fail('ValueError: Invalid character in attribute name (a space, /, > or =)');
    items.push(`${escapeFilter(key)}="${escapeFilter(item)}"`);
  }
  const out = items.join(' ');
  return pythonTruthy(autospace) && out ? ` ${out}` : out;
}

/** Width pprint wraps at (Python's default). */
const PPRINT_WIDTH = 80;

/** Length in code points, as Python's len() of a str. */
const textLength = (text: string): number => Array.from(text).length;

/** Python's str ordering (code points), as sorted() orders a dict's keys. */
const byCodePoint = (a: string, b: string): number => {
  const [ca, cb] = [Array.from(a), Array.from(b)];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
};

/** pprint's repr: a dict's keys sorted (at every depth), the rest as repr(). */
function sortedRepr(value: unknown): string {
  if (isMapping(value)) return `{${Object.keys(value).sort(byCodePoint).map((k) => `${formatPythonRepr(k)}: ${sortedRepr(value[k])}`).join(', ')}}`;
  if (value instanceof PythonTuple) return value.length === 1 ? `(${sortedRepr(value[0])},)` : `(${value.map(sortedRepr).join(', ')})`;
  if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) return `[${value.map(sortedRepr).join(', ')}]`;
  return formatPythonRepr(value);
}

/**
 * Python's `pprint.pformat(value)` (width 80, dicts sorted), which Jinja2's `pprint` gives: a value whose repr is too
 * wide is written one item a line, nested items indented under their bracket, and a long str cut at spaces.
 */
export function pprintFilter(value: unknown): string {
  const out: string[] = [];
  format(value, out, 0, 0, 0);
  return out.join('');
}

function format(value: unknown, out: string[], indent: number, allowance: number, level: number): void {
  const rep = sortedRepr(value);
  if (textLength(rep) <= PPRINT_WIDTH - indent - allowance) {
    out.push(rep);
    return;
  }
  if (isMapping(value)) {
    out.push('{');
    const keys = Object.keys(value).sort(byCodePoint);
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      const keyRep = formatPythonRepr(key);
      out.push(keyRep, ': ');
      format(value[key], out, indent + 1 + textLength(keyRep) + 2, last ? allowance + 1 : 1, level + 1);
      if (!last) out.push(`,\n${' '.repeat(indent + 1)}`);
    });
    out.push('}');
  } else if (value instanceof PythonTuple || (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype)) {
    const tuple = value instanceof PythonTuple;
    const end = tuple ? (value.length === 1 ? ',)' : ')') : ']';
    out.push(tuple ? '(' : '[');
    value.forEach((item, i) => {
      const last = i === value.length - 1;
      if (i > 0) out.push(`,\n${' '.repeat(indent + 1)}`);
      format(item, out, indent + 1, last ? allowance + end.length : 1, level + 1);
    });
    out.push(end);
  } else if (typeof value === 'string') {
    formatString(value, out, indent, allowance, level + 1);
  } else {
    out.push(rep);
  }
}

/** pprint's long str: each line (and a line too wide, at its spaces) as its own literal, in parentheses at the top. */
function formatString(text: string, out: string[], indent: number, allowance: number, level: number): void {
  const chunks: string[] = [];
  const lines = text.match(/[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]|$)/g)!.filter((line, i, all) => line !== '' || i < all.length - 1);
  const [ind, allow] = level === 1 ? [indent + 1, allowance + 1] : [indent, allowance];
  const maxWidth = PPRINT_WIDTH - ind;
  let maxWidth1 = maxWidth;
  let rep = '';
  lines.forEach((line, i) => {
    rep = formatPythonRepr(line);
    if (i === lines.length - 1) maxWidth1 -= allow;
    if (textLength(rep) <= maxWidth1) {
      chunks.push(rep);
      return;
    }
    const parts = line.match(/\S*\s*/gu)!;
    parts.pop();
    let maxWidth2 = maxWidth;
    let current = '';
    parts.forEach((part, j) => {
      const candidate = current + part;
      if (j === parts.length - 1 && i === lines.length - 1) maxWidth2 -= allow;
      if (textLength(formatPythonRepr(candidate)) > maxWidth2) {
        if (current) chunks.push(formatPythonRepr(current));
        current = part;
      } else current = candidate;
    });
    if (current) chunks.push(formatPythonRepr(current));
  });
  if (chunks.length === 1) {
    out.push(rep);
    return;
  }
  out.push(level === 1 ? '(' : '', chunks.join(`\n${' '.repeat(ind)}`), level === 1 ? ')' : '');
}
