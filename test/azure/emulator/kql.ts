// Test helper: the part of Kusto (KQL) the emulator's Log Analytics answers — let, tables or a union, where, project, order by, take.
export type Row = Record<string, string | number | null>;

type Token = { kind: 'string' | 'word' | 'symbol'; text: string };

/** KQL string literals: '…' and "…" with backslash escapes, and verbatim @'…' / @"…". */
function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '@' && (query[i + 1] === "'" || query[i + 1] === '"')) {
      const quote = query[i + 1]!;
      const end = query.indexOf(quote, i + 2);
      if (end < 0) throw new Error('unterminated verbatim string');
      tokens.push({ kind: 'string', text: query.slice(i + 2, end) });
      i = end + 1;
    } else if (c === "'" || c === '"') {
      let text = '';
      i++;
      while (i < query.length && query[i] !== c) {
        if (query[i] === '\\') i++;
        text += query[i];
        i++;
      }
      if (query[i] !== c) throw new Error('unterminated string');
      tokens.push({ kind: 'string', text });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(query.slice(i))![0];
      tokens.push({ kind: 'word', text: word });
      i += word.length;
    } else if (/[0-9]/.test(c)) {
      const number = /^[0-9]+/.exec(query.slice(i))![0];
      tokens.push({ kind: 'word', text: number });
      i += number.length;
    } else {
      const two = query.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ kind: 'symbol', text: two });
        i += 2;
      } else if (c === '!' && /^!has\b/.test(query.slice(i))) {
        tokens.push({ kind: 'word', text: '!has' });
        i += 4;
      } else if (c === '!' && /^!in\b/.test(query.slice(i))) {
        tokens.push({ kind: 'word', text: '!in' });
        i += 3;
      } else if ('|(),;='.includes(c)) {
        tokens.push({ kind: 'symbol', text: c });
        i++;
      } else {
        throw new Error(`unexpected "${c}" in the query`);
      }
    }
  }
  return tokens;
}

type Predicate = (row: Row) => boolean;

class Parser {
  private at = 0;
  /** Tabular `let` names: a column's value `in (name)` is one of the first column's values of that result. */
  readonly lets = new Map<string, Row[]>();
  constructor(private readonly tokens: Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.at];
  }
  next(): Token {
    const t = this.tokens[this.at++];
    if (!t) throw new Error('the query ends too early');
    return t;
  }
  accept(text: string): boolean {
    if (this.peek()?.text === text) {
      this.at++;
      return true;
    }
    return false;
  }
  expect(text: string): void {
    const t = this.next();
    if (t.text !== text) throw new Error(`expected "${text}", found "${t.text}"`);
  }
  word(): string {
    const t = this.next();
    if (t.kind !== 'word') throw new Error(`expected a name, found "${t.text}"`);
    return t.text;
  }
  string(): string {
    const t = this.next();
    if (t.kind !== 'string') throw new Error(`expected a string, found "${t.text}"`);
    return t.text;
  }
  done(): boolean {
    return this.at >= this.tokens.length;
  }

  expression(): Predicate {
    let left = this.conjunction();
    while (this.accept('or')) {
      const l = left;
      const r = this.conjunction();
      left = (row) => l(row) || r(row);
    }
    return left;
  }
  conjunction(): Predicate {
    let left = this.unary();
    while (this.accept('and')) {
      const l = left;
      const r = this.unary();
      left = (row) => l(row) && r(row);
    }
    return left;
  }
  unary(): Predicate {
    if (this.accept('not')) {
      this.expect('(');
      const inner = this.expression();
      this.expect(')');
      return (row) => !inner(row);
    }
    if (this.accept('(')) {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    const column = this.word();
    const op = this.next().text;
    const text = (row: Row): string => String(row[column] ?? '');
    switch (op) {
      case '==': {
        const v = this.string();
        return (row) => text(row) === v;
      }
      case '!=': {
        const v = this.string();
        return (row) => text(row) !== v;
      }
      case 'startswith': {
        const v = this.string().toLowerCase();
        return (row) => text(row).toLowerCase().startsWith(v);
      }
      case 'contains_cs': {
        const v = this.string();
        return (row) => text(row).includes(v);
      }
      case 'contains':
      case 'has': {
        const v = this.string().toLowerCase();
        return (row) => text(row).toLowerCase().includes(v);
      }
      case '!has': {
        const v = this.string().toLowerCase();
        return (row) => !text(row).toLowerCase().includes(v);
      }
      case 'in':
      case '!in': {
        this.expect('(');
        let values: string[];
        const first = this.peek();
        if (first?.kind === 'word' && this.lets.has(first.text)) {
          this.next();
          // A tabular expression: its first column's values.
          values = this.lets.get(first.text)!.map((r) => String(Object.values(r)[0] ?? ''));
        } else {
          values = [this.string()];
          while (this.accept(',')) values.push(this.string());
        }
        this.expect(')');
        return op === 'in' ? (row) => values.includes(text(row)) : (row) => !values.includes(text(row));
      }
      case 'matches': {
        this.expect('regex');
        const re = new RegExp(this.string());
        return (row) => re.test(text(row));
      }
      default:
        throw new Error(`the emulator does not know the operator "${op}"`);
    }
  }
}

/** Runs a query over the tables; throws (a Log Analytics BadArgumentError) for anything outside the subset. */
export function runKql(query: string, tables: Record<string, Row[]>, range?: { start: number; end: number }): { columns: string[]; rows: Row[] } {
  const parser = new Parser(tokenize(query));
  // `let name = <tabular expression>;` statements first, each over the same tables and time range.
  while (parser.accept('let')) {
    const name = parser.word();
    parser.expect('=');
    parser.lets.set(name, runTabular(parser, tables, range).rows);
    parser.expect(';');
  }
  const result = runTabular(parser, tables, range);
  if (!parser.done()) throw new Error(`unexpected "${parser.next().text}" after the query`);
  return result;
}

/** One tabular expression: a table or a union, then `|` operators, up to a `;` or the end. */
function runTabular(parser: Parser, tables: Record<string, Row[]>, range?: { start: number; end: number }): { columns: string[]; rows: Row[] } {
  const names: string[] = [];
  if (parser.accept('union')) {
    names.push(parser.word());
    while (parser.accept(',')) names.push(parser.word());
  } else {
    names.push(parser.word());
  }
  let rows: Row[] = names.flatMap((n) => tables[n] ?? []);
  if (range) rows = rows.filter((r) => Date.parse(String(r.TimeGenerated)) >= range.start && Date.parse(String(r.TimeGenerated)) <= range.end);
  let columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  while (!parser.done() && parser.peek()?.text !== ';') {
    parser.expect('|');
    const op = parser.word();
    if (op === 'where') {
      const predicate = parser.expression();
      rows = rows.filter(predicate);
    } else if (op === 'project') {
      columns = [parser.word()];
      while (parser.accept(',')) columns.push(parser.word());
      rows = rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
    } else if (op === 'order' || op === 'sort') {
      parser.expect('by');
      const column = parser.word();
      // KQL sorts descending unless told otherwise.
      const descending = parser.accept('desc') ? true : parser.accept('asc') ? false : true;
      rows = [...rows].sort((a, b) => {
        const x = String(a[column] ?? '');
        const y = String(b[column] ?? '');
        return (x < y ? -1 : x > y ? 1 : 0) * (descending ? -1 : 1);
      });
    } else if (op === 'take' || op === 'limit') {
      rows = rows.slice(0, Number(parser.word()));
    } else {
      throw new Error(`the emulator does not know the operator "${op}"`);
    }
  }
  return { columns, rows };
}
