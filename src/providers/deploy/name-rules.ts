// Checking cloud names against their documented rules: which rule a name breaks, by how much, and which input to change.
import { UserError, type Diagnostic } from '../../errors.js';
import { plural } from '../../plural.js';

/** One naming rule of a cloud resource (cite the documentation it comes from where it is declared). */
export interface NameRule {
  what: string;
  min: number;
  max: number;
  pattern: RegExp;
  /** `pattern` in words, for messages. */
  allowed: string;
}

/** Which user input a name is made from: named in the fix, with its key path for the diagnostic. */
export interface Blame {
  inputs: string;
  path: string;
  /** Replaces the generated fix when "shorten X" is not the right advice. */
  fix?: string;
}

export interface NameProblem {
  message: string;
  path: string;
  fix: string;
  /** Characters over the limit (0 for other problems), so the worst one leads. */
  over: number;
}

/** What broke `rule` and what to change; undefined when `name` is fine. `cloud` names who sets the rule ("Google Cloud"). */
export function findNameProblem(name: string, rule: NameRule, blame: Blame, cloud: string): NameProblem | undefined {
  if (name.length > rule.max) {
    const over = name.length - rule.max;
    return { message: `${rule.what} "${name}" is ${name.length} characters; ${cloud} allows at most ${rule.max}`, path: blame.path, fix: blame.fix ?? `shorten ${blame.inputs} by at least ${plural(over, 'character')}`, over };
  }
  if (name.length < rule.min) {
    return { message: `${rule.what} "${name}" is ${name.length} characters; ${cloud} needs at least ${rule.min}`, path: blame.path, fix: blame.fix ?? `lengthen ${blame.inputs}`, over: 0 };
  }
  if (!rule.pattern.test(name)) {
    return { message: `${rule.what} "${name}" is invalid: ${cloud} allows ${rule.allowed}`, path: blame.path, fix: blame.fix ?? `change ${blame.inputs}`, over: 0 };
  }
  return undefined;
}

/** One UserError led by the worst problem (one fix is enough for every length problem), with all as diagnostics. */
export function createNameError(problems: NameProblem[]): UserError {
  const sorted = [...problems].sort((a, b) => b.over - a.over);
  const lead = sorted[0]!;
  const diagnostics: Diagnostic[] = sorted.map((p) => ({ severity: 'error', message: p.message, path: p.path, hint: p.fix }));
  return new UserError(lead.message, { fix: lead.fix, diagnostics });
}

export function throwIfNameProblem(problem: NameProblem | undefined): void {
  if (problem) throw createNameError([problem]);
}

/**
 * A secret key of a cloud that keeps each secret path's keys as JSON keys inside one secret (Google Cloud, Azure): any
 * key SSM accepts works (letters, digits, _ . -, at most 256), which keeps stores interchangeable with AWS.
 */
export function checkBundledSecretKey(key: string): string {
  if (!/^[a-zA-Z0-9_.-]{1,256}$/.test(key)) {
    throwIfNameProblem({ message: `secret key "${key}" is invalid: use letters, digits and _ . - (at most 256)`, path: 'key', fix: `rename the secret "${key}"`, over: 0 });
  }
  return key;
}
