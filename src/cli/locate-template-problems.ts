// Points template problems found in a command line, a vars value or an install command at their line of project.yml.
import type { Diagnostic } from '../errors.js';
import { UserError } from '../errors.js';
import { parseKeyPath } from '../project/format-key-path.js';
import { loadLocatedProject, type LocatedProject } from '../project/load-project.js';
import { loadPositionalReader } from '../project/parse-yaml-source.js';
import type { Command } from '../project/types.js';
import { planRun } from '../runner/plan-run.js';
import { isFieldTemplatePath } from '../template/field-templates.js';

/**
 * The template engine's position is within the command line (`command` and `args` joined by a space): the problem
 * is located at the key of project.yml it falls in (`args` when the column is past the command), and its line and
 * column within the command line are said in the message.
 */
export function locateTemplateDiagnostic(d: Diagnostic, command: Command, locate: LocatedProject['locate']): Diagnostic {
  const templateLocation = d.location?.file === d.path ? d.location : undefined;
  const col = templateLocation?.col;
  // Without a column (an undefined name), the problem is in whichever of the two holds template syntax.
  const inArgs =
    command.args !== undefined &&
    (col !== undefined ? (templateLocation?.line ?? 1) === 1 && col > command.command.length + 1 : hasTemplateSyntax(command.args) && !hasTemplateSyntax(command.command));
  const key = inArgs ? 'args' : 'command';
  const at = templateLocation ? ` (line ${templateLocation.line}${col !== undefined ? `, column ${col}` : ''} of the command line)` : '';
  const { hint } = d;
  return { severity: d.severity, message: `${d.message}${at}`, path: `${command.path}.${key}`, location: locate([...parseKeyPath(command.path), key]), ...(hint ? { hint } : {}) };
}

/**
 * A problem in a template written in one key (`vars[0].value`, `installs[0].command`; the diagnostic's path, as the
 * renderer names its origin): located at that key's value, with the line and column within the value in the message.
 */
export function locateFieldTemplateDiagnostic(d: Diagnostic, locate: LocatedProject['locate']): Diagnostic {
  const path = d.path ?? '';
  const templateLocation = d.location?.file === d.path ? d.location : undefined;
  const col = templateLocation?.col;
  const at = templateLocation ? ` (line ${templateLocation.line}${col !== undefined ? `, column ${col}` : ''} of the value)` : '';
  const { hint } = d;
  return { severity: d.severity, message: `${d.message}${at}`, path, location: locate(parseKeyPath(path)), ...(hint ? { hint } : {}) };
}

function hasTemplateSyntax(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

/**
 * A run found template problems in its commands, vars values or install commands (the renderer names each by its
 * key path): the same error with each problem located in project.yml, as `config validate` reports them. project.yml is parsed with positions
 * only here, on the error path; when it cannot be (it changed meanwhile and no longer loads), the error is kept.
 */
export async function locateTemplateProblems(error: unknown, projectDir: string): Promise<unknown> {
  const locatable = (d: Diagnostic): boolean =>
    d.path !== undefined && (/^tasks\[\d+\]/.test(d.path) || isFieldTemplatePath(d.path) || isKeyOfFileWithoutLine(d));
  if (!(error instanceof UserError) || !error.diagnostics.some(locatable)) return error;
  let located: LocatedProject;
  try {
    located = await loadLocatedProject(projectDir);
  } catch {
    return error;
  }
  await loadPositionalReader();
  const plan = planRun(located.project);
  const commands = new Map([...plan.staticCommands, ...plan.foreachCommands].map((c) => [c.path, c]));
  let changed = false;
  const diagnostics = error.diagnostics.map((d) => {
    // A problem already located in a file (not in a template's own text) keeps its place.
    if (d.path !== undefined && isFieldTemplatePath(d.path) && (d.location === undefined || d.location.file === d.path)) {
      changed = true;
      return locateFieldTemplateDiagnostic(d, located.locate);
    }
    const command = d.path === undefined ? undefined : commands.get(d.path);
    if (!command) {
      if (!isKeyOfFileWithoutLine(d)) return d;
      // A problem of the run's values (an env without value or secret, an install's interpreter not found): named by
      // its key and file when found, which has no positions then; its line is that key's.
      changed = true;
      return { ...d, location: located.locate(parseKeyPath(d.path as string)) };
    }
    changed = true;
    return locateTemplateDiagnostic(d, command, located.locate);
  });
  if (!changed) return error;
  return new UserError(error.message, { fix: error.fix, exitCode: error.exitCode, diagnostics, cause: error.cause });
}

/** A problem named by its key path in project.yml (`envs[0]`, `installs[1].python`) whose location has no line yet. */
function isKeyOfFileWithoutLine(d: Diagnostic): boolean {
  return d.path !== undefined && /^(envs|installs)\[\d+\]/.test(d.path) && d.location?.file !== undefined && d.location.file !== d.path && d.location.line === undefined;
}
