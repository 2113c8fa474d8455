// Finds the tabs PyYAML (and so the original handoff) refused in a YAML file that the yaml package reads anyway.
import { Lexer } from 'yaml';

/** The words of the error at such a tab (project.yml and the secrets file); never the line, which may hold a secret. */
export const TAB_REFUSED = 'found a tab outside quotes; PyYAML (and so the original handoff) refused it: "found character \'\\t\' that cannot start any token"';
export const TAB_FIX = 'use spaces instead of the tab (or quote the value if the tab belongs to it)';

/**
 * The offset of the first tab PyYAML refused, or undefined. PyYAML (every loader) took a tab only inside a quoted
 * scalar, a block scalar's lines or a comment: `name:\tt1`, `a: 1\t# c` or `[1,\t2]` were "found character '\t'
 * that cannot start any token". Meant for text the yaml package read without errors.
 */
export function findTabOutsideQuotes(text: string): number | undefined {
  if (!text.includes('\t')) return undefined;
  let offset = 0;
  let blockScalar: 'header' | 'body' | undefined;
  for (const token of new Lexer().lex(text)) {
    // The lexer's markers of a document, a scalar and a flow's end are not in the text.
    if (token === '\u0002' || token === '\u001f' || token === '\u0018') continue;
    const start = offset;
    offset += token.length;
    // Lexer tokens: control characters mark document and scalar starts; `|`/`>` headers precede a block scalar's body.
    if (/^[|>]/.test(token)) blockScalar = 'header';
    else if (blockScalar === 'header' && token !== '\n' && !/^[ \t]*(#.*)?$/.test(token)) blockScalar = 'body';
    if (blockScalar === 'body') {
      blockScalar = undefined;
      continue;
    }
    if (token.startsWith('"') || token.startsWith("'") || token.startsWith('#')) continue;
    const tab = token.indexOf('\t');
    if (tab !== -1) return start + tab;
  }
  return undefined;
}
