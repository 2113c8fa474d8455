// Reads YAML text as the original handoff did (PyYAML, YAML 1.1), with bounds: a fast reader, positions on demand.
import { UserError } from '../errors.js';
import { readLoneCrAsLf } from '../line-breaks.js';
import type { Diagnostic, SourceLocation } from '../errors.js';
import { readSimpleYaml } from './read-simple-yaml.js';
import type { PlainYaml } from './yaml-syntax-edges.js';
import type { KeyPath } from './format-key-path.js';

/** Files larger than this are refused before parsing: a project.yml is a few kilobytes. */
export const MAX_PROJECT_FILE_BYTES = 2 * 1024 * 1024;
/** Deeper collections are refused: real projects nest a few dozen levels, and the parsers recurse. */
export const MAX_NESTING_DEPTH = 200;
/**
 * Bound on alias expansion (yaml's maxAliasCount: uses of an anchor × the aliases inside it), so an alias bomb
 * stops after a few thousand nodes. High enough for `<<: *defaults` in each of several hundred tasks.
 */
export const MAX_ALIAS_COUNT = 1000;

/** Parsed YAML plus what messages need: where each key path is, and the text it was written as. */
export interface YamlSource {
  file: string;
  /** The document as plain JavaScript values. */
  data: unknown;
  /** Non-fatal notices from the YAML reader (e.g. an unknown `!tag`). */
  warnings: Diagnostic[];
  /** Where a key path is written; falls back to the nearest enclosing node when the path does not exist. */
  locate(path: KeyPath, at?: 'key' | 'value'): SourceLocation;
  /** The text a scalar was written as (`0755`, `yes`), when the path names a scalar written in this file. */
  sourceText(path: KeyPath): string | undefined;
}

/** Reads a document with every node's position (read-positioned-yaml.ts, the yaml package). */
export type PositionalReader = (text: string, file: string) => YamlSource;

/** The positional reader once loadPositionalReader has loaded it. */
let loadedReader: PositionalReader | undefined;
/** The js-yaml reader (read-plain-yaml.ts), loaded with the positional one. */
let loadedPlainReader: ((text: string) => PlainYaml | undefined) | undefined;

/**
 * Loads the positional reader: the yaml package is 262 KB of code that a plain document read by the fast reader,
 * with nothing to locate, never needs (9 ms of every `config validate`, and of the first run after an edit). The
 * js-yaml reader comes with it: js-yaml is 126 KB of code that a document the line reader takes never needs either.
 */
export async function loadPositionalReader(): Promise<PositionalReader> {
  loadedPlainReader ??= (await import('./read-plain-yaml.js')).readPlainYaml;
  loadedReader ??= (await import('./read-positioned-yaml.js')).parseYamlWithPositions;
  return loadedReader;
}

/**
 * Thrown when the positional reader is needed (a document the fast reader does not take, a message to locate) before
 * it was loaded: the caller loads it (loadPositionalReader) and reads again. Never reaches a user.
 */
export class PositionalReaderNeeded extends Error {
  constructor() {
    super('the positional YAML reader is needed but not loaded (call loadPositionalReader first)');
  }
}

function positionalReader(given: PositionalReader | undefined): PositionalReader {
  const reader = given ?? loadedReader;
  if (!reader) throw new PositionalReaderNeeded();
  return reader;
}

/**
 * Parses YAML text as YAML 1.1 with PyYAML's resolution rules. Problems that stop reading (syntax, size, NUL bytes,
 * nesting, alias cycles or bombs) throw a UserError whose diagnostics carry file:line:col.
 *
 * A plain document (most project.yml files) is read by the fast reader, about ten times faster than the positional
 * one (read-plain-yaml.ts); the positional reader then runs only when a message must say where a key path is written.
 * Anything the fast reader does not read exactly as the positional one goes to the positional reader at once.
 *
 * `reader` is the positional reader; without it, the one loadPositionalReader loaded, or PositionalReaderNeeded is
 * thrown where it is needed (here, or later by locate and sourceText).
 */
export function parseYamlSource(written: string, file: string, reader?: PositionalReader): YamlSource {
  const text = readLoneCrAsLf(written);
  checkSize(text, file);
  checkNulBytes(text, file);
  // Most project.yml files take the line reader; what it hands over, js-yaml; what that hands over, the positional one.
  // js-yaml is loaded with the positional reader (loadPositionalReader): a caller that brought its own positional
  // reader without loading it has that one read what the line reader hands over (the same data, read-plain-yaml.test.ts).
  const plain = readSimpleYaml(text) ?? (loadedPlainReader ? loadedPlainReader(text) : undefined);
  if (!plain) return positionalReader(reader)(text, file);

  let positioned: YamlSource | null | undefined;
  // Should the positional reader refuse what the fast one read (a difference the guards missed), the problem being
  // reported keeps its message, located at the file only, rather than being replaced by a YAML error.
  const withPositions = (): YamlSource | null => {
    if (positioned === undefined) {
      const read = positionalReader(reader);
      try {
        positioned = read(text, file);
      } catch {
        positioned = null;
      }
    }
    return positioned;
  };
  return {
    file,
    data: plain.data,
    warnings: [],
    locate: (path, at) => withPositions()?.locate(path, at) ?? { file },
    sourceText(path) {
      // A number's text is known without positions when every scalar read as that number was written the same way.
      const value = valueAt(plain.data, path);
      const written = typeof value === 'number' ? plain.writtenAs(value) : undefined;
      return written ?? withPositions()?.sourceText(path);
    },
  };
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

export function checkSize(text: string, file: string): void {
  // UTF-8 needs at most 3 bytes per UTF-16 unit, so the exact byte count is only computed near the limit.
  const tooBig =
    text.length > MAX_PROJECT_FILE_BYTES ||
    (text.length * 3 > MAX_PROJECT_FILE_BYTES && Buffer.byteLength(text, 'utf8') > MAX_PROJECT_FILE_BYTES);
  if (tooBig) throw fileTooLarge(file);
}

/** The error for a project file over MAX_PROJECT_FILE_BYTES (also used before reading a file from disk). */
export function fileTooLarge(file: string): UserError {
  const limit = `${MAX_PROJECT_FILE_BYTES / (1024 * 1024)} MB`;
  return new UserError(`${file} is larger than ${limit}; a project.yml is expected to be a few kilobytes`, {
    fix: 'check that -p points at the right project and that project.yml is the project file, not data',
    diagnostics: [{ severity: 'error', message: `file is larger than ${limit}`, location: { file, line: 1, col: 1 } }],
  });
}

export function checkNulBytes(text: string, file: string): void {
  const nul = text.indexOf('\0');
  if (nul === -1) return;
  const before = text.slice(0, nul);
  const line = before.split('\n').length;
  const col = nul - before.lastIndexOf('\n');
  const message = 'contains NUL bytes, so it is binary data, not YAML text';
  throw new UserError(`${file} ${message}`, {
    fix: 'point -p at the folder holding the real project.yml, or save the file as UTF-8 text',
    diagnostics: [{ severity: 'error', message: `found a NUL byte; ${message}`, location: { file, line, col } }],
  });
}
