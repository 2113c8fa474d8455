// The texts handoff's templates derive from a string (`_line_safe`, `| shell_quote`, `| tojson`, `| e`, `| urlencode`), kept in one place so the masker hides a secret in each form a template can print it in.
import { formatPythonJson, formatPythonStr } from './python-str.js';

/** Trims the line and replaces each run of characters outside `[a-zA-Z0-9-_.]` with one `_` (safe in file names). */
export function toLineSafe(line: string): string {
  return line.trim().replace(UNSAFE_RUN, '_');
}

const UNSAFE_RUN = /[^a-zA-Z0-9\-_.]+/g;

/** POSIX single-quote quoting: the result is one shell word whatever the value holds (`a'b` → `'a'"'"'b'`). */
export function quoteForShell(value: unknown): string {
  const text = value === undefined ? '' : formatPythonStr(value);
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/** nunjucks' `escape` (`| e`, and autoescape): the five HTML characters as entities. */
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;' };

/**
 * What a secret can be printed as besides itself, each form only where it differs from `text` (the caller adds the
 * text): inside a JSON string (JavaScript's and Jinja2's `tojson`, which also escapes `'<>&` as `\u00XX`), inside
 * `| shell_quote` (also after another of these filters), `| e`, `| urlencode`, and as part of a `_line_safe` (the foreach line holding the secret is turned
 * into a file-name-safe word; only when enough of the secret's characters survive, or a secret of `!@#` would turn
 * every `_` into `***`). Every form is a substring of what the template prints, so a secret in the middle of a longer
 * text is found too. A text of only `[A-Za-z0-9._-]` has no other form: nothing is computed for it.
 */
export function deriveTextForms(text: string, minKept: number): string[] {
  if (!/[^a-zA-Z0-9\-_.]/.test(text)) return [];
  const forms = new Set<string>([
    JSON.stringify(text).slice(1, -1),
    formatPythonJson(text).slice(1, -1),
    quoteForShell(text).slice(1, -1),
    text.replace(/[&"'<>]/g, (c) => HTML_ENTITIES[c]),
  ]);
  // `| urlencode` as Jinja2 prints it (`'`, `!`, `(`, `)`, `*` escaped, `/` kept; a dict's value as a query), and
  // JavaScript's encodeURIComponent, as handoff's own URLs hold a value.
  forms.add(urlQuote(text, false));
  forms.add(urlQuote(text, true));
  try {
    forms.add(encodeURIComponent(text));
  } catch {
    // A lone UTF-16 surrogate: `| urlencode` cannot print such a text either.
  }
  // `| shell_quote` is the usual last filter before a shell: `{{ PW | urlencode | shell_quote }}` keeps the `'`.
  for (const form of [...forms]) if (form.includes("'")) forms.add(quoteForShell(form).slice(1, -1));
  const kept = text.replace(UNSAFE_RUN, '').length;
  if (kept >= minKept) {
    // In a line, the secret is trimmed only where the line is: its own leading or trailing blanks become `_`.
    forms.add(toLineSafe(text));
    forms.add(text.replace(UNSAFE_RUN, '_'));
  }
  forms.delete(text);
  forms.delete('');
  return [...forms];
}

/**
 * Python's urllib quote of str(value) as UTF-8: only letters, digits, `_.-~` (and `/` outside a query) kept.
 * Here, not with the filters, because the masker hides a secret in this form on every run's path, where the template
 * engine is not loaded.
 */
export function urlQuote(value: unknown, forQuery: boolean): string {
  const text = value instanceof String ? value.toString() : formatPythonStr(value);
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~]/.test(ch) || (!forQuery && ch === '/') ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return forQuery ? out.replace(/%20/g, '+') : out;
}
