// A small HCL (Terraform language) writer: blocks, attributes, strings, lists, objects, references, templates and calls.

/** A reference or other expression written as it is, e.g. `aws_vpc.vpc.id`. */
export class HclExpr {
  constructor(readonly text: string) {}
}

/** A quoted string with interpolations: literal parts are escaped, expressions go inside `${…}`. */
export class HclTemplate {
  constructor(readonly parts: (string | HclExpr)[]) {}
}

/** A function call such as `jsonencode({...})`, its arguments written with the surrounding indentation. */
export class HclCall {
  constructor(
    readonly name: string,
    readonly args: HclValue[],
  ) {}
}

export type HclValue = string | number | boolean | null | HclExpr | HclTemplate | HclCall | HclValue[] | { [key: string]: HclValue };

/** A block: `resource "aws_vpc" "vpc" { … }`. Body entries that are blocks (or lists of blocks) become nested blocks. */
export class HclBlock {
  constructor(
    readonly type: string,
    readonly labels: string[],
    readonly body: Record<string, HclValue | HclBlock | HclBlock[] | undefined>,
  ) {}
}

export function makeExpr(text: string): HclExpr {
  return new HclExpr(text);
}

export function makeCall(name: string, ...args: HclValue[]): HclCall {
  return new HclCall(name, args);
}

export function makeBlock(type: string, labels: string[], body: Record<string, HclValue | HclBlock | HclBlock[] | undefined>): HclBlock {
  return new HclBlock(type, labels, body);
}

/** Escapes a literal for inside double quotes; `${` and `%{` would start an interpolation or directive. */
function escapeLiteral(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function isBlockEntry(value: unknown): value is HclBlock | HclBlock[] {
  return value instanceof HclBlock || (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof HclBlock));
}

/** Writes a value; multi-line values are indented from `indent`. */
export function renderValue(value: HclValue, indent = ''): string {
  const inner = `${indent}  `;
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${escapeLiteral(value)}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof HclExpr) return value.text;
  if (value instanceof HclTemplate) return `"${value.parts.map((p) => (typeof p === 'string' ? escapeLiteral(p) : `\${${p.text}}`)).join('')}"`;
  if (value instanceof HclCall) return `${value.name}(${value.args.map((a) => renderValue(a, indent)).join(', ')})`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => renderValue(v, inner));
    const oneLine = `[${items.join(', ')}]`;
    if (!items.some((i) => i.includes('\n')) && oneLine.length <= 100) return oneLine;
    return `[\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const lines = alignAssignments(entries.map(([k, v]) => [IDENTIFIER.test(k) ? k : `"${escapeLiteral(k)}"`, renderValue(v, inner)]));
  return `{\n${lines.map((l) => `${inner}${l}`).join('\n')}\n${indent}}`;
}

/**
 * `name = value` lines with the `=` of neighbouring one-line assignments aligned, as `terraform fmt` writes them; an
 * assignment with a multi-line value stands apart from the runs before and after it.
 */
function alignAssignments(pairs: [string, string][]): string[] {
  const out: string[] = [];
  let run: [string, string][] = [];
  const flush = (): void => {
    const width = Math.max(0, ...run.map(([k]) => k.length));
    for (const [k, v] of run) out.push(`${k.padEnd(width)} = ${v}`);
    run = [];
  };
  for (const pair of pairs) {
    if (pair[1].includes('\n')) {
      flush();
      out.push(`${pair[0]} = ${pair[1]}`);
    } else {
      run.push(pair);
    }
  }
  flush();
  return out;
}

export function renderBlock(b: HclBlock, indent = ''): string {
  const inner = `${indent}  `;
  const lines: string[] = [];
  let attributes: [string, string][] = [];
  const flush = (): void => {
    lines.push(...alignAssignments(attributes).map((l) => `${inner}${l}`));
    attributes = [];
  };
  for (const [key, value] of Object.entries(b.body)) {
    if (value === undefined) continue;
    if (isBlockEntry(value)) {
      flush();
      for (const nested of Array.isArray(value) ? value : [value]) lines.push(renderBlock(nested, inner));
    } else {
      attributes.push([key, renderValue(value as HclValue, inner)]);
    }
  }
  flush();
  const head = [b.type, ...b.labels.map((l) => `"${escapeLiteral(l)}"`)].join(' ');
  return lines.length === 0 ? `${indent}${head} {}` : `${indent}${head} {\n${lines.join('\n')}\n${indent}}`;
}

/** A whole file: blocks separated by blank lines, each optionally preceded by a `#` comment. */
export function renderFile(items: (HclBlock | { comment: string })[]): string {
  const out: string[] = [];
  for (const item of items) {
    if (item instanceof HclBlock) out.push(`${renderBlock(item)}\n`);
    else out.push(item.comment.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n'));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
