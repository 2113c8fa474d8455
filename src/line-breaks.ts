// Reads line ends as PyYAML and Jinja2, which read the original's files, did: a lone CR is a line break.

/**
 * A lone CR (classic Mac line ends, some exporters) is a line break to PyYAML and to Jinja2 (whose output writes it
 * as LF), and to neither the yaml package nor nunjucks, which then count the whole file as line 1. Read as LF, one
 * for one, so lines are counted as the original counted them. A CR LF pair is left alone: every reader here takes it.
 */
export function readLoneCrAsLf(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}
