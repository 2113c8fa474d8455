// The positional reader of YAML (the yaml package's document model): every node's position, for messages that say
// where; loaded only when a document or a message needs it (see loadPositionalReader in parse-yaml-source.ts).
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node, YAMLError } from 'yaml';
import { UserError } from '../errors.js';
import type { Diagnostic, SourceLocation } from '../errors.js';
import { appendKeyPath, formatKeyPath } from './format-key-path.js';
import type { KeyPath } from './format-key-path.js';
import { MAX_ALIAS_COUNT, MAX_NESTING_DEPTH, checkNulBytes, checkSize, type YamlSource } from './parse-yaml-source.js';
import { usePyYamlScalars } from './pyyaml-scalars.js';
import { findTabOutsideQuotes, TAB_FIX, TAB_REFUSED } from './yaml-tabs.js';

interface IndexedNode {
  key?: Node;
  value: Node | null;
}

/** parseYamlSource with positions from the start (the yaml package's document model). */
export function parseYamlWithPositions(text: string, file: string): YamlSource {
  checkSize(text, file);
  checkNulBytes(text, file);

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: usePyYamlScalars,
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
    // Not 'silent': under it parseDocument drops its MULTIPLE_DOCS error, so a second document (`---`) would be
    // accepted and never read (PyYAML refused such a file). 'error' still logs nothing to the console.
    logLevel: 'error',
    lineCounter,
    keepSourceTokens: false,
  });
  const at = (offset: number): SourceLocation => ({ file, ...lineCounter.linePos(offset) });

  // An unknown tag was refused by every PyYAML loader ("could not determine a constructor"), but for the `!!python/…`
  // tags, several of which the original's FullLoader read: those stay warnings, so no project it read is refused.
  const refusedTags = doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED' && !/^Unresolved tag: tag:yaml\.org,2002:python\//.test(w.message));
  const errors = [...doc.errors, ...refusedTags];
  const warnings = doc.warnings.filter((w) => !refusedTags.includes(w)).map((w) => describeYamlError(w, 'warning', at, file));
  if (errors.length > 0) {
    const diagnostics = [...errors.map((e) => describeYamlError(e, 'error', at, file)), ...warnings];
    const count = errors.length;
    if (count === 1 && errors[0]!.code === 'MULTIPLE_DOCS') {
      throw new UserError(`${file} holds more than one YAML document`, { fix: yamlErrorHints.MULTIPLE_DOCS, diagnostics });
    }
    throw new UserError(`${file} is not valid YAML (${count} ${count === 1 ? 'problem' : 'problems'})`, {
      fix: 'fix the YAML syntax at the lines listed',
      diagnostics,
    });
  }

  checkTabs(text, file);
  const index = indexNodes(doc, file, at);
  const data = convertToJs(doc, file, index.firstAlias ? at(index.firstAlias.range?.[0] ?? 0) : { file, line: 1, col: 1 });

  const findNode = (path: KeyPath): { entry: IndexedNode; exact: boolean } => {
    for (let n = path.length; n > 0; n--) {
      const entry = index.nodes.get(formatKeyPath(path.slice(0, n)));
      if (entry) return { entry, exact: n === path.length };
    }
    return { entry: { value: doc.contents as Node | null }, exact: path.length === 0 };
  };

  return {
    file,
    data,
    warnings,
    locate(path, where = 'value') {
      const { entry, exact } = findNode(path);
      const node = exact && where === 'key' && entry.key ? entry.key : (entry.value ?? entry.key);
      const offset = node?.range?.[0];
      return offset === undefined ? { file, line: 1, col: 1 } : at(offset);
    },
    sourceText(path) {
      const { entry, exact } = findNode(path);
      const node = entry.value;
      if (!exact || !isScalar(node) || !node.range) return undefined;
      return text.slice(node.range[0], node.range[1]);
    },
  };
}

/**
 * PyYAML refused a tab outside quotes (findTabOutsideQuotes); the yaml package reads it, so a project written for
 * handoff would not run on the original: refused here, at the tab. Checked after a successful read, so the reader's
 * own errors (a tab used as indentation) come first. The fast reader passes every text with a tab to this one.
 */
function checkTabs(text: string, file: string): void {
  const tab = findTabOutsideQuotes(text);
  if (tab === undefined) return;
  const before = text.slice(0, tab);
  const line = before.split('\n').length;
  const col = tab - before.lastIndexOf('\n');
  throw new UserError(`${file} has a tab outside quotes, which PyYAML refused`, {
    fix: TAB_FIX,
    diagnostics: [{ severity: 'error', message: TAB_REFUSED, location: { file, line, col }, hint: 'use spaces instead of the tab' }],
  });
}

const yamlErrorHints: Record<string, string> = {
  DUPLICATE_KEY: 'each key may appear once in a mapping; remove or rename one of them',
  MULTIPLE_DOCS: 'remove the `---` (or `...`) line and what follows it, or merge the documents into one',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'check the indentation: items of one list or mapping must start in the same column',
  MISSING_CHAR: 'a quote or bracket is not closed',
  RESOURCE_EXHAUSTION: `the document is nested too deeply; keep nesting under ${MAX_NESTING_DEPTH} levels`,
  TAG_RESOLVE_FAILED: 'remove the `!tag`; project.yml holds plain values only',
};

function describeYamlError(e: YAMLError, severity: Diagnostic['severity'], at: (offset: number) => SourceLocation, file: string): Diagnostic {
  const message =
    e.code === 'RESOURCE_EXHAUSTION'
      ? 'the document is nested too deeply to read'
      : e.code === 'MULTIPLE_DOCS'
        ? // The yaml package's own message points at its API (parseAllDocuments); say what the file must be instead.
          `a second YAML document starts here; ${file.split(/[\\/]/).pop()} must be one document`
        : firstLine(e.message);
  // A scalar our own table could not read (`0x_`) says what to do in its message; the hint is for unknown tags.
  const hint = e.code === 'TAG_RESOLVE_FAILED' && /has no digits/.test(message) ? undefined : yamlErrorHints[e.code];
  return { severity, message, location: at(e.pos[0]), ...(hint ? { hint } : {}) };
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Records every key path's nodes (so any message can point at its line) and refuses what would make later steps
 * recurse without end: nesting deeper than MAX_NESTING_DEPTH, aliases to an enclosing node (cycles), aliases to
 * nothing, and mapping keys that are not plain values.
 */
function indexNodes(
  doc: Document.Parsed,
  file: string,
  at: (offset: number) => SourceLocation,
): { nodes: Map<string, IndexedNode>; firstAlias?: Node } {
  const nodes = new Map<string, IndexedNode>();
  const ancestors = new Set<Node>();
  // Anchors seen so far in document order: an alias refers to the last one defined before it. (yaml's
  // Alias.resolve(doc) rescans the whole document per call, which is quadratic for many aliases.)
  const anchors = new Map<string, Node>();
  let firstAlias: Node | undefined;

  const fail = (node: Node | null | undefined, reason: string, message: string, fix: string): never => {
    const location = node?.range ? at(node.range[0]) : { file, line: 1, col: 1 };
    throw new UserError(`${file}: ${reason}`, { fix, diagnostics: [{ severity: 'error', message, location, hint: fix }] });
  };

  const visit = (node: Node | null, path: string, depth: number): void => {
    if (node === null) return;
    if (isAlias(node)) {
      firstAlias ??= node;
      const target = anchors.get(node.source);
      if (!target) {
        fail(node, `alias *${node.source} has no anchor`, `alias *${node.source} refers to no anchor &${node.source} defined before it`, `define &${node.source} before using *${node.source}`);
      } else if (ancestors.has(target)) {
        fail(node, `alias *${node.source} refers to a node that contains it`, `alias *${node.source} is inside the node it refers to, which would be infinitely deep`, 'point the alias at a node outside of itself');
      }
      return;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    if (!isMap(node) && !isSeq(node)) return;
    if (depth > MAX_NESTING_DEPTH) {
      fail(node, `nesting deeper than ${MAX_NESTING_DEPTH} levels`, `found nesting deeper than ${MAX_NESTING_DEPTH} levels; a project.yml nests a few levels`, 'flatten the document: nested tasks can usually be written as a list of tasks');
    }
    ancestors.add(node);
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const itemNode = (item ?? null) as Node | null;
        const itemPath = appendKeyPath(path, i);
        nodes.set(itemPath, { value: itemNode });
        visit(itemNode, itemPath, depth + 1);
      });
    } else {
      for (const pair of node.items) {
        const keyNode = (pair.key ?? null) as Node | null;
        const valueNode = (pair.value ?? null) as Node | null;
        const key = readKey(keyNode, anchors);
        if (key === undefined) {
          fail(keyNode ?? valueNode ?? node, 'a mapping key is not a plain value', 'found a list or mapping used as a key; keys must be plain names', 'write the key as plain text');
        }
        const childPath = appendKeyPath(path, key as string);
        // `<<` merge values are indexed only to check their aliases; the merged keys point at the mapping itself.
        if (key !== '<<') nodes.set(childPath, { key: keyNode ?? undefined, value: valueNode });
        visit(keyNode, childPath, depth + 1);
        visit(valueNode, childPath, depth + 1);
      }
    }
    ancestors.delete(node);
  };

  visit((doc.contents ?? null) as Node | null, '', 1);
  return { nodes, firstAlias };
}

/** The JavaScript key a YAML key becomes (as the yaml package writes it), or undefined for collection keys. */
function readKey(keyNode: Node | null, anchors: ReadonlyMap<string, Node>): string | undefined {
  let node: unknown = keyNode;
  if (isAlias(node)) node = anchors.get(node.source);
  if (node === null || node === undefined) return '';
  if (!isScalar(node)) return undefined;
  const value = node.value;
  if (value === null || value === undefined) return '';
  // With merge keys on, the yaml package reads `<<` as a symbol.
  if (typeof value === 'symbol') return value.description ?? '';
  if (typeof value === 'object') return undefined;
  return String(value);
}

function convertToJs(doc: Document.Parsed, file: string, firstAlias: SourceLocation): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias/i.test(message)) {
      throw new UserError(`${file} expands aliases more than ${MAX_ALIAS_COUNT} times (an alias bomb?)`, {
        fix: 'use fewer `*alias` references; write repeated parts out',
        diagnostics: [{ severity: 'error', message: `aliases expand more than ${MAX_ALIAS_COUNT} times`, location: firstAlias }],
        cause: error,
      });
    }
    throw new UserError(`${file} could not be read: ${message}`, {
      diagnostics: [{ severity: 'error', message, location: { file, line: 1, col: 1 } }],
      cause: error,
    });
  }
}
