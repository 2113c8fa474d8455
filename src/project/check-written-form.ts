// Warnings about how project.yml is written: unknown keys ("did you mean"), ignored keys, numbers that lost their text.
import * as z from 'zod';
import type { Diagnostic } from '../errors.js';
import { isRecord } from './describe-value.js';
import { formatKeyPath } from './format-key-path.js';
import type { KeyPath } from './format-key-path.js';
import type { YamlSource } from './parse-yaml-source.js';
import { IGNORED_KEY_NOTICE, isIgnoredKeySchema } from './schema.js';
import { suggestKey } from './suggest-key.js';
import { isYamlFloatText } from './pyyaml-scalars.js';
import { formatNumberAsText } from '../template/python-str.js';

export { measureEditDistance, suggestKey } from './suggest-key.js';

/**
 * Walks the document alongside the schema. Unknown keys are warnings, not errors: the original handoff ignored
 * them, and its own examples misspell `descriptoin`.
 */
export function checkWrittenForm(schema: z.ZodType, source: YamlSource): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  walk(schema, source.data, [], source, diagnostics);
  return diagnostics;
}

/** What the walk needs from an object schema, computed once per schema (its getters build new schemas per call). */
interface ObjectInfo {
  children: Map<string, z.ZodType>;
  required: Set<string>;
  ignored: Set<string>;
  known: string[];
}

/**
 * What the walk does at a schema, found once per schema: a document of 500 tasks has tens of thousands of nodes, and
 * each of zod's `instanceof` checks is a call (validate runs in V8's interpreter).
 */
type SchemaWalk =
  | { kind: 'text' }
  | { kind: 'array'; element: z.ZodType }
  | { kind: 'object'; info: ObjectInfo }
  | { kind: 'union'; union: z.ZodUnion }
  | { kind: 'leaf' };

const objectInfos = new WeakMap<z.ZodType, ObjectInfo>();
const unwrapped = new WeakMap<z.ZodType, z.ZodType>();
const schemaWalks = new WeakMap<z.ZodType, SchemaWalk>();

/**
 * `path` is the walk's one key path, grown and shrunk as it goes down and back up (a document of 500 tasks has tens of
 * thousands of nodes); a diagnostic reads it at once, as text and a location, and keeps none of it.
 */
function walk(schema: z.ZodType, value: unknown, path: Array<string | number>, source: YamlSource, out: Diagnostic[]): void {
  const how = schemaWalkOf(schema);
  if (typeof value === 'number') {
    if (how.kind !== 'text') return;
    const lost = describeLostNumber(value, path, source);
    if (lost) out.push(lost);
    return;
  }
  if (how.kind === 'array') {
    if (!Array.isArray(value)) return;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walk(how.element, value[i], path, source, out);
      path.pop();
    }
    return;
  }
  if ((how.kind !== 'object' && how.kind !== 'union') || !isRecord(value)) return;
  const info = how.kind === 'object' ? how.info : pickObject(how.union, value);
  if (!info) return;
  // for…in, not Object.keys: no array of keys per mapping (the value is a plain mapping read from YAML).
  for (const key in value) {
    const child = info.children.get(key);
    path.push(key);
    // In a union (a pipeline element), a misspelt key may be meant for another alternative: `comand` is `command`.
    if (!child) out.push(describeUnknownKey(key, info.known, path, source, how.kind === 'union' ? knownKeysOfUnion(how.union) : info.known));
    else if (info.ignored.has(key)) out.push(describeIgnoredKey(key, child, path, source));
    else walk(child, value[key], path, source, out);
    path.pop();
  }
}

function schemaWalkOf(schema: z.ZodType): SchemaWalk {
  const cached = schemaWalks.get(schema);
  if (cached) return cached;
  const inner = unwrap(schema);
  const how: SchemaWalk = isTextSchema(inner)
    ? { kind: 'text' }
    : inner instanceof z.ZodArray
      ? { kind: 'array', element: inner.element as z.ZodType }
      : inner instanceof z.ZodObject
        ? { kind: 'object', info: describeObject(inner) }
        : inner instanceof z.ZodUnion
          ? { kind: 'union', union: inner }
          : { kind: 'leaf' };
  schemaWalks.set(schema, how);
  return how;
}

/** A text key (string or number, see `text()` in schema.ts). */
function isTextSchema(schema: z.ZodType): boolean {
  return schema instanceof z.ZodUnion && schema.options.some((o) => o instanceof z.ZodString);
}

/**
 * Where text is expected, YAML may read what was written as a number and lose the written form (`0755` is octal
 * 493, `007` is 7, `10:30` is 630). Python's str() of the number is used, as the original printed it; the user is told to
 * quote it.
 */
function describeLostNumber(value: number, path: KeyPath, source: YamlSource): Diagnostic | undefined {
  const written = source.sourceText(path);
  if (written === undefined) return undefined;
  // The text normalize-project.ts makes of it: Python's str(), as the original printed it (`1.0` stays `1.0`).
  const asText = formatNumberAsText(value, isYamlFloatText(written));
  if (written === asText) return undefined;
  return {
    severity: 'warning',
    message: `found ${written}, which YAML reads as a number; it is used as the text "${asText}" (Python's str() of it, as the original printed it)`,
    path: formatKeyPath(path),
    location: source.locate(path),
    hint: `quote it to keep it as written: "${written}"`,
  };
}

function unwrap(schema: z.ZodType): z.ZodType {
  const cached = unwrapped.get(schema);
  if (cached) return cached;
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  unwrapped.set(schema, current);
  return current;
}

function describeObject(schema: z.ZodObject): ObjectInfo {
  const cached = objectInfos.get(schema);
  if (cached) return cached;
  const shape = schema.shape as Record<string, z.ZodType>;
  const info: ObjectInfo = { children: new Map(), required: new Set(), ignored: new Set(), known: [] };
  for (const key of Object.keys(shape)) {
    const child = shape[key] as z.ZodType;
    info.children.set(key, child);
    if (isIgnoredKeySchema(child)) info.ignored.add(key);
    else info.known.push(key);
    if (!(child instanceof z.ZodOptional || child instanceof z.ZodDefault)) info.required.add(key);
  }
  objectInfos.set(schema, info);
  return info;
}

/** For a union of mappings, the alternative the value is meant to be: the one whose (required) keys it has most of. */
function pickObject(union: z.ZodUnion, value: Record<string, unknown>): ObjectInfo | undefined {
  let best: { info: ObjectInfo; score: number } | undefined;
  for (const option of union.options) {
    const inner = unwrap(option as z.ZodType);
    if (!(inner instanceof z.ZodObject)) continue;
    const info = describeObject(inner);
    let score = 0;
    // for…in, not Object.keys: no array per alternative per element (the value is a plain mapping read from YAML).
    for (const key in value) {
      if (info.children.has(key)) score += info.required.has(key) ? 2 : 1;
    }
    if (!best || score > best.score) best = { info, score };
  }
  return best?.info;
}

/** Every key any alternative of a union of mappings knows. */
function knownKeysOfUnion(union: z.ZodUnion): string[] {
  const keys = new Set<string>();
  for (const option of union.options) {
    const inner = unwrap(option as z.ZodType);
    if (inner instanceof z.ZodObject) for (const key of describeObject(inner).known) keys.add(key);
  }
  return [...keys];
}

function describeUnknownKey(key: string, known: readonly string[], path: KeyPath, source: YamlSource, suggestFrom: readonly string[] = known): Diagnostic {
  const suggestion = suggestKey(key, suggestFrom);
  return {
    severity: 'warning',
    message: `unknown key ${JSON.stringify(key.length > 60 ? `${key.slice(0, 59)}…` : key)} is ignored`,
    path: formatKeyPath(path),
    location: source.locate(path, 'key'),
    hint: suggestion ? `did you mean "${suggestion}"?` : `known keys here: ${known.join(', ')}`,
  };
}

const IGNORED_KEY_MESSAGE = 'is ignored (accepted for compatibility with the original handoff)';

/** Whether a diagnostic is the notice of a key read and ignored for compatibility (describeIgnoredKey). */
export function isIgnoredKeyNotice(d: Diagnostic): boolean {
  return d.severity === 'warning' && d.message.endsWith(IGNORED_KEY_MESSAGE);
}

function describeIgnoredKey(key: string, schema: z.ZodType, path: KeyPath, source: YamlSource): Diagnostic {
  const description = schema.meta()?.description ?? IGNORED_KEY_NOTICE;
  const rest = description.startsWith(IGNORED_KEY_NOTICE) ? description.slice(IGNORED_KEY_NOTICE.length).trim() : '';
  // The description is a sentence for editors; as a hint it reads like the others: lower case, no final period.
  const hint = rest.charAt(0).toLowerCase() + rest.slice(1).replace(/\.$/, '');
  return {
    severity: 'warning',
    message: `"${key}" ${IGNORED_KEY_MESSAGE}`,
    path: formatKeyPath(path),
    location: source.locate(path, 'key'),
    ...(hint ? { hint } : {}),
  };
}
