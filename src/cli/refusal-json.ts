// The `--json` result of a command that refused its input: the problems as data on stdout, beside the text on stderr.
import path from 'node:path';
import type { Diagnostic, UserError } from '../errors.js';

/** What `config validate --json` and `run local --json` print when the project is refused (exit code 2). */
export interface RefusalJson {
  /** false: the shape of a valid result (`{ valid: true, file, tasks, warnings }`), so a caller tests one key. */
  valid: false;
  /** project.yml, absolute, as the valid result names it (absent when no -p was given). */
  file?: string;
  /** The one-line reason, as the text on stderr leads with it. */
  error: string;
  fix?: string;
  exitCode: number;
  /** Every error: message, key path (`path`), and `location` ({ file, line, col }) when it is known. */
  problems: Diagnostic[];
  /** Warnings found with them (unknown keys, ignored keys), in the same form. */
  warnings: Diagnostic[];
}

export function describeRefusal(error: UserError, projectDir: string | undefined): RefusalJson {
  const errors = error.diagnostics.filter((d) => d.severity === 'error');
  return {
    valid: false,
    ...(projectDir !== undefined ? { file: path.resolve(projectDir, 'project.yml') } : {}),
    error: error.message,
    ...(error.fix ? { fix: error.fix } : {}),
    exitCode: error.exitCode,
    // An error without diagnostics (a missing -w, a locked workspace) is its own one problem, so the list is never empty.
    problems: errors.length > 0 ? errors : [{ severity: 'error', message: error.message, ...(error.fix ? { hint: error.fix } : {}) }],
    warnings: error.diagnostics.filter((d) => d.severity === 'warning'),
  };
}

/** Writes the refusal as the command's JSON result on stdout; the caller rethrows, so stderr gets the text as ever. */
/** The fix names the command's own -p/-w (cli/fix-args.ts), loaded only for a refusal. */
export async function printRefusal(error: UserError, given: { projectDir?: string; workspaceDir?: string }): Promise<void> {
  (await import('./fix-args.js')).fillErrorFixArgs(error, given);
  process.stdout.write(`${JSON.stringify(describeRefusal(error, given.projectDir), null, 2)}\n`);
}
