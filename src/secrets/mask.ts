// Replaces secret values with `***` in any text or JSON record that leaves handoff (console, logs, run records, UI).
import { UserError } from '../errors.js';
import { deriveTextForms } from '../template/text-forms.js';
import type { Secret } from './local-secrets.js';

export interface Masker {
  mask(text: string): string;
  /** The strings that are replaced, longest first (whole values, their lines, their escaped and template-derived forms). */
  readonly values: readonly string[];
  /**
   * For a stream cut into pieces that are masked one by one (a stderr line too long to keep whole): how many
   * characters to hold back from a piece, since a secret may begin there and end in text not read yet...
   */
  readonly keep: number;
  /** ...and where to cut `text` at or before `limit` without splitting a secret (just after one that starts at 0). */
  cut(text: string, limit: number): number;
}

const MASK = '***';

/**
 * Run ids and times handoff writes itself (`20261206T113014.202Z-3b42`, `2026-12-06T11:30:14.202Z`, a console line's
 * `2026-12-06 11:30:14`): a secret that occurs inside one by chance (a PIN `1206`) is not masked there, so a run's id
 * stays the name of its record and logs, and no `2026***` shows the secret beside the same time unmasked elsewhere.
 * Every masker of a run (console, record, logs, the UI, `runs show`) spares them: one rule for all.
 */
export const HANDOFF_TOKENS = /\d{8}T\d{6}(?:\.\d{3})?Z(?:-[0-9a-f]{4})?|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;
/** Shorter values would turn every `a` or `42` in the output into `***`; the caller warns about them instead. */
const MIN_VALUE_LENGTH = 3;
/** A line of a multi-line value is masked on its own (output is often line by line) when it is at least this long. */
const MIN_LINE_LENGTH = 4;

export interface MaskerOptions {
  /**
   * Text the caller makes itself (the UI: handoff's run ids and times) in which an occurrence of a secret is left as
   * it is, when it lies wholly inside one match of this pattern: `2026***T113014` beside the run's start time would
   * show the secret (a short number) by context, and would break the link to the run. Needs the `g` flag.
   */
  spare?: RegExp;
}

/**
 * Masks every value, its lines and their printed forms; at a position where several match, the longest is masked,
 * so a longer secret that starts with a shorter one is masked whole, leaving no suffix.
 */
export function createMasker(secretValues: string[], options: MaskerOptions = {}): Masker {
  const patterns = new Set<string>();
  for (const value of secretValues) {
    if (value.length < MIN_VALUE_LENGTH) continue;
    addForms(patterns, value);
    if (/[\r\n]/.test(value)) {
      for (const line of value.split(/\r?\n|\r/)) {
        const trimmed = line.trim();
        if (trimmed.length >= MIN_LINE_LENGTH) addForms(patterns, trimmed);
      }
    }
  }
  const masker = maskerOf([...patterns], options);
  maskerOptions.set(masker, options);
  return masker;
}

/** The options each masker was made with: its byte masker spares the same (ASCII) tokens. */
const maskerOptions = new WeakMap<Masker, MaskerOptions>();

/**
 * V8 refuses a regex alternative longer than about 32 K characters ("Regular expression too large"), and compiling an
 * alternation takes time that grows faster than its size (a second for 1 MB). Values longer than this are found with
 * indexOf, and the others are split into regexes of at most REGEX_BUDGET characters, so any number and size of secrets
 * can be masked; a few short secrets still make one regex, masked in one `replace` as before.
 */
const LONG_VALUE = 1024;
const REGEX_BUDGET = 64 * 1024;

/** Where the next occurrence of one group of values starts at or after `from`, and how long it is. */
type Finder = (text: string, from: number) => { index: number; length: number } | null;

/** The masker that replaces exactly `patterns` (longest first). */
function maskerOf(patterns: string[], options: MaskerOptions = {}): Masker {
  const values = [...patterns].sort((a, b) => b.length - a.length);
  if (values.length === 0) return { mask: (text) => text, values, keep: 0, cut: (_text, limit) => limit };
  const finders: Finder[] = [];
  const regexes: RegExp[] = [];
  let group: string[] = [];
  let size = 0;
  const closeGroup = (): void => {
    if (group.length > 0) regexes.push(new RegExp(group.map(escapeRegExp).join('|'), 'g'));
    group = [];
    size = 0;
  };
  for (const value of values) {
    if (value.length > LONG_VALUE) {
      finders.push((text, from) => {
        const index = text.indexOf(value, from);
        return index < 0 ? null : { index, length: value.length };
      });
      continue;
    }
    if (size + value.length > REGEX_BUDGET) closeGroup();
    group.push(value);
    size += value.length;
  }
  closeGroup();
  for (const regex of regexes) {
    finders.push((text, from) => {
      regex.lastIndex = from;
      const m = regex.exec(text);
      return m === null ? null : { index: m.index, length: m[0].length };
    });
  }
  // One regex (the common case): String.replace finds its matches itself, fastest.
  const single = finders.length === 1 && regexes.length === 1 ? regexes[0] : undefined;

  /**
   * The matches masking finds, left to right, as one alternation of all values longest first would find them: the
   * leftmost start, and there the longest value, so a longer secret that starts with a shorter one is masked whole.
   * Each finder's next match is kept until the scan passes its start (it stays the leftmost of that finder).
   */
  function* matches(text: string): Generator<{ index: number; length: number }> {
    const next = finders.map((find) => find(text, 0));
    for (let at = 0; ; ) {
      let best: { index: number; length: number } | null = null;
      for (let i = 0; i < finders.length; i++) {
        let m = next[i];
        if (m !== null && m.index < at) m = next[i] = finders[i](text, at);
        if (m !== null && (best === null || m.index < best.index || (m.index === best.index && m.length > best.length))) best = m;
      }
      if (best === null) return;
      yield best;
      at = best.index + best.length;
    }
  }

  return {
    values,
    mask(text) {
      const spared = options.spare ? [...text.matchAll(options.spare)].map((m) => [m.index, m.index + m[0].length] as const) : [];
      const keepsMatch = (offset: number, length: number): boolean => spared.some(([start, end]) => offset >= start && offset + length <= end);
      if (single) {
        if (spared.length === 0) return text.replace(single, MASK);
        return text.replace(single, (match: string, offset: number) => (keepsMatch(offset, match.length) ? match : MASK));
      }
      let out = '';
      let last = 0;
      for (const { index, length } of matches(text)) {
        if (keepsMatch(index, length)) continue;
        out += text.slice(last, index) + MASK;
        last = index + length;
      }
      return last === 0 ? text : out + text.slice(last);
    },
    keep: values[0].length - 1,
    cut(text, limit) {
      // Matches are found as masking the whole text would find them; the first one that spans the limit moves the
      // cut to its start (every match before it ends at or before that start). Masking the pieces one by one then
      // gives exactly what masking the whole would: every secret is seen whole.
      for (const { index, length } of matches(text)) {
        if (index >= limit) break;
        const end = index + length;
        if (end > limit) return index > 0 ? index : end;
      }
      return limit;
    },
  };
}

const byteMaskers = new WeakMap<Masker, Masker>();

/**
 * The same masker for bytes held as latin1 text (one character per byte): it replaces the UTF-8 bytes of each of
 * `masker`'s values with `***`. A log kept byte for byte (a process's stderr, which may hold invalid UTF-8, `\r` and
 * long lines) is masked through it, so its other bytes pass through unchanged; `keep` and `cut` count bytes.
 */
export function byteMaskerOf(masker: Masker): Masker {
  let bytes = byteMaskers.get(masker);
  if (!bytes) {
    bytes = maskerOf(masker.values.map((value) => Buffer.from(value, 'utf8').toString('latin1')), maskerOptions.get(masker));
    byteMaskers.set(masker, bytes);
  }
  return bytes;
}

/**
 * A value (or one line of a multi-line value) and the forms it is printed in by a tool or by handoff itself: inside
 * a JSON document (an error body a tool prints, a key file's `"private_key": "…"` line), and through the templates'
 * own transformations (`_line_safe` of a foreach line that holds it, `| shell_quote`, `| tojson`, `| e`,
 * `| urlencode`). Computed once per secret, when the masker is made; a value with nothing to escape adds nothing.
 */
function addForms(patterns: Set<string>, text: string): void {
  patterns.add(text);
  for (const form of deriveTextForms(text, MIN_VALUE_LENGTH)) patterns.add(form);
}

/** The warning about `keys` (from findUnmaskableSecrets), for one key or several. */
export function describeUnmaskableSecrets(keys: readonly string[]): string {
  return keys.length === 1
    ? `secret ${keys[0]} is too short to be masked in output (under ${MIN_VALUE_LENGTH} characters); use a longer value`
    : `secrets ${keys.join(', ')} are too short to be masked in output (under ${MIN_VALUE_LENGTH} characters); use longer values`;
}

/** Keys of secrets whose (non-empty) values are too short to be masked, so the caller can warn about them. */
export function findUnmaskableSecrets(secrets: Secret[]): string[] {
  return secrets.filter((s) => s.value.length > 0 && s.value.length < MIN_VALUE_LENGTH).map((s) => s.key);
}

/**
 * A copy of a JSON-like value with every string inside it masked. Keys of objects are kept as they are (a record's
 * keys are handoff's own names) unless `keys` is set: a Singer state's keys are the data's own (a bookmark per
 * account), where a secret can be a key.
 */
export function maskDeep<T>(value: T, masker: Masker, options: { keys?: boolean } = {}): T {
  if (masker.values.length === 0) return value;
  return maskValue(value, masker, new WeakMap(), options.keys === true) as T;
}

function maskValue(value: unknown, masker: Masker, seen: WeakMap<object, unknown>, keys: boolean): unknown {
  if (typeof value === 'string') return masker.mask(value);
  if (typeof value !== 'object' || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(maskValue(item, masker, seen, keys));
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  // Dates, Buffers and other class instances are not JSON records; leave them untouched.
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [k, v] of Object.entries(value)) copy[keys ? masker.mask(k) : k] = maskValue(v, masker, seen, keys);
  return copy;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * An error safe to print: message, fix, diagnostics and stack masked. Errors can quote a value (a template error says
 * `template not found: <the value>`), and the CLI prints errors as they are. The cause is left out: it is unmasked.
 */
export function maskError(error: unknown, masker: Masker): unknown {
  if (masker.values.length === 0 || !(error instanceof Error)) return error;
  const masked =
    error instanceof UserError
      ? new UserError(masker.mask(error.message), {
          fix: error.fix === undefined ? undefined : masker.mask(error.fix),
          exitCode: error.exitCode,
          diagnostics: maskDeep(error.diagnostics, masker),
        })
      : new Error(masker.mask(error.message));
  if (error.stack) masked.stack = masker.mask(error.stack);
  return masked;
}
