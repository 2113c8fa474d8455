// zod's output for a list of plainly valid tasks (most of a large project.yml), made without zod; undefined otherwise.
import type { RawTask } from './schema.js';
import { MAX_TIMEOUT_SECONDS } from './timeout-limit.js';

// zod's parse of the project's tasks, the bulk of a large project.yml, was about a seventh of `config validate`'s
// time (a generated check and a payload per object, in V8's interpreter). This reads the tasks that zod would take
// as they are: every key known, every value of its type, and returns exactly what zod's parse of taskSchema returns
// for them (the same keys in the same order, defaults applied). At the first thing that is not so (an unknown key, a
// wrong type, an element zod's union might read another way) it gives up, and the caller parses with zod, so every
// problem and its message are zod's. parse-tasks-fast.test.ts holds the two to the same output over the examples,
// the fixtures, the benchmark's projects and random documents; a change to taskSchema, commandSchema or the pipeline
// elements (schema.ts) must be made here too, or that test fails.

/** Thrown, never caught outside this file: the input is not plainly valid, zod is to parse it. */
const notPlain = new Error('not a plainly valid task');

const TASK_KEYS = new Set(['name', 'description', 'active', 'kill_downstream_on_fail', 'kill_loop_on_fail', 'timeout', 'retries', 'stdout', 'commands', 'pipeline', 'tasks']);
const COMMAND_KEYS = new Set(['command', 'args', 'venv', 'active', 'timeout']);
const PIPELINE_COMMAND_KEYS = new Set(['command', 'args', 'venv', 'active', 'timeout', 'nulldev']);
const FOREACH_KEYS = new Set(['foreach', 'parallel', 'active', 'nulldev']);
const FORK_KEYS = new Set(['fork', 'active', 'nulldev']);

/** zod's parse of `z.array(taskSchema)` for `list` when it has nothing to say about it; undefined otherwise. */
export function parseTasksFast(list: unknown): RawTask[] | undefined {
  try {
    return taskList(list) as RawTask[];
  } catch (error) {
    if (error === notPlain) return undefined;
    throw error;
  }
}

type Mapping = Record<string, unknown>;

function fail(): never {
  throw notPlain;
}

/** A mapping read from YAML whose keys are all in `known`. */
function mapping(value: unknown, known: ReadonlySet<string>): Mapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail();
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) fail();
  for (const key in value) if (!known.has(key)) fail();
  return value as Mapping;
}

function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) fail();
  return value;
}

/** `text()` of schema-fields.ts: a string, or a number zod takes (finite). */
function text(value: unknown): string | number {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return fail();
}

/** `z.boolean().default(true)`. */
function booleanOrTrue(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') fail();
  return value;
}

function boolean(value: unknown): boolean {
  if (typeof value !== 'boolean') fail();
  return value;
}

/** `timeoutSeconds()` of schema.ts: a finite number above 0, at most MAX_TIMEOUT_SECONDS. */
function timeout(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0) || value > MAX_TIMEOUT_SECONDS) fail();
  return value;
}

/** `z.number().int().min(min).default(min)`: a safe integer of at least `min`. */
function wholeAtLeast(value: unknown, min: number): number {
  if (value === undefined) return min;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) fail();
  return value;
}

function taskList(value: unknown): Mapping[] {
  const items = list(value);
  const out = new Array<Mapping>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = task(items[i]);
  return out;
}

/** taskSchema: its keys in the schema's order; optional ones only when written, defaulted ones always. */
function task(value: unknown): Mapping {
  const t = mapping(value, TASK_KEYS);
  if (!('name' in t)) fail();
  const out: Mapping = { name: text(t.name) };
  if ('description' in t) out.description = text(t.description);
  out.active = booleanOrTrue(t.active);
  if ('kill_downstream_on_fail' in t) out.kill_downstream_on_fail = boolean(t.kill_downstream_on_fail);
  if ('kill_loop_on_fail' in t) out.kill_loop_on_fail = boolean(t.kill_loop_on_fail);
  if ('timeout' in t) out.timeout = timeout(t.timeout);
  out.retries = wholeAtLeast(t.retries, 0);
  if ('stdout' in t) out.stdout = t.stdout;
  if ('commands' in t) {
    const items = list(t.commands);
    const commands = new Array<Mapping>(items.length);
    for (let i = 0; i < items.length; i++) commands[i] = command(mapping(items[i], COMMAND_KEYS));
    out.commands = commands;
  }
  if ('pipeline' in t) {
    const items = list(t.pipeline);
    const elements = new Array<Mapping>(items.length);
    for (let i = 0; i < items.length; i++) elements[i] = pipelineElement(items[i]);
    out.pipeline = elements;
  }
  if ('tasks' in t) out.tasks = taskList(t.tasks);
  return out;
}

/** commandSchema (and pipelineCommandSchema, which adds the ignored `nulldev` at the end). */
function command(c: Mapping): Mapping {
  if (!('command' in c)) fail();
  const out: Mapping = { command: text(c.command) };
  if ('args' in c) out.args = text(c.args);
  if ('venv' in c) out.venv = text(c.venv);
  out.active = booleanOrTrue(c.active);
  if ('timeout' in c) out.timeout = timeout(c.timeout);
  if ('nulldev' in c) out.nulldev = c.nulldev;
  return out;
}

/**
 * pipelineElementSchema, a union zod tries in order (command, foreach, fork, switched off) taking the first that
 * fits: an element with `command` is a command; one without, but with `foreach`, a foreach (the command alternative
 * misses its required key); one with neither, but with `fork`, a fork. Anything else (an element switched off, a mix
 * of them) is left to zod.
 */
function pipelineElement(value: unknown): Mapping {
  if (typeof value === 'object' && value !== null && 'command' in value) return command(mapping(value, PIPELINE_COMMAND_KEYS));
  if (typeof value === 'object' && value !== null && 'foreach' in value) {
    const e = mapping(value, FOREACH_KEYS);
    const out: Mapping = { foreach: taskList(e.foreach), parallel: wholeAtLeast(e.parallel, 1), active: booleanOrTrue(e.active) };
    if ('nulldev' in e) out.nulldev = e.nulldev;
    return out;
  }
  if (typeof value === 'object' && value !== null && 'fork' in value) {
    const e = mapping(value, FORK_KEYS);
    const out: Mapping = { fork: taskList(e.fork), active: booleanOrTrue(e.active) };
    if ('nulldev' in e) out.nulldev = e.nulldev;
    return out;
  }
  return fail();
}
