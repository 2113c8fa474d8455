// Jinja2's escape, indent, filesizeformat, pprint, xmlattr, urlize, urlencode, replace, center, striptags and wordcount filters, with Jinja2's (and Python's) output.
import { PythonTemplateError, isMapping, numberOf, percentFormat, realOf, pythonTruthy, pythonTypeName, strMember } from './python-ops.js';
import { bindArguments, iterate, parseFloatText } from './python-filters.js';
import { dictKeyOf, formatPythonRepr, formatPythonStr, PythonFloat, PythonTuple } from './python-str.js';
import { unpack } from './jinja2-objects.js';
import { urlQuote } from './text-forms.js';

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
  // A String object (nunjucks' SafeString) is text to escape too.
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
  const n = typeof value === 'string' ? parseFloatText(value) : realOf(value);
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
  for (const [name, item] of Object.entries(value)) {
    if (item === null || item === undefined) continue;
    const key = formatPythonStr(dictKeyOf(name));
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

/**
 * A dict's names in the order pprint sorts its keys: strs by code point; keys that are all numbers (ints, floats,
 * bools) by value; other mixes (which Python sorts by type name, then value) by type name, then repr.
 */
function sortedNames(dict: Record<string, unknown>): string[] {
  const keyed = Object.keys(dict).map((name) => ({ name, key: dictKeyOf(name) }));
  const numeric = (key: unknown): number | undefined => numberOf(key);
  if (keyed.every(({ key }) => typeof key === 'string')) return keyed.map(({ name }) => name).sort(byCodePoint);
  if (keyed.every(({ key }) => numeric(key) !== undefined)) return keyed.sort((a, b) => numeric(a.key)! - numeric(b.key)!).map(({ name }) => name);
  const typeName = (key: unknown): string => (typeof key === 'string' ? 'str' : key === null ? 'NoneType' : typeof key === 'boolean' ? 'bool' : key instanceof PythonTuple ? 'tuple' : key instanceof PythonFloat || !Number.isInteger(key) ? 'float' : 'int');
  return keyed.sort((a, b) => byCodePoint(typeName(a.key), typeName(b.key)) || byCodePoint(formatPythonRepr(a.key), formatPythonRepr(b.key))).map(({ name }) => name);
}

/** pprint's repr: a dict's keys sorted (at every depth), the rest as repr(). */
function sortedRepr(value: unknown): string {
  if (isMapping(value)) return `{${sortedNames(value).map((k) => `${formatPythonRepr(dictKeyOf(k))}: ${sortedRepr(value[k])}`).join(', ')}}`;
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
    const keys = sortedNames(value);
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      const keyRep = formatPythonRepr(dictKeyOf(key));
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

/** Python's str() of a filter's value, as Jinja2's string filters take it (an undefined value is ''). */
const textOf = (value: unknown): string => (value === undefined ? '' : value instanceof String ? value.toString() : formatPythonStr(value));

/** Python's whitespace (str.split() and `\s`), which JavaScript's `\s` differs from (\x1c-\x1f, \x85, not \ufeff). */
const PY_SPACE = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python's `\w` on a str. */
const PY_WORD = '\\p{L}\\p{N}_';

/** Jinja2's `replace(s, old, new, count=None)`: Python's str.replace on str(s), str(old) and str(new). */
function replaceFilter(value: unknown, ...rest: unknown[]): string {
  const { old, new: replacement, count } = bindArguments('replace', rest, { old: undefined, new: undefined, count: null });
  if (old === undefined && replacement === undefined) fail("TypeError: do_replace() missing 2 required positional arguments: 'old' and 'new'");
  const method = strMember(textOf(value), 'replace') as (...args: unknown[]) => string;
  return method(textOf(old), textOf(replacement), count === null ? -1 : count);
}

/** Jinja2's `center(value, width=80)`: Python's str.center on str(value). */
function centerFilter(value: unknown, ...rest: unknown[]): string {
  const { width } = bindArguments('center', rest, { width: 80 });
  return (strMember(textOf(value), 'center') as (...args: unknown[]) => string)(width);
}

/** Jinja2's `wordcount(s)`: how many runs of word characters (Python's `\w+`) str(s) holds. */
function wordcountFilter(value: unknown): number {
  return textOf(value).match(new RegExp(`[${PY_WORD}]+`, 'gu'))?.length ?? 0;
}

/** The HTML entities striptags turns back into text here: those markupsafe's own escaping writes, and nbsp. */
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * Python's html.unescape for what handoff can do exactly: numeric references of printable characters and the entities
 * above. Any other named entity (Python knows all of HTML5's) is refused rather than left different.
 */
function unescapeHtml(text: string): string {
  return text.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      // html.unescape maps or drops control characters, surrogates and non-characters: not done here.
      if (code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code <= 0x9f) && !(code >= 0xd800 && code <= 0xdfff) && code <= 0x10ffff && (code & 0xfffe) !== 0xfffe && !(code >= 0xfdd0 && code <= 0xfdef)) {
        return String.fromCodePoint(code);
      }
    } else {
      const name = ref.endsWith(';') ? ref.slice(0, -1) : ref;
      if (Object.prototype.hasOwnProperty.call(ENTITIES, name) && (ref.endsWith(';') || name !== 'apos')) return ENTITIES[name]!;
      // A name that is not an entity at all is left as it is by Python too, but which are is HTML5's long list.
    }
    return fail(`striptags: the character reference ${whole.length > 12 ? `${whole.slice(0, 12)}…` : whole} is not supported in handoff's templates (only &amp; &lt; &gt; &quot; &apos; &nbsp; and printable &#…;)`);
  });
}

/** Jinja2's `striptags(value)`: markupsafe's: comments, then tags removed, whitespace collapsed, entities unescaped. */
function striptagsFilter(value: unknown): string {
  let text = textOf(value);
  for (let start = text.indexOf('<!--'); start !== -1; start = text.indexOf('<!--')) {
    const end = text.indexOf('-->', start);
    if (end === -1) break;
    text = text.slice(0, start) + text.slice(end + 3);
  }
  for (let start = text.indexOf('<'); start !== -1; start = text.indexOf('<')) {
    const end = text.indexOf('>', start);
    if (end === -1) break;
    text = text.slice(0, start) + text.slice(end + 1);
  }
  const words = text.split(new RegExp(`[${PY_SPACE}]+`, 'u')).filter((word) => word !== '');
  return unescapeHtml(words.join(' '));
}


/**
 * Jinja2's `urlencode(value)`: a str (or a value that is not iterable) quoted for a URL path (`/` kept, a space
 * `%20`); a dict's items or an iterable's pairs as a query string (`a=1&b=x+y`).
 */
function urlencodeFilter(value: unknown): string {
  if (typeof value === 'string' || value instanceof String || value === null || typeof value !== 'object') {
    return value === undefined ? '' : urlQuote(value, false);
  }
  if (value instanceof PythonFloat) return urlQuote(value, false);
  const pairs = isMapping(value) ? Object.entries(value).map(([name, item]) => [dictKeyOf(name), item]) : iterate(value).map((item) => unpack(item, 2));
  return pairs.map(([k, v]) => `${urlQuote(k, true)}=${urlQuote(v, true)}`).join('&');
}

/** Jinja2's `urlize`'s test of a word for a link: a scheme or www., a domain and a port, path, query or fragment. */
const HTTP_LINK = new RegExp(
  '^(?:(?:https?://|www\\.)(?:[\\p{L}\\p{N}_%-]+\\.)*(?:[a-z]{2,63}|xn--[\\p{L}\\p{N}_%]{2,59})' +
    '|(?:[\\p{L}\\p{N}_%-]{2,63}\\.)+(?:com|net|int|edu|gov|org|info|mil)' +
    '|https?://(?:\\d{1,3}(?:\\.\\d{1,3}){3}|\\[(?:[\\da-f]{0,4}:){2}(?:[\\da-f]{0,4}:?){1,6}\\]))' +
    `(?::\\d{1,5})?(?:[/?#][^${PY_SPACE}]*)?$`,
  'iu',
);
const EMAIL = new RegExp(`^[^${PY_SPACE}]+@[${PY_WORD}][${PY_WORD}.-]*\\.[${PY_WORD}]+$`, 'u');
/** What Jinja2 takes as a URI scheme prefix for extra_schemes (`ftp://`, `mailto:`). */
const URI_SCHEME = /^[\p{L}\p{N}_.+-]{2,}:\/{0,2}$/u;

/**
 * Jinja2's `urlize(value, trim_url_limit=None, nofollow=False, target=None, rel=None, extra_schemes=None)`: the text
 * escaped, and each word that is a URL (or an email address) made a link with `rel="noopener"` (Jinja2's default
 * policy), `https://` put before a bare `www.` or domain, brackets and end punctuation kept outside the link.
 */
function urlizeFilter(value: unknown, ...rest: unknown[]): string {
  const args = bindArguments('urlize', rest, { trim_url_limit: null, nofollow: false, target: null, rel: null, extra_schemes: null });
  const limit = args.trim_url_limit === null || args.trim_url_limit === undefined ? undefined : numberOf(args.trim_url_limit);
  const relParts = new Set(textOf(args.rel ?? '').split(new RegExp(`[${PY_SPACE}]+`, 'u')).filter(Boolean));
  if (pythonTruthy(args.nofollow)) relParts.add('nofollow');
  relParts.add('noopener');
  const rel = ` rel="${escapeFilter([...relParts].sort().join(' '))}"`;
  const target = pythonTruthy(args.target) ? ` target="${escapeFilter(args.target)}"` : '';
  const schemes = args.extra_schemes === null || args.extra_schemes === undefined ? [] : iterate(args.extra_schemes).map(textOf);
  for (const scheme of schemes) if (!URI_SCHEME.test(scheme)) fail(`FilterArgumentError: ${formatPythonRepr(scheme)} is not a valid URI scheme prefix.`);
  const trim = (url: string): string => {
    const chars = Array.from(url);
    return limit !== undefined && chars.length > limit ? `${chars.slice(0, Math.max(0, limit)).join('')}...` : url;
  };
  const words = escapeFilter(value).split(new RegExp(`([${PY_SPACE}]+)`, 'u'));
  return words
    .map((word) => {
      let [head, middle, tail] = ['', word, ''];
      const lead = /^(?:[(<]|&lt;)+/.exec(middle);
      if (lead) {
        head = lead[0];
        middle = middle.slice(head.length);
      }
      const trail = /(?:[)>.,\n]|&gt;)+$/.exec(middle);
      if (trail) {
        tail = trail[0];
        middle = middle.slice(0, trail.index);
      }
      // A closing bracket that balances one in the URL belongs to it (`(see http://x.org/a_(b))`).
      for (const [open, close] of [['(', ')'], ['<', '>'], ['&lt;', '&gt;']] as const) {
        const opened = middle.split(open).length - 1;
        if (opened <= middle.split(close).length - 1) continue;
        for (let n = Math.min(opened, tail.split(close).length - 1); n > 0; n--) {
          const end = tail.indexOf(close) + close.length;
          middle += tail.slice(0, end);
          tail = tail.slice(end);
        }
      }
      if (HTTP_LINK.test(middle)) {
        const href = middle.startsWith('https://') || middle.startsWith('http://') ? middle : `https://${middle}`;
        middle = `<a href="${href}"${rel}${target}>${trim(middle)}</a>`;
      } else if (middle.startsWith('mailto:') && EMAIL.test(middle.slice(7))) {
        middle = `<a href="${middle}">${middle.slice(7)}</a>`;
      } else if (middle.includes('@') && !middle.startsWith('www.') && !middle.includes(':') && EMAIL.test(middle)) {
        middle = `<a href="mailto:${middle}">${middle}</a>`;
      } else {
        for (const scheme of schemes) if (middle !== scheme && middle.startsWith(scheme)) middle = `<a href="${middle}"${rel}${target}>${middle}</a>`;
      }
      return head + middle + tail;
    })
    .join('');
}

/**
 * The filters of this module that replace nunjucks' own of the same name, which took only a str (`['a'] | replace`
 * gave the list back, `striptags` of a list failed in JavaScript) and wrote otherwise (urlize had no `rel="noopener"`
 * and wrote `http://`, urlencode escaped `/` and not `!'()*`, center of `1.0` was `1`).
 */
export const TEXT_FILTERS: Record<string, (value: unknown, ...rest: unknown[]) => unknown> = {
  replace: replaceFilter,
  center: centerFilter,
  wordcount: wordcountFilter,
  striptags: striptagsFilter,
  urlencode: urlencodeFilter,
  urlize: urlizeFilter,
};
