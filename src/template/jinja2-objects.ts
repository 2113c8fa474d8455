// Jinja2's own objects and globals that nunjucks lacks or has otherwise: `loop`, namespace(), dict(), cycler(), joiner().
import { PythonTemplateError, dictKeyName, isMapping, keywordsOf, pythonTypeName, setDictItem } from './python-ops.js';
import { iterate } from './python-filters.js';
import { describeAs, dictKeyOf, dictKeys, formatPythonRepr, madeUpAddress, PythonIterator, PythonObject, PythonTuple } from './python-str.js';
import { pythonEquals } from './python-tests.js';

function fail(message: string): never {
  throw new PythonTemplateError(message);
}

/** What a loop's `changed()` has not been given yet (Jinja2's `missing`). */
const NOT_YET = Symbol('not yet');

/** What the iterations of one loop share: the value `loop.changed()` saw last. */
interface LoopState {
  lastChanged: unknown;
}

/**
 * Jinja2's `loop` in a for loop: index, index0, revindex, revindex0, first, last, length, previtem and nextitem
 * (undefined at the ends), depth and depth0 (how deep a `recursive` loop's `loop(items)` calls are: 1 and 0 at the
 * top), cycle(…) and changed(…); it prints as `<LoopContext 1/3>`, and in a recursive loop `loop(items)` renders the
 * loop's body over `items`, one level deeper.
 */
export class LoopContext extends PythonObject {
  readonly typeName = 'LoopContext';
  readonly #items: unknown[];
  readonly #index0: number;
  readonly #state: LoopState;
  readonly #depth: number;
  readonly #recurse: ((items: unknown) => unknown) | undefined;

  constructor(items: unknown[], index0: number, state: LoopState, depth = 1, recurse?: (items: unknown) => unknown) {
    super();
    this.#items = items;
    this.#index0 = index0;
    this.#state = state;
    this.#depth = depth;
    this.#recurse = recurse;
  }

  /**
   * The loop of item `index0` of `items`; `previous` is the same loop's context at the iteration before (if any). A
   * recursive loop gives its depth and the function that renders its body over other items one level deeper.
   */
  static at(items: unknown, index0: number, previous: unknown, depth?: number, recurse?: (items: unknown) => unknown): LoopContext {
    const originals = typeof items === 'object' && items !== null ? LOOP_ORIGINALS.get(items) : undefined;
    const list = originals ?? (Array.isArray(items) ? items : typeof items === 'object' && items !== null ? dictKeys(items) : []);
    const state = previous instanceof LoopContext ? previous.#state : { lastChanged: NOT_YET };
    return new LoopContext(list, index0, state, depth, recurse);
  }

  /** `loop(items)`: the loop's body rendered over `items`, in a loop marked `recursive` only (as in Jinja2). */
  call(args: unknown[]): unknown {
    if (!this.#recurse) fail("TypeError: The loop must have the 'recursive' marker to be called recursively.");
    const [positional, keywords] = keywordsOf(args);
    if (Object.keys(keywords).length > 0) fail(`TypeError: LoopContext.__call__() got an unexpected keyword argument '${Object.keys(keywords)[0]}'`);
    if (positional.length === 0) fail("TypeError: LoopContext.__call__() missing 1 required positional argument: 'iterable'");
    if (positional.length > 1) fail(`TypeError: LoopContext.__call__() takes 2 positional arguments but ${positional.length + 1} were given`);
    return this.#recurse(positional[0]);
  }

  member(name: string): unknown {
    const [i, n] = [this.#index0, this.#items.length];
    switch (name) {
      case 'index':
        return i + 1;
      case 'index0':
        return i;
      case 'revindex':
        return n - i;
      case 'revindex0':
        return n - i - 1;
      case 'first':
        return i === 0;
      case 'last':
        return i === n - 1;
      case 'length':
        return n;
      case 'depth':
        return this.#depth;
      case 'depth0':
        return this.#depth - 1;
      case 'previtem':
        return i > 0 ? this.#items[i - 1] : undefined;
      case 'nextitem':
        return i < n - 1 ? this.#items[i + 1] : undefined;
      case 'cycle':
        return describeAs((...args: unknown[]) => {
          if (args.length === 0) fail('TypeError: no items for cycling given');
          return args[i % args.length];
        }, `<bound method LoopContext.cycle of ${this.repr()}>`);
      case 'changed':
        return describeAs((...args: unknown[]) => {
          const value = PythonTuple.from(args);
          if (this.#state.lastChanged !== NOT_YET && pythonEquals(this.#state.lastChanged, value)) return false;
          this.#state.lastChanged = value;
          return true;
        }, `<bound method LoopContext.changed of ${this.repr()}>`);
      default:
        return undefined;
    }
  }

  repr(): string {
    return `<LoopContext ${this.#index0 + 1}/${this.#items.length}>`;
  }
}

/** Jinja2's `namespace(…)`: attributes a `{% set ns.name = … %}` can change from inside a loop or block. */
export class Namespace extends PythonObject {
  readonly typeName = 'Namespace';
  readonly #attributes: Record<string, unknown>;

  constructor(attributes: Record<string, unknown>) {
    super();
    this.#attributes = attributes;
  }

  member(name: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.#attributes, name) ? this.#attributes[name] : undefined;
  }

  set(name: string, value: unknown): void {
    this.#attributes[name] = value;
  }

  repr(): string {
    return `<Namespace ${formatPythonRepr(this.#attributes)}>`;
  }
}

/** Jinja2's `cycler(…)`: next() gives its items in turn, `current` the one next() gives next, reset() starts again. */
export class Cycler extends PythonObject {
  readonly typeName = 'Cycler';
  readonly #items: PythonTuple;
  readonly #address = madeUpAddress();
  #position = 0;

  constructor(items: unknown[]) {
    super();
    if (items.length === 0) fail('RuntimeError: at least one item has to be provided');
    this.#items = PythonTuple.from(items);
  }

  member(name: string): unknown {
    switch (name) {
      case 'current':
        return this.#items[this.#position];
      case 'items':
        return this.#items;
      case 'next':
        return describeAs(() => {
          const item = this.#items[this.#position];
          this.#position = (this.#position + 1) % this.#items.length;
          return item;
        }, `<bound method Cycler.next of ${this.repr()}>`);
      case 'reset':
        return describeAs(() => {
          this.#position = 0;
          return null;
        }, `<bound method Cycler.reset of ${this.repr()}>`);
      default:
        return undefined;
    }
  }

  repr(): string {
    return `<jinja2.utils.Cycler object at ${this.#address}>`;
  }
}

/** Python's `dict(mapping_or_pairs, **kwargs)`, which namespace() takes too. */
function pythonDict(name: string, rest: unknown[]): Record<string, unknown> {
  return updateDict({}, name, rest);
}

/** Python's `dict.update(mapping_or_pairs, **kwargs)` of `out` (which `dict(…)` starts empty). */
function updateDict(out: Record<string, unknown>, name: string, rest: unknown[]): Record<string, unknown> {
  const [args, kwargs] = keywordsOf(rest);
  if (args.length > 1) fail(`TypeError: ${name} expected at most 1 argument, got ${args.length}`);
  const [source] = args;
  if (isMapping(source)) for (const key of Object.keys(source)) setDictItem(out, dictKeyOf(key), source[key]);
  else if (args.length === 1) {
    if (source === undefined || source === null || typeof source !== 'object' && typeof source !== 'string') {
      fail(`TypeError: '${pythonTypeName(source)}' object is not iterable`);
    }
    iterate(source).forEach((pair, i) => {
      const items = typeof pair === 'string' || Array.isArray(pair) || pair instanceof PythonIterator ? iterate(pair) : undefined;
      if (items === undefined) fail(`TypeError: cannot convert dictionary update sequence element #${i} to a sequence`);
      if (items.length !== 2) fail(`ValueError: dictionary update sequence element #${i} has length ${items.length}; 2 is required`);
      setDictItem(out, items[0], items[1]);
    });
  }
  for (const [key, value] of Object.entries(kwargs)) setDictItem(out, key, value);
  return out;
}

/**
 * Python's dict methods that change the dict, in place of nunjucks' (which took a key that is not a str as its
 * digits, `d.pop(1)` finding `'1'`, and popitem the first key where Python takes the last).
 */
export const DICT_MUTATORS: Record<string, (dict: Record<string, unknown>, args: unknown[]) => unknown> = {
  pop(dict, args) {
    if (args.length < 1 || args.length > 2) fail(`TypeError: pop expected ${args.length < 1 ? 'at least 1 argument' : 'at most 2 arguments'}, got ${args.length}`);
    const name = dictKeyName(dict, args[0]);
    if (name === undefined) {
      if (args.length === 2) return args[1];
      fail(`KeyError: ${formatPythonRepr(args[0])}`);
    }
    const value = dict[name];
    delete dict[name];
    return value;
  },
  popitem(dict, args) {
    if (args.length > 0) fail(`TypeError: dict.popitem() takes no arguments (${args.length} given)`);
    const name = Object.keys(dict).at(-1);
    if (name === undefined) fail("KeyError: 'popitem(): dictionary is empty'");
    const value = dict[name];
    delete dict[name];
    return PythonTuple.from([dictKeyOf(name), value]);
  },
  setdefault(dict, args) {
    if (args.length < 1 || args.length > 2) fail(`TypeError: setdefault expected ${args.length < 1 ? 'at least 1 argument' : 'at most 2 arguments'}, got ${args.length}`);
    const name = dictKeyName(dict, args[0]);
    if (name !== undefined) return dict[name];
    const value = args.length === 2 ? args[1] : null;
    setDictItem(dict, args[0], value);
    return value;
  },
  update(dict, args) {
    updateDict(dict, 'update', args);
    return null;
  },
};

/** Python's unpacking of `value` into `count` names (`{% set a, b = … %}`), with Python's errors. */
export function unpack(value: unknown, count: number): unknown[] {
  if (value === null || (typeof value !== 'object' && typeof value !== 'string' && value !== undefined)) {
    fail(`TypeError: cannot unpack non-iterable ${pythonTypeName(value)} object`);
  }
  const items = iterate(value);
  if (items.length > count) fail(`ValueError: too many values to unpack (expected ${count})`);
  if (items.length < count) fail(`ValueError: not enough values to unpack (expected ${count}, got ${items.length})`);
  return items;
}

/** The items of a loop of several names as the loop was given them, for its `loop.previtem` and `nextitem`. */
const LOOP_ORIGINALS = new WeakMap<object, unknown[]>();

/**
 * Each item of a loop of `names` names (`for k, v in …`) unpacked as Python unpacks it, in the list of lists nunjucks
 * binds the names from; its `loop` still sees the items as they were (`loop.previtem` is `('a', 1)`, not a list).
 */
export function unpackedLoopItems(items: unknown[], names: number): unknown[][] {
  const unpacked = items.map((item) => unpack(item, names));
  LOOP_ORIGINALS.set(unpacked, items);
  return unpacked;
}

/** Jinja2's globals that nunjucks has not, or has otherwise (its cycler's `current` and joiner's `,`). */
export const JINJA2_GLOBALS: Record<string, unknown> = {
  // Jinja2's lorem ipsum is random text, which nothing can rely on: refused where it is called, with what to write.
  lipsum: describeAs(() => {
    throw new PythonTemplateError("lipsum() is not supported in handoff's templates: Jinja2's lorem ipsum is random text", 'write the placeholder text into the template itself');
  }, `<function generate_lorem_ipsum at ${madeUpAddress()}>`),
  dict: describeAs((...rest: unknown[]) => pythonDict('dict', rest), "<class 'dict'>"),
  namespace: describeAs((...rest: unknown[]) => new Namespace(pythonDict('namespace', rest)), "<class 'jinja2.utils.Namespace'>"),
  cycler: describeAs((...items: unknown[]) => new Cycler(keywordsOf(items)[0]), "<class 'jinja2.utils.Cycler'>"),
  joiner: describeAs((...rest: unknown[]) => {
    const [args, kwargs] = keywordsOf(rest);
    // Its separator is `', '` when not given (nunjucks' was `,`).
    const sep = 'sep' in kwargs ? kwargs.sep : args.length > 0 ? args[0] : ', ';
    let first = true;
    return describeAs(() => {
      if (first) {
        first = false;
        return '';
      }
      return sep;
    }, `<jinja2.utils.Joiner object at ${madeUpAddress()}>`);
  }, "<class 'jinja2.utils.Joiner'>"),
};

