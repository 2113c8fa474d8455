// The template engine: nunjucks with Jinja2's syntax and Python's semantics, loaded only when a template needs it (render.ts).
import type nunjucksModule from 'nunjucks';
import { UserError } from '../errors.js';
import { maskError } from '../secrets/mask.js';
import {
  checkPercentFormat,
  dictKeyName,
  dictMember,
  isMapping,
  isPythonStrMethod,
  boundMethod,
  listMember,
  numberOf,
  parseFormatTemplate,
  unknownFormatCodes,
  percentFormat,
  pythonAdd,
  pythonCompare,
  pythonDiv,
  pythonFloorDiv,
  pythonIndex,
  pythonMod,
  pythonMul,
  pythonNeg,
  intResult,
  pythonPos,
  pythonPow,
  pythonSlice,
  pythonSub,
  pythonTruthy,
  PythonTemplateError,
  pythonTypeName,
  strMember,
  unescapePythonString,
} from './python-ops.js';
import {
  attributeOf,
  batchFilter,
  dictsortFilter,
  firstFilter,
  floatFilter,
  groupbyFilter,
  defaultFilter,
  intFilter, absFilter,
  itemsFilter,
  iterateLazily,
  joinFilter,
  lastFilter,
  lengthFilter,
  listFilter,
  maxFilter,
  minFilter,
  PythonGroup,
  reverseFilter,
  roundFilter,
  safeFilter,
  sliceFilter,
  sortFilter,
  strMethodFilter,
  sumFilter,
  titleFilter,
  tojsonFilter,
  trimFilter,
  truncateFilter,
  uniqueFilter,
  wordwrapFilter,
} from './python-filters.js';
import { describeAs, formatPythonRepr, formatPythonStr, PythonDictView, PythonFloat, PythonIterator, PythonObject, PythonRange, PythonTuple } from './python-str.js';
import { JINJA2_TEST_FILTERS, JINJA2_TESTS, pythonContains, pythonEquals } from './python-tests.js';
import { quoteForShell } from './text-forms.js';
import type { Renderer, RendererOptions } from './render.js';
import { DICT_MUTATORS, JINJA2_GLOBALS } from './jinja2-objects.js';
import { escapeFilter, filesizeformatFilter, indentFilter, pprintFilter, TEXT_FILTERS, xmlattrFilter } from './text-filters.js';
import { installJinja2Syntax, macroMember } from './jinja2-syntax.js';

/** The parts of nunjucks we use that its type definitions leave out (parser, AST nodes, runtime). */
export interface AstNode {
  typename: string;
  fields: string[];
  lineno: number;
  colno: number;
  value?: unknown;
  [field: string]: unknown;
}
interface RenderContext {
  env: unknown;
  ctx: Record<string, unknown>;
}
type Lookup = (context: RenderContext, frame: unknown, name: string) => unknown;
/** nunjucks' runtime frame: the names set in one scope (variables has no prototype), and the enclosing scope. */
interface RuntimeFrame {
  variables: Record<string, unknown>;
  parent?: RuntimeFrame;
}
export interface ParserToken {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}
export interface ParserInternals {
  parsePrimary(noPostfix?: boolean): AstNode;
  parsePostfix(node: AstNode): AstNode;
  parseCompare(): AstNode;
  parseIs(): AstNode;
  parseConcat(): AstNode;
  parseAdd(): AstNode;
  parseMul(): AstNode;
  parsePow(): AstNode;
  parseUnary(noFilters?: boolean): AstNode;
  peekToken(): ParserToken | null;
  nextToken(withWhitespace?: boolean): ParserToken | null;
  skipSymbol(name: string): boolean;
}

/** What Jinja2 takes as the start of a test's one argument without parentheses (not `and`, `or`, `else`, …). */
function startsTestArgument(token: ParserToken): boolean {
  if (token.type === 'symbol') return !['and', 'or', 'else', 'if', 'not', 'is', 'in'].includes(token.value);
  return ['int', 'float', 'string', 'boolean', 'none', 'left-bracket', 'left-curly'].includes(token.type);
}
export type NodeClass = (new (lineno: number, colno: number, ...fields: unknown[]) => AstNode) & {
  extend(name: string, props: Record<string, unknown>): NodeClass;
};
export interface TokenizerInternals {
  lineno: number;
  colno: number;
  current(): string;
  forward(): void;
  isFinished(): boolean;
  _parseString(delimiter: string): string;
}
export interface NunjucksInternals {
  lexer: { lex(src: string, opts: unknown): TokenizerInternals };
  parser: { parse(src: string, extensions: unknown, opts: unknown): AstNode; Parser: { prototype: ParserInternals } };
  nodes: { Node: NodeClass };
  runtime: {
    contextOrFrameLookup: Lookup;
    memberLookup: (...args: unknown[]) => unknown;
    suppressValue: (value: unknown, autoescape: boolean) => unknown;
    [helper: string]: unknown;
  };
  compiler: { Compiler: { prototype: CompilerInternals } };
  installJinjaCompat(): void;
}
export type CompileMethod = (this: CompilerInternals, node: AstNode, frame: unknown, ...rest: unknown[]) => void;
export interface CompilerInternals {
  compile(node: unknown, frame: unknown): void;
  assertType(node: unknown, ...types: unknown[]): void;
  _emit(code: string): void;
  [compileMethod: `compile${string}`]: CompileMethod;
}
interface EnvironmentInternals {
  extensionsList: unknown;
  opts: unknown;
  getFilter(name: string): unknown;
  getTest(name: string): unknown;
}
interface TemplateErrorFields {
  message: string;
  lineno?: number;
  colno?: number;
}

type Nunjucks = typeof nunjucksModule;

interface CompiledTemplate {
  template: nunjucksModule.Template;
  /** Names tested with `is defined`/`is undefined` or given a `default`: their absence is intended, not reported. */
  guarded: Set<string>;
}

interface ActiveRender {
  env: nunjucksModule.Environment;
  missing: Set<string>;
}

let engine: Nunjucks | undefined;

/** Loads nunjucks and sets up its Jinja2 compatibility; see loadTemplateEngine in render.ts, the one caller. */
export async function loadNunjucks(): Promise<void> {
  if (engine) return;
  const loaded = (await import('nunjucks')).default as Nunjucks;
  if (!engine) {
    engine = loaded;
    installRuntimeHooks(engine as unknown as NunjucksInternals);
  }
}

function loadEngine(): Nunjucks {
  if (!engine) throw new Error('internal error: a template was rendered before the template engine was loaded (loadTemplateEngine)');
  return engine;
}

/** Compiled templates kept per renderer; commands inside foreach are rendered once per line with the same text. */
const CACHE_LIMIT = 500;
const DEFAULTING_FILTERS = new Set(['default', 'd']);
const EXISTENCE_TESTS = new Set(['defined', 'undefined']);

/** The render in progress; nunjucks renders synchronously, so one slot is enough (restored for nested renders). */
let activeRender: ActiveRender | undefined;

/**
 * Creates the engine's side of a renderer (render.ts takes text without template syntax, and `{{ name }}` alone, before
 * it), with its own nunjucks environment: no file loader, no autoescape, keeps whitespace as written.
 */
export function createEngineRenderer(options: RendererOptions): Renderer {
  let environment: nunjucksModule.Environment | undefined;
  const getEnvironment = (): nunjucksModule.Environment => {
    if (!environment) {
      environment = new (loadEngine().Environment)(null, {
        autoescape: false,
        throwOnUndefined: false,
        trimBlocks: false,
        lstripBlocks: false,
        // dev keeps nunjucks' own error object, whose line and column we report.
        dev: true,
      });
      environment.addFilter('shell_quote', quoteForShell);
      // Jinja2 turns values into text with Python's str(): `{{ [true, 1.0] | join(',') }}` is `True,1.0` there.
      environment.addFilter('join', joinFilter);
      environment.addFilter('string', formatPythonStr);
      environment.addFilter('tojson', tojsonFilter);
      // Jinja2's `format`: the value %-formatted (Python's printf) with the arguments, or with the keyword arguments.
      environment.addFilter('format', formatFilter);
      environment.addFilter('map', mapFilter);
      environment.addFilter('round', roundFilter);
      environment.addFilter('truncate', truncateFilter);
      environment.addFilter('max', maxFilter);
      environment.addFilter('min', minFilter);
      environment.addFilter('sum', sumFilter);
      environment.addFilter('unique', uniqueFilter);
      environment.addFilter('sort', sortFilter);
      environment.addFilter('groupby', groupbyFilter);
      environment.addFilter('list', listFilter);
      environment.addFilter('dictsort', dictsortFilter);
      environment.addFilter('items', itemsFilter);
      for (const name of DEFAULTING_FILTERS) environment.addFilter(name, defaultFilter);
      environment.addFilter('int', intFilter);
      environment.addFilter('abs', absFilter);
      environment.addFilter('float', floatFilter);
      environment.addFilter('length', lengthFilter);
      environment.addFilter('count', lengthFilter);
      environment.addFilter('first', firstFilter);
      environment.addFilter('last', lastFilter);
      environment.addFilter('trim', trimFilter);
      environment.addFilter('title', titleFilter);
      environment.addFilter('safe', safeFilter);
      environment.addFilter('reverse', reverseFilter);
      environment.addFilter('wordwrap', wordwrapFilter);
      environment.addFilter('batch', batchFilter);
      environment.addFilter('slice', sliceFilter);
      environment.addFilter('attr', attrFilter);
      for (const name of ['escape', 'e', 'forceescape']) environment.addFilter(name, escapeFilter);
      environment.addFilter('indent', indentFilter);
      environment.addFilter('filesizeformat', filesizeformatFilter);
      environment.addFilter('pprint', pprintFilter);
      environment.addFilter('xmlattr', xmlattrFilter);
      for (const [name, filter] of Object.entries(TEXT_FILTERS)) environment.addFilter(name, filter);
      // Python's range, which prints as `range(0, 3)` (nunjucks' gave a list).
      environment.addGlobal('range', describeAs(pythonRange, "<class 'range'>"));
      for (const [name, value] of Object.entries(JINJA2_GLOBALS)) environment.addGlobal(name, value);
      for (const method of ['upper', 'lower', 'capitalize'] as const) environment.addFilter(method, strMethodFilter(method));
      for (const [name, filter] of Object.entries(JINJA2_TEST_FILTERS)) environment.addFilter(name, filter);
      // nunjucks' type definitions leave out addTest, which its Environment has.
      const withTests = environment as unknown as { addTest(name: string, test: (...args: never[]) => boolean): void };
      for (const [name, test] of Object.entries(JINJA2_TESTS)) withTests.addTest(name, test);
    }
    return environment;
  };
  const cache = new Map<string, CompiledTemplate>();
  const reported = new Set<string>();
  const compiledOf = (template: string, origin: string): CompiledTemplate => {
    let compiled = cache.get(template);
    if (!compiled) {
      compiled = compileTemplate(getEnvironment(), template, origin);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(template, compiled);
    }
    return compiled;
  };

  return {
    check(template, origin) {
      compiledOf(template, origin);
    },
    render(template, values, origin) {
      const env = getEnvironment();
      const compiled = compiledOf(template, origin);
      const previous = activeRender;
      const state: ActiveRender = { env, missing: new Set() };
      activeRender = state;
      let output: string;
      try {
        output = compiled.template.render(values);
      } catch (e) {
        throw options.masker ? maskError(toRenderError(e, origin), options.masker) : toRenderError(e, origin);
      } finally {
        activeRender = previous;
      }
      const missing = [...state.missing].filter((name) => !compiled.guarded.has(name));
      if (missing.length > 0) reportMissing(missing, origin, options, reported);
      return output;
    },
  };
}

function splitKeywords(args: unknown[]): [unknown[], Record<string, unknown> | undefined] {
  const last = args[args.length - 1];
  if (last !== null && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    const { __keywords: _, ...kwargs } = last as Record<string, unknown>;
    return [args.slice(0, -1), kwargs];
  }
  return [args, undefined];
}

/** Jinja2's `format` filter: `value % args`, or `value % kwargs` (both at once is an error there too). */
function formatFilter(value: unknown, ...rest: unknown[]): string {
  const [args, kwargs] = splitKeywords(rest);
  if (args.length > 0 && kwargs) throw new PythonTemplateError("FilterArgumentError: can't handle positional and keyword arguments at the same time");
  return percentFormat(formatPythonStr(value), kwargs ?? PythonTuple.from(args));
}

/**
 * Jinja2's `map`: `map(attribute='name', default=…)` picks an attribute of each item; `map('filter', args…)` applies
 * a filter to each. A generator, as in Jinja2 (templates turn it into text with join or list).
 */
function mapFilter(this: { env: nunjucksModule.Environment }, value: unknown, ...rest: unknown[]): PythonIterator {
  const [args, kwargs] = splitKeywords(rest);
  if (args.length === 0 && kwargs && (typeof kwargs.attribute === 'string' || typeof kwargs.attribute === 'number')) {
    const attribute = kwargs.attribute;
    // The default stands in for each missing part of the path (Jinja2's make_attrgetter); None is no default.
    return mapped(value, (item) => attributeOf(item, attribute, kwargs.default));
  }
  const [name, ...filterArgs] = args;
  if (typeof name !== 'string') throw new PythonTemplateError('map: expected a filter name or attribute=');
  const filter = (this.env as unknown as EnvironmentInternals).getFilter(name) as (...a: unknown[]) => unknown;
  const extra = kwargs ? [...filterArgs, { ...kwargs, __keywords: true }] : filterArgs;
  return mapped(value, (item) => filter.call(this, item, ...extra));
}

/**
 * map's result as Jinja2 gives it: a generator, which prints as `<generator object sync_do_map at 0x…>`, maps items
 * as they are asked for, and gives none of a false value (`if value:` there).
 */
function mapped(value: unknown, map: (item: unknown) => unknown): PythonIterator {
  const items = function* () {
    if (!pythonTruthy(value)) return;
    for (const item of iterateLazily(value)) yield map(item);
  };
  return PythonIterator.make('generator', items(), 'sync_do_map');
}

/** Python's range() refuses floats (`range(2.0)`); bools are ints there; an int beyond 2**53 is a bigint. */
function rangeBound(value: unknown): number | bigint {
  if (typeof value === 'bigint') return value;
  const n = numberOf(value);
  if (n === undefined || !Number.isInteger(n) || value instanceof PythonFloat) {
    throw new PythonTemplateError(`TypeError: '${pythonTypeName(value)}' object cannot be interpreted as an integer`);
  }
  return n;
}

/** Items a range may hold here: its items are made at once (Python makes them as a loop asks). */
const RANGE_LIMIT = 1_000_000;

/** Jinja2's `range(stop)` / `range(start, stop[, step])`: Python's range, printed as Python prints it. */
function pythonRange(...rest: unknown[]): PythonRange {
  const [args, kwargs] = splitKeywords(rest);
  if (kwargs) throw new PythonTemplateError('TypeError: range() takes no keyword arguments');
  if (args.length < 1 || args.length > 3) {
    throw new PythonTemplateError(`TypeError: range expected ${args.length < 1 ? 'at least 1 argument' : 'at most 3 arguments'}, got ${args.length}`);
  }
  const bounds = args.map(rangeBound);
  if (bounds.some((b) => typeof b === 'bigint')) return bigIntRange(bounds.map((b) => BigInt(b)));
  const [start, stop, step] = (bounds.length === 1 ? [0, bounds[0]!, 1] : [bounds[0]!, bounds[1]!, bounds[2] ?? 1]) as number[];
  if (step === 0) throw new PythonTemplateError('ValueError: range() arg 3 must not be zero');
  if (Math.ceil((stop - start) / step) > RANGE_LIMIT) {
    throw new PythonTemplateError(`range() of more than ${RANGE_LIMIT} items is not supported in handoff's templates`);
  }
  return PythonRange.make(start!, stop!, step!);
}

/**
 * A range with a bound beyond 2**53: its items are exact ints (bigints, or numbers where they are safe), computed
 * with bigints, and it prints its bounds' digits (`range(18446744073709551616, 18446744073709551619)`). The same
 * limit on its length as any range.
 */
function bigIntRange(bounds: bigint[]): PythonRange {
  const [start, stop, step] = bounds.length === 1 ? [0n, bounds[0]!, 1n] : [bounds[0]!, bounds[1]!, bounds[2] ?? 1n];
  if (step === 0n) throw new PythonTemplateError('ValueError: range() arg 3 must not be zero');
  const span = step > 0n ? stop - start : start - stop;
  const magnitude = step > 0n ? step : -step;
  const length = span <= 0n ? 0n : (span + magnitude - 1n) / magnitude;
  if (length > BigInt(RANGE_LIMIT)) {
    throw new PythonTemplateError(`range() of more than ${RANGE_LIMIT} items is not supported in handoff's templates`);
  }
  const range = new PythonRange();
  for (let i = 0n; i < length; i++) range.push(intResult(start + i * step) as number);
  // The class holds numbers; its bounds here are the exact ints, which its repr prints as digits.
  Object.assign(range, { start: intResult(start), stop: intResult(stop), step: intResult(step) });
  return range;
}

/**
 * Jinja2's `attr(obj, name)`: Python's getattr, never an item (`d | attr('a')` is undefined even when `d['a']` is
 * there): a str's, dict's or list's methods, a groupby group's `grouper` and `list`; anything else is undefined.
 */
function attrFilter(value: unknown, name: unknown): unknown {
  if (typeof name !== 'string') throw new PythonTemplateError(`TypeError: attribute name must be string, not '${pythonTypeName(name)}'`);
  if (value === undefined) throw new PythonTemplateError('UndefinedError: attr() of an undefined value', 'define the value, or test it first ({% if name is defined %})');
  if (typeof value === 'string') return strMember(value, name);
  if (value instanceof PythonObject) return value.member(name);
  if (value instanceof PythonGroup) return name === 'grouper' ? value.grouper : name === 'list' ? value.list : undefined;
  if (isMapping(value)) return dictMember(value, name);
  if (value instanceof PythonRange && (name === 'start' || name === 'stop' || name === 'step')) return value[name];
  if (Array.isArray(value)) return listMember(value, name);
  return undefined;
}

/** Names a vars value cannot see: vars are rendered once per run, before any task or foreach line (SPEC §4's `_task`, `_line`). */
const PER_TASK_NAMES = new Set(['_task', '_line', '_line_safe']);

/** How an undefined variable is described: a per-task name in a vars value says why it is empty there. */
function describeMissing(name: string, origin: string): string | undefined {
  if (!PER_TASK_NAMES.has(name) || !/^vars\[\d+\]\.value$/.test(origin)) return undefined;
  return `"${name}" is empty in ${origin}: vars are rendered once per run, before any task or foreach line, so _task, _line and _line_safe have no value there (use {{ ${name} }} in the command's args instead)`;
}

function reportMissing(missing: string[], origin: string, options: RendererOptions, reported: Set<string>): void {
  const perTask = missing.map((name) => describeMissing(name, origin)).find((d) => d !== undefined);
  if (options.strict && perTask) throw new UserError(perTask, { fix: `use {{ ${missing[0]} }} in the command's args, not in a vars value`, diagnostics: [{ severity: 'error', message: perTask, path: origin }] });
  if (options.strict) {
    const names = missing.map((n) => `"${n}"`).join(', ');
    const what = `undefined variable${missing.length > 1 ? 's' : ''} ${names}`;
    throw new UserError(`${what} in ${origin}`, {
      fix: `define ${missing.length > 1 ? 'them' : 'it'} in vars, envs or secrets, or pass -v ${missing[0]}=…; without --strict an undefined variable renders as empty`,
      diagnostics: [{ severity: 'error', message: what, path: origin }],
    });
  }
  for (const name of missing) {
    if (reported.has(name)) continue;
    reported.add(name);
    options.onWarning(describeMissing(name, origin) ?? `undefined variable "${name}" in ${origin} (renders as empty)`);
  }
}

/**
 * Parses first (for precise syntax errors and the static checks below), then compiles. Unknown filters and tests
 * would otherwise only fail when their line is reached, and without a reliable position.
 */
/** `{% raw %}` (or nunjucks' `{% verbatim %}`) and its end, with Jinja2's optional whitespace control. */
const RAW_START = /\{%-?\s*(raw|verbatim)\s*-?%\}/g;

/**
 * Jinja2 refuses a `{% raw %}` that is never closed ("looking for endraw"); nunjucks' lexer drops the rest of the
 * text instead, and takes time quadratic in its length doing so.
 */
function checkRawBlocksClosed(source: string, origin: string): void {
  RAW_START.lastIndex = 0;
  for (let open = RAW_START.exec(source); open !== null; open = RAW_START.exec(source)) {
    const end = new RegExp(`\\{%-?\\s*end${open[1]}\\s*-?%\\}`, 'g');
    end.lastIndex = RAW_START.lastIndex;
    if (!end.exec(source)) {
      const before = source.slice(0, open.index);
      throw syntaxError(`{% ${open[1]} %} is never closed (expected {% end${open[1]} %})`, origin, before.split('\n').length, open.index - before.lastIndexOf('\n'));
    }
    RAW_START.lastIndex = end.lastIndex;
  }
}

function compileTemplate(env: nunjucksModule.Environment, source: string, origin: string): CompiledTemplate {
  const envInternals = env as unknown as EnvironmentInternals;
  checkRawBlocksClosed(source, origin);
  let root: AstNode;
  try {
    root = (loadEngine() as unknown as NunjucksInternals).parser.parse(source, envInternals.extensionsList, envInternals.opts);
  } catch (e) {
    throw toSyntaxError(e, source, origin);
  }
  const guarded = new Set<string>();
  visitNodes(root, (node, conditional, always) => {
    if (node.typename === 'Filter' || node.typename === 'FilterAsync') {
      const name = symbolName(node.name);
      if (name !== undefined) {
        // Jinja2 3 defers an unknown filter or test inside an if or an inline if to the time it is reached: a branch
        // never taken may name one (a template shared with an environment that has it).
        if (conditional && !hasNamed(() => envInternals.getFilter(name))) return;
        if (!hasNamed(() => envInternals.getFilter(name))) {
          throw syntaxError(`unknown filter "${name}"`, origin, node.lineno + 1, node.colno + 1);
        }
        const args = node.args as AstNode | undefined;
        const subject = symbolName((args?.children as AstNode[] | undefined)?.[0]);
        if (DEFAULTING_FILTERS.has(name) && subject !== undefined) guarded.add(subject);
        checkFilterArguments(envInternals, name, (args?.children as AstNode[] | undefined) ?? [], origin, conditional, always);
      }
    } else if (node.typename === 'Is') {
      const right = node.right as AstNode | undefined;
      const test = symbolName(right) ?? (right?.typename === 'FunCall' ? symbolName(right.name) : undefined);
      if (test !== undefined) {
        if (conditional && !hasNamed(() => envInternals.getTest(test))) return;
        if (!hasNamed(() => envInternals.getTest(test))) {
          throw syntaxError(`unknown test "${test}"`, origin, node.lineno + 1, node.colno + 1);
        }
        const subject = symbolName(node.left);
        if (EXISTENCE_TESTS.has(test) && subject !== undefined) guarded.add(subject);
      }
    } else if (node.typename === 'Mod' && always) {
      // Jinja2 raises a bad %-format only when it runs: a branch never taken may hold one (below, too).
      const format = stringLiteral(node.left);
      const problem = format === undefined ? undefined : checkPercentFormat(format);
      if (problem !== undefined) throw syntaxError(problem, origin, node.lineno + 1, node.colno + 1);
    } else if (node.typename === 'For') {
      checkNoLoopAssignment(node, origin);
    } else if (node.typename === 'FunCall' && always) {
      checkLiteralStrCall(node, origin);
    } else if (node.typename === 'Compare') {
      // nunjucks takes JavaScript's `===` and `!==`; Jinja2 (and Python) have no such operators.
      const strict = (node.ops as AstNode[]).find((op) => op.type === '===' || op.type === '!==');
      if (strict) throw syntaxError(`\`${String(strict.type)}\` is not an operator in Jinja2: use \`${String(strict.type).slice(0, 2)}\``, origin, strict.lineno + 1, strict.colno + 1);
    } else if (['Include', 'Import', 'FromImport', 'Extends'].includes(node.typename)) {
      // Each template is rendered alone (files/ one file at a time, commands one by one): there is no loader to find
      // another template by name, and one reaching outside the project must not be possible.
      const tag = { Include: 'include', Import: 'import', FromImport: 'from … import', Extends: 'extends' }[node.typename];
      throw syntaxError(`{% ${tag} %} is not supported: handoff renders each template on its own, without loading other templates`, origin, node.lineno + 1, node.colno + 1);
    }
  });
  try {
    return { template: new (loadEngine().Template)(source, env, origin, true), guarded };
  } catch (e) {
    throw toSyntaxError(e, source, origin);
  }
}

/**
 * Jinja2 refuses a for loop in which (anywhere: its names, body, else, a with block or macro inside) `loop` is set,
 * where nunjucks let the set hide the loop's `loop`. `{% with loop = … %}` is allowed there.
 */
function checkNoLoopAssignment(forNode: AstNode, origin: string): void {
  const targets = (node: AstNode): unknown[] =>
    node.typename === 'Set' ? (node.targets as unknown[])
      : node.typename === 'For' ? (isAstNode(node.name) && node.name.typename === 'Array' ? (node.name.children as unknown[]) : [node.name])
        : [];
  visitNodes(forNode, (node) => {
    const loop = targets(node).find((target) => symbolName(target) === 'loop') as AstNode | undefined;
    if (loop) throw syntaxError("can't assign to the special loop variable `loop` in a for loop (Jinja2 refuses it): use another name", origin, loop.lineno + 1, loop.colno + 1);
  });
}

function stringLiteral(node: unknown): string | undefined {
  return isAstNode(node) && node.typename === 'Literal' && typeof node.value === 'string' ? node.value : undefined;
}

/**
 * What validation can know of a Python str method call without values: on a string literal receiver, the method
 * must exist and a `'…'.format()` template must be well formed.
 */
function checkLiteralStrCall(node: AstNode, origin: string): void {
  const callee = node.name as AstNode | undefined;
  if (!isAstNode(callee) || callee.typename !== 'LookupVal') return;
  const receiver = stringLiteral(callee.target);
  const method = stringLiteral(callee.val);
  if (receiver === undefined || method === undefined) return;
  const at = (reason: string): never => {
    throw syntaxError(reason, origin, callee.lineno + 1, callee.colno + 1);
  };
  if (!isPythonStrMethod(method)) at(`str has no method "${method}"`);
  if (method === 'format' || method === 'format_map') {
    const parsed = parseFormatTemplate(receiver);
    if (typeof parsed === 'string') at(`in "${receiver}".${method}(): ${parsed}`);
    const unknown = typeof parsed === 'string' ? undefined : unknownFormatCodes(parsed);
    if (unknown !== undefined) at(`in "${receiver}".${method}(): ${unknown}`);
  }
}

/**
 * Arguments of `format` and `map` that are literals: a bad %-format (where it always runs) or an unknown filter name
 * (outside an if) fails validation.
 */
function checkFilterArguments(env: EnvironmentInternals, name: string, args: AstNode[], origin: string, conditional: boolean, always: boolean): void {
  const [subject, first] = args;
  if (name === 'format' && always) {
    const format = stringLiteral(subject);
    const problem = format === undefined ? undefined : checkPercentFormat(format);
    if (problem !== undefined) throw syntaxError(problem, origin, subject!.lineno + 1, subject!.colno + 1);
  } else if (name === 'map') {
    const filter = stringLiteral(first);
    if (filter !== undefined && !conditional && !hasNamed(() => env.getFilter(filter))) {
      throw syntaxError(`unknown filter "${filter}" in map()`, origin, first!.lineno + 1, first!.colno + 1);
    }
  }
}

/** The nodes whose parts Jinja2 compiles in a "soft" frame (unknown filters and tests are runtime errors there). */
const CONDITIONAL_NODES = new Set(['If', 'IfAsync', 'InlineIf']);
/** The nodes whose bodies Jinja2 compiles in a frame of their own, soft or not where they stand: loops, macros, blocks. */
const OWN_FRAME_NODES = new Set(['For', 'AsyncEach', 'AsyncAll', 'Macro', 'Caller', 'Capture', 'HandoffWith', 'HandoffScope', 'FilterBlock']);
const LOOP_NODES = new Set(['For', 'AsyncEach', 'AsyncAll']);

/**
 * Whether a part of a node runs whenever the node does: not a branch, a loop's body or filter (no items, no run), a
 * macro's or call block's body (run when called), the right side of `and`/`or` or a comparison after the first.
 * `loopFilter` is the `x in items if cond` of a for loop (parsed as an inline if without else): its items always run.
 */
function partAlwaysRuns(node: AstNode, field: string, index: number, loopFilter: boolean): boolean {
  if (loopFilter) return field === 'body';
  if (CONDITIONAL_NODES.has(node.typename)) return field === 'cond';
  if (LOOP_NODES.has(node.typename)) return field === 'arr';
  if (node.typename === 'Macro' || node.typename === 'Caller') return false;
  if (node.typename === 'And' || node.typename === 'Or') return field === 'left';
  if (node.typename === 'Compare') return field === 'expr' || index === 0;
  return true;
}

/**
 * Visits every node. `conditional` says whether Jinja2 would compile it inside an if or inline if (a soft frame);
 * `always` whether it runs whenever the template renders (what Jinja2 raises only when it runs may be refused early
 * there, and only there).
 */
function visitNodes(node: AstNode, visit: (node: AstNode, conditional: boolean, always: boolean) => void, conditional = false, always = true, loopFilter = false): void {
  visit(node, conditional, always);
  const inner = CONDITIONAL_NODES.has(node.typename) ? true : OWN_FRAME_NODES.has(node.typename) ? false : conditional;
  for (const field of node.fields) {
    const child = node[field];
    const children = Array.isArray(child) ? child : [child];
    children.forEach((c, index) => {
      if (!isAstNode(c)) return;
      const filtered = LOOP_NODES.has(node.typename) && field === 'arr' && c.typename === 'InlineIf' && !c.else_;
      visitNodes(c, visit, inner, always && partAlwaysRuns(node, field, index, loopFilter), filtered);
    });
  }
}

function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && Array.isArray((value as AstNode).fields);
}

function symbolName(node: unknown): string | undefined {
  return isAstNode(node) && node.typename === 'Symbol' && typeof node.value === 'string' ? node.value : undefined;
}

function hasNamed(get: () => unknown): boolean {
  try {
    return get() !== undefined;
  } catch {
    return false;
  }
}

/** Parser errors carry 1-based positions; an error at the end of the template has none, so point at its last line. */
function toSyntaxError(e: unknown, source: string, origin: string): UserError {
  const fields = e as TemplateErrorFields;
  const reason = stripNunjucksPrefix(String(fields.message ?? e));
  const fix = STAGE_DASH.test(source) ? STAGE_DASH_FIX : undefined;
  if (typeof fields.lineno === 'number' && fields.lineno > 0) {
    return syntaxError(reason, origin, fields.lineno, typeof fields.colno === 'number' ? fields.colno : undefined, fix);
  }
  const lastLine = source.split('\n').length;
  return syntaxError(`${reason} (at the end of the template)`, origin, lastLine, undefined, fix);
}

/**
 * `{{ _stage- }}`: SPEC §4 and the original's docs list `_stage-`, but no Jinja2 template can name it (it reads
 * `_stage - }}`, a subtraction without its right side), in the original as here; `{{ _stage-}}` is `_stage` with `-}}`.
 */
const STAGE_DASH = /\b_stage-\s+-?\}\}/;
const STAGE_DASH_FIX = '`_stage-` cannot be written as {{ _stage- }} (Jinja2 reads a subtraction); write {% if _stage %}{{ _stage }}-{% endif %} (empty for prod, as _stage- is)';

function syntaxError(reason: string, origin: string, line: number, col: number | undefined, fix?: string): UserError {
  const at = col !== undefined ? `line ${line}, column ${col}` : `line ${line}`;
  return new UserError(`template syntax error in ${origin} at ${at}: ${reason}`, {
    fix: fix ?? 'correct the template (Jinja2 syntax: {{ name }}, {% if … %}…{% endif %}, {{ name | filter }})',
    diagnostics: [{ severity: 'error', message: reason, path: origin, location: { file: origin, line, col } }],
  });
}

/** Errors while rendering (e.g. calling something undefined). Their positions are 0-based and 0:0 means unknown. */
function toRenderError(e: unknown, origin: string): UserError {
  if (e instanceof UserError) return e;
  const fields = e as TemplateErrorFields;
  const reason = stripNunjucksPrefix(String(fields.message ?? e));
  // nunjucks wraps what a helper throws in its own error, keeping the thrown one as `cause`.
  const cause = (e as { cause?: unknown }).cause;
  const helper = e instanceof PythonTemplateError ? e : cause instanceof PythonTemplateError ? cause : undefined;
  const fix = helper?.fix;
  const line = helper?.at?.line ?? (typeof fields.lineno === 'number' ? fields.lineno + 1 : undefined);
  const col = helper?.at?.col ?? (typeof fields.colno === 'number' ? fields.colno + 1 : undefined);
  const known = line !== undefined && col !== undefined && (helper?.at !== undefined || line > 1 || col > 1);
  const at = known ? ` at line ${line}, column ${col}` : '';
  return new UserError(`template error in ${origin}${at}: ${reason}`, {
    fix: fix ?? 'correct the template; only values, filters and tests that exist can be used',
    cause: e,
    diagnostics: [
      { severity: 'error', message: reason, path: origin, location: known ? { file: origin, line, col } : undefined },
    ],
  });
}

/** nunjucks prefixes messages with `(path) [Line n, Column m]` and the wrapped error's class; we say it our way. */
function stripNunjucksPrefix(message: string): string {
  return message
    .replace(/^\([^\n]*\)(?: \[Line \d+(?:, Column \d+)?\])?\n\s*/, '')
    .replace(/^Error: /, '');
}

/**
 * Jinja2 compatibility (`True`, `x.upper()`, slices) for projects written for the original Python handoff, and a
 * hook on nunjucks' one function for looking up a top-level name, so that a name found neither in the frame (set,
 * for, macro arguments) nor in the context is recorded as undefined. The hook is installed after the compatibility
 * layer so `True`/`False`/`None` already resolve and are not reported. Output (`{{ value }}`) is written as Python's
 * str() writes it (`True`, `None`, `1.0`), as the original's Jinja2 over Python values did.
 */
function installRuntimeHooks(internals: NunjucksInternals): void {
  internals.installJinjaCompat();
  installPythonSemantics(internals);
  installJinja2Syntax(internals);
  const suppress = internals.runtime.suppressValue;
  internals.runtime.suppressValue = function writePythonStr(value, autoescape) {
    // Only our renders (autoescape off) are changed; a SafeString or other object with its own text keeps it.
    return activeRender && !autoescape ? formatPythonStr(value) : suppress.call(this, value, autoescape);
  };
  // Jinja2's `~` joins the str() of both sides (`{{ flag ~ '!' }}` is `True!`); nunjucks emits `a + "" + b`.
  internals.runtime.handoffConcat = (left: unknown, right: unknown) => formatPythonStr(left) + formatPythonStr(right);
  internals.compiler.Compiler.prototype.compileConcat = function compileConcatAsPython(node, frame) {
    this._emit('runtime.handoffConcat(');
    this.compile(node.left, frame);
    this._emit(', ');
    this.compile(node.right, frame);
    this._emit(')');
  };
  const original = internals.runtime.contextOrFrameLookup;
  internals.runtime.contextOrFrameLookup = function lookupAndRecord(context, frame, name) {
    // A name of a frame is found even when its value is undefined (a macro's argument not given is undefined there, as
    // in Jinja2, not the template's value of that name): nunjucks' lookup went on past it.
    for (let scope = frame as RuntimeFrame | undefined; scope; scope = scope.parent) {
      if (name in scope.variables) return scope.variables[name];
    }
    const value = original.call(this, context, frame, name);
    const active = activeRender;
    if (value === undefined && active && context.env === active.env && !(name in context.ctx)) {
      active.missing.add(name);
    }
    return value;
  };
}

/** One comparison of Python's: `==` and `!=` by value, the others by Python's ordering (mixed types are a TypeError). */
function pythonComparison(left: unknown, op: string, right: unknown): boolean {
  if (op === '==') return pythonEquals(left, right);
  if (op === '!=') return !pythonEquals(left, right);
  if (left === undefined || right === undefined) {
    throw new PythonTemplateError(`UndefinedError: an undefined value cannot be compared with ${op}`, 'define the value, or test it first ({% if name is defined %})');
  }
  const order = pythonCompare(left, right, op);
  return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
}

/** `first op1 second op2 third …`: each operand after the first is a function, called only while the chain holds. */
function pythonCompareChain(first: unknown, rest: unknown[]): boolean {
  let left = first;
  for (let i = 0; i < rest.length; i += 2) {
    const right = (rest[i + 1] as () => unknown)();
    if (!pythonComparison(left, rest[i] as string, right)) return false;
    left = right;
  }
  return true;
}

/** The template text of a lookup's target (`d`, `d.a`, `d['a-b']`, `lst[0]`) for messages; undefined for other expressions. */
function describeLookupTarget(node: unknown): string | undefined {
  const name = symbolName(node);
  if (name !== undefined) return name;
  if (!isAstNode(node) || node.typename !== 'LookupVal') return undefined;
  const target = describeLookupTarget(node.target);
  const key = isAstNode(node.val) && node.val.typename === 'Literal' ? node.val.value : undefined;
  if (target === undefined || (typeof key !== 'string' && typeof key !== 'number')) return undefined;
  return typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${target}.${key}` : `${target}[${JSON.stringify(key)}]`;
}

/**
 * Python's semantics where nunjucks has JavaScript's (installJinjaCompat covers lists and dicts, not these):
 * - strings: slices give strings (`s[:4]`), negative indexes count from the end, and members are Python's str methods
 *   (python-ops.ts), so `s.replace('-', '_')` replaces every match and a JavaScript-only member is undefined;
 * - operators: `/` is true division (`4/2` is `2.0`), `%` formats when its left side is a str, `+`, `*` and `-` keep
 *   float-ness and refuse mixed types instead of JavaScript's coercion (`'a' + 1`, `'ab' * 2`);
 * - float literals (`1.0`) stay floats, `(a, b)` is a tuple (nunjucks compiles it to JavaScript's comma operator, the
 *   value of `b` alone);
 * - truth in `if`, `not`, `and`, `or` is Python's: an empty list or dict and `0.0` are false.
 */
function installPythonSemantics(internals: NunjucksInternals): void {
  const runtime = internals.runtime;
  const compatLookup = runtime.memberLookup;
  runtime.memberLookup = function memberLookupAsPython(this: unknown, ...args: unknown[]) {
    // The compatibility layer's slice is called with four arguments, and builds a list even of a string.
    if (args.length === 4) return pythonSlice(args[0], args[1], args[2], args[3]);
    const [target, key] = args;
    const index = typeof key === 'boolean' ? Number(key) : key;
    if (typeof target === 'string') return typeof index === 'number' && Number.isInteger(index) ? pythonIndex(target, index) : strMember(target, key);
    // A dict view or a generator has no items by index or attributes in Python: `d.keys()[0]` is Undefined in Jinja2.
    if (target instanceof PythonDictView || target instanceof PythonIterator) return undefined;
    if (target instanceof PythonObject) return typeof key === 'string' ? target.member(key) : undefined;
    // A macro's attributes are Jinja2's Macro's (name, arguments, caller, catch_kwargs, catch_varargs).
    const ofMacro = macroMember(target, key);
    if (ofMacro.length > 0) return ofMacro[0];
    if (Array.isArray(target) && typeof index === 'number' && Number.isInteger(index)) return pythonIndex(target, index);
    // A list has Python's list methods, a range its bounds, a group its grouper and list; JavaScript's own members
    // (`length`, `map`) are not there in Python, so they are Undefined.
    if (Array.isArray(target)) {
      const method = listMember(target, key);
      if (method !== undefined) return method;
      if (target instanceof PythonRange && (key === 'start' || key === 'stop' || key === 'step')) return target[key];
      if (target instanceof PythonGroup && (key === 'grouper' || key === 'list')) return target[key];
      return undefined;
    }
    if (isMapping(target)) {
      const method = dictMember(target, key);
      if (method !== undefined) return method;
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(DICT_MUTATORS, key)) {
        const mutator = DICT_MUTATORS[key]!;
        return boundMethod(key, 'dict', (...rest: unknown[]) => mutator(target, rest));
      }
      // Only the dict's own keys: not what every JavaScript object inherits (`constructor`, `toString`). A key of
      // another type than str is found as Python finds it (`{1: 'a'}[True]`); a number also finds a str key of its
      // digits, as before (a mapping from YAML has str keys where PyYAML gave the original ints).
      const name = dictKeyName(target, key);
      if (name !== undefined) return target[name];
      return typeof key === 'number' && Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
    }
    return compatLookup.apply(this, args);
  };
  Object.assign(runtime, {
    // `a.b` and `a['b']` of an undefined `a` is Jinja2's UndefinedError; `a` alone still renders as empty.
    handoffLookup(this: unknown, described: string, line: number, col: number, ...args: unknown[]) {
      if (args[0] === undefined) {
        throw new PythonTemplateError(
          `UndefinedError: ${described ? `'${described}'` : 'the value'} is undefined, so it has no attribute or item`,
          'define it, or test it first ({% if name is defined %}); Jinja2 refuses an attribute of an undefined value too',
          { line: line + 1, col: col + 1 },
        );
      }
      return runtime.memberLookup.apply(this, args);
    },
    handoffAdd: pythonAdd,
    handoffSub: pythonSub,
    handoffMul: pythonMul,
    handoffDiv: pythonDiv,
    handoffFloorDiv: pythonFloorDiv,
    handoffMod: pythonMod,
    handoffPow: pythonPow,
    handoffNeg: pythonNeg,
    handoffPos: pythonPos,
    handoffTruthy: pythonTruthy,
    handoffFloat: (value: number) => new PythonFloat(value),
    handoffTuple: (items: unknown[]) => PythonTuple.from(items),
    handoffOr: (left: unknown, right: () => unknown) => (pythonTruthy(left) ? left : right()),
    handoffCompare: pythonCompareChain,
    // `x in y` (and `not in`): Python's, so `[1] in [[1]]` is true and a generator is iterated up to the item.
    inOperator: (item: unknown, container: unknown) => pythonContains(container, item),
    handoffAnd: (left: unknown, right: () => unknown) => (pythonTruthy(left) ? right() : left),
  });
  const compiler = internals.compiler.Compiler.prototype;
  const call = (helper: string, ...fields: string[]): CompileMethod =>
    function compileAsPython(node, frame) {
      // The helper's position first, as nunjucks does for a call, so an error it throws (`"%d" % text`) has a line.
      this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.${helper}(`);
      fields.forEach((field, i) => {
        if (i > 0) this._emit(', ');
        this.compile(node[field], frame);
      });
      this._emit('))');
    };
  for (const op of ['Add', 'Sub', 'Mul', 'Div', 'FloorDiv', 'Mod', 'Pow']) compiler[`compile${op}`] = call(`handoff${op}`, 'left', 'right');
  // `a == b < c` is Python's chain (`a == b and b < c`, each side evaluated once, the rest only while true), with
  // Python's `==` (lists and dicts by their items) and ordering; nunjucks emitted JavaScript's `a == b < c`.
  compiler.compileCompare = function compileCompareAsPython(node, frame) {
    this._emit('runtime.handoffCompare(');
    this.compile(node.expr, frame);
    this._emit(', [');
    (node.ops as AstNode[]).forEach((op, i) => {
      this._emit(`${i > 0 ? ', ' : ''}${JSON.stringify(op.type)}, function() { return `);
      this.compile(op.expr, frame);
      this._emit('; }');
    });
    this._emit('])');
  };
  compiler.compileLookupVal = function compileLookupValAsPython(node, frame) {
    const target = isAstNode(node.target) ? node.target : node;
    this._emit(`runtime.handoffLookup(${JSON.stringify(describeLookupTarget(node.target) ?? '')}, ${target.lineno}, ${target.colno}, (`);
    this.compile(node.target, frame);
    this._emit('),');
    // A slice compiles to three arguments (start, stop, step), which memberLookup takes as a slice. Empty brackets
    // (`lst[]`) are Jinja2's empty tuple, `lst[()]`: no item of a list or str, Undefined there too; nunjucks left no node.
    if (node.val == null) this._emit('runtime.handoffTuple([])');
    else this.compile(node.val, frame);
    this._emit(')');
  };
  // nunjucks wrote the callee's text into the compiled code between quotes, escaping only `"`: a str literal with a
  // newline or tab (`'a\\nb'.split()`) broke the compiled template, and a `none` callee failed to compile at all.
  const internalsOf = (c: CompilerInternals) => c as CompilerInternals & {
    _getNodeName(node: unknown): string;
    _compileExpression(node: unknown, frame: unknown): void;
    _compileAggregate(node: unknown, frame: unknown, start: string, end: string): void;
  };
  const getNodeName = internalsOf(compiler)._getNodeName;
  internalsOf(compiler)._getNodeName = function nodeNameAsPython(this: CompilerInternals, node: AstNode) {
    return node.typename === 'Literal' ? formatPythonRepr(node.value) : getNodeName.call(this, node);
  };
  compiler.compileFunCall = function compileFunCallSafely(node, frame) {
    const self = internalsOf(this);
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.callWrap(`);
    self._compileExpression(node.name, frame);
    this._emit(`, ${JSON.stringify(self._getNodeName(node.name))}, context, `);
    self._compileAggregate(node.args, frame, '[', '])');
    this._emit(')');
  };
  compiler.compileNeg = call('handoffNeg', 'target');
  compiler.compilePos = call('handoffPos', 'target');
  compiler.compileNot = function compileNotAsPython(node, frame) {
    this._emit('!runtime.handoffTruthy(');
    this.compile(node.target, frame);
    this._emit(')');
  };
  for (const op of ['Or', 'And']) {
    compiler[`compile${op}`] = function compileLogicAsPython(node, frame) {
      this._emit(`runtime.handoff${op}(`);
      this.compile(node.left, frame);
      this._emit(', function() { return ');
      this.compile(node.right, frame);
      this._emit('; })');
    };
  }
  // `if` and the inline `… if … else …` test their condition through handoffTruthy, by a wrapping node for the time
  // of their compile, which nunjucks' expression type check is told to accept (as installJinjaCompat does for Slice).
  const Truthy = internals.nodes.Node.extend('HandoffTruthy', { fields: ['target'] });
  const assertType = compiler.assertType;
  compiler.assertType = function assertTypeWithTruthy(this: CompilerInternals, node: unknown, ...types: unknown[]) {
    if (!(node instanceof Truthy)) assertType.call(this, node, ...types);
  };
  compiler.compileHandoffTruthy = call('handoffTruthy', 'target');
  for (const name of ['compileIf', 'compileInlineIf'] as const) {
    const original = compiler[name]!;
    compiler[name] = function compileConditionAsPython(node, frame, ...rest) {
      const cond = node.cond as AstNode;
      node.cond = new Truthy(cond.lineno, cond.colno, cond);
      try {
        original.call(this, node, frame, ...rest);
      } finally {
        node.cond = cond;
      }
    };
  }
  const compileGroup = compiler.compileGroup!;
  compiler.compileGroup = function compileGroupAsPython(node, frame) {
    const children = node.children as unknown[];
    if (children.length < 2) return compileGroup.call(this, node, frame);
    this._emit('runtime.handoffTuple([');
    children.forEach((child, i) => {
      if (i > 0) this._emit(', ');
      this.compile(child, frame);
    });
    this._emit('])');
  };
  const compileLiteral = compiler.compileLiteral!;
  compiler.compileLiteral = function compileLiteralAsPython(node, frame) {
    if (node.value instanceof PythonFloat) this._emit(`runtime.handoffFloat(${node.value.value})`);
    else if (typeof node.value === 'bigint') this._emit(`${node.value}n`);
    else compileLiteral.call(this, node, frame);
  };
  // String literals are decoded as Jinja2's lexer decodes them (Python's escapes: `"\\u00e9"` is `é`); nunjucks knew
  // only `\\n`, `\\t` and `\\r`, and dropped the backslash of any other escape.
  const tokenizer = Object.getPrototypeOf(internals.lexer.lex('', {})) as TokenizerInternals;
  tokenizer._parseString = function parseStringAsPython(delimiter) {
    const [lineno, colno] = [this.lineno, this.colno];
    this.forward();
    let raw = '';
    while (!this.isFinished() && this.current() !== delimiter) {
      const ch = this.current();
      raw += ch;
      this.forward();
      // An escaped quote does not end the literal.
      if (ch === '\\' && !this.isFinished()) {
        raw += this.current();
        this.forward();
      }
    }
    this.forward();
    try {
      return unescapePythonString(raw);
    } catch (e) {
      throw Object.assign(new Error(`in a string literal: ${(e as Error).message}`), { lineno: lineno + 1, colno: colno + 1 });
    }
  };
  // nunjucks reads `1.0` as the number 1; the token says it was written as a float.
  const parser = internals.parser.Parser.prototype;
  // Jinja2's tests take one argument without parentheses (`x is divisibleby 3`, `x is in lst`, `x is sameas none`),
  // and `none`, `true` and `false` are test names there; nunjucks parsed only `is name` and `is name(args)`.
  const nodes = internals.nodes as unknown as Record<'Symbol' | 'FunCall' | 'NodeList' | 'Is' | 'Not' | 'Concat' | 'Add' | 'Sub' | 'Mul' | 'Div' | 'FloorDiv' | 'Mod', NodeClass>;
  // Jinja2's precedence: `*`, `/`, `//` and `%` are one level, left to right, above `~`, which is above `+` and `-`
  // (one level too). nunjucks gave each operator a level of its own (`5 * 3 // 2` was 5 * (3 // 2) = 5, where
  // Jinja2 gives 7) and put `~` below `+` (`'a' ~ 1 + 2` was `a3`; Jinja2 refuses `'a1' + 2`).
  const leftToRight = (operators: Record<string, NodeClass>, operand: (parser: ParserInternals) => AstNode) =>
    function parseLevel(this: ParserInternals): AstNode {
      let node = operand(this);
      for (let token = this.peekToken(); token?.type === 'operator' && Object.prototype.hasOwnProperty.call(operators, token.value); token = this.peekToken()) {
        this.nextToken();
        node = new operators[token.value]!(node.lineno, node.colno, node, operand(this));
      }
      return node;
    };
  const parsePow = parser.parsePow;
  parser.parseMul = leftToRight({ '*': nodes.Mul, '/': nodes.Div, '//': nodes.FloorDiv, '%': nodes.Mod }, (p) => parsePow.call(p));
  const parseTilde = (p: ParserInternals): AstNode => {
    let node = p.parseMul();
    for (let token = p.peekToken(); token?.type === 'tilde'; token = p.peekToken()) {
      p.nextToken();
      node = new nodes.Concat(node.lineno, node.colno, node, p.parseMul());
    }
    return node;
  };
  parser.parseAdd = leftToRight({ '+': nodes.Add, '-': nodes.Sub }, parseTilde);
  // What a comparison's operands are parsed with (nunjucks' `~` level): now the `+` level.
  parser.parseConcat = function parseSum() {
    return this.parseAdd();
  };
  // Jinja2 reads a test as part of its operand, after the operand's filters, as a filter is: `n + 1 is even` is
  // `n + (1 is even)` there, `n is odd | string` filters the test's result, and a test right after another is refused.
  // nunjucks read `is` below the comparisons (`(n + 1) is even`).
  const parseTest = (p: ParserInternals & { fail(message: string, lineno?: number, colno?: number): never }, subject: AstNode): AstNode => {
    const not = p.skipSymbol('not');
    const name = p.peekToken();
    if (!name || !(name.type === 'symbol' || name.type === 'boolean' || name.type === 'none')) p.fail('expected a test name after `is`', name?.lineno, name?.colno);
    p.nextToken();
    let test: AstNode = new nodes.Symbol(name.lineno, name.colno, name.value);
    const next = p.peekToken();
    if (next?.type === 'left-paren') test = p.parsePostfix(test);
    else if (next && startsTestArgument(next)) {
      const argument = p.parsePrimary();
      test = new nodes.FunCall(name.lineno, name.colno, test, new nodes.NodeList(argument.lineno, argument.colno, [argument]));
    }
    const node = new nodes.Is(subject.lineno, subject.colno, subject, test);
    return not ? new nodes.Not(node.lineno, node.colno, node) : node;
  };
  const isKeyword = (token: ParserToken | null): boolean => token?.type === 'symbol' && token.value === 'is';
  const parseUnary = parser.parseUnary;
  parser.parseUnary = function parseUnaryAsJinja2(noFilters) {
    let node = parseUnary.call(this, noFilters);
    if (noFilters) return node;
    const self = this as ParserInternals & { fail(message: string, lineno?: number, colno?: number): never; parseFilter(node: AstNode): AstNode };
    while (isKeyword(this.peekToken())) {
      this.nextToken();
      node = parseTest(self, node);
      const after = this.peekToken();
      if (isKeyword(after)) self.fail('You cannot chain multiple tests with is', after!.lineno, after!.colno);
      if (after?.type === 'pipe') node = self.parseFilter(node);
    }
    return node;
  };
  // Jinja2 reads `rows.0.name` as rows[0].name. nunjucks' lexer gives `.` then the float `0.` (or the int `0`), and its
  // parser wants a name after a dot: an index there becomes a name token whose value is the number (so the lookup is
  // by index), and the rest of a float (`.name`, `.1`) is given back as the tokens it stands for.
  const nextToken = parser.nextToken;
  parser.nextToken = function nextTokenWithIndexes(withWhitespace) {
    const state = this as ParserInternals & { peeked?: unknown; handoffQueue?: ParserToken[]; handoffAfterDot?: boolean };
    let token = !state.peeked && state.handoffQueue?.length ? state.handoffQueue.shift()! : nextToken.call(this, withWhitespace);
    if (token && state.handoffAfterDot && (token.type === 'int' || token.type === 'float') && /^\d+(\.\d*)?$/.test(token.value)) {
      const [index, rest] = token.value.split('.') as [string, string | undefined];
      if (rest !== undefined) {
        const after = { ...token, colno: token.colno + index.length };
        state.handoffQueue = [{ ...after, type: 'operator', value: '.' }, ...(rest ? [{ ...after, colno: after.colno + 1, type: 'symbol', value: Number(rest) as unknown as string }] : [])];
      }
      token = { ...token, type: 'symbol', value: Number(index) as unknown as string };
    }
    state.handoffAfterDot = token?.type === 'operator' && token.value === '.';
    return token;
  };
  const parsePrimary = parser.parsePrimary;
  parser.parsePrimary = function parsePrimaryAsPython(noPostfix) {
    const token = this.peekToken();
    if (token?.type === 'string') {
      // Adjacent str literals are one, as in Python and Jinja2 (`'a' 'b'` is `'ab'`); a postfix applies to the whole.
      const node = parsePrimary.call(this, true);
      for (let next = this.peekToken(); next?.type === 'string'; next = this.peekToken()) node.value = String(node.value) + this.nextToken()!.value;
      return noPostfix ? node : this.parsePostfix(node);
    }
    const node = parsePrimary.call(this, noPostfix);
    if (token?.type === 'float' && node.typename === 'Literal' && typeof node.value === 'number' && Number.isInteger(node.value)) {
      node.value = new PythonFloat(node.value);
    }
    // nunjucks reads an int literal with parseInt, which rounds one beyond 2**53: Python's int literal is exact.
    if (token?.type === 'int' && node.typename === 'Literal' && typeof node.value === 'number' && !Number.isSafeInteger(node.value)) {
      node.value = intResult(BigInt(token.value));
    }
    return node;
  };
}
