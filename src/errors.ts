// Typed errors: UserError for expected problems (printed without a stack, with a fix), mapped to exit codes in cli/main.ts.

/** A place in a file that a problem refers to. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  col?: number;
}

/** One problem found in user input: where, which key, what is wrong, and what was expected. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  location?: SourceLocation;
  /** Key path inside the document, e.g. `tasks[0].pipeline[1].command`. */
  path?: string;
  /** What would fix it, e.g. `did you mean "description"?` */
  hint?: string;
}

/** An expected failure caused by input, configuration or environment; the CLI prints it without a stack trace. */
export class UserError extends Error {
  /** Not readonly: the CLI puts the command's own -p/-w into it (cli/fix-args.ts). */
  fix?: string;
  readonly exitCode: number;
  readonly diagnostics: Diagnostic[];

  constructor(reason: string, options: { fix?: string; exitCode?: number; diagnostics?: Diagnostic[]; cause?: unknown } = {}) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? 2;
    this.diagnostics = options.diagnostics ?? [];
  }
}

/** Formats a diagnostic as `file:line:col: key.path: message (hint)` for terminals and logs. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location
    ? `${d.location.file}${d.location.line ? `:${d.location.line}${d.location.col ? `:${d.location.col}` : ''}` : ''}`
    : '';
  const parts = [where, d.path].filter(Boolean).join(': ');
  const head = parts ? `${parts}: ` : '';
  return `${d.severity}: ${head}${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** Several UserErrors as one, led by the first's message and fix, with every error's diagnostics (each once). */
export function combineUserErrors(errors: readonly UserError[]): UserError {
  if (errors.length === 1) return errors[0]!;
  const first = errors[0]!;
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const error of errors) {
    // An error without diagnostics is a diagnostic of its own, so none is lost from the list.
    for (const d of error.diagnostics.length > 0 ? error.diagnostics : [{ severity: 'error' as const, message: error.message, ...(error.fix ? { hint: error.fix } : {}) }]) {
      const key = `${d.path ?? ''}\0${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(d);
    }
  }
  return new UserError(`${first.message} (one of ${diagnostics.length} problems, below)`, { fix: first.fix, exitCode: first.exitCode, diagnostics });
}

/**
 * Runs checks that each throw a UserError, so that one command reports every problem of its input instead of only the
 * first: `check` returns the body's value, or undefined when it threw a UserError (other errors pass through), and
 * `throwIfAny` throws what was found as one UserError.
 */
export class ProblemCollector {
  readonly errors: UserError[] = [];

  check<T>(body: () => T): T | undefined {
    try {
      return body();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      this.errors.push(error);
      return undefined;
    }
  }

  async checkAsync<T>(body: () => Promise<T>): Promise<T | undefined> {
    try {
      return await body();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      this.errors.push(error);
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw combineUserErrors(this.errors);
  }
}
