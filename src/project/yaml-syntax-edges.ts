// What the two fast readers of project.yml share without js-yaml: what they give, and the text they hand over at once.

/** What the fast reader gives: the data, and the text each number was written as when that text is certain. */
export interface PlainYaml {
  data: unknown;
  /** How `value` was written, when every plain scalar read as `value` was written the same way; else undefined. */
  writtenAs(value: number): string | undefined;
}

/**
 * Text where js-yaml (4.3) and the yaml package part ways, seen before reading; such documents go to the positional
 * reader (read-plain-yaml.ts). Each was found by the generated documents of read-plain-yaml.test.ts.
 */
const edgesOfTheSyntax: readonly RegExp[] = [
  // Directives (`%YAML 1.2` would change how the positional reader resolves scalars).
  /^%/m,
  // A `-` that ends its line: js-yaml misplaces the item after an empty one (`-\n  -\n- q` is [[null], q] in YAML,
  // [[null, q]] to js-yaml), so every such document goes over, whether the item is empty or not.
  /(?:^|[ \t])-[ \t]*(?:#[^\n]*)?\r?$/m,
  // Tabs: where a tab may stand for a space, the two readers disagree. So they do on a carriage return that is not
  // part of a CRLF line end (a line break to YAML), on a byte order mark anywhere, and on the characters PyYAML
  // breaks lines at (NEL, LS, PS: JavaScript's `$` matches before LS and PS, which would slip past the guards).
  /\t|\r(?!\n)|\ufeff|[\u0085\u2028\u2029]/,
  // A last line of spaces only, with no line end: js-yaml keeps one more line break in a `|+` scalar before it.
  /(?:^|\n)[ ]+$/,
  // Explicit keys (`? key`).
  /(?:^|[ [{,])\?(?: |\r?$)/m,
  // A `#` right after a quote, bracket or comma (`"b"#c`): a comment to js-yaml, refused by YAML.
  /["'[\]{},]#/,
  // Anything after a document marker on its line (`---a: 1`, `--- - a`): js-yaml reads a document there.
  /^(?:---|\.\.\.)(?!\r?$)/m,
  // Verbatim tags (`!<?>`, which js-yaml resolves as a plain scalar even when quoted) and `\U` escapes beyond
  // Unicode, which js-yaml turns into stray surrogates.
  /!<|\\U/,
];

/**
 * A line over 1,024 characters (UTF-16 units, as a regular expression counts them): YAML refuses an implicit key that
 * long, js-yaml does not. A loop over the line ends, not `/^[^\n]{1025}/m`, which tries each line start of a large
 * project.yml again and again (a millisecond or more of a 500-task `config validate`).
 */
function hasLineLongerThan(text: string, limit: number): boolean {
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if ((end === -1 ? text.length : end) - start > limit) return true;
    if (end === -1) return false;
    start = end + 1;
  }
}

/** Whether the text holds what js-yaml and the yaml package read apart (above), or a line over 1,024 characters. */
export function isAtTheEdgesOfTheSyntax(text: string): boolean {
  return edgesOfTheSyntax.some((edge) => edge.test(text)) || hasLineLongerThan(text, 1024);
}
