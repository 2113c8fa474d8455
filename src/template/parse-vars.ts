// Parses `-v`/`-e` command-line tokens (or a file of `k=v` lines) into typed variables (SPEC §1).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { toPythonFloat, type PythonFloat } from './python-str.js';

/** An int beyond 2**53 is a bigint, exact (the template engine's form of such an int). */
export type VarValue = string | number | bigint | boolean | PythonFloat;

/** `-e` tokens as environment variables: the same parsing as `-v`, each value as text. */
export function parseEnvTokens(tokens: string[]): Record<string, string> {
  const envs: Record<string, string> = {};
  for (const [key, value] of Object.entries(parseVarTokens(tokens, '-e'))) envs[key] = String(value);
  return envs;
}

/**
 * Turns `key=value` tokens into variables. A token without `=` continues the previous value (joined with one space),
 * because `-v $(eval echo $__VARS)` word-splits values that contained spaces. A single token naming an existing
 * regular file is read as one `key=value` per line instead.
 */
export function parseVarTokens(tokens: string[], flag: string): Record<string, VarValue> {
  const result: Record<string, VarValue> = {};
  for (const [key, text] of Object.entries(parseVarTexts(tokens, flag))) result[key] = convertValue(text);
  return result;
}

/**
 * The same tokens as text, unconverted: for values that are identifiers (a job id `07515`, an external id `0123`, a
 * filter `1e5`), which the number and boolean conversion of template variables would change.
 */
export function parseVarTexts(tokens: string[], flag: string): Record<string, string> {
  if (tokens.length === 1 && !tokens[0].includes('=') && isRegularFile(tokens[0])) {
    return parseVarFile(tokens[0], flag);
  }
  const pairs: { key: string; raw: string }[] = [];
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq < 0) {
      const last = pairs[pairs.length - 1];
      if (!last) {
        // A lone word may have been meant as a vars file (SPEC §1): say why it was not read as one.
        const notFile = tokens.length === 1 ? `, nor a vars file (${existsSync(token) ? 'not a regular file' : 'no such file'})` : '';
        throw new UserError(`${flag} "${token}" is not a key=value pair${notFile}`, {
          fix: `write it as ${flag} key=value (for example ${flag} start_date=2020-01-01)${notFile ? ', or give the path of a file of key=value lines' : ''}`,
        });
      }
      last.raw = `${last.raw} ${token}`;
      continue;
    }
    pairs.push({ key: readKey(token, eq, flag, `${flag} "${token}"`), raw: token.slice(eq + 1) });
  }
  const result: Record<string, string> = {};
  for (const { key, raw } of pairs) result[key] = stripQuotes(raw);
  return result;
}

/**
 * Reads a vars file: one `key=value` per line, `#` comments and blank lines ignored; errors name `file:line`. Spaces
 * around `=` are dropped here (no shell split the line); quote a value to keep its outer spaces.
 */
function parseVarFile(file: string, flag: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the ${flag} file ${file}: ${(e as Error).message}`, {
      fix: 'check that the file exists and is readable',
    });
  }
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${index + 1}`;
    const eq = line.indexOf('=');
    if (eq < 0) {
      throw new UserError(`${where}: "${line}" is not a key=value pair`, {
        fix: `write one key=value per line in the ${flag} file (lines starting with # are comments)`,
      });
    }
    result[readKey(line, eq, flag, `${where}: "${line}"`)] = stripQuotes(line.slice(eq + 1).trim());
  });
  return result;
}

/** `shown` says where the token came from in the error, e.g. `-v "=x"` or `vars.txt:3: "=x"`. */
function readKey(token: string, eq: number, flag: string, shown: string): string {
  const key = stripQuotes(token.slice(0, eq).trim()).trim();
  if (key === '') {
    throw new UserError(`${shown} has an empty key`, {
      fix: `write it as ${flag} key=value (for example ${flag} start_date=2020-01-01)`,
    });
  }
  return key;
}

/** Removes one pair of matching outer quotes, as a shell would have if the value had not been re-split. */
function stripQuotes(s: string): string {
  if (s.length >= 2) {
    const first = s[0];
    if ((first === '"' || first === "'") && s[s.length - 1] === first) return s.slice(1, -1);
  }
  return s;
}

/**
 * A `-v` switch (`follow`, `allow_advanced_tier`): the words a variable converts to a boolean (true/t, false/f, any
 * case), undefined when not given. Any other value is refused: `follow=yes` must not quietly mean false.
 */
export function readVarBoolean(vars: Record<string, VarValue>, key: string, flag: string): boolean | undefined {
  const value = vars[key];
  if (value === undefined || typeof value === 'boolean') return value;
  throw new UserError(`${flag} ${key}=${String(value)} is not true or false`, { fix: `write ${flag} ${key}=true or ${flag} ${key}=false (t and f too), or leave it out` });
}

const TRUE_WORDS = /^(true|t)$/i;
const FALSE_WORDS = /^(false|f)$/i;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * As the original: a number with a `.` is a float (`1.0` renders `1.0`), one without is an int (`007` → 7, `1e5` →
 * 100000). Two deliberate differences: the original truncated `1e-05` to the int 0 (it stays the float 1e-05 here), and
 * rounded long digit strings (ids, account numbers) to the nearest float; they are exact ints here (bigints), as
 * project.yml's vars are (PyYAML read those exactly).
 */
function convertValue(s: string): VarValue {
  if (TRUE_WORDS.test(s)) return true;
  if (FALSE_WORDS.test(s)) return false;
  if (NUMBER.test(s)) {
    const n = Number(s);
    if (s.includes('.')) return toPythonFloat(n);
    if (Number.isSafeInteger(n)) return n;
    if (/^[+-]?\d+$/.test(s)) return BigInt(s);
    if (/[eE]/.test(s) && Number.isFinite(n) && !Number.isInteger(n)) return n;
  }
  return s;
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
