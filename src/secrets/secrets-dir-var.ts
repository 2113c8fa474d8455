// `-v secrets_dir=D`: another folder of secrets files, read the same way by every command.
import { expandHome } from '../home-path.js';
import { formatPythonStr } from '../template/python-str.js';
import { parseVarTexts, parseVarTokens, type VarValue } from '../template/parse-vars.js';

/**
 * `-v` tokens as variables (parseVarTokens), with `secrets_dir` kept as the text given: it names a folder, and the
 * number and boolean conversion of template variables would turn `secrets_dir=123` into an int, `007` into 7.
 */
export function parseCliVars(tokens: string[], flag = '-v'): Record<string, VarValue> {
  const vars = parseVarTokens(tokens, flag);
  if (vars.secrets_dir !== undefined && typeof vars.secrets_dir !== 'string') {
    const text = parseVarTexts(tokens, flag).secrets_dir;
    if (text !== undefined) vars.secrets_dir = text;
  }
  return vars;
}

/**
 * The folder `-v secrets_dir=` names, with a leading `~` expanded (a vars file or a quoted value is not shell-expanded).
 * Read with parseCliVars it is text; a value typed otherwise (a caller's own parse) is taken as printed, never dropped.
 */
export function secretsDirVar(vars: Record<string, unknown>): string | undefined {
  const value = vars.secrets_dir;
  if (value === undefined || value === null) return undefined;
  return expandHome(typeof value === 'string' ? value : formatPythonStr(value), '-v secrets_dir');
}
