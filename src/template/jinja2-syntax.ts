// Jinja2 statements and literals nunjucks lacks or reads otherwise: `loop`, for and set unpacking, with, ns.attr, numbers, tuples.
import type { AstNode, CompileMethod, CompilerInternals, NodeClass, NunjucksInternals, ParserInternals, ParserToken, TokenizerInternals } from './template-engine.js';
import { PythonTemplateError, dictLiteral, isMapping, pythonTypeName } from './python-ops.js';
import { iterate } from './python-filters.js';
import { describeAs, dictKeys, isHoldableStrKey, PythonFloat, PythonIterator, PythonTuple, strKeyName } from './python-str.js';
import { LoopContext, Namespace, unpack, unpackedLoopItems } from './jinja2-objects.js';

/** A compile-time frame of nunjucks: which template names are which JavaScript variables. */
interface CompileFrame {
  push(isolateWrites?: boolean): CompileFrame;
  set(name: string, id: string): void;
}
/** The JavaScript names of a recursive loop's compiled body function and of its depth and frame arguments. */
interface Recursion {
  body: string;
  depth: string;
  frame: string;
}
interface Compiler extends CompilerInternals {
  buffer: string;
  _compileExpression(node: unknown, frame: CompileFrame): void;
  _emitLine(code: string): void;
  _tmpid(): string;
  _withScopedSyntax(compile: () => void): void;
  fail(message: string, lineno?: number, colno?: number): never;
  _emitLoopBindings(node: unknown, arr: string, i: string, len: string): void;
  _compileMacro(node: AstNode, frame?: unknown): string;
}
/** A compile method of ours, with the compiler's helpers and nunjucks' compile-time frame typed. */
type OurCompileMethod = (this: Compiler, node: AstNode, frame: CompileFrame, ...rest: unknown[]) => void;
const method = (compile: OurCompileMethod): CompileMethod => compile as unknown as CompileMethod;
interface Parser extends ParserInternals {
  parseExpression(): AstNode;
  parseUntilBlocks(...names: string[]): AstNode;
  advanceAfterBlockEnd(name?: string): ParserToken;
  skip(type: string): boolean;
  dropLeadingWhitespace: boolean;
  tokens: { _extractRegex(regex: RegExp): RegExpMatchArray | null };
  skipValue(type: string, value: string): boolean;
  fail(message: string, lineno?: number, colno?: number): never;
  breakOnBlocks: string[] | null;
}
interface Tokenizer extends TokenizerInternals {
  in_code: boolean;
  str: string;
  index: number;
  forwardN(n: number): void;
  nextToken(): ParserToken | null;
}
type Nodes = Record<'Set' | 'Capture' | 'NodeList' | 'Symbol' | 'Output' | 'TemplateData', NodeClass>;

/**
 * Jinja2's number literals (its lexer's, case-insensitive): ints in binary, octal, hex and decimal with `_` between
 * digits, and floats with a fraction and/or an exponent. nunjucks read `0x10`, `1_000` and `1e3` as names.
 */
const FLOAT_LITERAL = /^(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/i;
const INT_LITERAL = /^(?:0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*)/i;

/** The int or float token of the number at the tokenizer's position (not after a dot: `rows.0.name` is an index). */
function numberToken(tokenizer: Tokenizer): ParserToken | undefined {
  const rest = tokenizer.str.slice(tokenizer.index, tokenizer.index + 400);
  const afterDot = tokenizer.str[tokenizer.index - 1] === '.';
  const [lineno, colno] = [tokenizer.lineno, tokenizer.colno];
  const float = afterDot ? null : FLOAT_LITERAL.exec(rest);
  if (float) {
    tokenizer.forwardN(float[0].length);
    return { type: 'float', value: float[0].replace(/_/g, ''), lineno, colno };
  }
  const int = INT_LITERAL.exec(rest);
  if (!int) return undefined;
  tokenizer.forwardN(int[0].length);
  const digits = int[0].replace(/_/g, '').toLowerCase();
  const base = digits.startsWith('0b') ? 2 : digits.startsWith('0o') ? 8 : digits.startsWith('0x') ? 16 : 10;
  // Through BigInt: parseInt rounds an int literal beyond 2**53 (`0x1ffffffffffffffff`), and Python's is exact.
  const value = base === 10 ? digits : BigInt(digits).toString();
  return { type: 'int', value, lineno, colno };
}

/**
 * The items a `for` loop runs over, as Jinja2 takes them: a loop filter's (`for x in items if cond`) kept before the loop
 * (and its `loop`), a dict's keys, a str's characters. With several names (`for k, v in …`) each item is unpacked as
 * Python unpacks it (a dict's keys are items too: `for k, v in d` unpacks each key, where nunjucks gave keys and
 * values). None or a number is Python's TypeError (nunjucks ran no iteration); undefined runs none, as in Jinja2.
 */
function loopItems(items: unknown, keep: ((item: unknown) => boolean) | null, names: number): unknown {
  if (items === null || typeof items === 'number' || typeof items === 'boolean' || items instanceof PythonFloat) {
    throw new PythonTemplateError(
      `TypeError: '${pythonTypeName(items)}' object is not iterable`,
      'loop over a list, dict or str; for a value that may be none, write {% for x in items or [] %}',
    );
  }
  let list = keep ? iterate(items).filter(keep) : isMapping(items) ? dictKeys(items) : typeof items === 'string' ? Array.from(items) : items;
  if (names < 2) return list;
  if (list instanceof PythonIterator) list = Array.from(list);
  return Array.isArray(list) ? unpackedLoopItems(list, names) : list;
}
function setAttribute(target: unknown, name: unknown, value: unknown): void {
  if (!(target instanceof Namespace)) {
    throw new PythonTemplateError('TemplateRuntimeError: cannot assign attribute on non-namespace object', 'make it a namespace first: {% set ns = namespace(name=…) %}, then {% set ns.name = … %}');
  }
  target.set(String(name), value);
}

/** The arguments of the macro call being made beyond those the macro names, until its body takes them. */
let pendingExtras: { varargs: unknown[]; kwargs: Record<string, unknown>; count: number } | undefined;

/**
 * Sets a macro's `varargs` and `kwargs` (when its body uses them) from the call being made, or refuses arguments it
 * has no place for, with Jinja2's messages.
 */
function takeMacroExtras(frame: { set(name: string, value: unknown): void }, name: string, varargs: boolean, kwargs: boolean): void {
  const extras = pendingExtras;
  pendingExtras = undefined;
  const [positional, keywords] = [extras?.varargs ?? [], extras?.kwargs ?? {}];
  if (varargs) frame.set('varargs', PythonTuple.from(positional));
  else if (positional.length > 0) throw new PythonTemplateError(`TypeError: macro '${name}' takes not more than ${extras!.count} argument(s)`, 'give the macro only the arguments it names, or use varargs in its body to take more');
  if (kwargs) frame.set('kwargs', { ...keywords });
  else {
    const [first] = Object.keys(keywords);
    if (first !== undefined) throw new PythonTemplateError(`TypeError: macro '${name}' takes no keyword argument '${first}'`, 'give the macro only the arguments it names, or use kwargs in its body to take others');
  }
}

/** What Jinja2's Macro object shows of itself: name, arguments, caller, catch_kwargs, catch_varargs. */
const MACRO_ATTRIBUTES = new WeakMap<object, Record<string, unknown>>();

/**
 * An attribute of a macro (`m.name`, `m.arguments`, …) as Jinja2 gives it: `[value]`, `[undefined]` for a name Jinja2's
 * Macro does not have (Undefined); `[]` when `target` is no macro. The JavaScript function's own members (`name` is
 * its compiled name, `arguments` throws in strict mode) are never seen.
 */
export function macroMember(target: unknown, key: unknown): [unknown] | [] {
  const attributes = typeof target === 'function' ? MACRO_ATTRIBUTES.get(target) : undefined;
  if (!attributes) return [];
  return [typeof key === 'string' && Object.prototype.hasOwnProperty.call(attributes, key) ? attributes[key] : undefined];
}

/** A macro's argument names in order (`m(a, b=1)`: a, b), from its parsed signature. */
function macroArgumentNames(node: AstNode): string[] {
  const names: string[] = [];
  for (const arg of ((node.args as AstNode | undefined)?.children ?? []) as AstNode[]) {
    if (arg.typename === 'Symbol') names.push(String(arg.value));
    else if (arg.typename === 'KeywordArgs') for (const pair of (arg.children ?? []) as AstNode[]) names.push(String((pair.key as AstNode).value));
  }
  return names;
}

/** Which of `names` a template part reads as a name (a Symbol anywhere in it). */
function namesUsed(node: AstNode | undefined, names: Set<string>, found = new Set<string>()): Set<string> {
  if (!node || typeof node !== 'object' || !Array.isArray(node.fields)) return found;
  if (node.typename === 'Symbol' && typeof node.value === 'string' && names.has(node.value)) found.add(node.value);
  for (const field of node.fields) {
    const child = node[field];
    for (const c of Array.isArray(child) ? child : [child]) namesUsed(c as AstNode, names, found);
  }
  return found;
}

/**
 * Which of `names` a macro's body reads before it sets them, as Jinja2's find_undeclared finds the `caller` a macro
 * takes: in the order Jinja2 visits the nodes, a name read is found, a name set (`{% set caller = 1 %}`, a loop's or
 * a `with`'s name, an inner macro's argument) is no longer looked for, and a block's body is not looked into. Import
 * targets are neither (Jinja2 holds them as text, not names).
 */
function namesReadFirst(node: AstNode | undefined, names: Set<string>, found = new Set<string>()): Set<string> {
  if (!node || typeof node !== 'object' || !Array.isArray(node.fields)) return found;
  const set = (target: unknown): void => {
    for (const t of Array.isArray(target) ? target : [target]) {
      const n = t as AstNode | undefined;
      if (n?.typename === 'Symbol' && typeof n.value === 'string') {
        if (!found.has(n.value)) names.delete(n.value);
      } else if (n && (n.typename === 'Array' || n.typename === 'HandoffTuple' || n.typename === 'NodeList')) set(n.children);
    }
  };
  const read = (child: unknown): void => {
    for (const c of Array.isArray(child) ? child : [child]) namesReadFirst(c as AstNode, names, found);
  };
  switch (node.typename) {
    case 'Symbol':
      if (typeof node.value === 'string' && names.has(node.value)) found.add(node.value);
      return found;
    case 'Block':
    case 'Import':
    case 'FromImport':
      return found;
    case 'Set':
      set(node.targets);
      read(node.value);
      return found;
    case 'HandoffWith':
      set(node.targets);
      read(node.values);
      read(node.body);
      return found;
    case 'For':
    case 'AsyncEach':
    case 'AsyncAll':
      set(node.name);
      read(node.arr);
      read(node.body);
      read(node.else_);
      return found;
    case 'HandoffLoopFilter':
      read(node.iterable);
      read(node.cond);
      return found;
    case 'Macro':
    case 'Caller': {
      // All the argument names first, then the defaults, as Jinja2's Macro node lists them.
      const args = ((node.args as AstNode | undefined)?.children ?? []) as AstNode[];
      const pairs = args.flatMap((a) => (a.typename === 'KeywordArgs' ? ((a.children ?? []) as AstNode[]) : []));
      set(args.filter((a) => a.typename === 'Symbol'));
      set(pairs.map((pair) => pair.key));
      read(pairs.map((pair) => pair.value));
      read(node.body);
      return found;
    }
    default:
      for (const field of node.fields) read(node[field]);
      return found;
  }
}

/** The filters that give Markup in Jinja2 3.1 without autoescape (their result is never escaped again by escape). */
const MARKUP_FILTERS = new Set(['escape', 'e', 'forceescape', 'safe', 'tojson']);
/** The filters that leave Markup alone (forceescape escapes it again). */
const ESCAPES_OF_STR = new Set(['escape', 'e']);

/**
 * Installs Jinja2's `loop` (previtem, nextitem, depth, cycle, changed), loop filters and unpacking, `{% with %}`,
 * `{% set a, b = … %}`, `{% set ns.attr = … %}`, its number literals, `(1,)` and trailing commas, `}}` inside brackets
 * and macros that print as `<Macro 'name'>`.
 */
export function installJinja2Syntax(internals: NunjucksInternals): void {
  const nodes = internals.nodes as unknown as Nodes;
  const Node = internals.nodes.Node;
  const LoopFilterNode = Node.extend('HandoffLoopFilter', { fields: ['iterable', 'cond', 'name'] });
  const WithNode = Node.extend('HandoffWith', { fields: ['targets', 'values', 'body'] });
  const CodeNode = Node.extend('HandoffCode', { fields: ['code'] });
  const TupleNode = nodes.NodeList.extend('HandoffTuple', {});
  const ScopeNode = Node.extend('HandoffScope', { fields: ['body'] });
  Object.assign(internals.runtime, {
    handoffLoop: LoopContext.at,
    handoffLoopItems: loopItems,
    handoffUnpack: unpack,
    handoffSetAttribute: setAttribute,
    handoffDict: dictLiteral,
    handoffMacro: (macro: object, shown: string, attributes: { name: string | null; arguments: string[]; caller: boolean; catch_kwargs: boolean; catch_varargs: boolean }) => {
      MACRO_ATTRIBUTES.set(macro, { ...attributes, arguments: PythonTuple.from(attributes.arguments) });
      return describeAs(macro, `<Macro ${shown}>`);
    },
    handoffMacroExtras: takeMacroExtras,
  });
  // A macro's arguments beyond those it names: Jinja2 gives them to the macro as `varargs` (a tuple) and `kwargs` (a
  // dict) when its body uses those names, and refuses them otherwise. nunjucks dropped them silently.
  const makeNamedMacro = internals.runtime.makeMacro as (argNames: string[], kwargNames: string[], func: unknown) => (...args: unknown[]) => unknown;
  internals.runtime.makeMacro = function makeMacroAsJinja2(argNames: string[], kwargNames: string[], func: unknown) {
    const macro = makeNamedMacro(argNames, kwargNames, func);
    const named = new Set([...argNames, ...kwargNames, 'caller']);
    return function macroWithExtras(this: unknown, ...args: unknown[]) {
      const last = args[args.length - 1];
      const keywords = last !== null && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords') ? (last as Record<string, unknown>) : undefined;
      const positional = keywords ? args.slice(0, -1) : args;
      const extraKeywords = Object.fromEntries(Object.entries(keywords ?? {}).filter(([key]) => key !== '__keywords' && !named.has(key)));
      pendingExtras = { varargs: positional.slice(argNames.length + kwargNames.length), kwargs: extraKeywords, count: argNames.length + kwargNames.length };
      try {
        return macro.apply(this, args);
      } finally {
        pendingExtras = undefined;
      }
    };
  };
  // A macro's (and a call block's caller's) output is a str, as Jinja2's is without autoescape: `m() + 'c'`,
  // `m() == 'ab'`, `m().upper()` work as on any str. nunjucks gave a SafeString object, which Python's operators here
  // took for a dict.
  const makeMacro = internals.runtime.makeMacro as (args: string[], kwargs: string[], body: (...a: unknown[]) => unknown) => unknown;
  internals.runtime.makeMacro = (args: string[], kwargs: string[], body: (...a: unknown[]) => unknown) =>
    makeMacro(args, kwargs, function macroAsStr(this: unknown, ...values: unknown[]) {
      const output = body.apply(this, values);
      return output instanceof (internals.runtime.SafeString as new () => object) ? String(output) : output;
    });
  const compiler = internals.compiler.Compiler.prototype as Compiler;
  const assertType = compiler.assertType;
  compiler.assertType = function assertTypeWithOurs(this: CompilerInternals, node: unknown, ...types: unknown[]) {
    if (!(node instanceof LoopFilterNode || node instanceof CodeNode || node instanceof TupleNode)) assertType.call(this, node, ...types);
  };

  // Jinja2's scopes: each pass of a loop's body, a loop's else, a set block's and a filter block's body are scopes of
  // their own, so a `set` inside one (also inside an `if` there) is gone after it, and the next pass starts from the
  // enclosing values again; a `set` inside an `if` outside them does reach the rest of the template. nunjucks set
  // the name wherever it was first defined (`{% set y = 5 %}{% for … %}{% set y = 7 %}{% endfor %}{{ y }}` gave 7).
  // Names are looked up in these runtime frames only (compileSymbol below): nunjucks' compile-time shortcut, the
  // JavaScript variable of a loop variable or macro argument, missed a `set` of that name in an `if` or inner loop.
  compiler.compileHandoffScope = method(function compileScope(node, frame) {
    this._emitLine('frame = frame.push(true);');
    this.compile(node.body, frame.push(true));
    this._emitLine('frame = frame.pop();');
  });
  const inScope = (node: AstNode, field: string): void => {
    const body = node[field] as AstNode | null | undefined;
    if (body) node[field] = new ScopeNode(body.lineno, body.colno, body);
  };
  const outOfScope = (node: AstNode, field: string): void => {
    const body = node[field];
    if (body instanceof ScopeNode) node[field] = body.body;
  };
  compiler.compileSymbol = method(function compileSymbolAtRuntime(node) {
    this._emit(`runtime.contextOrFrameLookup(context, frame, ${JSON.stringify(node.value)})`);
  });
  const compileCapture = compiler.compileCapture!;
  compiler.compileCapture = method(function compileCaptureAsScope(node, frame, ...rest) {
    inScope(node, 'body');
    try {
      compileCapture.call(this, node, frame, ...rest);
    } finally {
      outOfScope(node, 'body');
    }
  });

  // `loop` is one object per iteration, made from the loop's items (previtem, nextitem) and its previous iteration's
  // `loop` (what changed() saw); nunjucks set only index…length, as `loop.index` names of the frame.
  // A recursive loop's also has its depth and the function that renders its body again (see compileFor below).
  compiler._emitLoopBindings = function emitJinja2Loop(this: Compiler, node: unknown, arr: string, i: string) {
    // nunjucks set an unpacked loop's names (`for a, b in …`) in the runtime frame under a wrong name, and read them
    // from JavaScript variables, which names are no longer read from (compileSymbol).
    const name = (node as { name: AstNode }).name;
    if (name.typename === 'Array') {
      const set = (name.children as AstNode[]).map((child, u) => `frame.set(${JSON.stringify(child.value)}, ${arr}[${i}][${u}]);`);
      this._emitLine(`if (runtime.isArray(${arr})) { ${set.join(' ')} }`);
    }
    const recursion = (node as { handoffRecursion?: Recursion }).handoffRecursion;
    const deeper = recursion ? `, ${recursion.depth}, function(items) { return ${recursion.body}(items, ${recursion.depth} + 1, ${recursion.frame}); }` : '';
    this._emitLine(`frame.set("loop", runtime.handoffLoop(${arr}, ${i}, frame.variables.loop${deeper}));`);
  };
  // `loop(items)` calls the loop's context, which is not a function to nunjucks. `caller()` where there is none (a
  // macro not called by a call block, or a call block's body, see _compileMacro below) is Jinja2's error.
  const callWrap = internals.runtime.callWrap as (this: unknown, ...args: unknown[]) => unknown;
  internals.runtime.callWrap = function callWrapWithLoop(this: unknown, ...args: unknown[]) {
    if (args[0] === undefined && args[1] === 'caller') {
      throw new PythonTemplateError(
        'UndefinedError: No caller defined',
        "call the macro with {% call m() %}…{% endcall %}; inside a call block, caller is the block's own: to call the macro's caller there, name it first ({% set outer = caller %})",
      );
    }
    return args[0] instanceof LoopContext ? args[0].call(args[3] as unknown[]) : callWrap.apply(this, args);
  };

  // `for x in items if cond`: the items are filtered first, so `loop` and `else` see only those kept, as in Jinja2.
  // Every loop's items go through loopItems (a dict's keys, unpacking, None refused at the loop's line).
  // A `recursive` loop is a function of its items, depth and enclosing frame, returning its output: called once here
  // with the loop's items, and again by `loop(items)` in its body.
  const compileFor = compiler.compileFor!;
  compiler.compileFor = method(function compileForAsJinja2(node, frame, ...rest) {
    const arr = node.arr as AstNode;
    const filtered = arr.typename === 'InlineIf' && !arr.else_;
    const iterable = filtered ? (arr.body as AstNode) : arr;
    const recursion: Recursion | undefined = node.handoffRecursive ? { body: this._tmpid(), depth: this._tmpid(), frame: this._tmpid() } : undefined;
    const items = recursion ? new CodeNode(arr.lineno, arr.colno, this._tmpid()) : iterable;
    node.arr = new LoopFilterNode(arr.lineno, arr.colno, items, filtered ? arr.cond : null, node.name);
    inScope(node, 'body');
    inScope(node, 'else_');
    const buffer = this.buffer;
    try {
      if (recursion) {
        node.handoffRecursion = recursion;
        this._emitLine(`var ${recursion.body} = function(${String(items.code)}, ${recursion.depth}, ${recursion.frame}) {`);
        this._emitLine(`var frame = ${recursion.frame}, output = "";`);
        this.buffer = 'output';
      }
      compileFor.call(this, node, frame, ...rest);
      if (recursion) {
        this._emitLine('return output;');
        this._emitLine('};');
        this.buffer = buffer;
        this._emit(`${buffer} += ${recursion.body}(`);
        this._compileExpression(iterable, frame);
        this._emitLine(', 1, frame);');
      }
    } finally {
      node.arr = arr;
      outOfScope(node, 'body');
      outOfScope(node, 'else_');
      this.buffer = buffer;
      delete node.handoffRecursion;
    }
  });
  compiler.compileHandoffLoopFilter = method(function compileLoopFilter(node, frame) {
    const name = node.name as AstNode;
    const names = name.typename === 'Array' ? (name.children as AstNode[]).length : 1;
    // The loop's position first, so that an error of its items (None, unpacking) is reported at its line.
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.handoffLoopItems(`);
    this._compileExpression(node.iterable, frame);
    if (!node.cond) {
      this._emit(`, null, ${names}))`);
      return;
    }
    // The item's names are set in a frame of their own for the condition, as the loop's body will have them.
    const item = this._tmpid();
    const inner = frame.push();
    this._emit(`, function(${item}) { return (function(frame) { `);
    if (name.typename === 'Array') {
      const children = name.children as AstNode[];
      const parts = this._tmpid();
      this._emit(`var ${parts} = runtime.handoffUnpack(${item}, ${children.length}); `);
      children.forEach((child, u) => this._emit(`frame.set(${JSON.stringify(child.value)}, ${parts}[${u}]); `));
    } else {
      this._emit(`frame.set(${JSON.stringify(name.value)}, ${item}); `);
    }
    this._emit('return runtime.handoffTruthy(');
    this._compileExpression(node.cond, inner);
    this._emit(`); })(frame.push()); }, ${names}))`);
  });
  // A dict's key is an expression, as in Jinja2: `{k: 1}` is keyed by k's value, `{1: 2}` by the int (nunjucks took
  // a name for its text, `{'k': 1}`, and refused any other key). A dict of str literal keys is a JavaScript object
  // literal, as nunjucks compiles it; any other is made by dictLiteral, which holds keys that are not strs as
  // python-str's nonStrKeyName and strKeyName say and merges keys Python takes as one (`1` and `True`).
  const compileDict = compiler.compileDict!;
  compiler.compileDict = method(function compileDictAsJinja2(node, frame, ...rest) {
    const pairs = node.children as AstNode[];
    const literalKeys = pairs.every((pair) => {
      const key = pair.key as AstNode;
      // A str that looks like an int (`'2'`) is held under another name too, for Python's order of keys.
      return pair.handoffKeyword || (key.typename === 'Literal' && typeof key.value === 'string' && isHoldableStrKey(key.value) && strKeyName(key.value) === key.value);
    });
    if (literalKeys) return compileDict.call(this, node, frame, ...rest);
    this._emit('runtime.handoffDict([');
    pairs.forEach((pair, i) => {
      const key = pair.key as AstNode;
      this._emit(i > 0 ? ', [' : '[');
      this._compileExpression(key, frame);
      this._emit(', ');
      this._compileExpression(pair.value as AstNode, frame);
      this._emit(`, ${key.lineno}, ${key.colno}]`);
    });
    this._emit('])');
  });
  // A call's keyword arguments (`f(a=1)`, a call block's caller) are pairs too, whose names stay names.
  const compileKeywordArgs = compiler.compileKeywordArgs!;
  compiler.compileKeywordArgs = method(function compileKeywordArgsAsNames(node, frame, ...rest) {
    for (const pair of node.children as AstNode[]) pair.handoffKeyword = true;
    compileKeywordArgs.call(this, node, frame, ...rest);
  });
  // Jinja2's escape and safe give Markup, a str that escape leaves alone: `x | e | e` is `x | e`, `x | safe | e` is x.
  // Here they give a str, so the escape of a Markup is left out where it is seen when compiling: an `escape`/`e`
  // applied right after a filter whose result is Markup. A Markup kept in a name (`{% set y = x | e %}{{ y | e }}`) or
  // joined with a str by `+` is a str here, escaped again (README says so).
  const compileFilter = compiler.compileFilter!;
  compiler.compileFilter = method(function compileFilterOfMarkup(node, frame, ...rest) {
    const subject = ((node.args as AstNode).children as AstNode[])[0];
    const filterName = (filter: AstNode | undefined): unknown => (filter?.typename === 'Filter' ? (filter.name as AstNode).value : undefined);
    if (ESCAPES_OF_STR.has(filterName(node) as string) && ((node.args as AstNode).children as AstNode[]).length === 1 && MARKUP_FILTERS.has(filterName(subject) as string)) {
      return this.compile(subject, frame);
    }
    return compileFilter.call(this, node, frame, ...rest);
  });
  compiler.compileHandoffCode = method(function compileCode(node) {
    this._emit(String(node.code));
  });
  compiler.compileHandoffTuple = method(function compileTuple(node, frame) {
    this._emit('runtime.handoffTuple([');
    (node.children as AstNode[]).forEach((child, i) => {
      if (i > 0) this._emit(', ');
      this._compileExpression(child, frame);
    });
    this._emit('])');
  });

  // `{% with a = 1, b = a %}…{% endwith %}`: the values are taken in the enclosing scope, the names (and anything
  // set inside) live only inside, as in Jinja2.
  compiler.compileHandoffWith = method(function compileWith(node, frame) {
    const ids = (node.values as AstNode[]).map((value) => {
      const id = this._tmpid();
      this._emit(`var ${id} = `);
      this._compileExpression(value, frame);
      this._emitLine(';');
      return id;
    });
    const inner = frame.push(true);
    this._emitLine('frame = frame.push(true);');
    (node.targets as AstNode[]).forEach((target, i) => {
      this._emitLine(`frame.set(${JSON.stringify(target.value)}, ${ids[i]});`);
      inner.set(String(target.value), ids[i]!);
    });
    this._withScopedSyntax(() => this.compile(node.body, inner));
    this._emitLine('frame = frame.pop();');
  });

  // `{% set ns.attr = … %}` sets a namespace's attribute; `{% set a, b = … %}` unpacks as Python does (nunjucks gave
  // every name the whole value).
  const compileSet = compiler.compileSet!;
  compiler.compileSet = method(function compileSetAsJinja2(node, frame, ...rest) {
    const targets = node.targets as AstNode[];
    const [first] = targets;
    if (targets.length === 1 && first!.typename === 'LookupVal') {
      const attribute = first!.val as AstNode;
      if ((first!.target as AstNode).typename !== 'Symbol' || attribute.typename !== 'Literal' || typeof attribute.value !== 'string') {
        this.fail('only a name and one attribute can be set (`{% set ns.name = … %}`, ns a namespace())', first!.lineno, first!.colno);
      }
      this._emit('runtime.handoffSetAttribute(');
      this._compileExpression(first!.target, frame);
      this._emit(`, ${JSON.stringify(attribute.value)}, `);
      if (node.value) this._compileExpression(node.value, frame);
      else this.compile(node.body, frame);
      this._emitLine(');');
      return;
    }
    for (const target of targets) {
      if (target.typename !== 'Symbol') this.fail('only names can be set (`{% set name = … %}`, `{% set a, b = … %}`)', target.lineno, target.colno);
    }
    if (targets.length < 2 || !node.value) return compileSet.call(this, node, frame, ...rest);
    const parts = this._tmpid();
    this._emit(`var ${parts} = runtime.handoffUnpack(`);
    this._compileExpression(node.value, frame);
    this._emitLine(`, ${targets.length});`);
    targets.forEach((target, i) => {
      const one = new nodes.Set(node.lineno, node.colno, [target], new CodeNode(node.lineno, node.colno, `${parts}[${i}]`));
      compileSet.call(this, one, frame, ...rest);
    });
  });

  // Macros (and a call block's `caller`) print as Jinja2's do.
  // A macro (and a call block's caller) sees the names of the scope it is defined in, as Jinja2's does (a macro
  // defined in a loop's body sees what was set there, a caller the loop's variable); nunjucks gave a `{% macro %}`
  // a frame without any enclosing scope, and a caller one inside the macro calling it. The lines of the compiled code
  // that make the macro's frame and give back the caller's frame are changed here to do that.
  const compileMacro = compiler._compileMacro;
  compiler._compileMacro = function compileNamedMacro(this: Compiler & { codebuf: string[] }, node: AstNode, frame?: unknown) {
    const defining = this._tmpid();
    this._emitLine(`var ${defining} = frame;`);
    const start = this.codebuf.length;
    const id = compileMacro.call(this, node, frame);
    const replace = (line: string, by: string, from: number): number => {
      const at = this.codebuf.indexOf(`${line}\n`, from);
      if (at < 0) throw new Error(`internal error: the compiled macro has no line "${line}"`);
      this.codebuf[at] = `${by}\n`;
      return at;
    };
    // A call block's body has a `caller` of its own, as in Jinja2: the one its macro passes it (`caller(caller=…)`), else
    // undefined ("No caller defined" when called). nunjucks' frame gave it the enclosing macro's caller, so a call
    // block inside a macro called as a call block rendered that macro's caller where Jinja2 raises.
    const ownCaller = node.typename === 'Caller' ? ' frame.set("caller", undefined);' : '';
    const uses = namesUsed(node.body as AstNode, new Set(['varargs', 'kwargs']));
    const name = node.typename === 'Caller' ? 'caller' : String((node.name as AstNode).value);
    const extras = ` runtime.handoffMacroExtras(frame, ${JSON.stringify(name)}, ${uses.has('varargs')}, ${uses.has('kwargs')});`;
    const own = replace(frame === undefined ? 'frame = new runtime.Frame();' : 'frame = frame.push(true);', `frame = ${defining}.push(true);${ownCaller}${extras}`, start);
    if (frame !== undefined) {
      const end = this.codebuf.findIndex((code, i) => i > own && code.startsWith('return new runtime.SafeString('));
      replace('frame = frame.pop();', 'frame = callerFrame;', end - 1);
    }
    // A call block's `caller` has no name there: `<Macro anonymous>`.
    const shown = node.typename === 'Caller' ? 'anonymous' : `'${name}'`;
    const attributes = {
      // A call block's caller is anonymous: Jinja2's name is None.
      name: node.typename === 'Caller' ? null : name,
      arguments: macroArgumentNames(node),
      caller: namesReadFirst(node.body as AstNode, new Set(['caller'])).has('caller'),
      catch_kwargs: uses.has('kwargs'),
      catch_varargs: uses.has('varargs'),
    };
    this._emitLine(`runtime.handoffMacro(${id}, ${JSON.stringify(shown)}, ${JSON.stringify(attributes)});`);
    return id;
  };

  const parser = internals.parser.Parser.prototype as Parser;
  const parseStatement = (parser as unknown as { parseStatement(this: Parser): AstNode | null }).parseStatement;
  // `{% for x in items recursive %}` (and `… if cond recursive`): the marker after the items, as in Jinja2.
  const parseFor = (parser as unknown as { parseFor(this: Parser): AstNode }).parseFor;
  Object.assign(parser, {
    parseFor(this: Parser): AstNode {
      let recursive = false;
      const advance = this.advanceAfterBlockEnd;
      this.advanceAfterBlockEnd = function afterRecursive(this: Parser, name?: string) {
        // Only the first end of block, the for tag's own.
        delete (this as Partial<Parser>).advanceAfterBlockEnd;
        if (name === 'for') recursive = this.skipSymbol('recursive');
        return advance.call(this, name);
      };
      try {
        const node = parseFor.call(this);
        node.handoffRecursive = recursive;
        return node;
      } finally {
        delete (this as Partial<Parser>).advanceAfterBlockEnd;
      }
    },
    parseStatement(this: Parser): AstNode | null {
      const token = this.peekToken();
      if (token?.type === 'symbol' && token.value === 'with' && !this.breakOnBlocks?.includes('with')) return parseWith(this, token);
      return parseStatement.call(this);
    },
    /**
     * Jinja2's raw block: its text up to the first `{% endraw %}` (raw blocks do not nest there), with whitespace
     * control on both tags (`{% raw -%}` and `{%- endraw %}` trim the text inside, `{% endraw -%}` what follows).
     * nunjucks found only `{% endraw %}` without a `-` ("unknown block tag: endraw") and nested raw blocks.
     */
    parseRaw(this: Parser, tagName = 'raw'): AstNode {
      const begun = this.advanceAfterBlockEnd();
      const trimStart = this.dropLeadingWhitespace;
      this.dropLeadingWhitespace = false;
      const end = this.tokens._extractRegex(new RegExp(`([\\s\\S]*?)\\{%(-?)[+]?\\s*end${tagName}\\s*(-?)[+]?%\\}`));
      // checkRawBlocksClosed refused a raw block without its end before parsing.
      if (!end) this.fail(`unexpected end of template: {% ${tagName} %} is never closed`, begun.lineno, begun.colno);
      let text = end[1]!;
      if (trimStart) text = text.replace(/^\s+/, '');
      if (end[2] === '-') text = text.replace(/\s+$/, '');
      this.dropLeadingWhitespace = end[3] === '-';
      return new nodes.Output(begun.lineno, begun.colno, [new nodes.TemplateData(begun.lineno, begun.colno, text)]);
    },
    // nunjucks' set, with Jinja2's value: a bare tuple (`{% set a, b = 1, 2 %}`, `{% set t = 1, %}`).
    parseSet(this: Parser): AstNode {
      const tag = this.peekToken()!;
      this.skipSymbol('set');
      const node = new nodes.Set(tag.lineno, tag.colno, []);
      const targets = node.targets as AstNode[];
      targets.push(this.parsePrimary());
      while (this.skip('comma')) targets.push(this.parsePrimary());
      if (this.skipValue('operator', '=')) {
        node.value = parseTuple(this);
        this.advanceAfterBlockEnd(tag.value);
      } else {
        if (this.peekToken()?.type !== 'block-end') this.fail('expected = or %} in the set tag', tag.lineno, tag.colno);
        // Through advanceAfterBlockEnd, so `{% set x -%}` drops the whitespace after it, as Jinja2 does.
        this.advanceAfterBlockEnd(tag.value);
        node.body = new nodes.Capture(tag.lineno, tag.colno, this.parseUntilBlocks('endset'));
        node.value = null;
        this.advanceAfterBlockEnd();
      }
      return node;
    },
  });
  const parseTuple = (p: Parser): AstNode => {
    const first = p.parseExpression();
    if (p.peekToken()?.type !== 'comma') return first;
    const items = [first];
    while (p.skip('comma') && p.peekToken()?.type !== 'block-end') items.push(p.parseExpression());
    return new TupleNode(first.lineno, first.colno, items);
  };
  const parseWith = (p: Parser, tag: ParserToken): AstNode => {
    p.nextToken();
    const [targets, values]: [AstNode[], AstNode[]] = [[], []];
    while (p.peekToken()?.type !== 'block-end') {
      if (targets.length > 0 && !p.skip('comma')) p.fail('expected , or %} in the with tag');
      const target = p.parsePrimary(true);
      if (target.typename !== 'Symbol') p.fail('with takes names to set (`{% with a = 1, b = 2 %}`)', target.lineno, target.colno);
      if (!p.skipValue('operator', '=')) p.fail('expected = after the name in the with tag');
      targets.push(target);
      values.push(p.parseExpression());
    }
    p.advanceAfterBlockEnd(tag.value);
    const body = p.parseUntilBlocks('endwith');
    p.advanceAfterBlockEnd();
    return new WithNode(tag.lineno, tag.colno, targets, values, body);
  };

  // `(1,)` and `()` are tuples, and a trailing comma is allowed in a list, dict or tuple (`[1, 2,]`), as in Jinja2;
  // nunjucks refused the comma and read `()` as an empty JavaScript group. A bracket must close with its own kind.
  const Group = (internals.nodes as unknown as Record<'Group' | 'Array' | 'Dict' | 'Pair', NodeClass>);
  const closers: Record<string, string> = { 'left-paren': 'right-paren', 'left-bracket': 'right-bracket', 'left-curly': 'right-curly' };
  const closerText: Record<string, string> = { 'right-paren': ')', 'right-bracket': ']', 'right-curly': '}' };
  // nunjucks' Jinja2 compatibility parses a slice (`s[1:]`) when its list parse fails: a bracket is tried there first,
  // and parsed here (for a trailing comma) when that fails too, from the same place.
  const compatAggregate = (parser as unknown as { parseAggregate(this: Parser): AstNode | null }).parseAggregate;
  Object.assign(parser, {
    parseAggregate(this: Parser): AstNode | null {
      if (this.peekToken()?.type === 'left-bracket') {
        const tokens = (this as unknown as { tokens: Tokenizer }).tokens;
        // The bracket was read already (peeked): the state to parse it again from is one character back.
        const [index, lineno, colno] = [tokens.index - 1, tokens.lineno, tokens.colno - 1];
        let node: AstNode | null;
        try {
          node = compatAggregate.call(this);
        } catch {
          // Its parse may have read past the end of the tag: the bracket is inside one.
          Object.assign(tokens, { index, lineno, colno, in_code: true });
          (this as unknown as { peeked: unknown }).peeked = null;
          return parseAggregate.call(this);
        }
        // nunjucks' list parse ends at any closing bracket (`[1, 2)` was a list); Jinja2 wants `]`.
        const last = (this as Parser & { handoffLastToken?: ParserToken | null }).handoffLastToken;
        if (last && last.type !== 'right-bracket' && last.type in closerText) {
          this.fail(`unexpected '${closerText[last.type]}', expected ']'`, last.lineno, last.colno);
        }
        return node;
      }
      return parseAggregate.call(this);
    },
  });
  // A call's arguments end at `)`: another closing bracket (`f(1]`, `f(1, ]`, `f(}`) is Jinja2's "unexpected ']',
  // expected ')'", where nunjucks said "parseSignature: expected comma after expression" or "unexpected token: ]".
  // Each argument's start is checked (not what is inside it: `f(a[])` has its own error), and a missing comma named.
  const parseSignature = (parser as unknown as { parseSignature(this: Parser, tolerant?: boolean, noParens?: boolean): AstNode | null }).parseSignature;
  const wrongCloser = (p: Parser): void => {
    const next = p.peekToken();
    if (next && next.type !== 'right-paren' && next.type in closerText) p.fail(`unexpected '${closerText[next.type]}', expected ')'`, next.lineno, next.colno);
  };
  // A macro's and a call block's signatures are parsed as a call's arguments are: the signature parsed first after
  // `{% macro` or `{% call` is marked a definition, so a star there is told as a definition's (not a call's).
  type SignatureParser = Parser & { handoffDefinition?: boolean };
  const parserWithBlocks = parser as unknown as Record<'parseMacro' | 'parseCall', (this: SignatureParser) => AstNode>;
  for (const method of ['parseMacro', 'parseCall'] as const) {
    const original = parserWithBlocks[method];
    parserWithBlocks[method] = function parseDefinition(this: SignatureParser): AstNode {
      this.handoffDefinition = true;
      try {
        return original.call(this);
      } finally {
        this.handoffDefinition = false;
      }
    };
  }
  Object.assign(parser, {
    parseSignature(this: SignatureParser, tolerant?: boolean, noParens?: boolean): AstNode | null {
      const definition = this.handoffDefinition === true;
      this.handoffDefinition = false;
      if (noParens) return parseSignature.call(this, tolerant, noParens);
      const own = Object.getOwnPropertyDescriptor(this, 'parseExpression');
      const checked = function parseArgument(this: Parser): AstNode {
        wrongCloser(this);
        // Jinja2 unpacks `f(*items)` and `f(**mapping)`; nunjucks has no such arguments (it failed on them with an
        // internal error or "unexpected token"), so they are refused here by what they are. In a macro's signature
        // Jinja2 refuses them too: a macro takes extra arguments as varargs and kwargs.
        const star = this.peekToken();
        if (star && star.type === 'operator' && (star.value === '*' || star.value === '**')) {
          if (definition) {
            this.fail(
              `\`${star.value}\` before a macro's argument name is not Jinja2 either (expected token 'name', got '${star.value}'): name the arguments, and read extra ones from \`varargs\` and \`kwargs\` in the macro`,
              star.lineno,
              star.colno,
            );
          }
          this.fail(`\`${star.value}\` before a call's argument (Jinja2's unpacking of a ${star.value === '*' ? 'list' : 'dict'} into arguments) is not supported in handoff's templates: give the arguments one by one`, star.lineno, star.colno);
        }
        // The argument itself is parsed as any expression, its own calls checked by their own parseSignature.
        delete (this as Partial<Parser>).parseExpression;
        try {
          return this.parseExpression();
        } finally {
          this.parseExpression = checked;
        }
      };
      this.parseExpression = checked;
      try {
        return parseSignature.call(this, tolerant, noParens);
      } catch (e) {
        if (/expected comma after expression/.test(String((e as Error).message))) {
          wrongCloser(this);
          const next = this.peekToken();
          if (next) this.fail("expected ',' or ')' after an argument", next.lineno, next.colno);
        }
        throw e;
      } finally {
        if (own) Object.defineProperty(this, 'parseExpression', own);
        else delete (this as Partial<Parser>).parseExpression;
      }
    },
  });
  // The token the parser took last: after nunjucks' list parse, the bracket that closed the list.
  const parserNextToken = parser.nextToken;
  parser.nextToken = function nextTokenRemembered(this: Parser & { handoffLastToken?: ParserToken | null }, withWhitespace?: boolean) {
    const token = parserNextToken.call(this, withWhitespace);
    this.handoffLastToken = token;
    return token;
  };
  function parseAggregate(this: Parser): AstNode | null {
    {
      const open = this.nextToken();
      const close = open ? closers[open.type] : undefined;
      if (!open || !close) return null;
      const kind = open.type === 'left-paren' ? Group.Group : open.type === 'left-bracket' ? Group.Array : Group.Dict;
      const node = new kind(open.lineno, open.colno);
      const children = node.children as AstNode[];
      const closes = (): boolean => {
        const next = this.peekToken();
        if (!next) this.fail(`unexpected end of template, expected '${closerText[close]}'`, open.lineno, open.colno);
        if (!(next.type in closerText)) return false;
        if (next.type !== close) this.fail(`unexpected '${closerText[next.type]}', expected '${closerText[close]}'`, next.lineno, next.colno);
        this.nextToken();
        return true;
      };
      let trailingComma = false;
      while (!closes()) {
        if (children.length > 0) {
          if (!this.skip('comma')) this.fail('parseAggregate: expected comma after expression', open.lineno, open.colno);
          trailingComma = true;
          if (closes()) break;
          trailingComma = false;
        }
        if (kind === Group.Dict) {
          // A key is any expression, as in Jinja2 (`{-1: 'a'}`, `{n + 1: 'b'}`).
          const key = this.parseExpression();
          if (!this.skip('colon')) this.fail('parseAggregate: expected colon after dict key', open.lineno, open.colno);
          const value = this.parseExpression();
          children.push(new Group.Pair(key.lineno, key.colno, key, value));
        } else {
          children.push(this.parseExpression());
        }
      }
      if (kind === Group.Group && (children.length === 0 || (children.length === 1 && trailingComma))) return new TupleNode(open.lineno, open.colno, children);
      return node;
    }
  }

  const tokenizer = Object.getPrototypeOf(internals.lexer.lex('', {})) as Tokenizer;
  const nextToken = tokenizer.nextToken;
  tokenizer.nextToken = function nextTokenAsJinja2(this: Tokenizer) {
    // The positions of the brackets open before this token: nunjucks' slice parse goes back and reads some again.
    const state = this as Tokenizer & { handoffOpen?: number[] };
    const open = (state.handoffOpen ??= []);
    while (open.length > 0 && open[open.length - 1]! >= this.index) open.pop();
    if (this.in_code && !this.isFinished()) {
      if (/[0-9]/.test(this.current())) {
        const token = numberToken(this);
        if (token) return token;
      }
      // Inside brackets `}}` and `%}` do not end the tag, as in Jinja2's lexer: `{{ {'a': {'b': 1}} }}` is a dict.
      if (open.length > 0 && /^-?[}%]\}/.test(this.str.slice(this.index, this.index + 3))) {
        const [lineno, colno] = [this.lineno, this.colno];
        const ch = this.current();
        this.forward();
        if (ch === '}') open.pop();
        return { type: ch === '}' ? 'right-curly' : 'operator', value: ch, lineno, colno };
      }
    }
    // Jinja2's `{%+` and `+%}` turn lstrip_blocks and trim_blocks off for one tag; both are off in handoff (as in the
    // original's Jinja2 environment), so the `+` changes nothing and is dropped, where nunjucks refused it.
    if (this.in_code && this.str.startsWith('+%}', this.index)) this.forward();
    const at = this.index;
    const token = nextToken.call(this);
    if (token?.type === 'block-start' && token.value === '{%' && this.current() === '+') this.forward();
    if (token?.type === 'left-paren' || token?.type === 'left-bracket' || token?.type === 'left-curly') open.push(at);
    else if (token?.type === 'right-paren' || token?.type === 'right-bracket' || token?.type === 'right-curly') open.pop();
    else if (!this.in_code) open.length = 0;
    return token;
  };
}
