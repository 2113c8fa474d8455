// The error for a mistyped operand word (`run locl`, `config validate loacl`): did-you-mean, as commander says for commands.
import { UserError } from '../errors.js';
import { suggestKey } from '../project/suggest-key.js';

/** `unknown run target "locl" (did you mean "local"?)`, exit 2; no guess for a word far from every known one. */
export function unknownOperand(what: string, word: string, known: readonly string[], fix: string): UserError {
  const near = suggestKey(word, known);
  return new UserError(`unknown ${what} "${word}"${near ? ` (did you mean "${near}"?)` : ''}`, { fix });
}
