// A line reader for what project.yml files hold; gives exactly the fast reader's result, or hands the document over.
import { isAtTheEdgesOfTheSyntax, type PlainYaml } from './yaml-syntax-edges.js';
import { PLAIN_SCALAR_TYPES } from './pyyaml-scalars.js';

/** Whether any of PLAIN_SCALAR_TYPES may take the text (as read-plain-yaml.ts: one test before trying each type). */
const anyTypedScalar = new RegExp(PLAIN_SCALAR_TYPES.map((type) => `(?:${type.test.source})`).join('|'));

/** Characters js-yaml refuses anywhere (its PATTERN_NON_PRINTABLE, 4.3.2): such a document is handed over. */
const nonPrintable = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

/** Characters that may not start a plain scalar or key here (YAML's indicators; `-`, `?`, `:` are checked apart). */
const INDICATORS = new Set([',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

/** Escapes of a double-quoted scalar this reader takes; any other (`\x41`, `\u00e9`, `\N`, …) hands the document over. */
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', t: '\t', '/': '/' };

/** Deeper documents are handed over (the readers behind bound nesting with errors of their own). */
const MAX_DEPTH = 64;

/** Thrown inside the reader for anything it does not take; never leaves this file. */
class HandOver {}
const HAND_OVER = new HandOver();

/**
 * Reads a project.yml made of block mappings and sequences, one-line plain, single- and double-quoted scalars,
 * comments and one-line flow lists of such scalars, with PyYAML's typing of plain scalars: the same data and the same
 * written texts of numbers as readPlainYaml (js-yaml) gives, in a fraction of its time (no per-node state, no
 * listener). Returns undefined for anything else (anchors, aliases, tags, merge keys, block scalars, quoted keys,
 * typed keys, multi-line scalars, flow mappings, odd indentation, duplicate keys, any doubt), which then takes
 * readPlainYaml and, behind it, the positional reader. read-simple-yaml.test.ts holds the two readers to the same
 * result over the examples, every fixture, the benchmark's projects and generated documents.
 */
export function readSimpleYaml(text: string): PlainYaml | undefined {
  if (text.includes('\r') || nonPrintable.test(text) || isAtTheEdgesOfTheSyntax(text)) return undefined;
  const reader = new LineReader(text);
  let data: unknown;
  try {
    data = reader.readDocument();
  } catch (error) {
    if (error === HAND_OVER) return undefined;
    throw error;
  }
  const texts = reader.texts;
  return {
    data,
    writtenAs(value) {
      const seen = texts.get(value);
      return seen?.size === 1 ? [...seen][0] : undefined;
    },
  };
}

/** Where the first `:` followed by a space or the line's end is, from `from` on; -1 when there is none. */
function separatorColon(text: string, from: number): number {
  const colon = text.indexOf(': ', from);
  if (colon !== -1) return colon;
  const last = text.length - 1;
  return last >= from && text.charCodeAt(last) === 58 ? last : -1;
}

class LineReader {
  /** Each number read from a plain scalar, with the texts it was written as (readPlainYaml's writtenAs). */
  readonly texts = new Map<number, Set<string>>();
  private readonly lines: string[];
  /** Keys already found to be plain text (readKey). */
  private readonly plainKeys = new Set<string>();
  /** The current line: its index, its indentation, and the column where what is left of it starts. */
  private line = 0;
  private indent = 0;

  constructor(text: string) {
    this.lines = text.split('\n');
  }

  readDocument(): unknown {
    if (!this.nextContentLine() || this.indent !== 0) throw HAND_OVER;
    const data = this.readBlock(0, 0);
    if (this.nextContentLine()) throw HAND_OVER;
    return data;
  }

  /**
   * Moves to the next line that holds more than spaces and a comment, setting its indentation; false at the end.
   * Stays on the current line when it is such a line.
   */
  private nextContentLine(): boolean {
    const lines = this.lines;
    for (; this.line < lines.length; this.line++) {
      const text = lines[this.line];
      let i = 0;
      while (text.charCodeAt(i) === 32) i++;
      if (i < text.length && text.charCodeAt(i) !== 35 /* # */) {
        this.indent = i;
        return true;
      }
    }
    return false;
  }

  /** A block mapping or sequence whose first entry starts at column `column` of the current line. */
  private readBlock(column: number, depth: number): unknown {
    if (depth > MAX_DEPTH) throw HAND_OVER;
    const text = this.lines[this.line];
    if (text.charCodeAt(column) === 45 /* - */ && text.charCodeAt(column + 1) === 32) return this.readSequence(column, depth);
    return this.readMapping(column, depth);
  }

  /** A block sequence whose items start at `column`; the first is on the current line. */
  private readSequence(column: number, depth: number): unknown[] {
    const items: unknown[] = [];
    let first = true;
    for (;;) {
      if (!first) {
        if (!this.nextContentLine() || this.indent < column) return items;
        if (this.indent > column) throw HAND_OVER;
      }
      first = false;
      const text = this.lines[this.line];
      if (text.charCodeAt(column) !== 45 || text.charCodeAt(column + 1) !== 32) {
        // A key at the sequence's own column ends a sequence that is a mapping's value (`key:\n- a\nnext: b`).
        return items;
      }
      let start = column + 2;
      while (text.charCodeAt(start) === 32) start++;
      if (start >= text.length || text.charCodeAt(start) === 35) throw HAND_OVER;
      const c = text.charCodeAt(start);
      if ((c === 45 || c === 63 || c === 58) && (start + 1 >= text.length || text.charCodeAt(start + 1) === 32)) throw HAND_OVER;
      // A flow list as an item (`- [a]`): js-yaml does not report it as a node of its own, so the fast reader hands it over.
      if (c === 91 /* [ */) throw HAND_OVER;
      if (this.findKeyEnd(text, start) !== -1) items.push(this.readMapping(start, depth + 1));
      else {
        items.push(this.readInlineValue(text, start, depth, column));
        this.line++;
      }
    }
  }

  /** A block mapping whose keys start at `column`; the first is on the current line at that column. */
  private readMapping(column: number, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) throw HAND_OVER;
    const mapping: Record<string, unknown> = {};
    for (;;) {
      // The current line is this mapping's next entry, at its column: `key: value`, `key:` or anything else (handed over).
      const text = this.lines[this.line];
      const keyEnd = this.findKeyEnd(text, column);
      if (keyEnd === -1) throw HAND_OVER;
      const key = this.readKey(text, column, keyEnd);
      if (Object.hasOwn(mapping, key)) throw HAND_OVER;
      let start = keyEnd + 1;
      while (text.charCodeAt(start) === 32) start++;
      if (start < text.length && text.charCodeAt(start) !== 35 /* # */) {
        mapping[key] = this.readInlineValue(text, start, depth, column);
        this.line++;
      } else {
        // `key:` with a block below (more indented, or a sequence at the key's own column), else null.
        this.line++;
        const block = this.nextContentLine() && (this.indent > column || (this.indent === column && this.isSequenceItem()));
        mapping[key] = block ? this.readBlock(this.indent, depth + 1) : null;
      }
      if (!this.nextContentLine() || this.indent < column) return mapping;
      if (this.indent > column) throw HAND_OVER;
    }
  }

  private isSequenceItem(): boolean {
    const text = this.lines[this.line];
    return text.charCodeAt(this.indent) === 45 && text.charCodeAt(this.indent + 1) === 32;
  }

  /**
   * Where the `:` that ends a plain key starting at `start` is (a `:` followed by a space or the line's end), or -1
   * when the line holds no such key before a comment or its end. A line that starts with a quote, a bracket or another
   * indicator is handed over (quoted keys, flow keys, explicit keys).
   */
  private findKeyEnd(text: string, start: number): number {
    const c = text[start];
    if (INDICATORS.has(c) || c === ':' || c === '?') {
      // A quoted or flow scalar as an item is fine; as a key, or anything else, hand over: the item reader decides.
      if (c === '"' || c === "'" || c === '[' || c === '{') return this.quotedOrFlowIsKey(text, start);
      throw HAND_OVER;
    }
    const colon = separatorColon(text, start);
    if (colon === -1) return -1;
    const comment = text.indexOf(' #', start);
    return comment !== -1 && comment < colon ? -1 : colon;
  }

  /** A line starting with a quote or bracket that also holds `: ` may be a quoted or flow key: handed over. */
  private quotedOrFlowIsKey(text: string, start: number): number {
    for (let i = start + 1; i < text.length; i++) {
      if (text.charCodeAt(i) === 58 && (i + 1 === text.length || text.charCodeAt(i + 1) === 32)) throw HAND_OVER;
    }
    return -1;
  }

  /** A plain key: text that no type of PLAIN_SCALAR_TYPES takes, with no trailing spaces, not one the readers treat apart. */
  private readKey(text: string, start: number, end: number): string {
    const key = text.slice(start, end);
    // A project repeats a few keys thousands of times (`name`, `command`, `args`): each is checked once.
    if (this.plainKeys.has(key)) return key;
    if (key.charCodeAt(key.length - 1) === 32 || anyTypedScalar.test(key) || key === '<<' || key === '__proto__') throw HAND_OVER;
    if (key.charCodeAt(0) === 45 /* - */ && key.charCodeAt(1) === 32) throw HAND_OVER;
    this.plainKeys.add(key);
    return key;
  }

  /**
   * A scalar or one-line flow list from column `start` to the end of the line (a comment allowed after it), in the
   * block whose entries start at `column`.
   */
  private readInlineValue(text: string, start: number, depth: number, column: number): unknown {
    const c = text[start];
    if (c === '"') return this.afterQuoted(text, this.readDoubleQuoted(text, start));
    if (c === "'") return this.afterQuoted(text, this.readSingleQuoted(text, start));
    if (c === '[') return this.readFlowList(text, start, depth);
    if (INDICATORS.has(c)) throw HAND_OVER;
    if ((c === '-' || c === '?' || c === ':') && (start + 1 >= text.length || text.charCodeAt(start + 1) === 32)) throw HAND_OVER;
    // Searches with indexOf rather than a loop over the characters: this code runs in V8's interpreter (TurboFan is
    // held in validate), where a loop costs tens of instructions per character.
    const comment = text.indexOf(' #', start);
    const colon = separatorColon(text, start);
    if (colon !== -1 && (comment === -1 || colon < comment)) throw HAND_OVER;
    let end = comment === -1 ? text.length : comment + 1;
    if (comment === -1 && this.isCommentIndentedBelow(column)) throw HAND_OVER;
    while (text.charCodeAt(end - 1) === 32) end--;
    return this.resolvePlain(text.slice(start, end));
  }

  /**
   * Whether the first line after the current one that is not spaces only is a comment indented past `column`: js-yaml
   * then ends a plain scalar that has no comment of its own at that `#`, a node over two lines to the fast reader,
   * which hands it over (found by the generated documents of read-simple-yaml.test.ts).
   */
  private isCommentIndentedBelow(column: number): boolean {
    for (let n = this.line + 1; n < this.lines.length; n++) {
      const text = this.lines[n];
      let i = 0;
      while (text.charCodeAt(i) === 32) i++;
      if (i === text.length) continue;
      return i > column && text.charCodeAt(i) === 35;
    }
    return false;
  }

  /** PyYAML's typing of a plain scalar, first match of PLAIN_SCALAR_TYPES, noting each number's text. */
  private resolvePlain(scalar: string): unknown {
    if (!anyTypedScalar.test(scalar)) return scalar;
    const type = PLAIN_SCALAR_TYPES.find((t) => t.test.test(scalar));
    if (!type) return scalar;
    let value: unknown;
    try {
      value = type.resolve(scalar);
    } catch {
      throw HAND_OVER;
    }
    if (typeof value === 'number') {
      const seen = this.texts.get(value);
      if (seen) seen.add(scalar);
      else this.texts.set(value, new Set([scalar]));
    }
    return value;
  }

  /** After a quoted scalar: only spaces, then the line's end or a comment after a space. */
  private afterQuoted(text: string, [value, end]: [string, number]): string {
    let i = end;
    while (text.charCodeAt(i) === 32) i++;
    if (i < text.length && !(text.charCodeAt(i) === 35 && i > end)) throw HAND_OVER;
    return value;
  }

  /** A double-quoted scalar that ends on its line: its value and the column after its closing quote. */
  private readDoubleQuoted(text: string, start: number): [string, number] {
    let value = '';
    let from = start + 1;
    for (let i = from; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 34 /* " */) return [value + text.slice(from, i), i + 1];
      if (ch === 92 /* \ */) {
        const escaped = ESCAPES[text[i + 1]];
        if (escaped === undefined) throw HAND_OVER;
        value += text.slice(from, i) + escaped;
        i++;
        from = i + 1;
      }
    }
    throw HAND_OVER;
  }

  /** A single-quoted scalar that ends on its line (`''` is a quote): its value and the column after it. */
  private readSingleQuoted(text: string, start: number): [string, number] {
    let value = '';
    let from = start + 1;
    for (let i = from; i < text.length; i++) {
      if (text.charCodeAt(i) !== 39 /* ' */) continue;
      if (text.charCodeAt(i + 1) === 39) {
        value += text.slice(from, i + 1);
        i++;
        from = i + 1;
        continue;
      }
      return [value + text.slice(from, i), i + 1];
    }
    throw HAND_OVER;
  }

  /** `[]` or `[a, "b", 'c']` on one line: plain entries without `:`, brackets or braces; no empty entry. */
  private readFlowList(text: string, start: number, depth: number): unknown[] {
    if (depth + 1 > MAX_DEPTH) throw HAND_OVER;
    const items: unknown[] = [];
    let i = start + 1;
    const skipSpaces = () => {
      while (text.charCodeAt(i) === 32) i++;
    };
    skipSpaces();
    if (text.charCodeAt(i) === 93 /* ] */) {
      this.afterQuoted(text, ['', i + 1]);
      return items;
    }
    for (;;) {
      skipSpaces();
      const c = text[i];
      if (c === '"' || c === "'") {
        const [value, end] = c === '"' ? this.readDoubleQuoted(text, i) : this.readSingleQuoted(text, i);
        items.push(value);
        i = end;
      } else {
        if (c === undefined || INDICATORS.has(c) || c === '-' || c === '?' || c === ':') throw HAND_OVER;
        let end = i;
        for (; end < text.length; end++) {
          const ch = text[end];
          if (ch === ',' || ch === ']') break;
          if (ch === '[' || ch === '{' || ch === '}' || ch === ':' || ch === '#') throw HAND_OVER;
        }
        let last = end;
        while (text.charCodeAt(last - 1) === 32) last--;
        items.push(this.resolvePlain(text.slice(i, last)));
        i = end;
      }
      skipSpaces();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        this.afterQuoted(text, ['', i + 1]);
        return items;
      }
      throw HAND_OVER;
    }
  }
}
