// The fast reader of project.yml (js-yaml): plain documents only, with the same scalar rules as the positional reader.
import { Schema, Type, load } from 'js-yaml';
import { PLAIN_SCALAR_TYPES } from './pyyaml-scalars.js';
import { isAtTheEdgesOfTheSyntax, type PlainYaml } from './yaml-syntax-edges.js';

// The line reader (read-simple-yaml.ts) shares these without loading js-yaml.
export { isAtTheEdgesOfTheSyntax, type PlainYaml } from './yaml-syntax-edges.js';

/**
 * Whether any of PLAIN_SCALAR_TYPES takes the text: one test instead of one per type for each plain scalar, keys
 * included (`name`, `tasks`, `true`), most of which are text. The types are then tried in order only for a match.
 */
const anyTypedScalar = new RegExp(PLAIN_SCALAR_TYPES.map((type) => `(?:${type.test.source})`).join('|'));

/**
 * js-yaml knows one type, under a tag of its own, which resolves plain scalars by PLAIN_SCALAR_TYPES: an explicit tag
 * (`!!int`, `!!str`, a custom one) is then unknown to it and fails the fast read, so such documents always take the
 * positional reader. Each number's text is noted for `writtenAs`.
 */
function buildSchema(texts: Map<number, Set<string>>): Schema {
  // js-yaml calls construct right after the resolve that matched (checked in its 4.3.2 loader, the version pinned in
  // package.json): the type found there is kept for it.
  let matched: (typeof PLAIN_SCALAR_TYPES)[number] | undefined;
  const plain = new Type('tag:handoff.dev,2026:plain-scalar', {
    kind: 'scalar',
    resolve: (text: unknown) => {
      matched = undefined;
      if (typeof text !== 'string' || !anyTypedScalar.test(text)) return false;
      matched = PLAIN_SCALAR_TYPES.find((type) => type.test.test(text));
      return matched !== undefined;
    },
    construct: (text: string) => {
      const value = matched!.resolve(text);
      if (typeof value === 'number') {
        const seen = texts.get(value);
        if (seen) seen.add(text);
        else texts.set(value, new Set([text]));
      }
      return value;
    },
  });
  return new Schema({ implicit: [plain], explicit: [] });
}

/** Keys whose meaning differs between the readers (`~:` is "" to one and "null" to the other) or that need care. */
const keysForThePositionalReader = new Set(['null', '<<', '__proto__']);

/**
 * Reads a plain YAML document, or returns undefined when the document needs the positional reader: anything js-yaml
 * refuses (syntax, duplicate keys, deep nesting, unknown tags) so that reader reports it with its position, and
 * anything the two could read differently: directives, anchors and aliases, merge keys, the `!` tag, a list or
 * mapping used as a key, a null key, an empty list item, a plain or quoted scalar or a flow collection over several
 * lines, a block scalar with an explicit indentation, an empty document. The generated documents of read-plain-yaml.test.ts found
 * each of these differences and guard against new ones.
 */
export function readPlainYaml(text: string): PlainYaml | undefined {
  if (isAtTheEdgesOfTheSyntax(text)) return undefined;
  const texts = new Map<number, Set<string>>();
  // The lists and mappings js-yaml read, in the order it completed them (a collection's items before itself).
  const collections: object[] = [];
  let needsPositions = false;
  const starts: number[] = [];
  let data: unknown;
  try {
    data = load(text, {
      schema: buildSchema(texts),
      // Every node passes here when it is complete; a collection used as a key is seen here but is not in the data.
      listener(event, state) {
        if (event === 'open') {
          starts.push(state.position);
          return;
        }
        // js-yaml's state carries the node's anchor and tag too (its typings leave them out).
        const node = state as typeof state & { anchor?: string | null; tag?: string | null };
        if ((node.anchor ?? null) !== null || node.tag === '!') needsPositions = true;
        const start = starts.pop() ?? 0;
        if (isNodeAtTheEdges(text, node.kind, start, node.position)) needsPositions = true;
        if ((node.kind === 'mapping' || node.kind === 'sequence') && node.result !== null) collections.push(node.result as object);
      },
    });
  } catch {
    return undefined;
  }
  if (needsPositions || data === undefined || data === null || typeof data !== 'object') return undefined;
  if (!isEachCollectionANode(data, collections)) return undefined;
  return {
    data,
    writtenAs(value) {
      const seen = texts.get(value);
      return seen?.size === 1 ? [...seen][0] : undefined;
    },
  };
}

/**
 * Nodes the readers treat differently at the edges of YAML's indentation rules, so the positional reader decides:
 * a plain or quoted scalar over several lines (js-yaml and PyYAML accept continuation lines that the yaml package
 * refuses for their indentation), a flow collection (`[…]`, `{…}`) over several lines (js-yaml reads text after its
 * end that the others refuse), and a block scalar with an explicit indentation (`|2`: the yaml package drops its
 * lines of spaces) or that starts with lines of spaces. Other block scalars and block collections are read alike.
 * `start` is where js-yaml began the node (before the spaces that separate it), `end` where it ended.
 */
function isNodeAtTheEdges(text: string, kind: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r')) i++;
  const first = text[i];
  if (kind !== 'scalar' && first !== '[' && first !== '{') return false;
  if (first === '|' || first === '>') {
    const next = text[i + 1] === '-' || text[i + 1] === '+' ? text[i + 2] : text[i + 1];
    if (next !== undefined && next >= '0' && next <= '9') return true;
    // Leading lines of spaces only: the yaml package refuses them when they are longer than the content's
    // indentation (YAML asks for an explicit indentation then), js-yaml reads them.
    return /^[^\n]*\n(?:[ ]*\r?\n)*[ ]+\r?\n/.test(text.slice(i, end + 1));
  }
  const newline = text.indexOf('\n', i);
  return newline !== -1 && newline < end;
}

/**
 * Whether the lists and mappings of the data are the nodes js-yaml read, each at its place in the order it completed
 * them (walked the same way: items, then the collection). Not so when a collection was a key (read, but not in the
 * data), when one was not read as a node of its own (a pair in a flow list), or when a mapping lists its keys in
 * another order than written (integer-like keys, which JavaScript lists first: rare, and the positional reader then
 * decides). False as well for a key that needs the positional reader. No set of the nodes is needed to compare them:
 * a project has thousands.
 */
function isEachCollectionANode(data: unknown, nodes: readonly object[]): boolean {
  let next = 0;
  const visit = (value: unknown): boolean => {
    if (value === null || typeof value !== 'object') return true;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (!visit(value[i])) return false;
    } else {
      // for…in, not Object.keys: js-yaml's mappings are plain objects, and a project has thousands of them.
      for (const key in value) {
        if (keysForThePositionalReader.has(key) || !visit((value as Record<string, unknown>)[key])) return false;
      }
    }
    return nodes[next++] === value;
  };
  return visit(data) && next === nodes.length;
}
