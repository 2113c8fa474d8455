// Reads a stage's secrets from the project's `.secrets/` folder (or `-v secrets_dir=D`), with precise errors (SPEC §4).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Node, type Pair, type YAMLMap } from 'yaml';
import { decodeUtf8Text } from '../decode-utf8-text.js';
import { UserError, type Diagnostic } from '../errors.js';
// The scalar rules of PyYAML, which read this file in the original: `push: no` is false there, as in project.yml.
import { isYamlFloatText, usePyYamlScalars } from '../project/pyyaml-scalars.js';
import { fromModelYamlValue, toPythonYamlValue } from '../project/python-yaml-values.js';
import { suggestKey } from '../project/suggest-key.js';
import { findTabOutsideQuotes, TAB_FIX, TAB_REFUSED } from '../project/yaml-tabs.js';
import { readLoneCrAsLf } from '../line-breaks.js';
import { findLocalSecretsFile, type LocalSecretsInput } from './find-local-secrets-file.js';
import { recordSecretsOrigin } from './secrets-origin.js';
import { formatPythonStr } from '../template/python-str.js';

export interface Secret {
  key: string;
  /**
   * The secret's text: what a run exports to the environment and what a push stores. For `value:` it is Python's str()
   * of what PyYAML made of the scalar (`yes` → `True`, `0123` → `83`, `1.50` → `1.5`; quoted, it stays as written), the
   * text the original rendered in templates, so a run from the store sees what `run local` sees; `file:` gives the
   * file's content as it is.
   */
  value: string;
  /** `task` secrets belong to one task; `resource group` secrets are shared by the tasks of a resource group. */
  level: 'task' | 'resource group';
  /** false: used locally, never pushed to the remote secret store. */
  push: boolean;
  /** Where the value came from: `<secrets file>:<line>`, followed by ` (file: <path>)` for `file:`. */
  source: string;
  /**
   * The value as templates see it, when PyYAML typed it otherwise than as text (`yes` is True, `1.50` is 1.5, `98765` an
   * int), typed as vars are; `value` is its printed form. Only a secret read from the secrets file has it: the store
   * holds text.
   */
  typed?: unknown;
  /** The scalar as written in the secrets file, when that differs from `value` (`yes` for True): masked as well. */
  written?: string;
}

const KNOWN_FIELD_NAMES = ['key', 'value', 'file', 'level', 'push', 'description'];
const KNOWN_FIELDS = new Set(KNOWN_FIELD_NAMES);

/** A field of an entry that handoff does not know (a typo such as `psh: false`): ignored by runs, refused by pushes. */
export interface UnknownSecretField {
  /** The entry's key, or undefined for an entry without one (which is an error anyway). */
  key: string | undefined;
  field: string;
  /** The known field it is probably a typo of. */
  suggestion: string | undefined;
  location: { file: string; line: number; col: number };
}
const FIX_FORMAT = 'each entry is "- key: NAME" with either "value: …" or "file: PATH", optional "level: task|resource group" and "push: true|false"';

/**
 * Loads `<secretsDir or P/.secrets>/<secretsFileName(stage)>`. A missing file is a warning (a project may have no
 * secrets); anything malformed is a UserError at `file:line:col`. Messages never quote a secret's value.
 */
export function loadLocalSecrets(input: LocalSecretsInput): {
  secrets: Secret[];
  warnings: Diagnostic[];
  /** false: the warnings are only that there is no file (callers say what they do without secrets). */
  fileFound: boolean;
  /** Fields of entries handoff does not know (also among the warnings); a push refuses them (refuseUnknownFieldsForPush). */
  unknownFields: UnknownSecretField[];
} {
  const { file, exists, warnings: missing } = findLocalSecretsFile(input);
  if (!exists) return { secrets: [], warnings: missing, fileFound: false, unknownFields: [] };
  let text: string;
  try {
    // As project.yml: a BOM ("UTF-8 with BOM") is dropped, as PyYAML dropped it.
    text = decodeUtf8Text(readFileSync(file));
  } catch (e) {
    throw new UserError(`cannot read the secrets file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
      fix: 'check the file permissions',
    });
  }
  const warnings: Diagnostic[] = [];
  const unknownFields: UnknownSecretField[] = [];
  const secrets = recordSecretsOrigin(parseSecrets(text, file, warnings, unknownFields), { kind: 'file', file });
  return { secrets, warnings, fileFound: true, unknownFields };
}

/** The path a `file:` secret was read from (its `source` says it, as parseSecrets writes it); undefined for `value:`. */
export function secretFilePath(secret: Pick<Secret, 'source'>): string | undefined {
  return /^.*?:\d+ \(file: (.*)\)$/s.exec(secret.source)?.[1];
}

/**
 * The keys of the stage's secrets file, its values and `file:` entries unread: a run from the store holds only the
 * pushed values, and needs the keys of the local-only (`push: false`) ones to mask a `-v`/`-e` value given for one.
 * A missing or broken file gives what can be read of it (the run itself does not depend on this file).
 */
export function readLocalSecretKeys(input: LocalSecretsInput): string[] {
  const { file, exists } = findLocalSecretsFile(input);
  if (!exists) return [];
  try {
    const doc = parseDocument(readLoneCrAsLf(decodeUtf8Text(readFileSync(file))), { version: '1.1', customTags: usePyYamlScalars, merge: true, prettyErrors: false });
    const entries: unknown = doc.toJS();
    if (!Array.isArray(entries)) return [];
    return entries.flatMap((e: unknown) => (e !== null && typeof e === 'object' && 'key' in e && (e.key ?? '') !== '' ? [String(e.key)] : []));
  } catch {
    return [];
  }
}

/**
 * A push acts on what every field means: a misspelt `push: false` (`psh: false`) would store a secret meant to stay
 * local, a misspelt `level` would store it at the wrong level. So a push writes nothing while the secrets file has a
 * field handoff does not know; runs only warn, as the original ignored such fields.
 */
export function refuseUnknownFieldsForPush(unknownFields: readonly UnknownSecretField[], action: string): void {
  if (unknownFields.length === 0) return;
  const first = unknownFields[0]!;
  const { file, line, col } = first.location;
  const more = unknownFields.length > 1 ? ` (and ${unknownFields.length - 1} more)` : '';
  const owner = first.key !== undefined ? `secret "${first.key}"` : 'an entry';
  throw new UserError(
    `${file}:${line}:${col}: ${owner} has an unknown field "${first.field}" (${hintFor(first)})${more}; ${action} writes nothing while the secrets file has a field handoff does not know: a misspelt "push: false" would push a secret meant to stay local`,
    {
      fix: `correct or remove ${unknownFields.length > 1 ? 'these fields' : 'the field'} (${unknownFields.map((u) => `"${u.field}"${u.suggestion ? ` → "${u.suggestion}"` : ''}`).join(', ')}); ${FIELDS_HINT}`,
      diagnostics: unknownFields.map((u) => ({ severity: 'error' as const, message: `unknown field "${u.field}"${u.key !== undefined ? ` of secret "${u.key}"` : ''}`, location: u.location, hint: hintFor(u) })),
    },
  );
}

const FIELDS_HINT = `known fields are ${KNOWN_FIELD_NAMES.slice(0, -1).join(', ')} and ${KNOWN_FIELD_NAMES.at(-1)}`;

/** `entry 2 (key "localonly"): unknown field "psh" is ignored`; only names are shown, never a value (it may be a secret under a misspelt "value"). */
function describeUnknownField(u: UnknownSecretField, entry: number): string {
  return `entry ${entry}${u.key !== undefined ? ` (key "${u.key}")` : ''}: unknown field "${u.field}" is ignored`;
}

function hintFor(u: UnknownSecretField): string {
  return u.suggestion ? `did you mean "${u.suggestion}"?` : FIELDS_HINT;
}

function parseSecrets(text: string, file: string, warnings: Diagnostic[], unknownFields: UnknownSecretField[]): Secret[] {
  const lineCounter = new LineCounter();
  // prettyErrors would quote the offending source line, which may hold a secret value. Entries are read field by field
  // from the document, so aliases and `<<` merge keys are resolved here as PyYAML resolved them (entryPairs, deref).
  // A lone CR is a line break, as PyYAML read it (project.yml's reader does the same), so lines are counted right.
  const read = readLoneCrAsLf(text);
  const doc = parseDocument(read, { version: '1.1', customTags: usePyYamlScalars, merge: true, prettyErrors: false, lineCounter });
  const fail = (offset: number | undefined, message: string, fix = FIX_FORMAT): never => {
    const pos = offset !== undefined ? lineCounter.linePos(offset) : undefined;
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    throw new UserError(`${where}: ${message}`, {
      fix,
      diagnostics: [{ severity: 'error', message, location: { file, line: pos?.line, col: pos?.col } }],
    });
  };
  const yamlError = doc.errors[0];
  if (yamlError) fail(yamlError.pos[0], `not valid YAML (${yamlError.code})`, 'correct the YAML syntax at that place');
  // PyYAML refused an alias to no anchor ("found undefined alias"); named by the alias only, never by a value.
  visit(doc, {
    Alias(_, alias) {
      if (!alias.resolve(doc)) fail(nodeStart(alias), `alias *${alias.source} refers to no anchor &${alias.source} defined before it`, `define &${alias.source} before using *${alias.source}`);
    },
  });
  // PyYAML refused a tab outside quotes (`push:\tno`) that the yaml package reads: refused at the tab, naming the
  // entry's key, never quoting the line (it may hold a value).
  const tab = findTabOutsideQuotes(read);
  if (tab !== undefined) fail(tab, `${TAB_REFUSED}${inEntry(doc.contents, tab)}`, TAB_FIX);
  const deref = (node: unknown): Node | null => ((isAlias(node) ? node.resolve(doc) : node) ?? null) as Node | null;

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isSeq(root)) return fail(nodeStart(root), 'the secrets file must be a list of entries', FIX_FORMAT);

  const secrets: Secret[] = [];
  const firstLine = new Map<string, number>();
  root.items.forEach((item, index) => {
    const at = `entry ${index + 1}`;
    const resolved = deref(item);
    if (!isMap(resolved)) return fail(nodeStart(item as Node), `${at} is not a mapping`);
    const entry = resolved as YAMLMap<unknown, unknown>;
    const fields = new Map<string, Pair<unknown, unknown>>();
    const unknownPairs: Array<Pair<unknown, unknown>> = [];
    for (const written of entryPairs(entry, deref, fail)) {
      // An alias (`value: *v`) is read as the node it names, as PyYAML read it.
      const pair = { key: deref(written.key) ?? written.key, value: deref(written.value) } as Pair<unknown, unknown>;
      const name = keyName(pair);
      if (name !== undefined && KNOWN_FIELDS.has(name)) fields.set(name, pair);
      else unknownPairs.push(pair);
    }
    const entryStart = nodeStart(entry);
    const line = lineCounter.linePos(entryStart ?? 0).line;

    const keyNode = fields.get('key')?.value as Node | undefined;
    const keyText = keyNode && isScalar(keyNode) && keyNode.value !== null && String(keyNode.value).trim() !== '' ? String(keyNode.value) : undefined;
    // Reported before any error of the entry, which may come from the typo (`valu:` → "neither value nor file").
    const unknown = unknownPairs.map((pair): UnknownSecretField => {
      const written = keyName(pair) ?? '?';
      const name = written.length > 60 ? `${written.slice(0, 59)}…` : written;
      const pos = lineCounter.linePos(nodeStart(pair.key as Node) ?? entryStart ?? 0);
      return { key: keyText, field: name, suggestion: suggestKey(written, KNOWN_FIELD_NAMES), location: { file, line: pos.line, col: pos.col } };
    });
    for (const u of unknown) {
      unknownFields.push(u);
      const { line: l, col } = u.location;
      warnings.push({
        severity: 'warning',
        message: `${file}:${l}:${col}: ${describeUnknownField(u, index + 1)} (${hintFor(u)})`,
        location: u.location,
      });
    }
    if (keyText === undefined) return fail(nodeStart(keyNode) ?? entryStart, `${at} has no key${besideUnknown(unknown)}`);
    const key = keyText;
    const seen = firstLine.get(key);
    if (seen !== undefined) {
      return fail(nodeStart(keyNode), `duplicate secret key "${key}" (first defined on line ${seen})`, 'keep one entry per key');
    }
    firstLine.set(key, line);

    const valuePair = fields.get('value');
    const filePair = fields.get('file');
    if (valuePair && filePair) return fail(nodeStart(filePair.key as Node), `secret "${key}" has both value and file`);
    const level = readLevel(fields.get('level'), key, fail);
    const push = readPush(fields.get('push'), key, fail);
    if (isUnset(valuePair) && isUnset(filePair)) {
      if (level !== 'resource group') return fail(nodeStart(keyNode), `secret "${key}" has neither value nor file${besideUnknown(unknown)}`);
      // The original only warned ("Unregistered resource group level secret"): such an entry names a group secret
      // that another project of the resource group pushes. It is left out, not loaded as an empty value: a template
      // that uses it warns of an undefined variable, an env that takes it is an error, and `secrets push` does not
      // overwrite the other project's value.
      const pos = lineCounter.linePos(nodeStart(keyNode) ?? 0);
      warnings.push({
        severity: 'warning',
        message: `${file}:${pos.line}:${pos.col}: resource group secret "${key}" has neither value nor file; it is not loaded here, and secrets push leaves it alone`,
        location: { file, line: pos.line, col: pos.col },
        hint: 'give it a value or a file to use it in local runs; runs from the store read the value another project of the resource group pushed',
      });
      return;
    }

    let value: string;
    let source: string;
    let typed: unknown;
    let written: string | undefined;
    if (valuePair) {
      const node = valuePair.value as Node | null;
      if (!node || !isScalar(node) || node.value === null) {
        return fail(nodeStart(node) ?? nodeStart(valuePair.key as Node), `the value of secret "${key}" must be text`);
      }
      const writtenText = typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
      source = `${file}:${line}`;
      // In templates, the value PyYAML made of it, typed by the vars' rules (one typing for both).
      const plain = node.type === 'PLAIN' ? node.source : undefined;
      const typedValue = fromModelYamlValue(toPythonYamlValue(node.value, [], () => isYamlFloatText(plain), () => plain));
      if (typedValue !== writtenText) typed = typedValue;
      // One text for the environment, the store and a template's print (the original rendered str() of the value):
      // a run from the store, which holds text only, then sees what `run local` sees. Quote it to keep it as written.
      value = typed === undefined ? writtenText : formatPythonStr(typed);
      if (value !== writtenText) {
        written = writtenText;
        // A password written `1:30` or `0x1F` is 90 or 31 to PyYAML: said (never with the value), with the way out.
        const pos = lineCounter.linePos(nodeStart(node) ?? 0);
        warnings.push({
          severity: 'warning',
          message: `${file}:${pos.line}:${pos.col}: the value of secret "${key}" is unquoted, and PyYAML reads it as a boolean, number or date, not as the text written: templates, the environment and the store get Python's print of it`,
          location: { file, line: pos.line, col: pos.col },
          hint: `quote it (value: '…') to keep the text as written`,
        });
      }
    } else {
      const node = filePair!.value as Node | null;
      if (!node || !isScalar(node) || typeof node.value !== 'string' || node.value === '') {
        return fail(nodeStart(node) ?? nodeStart(filePair!.key as Node), `the file of secret "${key}" must be a path`);
      }
      const path = isAbsolute(node.value) ? node.value : join(dirname(file), node.value);
      try {
        value = readFileSync(path, 'utf8');
      } catch (e) {
        return fail(
          nodeStart(node),
          `cannot read ${path}, the file of secret "${key}" (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
          'the path is relative to the secrets folder; check that the file exists and is readable',
        );
      }
      // The secrets file's line too: an error about the value (an empty file) names the entry to fix.
      source = `${file}:${line} (file: ${path})`;
    }

    secrets.push({ key, value, level, push, source, ...(typed === undefined ? {} : { typed }), ...(written === undefined ? {} : { written }) });
  });
  return secrets;
}

/** The entry's unknown fields, named beside an error they may cause (`valu: x` is why there is no value). */
function besideUnknown(unknown: readonly UnknownSecretField[]): string {
  if (unknown.length === 0) return '';
  return ` (beside it: ${unknown.map((u) => `unknown field "${u.field}"${u.suggestion ? `, did you mean "${u.suggestion}"?` : ''}`).join('; ')})`;
}

/** `value:` or `file:` absent or written empty (`value:`, `value: ~`): to PyYAML, and so the original, both are None. */
function isUnset(pair: Pair<unknown, unknown> | undefined): boolean {
  const node = pair?.value as Node | null | undefined;
  return !pair || !node || (isScalar(node) && node.value === null);
}

type Fail = (offset: number | undefined, message: string, fix?: string) => never;

function readLevel(pair: Pair<unknown, unknown> | undefined, key: string, fail: Fail): Secret['level'] {
  if (!pair) return 'task';
  const node = pair.value as Node | null;
  const text = node && isScalar(node) && typeof node.value === 'string' ? node.value.trim().toLowerCase() : undefined;
  if (text === 'task') return 'task';
  if (text === 'resource group' || text === 'resource_group') return 'resource group';
  return fail(
    nodeStart(node) ?? nodeStart(pair.key as Node),
    `secret "${key}" has an unknown level${text !== undefined ? ` "${text}"` : ''}`,
    'level is "task" (the default) or "resource group"',
  );
}

function readPush(pair: Pair<unknown, unknown> | undefined, key: string, fail: Fail): boolean {
  if (!pair) return true;
  const node = pair.value as Node | null;
  if (node && isScalar(node) && typeof node.value === 'boolean') return node.value;
  return fail(nodeStart(node) ?? nodeStart(pair.key as Node), `push of secret "${key}" must be true or false`);
}

/** A field's name; `<<` is a merge key, which entryPairs has already resolved (yaml reads it as a Symbol). */
function keyName(pair: Pair<unknown, unknown>): string | undefined {
  if (!isScalar(pair.key)) return undefined;
  const value = pair.key.value;
  return typeof value === 'symbol' ? (value.description ?? '<<') : String(value);
}

function isMergeKey(pair: Pair<unknown, unknown>): boolean {
  return isScalar(pair.key) && typeof pair.key.value === 'symbol';
}

/**
 * The fields of an entry with its `<<` merge keys resolved as PyYAML resolved them: the entry's own fields win over
 * merged ones, and of a list of merged mappings (`<<: [*a, *b]`) the earlier wins. Alias values are left to deref.
 */
function entryPairs(entry: YAMLMap<unknown, unknown>, deref: (node: unknown) => Node | null, fail: Fail, seen = new Set<Node>()): Array<Pair<unknown, unknown>> {
  if (seen.has(entry)) return fail(nodeStart(entry), 'a "<<" merge key refers to a mapping that contains it', 'point the merge key at a mapping outside of itself');
  seen.add(entry);
  const own = entry.items.filter((pair) => !isMergeKey(pair));
  const pairs = [...own];
  const names = new Set(own.map(keyName));
  for (const merge of entry.items.filter(isMergeKey)) {
    const value = deref(merge.value);
    const sources = isSeq(value) ? value.items.map(deref) : [value];
    for (const source of sources) {
      if (!isMap(source)) return fail(nodeStart(merge.key as Node), 'a "<<" merge key must name a mapping (&anchor) or a list of them', FIX_FORMAT);
      for (const pair of entryPairs(source as YAMLMap<unknown, unknown>, deref, fail, new Set(seen))) {
        const name = keyName(pair);
        if (names.has(name)) continue;
        names.add(name);
        pairs.push(pair);
      }
    }
  }
  return pairs;
}

/** ` (in the entry of secret "k")`: the entry of a list whose text holds `offset`, by its key when it has one. */
function inEntry(root: unknown, offset: number): string {
  if (!isSeq(root)) return '';
  const entry = root.items.find((item) => {
    const range = (item as Node | null)?.range;
    return range !== undefined && range !== null && range[0] <= offset && offset < range[2];
  });
  if (!isMap(entry)) return '';
  const keyNode = entry.get('key', true);
  return isScalar(keyNode) && keyNode.value !== null ? ` (in the entry of secret "${String(keyNode.value)}")` : '';
}

function nodeStart(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

