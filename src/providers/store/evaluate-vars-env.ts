// Evaluates `__VARS` (a schedule's `k=v …` string with shell expressions) at run time and parses it with the -v rules.
import { UserError } from '../../errors.js';
import { runShellCapture } from '../../process/run-shell-capture.js';
import { type VarValue } from '../../template/parse-vars.js';
import { parseCliVars } from '../../secrets/secrets-dir-var.js';

/** A schedule's expressions are quick (`$(date …)`); anything slower is a mistake, not a task. */
const EVAL_TIMEOUT_MS = 30_000;

/**
 * The original's container ran `handoff run … -v $(eval echo $__VARS)`: the shell expands `$(…)` and `$VAR`, then
 * word-splits. We run the same `eval echo` and feed its words to the -v parser, which joins a word without `=` onto
 * the previous value, so `name="a b"` comes back as `a b`.
 */
export async function evaluateVarsEnv(varsText: string, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, VarValue>> {
  if (varsText.trim() === '') return {};
  const result = await runShellCapture('eval echo "$__VARS"', { env: { ...env, __VARS: varsText }, timeoutMs: EVAL_TIMEOUT_MS });
  if (result.code !== 0 || result.timedOut) {
    const why = result.timedOut ? `took longer than ${EVAL_TIMEOUT_MS / 1000} s` : `exited with ${result.code ?? result.signal}`;
    const detail = result.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new UserError(`__VARS could not be evaluated by the shell: it ${why}${detail ? ` (${detail})` : ''}`, {
      fix: 'check the schedule\'s __VARS: it must be k=v pairs whose shell expressions run quickly, e.g. start=$(date -I -d yesterday)',
    });
  }
  const tokens = result.stdout.trim().split(/\s+/).filter((t) => t !== '');
  return parseCliVars(tokens, '__VARS');
}
