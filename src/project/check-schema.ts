// Validates project.yml against the zod schema and turns zod's issues into located "found X; expected Y" diagnostics.
import type { z } from 'zod';
import type { Diagnostic } from '../errors.js';
import { describeValue, explainYaml11Boolean, isRecord } from './describe-value.js';
import { formatKeyPath } from './format-key-path.js';
import type { KeyPath } from './format-key-path.js';
import type { YamlSource } from './parse-yaml-source.js';
import { parseTasksFast } from './parse-tasks-fast.js';
import { projectSchema } from './schema.js';
import { suggestKey } from './suggest-key.js';
import type { RawProject } from './schema.js';

export interface SchemaCheck {
  /** The validated document with defaults applied; absent when any diagnostic is an error. */
  value?: RawProject;
  diagnostics: Diagnostic[];
}

type Issue = z.core.$ZodIssue;

/** One problem after unions are resolved to the alternative the user most likely meant. */
type FlatIssue =
  | { kind: 'zod'; path: KeyPath; issue: Issue }
  | { kind: 'type'; path: KeyPath; expected: string[] }
  | { kind: 'none-of'; path: KeyPath; keys: string[] };

/** Checks the document against the schema; every problem is reported, each at its own line. */
export function checkSchema(source: YamlSource): SchemaCheck {
  const value = parseProjectFast(source.data);
  return value ? { value, diagnostics: [] } : checkSchemaWith(projectSchema, source);
}

/** The keys of projectSchema in its order, which zod's output follows. */
let projectKeys: string[] | undefined;

/**
 * zod's output for a document whose tasks parseTasksFast takes: the tasks read by it, the rest (vars, envs, deploy…)
 * by zod. Undefined when either has anything to say: the whole document is then parsed by zod, for its messages.
 */
function parseProjectFast(data: unknown): RawProject | undefined {
  if (!isRecord(data) || !Array.isArray(data.tasks)) return undefined;
  const tasks = parseTasksFast(data.tasks);
  if (!tasks) return undefined;
  const rest: Record<string, unknown> = {};
  for (const key in data) {
    if (key === '__proto__') return undefined;
    if (key !== 'tasks') rest[key] = data[key];
  }
  const parsed = projectSchema.safeParse(rest);
  if (!parsed.success) return undefined;
  const out: Record<string, unknown> = {};
  projectKeys ??= Object.keys(projectSchema.shape);
  for (const key of projectKeys) {
    if (key === 'tasks') out.tasks = tasks;
    else if (Object.hasOwn(parsed.data, key)) out[key] = (parsed.data as Record<string, unknown>)[key];
  }
  return out as RawProject;
}

/** The same for another YAML file of handoff (the web UI's ui.yml): located "found X; expected Y" diagnostics. */
export function checkSchemaWith<T extends z.ZodType>(schema: T, source: YamlSource): { value?: z.output<T>; diagnostics: Diagnostic[] } {
  const result = schema.safeParse(source.data);
  if (result.success) return { value: result.data, diagnostics: [] };
  const flat = flattenIssues(result.error.issues, [], source.data);
  return { diagnostics: flat.map((issue) => describeIssue(issue, source)) };
}

function flattenIssues(issues: readonly Issue[], base: KeyPath, data: unknown): FlatIssue[] {
  return issues.flatMap((issue) => flattenIssue(issue, base, data));
}

function flattenIssue(issue: Issue, base: KeyPath, data: unknown): FlatIssue[] {
  const path = [...base, ...issue.path.map(toSegment)];
  if (issue.code === 'invalid_type') return [{ kind: 'type', path, expected: [issue.expected] }];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ kind: 'zod', path, issue }];

  const branches = issue.errors.map((branch) => flattenIssues(branch, path, data));
  // A union of scalar types (text = string | number) fails as a whole: say what any branch would have taken.
  const scalarMiss = branches.every((b) => b.length === 1 && b[0]?.kind === 'type' && b[0].path.length === path.length);
  if (scalarMiss) {
    const expected = branches.flatMap((b) => (b[0]?.kind === 'type' ? b[0].expected : []));
    return [{ kind: 'type', path, expected: [...new Set(expected)] }];
  }
  // A union of mappings (pipeline elements): the branch whose identifying key is present is the one meant.
  const missingKeys = branches.map((b) => b.filter((i) => i.path.length === path.length + 1 && isMissing(data, i.path)));
  const value = valueAt(data, path);
  if (isRecord(value) && missingKeys.every((m) => m.length > 0)) {
    const keys = missingKeys.map((m) => String(m[0]?.path[path.length]));
    return [{ kind: 'none-of', path, keys: [...new Set(keys)] }];
  }
  let best = 0;
  for (let i = 1; i < branches.length; i++) {
    const [mi, mb] = [missingKeys[i]?.length ?? 0, missingKeys[best]?.length ?? 0];
    if (mi < mb || (mi === mb && (branches[i]?.length ?? 0) < (branches[best]?.length ?? 0))) best = i;
  }
  return branches[best] ?? [];
}

function describeIssue(flat: FlatIssue, source: YamlSource): Diagnostic {
  const { path } = flat;
  const value = valueAt(source.data, path);
  const written = source.sourceText(path);
  const found = describeValue(value, written);
  const base = { severity: 'error' as const, path: formatKeyPath(path), location: source.locate(path) };

  if (flat.kind === 'none-of') {
    // A pipeline element may also be switched off with `active: false`; say so in the hint, not as a fourth key.
    const canBeInactive = flat.keys.includes('active');
    if (canBeInactive && isRecord(value) && 'nulldev' in value) {
      // The original's `- nulldev:` placeholder only ever appears switched off (its examples); switched on, it would
      // run nothing, so it is refused rather than silently dropped from the pipeline.
      return {
        ...base,
        message: 'found a `nulldev` element that is switched on; handoff runs no such element (the last command\'s stdout always goes to artifacts/<task>_stdout.log)',
        hint: 'switch it off with `active: false`, as the original\'s examples do, or remove it',
      };
    }
    const keys = flat.keys.filter((k) => k !== 'active').map((k) => `"${k}"`).join(', ');
    const hint = `add one of ${keys}${canBeInactive ? ', or `active: false` to skip the element' : ''}`;
    return { ...base, message: `found a mapping without any of the keys ${keys}; expected exactly one of them`, hint };
  }
  if (flat.kind === 'type') {
    const expected = describeExpected(flat.expected);
    if (isMissing(source.data, path)) {
      return { ...base, message: `missing required key "${String(path[path.length - 1])}" (${expected})` };
    }
    const yaml11 = flat.expected.includes('string') ? explainYaml11Boolean(value, written) : undefined;
    if (yaml11) return { ...base, message: `found ${yaml11.found}; expected ${expected}`, hint: yaml11.hint };
    const hint = suggestTypeFix(value, flat.expected, path);
    return { ...base, message: `found ${found}; expected ${expected}`, ...(hint ? { hint } : {}) };
  }

  const issue = flat.issue;
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      if (issue.origin === 'array') {
        const relation = issue.code === 'too_small' ? 'at least' : 'at most';
        return { ...base, message: `found a list of ${Array.isArray(value) ? value.length : 0} items; expected ${relation} ${bound}` };
      }
      const relation =
        issue.code === 'too_small' ? (issue.inclusive ? 'of at least' : 'greater than') : issue.inclusive ? 'of at most' : 'less than';
      const noun = issue.origin === 'int' ? 'a whole number' : 'a number';
      return { ...base, message: `found ${found}; expected ${noun} ${relation} ${String(bound)}` };
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v));
      // A value written in another case, or a typo of one (`azur`, `FARGATE_SPTO`).
      const words = issue.values.filter((v): v is string => typeof v === 'string');
      const close =
        typeof value === 'string' ? words.find((v) => v.toLowerCase() === value.toLowerCase()) ?? suggestKey(value, words) : undefined;
      return {
        ...base,
        message: `found ${found}; expected ${options.length === 1 ? options[0] : `one of ${options.join(', ')}`}`,
        ...(close !== undefined ? { hint: `did you mean ${JSON.stringify(close)}?` } : {}),
      };
    }
    default:
      return { ...base, message: `found ${found}: ${issue.message}` };
  }
}

const expectedWords: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  nonoptional: 'a value',
};

function describeExpected(expected: readonly string[]): string {
  // Text keys also take numbers (YAML reads `version: 0.3` as one); saying "a string" is what the user needs.
  const shown = expected.includes('string') ? expected.filter((e) => e !== 'number') : expected;
  return shown.map((e) => expectedWords[e] ?? e).join(' or ');
}

function suggestTypeFix(value: unknown, expected: readonly string[], path: KeyPath): string | undefined {
  if (value === null) return 'give it a value, or remove the key';
  if (typeof value === 'string' && (expected.includes('number') || expected.includes('int')) && value.trim() !== '' && !Number.isNaN(Number(value))) {
    return 'remove the quotes so it is read as a number';
  }
  if (typeof value === 'string' && (expected.includes('true') || expected.includes('boolean')) && /^(true|false|yes|no|on|off)$/i.test(value)) {
    return 'remove the quotes so it is read as a boolean';
  }
  const parent = path[path.length - 2];
  if (typeof value === 'string' && expected.includes('object') && (parent === 'pipeline' || parent === 'commands')) {
    return `write it as a mapping: "- command: ${value}"`;
  }
  if (isRecord(value) && expected.includes('array')) return 'start each item of a list with "- "';
  return undefined;
}

function toSegment(key: PropertyKey): string | number {
  return typeof key === 'number' ? key : String(key);
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let current = data;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current) && Object.hasOwn(current, String(segment))) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

/** True when the path names a key that its (existing) parent mapping does not have. */
function isMissing(data: unknown, path: KeyPath): boolean {
  if (path.length === 0) return false;
  const parent = valueAt(data, path.slice(0, -1));
  return isRecord(parent) && !Object.hasOwn(parent, String(path[path.length - 1]));
}
