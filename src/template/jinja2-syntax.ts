// Jinja2 statements and literals nunjucks lacks or reads otherwise: `loop`, loop filters, with, set unpacking and ns.attr, numbers.
import type { AstNode, CompileMethod, CompilerInternals, NodeClass, NunjucksInternals, ParserInternals, ParserToken, TokenizerInternals } from './template-engine.js';
import { PythonTemplateError, isMapping } from './python-ops.js';
import { iterate } from './python-filters.js';
import { describeAs } from './python-str.js';
import { LoopContext, Namespace, unpack } from './jinja2-objects.js';

/** A compile-time frame of nunjucks: which template names are which JavaScript variables. */
interface CompileFrame {
  push(isolateWrites?: boolean): CompileFrame;
  set(name: string, id: string): void;
}
interface Compiler extends CompilerInternals {
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
type Nodes = Record<'Set' | 'Capture' | 'NodeList' | 'Symbol', NodeClass>;

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
  const value = base === 10 ? digits : String(parseInt(digits.slice(2), base));
  return { type: 'int', value, lineno, colno };
}

/**
 * Items a loop filter (`for x in items if cond`) keeps, as Jinja2 filters them before the loop (and its `loop`); without
 * a filter, a dict's keys (for a loop of one name), a str's characters and any other value as it is.
 */
function loopFilter(items: unknown, keep?: (item: unknown) => boolean): unknown {
  if (!keep) return isMapping(items) ? Object.keys(items) : typeof items === 'string' ? Array.from(items) : items;
  // None is left to the loop, which skips it as it always has.
  return items === null ? items : iterate(items).filter(keep);
}

function setAttribute(target: unknown, name: unknown, value: unknown): void {
  if (!(target instanceof Namespace)) {
    throw new PythonTemplateError('TemplateRuntimeError: cannot assign attribute on non-namespace object', 'make it a namespace first: {% set ns = namespace(name=…) %}, then {% set ns.name = … %}');
  }
  target.set(String(name), value);
}

/**
 * Installs Jinja2's `loop` (previtem, nextitem, depth, cycle, changed), loop filters, `{% with %}`, `{% set a, b = … %}`,
 * `{% set ns.attr = … %}`, its number literals and macros that print as `<Macro 'name'>`.
 */
export function installJinja2Syntax(internals: NunjucksInternals): void {
  const nodes = internals.nodes as unknown as Nodes;
  const Node = internals.nodes.Node;
  const LoopFilterNode = Node.extend('HandoffLoopFilter', { fields: ['iterable', 'cond', 'name'] });
  const WithNode = Node.extend('HandoffWith', { fields: ['targets', 'values', 'body'] });
  const CodeNode = Node.extend('HandoffCode', { fields: ['code'] });
  const TupleNode = nodes.NodeList.extend('HandoffTuple', {});
  Object.assign(internals.runtime, {
    handoffLoop: LoopContext.at,
    handoffLoopFilter: loopFilter,
    handoffUnpack: unpack,
    handoffSetAttribute: setAttribute,
    handoffMacro: (macro: object, name: string) => describeAs(macro, `<Macro ${name}>`),
  });
  const compiler = internals.compiler.Compiler.prototype as Compiler;
  const assertType = compiler.assertType;
  compiler.assertType = function assertTypeWithOurs(this: CompilerInternals, node: unknown, ...types: unknown[]) {
    if (!(node instanceof LoopFilterNode || node instanceof CodeNode || node instanceof TupleNode)) assertType.call(this, node, ...types);
  };

  // `loop` is one object per iteration, made from the loop's items (previtem, nextitem) and its previous iteration's
  // `loop` (what changed() saw); nunjucks set only index…length, as `loop.index` names of the frame.
  compiler._emitLoopBindings = function emitJinja2Loop(this: Compiler, _node: unknown, arr: string, i: string) {
    this._emitLine(`frame.set("loop", runtime.handoffLoop(${arr}, ${i}, frame.variables.loop));`);
  };

  // `for x in items if cond`: the items are filtered first, so `loop` and `else` see only those kept, as in Jinja2. A
  // loop of one name over a dict takes its keys, as in Python (nunjucks looped over nothing).
  const compileFor = compiler.compileFor!;
  compiler.compileFor = method(function compileForWithFilter(node, frame, ...rest) {
    const arr = node.arr as AstNode;
    const filtered = arr.typename === 'InlineIf' && !arr.else_;
    if (!filtered && (node.name as AstNode).typename !== 'Symbol') return compileFor.call(this, node, frame, ...rest);
    node.arr = filtered ? new LoopFilterNode(arr.lineno, arr.colno, arr.body, arr.cond, node.name) : new LoopFilterNode(arr.lineno, arr.colno, arr, null, node.name);
    try {
      compileFor.call(this, node, frame, ...rest);
    } finally {
      node.arr = arr;
    }
  });
  compiler.compileHandoffLoopFilter = method(function compileLoopFilter(node, frame) {
    this._emit('runtime.handoffLoopFilter(');
    this._compileExpression(node.iterable, frame);
    if (!node.cond) {
      this._emit(')');
      return;
    }
    const item = this._tmpid();
    const inner = frame.push();
    this._emit(`, function(${item}) { `);
    const name = node.name as AstNode;
    if (name.typename === 'Array') {
      const names = name.children as AstNode[];
      const parts = this._tmpid();
      this._emit(`var ${parts} = runtime.handoffUnpack(${item}, ${names.length}); `);
      names.forEach((child, u) => inner.set(String(child.value), `${parts}[${u}]`));
    } else {
      inner.set(String(name.value), item);
    }
    this._emit('return runtime.handoffTruthy(');
    this._compileExpression(node.cond, inner);
    this._emit('); })');
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
  const compileMacro = compiler._compileMacro;
  compiler._compileMacro = function compileNamedMacro(this: Compiler, node: AstNode, frame?: unknown) {
    const id = compileMacro.call(this, node, frame);
    // A call block's `caller` has no name there: `<Macro anonymous>`.
    const name = node.typename === 'Caller' ? 'anonymous' : `'${String((node.name as AstNode).value)}'`;
    this._emitLine(`runtime.handoffMacro(${id}, ${JSON.stringify(name)});`);
    return id;
  };

  const parser = internals.parser.Parser.prototype as Parser;
  const parseStatement = (parser as unknown as { parseStatement(this: Parser): AstNode | null }).parseStatement;
  Object.assign(parser, {
    parseStatement(this: Parser): AstNode | null {
      const token = this.peekToken();
      if (token?.type === 'symbol' && token.value === 'with' && !this.breakOnBlocks?.includes('with')) return parseWith(this, token);
      return parseStatement.call(this);
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
        if (!this.skip('block-end')) this.fail('expected = or %} in the set tag', tag.lineno, tag.colno);
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

  const tokenizer = Object.getPrototypeOf(internals.lexer.lex('', {})) as Tokenizer;
  const nextToken = tokenizer.nextToken;
  tokenizer.nextToken = function nextTokenWithNumbers(this: Tokenizer) {
    if (this.in_code && !this.isFinished() && /[0-9]/.test(this.current())) {
      const token = numberToken(this);
      if (token) return token;
    }
    return nextToken.call(this);
  };
}
