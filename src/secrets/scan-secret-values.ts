// The values a secrets file that does not load (a YAML mistake, an edit in progress) may still hold, found line by
// line without parsing it, so that a reader who masks with them (the web UI) hides more while the file is broken.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

/** `value: …` or `file: …` of an entry (after its `- ` or not), with the column of the field. */
const FIELD_LINE = /^(\s*(?:-\s+)?)(value|file)\s*:(.*)$/;
const BLOCK_SCALAR = /^[|>][-+0-9]*$/;

function unquote(text: string): string {
  if (text.length >= 2 && ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith("'") && text.endsWith("'")))) return text.slice(1, -1);
  return text;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * Every value the file seems to give: inline `value:` scalars (as written, unquoted, and without a trailing comment),
 * block scalars (`value: |` and the lines indented under it), and the contents of `file:` entries it can read. It
 * errs towards too many: the caller masks with them, and a value masked too often costs less than one shown.
 */
export function scanSecretValues(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split(/\r?\n|\r/);
  const values = new Set<string>();
  lines.forEach((line, index) => {
    const match = FIELD_LINE.exec(line);
    if (!match) return;
    const [, before, field, rest] = match;
    const withoutComment = rest.replace(/\s#.*$/, '').trim();
    if (field === 'value' && BLOCK_SCALAR.test(withoutComment)) {
      const body: string[] = [];
      for (let i = index + 1; i < lines.length && (lines[i].trim() === '' || indentOf(lines[i]) > before.length); i++) body.push(lines[i].trim());
      values.add(body.join('\n').trim());
      return;
    }
    for (const candidate of candidatesOf(rest)) {
      if (field === 'value') values.add(candidate);
      else if (candidate) {
        try {
          const content = readFileSync(targetPath(file, candidate), 'utf8');
          values.add(content);
          values.add(content.trim());
        } catch {
          // a file it names that cannot be read gives nothing to mask
        }
      }
    }
  });
  return [...values].filter((value) => value.length > 0);
}

/**
 * The paths the file's `file:` lines seem to name (resolved as a run resolves them), read as scanSecretValues reads
 * them: also while the file does not load, so a reader can watch them then too. Too many is harmless.
 */
export function scanSecretFileTargets(file: string, text: string): string[] {
  const targets = new Set<string>();
  for (const line of text.split(/\r?\n|\r/)) {
    const match = FIELD_LINE.exec(line);
    if (match?.[2] !== 'file') continue;
    for (const candidate of candidatesOf(match[3])) if (candidate) targets.add(targetPath(file, candidate));
  }
  return [...targets];
}

/** What a field's text may mean: a quoted value ends at its closing quote (a `#` inside it is no comment); a plain
 * one may have a comment after it. */
function candidatesOf(rest: string): Set<string> {
  const written = rest.trim();
  const withoutComment = rest.replace(/\s#.*$/, '').trim();
  const quoted = /^\s*(["'])(.*?)\1/.exec(rest);
  return new Set(quoted ? [quoted[2], unquote(written)] : [written, withoutComment].map(unquote));
}

/** A `file:` path: relative to the secrets file's folder, or absolute (as local-secrets.ts reads it). */
function targetPath(secretsFile: string, candidate: string): string {
  return isAbsolute(candidate) ? candidate : join(dirname(secretsFile), candidate);
}
