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
  readonly fix?: string;
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
