// Tidies a rendered command line for display: an empty `{% if %}` block leaves two spaces where one would do.

/**
 * A rendered command line without its one final newline, as Jinja2 (keep_trailing_newline=False) gave the original's:
 * a folded or literal `args: >` / `|` ends with one, which would split the "Process … exited" log line, the run record
 * and the --dry-run plan. Used for the command that runs too (the shell ignores it); files/ keep theirs (SPEC §3).
 */
export function dropFinalNewline(line: string): string {
  return line.endsWith('\r\n') ? line.slice(0, -2) : line.endsWith('\n') ? line.slice(0, -1) : line;
}

/**
 * Collapses each run of spaces and tabs outside quotes to one space and trims the ends, line by line. Only for showing
 * a command (logs, records, `--dry-run`): the command that runs is left exactly as rendered. Inside '…' or "…", after a
 * backslash, and in lines after the first (a heredoc's body, say) nothing changes.
 */
export function tidyCommandLine(line: string): string {
  const newline = line.indexOf('\n');
  const first = newline < 0 ? line : line.slice(0, newline);
  const rest = newline < 0 ? '' : line.slice(newline);
  let out = '';
  let quote: string | undefined;
  let pendingSpace = false;
  for (let i = 0; i < first.length; i++) {
    const ch = first[i] as string;
    if (!quote && (ch === ' ' || ch === '\t')) {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace && out !== '') out += ' ';
    pendingSpace = false;
    out += ch;
    if (ch === '\\' && quote !== "'" && i + 1 < first.length) {
      out += first[++i];
    } else if (quote === undefined && (ch === "'" || ch === '"')) {
      quote = ch;
    } else if (ch === quote) {
      quote = undefined;
    }
  }
  if (pendingSpace && rest !== '') out += ' ';
  return out + rest;
}
